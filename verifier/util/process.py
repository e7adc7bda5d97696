"""Run a child process with a timeout, and make sure nothing it started outlives it.

Children are started in their own process group (POSIX) or process group (Windows) so a
timeout or an interrupt kills the whole tree, not just the direct child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

_GROUP_KWARGS: dict[str, object] = (
    {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    if sys.platform == "win32"
    else {"start_new_session": True}
)


class ProcessTimeout(Exception):
    """The child did not finish in time; it and its group were killed."""

    def __init__(self, timeout: float, stdout: str, stderr: str) -> None:
        super().__init__(f"timed out after {timeout:g}s")
        self.timeout = timeout
        self.stdout = stdout
        self.stderr = stderr


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


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child and everything in its group; safe to call twice."""
    if proc.poll() is None or sys.platform != "win32":
        try:
            if sys.platform == "win32":
                subprocess.run(
                    ["taskkill", "/F", "/T", "/PID", str(proc.pid)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )
            else:
                os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
    try:
        proc.kill()
    except OSError:
        pass


def popen(argv: Sequence[str], *, cwd: str | Path, env: dict[str, str] | None = None,
          stdout: int | object = subprocess.PIPE, stderr: int | object = subprocess.PIPE,
          ) -> subprocess.Popen[bytes]:
    """Start ``argv`` with no shell, empty stdin and its own process group."""
    return subprocess.Popen(  # noqa: S603 - argv is a list, never a shell string
        list(argv),
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,  # type: ignore[arg-type]
        stderr=stderr,  # type: ignore[arg-type]
        **_GROUP_KWARGS,  # type: ignore[arg-type]
    )


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


def run(argv: Sequence[str], *, timeout: float, cwd: str | Path,
        env: dict[str, str] | None = None) -> Completed:
    """Run to completion, or kill the group at ``timeout`` and raise :class:`ProcessTimeout`.

    Raises ``OSError`` when the program cannot be started at all.
    """
    proc = popen(argv, cwd=cwd, env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        out, err = proc.communicate()
        raise ProcessTimeout(timeout, _text(out), _text(err)) from None
    except BaseException:
        kill_tree(proc)
        proc.communicate()
        raise
    if sys.platform != "win32":
        # A grandchild that kept running after the child exited is still ours to stop.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
    return Completed(tuple(argv), proc.returncode, _text(out), _text(err))
