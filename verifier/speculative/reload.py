"""The reload guard: is the server already in the state a load request asks for?

Defects 3 and 4 of the reference live here: an explicit ``draft_n_max`` cleared back to
None is a change, and the MTP knobs are compared whenever the *resolved* engine was
draft-mtp (an auto-promoted load included), not only when MTP was requested by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.speculative.modes import AUTO, canonical_mode
from verifier.speculative.resolver import ENGINE_MTP, SpecRequest, extra_args_own_spec

P_MIN_TOLERANCE = 1e-6


@dataclass(frozen=True)
class LoadRequest:
    model_id: str
    gguf_path: str | None = None
    n_ctx: int | None = None
    cache_type_kv: str | None = None
    spec: SpecRequest = SpecRequest()
    extra_args: tuple[str, ...] | None = None
    """None = inherit what is loaded."""


@dataclass(frozen=True)
class LoadedState:
    model_id: str
    gguf_path: str | None
    n_ctx: int | None
    cache_type_kv: str | None
    mode: str | None
    """``Resolution.mode`` recorded at load."""
    engine: str | None
    """``Resolution.engine`` recorded at load."""
    draft_n_max: int | None
    """The explicit override recorded at load (None = platform default)."""
    draft_p_min: float | None
    extra_args: tuple[str, ...] = ()


def _same_p_min(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= P_MIN_TOLERANCE


def requested_mode(request: LoadRequest, inherited_extra_args: tuple[str, ...]) -> str | None:
    """The mode a load would record: None when the (effective) extra args own the decision."""
    extra = request.extra_args if request.extra_args is not None else inherited_extra_args
    if extra_args_own_spec(extra):
        return None
    return canonical_mode(request.spec.mode) or AUTO


def needs_reload(loaded: LoadedState, request: LoadRequest) -> bool:
    """True unless model, file, context, KV type, mode, extra args and (for MTP) knobs all match."""
    if (request.model_id, request.gguf_path, request.n_ctx, request.cache_type_kv) != (
        loaded.model_id, loaded.gguf_path, loaded.n_ctx, loaded.cache_type_kv
    ):
        return True
    if request.extra_args is not None and tuple(request.extra_args) != tuple(loaded.extra_args):
        return True
    if requested_mode(request, tuple(loaded.extra_args)) != loaded.mode:
        return True
    if loaded.engine == ENGINE_MTP:
        if request.spec.draft_n_max != loaded.draft_n_max:  # None vs explicit is a difference
            return True
        if not _same_p_min(request.spec.draft_p_min, loaded.draft_p_min):
            return True
    return False
