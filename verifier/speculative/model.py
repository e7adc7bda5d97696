"""What the resolver needs to know about a model: MTP layers, size, drafters beside it, KV geometry.

The GGUF file is the source of truth (defect 1 of the reference read the size from the
model id only, so a local ``model.gguf`` of a 0.8B MTP model auto-enabled MTP); the file
name and model id are fallbacks. A header that was read and names no MTP layers makes the
model *known* to lack them, whatever its name says: the server would exit on draft-mtp.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from verifier.speculative.drafters import MTP_KIND, Drafter, find_drafters
from verifier.speculative.gguf_header import GGUFError, read_metadata
from verifier.speculative.kv import KV_KEYS, KVShape

_MTP_MARKER = re.compile(r"(?:^|[-_./\\ ])mtp(?![a-z])", re.IGNORECASE)
_GEMMA4 = re.compile(r"gemma[-_]?4[-_]", re.IGNORECASE)
_MOE_ACTIVE = re.compile(r"(?<![A-Za-z0-9.])\d+(?:\.\d+)?[bm]-a(?P<n>\d+(?:\.\d+)?)(?P<u>[bm])(?![a-z])", re.IGNORECASE)
_EFFECTIVE = re.compile(r"(?<![A-Za-z0-9.])e(?P<n>\d+(?:\.\d+)?)(?P<u>[bm])(?![a-z])", re.IGNORECASE)
_EXPERTS = re.compile(r"(?<![A-Za-z0-9.])(?P<k>\d+)x(?P<n>\d+(?:\.\d+)?)(?P<u>[bm])(?![a-z])", re.IGNORECASE)
_SIZE = re.compile(r"(?<![A-Za-z0-9.])(?P<n>\d+(?:\.\d+)?)(?P<u>[bm])(?![a-z])", re.IGNORECASE)


def _billions(number: str, unit: str) -> float:
    value = float(number)
    return value / 1000 if unit.lower() == "m" else value


def _last_part(name: str) -> str:
    """The model part of ``org/name`` (C2: an organisation name says nothing about the model)."""
    return re.split(r"[/\\]", name.rstrip("/\\"))[-1]


def parse_size(text: str | None) -> float | None:
    """Billions of parameters: ``27B``, ``0.8B``, ``135M``; active ``35B-A3B`` -> 3.0; effective ``E4B`` -> 4.0."""
    if not text:
        return None
    text = _last_part(text)
    for pattern in (_MOE_ACTIVE, _EFFECTIVE):
        match = pattern.search(text)
        if match:
            return _billions(match.group("n"), match.group("u"))
    experts = _EXPERTS.search(text)
    if experts:
        return int(experts.group("k")) * _billions(experts.group("n"), experts.group("u"))
    size = _SIZE.search(text)
    return _billions(size.group("n"), size.group("u")) if size else None


def has_mtp_marker(text: str | None) -> bool:
    """``-MTP`` (any case) in a model name or file name: ``Qwen3.6-27B-MTP-GGUF``, not ``smtp`` nor an org."""
    return bool(text and _MTP_MARKER.search(_last_part(text)))


def is_gemma4_name(text: str | None) -> bool:
    """Gemma 4 models draft with a separate MTP file (``gemma-4-``, ``gemma4_``)."""
    return bool(text and _GEMMA4.search(_last_part(text)))


def _wanted(found: dict[str, object]) -> set[str]:
    arch = found.get("general.architecture")
    keys = {"general.architecture", "general.size_label"}
    return keys | {f"{arch}.{k}" for k in KV_KEYS} if isinstance(arch, str) else keys


@dataclass(frozen=True)
class ModelInfo:
    is_mtp: bool
    """MTP layers in the header, an MTP drafter beside it, or (no header) an MTP/Gemma-4 name."""
    size_b: float | None
    """Billions of parameters (active for ``35B-A3B``, effective for ``E4B``); None when unknown."""
    arch: str | None = None
    mtp_layers: int | None = None
    """``nextn_predict_layers`` from the header (0 when the key is absent); None when no header was read."""
    drafters: tuple[Drafter, ...] = ()
    kv: KVShape | None = None
    path: str | None = None
    file_bytes: int | None = None
    gemma4: bool = False

    @property
    def known_no_mtp(self) -> bool:
        """The header was read, lists no MTP layers, and no MTP drafter sits beside the model."""
        return self.mtp_layers == 0 and self.drafter(MTP_KIND) is None

    @property
    def is_mla(self) -> bool:
        return self.kv is not None and self.kv.is_mla

    @property
    def is_hybrid(self) -> bool:
        return self.kv is not None and self.kv.is_hybrid

    def drafter(self, kind: str) -> Drafter | None:
        return next((d for d in self.drafters if d.kind == kind), None)

    def kv_bytes(self, n_ctx: int, **kwargs: object) -> int | None:
        """The target's KV cache at ``n_ctx`` (see :meth:`KVShape.kv_bytes`); None without KV geometry."""
        return self.kv.kv_bytes(n_ctx, **kwargs) if self.kv is not None else None  # type: ignore[arg-type]

    def draft_reserve_bytes(self, n_ctx: int, *, engine: str, n_max: int, drafter: Drafter | None = None,
                            **kwargs: object) -> int:
        """What a drafting engine adds at ``n_ctx`` (see :func:`verifier.speculative.vram.draft_reserve_bytes`)."""
        from verifier.speculative.vram import draft_reserve_bytes

        return draft_reserve_bytes(self, n_ctx, engine=engine, n_max=n_max, drafter=drafter,
                                   **kwargs)  # type: ignore[arg-type]

    @classmethod
    def from_name(cls, model_id: str | None, file_name: str | None = None) -> ModelInfo:
        """From names alone, for a model not on disk yet."""
        names = [n for n in (model_id, file_name) if n]
        size = next((s for s in map(parse_size, names) if s is not None), None)
        gemma4 = any(map(is_gemma4_name, names))
        return cls(any(map(has_mtp_marker, names)) or gemma4, size, gemma4=gemma4)

    @classmethod
    def from_gguf(cls, path: str | Path, model_id: str | None = None, *, find_drafter_files: bool = True) -> ModelInfo:
        """Read MTP layers, size label and KV geometry from the header; find drafters beside the file."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such GGUF file")
        try:
            meta = read_metadata(path, _wanted)
        except GGUFError as exc:
            raise GGUFError(f"{path}: not a readable GGUF file ({exc})") from None
        arch = meta.get("general.architecture")
        arch = arch if isinstance(arch, str) else None
        by_name = cls.from_name(model_id, path.name)
        label = meta.get("general.size_label")
        size = parse_size(label) if isinstance(label, str) else None
        drafters = find_drafters(path.resolve()) if find_drafter_files else ()  # absolute: the server runs elsewhere
        layers: int | None = None
        if arch:
            raw = meta.get(f"{arch}.nextn_predict_layers")
            layers = raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else 0
        has_mtp_drafter = any(d.kind == MTP_KIND for d in drafters)
        is_mtp = (layers > 0 if layers is not None else by_name.is_mtp) or has_mtp_drafter
        return cls(is_mtp, size if size is not None else by_name.size_b, arch, layers, drafters,
                   KVShape.from_metadata(arch, meta) if arch else None, str(path), path.stat().st_size,
                   by_name.gemma4)
