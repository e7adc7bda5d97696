"""Output a child printed before it ended is never lost, however late it is read.

Under load (a build beside the suite) a real llama-server's help went missing once: the
child had exited, its 30 KB sat in the pipe, and the reader had not run within the drain
grace. Reading what is in the pipe must not depend on when this process gets the CPU.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from verifier.util import process

PRINTS = "import sys; sys.stdout.write('h' * 60000); sys.stdout.flush(); sys.stderr.write('e' * 100)"


def test_output_in_the_pipe_is_read_after_the_child_ended(tmp_path: Path) -> None:
    proc = process.popen([sys.executable, "-c", PRINTS], cwd=tmp_path)
    capture = process._Capture(proc, process.MAX_OUTPUT)
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
