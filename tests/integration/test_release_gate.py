"""``python -m verifier --release`` end to end against a GitHub-shaped loopback server.

Everything goes over real sockets: PyGithub and requests in a subprocess talk to
:class:`tests.support.github_releases.FakeGitHub` through ``GITHUB_API_URL``; downloads
are answered by a 302 to a second loopback server, as GitHub does. Archives hold fake
servers (Python scripts run through ``--wrapper``) or a real llama-server build.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.integration.conftest import PASSING_BUILD, ROOT
from tests.support.archives import Member, server_archive, write_lying_tar_gz, write_tar_gz
from tests.support.github_releases import FakeGitHub, host_platform, other_platform
from tests.support.http_server import Response, rate_limited

UP, FORK = host_platform()
TAG = "b100"
HOST_ASSET = f"llama-{TAG}-bin-{UP}.tar.gz"
WRAPPER = f'"{sys.executable}"' if " " in sys.executable else sys.executable
TOKEN_VARS = ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_API_URL", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY")


@pytest.fixture
def server_script(fake_binary) -> bytes:
    """A passing fake llama-server that fails loudly if it can see a GitHub token."""
    body = "if os.environ.get('GITHUB_TOKEN') or os.environ.get('GH_TOKEN'):\n    sys.exit(3)\n"
    fake = fake_binary(help=help_fixture("real-b11434"), version="version: 11434 (abc)", body=body)
    return fake.path.read_bytes()


@pytest.fixture
def failing_script(fake_binary) -> bytes:
    return fake_binary(help=help_fixture("real-b9093"), version="version: 9093 (abc)").path.read_bytes()


def verifier(gh: FakeGitHub, cache: Path, *args: str, wrapper: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in TOKEN_VARS}
    clean.update(gh.env(), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", **env)
    argv = [sys.executable, "-m", "verifier", *args, "--cache", str(cache)]
    if wrapper:
        argv += ["--wrapper", WRAPPER]
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=ROOT, env=clean)


def files_in(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file() or p.is_symlink()] if cache.exists() else []


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


def binaries(done: subprocess.CompletedProcess[str]) -> list[dict]:
    return json.loads(done.stdout)["binaries"]


@pytest.fixture
def archive(tmp_path: Path, server_script: bytes) -> Path:
    return server_archive(tmp_path / "host.tar.gz", server_script, layout="top", tag=TAG,
                          extra={"libllama.so": b"\0" * 1000})


def test_release_by_tag_picks_the_host_build_and_passes(tmp_path: Path, archive: Path, server_script: bytes) -> None:
    windows = server_archive(tmp_path / "win.zip", server_script, layout="flat", exe=True)
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive, f"llama-{TAG}-bin-{other_platform()}.tar.gz": archive,
                             "cudart-llama-bin-win-cuda-12.4-x64.zip": windows})
        done = verifier(gh, tmp_path / "cache", "--release", TAG, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    (row,) = binaries(done)
    asset = row["asset"]
    assert row["ok"] and row["build"] == 11434
    assert asset["name"] == HOST_ASSET and asset["tag"] == TAG and asset["repo"] == "ggml-org/llama.cpp"
    assert asset["digest_verified"] is True and asset["digest_source"] == "github" and asset["cached"] is False
    assert asset["digest"] == f"sha256:{asset['sha256']}"
    binary = Path(asset["binary"])
    assert binary.name == "llama-server" and binary.parent.name == f"llama-{TAG}"
    assert binary.parent.parent == tmp_path / "cache" / "sha256" / asset["sha256"]
    assert (binary.parent / "libllama.so").stat().st_size == 1000  # the whole archive, not just the binary
    assert [r.path for r in gh.storage.requests] == [f"/storage/{gh.releases[0].assets[0].id}/{HOST_ASSET}"]


def test_text_report_has_one_row_per_asset(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        done = verifier(gh, tmp_path / "cache", "--release", TAG)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"ggml-org/llama.cpp release {TAG}: 1 asset\n  PASS   {HOST_ASSET}\n")
    assert "digest: verified (github)" in done.stdout and "checks: 3/3 passed" in done.stdout
    assert "verdict: PASS" in done.stdout and done.stderr == ""


def test_same_tag_again_downloads_nothing(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        first = verifier(gh, tmp_path / "cache", "--release", TAG, "--json")
        second = verifier(gh, tmp_path / "cache", "--release", TAG, "--json")
        assert len(gh.storage_downloads()) == 1
    assert first.returncode == second.returncode == 0, second.stderr
    assert binaries(first)[0]["asset"]["cached"] is False
    again = binaries(second)[0]["asset"]
    assert again["cached"] is True and again["digest_verified"] is True
    assert again["binary"] == binaries(first)[0]["asset"]["binary"]


def test_latest_release(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release("b099", {f"llama-b099-bin-{UP}.tar.gz": archive}, latest=False)
        gh.add_release("b200", {f"llama-b200-bin-{UP}.tar.gz": archive})
        done = verifier(gh, tmp_path / "cache", "--release", "latest", "--json")
    assert done.returncode == 0, done.stderr
    asset = binaries(done)[0]["asset"]
    assert (asset["tag"], asset["name"]) == ("b200", f"llama-b200-bin-{UP}.tar.gz")


def test_list_shows_every_asset_and_downloads_nothing(tmp_path: Path, archive: Path) -> None:
    names = [HOST_ASSET, f"llama-{TAG}-bin-{UP}-vulkan.tar.gz", f"llama-{TAG}-bin-{other_platform()}.tar.gz",
             "cudart-llama-bin-win-cuda-12.4-x64.zip"]
    with FakeGitHub() as gh:
        release = gh.add_release(TAG, {n: archive for n in names}, digests={names[2]: None})
        text = verifier(gh, tmp_path / "cache", "--release", TAG, "--list")
        data = verifier(gh, tmp_path / "cache", "--release", TAG, "--list", "--json")
        assert gh.storage.requests == []
    assert text.returncode == data.returncode == 0, text.stderr + data.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith(f"ggml-org/llama.cpp release {TAG}: 4 assets (this host: ")
    sha = release.assets[0].sha256
    assert lines[1].startswith(f"* {HOST_ASSET}") and f"sha256:{sha}" in lines[1] and "picked: plain CPU build" in lines[1]
    assert "runs here, but a " in lines[2] and "vulkan build" in lines[2] and "(no digest)" in lines[3]
    assert "CUDA runtime libraries" in lines[4] and lines[5] == f"would pick: {HOST_ASSET}"
    listing = json.loads(data.stdout)
    assert [(a["name"], a["picked"]) for a in listing["assets"]] == [(n, n == HOST_ASSET) for n in names]
    assert listing["assets"][0]["size"] == archive.stat().st_size and listing["assets"][2]["digest"] is None
    assert files_in(tmp_path / "cache") == []


def test_all_host_verifies_every_host_build_in_parallel(tmp_path: Path, archive: Path, failing_script: bytes) -> None:
    old = server_archive(tmp_path / "old.zip", failing_script, layout="build-bin")
    vulkan = f"llama-{TAG}-bin-{UP}-vulkan.tar.gz"
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive, vulkan: archive, f"llama-{TAG}-bin-{UP}.zip": old,
                             f"llama-{TAG}-bin-{other_platform()}.tar.gz": archive})
        done = verifier(gh, tmp_path / "cache", "--release", TAG, "--all-host", "--json")
    assert done.returncode == 1, done.stderr  # the old zip holds a build without draft-mtp
    rows = binaries(done)
    assert [r["asset"]["name"] for r in rows] == [HOST_ASSET, vulkan, f"llama-{TAG}-bin-{UP}.zip"]
    assert [r["ok"] for r in rows] == [True, True, False]
    assert Path(rows[2]["asset"]["binary"]).relative_to(tmp_path / "cache" / "sha256").parts[1:] == (
        "build", "bin", "llama-server")
    assert rows[0]["asset"]["binary"] == rows[1]["asset"]["binary"]  # same bytes: one cache folder


def test_platform_and_asset_options(tmp_path: Path, archive: Path) -> None:
    other = f"llama-{TAG}-bin-{other_platform()}.tar.gz"
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive, other: archive})
        by_asset = verifier(gh, tmp_path / "cache", "--release", TAG, "--asset", other, "--json")
        by_platform = verifier(gh, tmp_path / "cache", "--release", TAG, "--platform", other_platform(), "--json")
        missing = verifier(gh, tmp_path / "cache", "--release", TAG, "--asset", "nope.zip")
    assert by_asset.returncode == by_platform.returncode == 0, by_asset.stderr + by_platform.stderr
    assert binaries(by_asset)[0]["asset"]["name"] == binaries(by_platform)[0]["asset"]["name"] == other
    assert one_error_line(missing) == f"error: release {TAG} has no asset named nope.zip"


def test_token_goes_to_the_api_only(tmp_path: Path, archive: Path) -> None:
    secret = "ghp_s3cretTOKENvalue"
    with FakeGitHub(token=secret) as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        done = verifier(gh, tmp_path / "cache", "--release", TAG, "--json", GITHUB_TOKEN=secret)
        api_auth = [next((v for k, v in r.headers.items() if k.lower() == "authorization"), None)
                    for r in gh.api.requests]
        storage_headers = [{k.lower() for k in r.headers} for r in gh.storage.requests]
    assert done.returncode == 0, done.stdout + done.stderr  # the fake server exits 3 if it sees the token
    assert api_auth and all(a is not None and a.endswith(secret) for a in api_auth)
    assert storage_headers and all("authorization" not in h for h in storage_headers)
    assert secret not in done.stdout + done.stderr


def test_gh_token_is_used_too(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub(token="gh-cli-token") as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        bad = verifier(gh, tmp_path / "cache", "--release", TAG, GH_TOKEN="not-it")
    assert "bad credentials: GitHub refused the token in GH_TOKEN" in one_error_line(bad)


def test_bad_credentials(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub(token="the-right-one") as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        done = verifier(gh, tmp_path / "cache", "--release", TAG, GITHUB_TOKEN="wrong-token-4242")
    line = one_error_line(done)
    assert line == "error: bad credentials: GitHub refused the token in GITHUB_TOKEN (HTTP 401); fix or unset it"
    assert "wrong-token-4242" not in done.stdout + done.stderr
    assert files_in(tmp_path / "cache") == []


def test_unknown_tag(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        done = verifier(gh, tmp_path / "cache", "--release", "b999")
    assert one_error_line(done) == ("error: no release tagged 'b999' in ggml-org/llama.cpp "
                                    "(or the repository does not exist, or is private)")
    assert done.stdout == "" and files_in(tmp_path / "cache") == []


def test_no_asset_for_this_host(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {f"llama-{TAG}-bin-{other_platform()}.tar.gz": archive})
        done = verifier(gh, tmp_path / "cache", "--release", TAG)
    assert "has no llama-server build for this host" in one_error_line(done)
    assert f"platforms: {other_platform()}" in done.stderr


@pytest.mark.parametrize("fault", ["reset", "retry-after", "429"])
def test_rate_limit_then_success(tmp_path: Path, archive: Path, fault: str) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        if fault == "reset":
            answer = rate_limited(int(time.time()) + 1)
        elif fault == "retry-after":
            answer = rate_limited(int(time.time()) + 3600, retry_after=1)
        else:
            answer = Response.json({"message": "Too Many Requests"}, 429, {"Retry-After": "1"})
        gh.api.fail_next(gh.api_release_path(TAG), answer)
        done = verifier(gh, tmp_path / "cache", "--release", TAG, "--json")
        tries = [r for r in gh.api.requests if r.path.endswith(f"/releases/tags/{TAG}")]
    assert done.returncode == 0, done.stderr
    assert len(tries) == 2


def test_rate_limit_resetting_too_late_fails_at_once(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        gh.api.fail_next(gh.api_release_path(TAG), rate_limited(int(time.time()) + 3600))
        done = verifier(gh, tmp_path / "cache", "--release", TAG)
    line = one_error_line(done)
    assert "rate limited (HTTP 403)" in line and "would pass the 300s limit of --retry-wait" in line
    assert "gave up after 1 attempt:" in line
    assert files_in(tmp_path / "cache") == []
    assert "set GITHUB_TOKEN" in line


def test_server_error_then_success(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        gh.api.fail_next(gh.api_release_path(TAG), Response.json({"message": "Server Error"}, 500))
        gh.storage.fail_next(gh.storage_path(HOST_ASSET), Response(502, b"bad gateway"))
        done = verifier(gh, tmp_path / "cache", "--release", TAG, "--json")
        assert len(gh.storage_downloads(HOST_ASSET)) == 2
    assert done.returncode == 0, done.stderr


def test_exhausted_retries(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        gh.api.fail_next(gh.api_release_path(TAG), Response.json({"message": "Server Error"}, 500), times=100)
        done = verifier(gh, tmp_path / "cache", "--release", TAG, "--retry-wait", "2")
    line = one_error_line(done)
    assert line.startswith(f"error: release {TAG} of ggml-org/llama.cpp: ") and "HTTP 500" in line
    assert files_in(tmp_path / "cache") == []


def test_truncated_body_is_retried(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        gh.storage.fail_next(gh.storage_path(HOST_ASSET), Response(200, file=archive, truncate_at=1000))
        done = verifier(gh, tmp_path / "cache", "--release", TAG, "--json")
        assert len(gh.storage_downloads(HOST_ASSET)) == 2
    assert done.returncode == 0, done.stderr
    assert binaries(done)[0]["asset"]["digest_verified"] is True


def test_body_always_truncated_gives_up_and_leaves_nothing(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        gh.storage.fail_next(gh.storage_path(HOST_ASSET), Response(200, file=archive, truncate_at=1000), times=100)
        done = verifier(gh, tmp_path / "cache", "--release", TAG, "--retry-wait", "2")
    line = one_error_line(done)
    assert line.startswith(f"error: download {HOST_ASSET}: ")
    assert "verdict: ERROR" in done.stdout
    assert files_in(tmp_path / "cache") == []


def test_wrong_digest_deletes_the_download(tmp_path: Path, archive: Path) -> None:
    wrong = "sha256:" + "0" * 64
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive}, digests={HOST_ASSET: wrong})
        done = verifier(gh, tmp_path / "cache", "--release", TAG, "--json")
    line = one_error_line(done)
    assert line.startswith(f"error: {HOST_ASSET}: sha256 mismatch: expected {'0' * 64} (github), downloaded ")
    asset = binaries(done)[0]["asset"]
    assert asset["digest_verified"] is False and asset["digest_note"].startswith("MISMATCH")
    assert files_in(tmp_path / "cache") == []


def test_asset_without_digest_is_verified_but_flagged(tmp_path: Path, archive: Path) -> None:
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive}, digests={HOST_ASSET: None})
        first = verifier(gh, tmp_path / "cache", "--release", TAG, "--json")
        second = verifier(gh, tmp_path / "cache", "--release", TAG, "--json")
        assert len(gh.storage_downloads()) == 1  # cached through the index, by the computed sha256
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    for done, cached in ((first, False), (second, True)):
        asset = binaries(done)[0]["asset"]
        assert asset["digest_verified"] is False and asset["cached"] is cached
        assert asset["digest_note"] == ("not verified: GitHub gives no digest for this asset and the release has no "
                                        "llama-prebuilt-sha256.json" + (" (cached)" if cached else ""))


@pytest.mark.parametrize("listed", ["right", "wrong"])
def test_fork_release_checked_against_its_sha256_json(tmp_path: Path, archive: Path, listed: str) -> None:
    tag = "b9000-mix-5ff778e"
    name = f"app-{tag}-{FORK}-cpu.tar.gz"
    from tests.support.github_releases import sha256_file

    digest = sha256_file(archive) if listed == "right" else "f" * 64
    sums = tmp_path / "llama-prebuilt-sha256.json"
    sums.write_text(json.dumps({"schema_version": 1, "release_tag": tag,
                                "artifacts": {name: {"sha256": digest, "kind": "linux-cpu"}}}))
    with FakeGitHub("unslothai/llama.cpp") as gh:
        gh.add_release(tag, {name: archive, f"app-{tag}-{FORK}-cuda12-newer.tar.gz": archive,
                             "llama-prebuilt-sha256.json": sums}, digests={name: None})
        done = verifier(gh, tmp_path / "cache", "--release", tag, "--repo", "unslothai/llama.cpp", "--json")
        again = verifier(gh, tmp_path / "cache", "--release", tag, "--repo", "unslothai/llama.cpp", "--json")
        downloads = [r.path.rsplit("/", 1)[-1] for r in gh.storage.requests]
    if listed == "right":
        assert done.returncode == again.returncode == 0, done.stderr + again.stderr
        for run, cached in ((done, False), (again, True)):
            asset = binaries(run)[0]["asset"]
            assert asset["name"] == name and asset["digest_verified"] is True and asset["cached"] is cached
            assert asset["digest_source"] == "llama-prebuilt-sha256.json"
        assert downloads == ["llama-prebuilt-sha256.json", name]  # the second run downloads nothing
    else:
        assert "(llama-prebuilt-sha256.json), downloaded" in one_error_line(done)
        assert files_in(tmp_path / "cache") == []


@pytest.mark.parametrize("attack", ["traversal", "absolute", "symlink", "hardlink", "device", "bomb"])
def test_malicious_archive_is_refused_and_leaves_nothing(tmp_path: Path, server_script: bytes, attack: str) -> None:
    evil = tmp_path / "evil.tar.gz"
    ok = Member(f"llama-{TAG}/llama-server", server_script, 0o755)
    members = {
        "traversal": [ok, Member(f"llama-{TAG}/../../../../evil.txt", b"pwned")],
        "absolute": [ok, Member(str(tmp_path / "abs-evil.txt").replace("\\", "/"), b"pwned")],
        "symlink": [Member(f"llama-{TAG}/llama-server", kind="symlink", target="../../../../../../etc/passwd")],
        "hardlink": [ok, Member(f"llama-{TAG}/lib.so", kind="hardlink", target="../../outside")],
        "device": [ok, Member(f"llama-{TAG}/dev", kind="chr", mode=0o600)],
    }
    if attack == "bomb":
        write_lying_tar_gz(evil, f"llama-{TAG}/llama-server", 50 << 30)
    else:
        write_tar_gz(evil, members[attack])
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: evil})
        done = verifier(gh, tmp_path / "cache", "--release", TAG)
    assert one_error_line(done).startswith(f"error: {HOST_ASSET}: refused to unpack: ")
    assert files_in(tmp_path / "cache") == []
    assert not (tmp_path / "abs-evil.txt").exists() and not list(tmp_path.rglob("evil.txt"))


def test_step_summary_in_actions(tmp_path: Path, archive: Path) -> None:
    summary = tmp_path / "summary.md"
    with FakeGitHub() as gh:
        gh.add_release(TAG, {HOST_ASSET: archive})
        done = verifier(gh, tmp_path / "cache", "--release", TAG, GITHUB_ACTIONS="true",
                        GITHUB_STEP_SUMMARY=str(summary))
    assert done.returncode == 0, done.stderr
    text = summary.read_text(encoding="utf-8")
    assert f"### Release ggml-org/llama.cpp {TAG}: ✅ passed" in text
    assert "| asset | digest | binary | checks | verdict |" in text
    assert f"| <code>{HOST_ASSET}</code> | verified (github) |" in text and "| 3/3 passed | ✅ pass |" in text


@pytest.mark.real
def test_real_llama_server_from_a_release(tmp_path: Path, real_build) -> None:
    """A real build in today's tar.gz layout and in the old build/bin zip (exec bit from external_attr)."""
    binary = real_build(PASSING_BUILD)
    data = binary.read_bytes()
    tag = f"b{PASSING_BUILD}"
    if binary.suffix == ".exe":
        files = {f"llama-{tag}-bin-{UP}.zip": server_archive(tmp_path / "w.zip", data, layout="flat", exe=True)}
    else:
        files = {f"llama-{tag}-bin-{UP}.tar.gz": server_archive(tmp_path / "t.tar.gz", data, layout="top", tag=tag),
                 f"llama-{tag}-bin-{UP}.zip": server_archive(tmp_path / "z.zip", data, layout="build-bin")}
    with FakeGitHub() as gh:
        gh.add_release(tag, files)
        done = verifier(gh, tmp_path / "cache", "--release", tag, "--all-host", "--argv", "--json", wrapper=False)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = binaries(done)
    local = subprocess.run([sys.executable, "-m", "verifier", str(binary), "--argv", "--json"], capture_output=True,
                           text=True, cwd=ROOT)
    local_cases = [case["argv"] for case in json.loads(local.stdout)["binaries"][0]["argv"]]
    assert [r["asset"]["name"] for r in rows] == list(files)
    for row in rows:
        assert row["ok"] and row["build"] == PASSING_BUILD and row["capabilities"]["mtp_token"] == "draft-mtp"
        assert row["asset"]["digest_verified"] is True
        # --argv: the unpacked release binary runs the same cases as the build itself, all accepted
        assert [case["argv"] for case in row["argv"]] == local_cases
        assert len(local_cases) >= 20 and all(case["accepted"] for case in row["argv"])


def test_help_loads_no_network_or_model_libraries() -> None:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "verifier", "--help"], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0 and "--release TAG" in done.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert imported.isdisjoint({"requests", "github", "gguf", "tqdm", "urllib3"}), imported
