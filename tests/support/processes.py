"""Is a process still running? Portable enough for leftover-process assertions."""

from __future__ import annotations

import os
import subprocess
import sys
import time


def alive(pid: int, *, settle: float = 5.0) -> bool:
    """True if ``pid`` still runs after up to ``settle`` seconds (zombies count as gone)."""
    deadline = time.monotonic() + settle
    while True:
        if not _running(pid):
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


def _running(pid: int) -> bool:
    if sys.platform == "win32":
        out = subprocess.run(["tasklist", "/FI", f"PID eq {pid}", "/NH"], capture_output=True, text=True).stdout
        return str(pid) in out
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True
