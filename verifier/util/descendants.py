"""Find and end every descendant of a child, including those that called setsid() or double-forked.

Killing a process group misses a descendant that left the group. Each platform offers a
different handle on "everything this child started":

- Linux: this process becomes a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``), so an
  orphaned descendant is re-parented to us instead of to init. Descendants are found by
  walking ``/proc`` parent links from the child, plus our own re-parented children that
  carry the run's marker variable (or hide their environment, which only a hostile
  program does). They are stopped (SIGSTOP) until the set is stable, then killed and reaped.
- Windows: the child is put in a job object created with kill-on-close; ending the job
  ends every process in it, however it was started.
- macOS and other POSIX: no subreaper exists for unprivileged processes. The process group
  is killed and the tree is walked through ``ps`` while the child lives; a descendant that
  both left the group and lost its parent cannot be found (documented in docs/reliability.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from verifier.util.linux import PR_SET_CHILD_SUBREAPER, prctl

MARKER = "LLAMA_SERVER_VERIFIER_RUN"
"""Environment variable set on every child; its value names the run."""

_subreaper: bool | None = None


def become_subreaper() -> bool:
    """Linux: adopt orphaned descendants (once per process); False where unavailable."""
    global _subreaper
    if _subreaper is None:
        _subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1)
    return _subreaper


def start_ticks(pid: int) -> int:
    """Linux: when ``pid`` started, in clock ticks since boot (0 when unknown)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return int(f.read().rsplit(b")", 1)[-1].split()[19])
    except (OSError, ValueError, IndexError):
        return 0


def _proc_table(starts: dict[int, int] | None = None) -> dict[int, int]:
    """pid -> parent pid for every visible process (Linux /proc, else ``ps``); fills ``starts``."""
    table: dict[int, int] = {}
    if os.path.isdir("/proc/self"):
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat.rsplit(b")", 1)[-1].split()
            if len(fields) > 19 and fields[0] != b"Z":
                table[int(name)] = int(fields[1])
                if starts is not None:
                    starts[int(name)] = int(fields[19])
        return table
    try:
        out = subprocess.run(["ps", "-A", "-o", "pid=,ppid="], capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return table
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            table[int(parts[0])] = int(parts[1])
    return table


def _marker_of(pid: int) -> str | None:
    """The run marker in ``pid``'s environment; '' when it is unreadable or absent."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            data = f.read()
    except OSError:
        return ""
    for item in data.split(b"\0"):
        if item.startswith(MARKER.encode() + b"="):
            return item.split(b"=", 1)[1].decode("ascii", "replace")
    return ""


def _tree(root: int, table: dict[int, int]) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, ppid in table.items():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def find(root: int, run_id: str, spared: set[int], root_start: int = 0) -> set[int]:
    """Every live descendant of ``root``, and our adopted orphans from this run (not ``spared``).

    An adopted orphan belongs to this run when it carries the run's marker, or carries none
    (a program that cleared or hid its environment) and started after ``root`` did.
    """
    starts: dict[int, int] = {}
    table = _proc_table(starts)
    found = _tree(root, table)
    if root in table:
        found.add(root)
    if _subreaper:
        me = os.getpid()
        for pid, ppid in table.items():
            if ppid != me or pid in spared or pid in found:
                continue
            marker = _marker_of(pid)
            if marker == run_id or (not marker and root_start and starts.get(pid, 0) >= root_start):
                found.add(pid)
                found |= _tree(pid, table)
    found.discard(os.getpid())
    return found - spared


def _signal(pids: set[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def _reap(pids: set[int]) -> None:
    """Collect the exit status of adopted orphans so they leave no zombie behind."""
    me = os.getpid()
    for pid in pids:
        table_ppid = None
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                table_ppid = int(f.read().rsplit(b")", 1)[-1].split()[1])
        except (OSError, ValueError, IndexError):
            pass
        if table_ppid == me:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def end_all(root: int, run_id: str, spared: set[int], root_start: int = 0) -> None:
    """POSIX: stop the whole set until it stops growing, then kill it (no fork race wins)."""
    if sys.platform == "win32":
        return
    try:
        os.killpg(root, signal.SIGKILL)
    except OSError:
        pass
    killed: set[int] = set()
    for _ in range(50):
        pids = find(root, run_id, spared, root_start) - killed
        if not pids:
            break
        _signal(pids, signal.SIGSTOP)
        _signal(pids, signal.SIGKILL)
        killed |= pids
    if _subreaper:
        # Killed grandchildren are re-parented to us a moment after their parent dies.
        deadline = time.monotonic() + 1.0
        pending = killed - {root}
        while pending and time.monotonic() < deadline:
            _reap(pending)
            pending = {p for p in pending if os.path.exists(f"/proc/{p}")}
            if pending:
                time.sleep(0.01)


class WindowsJob:
    """A job object with kill-on-close: every process the child starts belongs to it."""

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        class IoCounters(ctypes.Structure):
            _fields_ = [(n, ctypes.c_ulonglong) for n in ("r", "w", "o", "rb", "wb", "ob")]

        class Basic(ctypes.Structure):
            _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                        ("LimitFlags", wintypes.DWORD), ("MinimumWorkingSetSize", ctypes.c_size_t),
                        ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", wintypes.DWORD),
                        ("Affinity", ctypes.c_size_t), ("PriorityClass", wintypes.DWORD),
                        ("SchedulingClass", wintypes.DWORD)]

        class Extended(ctypes.Structure):
            _fields_ = [("BasicLimitInformation", Basic), ("IoInfo", IoCounters),
                        ("ProcessMemoryLimit", ctypes.c_size_t), ("JobMemoryLimit", ctypes.c_size_t),
                        ("PeakProcessMemoryUsed", ctypes.c_size_t), ("PeakJobMemoryUsed", ctypes.c_size_t)]

        self._k = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        self._k.CreateJobObjectW.restype = wintypes.HANDLE
        self.handle = self._k.CreateJobObjectW(None, None)
        info = Extended()
        info.BasicLimitInformation.LimitFlags = 0x2000  # JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        self._k.SetInformationJobObject(wintypes.HANDLE(self.handle), 9, ctypes.byref(info), ctypes.sizeof(info))

    def assign(self, proc: subprocess.Popen[bytes]) -> None:
        from ctypes import wintypes

        self._k.AssignProcessToJobObject(wintypes.HANDLE(self.handle), wintypes.HANDLE(int(proc._handle)))  # type: ignore[attr-defined]

    def close(self) -> None:
        """End every process in the job, then release it."""
        from ctypes import wintypes

        if self.handle:
            self._k.TerminateJobObject(wintypes.HANDLE(self.handle), 1)
            self._k.CloseHandle(wintypes.HANDLE(self.handle))
            self.handle = None
