"""Release series for ``bisect`` and ``history --releases``: ``bN`` tags of a repository, in build order,
each judged on this host's prebuilt (downloaded, digest-checked, unpacked and cached by the release gate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from verifier.errors import VerifierError
from verifier.oracle.bisect import Outcome
from verifier.oracle.history import BuildPoint
from verifier.probe import DEFAULT_TIMEOUT
from verifier.release.api import GitHubSettings, Release
from verifier.release.retry import RetryPolicy
from verifier.report import BinaryReport

_BUILD_TAG = re.compile(r"^b(?P<n>\d+)(?:-[\w.-]+)?$")
_RANGE = re.compile(r"^\s*(?P<a>\S+?)\s*\.\.\s*(?P<b>\S+)\s*$")


def build_number(tag: str) -> int | None:
    """``b9246`` (or a fork's ``b9246-mix-abc1234``) -> 9246; a semver or other tag -> None."""
    match = _BUILD_TAG.match(tag)
    return int(match.group("n")) if match else None


def parse_range(text: str) -> tuple[str, str]:
    match = _RANGE.match(text)
    if not match:
        raise VerifierError(f"--releases {text!r}: expected bA..bB, e.g. b9093..b11434")
    return match.group("a"), match.group("b")


@dataclass(frozen=True)
class Judge:
    """How a release's host build is verified, and what outcome counts."""

    repo: str
    check: str | None = None
    accepts: tuple[str, ...] = ()
    cache: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    wrapper: tuple[str, ...] = ()

    @property
    def what(self) -> str:
        return f"check {self.check}" if self.check else "--accepts " + " ".join(self.accepts)


def _settings_policy() -> tuple[GitHubSettings, RetryPolicy]:
    return GitHubSettings.from_env(), RetryPolicy()


def series(repo: str, old: str, new: str) -> list[Release]:
    """The releases from tag ``old`` to tag ``new`` (both ``bN``), oldest first; errors name what is wrong."""
    from verifier.release.api import list_releases

    a, b = build_number(old), build_number(new)
    for tag, number in ((old, a), (new, b)):
        if number is None:
            raise VerifierError(f"{tag!r} is not a build tag (bN)")
    assert a is not None and b is not None
    if a >= b:
        raise VerifierError(f"{old} is not older than {new}: give the older build as --old / first")
    settings, policy = _settings_policy()
    releases = list_releases(repo, settings, policy)
    tags = {r.tag for r in releases}
    for tag in (old, new):
        if tag not in tags:
            raise VerifierError(f"no release tagged {tag!r} in {repo}")
    picked = [r for r in releases if (n := build_number(r.tag)) is not None and a <= n <= b]
    return sorted(picked, key=lambda r: (build_number(r.tag), r.tag))


def verify_release(release: Release, judge: Judge) -> BinaryReport | str:
    """Download and verify the release's host build; a string says why it cannot be judged."""
    from verifier.release.assets import Host, plan
    from verifier.release.gate import GateOptions, run

    settings, policy = _settings_policy()
    choices = plan(release.assets, Host.current(), tag=release.tag)
    if choices.error or not choices.picked:
        return choices.error or "no build for this host"
    opts = GateOptions(repo=judge.repo, tag=release.tag, cache_dir=judge.cache, jobs=1, timeout=judge.timeout,
                       wrapper=judge.wrapper, check_ids=(judge.check,) if judge.check else (),
                       accepts=(judge.accepts,) if judge.accepts else (), policy=policy)
    (row,) = run(release, choices.picked[:1], opts, settings).binaries
    return row.error if row.error is not None else row


def outcome(release: Release, judge: Judge) -> Outcome:
    return outcome_of(verify_release(release, judge), judge)


def outcome_of(verified: BinaryReport | str, judge: Judge) -> Outcome:
    """The judged value of one verified build (a string: why it could not be verified, a skip)."""
    if isinstance(verified, str):
        return Outcome(None, verified)
    if verified.error is not None:
        return Outcome(None, verified.error)
    wanted = "accepts" if judge.accepts else judge.check
    check = next((c for c in verified.checks if c.id == wanted), None)
    if check is None:
        return Outcome(None, f"no {wanted} result")
    if judge.accepts:
        verdict = verified.extra["accepts"][0]["outcome"]  # type: ignore[index]
        if verdict == "inconclusive":
            return Outcome(None, check.detail, verified.capabilities)
        return Outcome(str(verdict), check.detail, verified.capabilities)
    return Outcome("pass" if check.ok else "fail", check.detail, verified.capabilities)


def release_points(repo: str | None, text: str, *, step: int, cache: Path | None, timeout: float,
                   wrapper: Sequence[str]) -> tuple[list[BuildPoint], list[tuple[str, str]]]:
    """``history --releases bA..bB``: every ``step``-th release (ends included) that has a host build,
    and the (tag, reason) of each one skipped."""
    from verifier.release.options import DEFAULT_REPO

    repo = repo or DEFAULT_REPO
    old, new = parse_range(text)
    releases = series(repo, old, new)
    chosen = releases[::step]
    if chosen[-1] is not releases[-1]:
        chosen.append(releases[-1])
    judge = Judge(repo, cache=cache, timeout=timeout, wrapper=tuple(wrapper))
    points: list[BuildPoint] = []
    skipped: list[tuple[str, str]] = []
    for release in chosen:
        verified = verify_release(release, judge)
        tag = release.tag
        if isinstance(verified, str) or verified.capabilities is None:
            skipped.append((tag, verified if isinstance(verified, str) else "no capabilities"))
            continue
        points.append(BuildPoint(tag, build_number(tag), verified.capabilities))
    if not points:
        raise VerifierError(f"no release from {old} to {new} in {repo} has a build for this host")
    return points, skipped
