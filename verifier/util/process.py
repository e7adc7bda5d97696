"""Run a child process with a timeout, and make sure nothing it started outlives it.

Every child runs with no shell, empty stdin, its own process group (POSIX) or a kill-on-close
job object (Windows), an environment without tokens, and a marker variable naming the run.
When it ends, times out or is interrupted, every descendant goes with it, including those
that called setsid() or double-forked (see :mod:`verifier.util.descendants`). Captured
output is bounded: a child that prints more than ``max_output`` bytes is stopped.
``timeout`` is a promise: :func:`run` returns or raises within it plus about a second,
even when a descendant holds the output pipes open.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from verifier.util import descendants, interrupt, secrets

MAX_OUTPUT = 16 << 20
"""Bytes kept per stream; llama-server's help is about 30 KB."""
DRAIN_GRACE = 1.0
"""How long the pipes may stay open after every descendant was killed."""

_GROUP_KWARGS: dict[str, object] = (
    {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    if sys.platform == "win32"
    else {"start_new_session": True}
)


class ProcessTimeout(Exception):
    """The child did not finish in time; it and its descendants were killed."""

    def __init__(self, timeout: float, stdout: str, stderr: str) -> None:
        super().__init__(f"timed out after {timeout:g}s")
        self.timeout = timeout
        self.stdout = stdout
        self.stderr = stderr


class OutputTooLarge(Exception):
    """The child printed more than the limit on one stream; it and its descendants were killed."""

    def __init__(self, stream: str, limit: int) -> None:
        super().__init__(f"printed more than {limit >> 20} MiB on {stream}")
        self.stream = stream
        self.limit = limit


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def signal_name(self) -> str | None:
        """The signal that killed the child (POSIX), e.g. ``SIGSEGV``."""
        if self.returncode >= 0 or sys.platform == "win32":
            return None
        try:
            return signal.Signals(-self.returncode).name
        except ValueError:
            return f"signal {-self.returncode}"


@dataclass
class _Containment:
    run_id: str
    start: int
    job: object | None = None


_contained: dict[int, _Containment] = {}
_contained_lock = threading.Lock()


def child_env(env: dict[str, str] | None, run_id: str) -> dict[str, str]:
    """The child's environment: no tokens, plus the run marker its descendants inherit."""
    base = dict(os.environ if env is None else env)
    for name in (*secrets.TOKEN_VARIABLES, "ACTIONS_ID_TOKEN_REQUEST_URL"):
        base.pop(name, None)
    base[descendants.MARKER] = run_id
    return base


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child and every descendant it started; safe to call twice."""
    with _contained_lock:
        box = _contained.get(proc.pid)
        spared = {pid for pid in _contained if pid != proc.pid}
    if sys.platform == "win32":
        if box is not None and box.job is not None:
            box.job.close()  # type: ignore[attr-defined]
        if proc.poll() is None:
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
    else:
        descendants.end_all(proc.pid, box.run_id if box else "", spared, box.start if box else 0)
    try:
        proc.kill()
    except OSError:
        pass


def release(proc: subprocess.Popen[bytes]) -> None:
    """Forget a child that was waited for (after :func:`kill_tree`)."""
    with _contained_lock:
        _contained.pop(proc.pid, None)
    interrupt.unregister(proc.pid)


def popen(argv: Sequence[str], *, cwd: str | Path, env: dict[str, str] | None = None,
          stdout: int | object = subprocess.PIPE, stderr: int | object = subprocess.PIPE,
          ) -> subprocess.Popen[bytes]:
    """Start ``argv`` contained: no shell, empty stdin, no tokens, every descendant trackable.

    Raises :class:`verifier.util.interrupt.Cancelled` once the command was interrupted.
    """
    interrupt.check()
    secrets.protect_process()
    descendants.become_subreaper()
    run_id = uuid.uuid4().hex
    job = descendants.WindowsJob() if sys.platform == "win32" else None
    proc = subprocess.Popen(  # noqa: S603 - argv is a list, never a shell string
        list(argv),
        cwd=cwd,
        env=child_env(env, run_id),
        stdin=subprocess.DEVNULL,
        stdout=stdout,  # type: ignore[arg-type]
        stderr=stderr,  # type: ignore[arg-type]
        **_GROUP_KWARGS,  # type: ignore[arg-type]
    )
    if job is not None:
        job.assign(proc)
    with _contained_lock:
        _contained[proc.pid] = _Containment(run_id, descendants.start_ticks(proc.pid), job)
    interrupt.register(proc.pid, lambda: kill_tree(proc))
    return proc


class _Reader(threading.Thread):
    """Drains one pipe into memory up to a limit; sets ``overflow`` past it."""

    def __init__(self, pipe: object, limit: int, overflow: threading.Event) -> None:
        super().__init__(daemon=True)
        self.pipe = pipe
        self.limit = limit
        self.overflow = overflow
        self.data = bytearray()

    def run(self) -> None:
        read = self.pipe.read1 if hasattr(self.pipe, "read1") else self.pipe.read  # type: ignore[attr-defined]
        try:
            while chunk := read(65536):
                room = self.limit - len(self.data)
                self.data += chunk[:max(room, 0)]
                if len(chunk) > room:
                    self.overflow.set()
                    return
        except (OSError, ValueError):
            return

    def text(self) -> str:
        return bytes(self.data).decode("utf-8", errors="replace")


def run(argv: Sequence[str], *, timeout: float, cwd: str | Path, env: dict[str, str] | None = None,
        max_output: int = MAX_OUTPUT) -> Completed:
    """Run to completion; at ``timeout`` kill everything and raise :class:`ProcessTimeout`.

    Raises ``OSError`` when the program cannot be started, :class:`OutputTooLarge` when it
    prints more than ``max_output`` bytes on a stream, ``Cancelled`` when interrupted.
    """
    deadline = time.monotonic() + timeout
    proc = popen(argv, cwd=cwd, env=env)
    overflow = threading.Event()
    readers = {name: _Reader(pipe, max_output, overflow) for name, pipe in (("stdout", proc.stdout),
                                                                           ("stderr", proc.stderr))}
    for reader in readers.values():
        reader.start()
    try:
        while proc.poll() is None and not overflow.is_set() and time.monotonic() < deadline:
            interrupt.check()
            try:
                proc.wait(timeout=min(0.05, max(deadline - time.monotonic(), 0.001)))
            except subprocess.TimeoutExpired:
                pass
        timed_out = proc.poll() is None and not overflow.is_set()
    finally:
        # Finished, timed out, overflowed or interrupted: whatever it started goes now.
        kill_tree(proc)
        proc.wait()
        drained = time.monotonic() + DRAIN_GRACE
        for reader in readers.values():
            reader.join(max(drained - time.monotonic(), 0))
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None and not any(r.is_alive() for r in readers.values()):
                pipe.close()
        release(proc)
    interrupt.check()
    if overflow.is_set():
        stream = next((name for name, r in readers.items() if len(r.data) >= max_output), "stdout")
        raise OutputTooLarge(stream, max_output)
    if timed_out:
        raise ProcessTimeout(timeout, readers["stdout"].text(), readers["stderr"].text())
    return Completed(tuple(argv), proc.returncode, readers["stdout"].text(), readers["stderr"].text())
