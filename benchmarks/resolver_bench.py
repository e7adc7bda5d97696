"""Resolutions per second over the full matrix: every help fixture x mode x model class x device.

    python benchmarks/resolver_bench.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verifier import Capabilities  # noqa: E402
from verifier.speculative import ModelInfo, SpecRequest, resolve  # noqa: E402
from verifier.speculative.modes import MODES  # noqa: E402

MODELS = (ModelInfo(True, 27.0), ModelInfo(True, 0.8), ModelInfo(False, 8.0), ModelInfo(True, None))


def matrix() -> list[tuple[Capabilities, SpecRequest, ModelInfo, bool]]:
    help_dir = ROOT / "tests" / "fixtures" / "help"
    caps = [Capabilities.from_help(p.read_text(encoding="utf-8")) for p in sorted(help_dir.glob("*.txt"))
            if not p.name.endswith(".version.txt")]
    requests = [SpecRequest(m) for m in MODES] + [SpecRequest("mtp", 4, 0.25)]
    return list(itertools.product(caps, requests, MODELS, (True, False)))


def measure(seconds: float) -> tuple[int, int, float]:
    cases = matrix()
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for caps, request, model, gpu in cases:
            resolve(caps, request, model, gpu=gpu)
        count += len(cases)
    return len(cases), count, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    size, count, elapsed = measure(args.seconds)
    print(f"matrix: {size} cases; {count} resolutions in {elapsed:.2f}s = {count / elapsed:,.0f} resolutions/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
