"""Separate drafter files found beside a model: MTP heads (Gemma 4), DSpark and DFlash.

File layout rules follow the reference application (STUDIO-HEAD section 3); every candidate
must also be a readable GGUF, and a DFlash candidate must say ``general.architecture = dflash``.
A drafter named for a different model in the same folder is never paired with this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from verifier.speculative.gguf_header import GGUFError, read_metadata

MTP_KIND = "mtp"
DSPARK_KIND = "dspark"
DFLASH_KIND = "dflash"

_SPLIT = re.compile(r"-(?P<i>\d{5})-of-(?P<n>\d{5})$")
_QUANT = re.compile(r"[-_.](?:ud-)?(?:i?q\d[\w]*|f16|bf16|f32)$", re.IGNORECASE)


@dataclass(frozen=True)
class Drafter:
    kind: str
    """``mtp``, ``dspark`` or ``dflash``."""
    path: str
    size_bytes: int = 0
    """Bytes on disk over all split parts: weights the drafter adds to VRAM."""
    arch: str | None = None


def _base(stem: str) -> str:
    """A weight name without split suffix and quant tag, lower-case: the part drafters are paired on."""
    stem = _SPLIT.sub("", stem)
    return _QUANT.sub("", stem).lower()


def _complete_parts(path: Path) -> list[Path] | None:
    """All parts of a split GGUF when complete (None when a part is missing); the file itself otherwise."""
    match = _SPLIT.search(path.stem)
    if not match:
        return [path]
    count = int(match.group("n"))
    prefix = path.stem[: match.start()]
    parts = [path.with_name(f"{prefix}-{i:05d}-of-{count:05d}.gguf") for i in range(1, count + 1)]
    return parts if all(p.is_file() for p in parts) else None


def _arch(path: Path) -> str | None | bool:
    """The header's architecture; False when the file is not a readable GGUF."""
    try:
        arch = read_metadata(path, {"general.architecture"}).get("general.architecture")
    except (OSError, GGUFError):
        return False
    return arch if isinstance(arch, str) else None


def _stem_of(name: str, marker: str) -> str | None:
    """``mtp-foo`` or ``foo-mtp`` -> ``foo`` (base form); None when the marker is not there."""
    low = _SPLIT.sub("", name)
    if low.lower().startswith(f"{marker}-"):
        return _base(low[len(marker) + 1:])
    low = _QUANT.sub("", low)
    if low.lower().endswith(f"-{marker}"):
        return _base(low[: -len(marker) - 1])
    return None


def _candidates(folder: Path, marker: str, *, prefix_only: bool = False) -> list[tuple[str, Path]]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.gguf")):
        match = _SPLIT.search(path.stem)
        if match and int(match.group("i")) != 1:
            continue
        stem = _stem_of(path.stem, marker)
        if stem is None or (prefix_only and not path.name.lower().startswith(f"{marker}-")):
            continue
        found.append((stem, path))
    return found


def _drafter(kind: str, path: Path, arch: str | None) -> Drafter | None:
    parts = _complete_parts(path)
    if parts is None:
        return None
    return Drafter(kind, str(path), sum(p.stat().st_size for p in parts), arch)


def _paired(model: Path, candidates: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """Candidates whose base name prefixes the model's, longest first."""
    weight = _base(model.stem)
    pairs = [(stem, p) for stem, p in candidates if stem and weight.startswith(stem) and p != model]
    return sorted(pairs, key=lambda sp: -len(sp[0]))


def _neighbours(model: Path) -> list[str]:
    return [_base(p.stem) for p in model.parent.glob("*.gguf") if p != model]


def find_mtp_drafter(model: Path) -> Drafter | None:
    """Root ``mtp-*.gguf`` paired by name, else ``MTP/`` holding ``mtp-*`` or ``*-mtp``; longest pairing wins."""
    for folder, prefix_only in ((model.parent, True), (model.parent / "MTP", False)):
        for _stem, path in _paired(model, _candidates(folder, MTP_KIND, prefix_only=prefix_only)):
            arch = _arch(path)
            if arch is not False and (d := _drafter(MTP_KIND, path, arch)):
                return d
    return None


def find_dspark_drafter(model: Path) -> Drafter | None:
    """``dspark-*`` / ``*-dspark`` at the root or in ``dspark/``, paired by name, Q8_0 first."""
    pairs = _paired(model, _candidates(model.parent, DSPARK_KIND) + _candidates(model.parent / "dspark", DSPARK_KIND))
    pairs.sort(key=lambda sp: (-len(sp[0]), "q8_0" not in sp[1].name.lower()))
    for _stem, path in pairs:
        arch = _arch(path)
        if arch is not False and (d := _drafter(DSPARK_KIND, path, arch)):
            return d
    return None


def find_dflash_drafter(model: Path) -> Drafter | None:
    """Root ``dflash-*`` only; one named for a neighbour model is dropped; the header must say dflash."""
    weight = _base(model.stem)
    others = [n for n in _neighbours(model) if not n.startswith("dflash-") and n != weight]
    for stem, path in _candidates(model.parent, DFLASH_KIND, prefix_only=True):
        named_for_other = any(o.startswith(stem) for o in others) and not weight.startswith(stem)
        if named_for_other:
            continue
        if _arch(path) == DFLASH_KIND and (d := _drafter(DFLASH_KIND, path, DFLASH_KIND)):
            return d
    return None


def find_drafters(model: Path) -> tuple[Drafter, ...]:
    """Every drafter found beside ``model``, one per kind."""
    found = (find_mtp_drafter(model), find_dspark_drafter(model), find_dflash_drafter(model))
    return tuple(d for d in found if d is not None)
