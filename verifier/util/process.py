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
import selectors
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
"""How long the pipes may stay silent and open after every descendant was killed."""

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
_contained_lock = threading.RLock()  # re-entrant: Ctrl-C's kill_tree may run inside popen's registration
_starting = threading.RLock()
"""Held while a child is started and registered, and while :func:`kill_tree` looks for orphans.

Between fork and exec a new child still shows this process's environment, without a run
marker, so another run's sweep would take it for a marker-less orphan of its own, kill it
and reap it (its Popen then reads exit code 0 and no output). Re-entrant: Ctrl-C may call
:func:`kill_tree` from a signal handler in the thread that holds it.
"""


def child_env(env: dict[str, str] | None, run_id: str) -> dict[str, str]:
    """The child's environment: no tokens, plus the run marker its descendants inherit."""
    base = dict(os.environ if env is None else env)
    for name in (*secrets.TOKEN_VARIABLES, "ACTIONS_ID_TOKEN_REQUEST_URL"):
        base.pop(name, None)
    base[descendants.MARKER] = run_id
    return base


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child and every descendant it started; safe to call twice."""
    with _starting:  # no child of another run is between fork and registration while we sweep
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
    with _starting:
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


class _Capture:
    """A child's stdout and stderr, kept up to ``limit`` bytes each; ``overflow`` once one passes it."""

    def __init__(self, proc: subprocess.Popen[bytes], limit: int) -> None:
        self.proc = proc
        self.limit = limit
        self.overflow = False
        self.data = {"stdout": bytearray(), "stderr": bytearray()}
        self.pipes = {"stdout": proc.stdout, "stderr": proc.stderr}

    def keep(self, name: str, chunk: bytes) -> None:
        room = self.limit - len(self.data[name])
        self.data[name] += chunk[:max(room, 0)]
        if len(chunk) > room:
            self.overflow = True

    def wait(self, timeout: float) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass

    def text(self, name: str) -> str:
        return bytes(self.data[name]).decode("utf-8", errors="replace")

    def close(self) -> None:
        for pipe in self.pipes.values():
            if pipe is not None:
                pipe.close()


class _SelectorCapture(_Capture):
    """POSIX: both pipes are read by the calling thread, so whatever is in a pipe when the child
    ends is always read: a loaded machine can delay the read, never lose it."""

    def __init__(self, proc: subprocess.Popen[bytes], limit: int) -> None:
        super().__init__(proc, limit)
        self.selector = selectors.DefaultSelector()
        for name, pipe in self.pipes.items():
            if pipe is not None:
                self.selector.register(pipe.fileno(), selectors.EVENT_READ, name)

    def pump(self, timeout: float) -> bool:
        """Read what the pipes offer within ``timeout``; False when nothing came (no data, no EOF)."""
        if not self.selector.get_map():
            self.wait(timeout)
            return False
        events = self.selector.select(timeout)
        for key, _ in events:
            try:
                chunk = os.read(key.fd, 65536)
            except OSError:  # a pipe that errors is a pipe that ended
                chunk = b""
            if chunk:
                self.keep(key.data, chunk)
            else:
                self.selector.unregister(key.fd)
        return bool(events)

    def finish(self, grace: float) -> None:
        """After the child and its descendants are gone: read to the end of both pipes.

        Gives up once the pipes stayed silent for ``grace`` seconds (or trickled for five
        times that), which only happens when something that escaped the kill holds them open.
        Data already in a pipe is read first, however late this thread gets to run.
        """
        quiet_since = started = time.monotonic()
        while self.selector.get_map() and not self.overflow:
            trickling = time.monotonic() - started >= 5 * grace
            if self.pump(0 if trickling else 0.05):
                quiet_since = time.monotonic()
            elif trickling or time.monotonic() - quiet_since >= grace:
                break
        self.selector.close()
        self.close()


class _ThreadCapture(_Capture):
    """Windows has no select() for pipes: one thread drains each."""

    def __init__(self, proc: subprocess.Popen[bytes], limit: int) -> None:
        super().__init__(proc, limit)
        self.threads = [threading.Thread(target=self._drain, args=(name, pipe), daemon=True)
                        for name, pipe in self.pipes.items() if pipe is not None]
        for thread in self.threads:
            thread.start()

    def _drain(self, name: str, pipe: object) -> None:
        read = pipe.read1 if hasattr(pipe, "read1") else pipe.read  # type: ignore[attr-defined]
        try:
            while not self.overflow and (chunk := read(65536)):
                self.keep(name, chunk)
        except (OSError, ValueError):
            return

    def pump(self, timeout: float) -> bool:
        self.wait(timeout)  # the threads read
        return False

    def finish(self, grace: float) -> None:
        """Wait for both threads while they make progress; a pipe held open stops them making any."""
        sizes = None
        while any(t.is_alive() for t in self.threads) and sizes != [len(d) for d in self.data.values()]:
            sizes = [len(d) for d in self.data.values()]
            for thread in self.threads:
                thread.join(grace)
        if not any(t.is_alive() for t in self.threads):
            self.close()


def capture_output(proc: subprocess.Popen[bytes], limit: int) -> _SelectorCapture | _ThreadCapture:
    return _ThreadCapture(proc, limit) if sys.platform == "win32" else _SelectorCapture(proc, limit)


def run(argv: Sequence[str], *, timeout: float, cwd: str | Path, env: dict[str, str] | None = None,
        max_output: int = MAX_OUTPUT) -> Completed:
    """Run to completion; at ``timeout`` kill everything and raise :class:`ProcessTimeout`.

    Raises ``OSError`` when the program cannot be started, :class:`OutputTooLarge` when it
    prints more than ``max_output`` bytes on a stream, ``Cancelled`` when interrupted.
    """
    deadline = time.monotonic() + timeout
    proc = popen(argv, cwd=cwd, env=env)
    capture = capture_output(proc, max_output)
    try:
        while proc.poll() is None and not capture.overflow and time.monotonic() < deadline:
            interrupt.check()
            capture.pump(min(0.05, max(deadline - time.monotonic(), 0.001)))
        timed_out = proc.poll() is None and not capture.overflow
    finally:
        # Finished, timed out, overflowed or interrupted: whatever it started goes now.
        kill_tree(proc)
        proc.wait()
        capture.finish(DRAIN_GRACE)
        release(proc)
    interrupt.check()
    if capture.overflow:
        stream = next((name for name, d in capture.data.items() if len(d) >= max_output), "stdout")
        raise OutputTooLarge(stream, max_output)
    if timed_out:
        raise ProcessTimeout(timeout, capture.text("stdout"), capture.text("stderr"))
    return Completed(tuple(argv), proc.returncode, capture.text("stdout"), capture.text("stderr"))
