"""Small pieces of the release gate: settings from the environment, token scoping, the fork's
checksum file, the cache's atomic commit, and the command-line checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verifier.cli import build_parser
from verifier.errors import VerifierError
from verifier.release.api import GitHubSettings
from verifier.release.assets import ReleaseAsset
from verifier.release.cache import ReleaseCache
from verifier.release.download import parse_digest, token_for
from verifier.release.gate import parse_checksum_list
from verifier.release.options import check_release_arguments
from verifier.release.present import human_size

HEX = "ab" * 32


def test_token_from_github_token_then_gh_token() -> None:
    assert GitHubSettings.from_env({"GH_TOKEN": "b", "GITHUB_TOKEN": "a"}).token_source == "GITHUB_TOKEN"
    assert GitHubSettings.from_env({"GH_TOKEN": "b", "GITHUB_TOKEN": " "}).token == "b"
    assert GitHubSettings.from_env({}).token is None


def test_settings_never_show_the_token() -> None:
    settings = GitHubSettings.from_env({"GITHUB_TOKEN": "ghp_secret"})
    assert "ghp_secret" not in repr(settings) and "ghp_secret" not in str(settings)


@pytest.mark.parametrize("url", ["foo", "ftp://host", "http://[::1", "https://h:99999"])
def test_bad_api_url_is_one_line(url: str) -> None:
    with pytest.raises(VerifierError, match="is not an http\\(s\\) URL"):
        GitHubSettings.from_env({"GITHUB_API_URL": url})


def test_token_only_for_the_api_origin() -> None:
    enterprise = GitHubSettings.from_env({"GITHUB_API_URL": "https://ghe.example/api/v3/", "GITHUB_TOKEN": "t"})
    assert token_for("https://ghe.example/api/v3/repos/o/r/releases/assets/1", enterprise) == "t"
    assert token_for("https://ghe.example:8443/storage/1", enterprise) is None  # another port
    assert token_for("http://ghe.example/api/v3/x", enterprise) is None  # downgraded scheme
    assert token_for("https://objects.example/x", enterprise) is None
    public = GitHubSettings.from_env({"GITHUB_TOKEN": "t"})
    assert token_for("https://api.github.com/repos/o/r/releases/assets/1", public) == "t"
    assert token_for("https://github.com/o/r/releases/download/b1/x.zip", public) is None


@pytest.mark.parametrize("digest, parsed", [(f"sha256:{HEX}", ("sha256", HEX)), (f"SHA256:{HEX.upper()}", ("sha256", HEX)),
                                            (None, None), ("", None), ("nonsense", None)])
def test_parse_digest(digest: str | None, parsed: tuple[str, str] | None) -> None:
    assert parse_digest(digest) == parsed


def test_fork_checksum_file_shapes() -> None:
    nested = {"schema_version": 1, "artifacts": {"app-b1-linux-x64.tar.gz": {"sha256": HEX, "kind": "x"},
                                                 "bad": {"sha256": "zz"}}}
    assert parse_checksum_list(json.dumps(nested).encode()) == {"app-b1-linux-x64.tar.gz": HEX}
    assert parse_checksum_list(json.dumps({"a.zip": HEX.upper()}).encode()) == {"a.zip": HEX}
    assert parse_checksum_list(json.dumps({"artifacts": [{"asset_name": "a.zip", "sha256": HEX}]}).encode()) == {
        "a.zip": HEX}
    with pytest.raises(VerifierError, match="not valid JSON"):
        parse_checksum_list(b"{nope")


def test_cache_commit_is_atomic_and_keeps_the_first(tmp_path: Path) -> None:
    cache = ReleaseCache(tmp_path / "c")
    first = cache.new_workdir("x-")
    (first / "one").write_text("1")
    second = cache.new_workdir("y-")
    (second / "two").write_text("2")
    assert cache.commit(first, HEX) == cache.folder(HEX)
    assert cache.commit(second, HEX) == cache.folder(HEX)  # lost the race: theirs is kept, ours removed
    assert sorted(p.name for p in cache.folder(HEX).iterdir()) == ["one"]
    assert not second.exists()
    cache.tidy()
    assert not (tmp_path / "c" / "tmp").exists()


def test_cache_index_for_assets_without_digest(tmp_path: Path) -> None:
    cache = ReleaseCache(tmp_path)
    asset = ReleaseAsset(7, "a.tar.gz", 10, None, "http://x/7", updated_at="2026-01-01T00:00:00")
    assert cache.recall(origin="o", repo="r", asset=asset) is None
    cache.folder(HEX).mkdir(parents=True)
    cache.remember(HEX, origin="o", repo="r", asset=asset, verified_by="llama-prebuilt-sha256.json")
    folder, record = cache.recall(origin="o", repo="r", asset=asset)
    assert folder == cache.folder(HEX) and record["verified_by"] == "llama-prebuilt-sha256.json"
    reuploaded = ReleaseAsset(7, "a.tar.gz", 11, None, "http://x/7", updated_at="2026-02-01T00:00:00")
    assert cache.recall(origin="o", repo="r", asset=reuploaded) is None
    assert cache.recall(origin="another-host", repo="r", asset=asset) is None


@pytest.mark.parametrize("argv, message", [
    ([], "give one or more BINARY paths, or --release TAG"),
    (["--list"], "--list: only with --release TAG"),
    (["--release", "b1", "./llama-server"], "give BINARY paths or --release TAG, not both"),
    (["--release", "b1", "--repo", "nope"], "--repo 'nope': expected OWNER/NAME"),
    (["--release", "b1", "--jobs", "0"], "argument --jobs: must be at least 1: '0'"),
    (["--release", "b1", "--retry-wait", "nan"], "argument --retry-wait: must be a finite number: 'nan'"),
    (["--release", "b1", "--retry-wait", "-1"], "argument --retry-wait: must not be negative: '-1'"),
    (["--release", "b1", "--asset", "a", "--all-host"], "not allowed with argument"),
])
def test_command_line_checks(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    with pytest.raises(SystemExit) as exit_info:
        check_release_arguments(parser, parser.parse_args(argv))
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("n, text", [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (50 << 20, "50.0 MiB"),
                                     (3 << 30, "3.0 GiB")])
def test_human_size(n: int, text: str) -> None:
    assert human_size(n) == text
