"""verifier.testing.fake_llama_server: real captured help and version, a parser that answers like the build's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import HELP_DIR, help_fixture
from verifier.oracle import corpus
from verifier.probe import probe
from verifier.testing import captured_builds, fake_llama_server as make_fake


def run(fake, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*fake.argv, *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def test_the_shipped_captures_are_the_committed_fixtures() -> None:
    assert corpus.captures() == corpus.read_fixtures(HELP_DIR)
    assert corpus.BUNDLE.read_bytes() == corpus.encode(corpus.read_fixtures(HELP_DIR))
    assert {9093, 11434} <= set(captured_builds())


def test_prints_the_real_help_and_version(fake_llama_server, tmp_path: Path) -> None:
    fake = fake_llama_server(build=11434)
    shown = run(fake, "--help", cwd=tmp_path)
    assert shown.returncode == 0 and shown.stdout == help_fixture("real-b11434")
    version = run(fake, "--version", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout == ""
    assert version.stderr == (HELP_DIR / "real-b11434.version.txt").read_text(encoding="utf-8")


def test_the_verifier_reads_it_like_the_real_build(fake_llama_server) -> None:
    fake = fake_llama_server(build=9093)
    caps = probe(fake.path, wrapper=fake.wrapper).capabilities
    assert caps.build == 9093 and caps.mtp_token is None and caps.has("--spec-draft-n-max")


@pytest.mark.parametrize(("args", "first_line"), [
    (["--bogus"], "error: invalid argument: --bogus"),
    (["--draft-max", "3"], 'error while handling argument "--draft-max": the argument has been removed. '
                           "use --spec-draft-n-max or --spec-ngram-mod-n-max"),
    (["--spec-type", "mtp"], 'error while handling argument "--spec-type": unknown speculative type: mtp'),
    (["-c"], 'error while handling argument "-c": expected value for argument'),
    (["-c", "many"], 'error while handling argument "-c": stoi'),
    (["positional"], "error: invalid argument: positional"),
])
def test_rejects_like_the_real_parser(fake_llama_server, tmp_path: Path, args: list[str], first_line: str) -> None:
    done = run(fake_llama_server(build=11434), *args, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == first_line


def test_a_usage_block_follows_an_argument_error(fake_llama_server, tmp_path: Path) -> None:
    done = run(fake_llama_server(build=11434), "--draft-max", "3", cwd=tmp_path)
    assert "usage:\n--draft, --draft-n, --draft-max N       the argument has been removed." in done.stderr
    assert done.stderr.rstrip().endswith("to show complete usage, run with -h")


def test_accepted_argv_fails_to_load_the_missing_model(fake_llama_server, tmp_path: Path) -> None:
    fake = fake_llama_server(build=11434)
    done = run(fake, "--spec-type", "ngram-mod,draft-mtp", "--spec_draft_n_max", "2", "--no-warmup", "-m", "gone.gguf",
               cwd=tmp_path)
    assert done.returncode == 1
    assert "failed to load model" in done.stderr and "'gone.gguf'" in done.stderr
    assert "exiting due to model loading error" in done.stderr


def test_builds_differ_as_the_real_ones_do(fake_llama_server, tmp_path: Path) -> None:
    old = run(fake_llama_server(build=9093), "--spec-type", "draft-mtp", cwd=tmp_path)
    assert 'argument "--spec-type": unknown speculative decoding type without draft model' in old.stderr
    assert "failed to load model" in run(fake_llama_server(build=9093), "-dio", "-m", "x.gguf", cwd=tmp_path).stderr
    assert "invalid argument: -dio" in run(fake_llama_server(build=11434), "-dio", cwd=tmp_path).stderr


def test_without_a_model_it_says_it_does_not_serve(fake_llama_server, tmp_path: Path) -> None:
    done = run(fake_llama_server(build=11434), "--port", "0", cwd=tmp_path)
    assert done.returncode == 1 and "would start a router server" in done.stderr


def test_an_uncaptured_build_names_the_captured_ones(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="captured builds: .*11434"):
        make_fake(1, tmp_path)
    assert not list(tmp_path.iterdir())


def test_verified_from_another_directory_by_a_relative_path(fake_llama_server, tmp_path: Path) -> None:
    # Each probe runs in a fresh working directory: a relative path given under a wrapper must still be found.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    for build, expected in ((11434, 0), (9093, 1)):
        fake = fake_llama_server(build=build)
        relative = fake.path.relative_to(tmp_path)
        done = subprocess.run([fake.wrapper[0], "-m", "verifier", str(relative), "--wrapper", fake.wrapper[0]],
                              capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
        assert done.returncode == expected, done.stderr
        assert f"llama-server-b{build}.py  (" in done.stdout and str(build) in done.stdout.splitlines()[0]


def test_the_pytest_plugin_gives_downstream_projects_the_fixture(tmp_path: Path) -> None:
    # A project with no conftest of its own: the fixture comes from the installed entry point (pytest11).
    (tmp_path / "test_downstream.py").write_text(
        "import subprocess\n"
        "def test_probe(fake_llama_server):\n"
        "    server = fake_llama_server(build=9093)\n"
        "    done = subprocess.run([*server.argv, '--spec-type', 'draft-mtp'], capture_output=True, text=True)\n"
        "    assert done.returncode == 1 and 'unknown speculative decoding type' in done.stderr\n",
        encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "test_downstream.py"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
