"""Build series for ``history``: local binaries (probed in parallel, parsed once) or the shipped captures."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

from verifier.capabilities import Capabilities
from verifier.errors import VerifierError
from verifier.oracle import corpus
from verifier.oracle.history import BuildPoint
from verifier.probe import probe


def label(caps: Capabilities, fallback: str) -> str:
    return f"b{caps.build}" if caps.build else fallback


def ordered(points: list[BuildPoint]) -> list[BuildPoint]:
    """Oldest first by build number; in the order given when any build number is unknown."""
    if all(p.number for p in points):
        return sorted(points, key=lambda p: p.number or 0)
    return points


def local_points(paths: Sequence[Path], *, timeout: float, wrapper: Sequence[str] = ()) -> list[BuildPoint]:
    """Probe every binary at once (help and version each); one that cannot be probed is an error."""
    if not paths:
        raise VerifierError("give the llama-server binaries to chart, or --captured, or --repo with --releases")
    workers = max(1, min(len(paths), 2 * (os.cpu_count() or 2)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        caps = list(pool.map(lambda p: probe(p, timeout=timeout, wrapper=wrapper).capabilities, paths))
    return ordered([BuildPoint(label(c, str(p)), c.build, c) for p, c in zip(paths, caps)])


def captured_points() -> list[BuildPoint]:
    """The builds whose help ships with the package (``verifier.oracle.corpus``)."""
    return [BuildPoint(f"b{n}", n, Capabilities.from_help(c.help, c.version)) for n, c in corpus.captures().items()]
