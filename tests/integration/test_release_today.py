"""``--release`` against a loopback GitHub shaped like today's ggml-org/llama.cpp (SPEC section 6).

Since 2026-08-21 every nightly ``bNNNN`` is a prerelease with some forty assets, and "latest"
is a ``vX.Y.Z`` release whose only asset is ``nightly-tag.txt``. The fork keeps plain releases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_release_gate import archive, binaries, one_error_line, server_script  # noqa: F401
from tests.support.github_releases import FakeGitHub, host_platform, other_platform

UP, FORK = host_platform()
WRAPPER = f'"{sys.executable}"' if " " in sys.executable else sys.executable


def run(gh: FakeGitHub, cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "verifier", *args, "--wrapper", WRAPPER], capture_output=True,
                          text=True, timeout=300, cwd=cwd, env={**os.environ, **gh.env(), **env})


@pytest.fixture
def upstream(archive: Path):  # noqa: F811 - the fixture imported above
    """Today's upstream: two semver pointers, three nightly prereleases, latest = v0.4.0 -> b11549."""
    with FakeGitHub() as gh:
        gh.add_nightly("b10621", archive)
        gh.add_pointer("v0.3.0", "b10621")
        gh.add_nightly("b11548", archive)
        gh.add_nightly("b11549", archive)
        gh.add_pointer("v0.4.0", "b11549")
        yield gh


def test_latest_gates_the_nightly_the_semver_release_points_at(upstream: FakeGitHub, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    done = run(upstream, tmp_path, "--release", "latest", "--json", "--cache", str(tmp_path / "cache"),
               GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == 0, done.stdout + done.stderr
    (row,) = binaries(done)
    asset = row["asset"]
    assert (asset["tag"], asset["name"]) == ("b11549", f"llama-b11549-bin-{UP}.tar.gz")
    assert asset["requested_tag"] == "latest"
    assert asset["tag_because"] == "latest release v0.4.0 is a semver release that points at b11549 (nightly-tag.txt)"
    assert row["ok"] and asset["digest_verified"]
    assert [r.path.rsplit("/", 1)[-1] for r in upstream.storage.requests] == ["nightly-tag.txt", asset["name"]]
    assert ("Resolved latest -> b11549 (latest release v0.4.0 is a semver release that points at b11549 "
            "(nightly-tag.txt))") in summary.read_text()


def test_a_semver_tag_gates_its_nightly_and_the_text_report_names_it(upstream: FakeGitHub, tmp_path: Path) -> None:
    done = run(upstream, tmp_path, "--release", "v0.4.0", "--cache", "cache")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "ggml-org/llama.cpp release b11549: 1 asset"
    assert lines[1] == ("  resolved v0.4.0 -> b11549 (v0.4.0 is a semver release that points at b11549 "
                        "(nightly-tag.txt))")
    assert lines[2] == f"  PASS   llama-b11549-bin-{UP}.tar.gz"
    assert (tmp_path / "cache" / "sha256").is_dir()  # the relative --cache is where the command ran
    older = run(upstream, tmp_path, "--release", "v0.3.0", "--cache", "cache", "--json")
    assert older.returncode == 0, older.stderr
    assert binaries(older)[0]["asset"]["tag"] == "b10621"


def test_list_of_todays_nightly_picks_only_the_plain_cpu_build(upstream: FakeGitHub, tmp_path: Path) -> None:
    done = run(upstream, tmp_path, "--release", "latest", "--list", "--json")
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    assert (listing["tag"], listing["requested_tag"]) == ("b11549", "latest")
    assert "v0.4.0" in listing["tag_because"]
    assert len(listing["assets"]) == 36
    assert [a["name"] for a in listing["assets"] if a["picked"]] == [f"llama-b11549-bin-{UP}.tar.gz"]
    kinds = {a["name"]: a["kind"] for a in listing["assets"]}
    assert kinds["llama-b11549-ui.tar.gz"] == kinds["llama-b11549-xcframework.zip"] == "other"
    assert kinds["cudart-llama-b11549-bin-ubuntu-cuda-13.4-arm64.tar.gz"] == "runtime"
    assert upstream.storage_downloads(f"llama-b11549-bin-{UP}.tar.gz") == []


def test_a_pointer_to_a_missing_nightly_is_one_line_exit_2(upstream: FakeGitHub, tmp_path: Path) -> None:
    upstream.add_pointer("v0.5.0", "b99999")
    line = one_error_line(run(upstream, tmp_path, "--release", "latest", "--cache", "cache"))
    assert line == ("error: release v0.5.0 of ggml-org/llama.cpp points at b99999 (nightly-tag.txt), "
                    "but ggml-org/llama.cpp has no release tagged b99999")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").rglob("*.tar.gz"))


def test_the_forks_plain_releases_keep_working(tmp_path: Path, archive: Path) -> None:  # noqa: F811
    tag = "b11030-mix-5ff778e"
    with FakeGitHub("unslothai/llama.cpp") as gh:
        gh.add_release("b11000", {f"app-b11000-{FORK}-cpu.tar.gz": archive})
        gh.add_release(tag, {f"app-{tag}-{FORK}-cpu.tar.gz": archive,
                             f"llama-{tag}-bin-macos-arm64.tar.gz": archive})
        done = run(gh, tmp_path, "--release", "latest", "--repo", "unslothai/llama.cpp", "--list", "--json")
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    assert listing["tag"] == tag and listing["tag_because"] == f"latest release {tag}"
    assert {a["name"]: a["flavor"] for a in listing["assets"]} == {
        f"app-{tag}-{FORK}-cpu.tar.gz": "fork", f"llama-{tag}-bin-macos-arm64.tar.gz": "fork"}


def test_no_build_for_this_host_says_which_tag_was_resolved(upstream: FakeGitHub, tmp_path: Path,
                                                            archive: Path) -> None:  # noqa: F811
    upstream.add_release("b11550", {f"llama-b11550-bin-{other_platform()}.tar.gz": archive}, prerelease=True)
    upstream.add_pointer("v0.6.0", "b11550")
    line = one_error_line(run(upstream, tmp_path, "--release", "v0.6.0", "--cache", "cache"))
    assert line.startswith("error: release b11550 has no llama-server build for this host")
    assert line.endswith("(resolved v0.6.0 -> b11550 (v0.6.0 is a semver release that points at b11550 "
                         "(nightly-tag.txt)))")


def test_no_download_leaves_a_ctrl_c_stopper_registered(upstream: FakeGitHub, tmp_path: Path, monkeypatch) -> None:
    """Each streamed body registers a stopper for Ctrl-C while it is read; none outlives its download
    (the pointer read once kept its own, holding the closed response, for the rest of the process)."""
    from verifier.release import download
    from verifier.release.api import GitHubSettings, fetch_release
    from verifier.release.retry import RetryPolicy
    from verifier.util import interrupt

    for name, value in upstream.env().items():
        monkeypatch.setenv(name, value)
    settings, policy = GitHubSettings.from_env(), RetryPolicy()
    release = fetch_release("ggml-org/llama.cpp", "latest", settings, policy)  # reads nightly-tag.txt
    assert release.tag == "b11549" and interrupt._stoppers == {}
    asset = next(a for a in release.assets if a.name == f"llama-b11549-bin-{UP}.tar.gz")
    got = download.fetch(asset, tmp_path, settings, policy)
    assert got.size > 0 and interrupt._stoppers == {}
