"""Run ``.ci/run`` again and again from fresh clones, as CI does, while a build loads the machine.

    python scripts/soak_ci.py --runs 10 --beside-build 10380

A flaky test shows itself only under load and only sometimes. This is how the claim that
".ci/run passes 10 times in a row under load" is made and reproduced. Each run clones the
checkout's HEAD into a temporary folder, runs ``CI=true bash .ci/run`` there, and keeps
its log as ``run-N.log`` in ``--logs``. The soak stops at the first failure.

``--beside-build N`` keeps a real llama.cpp build going the whole time. It runs
``scripts/build_llama_server.py N`` into a scratch cache and starts it again whenever it
finishes. ``--beside CMD`` runs any command instead. Either one is stopped with the soak.
One table row is printed per run: the commit, the result, the seconds, the load average
before and after, and the log's last line.

Exit codes: 0 every run passed, 1 a run failed, 2 bad input, 130 interrupted. POSIX only,
like ``.ci/run``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
BUILDER = ROOT / "scripts" / "build_llama_server.py"
sys.path.insert(0, str(BUILDER.parent))

from build_llama_server import cache_root  # noqa: E402  (the sibling script decides where the cache is)

CACHE = cache_root()
STOP_GRACE = 60.0
"""Seconds a run's steps get to clean up after SIGINT before they are killed."""


@dataclass(frozen=True)
class Run:
    number: int
    commit: str
    returncode: int
    seconds: float
    load_before: float
    load_after: float
    last_line: str

    @property
    def passed(self) -> bool:
        return self.returncode == 0

    def row(self) -> str:
        result = "pass" if self.passed else f"FAIL (exit {self.returncode})"
        return (f"| {self.number} | `{self.commit}` | {result} | {self.seconds:.0f} s | "
                f"{self.load_before:.1f} -> {self.load_after:.1f} | {self.last_line} |")


def _session_members(sid: int) -> set[int]:
    """Linux: the live processes of session ``sid`` (act and pytest start process groups of their own)."""
    members = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _, _, session = stat.read_text().rsplit(")", 1)[1].split()[:4]
        except (OSError, ValueError):
            continue
        if session == str(sid) and state != "Z":
            members.add(int(stat.parent.name))
    return members


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """End ``proc`` and everything in its session (on other systems: its process group).

    SIGINT first, as Ctrl-C in a terminal: pytest and the verifier then stop the servers they
    started in sessions of their own, and a build removes its half-written folder. SIGKILL
    ended those steps with nothing cleaned, and a hung server of the act tier outlived the soak.
    Whatever still runs after ``STOP_GRACE`` seconds is killed.
    """
    def members() -> set[int]:
        return _session_members(proc.pid) | ({proc.pid} if proc.poll() is None else set())

    def send(signum: int) -> None:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signum)
        for pid in members():
            with contextlib.suppress(OSError):
                os.kill(pid, signum)

    send(signal.SIGINT)
    deadline = time.monotonic() + STOP_GRACE
    while members() and time.monotonic() < deadline:
        time.sleep(0.1)
    send(signal.SIGKILL)
    proc.wait()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Beside(threading.Thread):
    """Keeps ``argv`` running (started again whenever it ends) until :meth:`stop`."""

    def __init__(self, argv: list[str], env: dict[str, str], before_each: Callable[[], None] | None = None) -> None:
        super().__init__(daemon=True)
        self.argv, self.env, self.before_each = argv, env, before_each
        self.stopping = threading.Event()
        self.starts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self.stopping.is_set():
            if self.before_each is not None:
                self.before_each()
            with self._lock:
                if self.stopping.is_set():
                    return
                self._proc = subprocess.Popen(self.argv, env=self.env, stdin=subprocess.DEVNULL,  # noqa: S603
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                              start_new_session=True)
                self.starts += 1
            self._proc.wait()

    def stop(self) -> None:
        with self._lock:
            self.stopping.set()
            if self._proc is not None:
                _stop_group(self._proc)
        self.join()


def build_beside(number: int, scratch: Path) -> Beside:
    """A real llama.cpp build of ``number`` into ``scratch``, from scratch each time (sources shared)."""
    scratch.mkdir(parents=True, exist_ok=True)
    sdists = CACHE / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    if not (scratch / "sdists").exists():
        (scratch / "sdists").symlink_to(sdists, target_is_directory=True)

    def fresh() -> None:
        shutil.rmtree(scratch / "builds", ignore_errors=True)

    env = {**os.environ, "LLAMA_SERVER_VERIFIER_CACHE": str(scratch)}
    return Beside([sys.executable, str(BUILDER), str(number)], env, fresh)


def last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip("= ").replace("|", "/")[:160] if lines else ""


def one_run(number: int, repo: Path, logs: Path) -> Run:
    """Clone ``repo``'s HEAD afresh and run its ``.ci/run`` there, as CI does."""
    with tempfile.TemporaryDirectory(prefix=f"soak-run{number}-") as work:
        clone = Path(work) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(repo), str(clone)], check=True)
        commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        log = logs / f"run-{number}.log"
        load_before, started = os.getloadavg()[0], time.monotonic()
        with log.open("wb") as out:
            proc = subprocess.Popen(["bash", ".ci/run"], cwd=clone, env={**os.environ, "CI": "true"},  # noqa: S607
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            try:
                returncode = proc.wait()
            finally:
                _stop_group(proc)
        return Run(number, commit, returncode, time.monotonic() - started, load_before, os.getloadavg()[0],
                   last_line(log))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="exit codes: 0 every run passed, 1 a run failed, 2 bad input, "
                                            "130 interrupted")
    parser.add_argument("--runs", type=int, default=10, help="runs in a row (default 10)")
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout whose HEAD is cloned (default: this one)")
    parser.add_argument("--logs", type=Path, default=CACHE / "soak", help="folder for run-N.log")
    beside = parser.add_mutually_exclusive_group()
    beside.add_argument("--beside-build", type=int, metavar="N", help="keep a real build of llama.cpp N going")
    beside.add_argument("--beside", metavar="CMD", help="keep this command going instead")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    repo = args.repo.resolve()
    if not (repo / ".ci" / "run").is_file() or not (repo / ".git").exists():
        print(f"error: {args.repo}: not a checkout with .ci/run", file=sys.stderr)
        return 2
    args.logs.mkdir(parents=True, exist_ok=True)

    load: Beside | None = None
    if args.beside_build is not None:
        load = build_beside(args.beside_build, CACHE / "soak" / "scratch")
    elif args.beside:
        load = Beside(shlex.split(args.beside), dict(os.environ))
    runs: list[Run] = []
    signal.signal(signal.SIGTERM, _interrupt)  # a supervisor's stop ends the runs and the load, as Ctrl-C does
    try:
        if load is not None:
            load.start()
        print("| run | commit | result | time | load average | last line |\n|---|---|---|---|---|---|", flush=True)
        for number in range(1, args.runs + 1):
            runs.append(one_run(number, repo, args.logs))
            print(runs[-1].row(), flush=True)
            if not runs[-1].passed:
                break
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    finally:
        if load is not None:
            load.stop()
    passed = sum(run.passed for run in runs)
    beside_note = f"; the load beside them was started {load.starts} time(s)" if load is not None else ""
    print(f"{passed} of {args.runs} runs passed in a row{beside_note}; logs in {args.logs}")
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
