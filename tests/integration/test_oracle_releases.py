"""The oracle against the loopback GitHub: `bisect` (1,000 releases in at most 11 downloads, skips, bad
input, the captured builds as releases, sdist mode), `history --releases`, and `--release` with `--accepts`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT
from tests.support.archives import server_archive
from tests.support.github_releases import FakeGitHub, host_platform, other_platform
from verifier.capabilities import Capabilities
from verifier.oracle import corpus
from verifier.testing import fake_llama_server

UP, _ = host_platform()
TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_API_URL", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")


def bisect(gh: FakeGitHub, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in TOKEN_VARS}
    env.update(gh.env(), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    argv = [sys.executable, "-m", "verifier", "bisect", *args, "--cache", str(cache), "--wrapper", sys.executable]
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)


class Archives:
    """One distinct archive per tag (distinct bytes, so the digest cache cannot share them)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.scripts = {b: fake_llama_server(b, folder / "scripts").path.read_bytes() for b in corpus.builds()}

    def archive(self, tag: str, build: int) -> Path:
        script = self.scripts[build] + f"# release {tag}\n".encode()
        return server_archive(self.folder / f"{tag}.tar.gz", script, layout="top", tag=tag)

    def host(self, tag: str, build: int) -> dict[str, Path]:
        return {f"llama-{tag}-bin-{UP}.tar.gz": self.archive(tag, build)}


def test_1000_releases_in_at_most_11_downloads(tmp_path: Path) -> None:
    archives = Archives(tmp_path / "a")
    first_new = 613
    with FakeGitHub() as gh:
        for n in range(1, 1001):  # nightlies are prereleases today; a semver pointer release sits among them
            gh.add_release(f"b{n}", archives.host(f"b{n}", 11434 if n >= first_new else 9093), prerelease=True)
            if n == 500:
                gh.add_pointer("v0.3.0", "b500")
        done = bisect(gh, tmp_path / "cache", "--old", "b1", "--new", "b1000", "--check", "spec-type-mtp", "--json")
        downloads = gh.storage_downloads()
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["last_old"], data["first_new"]) == ("b612", "b613")
    assert len(downloads) <= 11 and len(downloads) == len(data["steps"])
    assert data["diff"]["spec_types_added"] and "draft-mtp" in data["diff"]["spec_types_added"]
    assert f"b{first_new}: new" in done.stderr  # progress, one line per judged build


def test_releases_without_a_host_build_are_skipped_and_said(tmp_path: Path) -> None:
    archives = Archives(tmp_path / "a")
    other = server_archive(tmp_path / "other.tar.gz", b"not for this host", layout="top", tag="x")
    with FakeGitHub() as gh:
        for n in range(1, 41):
            if 19 <= n <= 22:
                gh.add_release(f"b{n}", {f"llama-b{n}-bin-{other_platform()}.tar.gz": other})
            else:
                gh.add_release(f"b{n}", archives.host(f"b{n}", 11434 if n >= 30 else 9093))
        done = bisect(gh, tmp_path / "cache", "--old", "b1", "--new", "b40", "--check", "spec-type-mtp")
    assert done.returncode == 0, done.stderr
    assert "first new: b30 (the last old: b29)" in done.stdout
    assert "skip b20:" in done.stderr and "spec types added" in done.stdout


def test_captured_builds_as_releases(tmp_path: Path) -> None:
    # Done means: bisect b9093..b11434 on releases made of the corpus's builds names the first build of
    # the set that lists draft-mtp.
    archives = Archives(tmp_path / "a")
    builds = corpus.builds()
    expected = next(n for n in builds
                    if "draft-mtp" in Capabilities.from_help(corpus.capture(n).help).spec_types)
    before = builds[builds.index(expected) - 1]
    with FakeGitHub() as gh:
        for n in builds:  # today's upstream shape: every asset of a nightly, the host's CPU build among them
            gh.add_nightly(f"b{n}", archives.archive(f"b{n}", n))
        done = bisect(gh, tmp_path / "cache", "--old", f"b{builds[0]}", "--new", f"b{builds[-1]}",
                      "--check", "spec-type-mtp")
        again = bisect(gh, tmp_path / "cache", "--old", f"b{builds[0]}", "--new", f"b{builds[-1]}",
                       "--accepts", "--spec-type draft-mtp", "--json")
    assert done.returncode == 0, done.stderr
    assert f"first new: b{expected} (the last old: b{before})" in done.stdout
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["first_new"] == f"b{expected}"


@pytest.mark.parametrize(("args", "message"), [
    (["--old", "b1", "--new", "b9"], "no release tagged 'b9'"),
    (["--old", "b3", "--new", "b1"], "b3 is not older than b1"),
    (["--old", "v1.0", "--new", "b3"], "'v1.0' is not a build tag"),
    (["--old", "b2", "--new", "b3"], "b2 already gives the new end's outcome"),
])
def test_bad_ranges_are_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    archives = Archives(tmp_path / "a")
    with FakeGitHub() as gh:
        for n in (1, 2, 3):
            gh.add_release(f"b{n}", archives.host(f"b{n}", 9093 if n == 1 else 11434))
        done = bisect(gh, tmp_path / "cache", *args, "--check", "spec-type-mtp")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: ")
    assert message in done.stderr.strip().splitlines()[-1]


def test_sdist_mode_offline_bisects_the_cached_builds(tmp_path: Path) -> None:
    # The registry cannot be asked (no index): the builds already in the cache are the series.
    cache = tmp_path / "cache"
    name = "llama-server.exe" if os.name == "nt" else "llama-server"
    builds = corpus.builds()
    for n in builds:
        target = cache / "builds" / f"b{n}" / name
        target.parent.mkdir(parents=True)
        target.write_bytes(fake_llama_server(n, tmp_path / "scripts").path.read_bytes())
        target.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in TOKEN_VARS and not k.startswith("PIP_")}
    env.update(LLAMA_SERVER_VERIFIER_CACHE=str(cache), PIP_NO_INDEX="1", PIP_FIND_LINKS="",
               PIP_CONFIG_FILE=os.devnull)
    done = subprocess.run([sys.executable, "-m", "verifier", "bisect", "--builds", "sdist", "--old", f"b{builds[0]}",
                           "--new", f"b{builds[-1]}", "--check", "spec-type-mtp", "--wrapper", sys.executable,
                           "--json"], capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**env, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert "bisecting the builds in the cache" in done.stderr
    data = json.loads(done.stdout)
    expected = next(n for n in builds if "draft-mtp" in Capabilities.from_help(corpus.capture(n).help).spec_types)
    assert data["first_new"] == f"b{expected}" and data["builds"] == len(builds)


def history(gh: FakeGitHub, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in TOKEN_VARS}
    env.update(gh.env(), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    argv = [sys.executable, "-m", "verifier", "history", *args, "--cache", str(cache), "--wrapper", sys.executable]
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=ROOT, env=env)


def test_history_over_a_release_range(tmp_path: Path) -> None:
    archives = Archives(tmp_path / "a")
    other = server_archive(tmp_path / "other.tar.gz", b"not for this host", layout="top", tag="x")
    with FakeGitHub() as gh:
        gh.add_release("b1", archives.host("b1", 9093))
        gh.add_release("b2", {f"llama-b2-bin-{other_platform()}.tar.gz": other})
        gh.add_release("b3", archives.host("b3", 9093))
        gh.add_release("b4", archives.host("b4", 11434))
        gh.add_release("b5", archives.host("b5", 11434))
        done = history(gh, tmp_path / "cache", "--releases", "b1..b5", "--step", "2", "--json")
        empty = history(gh, tmp_path / "cache", "--releases", "b2..b2")
        nothing = history(gh, tmp_path / "cache", "--releases", "b1..b9")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [b["label"] for b in data["builds"]] == ["b1", "b3", "b5"]  # every 2nd release, the ends included
    assert next(t for t in data["spec_types"] if t["type"] == "draft-mtp")["added"] == {"build": "b5", "after": "b3"}
    assert empty.returncode == 2 and "b2 is not older than b2" in empty.stderr
    assert nothing.returncode == 2 and "no release tagged 'b9'" in nothing.stderr


def test_release_gate_with_accepts(tmp_path: Path) -> None:
    # Gate a prebuilt on the application's real command line.
    archives = Archives(tmp_path / "a")
    env = {k: v for k, v in os.environ.items() if k not in TOKEN_VARS}
    with FakeGitHub() as gh:
        gh.add_release("b11434", archives.host("b11434", 11434))
        env.update(gh.env(), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        done = subprocess.run([sys.executable, "-m", "verifier", "--release", "b11434", "--cache", str(tmp_path / "c"),
                               "--wrapper", sys.executable, "--json", "--accepts", "--spec-type draft-mtp -c 4096",
                               "--accepts", "--draft-max 3"], capture_output=True, text=True, timeout=300, cwd=ROOT,
                              env=env)
    assert done.returncode == 1, done.stderr
    (row,) = json.loads(done.stdout)["binaries"]
    assert [c["ok"] for c in row["checks"] if c["id"] == "accepts"] == [True, False]
    assert row["accepts"][1]["hint"] == "--draft-max was removed: use --spec-draft-n-max or --spec-ngram-mod-n-max"
    assert row["asset"]["digest_verified"] is True
