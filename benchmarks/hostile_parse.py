"""Parse time of hostile help and version text: linear in its size (issue: 10 MB in under 2 s).

Each case is about ``--size`` MB of text built to make a backtracking regular expression
explode (long runs of spaces inside ``(default: ...)``, section and version lines, many
unclosed openings, tabs). The figure is the wall time of ``Capabilities.from_help`` plus
every derived key and check, and of ``Version.parse``.

    python benchmarks/hostile_parse.py [--size 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verifier.capabilities import Capabilities, Version  # noqa: E402
from verifier.checks import CHECKS, run_checks  # noqa: E402


def cases(size: int) -> dict[str, str]:
    n = size << 20
    return {
        "spaces in (default:": "--a N" + " " * 30 + "x (default:" + " " * (n - 60) + "x\n",
        "many (default: openings": "--a N" + " " * 30 + "x " + "(default: (" * (n // 11) + "\n",
        "section line of dashes": "---" + " -" * (n // 2) + " x\n",
        "section line of spaces": "--- x" + " " * n + "y\n",
        "version line of spaces": "version: a" + " " * n + "b\n",
        "build then spaces": "version: build" + " " * n + "x\n",
        "one long name run": "-" + "a" * n + "\n",
        "value list hint": "--a [" + "a|" * (n // 2) + "!\n",
        "tabs": "--a\t" + "\t" * (n // 8) + "x\n",
        "comma-space runs": "--a" + ", " * (n // 2) + "x\n",
        "short lines": ("--spec-type [none|draft-mtp]" + " " * 12 + "x (default: none)\n") * (n // 60),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10, help="megabytes per case (default 10)")
    args = parser.parse_args()
    worst = 0.0
    for name, text in cases(args.size).items():
        start = time.perf_counter()
        caps = Capabilities.from_help(text)
        caps.summary()
        run_checks(caps, CHECKS)
        for entry in caps.entries[:1000]:
            entry.default, entry.values
        Version.parse(text)
        seconds = time.perf_counter() - start
        worst = max(worst, seconds)
        print(f"{name:<28} {len(text) / 1e6:6.1f} MB  {seconds:6.2f} s")
    print(f"worst: {worst:.2f} s (target: under 2 s for {args.size} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
