"""All the figures in one run, as ratios where they can be (docs/performance.md records them).

1. CLI cold start for one real binary against the bare ``llama-server --help`` it wraps.
2. Resolver resolutions per second over the full matrix (benchmarks/resolver_bench.py).
3. Unit-suite wall time, serial and with ``-n auto``.
4. Release verification against raw transfer time (benchmarks/release_bench.py).

    python benchmarks/run.py [--build 11434] [--skip-suite] [--release-sizes 50]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.resolver_bench import measure  # noqa: E402


def timed(argv: list[str], runs: int) -> float:
    """Median wall seconds of ``runs`` runs (after one warm-up)."""
    subprocess.run(argv, capture_output=True, check=False, cwd=ROOT)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False, cwd=ROOT)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def built_binary(build: int) -> Path:
    out = subprocess.run([sys.executable, "scripts/build_llama_server.py", str(build)], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    return Path(out.stdout.strip().splitlines()[-1])


def cold_start(build: int, runs: int) -> None:
    binary = built_binary(build)
    bare = timed([str(binary), "--help"], runs)
    cli = timed([sys.executable, "-m", "verifier", str(binary)], runs)
    imports = timed([sys.executable, "-c", "import verifier.cli"], runs)
    python = timed([sys.executable, "-c", "pass"], runs)
    print(f"cold start (b{build}, median of {runs}):")
    print(f"  bare llama-server --help        {bare * 1000:7.1f} ms")
    print(f"  python -m verifier BINARY       {cli * 1000:7.1f} ms  = {cli / bare:.1f}x the bare --help")
    print(f"    of which python start-up      {python * 1000:7.1f} ms; import verifier.cli "
          f"{(imports - python) * 1000:.1f} ms")


def resolver(seconds: float) -> None:
    size, count, elapsed = measure(seconds)
    print(f"resolver: {count / elapsed:,.0f} resolutions/s over a {size}-case matrix")


def suite() -> None:
    def run(*extra: str) -> tuple[float, str]:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "tests/unit", "-q", "-p", "no:cacheprovider", *extra],
                              capture_output=True, text=True, cwd=ROOT)
        summary = (done.stdout.strip().splitlines() or ["?"])[-1]
        return time.perf_counter() - started, summary

    serial, summary = run()
    parallel, _ = run("-n", "auto")
    print(f"unit suite ({summary.strip('= ')}):")
    print(f"  serial {serial:6.1f}s; -n auto ({os.cpu_count()} CPUs) {parallel:6.1f}s = {serial / parallel:.2f}x faster")


def release(sizes: str) -> None:
    print("release verification (benchmarks/release_bench.py):", flush=True)
    subprocess.run([sys.executable, "benchmarks/release_bench.py", "--sizes", sizes], cwd=ROOT, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=int, default=11434, help="real build for the cold-start figure")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--skip-suite", action="store_true", help="skip the unit-suite timing (slowest part)")
    parser.add_argument("--release-sizes", default="50", help="asset sizes in MiB for the release figure")
    args = parser.parse_args()
    print(f"{platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"python {platform.python_version()}\n")
    cold_start(args.build, args.runs)
    resolver(2.0)
    if not args.skip_suite:
        suite()
    release(args.release_sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
