"""How much context fits in VRAM, leaving headroom for the draft cache when a drafter runs.

Two budget rules:

- SPEC section 7 (the default): ``free x 0.85`` when MTP engages, ``x 0.90`` otherwise.
- The reference's current rule (pass ``fraction``): usable VRAM per card is
  ``free - max((1 - f) x total, min(512 MiB, 0.03 x total))``; a drafter's cost is the
  byte-accurate reserve (:func:`draft_reserve_bytes`), or, without one, the flat rule
  ``f - 0.05``.

Defect 6 of the reference: the fitted context could still exceed the budget (the 4096 floor,
or weights alone over budget). Here a fit never exceeds its budget; when even the floor does
not fit, ``n_ctx`` is None and the caller must offload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from verifier.speculative.drafters import Drafter
from verifier.speculative.kv import KVShape, bytes_per_element, pad_cells
from verifier.speculative.model import ModelInfo

MTP_BUDGET_FRACTION = 0.85
DEFAULT_BUDGET_FRACTION = 0.90
DEFAULT_VRAM_FRACTION = 0.97
VRAM_FRACTION_RANGE = (0.80, 1.00)
FLAT_MTP_RESERVE = 0.05
MIN_CTX = 4096
CTX_ALIGN = 256
MiB = 1024 * 1024
CUDA_CONTEXT_BYTES = 320 * MiB
DRAFT_GRAPH_BYTES = 224 * MiB
MMPROJ_SHARE = 0.4
NO_DRAFT_KV_ARCHS = frozenset({"gemma4-assistant"})
"""Drafters that reuse the target's KV cache."""


@dataclass(frozen=True)
class ContextFit:
    n_ctx: int | None
    """The largest context <= requested that fits the budget; None when not even ``min_ctx`` fits."""
    budget_bytes: int
    fraction: float

    @property
    def fits(self) -> bool:
        return self.n_ctx is not None


def budget_fraction(mtp_engaged: bool) -> float:
    return MTP_BUDGET_FRACTION if mtp_engaged else DEFAULT_BUDGET_FRACTION


def check_vram_fraction(fraction: float) -> float:
    low, high = VRAM_FRACTION_RANGE
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not low <= fraction <= high:
        raise ValueError(f"the VRAM fraction must be from {low:.2f} to {high:.2f}, got {fraction!r}")
    return float(fraction)


def usable_vram(free_bytes: int, total_bytes: int | None, fraction: float = DEFAULT_VRAM_FRACTION) -> int:
    """Free VRAM minus the larger of the unbudgeted share and a small floor (512 MiB or 3 %)."""
    f = check_vram_fraction(fraction)
    if total_bytes:
        keep = max((1 - f) * total_bytes, min(512 * MiB, 0.03 * total_bytes))
        return max(int(free_bytes - keep), 0)
    return max(int(min(free_bytes * f, free_bytes - min(512 * MiB, 0.03 * free_bytes))), 0)


def soft_bytes(*, drafting_on_gpu: bool, mmproj_bytes: int = 0) -> int:
    """Fixed costs beside weights and KV: the CUDA context, a draft graph, and 40 % of a vision projector."""
    return CUDA_CONTEXT_BYTES + (DRAFT_GRAPH_BYTES if drafting_on_gpu else 0) + int(MMPROJ_SHARE * mmproj_bytes)


def _drafter_shape(drafter: Drafter) -> tuple[str | None, KVShape | None]:
    from verifier.speculative.gguf_header import GGUFError

    try:
        info = ModelInfo.from_gguf(drafter.path, find_drafter_files=False)
    except (OSError, GGUFError):
        return drafter.arch, None
    return info.arch, info.kv


def draft_reserve_bytes(model: ModelInfo, n_ctx: int, *, engine: str, n_max: int, drafter: Drafter | None = None,
                        cache_type_k: str | None = "f16", cache_type_v: str | None = "f16", draft_on_gpu: bool = True,
                        slots: int = 1, unified: bool = True) -> int:
    """Bytes a drafting engine adds at ``n_ctx``: draft KV, drafter weights on the GPU, MLA's f16 copy
    of the target KV for MTP, and the recurrent state per drafted token of hybrid models."""
    total = 0
    if drafter is None:
        if model.kv is not None:
            total += model.kv.draft_kv_bytes(n_ctx, cache_type_k=cache_type_k, cache_type_v=cache_type_v,
                                             slots=slots, unified=unified)
    else:
        arch, shape = _drafter_shape(drafter)
        if shape is not None and arch not in NO_DRAFT_KV_ARCHS:
            total += shape.kv_bytes(n_ctx, cache_type_k=cache_type_k, cache_type_v=cache_type_v, slots=slots,
                                    unified=unified)
        if draft_on_gpu:
            total += drafter.size_bytes
    kv = model.kv
    if kv is not None and kv.is_mla and engine == "draft-mtp" and drafter is None:
        layers = kv.attention_layers
        per_cell = sum(kv.head_count_kv[:layers]) * (kv.key_length + kv.value_length) * bytes_per_element("f16")
        total += int(per_cell * pad_cells(n_ctx))
    if kv is not None and kv.is_hybrid:
        total += kv.state_bytes_per_sequence() * max(slots, 1) * n_max
    return total


def fit_context(requested_ctx: int, *, free_vram_bytes: int, model_bytes: int, kv_bytes_per_token: float,
                mtp_engaged: bool, kv_on_gpu: bool = True, min_ctx: int = MIN_CTX,
                total_vram_bytes: int | None = None, fraction: float | None = None,
                kv_bytes: Callable[[int], int] | None = None, reserve_bytes: Callable[[int], int] | None = None,
                fixed_bytes: int = 0) -> ContextFit:
    """Fit ``requested_ctx`` into the VRAM budget.

    Without ``fraction``: SPEC's rule, ``free x (0.85 if MTP engages else 0.90)``; pass
    ``mtp_engaged=mtp_will_engage(...)`` so the budget agrees with the argv. With ``fraction``:
    the reference's current rule (:func:`usable_vram`); ``reserve_bytes(c)`` is the byte-accurate
    draft reserve (:func:`draft_reserve_bytes`), and when MTP engages without one the budget
    uses ``fraction - 0.05``. ``kv_bytes(c)`` replaces ``kv_bytes_per_token`` (e.g.
    ``model.kv.kv_bytes``, sliding windows included). With the KV cache off the GPU
    (``--no-kv-offload``) only the weights count.
    """
    if fraction is None:
        used_fraction = budget_fraction(mtp_engaged)
        budget = int(free_vram_bytes * used_fraction)
    else:
        used_fraction = fraction - FLAT_MTP_RESERVE if mtp_engaged and reserve_bytes is None else fraction
        budget = usable_vram(free_vram_bytes, total_vram_bytes, max(used_fraction, VRAM_FRACTION_RANGE[0]))
    room = budget - model_bytes - fixed_bytes
    if room < 0:
        return ContextFit(None, budget, used_fraction)
    if not kv_on_gpu:
        return ContextFit(requested_ctx, budget, used_fraction)

    def need(c: int) -> float:
        kv = kv_bytes(c) if kv_bytes is not None else c * kv_bytes_per_token
        return kv + (reserve_bytes(c) if reserve_bytes is not None and mtp_engaged else 0)

    if need(requested_ctx) <= room:
        return ContextFit(requested_ctx, budget, used_fraction)
    floor = min(min_ctx, requested_ctx)
    if need(floor) > room:
        return ContextFit(None, budget, used_fraction)
    low, high = floor, requested_ctx  # need(low) fits, need(high) does not
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if need(mid) <= room else (low, mid)
    aligned = low - low % CTX_ALIGN
    return ContextFit(max(aligned, floor) if need(max(aligned, floor)) <= room else None, budget, used_fraction)
