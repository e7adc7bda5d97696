"""The reload guard: is the server already in the state a load request asks for?

Defects 3 and 4 of the reference live here: an explicit ``draft_n_max`` cleared back to
None is a change, and the drafting knobs are compared whenever the *resolved* engine drafts
(an auto-promoted load included), not only when MTP was requested by name. Identity is
normalised (C6): model ids and cache types ignore case, paths are compared resolved.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from verifier.speculative.extras import own_spec
from verifier.speculative.modes import AUTO, canonical_mode
from verifier.speculative.resolver import ENGINE_MTP, DRAFTING_ENGINES, SpecRequest

P_MIN_TOLERANCE = 1e-6

FileId = tuple[int, int, int, int]
"""(device, inode, size, mtime_ns) of a model file when it was loaded."""


@dataclass(frozen=True)
class LoadRequest:
    model_id: str
    gguf_path: str | None = None
    n_ctx: int | None = None
    cache_type_kv: str | None = None
    spec: SpecRequest = SpecRequest()
    extra_args: tuple[str, ...] | None = None
    """None = inherit what is loaded."""
    slots: int | None = None
    batch: int | None = None
    ubatch: int | None = None
    mmproj_path: str | None = None
    drafter_path: str | None = None
    """The drafter the resolver would emit now (``Resolution.drafter.path``)."""
    binary_revision: str | None = None
    vram_fraction: float | None = None
    probe_conclusive: bool = True


@dataclass(frozen=True)
class LoadedState:
    model_id: str
    gguf_path: str | None
    n_ctx: int | None
    cache_type_kv: str | None
    mode: str | None
    """The canonical *requested* mode recorded at load (None when extras owned the spec block)."""
    engine: str | None
    """``Resolution.engine`` recorded at load."""
    draft_n_max: int | None
    """The explicit override recorded at load (None = platform default)."""
    draft_p_min: float | None
    extra_args: tuple[str, ...] = ()
    slots: int | None = None
    batch: int | None = None
    ubatch: int | None = None
    mmproj_path: str | None = None
    drafter_path: str | None = None
    binary_revision: str | None = None
    vram_fraction: float | None = None
    probe_inconclusive: bool = False
    """The launch saw an inconclusive capability probe: reload once it turns conclusive."""
    file_id: FileId | None = None
    draft_cache_type: str | None = None


def file_id(path: str | None) -> FileId | None:
    """What identifies the file on disk now; None when it is not there."""
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _path(path: str | None) -> str | None:
    return os.path.normcase(os.path.realpath(path)) if path else None


def _lower(text: str | None) -> str | None:
    return text.strip().lower() or None if text else None


def _same_p_min(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) <= P_MIN_TOLERANCE


def requested_mode(request: LoadRequest, inherited_extra_args: tuple[str, ...]) -> str | None:
    """The mode a load would record: None when the (effective) extra args own the decision."""
    extra = request.extra_args if request.extra_args is not None else inherited_extra_args
    if own_spec(extra):
        return None
    return canonical_mode(request.spec.mode) or AUTO


def needs_reload(loaded: LoadedState, request: LoadRequest) -> bool:
    """True unless identity, context, cache, placement inputs, mode, extras and drafting knobs all match."""
    if _lower(request.model_id) != _lower(loaded.model_id) or _path(request.gguf_path) != _path(loaded.gguf_path):
        return True
    if loaded.file_id is not None and file_id(request.gguf_path) not in (None, loaded.file_id):
        return True  # same path, a different file on disk
    if _lower(request.cache_type_kv) != _lower(loaded.cache_type_kv):
        return True
    if _lower(request.spec.draft_cache_type) != _lower(loaded.draft_cache_type):
        return True
    same = ((request.n_ctx, request.slots, request.batch, request.ubatch, _path(request.mmproj_path),
             request.binary_revision, request.vram_fraction)
            == (loaded.n_ctx, loaded.slots, loaded.batch, loaded.ubatch, _path(loaded.mmproj_path),
                loaded.binary_revision, loaded.vram_fraction))
    if not same:
        return True
    if request.extra_args is not None and tuple(request.extra_args) != tuple(loaded.extra_args):
        return True
    if requested_mode(request, tuple(loaded.extra_args)) != loaded.mode:
        return True
    if _path(request.drafter_path) != _path(loaded.drafter_path):
        return True
    if loaded.probe_inconclusive and request.probe_conclusive:
        return True
    if loaded.engine in DRAFTING_ENGINES and request.spec.draft_n_max != loaded.draft_n_max:
        return True  # None vs explicit is a difference
    if loaded.engine == ENGINE_MTP and not _same_p_min(request.spec.draft_p_min, loaded.draft_p_min):
        return True
    return False
