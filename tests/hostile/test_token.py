"""Class 2: a binary under test cannot obtain the token, and the token is never printed.

The hunting fake looks everywhere an unprivileged process of the same user can look: its
own environment and argv, the files in its working directory, and on Linux the ``environ``
and ``cmdline`` of every process it can read under ``/proc`` (its parent and ancestors
included). The token exists only in the verifier's own environment.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.hostile.fakes import TOKEN_HUNT
from tests.hostile.support import ROOT, clean_env, run_module


@pytest.fixture
def secret() -> str:
    """A token of this test's own: the hunter scans every process on the machine, and a test running
    beside it in another worker may pass its token on a command line (``test_a_token_is_never_printed``)."""
    return f"ghs_hostileTierSecret{uuid.uuid4().hex}"


def probe(secret: str) -> str:
    return secret[::-1]  # the hunter is told the token reversed, so its own environment holds no copy


def hunter(fake_binary):
    return fake_binary(help=help_fixture("real-b11434"), body=TOKEN_HUNT)


def unprivileged() -> list[str]:
    """How to start Python as an unprivileged process.

    As root (a container), every process holds CAP_SYS_PTRACE and may read any other's
    memory, whatever this tool does. So the whole command runs with an empty capability
    bounding set (``setpriv``): the verifier and the hunter are then what two processes of
    one unprivileged user are, and only the tool's own protection stands between them.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("setpriv"):
        return ["setpriv", "--bounding-set=-all", sys.executable]
    return [sys.executable]


def run_unprivileged(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*unprivileged(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_binary_under_test_cannot_find_the_token(fake_binary, tmp_path: Path, secret: str) -> None:
    report = tmp_path / "report"
    fake = hunter(fake_binary)
    env = clean_env(GITHUB_TOKEN=secret, GH_TOKEN=secret, HOSTILE_SECRET_PROBE=probe(secret),
                    HOSTILE_REPORT=str(report))
    done = run_unprivileged(["-m", "verifier", str(fake.path), "--wrapper", shlex.join([sys.executable]), "--argv"],
                            env, ROOT)
    assert done.returncode in (0, 1), done.stderr  # the fake's parser accepts anything: --argv may fail
    results = report.read_text().splitlines()
    assert results and all(line == "CLEAN" for line in results), results


def test_the_hunter_finds_a_token_an_unprotected_parent_holds(fake_binary, tmp_path: Path, secret: str) -> None:
    """The control: the same hunter, run by a plain parent that holds the token, finds it (Linux /proc)."""
    report = tmp_path / "report"
    fake = hunter(fake_binary)
    env = clean_env(GITHUB_TOKEN=secret, HOSTILE_SECRET_PROBE=probe(secret), HOSTILE_REPORT=str(report))
    parent = ("import os, subprocess, sys\n"
              "env = {k: v for k, v in os.environ.items() if k != 'GITHUB_TOKEN'}\n"
              "subprocess.run([*sys.argv[2:], sys.argv[1], '--help'], env=env, stdout=subprocess.DEVNULL)\n")
    assert run_unprivileged(["-c", parent, str(fake.path), sys.executable], env, tmp_path).returncode == 0
    found = report.read_text()
    if sys.platform.startswith("linux"):
        assert found.startswith("FOUND") and "(ancestor)" in found, found
    else:
        assert found.strip() == "CLEAN"  # no /proc: the environment is the only channel, and it is clean


def test_a_token_is_never_printed(tmp_path: Path, secret: str) -> None:
    missing = tmp_path / f"llama-server-{secret}"
    done = run_module("verifier", str(missing), env=clean_env(GITHUB_TOKEN=secret, GITHUB_ACTIONS="true"))
    assert done.returncode == 2
    assert secret not in done.stdout + done.stderr and "***" in done.stderr
