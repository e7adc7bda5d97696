"""The captured ``--help`` and ``--version`` of real llama-server builds, shipped as package data.

The source of truth is ``tests/fixtures/help/real-bN.txt`` (+ ``.version.txt``), written by
``scripts/capture_help.py`` from real builds; the same script writes :data:`BUNDLE`, and a
unit test keeps the two equal. Downstream projects get the captures with the package (for
:func:`verifier.testing.fake_llama_server`), without the test tree.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

BUNDLE = Path(__file__).with_name("captures.json.gz")


@dataclass(frozen=True)
class Capture:
    """One real build's output: ``--help`` (stdout) and ``--version`` (stderr)."""

    build: int
    help: str
    version: str


def encode(captures: Mapping[int, Capture]) -> bytes:
    """Deterministic bytes (sorted, no gzip timestamp) so a regenerated bundle is identical."""
    data = {str(n): {"help": c.help, "version": c.version} for n, c in sorted(captures.items())}
    raw = json.dumps(data, indent=0, sort_keys=True).encode("utf-8")
    return gzip.compress(raw, compresslevel=9, mtime=0)


def decode(blob: bytes) -> dict[int, Capture]:
    data = json.loads(gzip.decompress(blob).decode("utf-8"))
    return {int(n): Capture(int(n), v["help"], v["version"]) for n, v in data.items()}


@lru_cache(maxsize=1)
def captures() -> dict[int, Capture]:
    """Every shipped capture by build number, oldest first."""
    return dict(sorted(decode(BUNDLE.read_bytes()).items()))


def builds() -> tuple[int, ...]:
    return tuple(captures())


def capture(build: int) -> Capture:
    """One build's capture; a build that was not captured raises ``KeyError`` naming the ones that were."""
    found = captures().get(build)
    if found is None:
        raise KeyError(f"no capture of build {build}; captured builds: {', '.join(map(str, builds()))}")
    return found


def read_fixtures(folder: Path) -> dict[int, Capture]:
    """``real-bN.txt`` / ``real-bN.version.txt`` pairs of a fixture folder."""
    found: dict[int, Capture] = {}
    for path in folder.glob("real-b*.txt"):
        stem = path.name[len("real-b"):-len(".txt")]
        if not stem.isdigit():
            continue
        version = path.with_name(f"real-b{stem}.version.txt")
        found[int(stem)] = Capture(int(stem), path.read_text(encoding="utf-8"),
                                   version.read_text(encoding="utf-8") if version.is_file() else "")
    return dict(sorted(found.items()))
