"""Regenerate ``docs/compatibility.md``: the flag chart of the real builds captured in this repository.

    python scripts/compatibility_doc.py           # rewrite the file
    python scripts/compatibility_doc.py --check   # exit 1 if it is not what the captures give

A unit test runs the same comparison, so a new capture without a new chart fails the suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verifier.oracle.compatibility import render  # noqa: E402

TARGET = ROOT / "docs" / "compatibility.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.is_file() else ""
        if current != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python scripts/compatibility_doc.py",
                  file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8", newline="\n")
    print(TARGET.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
