"""``history`` over 10 local builds: wall time of the command against running each build's help in turn.

Target: under 5 s for 10 builds (help and version run in parallel, each help parsed once).
Uses the real builds in the cache (``builds/b<N>/llama-server``); with fewer than 10, the
newest are copied under other names so there are 10 distinct files to run.

    python benchmarks/history_bench.py [--count 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import build_llama_server  # noqa: E402


def cached() -> list[Path]:
    folder = build_llama_server.binary_path(0).parent.parent
    numbers = sorted(int(p.name[1:]) for p in folder.glob("b*") if p.name[1:].isdigit())
    return [build_llama_server.binary_path(n) for n in numbers if build_llama_server.binary_path(n).is_file()]


def wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    real = cached()
    if not real:
        sys.exit("no cached builds: python scripts/build_llama_server.py 11434")
    with tempfile.TemporaryDirectory() as tmp:
        binaries = list(real[-args.count:])
        while len(binaries) < args.count:
            source = real[len(binaries) % len(real)]
            copy = Path(tmp) / f"copy-{len(binaries)}" / source.name
            copy.parent.mkdir()
            shutil.copy2(source, copy)
            binaries.append(copy)
        serial = sum(wall([str(b), "--help"]) + wall([str(b), "--version"]) for b in binaries)
        command = [sys.executable, "-m", "verifier", "history", *map(str, binaries), "--json"]
        wall(command)  # warm the page cache
        times = [wall(command) for _ in range(args.runs)]
    median = statistics.median(times)
    print(f"history over {len(binaries)} builds ({len(real)} distinct real builds in the cache): "
          f"{median:.2f} s median of {args.runs} (target < 5 s); help+version run one after another: {serial:.2f} s")
    return 0 if median < 5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
