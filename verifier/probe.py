"""Run a ``llama-server`` binary for its ``--help`` and ``--version`` and build its Capabilities.

Every run: no shell, empty stdin, a fresh temporary working directory, a timeout that kills
the whole process group. Results are cached per process by (path, size, mtime).
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from verifier.capabilities import Capabilities, Version
from verifier.errors import VerifierError
from verifier.helptext import HelpText, parse_help
from verifier.util import binfmt
from verifier.util.interrupt import parallel_map
from verifier.util.process import Completed, OutputTooLarge, ProcessTimeout, run

DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class ProbeResult:
    path: Path
    help_output: str
    version_output: str
    capabilities: Capabilities


_cache: dict[tuple[object, ...], ProbeResult] = {}


def is_executable(path: Path) -> bool:
    if sys.platform == "win32":
        exts = os.environ.get("PATHEXT", ".COM;.EXE;.BAT;.CMD").lower().split(";")
        return path.suffix.lower() in exts
    return os.access(path, os.X_OK)


def check_runnable(path: Path, *, wrapped: bool = False, shown: str | None = None) -> Path:
    """Resolve ``path`` and fail with one clear line (naming it as ``shown``) unless it is a file we can run."""
    name = str(path) if shown is None else shown
    if not path.exists():
        raise VerifierError(f"{name}: no such file")
    if path.is_dir():
        raise VerifierError(f"{name}: is a directory, not a llama-server binary")
    if not path.is_file():
        raise VerifierError(f"{name}: not a regular file")
    if not wrapped and not is_executable(path):
        raise VerifierError(f"{name}: not executable (chmod +x it, or check the archive kept its mode)")
    return path.resolve()


def _exec_error(path: Path, exc: OSError, name: str) -> VerifierError:
    wrong_format = exc.errno == errno.ENOEXEC or getattr(exc, "winerror", None) in (193, 216)
    if wrong_format:
        found = binfmt.executable_format(path)
        if found:
            kind, arch = found
            return VerifierError(f"{name}: wrong architecture: {kind} binary for {arch}, this host is {binfmt.host_arch()}")
        return VerifierError(f"{name}: cannot run: not a program for this host (exec format error)")
    return VerifierError(f"{name}: cannot run: {exc.strerror or exc}")


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else ""


def run_binary(path: Path, args: Sequence[str], *, timeout: float,
               wrapper: Sequence[str] = (), shown: str | None = None) -> Completed:
    """Run ``path args`` in an empty temporary directory; errors become VerifierError.

    ``path`` must be absolute (or relative to that empty directory): the command lines anchor
    what users type with :func:`verifier.util.paths.user_path`. Messages name it as ``shown``.
    """
    name = str(path) if shown is None else shown
    argv = [*wrapper, str(path), *args]
    with tempfile.TemporaryDirectory(prefix="llama-server-verifier-") as cwd:
        try:
            return run(argv, timeout=timeout, cwd=cwd)
        except ProcessTimeout:
            raise VerifierError(
                f"{name}: timed out after {timeout:g}s running {' '.join(args)}; the process was killed"
            ) from None
        except OutputTooLarge as exc:
            raise VerifierError(f"{path}: {exc} running {' '.join(args)}; the process was stopped") from None
        except OSError as exc:
            raise _exec_error(path, exc, name) from None


def _parse_help(path: str, done: Completed) -> tuple[str, HelpText]:
    """The help as printed (stdout, else stderr) and parsed; raises when there is none."""
    if done.signal_name:
        raise VerifierError(f"{path}: killed by {done.signal_name} while printing --help")
    for text in (done.stdout, done.stderr):
        parsed = parse_help(text)
        if parsed.entries:
            return text, parsed
    detail = _last_line(done.stderr) or _last_line(done.stdout)
    if done.returncode != 0:
        raise VerifierError(
            f"{path}: exited with code {done.returncode} and printed no help" + (f": {detail}" if detail else "")
        )
    raise VerifierError(f"{path}: printed no recognisable llama-server --help output")


def probe(path: str | Path, *, timeout: float = DEFAULT_TIMEOUT, wrapper: Sequence[str] = (),
          shown: str | None = None) -> ProbeResult:
    """Probe one binary. Raises :class:`VerifierError` when it cannot be verified.

    ``shown``: the path as the user typed it, for messages (``path`` itself is what runs).
    """
    given = Path(path)
    name = str(given) if shown is None else shown
    resolved = check_runnable(given, wrapped=bool(wrapper), shown=name)
    stat = resolved.stat()
    key = (str(resolved), stat.st_size, stat.st_mtime_ns, tuple(wrapper))
    cached = _cache.get(key)
    if cached is not None:
        return cached

    def attempt(args: list[str]) -> Completed | VerifierError:
        try:
            return run_binary(given, args, timeout=timeout, wrapper=wrapper, shown=name)
        except VerifierError as exc:
            return exc

    help_done, version_done = parallel_map(attempt, [["--help"], ["--version"]], workers=2)
    if isinstance(help_done, VerifierError):
        raise help_done
    if isinstance(version_done, VerifierError):
        version_done = None  # an old or odd --version is not a reason to give up
    help_output, parsed = _parse_help(name, help_done)
    version_output = (version_done.stderr + "\n" + version_done.stdout) if version_done else ""
    capabilities = Capabilities(parsed, Version.parse(version_output))
    result = ProbeResult(given, help_output, version_output, capabilities)
    _cache[key] = result
    return result
