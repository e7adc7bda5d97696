"""How much context fits in free VRAM, leaving headroom for the MTP draft cache when MTP runs.

Defect 6 of the reference: the fitted context could still exceed the 85 % MTP budget
(the 4096 floor, or weights alone over budget). Here a fit never exceeds its budget;
when even the floor does not fit, ``n_ctx`` is None and the caller must offload.
"""

from __future__ import annotations

from dataclasses import dataclass

MTP_BUDGET_FRACTION = 0.85
DEFAULT_BUDGET_FRACTION = 0.90
MIN_CTX = 4096
CTX_ALIGN = 256


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


def fit_context(requested_ctx: int, *, free_vram_bytes: int, model_bytes: int, kv_bytes_per_token: float,
                mtp_engaged: bool, kv_on_gpu: bool = True, min_ctx: int = MIN_CTX) -> ContextFit:
    """Fit ``requested_ctx`` into ``free_vram_bytes x (0.85 if MTP engages else 0.90)``.

    Pass ``mtp_engaged=mtp_will_engage(...)`` so the budget agrees with the argv.
    With the KV cache off the GPU (``--no-kv-offload``) only the weights count.
    """
    fraction = budget_fraction(mtp_engaged)
    budget = int(free_vram_bytes * fraction)
    room = budget - model_bytes
    if room < 0:
        return ContextFit(None, budget, fraction)
    if not kv_on_gpu or kv_bytes_per_token <= 0:
        return ContextFit(requested_ctx, budget, fraction)
    most = int(room // kv_bytes_per_token)
    if most >= requested_ctx:
        return ContextFit(requested_ctx, budget, fraction)
    aligned = most - most % CTX_ALIGN
    if aligned < min(min_ctx, requested_ctx):
        return ContextFit(None, budget, fraction)
    return ContextFit(aligned, budget, fraction)
