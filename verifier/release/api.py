"""GitHub REST access through PyGithub: find a release (by tag or latest) and list its assets.

PyGithub's own retry and request throttling are switched off: :mod:`verifier.release.retry`
decides, so API calls and downloads share one bounded policy and give up with one line.
The token comes from ``GITHUB_TOKEN`` or ``GH_TOKEN`` and the base URL from
``GITHUB_API_URL`` (GitHub Enterprise, Actions); neither is ever printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Mapping, TypeVar
from urllib.parse import urlsplit

from verifier.errors import VerifierError
from verifier.release.assets import ReleaseAsset
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


def _describe(exc: BaseException) -> str:
    from github import GithubException

    if isinstance(exc, GithubException):
        message = exc.message or (exc.data.get("message") if isinstance(exc.data, dict) else None) or ""
        return f"HTTP {exc.status}" + (f" ({message})" if message else "")
    return f"{type(exc).__name__}: {exc}"


def _classifier(settings: GitHubSettings) -> Callable[[BaseException], Transient | None]:
    import requests
    from github import GithubException

    def classify(exc: BaseException) -> Transient | None:
        if isinstance(exc, GithubException):
            message = exc.message or (exc.data.get("message") if isinstance(exc.data, dict) else "") or ""
            transient = classify_status(exc.status, exc.headers, str(message))
            if transient and "rate limited" in transient.describe and not settings.token:
                transient = Transient(transient.describe + "; without a token: set GITHUB_TOKEN for a higher limit",
                                      transient.delay)
            return transient
        if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
            return Transient(f"cannot reach the GitHub API ({type(exc).__name__})")
        return None

    return classify


def _permanent(exc: BaseException, settings: GitHubSettings, not_found: str) -> VerifierError | None:
    """A one-line error for an answer that retrying cannot fix."""
    from github import BadCredentialsException, GithubException, UnknownObjectException

    if isinstance(exc, BadCredentialsException) or (isinstance(exc, GithubException) and exc.status == 401):
        return VerifierError(f"bad credentials: GitHub refused the token in {settings.token_source or 'the environment'}"
                             " (HTTP 401); fix or unset it")
    if isinstance(exc, UnknownObjectException) or (isinstance(exc, GithubException) and exc.status == 404):
        return VerifierError(not_found)
    if isinstance(exc, GithubException):
        return VerifierError(f"GitHub refused the request: {_describe(exc)}")
    return None


def _to_asset(raw: object) -> ReleaseAsset:
    a = raw  # a github.GitReleaseAsset.GitReleaseAsset, completed from the listing
    updated = getattr(a, "updated_at", None)
    return ReleaseAsset(id=a.id, name=a.name, size=a.size, digest=a.digest, api_url=a.url,  # type: ignore[attr-defined]
                        download_url=a.browser_download_url or "",  # type: ignore[attr-defined]
                        updated_at=updated.isoformat() if updated else "")


def fetch_release(repo: str, tag: str, settings: GitHubSettings, policy: RetryPolicy) -> Release:
    """The release ``tag`` (or the latest one for ``latest``) of ``repo`` with all its assets.

    Raises :class:`VerifierError` (one line) for an unknown tag or repository, bad
    credentials, a refused request, or retries exhausted.
    """
    from github import Auth, Github

    kwargs: dict[str, object] = {}
    if settings.base_url:
        kwargs["base_url"] = settings.base_url
    gh = Github(auth=Auth.Token(settings.token) if settings.token else None, timeout=REQUEST_TIMEOUT,
                user_agent=USER_AGENT, per_page=100, retry=None, seconds_between_requests=None,
                seconds_between_writes=None, lazy=True, **kwargs)  # type: ignore[arg-type]
    classify = _classifier(settings)
    latest = tag == "latest"
    not_found = (f"{repo} has no published release (or the repository does not exist, or is private)" if latest else
                 f"no release tagged {tag!r} in {repo} (or the repository does not exist, or is private)")

    def call(fn: Callable[[], T], what: str) -> T:
        try:
            return call_with_retries(fn, classify, policy, what=what)
        except VerifierError:
            raise
        except Exception as exc:  # turned into one line, never a traceback
            error = _permanent(exc, settings, not_found)
            if error is None:
                raise VerifierError(f"{what}: {_describe(exc)}") from None
            raise error from None

    try:
        gh_repo = gh.get_repo(repo)
        if latest:
            release = call(lambda: gh_repo.get_latest_release().complete(), f"latest release of {repo}")
        else:
            release = call(lambda: gh_repo.get_release(tag), f"release {tag} of {repo}")
        assets = call(lambda: [_to_asset(a) for a in release.get_assets()], f"assets of {repo} {release.tag_name}")
        return Release(repo, release.tag_name, release.title or release.tag_name, tuple(assets))
    finally:
        gh.close()
