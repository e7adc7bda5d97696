"""GitHub REST access through PyGithub: find a release (by tag or latest) and list its assets.

PyGithub's own retry and request throttling are switched off: :mod:`verifier.release.retry`
decides, so API calls and downloads share one bounded policy and give up with one line.
The token comes from ``GITHUB_TOKEN`` or ``GH_TOKEN`` and the base URL from
``GITHUB_API_URL`` (GitHub Enterprise, Actions); neither is ever printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Callable, Mapping, TypeVar
from urllib.parse import urlsplit

from verifier.errors import VerifierError
from verifier.release.assets import ReleaseAsset
from verifier.release.network import network_failure
from verifier.release.retry import RetryPolicy, Transient, call_with_retries, classify_status

T = TypeVar("T")

TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
REQUEST_TIMEOUT = 30
USER_AGENT = "llama-server-verifier"


@dataclass(frozen=True)
class GitHubSettings:
    base_url: str | None
    """``GITHUB_API_URL`` or None for PyGithub's default (public GitHub)."""
    token: str | None = None
    token_source: str | None = None
    """The variable the token came from, for messages (never the token itself)."""

    def __repr__(self) -> str:  # keep the token out of any accidental repr
        return f"GitHubSettings(base_url={self.base_url!r}, token={'set' if self.token else None})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GitHubSettings:
        """Raises :class:`VerifierError` for a ``GITHUB_API_URL`` that is not an http(s) URL."""
        env = os.environ if env is None else env
        base = (env.get("GITHUB_API_URL") or "").strip().rstrip("/") or None
        if base is not None:
            try:
                parts = urlsplit(base)
                valid = parts.scheme in ("http", "https") and bool(parts.hostname)
                _ = parts.port  # raises ValueError for a bad port
            except ValueError:
                valid = False
            if not valid:
                raise VerifierError(f"GITHUB_API_URL={base!r} is not an http(s) URL")
        for name in TOKEN_VARIABLES:
            token = (env.get(name) or "").strip()
            if token:
                return cls(base, token, name)
        return cls(base)

    def api_host(self) -> str:
        """``host[:port]`` of the API, for messages."""
        parts = urlsplit(self.base_url or "https://api.github.com")
        return (parts.hostname or "") + (f":{parts.port}" if parts.port else "")

    def origin(self) -> tuple[str, str, int]:
        """(scheme, host, port) of the API: the only place the token may be sent."""
        return origin_of(self.base_url or "https://api.github.com")


def origin_of(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


@dataclass(frozen=True)
class Release:
    repo: str
    tag: str
    name: str
    assets: tuple[ReleaseAsset, ...]
    prerelease: bool = False
    requested: str = ""
    """The tag asked for (``latest``, ``v0.4.0``, ``b11434``); empty when it is ``tag``."""
    because: str = ""
    """Why ``tag`` was taken for ``requested`` (e.g. a semver release's ``nightly-tag.txt``)."""

    @property
    def resolution(self) -> str:
        """``latest -> b11549 (why)`` for reports; empty when the tag asked for is the one verified."""
        if not self.because:
            return ""
        return f"{self.requested or self.tag} -> {self.tag} ({self.because})"


def _describe(exc: BaseException) -> str:
    from github import GithubException

    if isinstance(exc, GithubException):
        message = exc.message or (exc.data.get("message") if isinstance(exc.data, dict) else None) or ""
        return f"HTTP {exc.status}" + (f" ({message})" if message else "")
    return f"{type(exc).__name__}: {exc}"


def _classifier(settings: GitHubSettings) -> Callable[[BaseException], Transient | None]:
    from github import GithubException

    def classify(exc: BaseException) -> Transient | None:
        if isinstance(exc, GithubException):
            message = exc.message or (exc.data.get("message") if isinstance(exc.data, dict) else "") or ""
            transient = classify_status(exc.status, exc.headers, str(message))
            if transient and "rate limited" in transient.describe and not settings.token:
                transient = Transient(transient.describe + "; without a token: set GITHUB_TOKEN for a higher limit",
                                      transient.delay)
            return transient
        failure = network_failure(exc, settings.api_host())
        if failure is not None and failure.heals:
            return Transient(failure.describe())
        return None

    return classify


def _permanent(exc: BaseException, settings: GitHubSettings, not_found: str) -> VerifierError | None:
    """A one-line error for an answer that retrying cannot fix."""
    from github import BadCredentialsException, GithubException, UnknownObjectException

    if isinstance(exc, BadCredentialsException) or (isinstance(exc, GithubException) and exc.status == 401):
        return VerifierError(f"bad credentials: GitHub refused the token in {settings.token_source or 'the environment'}"
                             " (HTTP 401); fix or unset it")
    if isinstance(exc, UnknownObjectException) or (isinstance(exc, GithubException) and exc.status == 404):
        return NotFound(not_found)
    if isinstance(exc, GithubException):
        return VerifierError(f"GitHub refused the request: {_describe(exc)}")
    return None


class NotFound(VerifierError):
    """GitHub answered 404: no such release, tag or repository (or it is private)."""


def _to_asset(raw: object) -> ReleaseAsset:
    a = raw  # a github.GitReleaseAsset.GitReleaseAsset, completed from the listing
    updated = getattr(a, "updated_at", None)
    return ReleaseAsset(id=a.id, name=a.name, size=a.size, digest=a.digest, api_url=a.url,  # type: ignore[attr-defined]
                        download_url=a.browser_download_url or "",  # type: ignore[attr-defined]
                        updated_at=updated.isoformat() if updated else "")


def _release(repo: str, raw: object, assets: tuple[ReleaseAsset, ...]) -> Release:
    r = raw  # a github.GitRelease.GitRelease
    return Release(repo, r.tag_name, r.name or r.tag_name, assets,  # type: ignore[attr-defined]
                   prerelease=bool(r.prerelease))  # type: ignore[attr-defined]


class _GitHubSource:
    """:class:`verifier.release.tags.ReleaseSource` over PyGithub, every call under the retry policy."""

    def __init__(self, repo: str, settings: GitHubSettings, policy: RetryPolicy) -> None:
        from github import Auth, Github

        kwargs: dict[str, object] = {}
        if settings.base_url:
            kwargs["base_url"] = settings.base_url
        self.repo = repo
        self.settings = settings
        self.policy = policy
        self.gh = Github(auth=Auth.Token(settings.token) if settings.token else None, timeout=REQUEST_TIMEOUT,
                         user_agent=USER_AGENT, per_page=100, retry=None, seconds_between_requests=None,
                         seconds_between_writes=None, lazy=True, **kwargs)  # type: ignore[arg-type]
        self.gh_repo = self.gh.get_repo(repo)
        self.classify = _classifier(settings)

    def call(self, fn: Callable[[], T], what: str, not_found: str) -> T:
        try:
            return call_with_retries(fn, self.classify, self.policy, what=what)
        except VerifierError:
            raise
        except Exception as exc:  # turned into one line, never a traceback
            failure = network_failure(exc, self.settings.api_host())
            if failure is not None:
                raise VerifierError(f"{what}: {failure.describe()}") from None
            error = _permanent(exc, self.settings, not_found)
            if error is None:
                raise VerifierError(f"{what}: {_describe(exc)}") from None
            raise error from None

    def _missing(self, fn: Callable[[], T], what: str) -> T | None:
        """``fn()``, or None when GitHub answers 404."""
        try:
            return self.call(fn, what, what)
        except NotFound:
            return None

    def _with_assets(self, raw: object) -> Release:
        tag = raw.tag_name  # type: ignore[attr-defined]
        assets = self.call(lambda: [_to_asset(a) for a in raw.get_assets()],  # type: ignore[attr-defined]
                           f"assets of {self.repo} {tag}", f"release {tag} of {self.repo} has gone")
        return _release(self.repo, raw, tuple(assets))

    def by_tag(self, tag: str) -> Release | None:
        raw = self._missing(lambda: self.gh_repo.get_release(tag), f"release {tag} of {self.repo}")
        return None if raw is None else self._with_assets(raw)

    def latest(self) -> Release | None:
        raw = self._missing(lambda: self.gh_repo.get_latest_release().complete(), f"latest release of {self.repo}")
        return None if raw is None else self._with_assets(raw)

    def recent(self) -> list[Release]:
        not_found = f"{self.repo} has no published release (or the repository does not exist, or is private)"
        page = self.call(lambda: self.gh_repo.get_releases().get_page(0), f"releases of {self.repo}", not_found)
        return [_release(self.repo, r, tuple(_to_asset(a) for a in r.assets)) for r in page]

    def every(self) -> list[Release]:
        """Every release with its assets, as the listing gives them (newest first, 100 a page)."""
        not_found = f"{self.repo} has no published release (or the repository does not exist, or is private)"
        listed = self.call(lambda: list(self.gh_repo.get_releases()), f"releases of {self.repo}", not_found)
        return [_release(self.repo, r, tuple(_to_asset(a) for a in r.assets)) for r in listed]

    def read_pointer(self, release: Release, asset: ReleaseAsset) -> bytes:
        from verifier.release.download import fetch_small
        from verifier.release.tags import POINTER_MAX_BYTES

        return fetch_small(asset, self.settings, self.policy, max_bytes=POINTER_MAX_BYTES)

    def close(self) -> None:
        self.gh.close()


def fetch_release(repo: str, tag: str, settings: GitHubSettings, policy: RetryPolicy) -> Release:
    """The release that carries the builds for ``tag`` (or ``latest``) of ``repo``, with all its assets.

    ``latest`` and a semver release without builds are resolved to a nightly
    (:func:`verifier.release.tags.resolve_release`); the Release says which and why. Raises
    :class:`VerifierError` (one line) for an unknown tag or repository, bad credentials, a
    refused request, a pointer to a missing release, or retries exhausted.
    """
    from verifier.release.tags import resolve_release

    source = _GitHubSource(repo, settings, policy)
    try:
        resolved = resolve_release(source, tag)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        # The typed boundary: PyGithub's BadAttributeException and friends for a number where a name belongs.
        raise VerifierError(f"the GitHub API answered release data of an unexpected shape for {repo} {tag} "
                            f"({type(exc).__name__})") from None
    except Exception as exc:
        from github.GithubObject import BadAttributeException

        if isinstance(exc, BadAttributeException):
            raise VerifierError(f"the GitHub API answered release data of an unexpected shape for {repo} {tag} "
                                f"(a field of the wrong type)") from None
        raise
    finally:
        source.close()
    if not isinstance(resolved.release.tag, str) or not resolved.release.tag.strip():
        raise VerifierError(f"the GitHub API answered a release of {repo} without a usable tag_name")
    return replace(resolved.release, requested=tag, because=resolved.because)


def list_releases(repo: str, settings: GitHubSettings, policy: RetryPolicy) -> list[Release]:
    """Every release of ``repo`` with its assets (``bisect`` and ``history --releases`` pick their range)."""
    source = _GitHubSource(repo, settings, policy)
    try:
        return source.every()
    finally:
        source.close()
