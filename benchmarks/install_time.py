"""Install time of this package into a fresh venv: pip (before) vs uv with its pip bootstrap (after).

The workflow jobs install either the toolkit alone (``.``: lint, resolve, collate, probe, the
composite action) or a test suite (``pytest pytest-xdist -e .[test]``: resolver-suite and
per-PR cells). Each is timed both ways, the way the jobs do it: pip alone, or ``pip install
uv`` then ``uv pip install``. Caches are warm (one untimed round first), as on a runner
that restored them; the median of ``--rounds`` is printed as a markdown table.

    python benchmarks/install_time.py --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = {
    "toolkit (`.`)": ["."],
    "test suite (`pytest pytest-xdist -e .[test]`)": ["pytest", "pytest-xdist", "-e", ".[test]"],
}


def fresh_venv(parent: Path) -> Path:
    venv = Path(tempfile.mkdtemp(dir=parent))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    return venv / "bin" / "python"


def with_pip(python: Path, requirements: list[str]) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
                   cwd=ROOT, check=True)


def with_uv(python: Path, requirements: list[str]) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv"], check=True)
    subprocess.run([str(python), "-m", "uv", "pip", "install", "--quiet", "--python", str(python), *requirements],
                   cwd=ROOT, check=True)


def timed(installer, requirements: list[str], parent: Path) -> float:
    python = fresh_venv(parent)  # venv creation is not part of the figure: both ways pay it
    started = time.perf_counter()
    installer(python, requirements)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print("| install | pip | uv (incl. `pip install uv`) |\n|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, requirements in CASES.items():
            figures = {}
            for name, installer in (("pip", with_pip), ("uv", with_uv)):
                timed(installer, requirements, Path(tmp))  # warm the cache
                figures[name] = statistics.median(timed(installer, requirements, Path(tmp))
                                                  for _ in range(args.rounds))
            print(f"| {label} | {figures['pip']:.1f} s | {figures['uv']:.1f} s |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
