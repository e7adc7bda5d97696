"""Which release ``latest`` and a semver tag resolve to (SPEC section 6), from release data alone."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.support.github_releases import nightly_asset_names
from verifier.errors import VerifierError
from verifier.release.api import Release
from verifier.release.assets import ReleaseAsset
from verifier.release.tags import nightly_number, parse_pointer, resolve_release, semver

REPO = "ggml-org/llama.cpp"


def release(tag: str, names: list[str], *, prerelease: bool = False) -> Release:
    return Release(REPO, tag, tag, tuple(ReleaseAsset(i, n, 10, None, f"api/{tag}/{i}") for i, n in enumerate(names)),
                   prerelease=prerelease)


def nightly(tag: str) -> Release:
    return release(tag, nightly_asset_names(tag), prerelease=True)


@dataclass
class Source:
    """A repository's releases in memory, newest first; records what was asked."""

    releases: list[Release]
    pointers: dict[str, bytes] = field(default_factory=dict)
    latest_tag: str | None = None
    repo: str = REPO
    asked: list[str] = field(default_factory=list)

    def by_tag(self, tag: str) -> Release | None:
        self.asked.append(f"tag {tag}")
        return next((r for r in self.releases if r.tag == tag), None)

    def latest(self) -> Release | None:
        self.asked.append("latest")
        return self.by_tag(self.latest_tag) if self.latest_tag else None

    def recent(self) -> list[Release]:
        self.asked.append("recent")
        return self.releases

    def read_pointer(self, rel: Release, asset: ReleaseAsset) -> bytes:
        self.asked.append(f"pointer {rel.tag}")
        return self.pointers[rel.tag]


def today() -> Source:
    return Source([release("v0.4.0", ["nightly-tag.txt"]), nightly("b11549"), nightly("b11548"),
                   release("v0.3.0", ["nightly-tag.txt"]), nightly("b10621")],
                  {"v0.4.0": b"b11549\n", "v0.3.0": b"b10621"}, latest_tag="v0.4.0")


def test_latest_follows_the_semver_release_to_its_nightly() -> None:
    source = today()
    got = resolve_release(source, "latest")
    assert got.release.tag == "b11549" and got.release.prerelease
    assert got.because == "latest release v0.4.0 is a semver release that points at b11549 (nightly-tag.txt)"
    assert source.asked == ["latest", "tag v0.4.0", "pointer v0.4.0", "tag b11549"]


def test_a_semver_tag_is_followed_too() -> None:
    got = resolve_release(today(), "v0.3.0")
    assert got.release.tag == "b10621"
    assert got.because == "v0.3.0 is a semver release that points at b10621 (nightly-tag.txt)"


def test_a_nightly_tag_is_taken_as_it_is() -> None:
    got = resolve_release(today(), "b11548")
    assert (got.release.tag, got.because) == ("b11548", "")


def test_a_pointer_to_a_missing_release_is_one_clear_error() -> None:
    source = Source([release("v0.9.0", ["nightly-tag.txt"]), nightly("b11549")], {"v0.9.0": b"b99999\n"},
                    latest_tag="v0.9.0")
    with pytest.raises(VerifierError) as exc:
        resolve_release(source, "latest")
    assert exc.value.message == ("release v0.9.0 of ggml-org/llama.cpp points at b99999 (nightly-tag.txt), "
                                 "but ggml-org/llama.cpp has no release tagged b99999")


@pytest.mark.parametrize("content", [b"", b"\xff\xfe", b"../../etc", b"b1 b2", b"x" * 200])
def test_a_pointer_that_holds_no_tag_is_refused(content: bytes) -> None:
    with pytest.raises(VerifierError, match="nightly-tag.txt does not hold a release tag"):
        parse_pointer(content, "release v0.4.0")


def test_latest_without_pointer_takes_the_newest_nightly_with_builds() -> None:
    source = Source([release("v0.5.0", []), release("b11600", ["llama-b11600-ui.tar.gz"], prerelease=True),
                     nightly("b11549"), nightly("b9999")], latest_tag="v0.5.0")
    got = resolve_release(source, "latest")
    assert got.release.tag == "b11549"
    assert got.because == ("newest nightly prerelease b11549; the latest release v0.5.0 has no build and no "
                           "nightly-tag.txt")


def test_only_prereleases_then_the_newest_nightly() -> None:
    got = resolve_release(Source([nightly("b11549"), nightly("b11550")]), "latest")
    assert got.release.tag == "b11550" and "no release marked latest" in got.because


def test_the_forks_latest_release_carries_its_builds() -> None:
    tag = "b11030-mix-5ff778e"
    fork = Release("unslothai/llama.cpp", tag, tag, (ReleaseAsset(1, f"app-{tag}-linux-x64-cpu.tar.gz", 1, None, "u"),))
    source = Source([fork], repo="unslothai/llama.cpp", latest_tag=tag)
    got = resolve_release(source, "latest")
    assert got.release is fork and got.because == f"latest release {tag}"
    assert resolve_release(source, tag).because == ""


def test_unknown_tag_and_empty_repository() -> None:
    with pytest.raises(VerifierError, match="no release tagged 'v9.9.9'"):
        resolve_release(today(), "v9.9.9")
    with pytest.raises(VerifierError, match="has no published release"):
        resolve_release(Source([]), "latest")


def test_tag_kinds() -> None:
    assert nightly_number("b11549") == 11549 and nightly_number("b11030-mix-5ff778e") is None
    assert semver("v0.4.0") is not None and semver("v0.4.0") < semver("v0.10.0")  # type: ignore[operator]
    assert semver("b11549") is None and semver("v1.2") is None
