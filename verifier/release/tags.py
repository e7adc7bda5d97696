"""Which release to verify, when the tag asked for is ``latest`` or a release without builds.

Since 2026-08-21 ggml-org/llama.cpp publishes every nightly ``bNNNN`` as a prerelease, and
semantic-version releases ``vX.Y.Z`` whose only asset is ``nightly-tag.txt`` naming the nightly
they point at (SPEC section 6). GitHub's "latest release" is then a ``vX.Y.Z`` without a single
binary. This module decides, from release data alone, which tag carries the build and why;
:mod:`verifier.release.api` supplies the data (a :class:`ReleaseSource`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, Sequence

from packaging.version import InvalidVersion, Version

from verifier.errors import VerifierError
from verifier.release.assets import ReleaseAsset, parse_asset_name

if TYPE_CHECKING:
    from verifier.release.api import Release

POINTER_ASSET = "nightly-tag.txt"
"""The one asset of a semver release: the nightly tag it points at."""
POINTER_MAX_BYTES = 4096
_NIGHTLY = re.compile(r"^b(?P<n>\d+)$")
_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SEMVER = re.compile(r"^v?\d+\.\d+\.\d+$")


def nightly_number(tag: str) -> int | None:
    """``b11549`` -> 11549; None for anything else (``v0.4.0``, the fork's ``b11030-mix-5ff778e``)."""
    match = _NIGHTLY.match(tag)
    return int(match["n"]) if match else None


def semver(tag: str) -> Version | None:
    """``v0.4.0`` (or ``0.4.0``) as a Version; None for build tags and anything else."""
    if not _SEMVER.match(tag):
        return None
    try:
        return Version(tag)
    except InvalidVersion:  # pragma: no cover - the pattern only lets valid versions through
        return None


def has_builds(assets: Sequence[ReleaseAsset], tag: str | None = None) -> bool:
    """Whether any asset is a llama-server build archive (of any platform)."""
    return any(parse_asset_name(a.name, tag).kind == "build" for a in assets)


def pointer_asset(assets: Sequence[ReleaseAsset]) -> ReleaseAsset | None:
    return next((a for a in assets if a.name == POINTER_ASSET), None)


def parse_pointer(raw: bytes, where: str) -> str:
    """The tag a ``nightly-tag.txt`` names; one clear line when it does not hold a tag."""
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        text = ""
    if not _TAG.match(text):
        raise VerifierError(f"{where}: {POINTER_ASSET} does not hold a release tag "
                            f"({len(raw)} bytes; expected e.g. b11549)")
    return text


class ReleaseSource(Protocol):
    """What the resolution needs from GitHub; :mod:`verifier.release.api` implements it."""

    repo: str

    def by_tag(self, tag: str) -> Release | None:
        """The release with every asset, or None when there is no such tag."""

    def latest(self) -> Release | None:
        """GitHub's latest release (newest non-prerelease), or None when there is none."""

    def recent(self) -> Sequence[Release]:
        """The newest releases, prereleases included (their asset lists may be partial)."""

    def read_pointer(self, release: Release, asset: ReleaseAsset) -> bytes:
        """The content of a small asset."""


@dataclass(frozen=True)
class Resolved:
    release: Release
    because: str
    """Why this release (one phrase for reports); empty when it is simply the tag asked for."""


def _follow(source: ReleaseSource, release: Release, via: str) -> Resolved | None:
    """A build-less release with ``nightly-tag.txt``: the release it points at (exit 2 when missing)."""
    asset = pointer_asset(release.assets)
    if asset is None:
        return None
    target = parse_pointer(source.read_pointer(release, asset), f"release {release.tag} of {source.repo}")
    found = source.by_tag(target)
    if found is None:
        raise VerifierError(f"release {release.tag} of {source.repo} points at {target} ({POINTER_ASSET}), "
                            f"but {source.repo} has no release tagged {target}")
    kind = "a semver release" if semver(release.tag) else "a release without builds"
    return Resolved(found, f"{via}{release.tag} is {kind} that points at {target} ({POINTER_ASSET})")


def _newest_nightly(source: ReleaseSource, why: str) -> Resolved | None:
    candidates = [r for r in source.recent() if nightly_number(r.tag) is not None]
    with_builds = [r for r in candidates if has_builds(r.assets, r.tag)]
    best = max(with_builds or candidates, key=lambda r: nightly_number(r.tag) or 0, default=None)
    if best is None:
        return None
    full = source.by_tag(best.tag) or best
    kind = "prerelease" if full.prerelease else "release"
    return Resolved(full, f"newest nightly {kind} {full.tag}; {why}")


def resolve_release(source: ReleaseSource, tag: str) -> Resolved:
    """The release that carries the builds for ``tag`` (``latest`` or a tag), and why.

    A release with build archives is taken as it is. One without them (a semver release) is
    followed through its ``nightly-tag.txt``; for ``latest`` with neither, the newest ``bNNNN``
    is taken. Raises :class:`VerifierError` for an unknown tag or a pointer to nothing.
    """
    repo = source.repo
    if tag != "latest":
        release = source.by_tag(tag)
        if release is None:
            raise VerifierError(f"no release tagged {tag!r} in {repo} (or the repository does not exist, "
                                "or is private)")
        if has_builds(release.assets, release.tag):
            return Resolved(release, "")
        return _follow(source, release, "") or Resolved(release, "")
    release = source.latest()
    if release is not None:
        if has_builds(release.assets, release.tag):
            return Resolved(release, f"latest release {release.tag}")
        followed = _follow(source, release, "latest release ")
        if followed is not None:
            return followed
        why = f"the latest release {release.tag} has no build and no {POINTER_ASSET}"
    else:
        why = "the repository has no release marked latest"
    newest = _newest_nightly(source, why)
    if newest is not None:
        return newest
    if release is not None:
        return Resolved(release, f"latest release {release.tag}")
    raise VerifierError(f"{repo} has no published release (or the repository does not exist, or is private)")
