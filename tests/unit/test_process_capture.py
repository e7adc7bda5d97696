"""Output a child printed is never lost: not when it is read late, not when runs overlap.

Under load (a build beside the suite) a real llama-server's help came back empty, exit code
0, twice. Two runs in one process (``--help`` and ``--version`` run in parallel): one run's
sweep for orphans took the other's child, caught between fork and exec, for a marker-less
orphan, killed and reaped it, and its Popen read exit code 0 and no output. Starting a
child and sweeping for orphans now exclude each other; and what is in a pipe when the child
ends is read however late this process gets the CPU.
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from verifier.util import process

PRINTS = "import sys; sys.stdout.write('h' * 60000); sys.stdout.flush(); sys.stderr.write('e' * 100)"


def test_output_in_the_pipe_is_read_after_the_child_ended(tmp_path: Path) -> None:
    proc = process.popen([sys.executable, "-c", PRINTS], cwd=tmp_path)
    capture = process.capture_output(proc, process.MAX_OUTPUT)
    proc.wait()  # nothing was read while it ran: all of it waits in the pipes
    process.kill_tree(proc)
    capture.finish(grace=0)
    process.release(proc)
    assert capture.text("stdout") == "h" * 60000
    assert capture.text("stderr") == "e" * 100


def test_run_with_no_drain_grace_keeps_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process, "DRAIN_GRACE", 0.0)
    done = process.run([sys.executable, "-c", PRINTS], timeout=60, cwd=tmp_path)
    assert (done.returncode, len(done.stdout), len(done.stderr)) == (0, 60000, 100)


def test_overlapping_runs_never_take_each_others_children(tmp_path: Path) -> None:
    def one(index: int) -> tuple[int, str]:
        done = process.run([sys.executable, "-I", "-S", "-c", f"print('run {index}')"], timeout=120, cwd=tmp_path)
        return done.returncode, done.stdout.strip()

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(120)))
    assert results == [(0, f"run {i}") for i in range(120)]


def test_ctrl_c_inside_a_registration_does_not_deadlock(tmp_path: Path) -> None:
    """The signal handler runs cancel() in the main thread, possibly while it holds the registries' locks."""
    code = ("import sys\n"
            "from verifier.util import interrupt, process\n"
            "child = process.popen([sys.executable, '-c', 'import time; time.sleep(600)'], cwd='.')\n"
            "with process._starting, process._contained_lock, interrupt._lock:\n"
            "    interrupt.cancel()\n"
            "child.wait()\n"
            "print('returned')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "returned", done.stderr  # the child was killed, nothing deadlocked
