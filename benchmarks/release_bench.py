"""Release gate wall time and memory: six large assets from the loopback GitHub fake.

Serves a release of six ``.tar.gz`` assets (a fake llama-server plus incompressible
filler, so the archive is as large as it unpacks) and times, for each asset size:

* the raw transfer: the six bodies fetched one after another with plain requests (the floor);
* the verifier on one asset alone (the "slowest asset" a parallel run should approach);
* ``python -m verifier --release ... --jobs 6``: download, hash, unpack and verify in parallel;
* the same with ``--jobs 1`` (one asset at a time);
* the parallel command again on its warm cache (downloads nothing);

and the verifier process's peak resident memory, which must not grow with the asset size.

    python benchmarks/release_bench.py [--sizes 10,50] [--count 6]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.archives import Member, write_tar_gz  # noqa: E402
from tests.support.github_releases import FakeGitHub, host_platform  # noqa: E402

MIB = 1 << 20
MEMORY_LIMIT_MIB = 150
SERVER = b"""import os, sys
if '--version' in sys.argv:
    sys.stderr.write('version: 11434 (bench)\\n'); sys.exit(0)
sys.stdout.write(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'help.txt')).read())
"""

# Run the verifier as the only child of a small shim and report that child's peak RSS.
# RUSAGE_CHILDREN covers only waited-for descendants, so the shim sees the verifier (and
# the tiny fake servers it ran), never this benchmark's own memory.
SHIM = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
peak = peak if sys.platform == 'darwin' else peak * 1024
print(json.dumps({"rc": done.returncode, "wall": wall, "peak": peak, "stderr": done.stderr.decode()[-2000:]}))
"""


def make_assets(folder: Path, count: int, size: int) -> dict[str, Path]:
    upstream, _ = host_platform()
    help_text = (ROOT / "tests" / "fixtures" / "help" / "real-b11434.txt").read_bytes()
    assets = {}
    for i in range(count):
        name = f"llama-bench-bin-{upstream}-v{i}.tar.gz"
        members = [Member("llama-bench", kind="dir", mode=0o755), Member("llama-bench/llama-server", SERVER, 0o755),
                   Member("llama-bench/help.txt", help_text),
                   Member("llama-bench/libggml-filler.so", os.urandom(size))]
        assets[name] = write_tar_gz(folder / f"{i}.tar.gz", members, compresslevel=1)
    return assets


def raw_transfer(gh: FakeGitHub) -> tuple[float, float]:
    """(seconds for all bodies one after another, seconds for the slowest single body)."""
    import requests

    times = []
    for release in gh.releases:
        for asset in release.assets:
            t = time.perf_counter()
            with requests.get(f"{gh.storage.url}/storage/{asset.id}/{asset.name}", stream=True, timeout=60) as resp:
                for _ in resp.iter_content(1 << 20):
                    pass
            times.append(time.perf_counter() - t)
    return sum(times), max(times)


def run_verifier(gh: FakeGitHub, names: list[str], cache: Path, jobs: int) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_ACTIONS")}
    env.update(gh.env(), NO_PROXY="127.0.0.1,localhost")
    argv = [sys.executable, "-m", "verifier", "--release", "bench", "--repo", gh.repo, "--cache", str(cache),
            "--jobs", str(jobs),
            "--wrapper", sys.executable, "--json"]
    for name in names:
        argv += ["--asset", name]
    if sys.platform == "win32":  # no resource module: wall time only
        t = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env)
        return {"rc": done.returncode, "wall": time.perf_counter() - t, "peak": None, "stderr": done.stderr}
    shim = subprocess.run([sys.executable, "-c", SHIM, *argv], capture_output=True, text=True, cwd=ROOT, env=env)
    return json.loads(shim.stdout)


def bench(size_mib: int, count: int, bandwidth_mib: float | None) -> bool:
    with tempfile.TemporaryDirectory(prefix="release-bench-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        assets = make_assets(folder, count, size_mib * MIB)
        total = sum(p.stat().st_size for p in assets.values())
        link = f"{bandwidth_mib:g} MiB/s per stream" if bandwidth_mib else "unthrottled loopback"
        print(f"\n{count} assets of {size_mib} MiB ({total / MIB:.0f} MiB in all; built in "
              f"{time.perf_counter() - t:.1f}s), {link}")
        with FakeGitHub(repo="bench/llama.cpp", bandwidth=bandwidth_mib * MIB if bandwidth_mib else None) as gh:
            gh.add_release("bench", assets)
            names = list(assets)
            raw_all, raw_one = raw_transfer(gh)
            single = run_verifier(gh, names[:1], folder / "cache-single", jobs=1)
            parallel = run_verifier(gh, names, folder / "cache-parallel", jobs=count)
            serial = run_verifier(gh, names, folder / "cache-serial", jobs=1)
            cached = run_verifier(gh, names, folder / "cache-parallel", jobs=count)
        ok = True
        for label, result in (("single", single), ("parallel", parallel), ("one at a time", serial),
                              ("cached", cached)):
            if result["rc"] != 0:
                print(f"  {label}: exit {result['rc']}: {result['stderr']}")
                ok = False
        peaks = [r["peak"] for r in (single, parallel, serial, cached) if r["peak"] is not None]

        def mib(v: object) -> str:
            return f"{v / MIB:.0f} MiB" if isinstance(v, (int, float)) else "n/a"

        print(f"  raw transfer, one after another   {raw_all:6.2f}s   (slowest single asset {raw_one:.2f}s, "
              f"{total / MIB / raw_all:.0f} MiB/s)")
        print(f"  verifier, one asset alone         {single['wall']:6.2f}s   peak RSS {mib(single['peak'])}")
        print(f"  verifier --jobs {count} (parallel)       {parallel['wall']:6.2f}s   peak RSS {mib(parallel['peak'])}")
        print(f"  verifier --jobs 1 (one at a time) {serial['wall']:6.2f}s   peak RSS {mib(serial['peak'])}")
        print(f"  verifier again, warm cache        {cached['wall']:6.2f}s   peak RSS {mib(cached['peak'])}")
        print(f"  parallel / raw transfer = {parallel['wall'] / raw_all:.2f}x; "
              f"parallel / one at a time = {parallel['wall'] / serial['wall']:.2f}x; "
              f"parallel / one asset alone = {parallel['wall'] / single['wall']:.2f}x")
        if peaks:
            under = max(peaks) < MEMORY_LIMIT_MIB * MIB
            print(f"  peak RSS {'under' if under else 'OVER'} {MEMORY_LIMIT_MIB} MiB")
            ok = ok and under
        return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50", help="asset sizes in MiB, comma-separated (default 10,50)")
    parser.add_argument("--count", type=int, default=6, help="assets in the release (default 6)")
    parser.add_argument("--bandwidth", type=float, default=25.0, metavar="MIB_S",
                        help="also run with each download stream held to this rate, as a CDN does (default 25; "
                             "0 to skip)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs; loopback server in this process")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = [bench(size, args.count, None) for size in sizes]
    if args.bandwidth > 0:
        results.append(bench(max(sizes), args.count, args.bandwidth))
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
