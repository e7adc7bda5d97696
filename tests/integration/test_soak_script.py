"""``scripts/soak_ci.py``: runs in a row from fresh clones, stops at the first failure, and the load beside ends with it.

The repository under test is a tiny git checkout whose ``.ci/run`` counts its runs and
fails on the one the test names; the load beside is a Python process that records its pid.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support.processes import alive

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "soak_ci.py"
CI_RUN = """#!/usr/bin/env bash
set -euo pipefail
until [ -e "$BESIDE_PID" ]; do sleep 0.05; done  # the load beside has started
n=$(( $(cat "$SOAK_COUNTER" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$SOAK_COUNTER"
echo "clone of $(git rev-parse --short HEAD) at $PWD" > "$SOAK_COUNTER.where"
if [ -n "${SOAK_HANG_PID:-}" ]; then python3 .ci/hang.py; fi
if [ "$n" = "${SOAK_FAIL_AT:-}" ]; then echo "== 1 failed, 3 passed in 0.1s =="; exit 1; fi
echo "== 4 passed in 0.1s =="
"""
HANG = """
# A step that leaves the process group and hangs, with a server in a session of its own that
# only it can stop (as pytest running the verifier): on Ctrl-C it stops the server.
import os, subprocess, sys, time
os.setpgid(0, 0)
server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
try:
    target = os.environ["SOAK_HANG_PID"]
    with open(target + ".tmp", "w") as f:
        f.write(f"{os.getpid()} {server.pid}")
    os.replace(target + ".tmp", target)
    time.sleep(600)
finally:
    server.kill()
    server.wait()
"""
BESIDE = ("import os, sys, time; open(os.environ['BESIDE_PID'] + '.tmp', 'w').write(str(os.getpid())); "
          "os.replace(os.environ['BESIDE_PID'] + '.tmp', os.environ['BESIDE_PID']); time.sleep(600)")


def checkout(path: Path) -> str:
    (path / ".ci").mkdir(parents=True)
    (path / ".ci" / "run").write_text(CI_RUN)
    (path / ".ci" / "hang.py").write_text(HANG)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for git in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "ci"]):
        subprocess.run(["git", *git], cwd=path, check=True, env=env)
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=path, capture_output=True, text=True,
                          check=True).stdout.strip()


def soak_argv(tmp_path: Path, *args: str, **env: str) -> tuple[list[str], dict[str, str]]:
    beside = f"{sys.executable} -c \"{BESIDE}\""
    return ([sys.executable, str(SCRIPT), "--repo", "repo", "--logs", "logs", "--beside", beside, *args],
            {**os.environ, "SOAK_COUNTER": str(tmp_path / "count"), "BESIDE_PID": str(tmp_path / "beside.pid"), **env})


def soak(tmp_path: Path, *args: str, fail_at: str = "") -> subprocess.CompletedProcess[str]:
    argv, env = soak_argv(tmp_path, *args, SOAK_FAIL_AT=fail_at)
    return subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_stops_at_the_first_failure_and_the_load_ends_with_it(tmp_path: Path) -> None:
    commit = checkout(tmp_path / "repo")
    done = soak(tmp_path, "--runs", "5", fail_at="2")
    assert done.returncode == 1, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "commit" not in line]
    assert [row.split(" | ")[:3] for row in rows] == [["| 1", f"`{commit}`", "pass"], ["| 2", f"`{commit}`", "FAIL (exit 1)"]]
    assert rows[1].endswith("| 1 failed, 3 passed in 0.1s |")
    assert "1 of 5 runs passed in a row; the load beside them was started 1 time(s)" in done.stdout
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == ["run-1.log", "run-2.log"]
    assert not alive(int((tmp_path / "beside.pid").read_text()))
    where = (tmp_path / "count.where").read_text()
    assert str(tmp_path / "repo") not in where and not Path(where.split(" at ")[1].strip()).exists()  # a clone, removed


def test_every_run_passing_exits_0(tmp_path: Path) -> None:
    checkout(tmp_path / "repo")
    done = soak(tmp_path, "--runs", "3")
    assert done.returncode == 0, done.stderr
    assert "3 of 3 runs passed in a row" in done.stdout
    assert (tmp_path / "count").read_text().strip() == "3"


def test_not_a_checkout_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    done = soak(tmp_path, "--runs", "1")
    assert (done.returncode, done.stderr) == (2, "error: repo: not a checkout with .ci/run\n")
    assert not (tmp_path / "beside.pid").exists()


def test_sigterm_ends_the_run_its_escaped_steps_their_servers_and_the_load(tmp_path: Path) -> None:
    checkout(tmp_path / "repo")
    hang = tmp_path / "hang.pid"
    argv, env = soak_argv(tmp_path, "--runs", "1", SOAK_HANG_PID=str(hang))
    proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not hang.exists():  # the step runs (it can only start once the load beside has)
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        proc.terminate()
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert (proc.returncode, err) == (130, "error: interrupted\n")
    step, server = map(int, hang.read_text().split())
    assert not alive(step), "a step of the run outlived the soak"
    assert not alive(server), "a server the step started outlived the soak: the step was not let stop it"
    assert not alive(int((tmp_path / "beside.pid").read_text())), "the load outlived the soak"
