"""What the resolver needs to know about a model: MTP layers or not, and its size.

The GGUF file is the source of truth (defect 1 of the reference read the size from the
model id only, so a local ``model.gguf`` of a 0.8B MTP model auto-enabled MTP); the file
name and model id are fallbacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from verifier.speculative.gguf_header import GGUFError, read_metadata

_MTP_MARKER = re.compile(r"(?:^|[-_./\\ ])mtp(?![a-z])", re.IGNORECASE)
_MOE_ACTIVE = re.compile(r"(?<![A-Za-z0-9.])\d+(?:\.\d+)?[bm]-a(?P<n>\d+(?:\.\d+)?)(?P<u>[bm])(?![a-z])", re.IGNORECASE)
_EXPERTS = re.compile(r"(?<![A-Za-z0-9.])(?P<k>\d+)x(?P<n>\d+(?:\.\d+)?)(?P<u>[bm])(?![a-z])", re.IGNORECASE)
_SIZE = re.compile(r"(?<![A-Za-z0-9.])(?P<n>\d+(?:\.\d+)?)(?P<u>[bm])(?![a-z])", re.IGNORECASE)


def _billions(number: str, unit: str) -> float:
    value = float(number)
    return value / 1000 if unit.lower() == "m" else value


def parse_size(text: str | None) -> float | None:
    """Billions of parameters in a size label or a name: ``27B``, ``0.8B``, ``135M``, ``35B-A3B`` (active: 3.0)."""
    if not text:
        return None
    moe = _MOE_ACTIVE.search(text)
    if moe:
        return _billions(moe.group("n"), moe.group("u"))
    experts = _EXPERTS.search(text)
    if experts:
        return int(experts.group("k")) * _billions(experts.group("n"), experts.group("u"))
    size = _SIZE.search(text)
    return _billions(size.group("n"), size.group("u")) if size else None


def has_mtp_marker(text: str | None) -> bool:
    """``-MTP`` (any case) in a model id or file name: ``Qwen3.6-27B-MTP-GGUF``, not ``smtp``."""
    return bool(text and _MTP_MARKER.search(text))


def _wanted(found: dict[str, object]) -> set[str]:
    arch = found.get("general.architecture")
    keys = {"general.architecture", "general.size_label"}
    return keys | {f"{arch}.nextn_predict_layers"} if isinstance(arch, str) else keys


@dataclass(frozen=True)
class ModelInfo:
    is_mtp: bool
    size_b: float | None
    """Billions of parameters (active ones for MoE names like ``35B-A3B``); None when unknown."""
    arch: str | None = None

    @classmethod
    def from_name(cls, model_id: str | None, file_name: str | None = None) -> ModelInfo:
        """From names alone, for a model not on disk yet."""
        names = [n for n in (model_id, file_name) if n]
        size = next((s for s in map(parse_size, names) if s is not None), None)
        return cls(any(map(has_mtp_marker, names)), size)

    @classmethod
    def from_gguf(cls, path: str | Path, model_id: str | None = None) -> ModelInfo:
        """Read ``<arch>.nextn_predict_layers`` and ``general.size_label``; names fill the gaps."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such GGUF file")
        try:
            meta = read_metadata(path, _wanted)
        except GGUFError as exc:
            raise GGUFError(f"{path}: not a readable GGUF file ({exc})") from None
        arch = meta.get("general.architecture")
        arch = arch if isinstance(arch, str) else None
        layers = meta.get(f"{arch}.nextn_predict_layers") if arch else None
        label = meta.get("general.size_label")
        by_name = cls.from_name(model_id, path.name)
        gguf_mtp = isinstance(layers, int) and not isinstance(layers, bool) and layers > 0
        size = parse_size(label) if isinstance(label, str) else None
        return cls(gguf_mtp or by_name.is_mtp, size if size is not None else by_name.size_b, arch)
