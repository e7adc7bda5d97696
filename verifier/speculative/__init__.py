"""The speculative-decoding resolver: argv for a mode, binary, model and device, and the rules around it."""

from verifier.speculative.model import GGUFError, ModelInfo, parse_size
from verifier.speculative.modes import MODES, canonical_mode
from verifier.speculative.reload import LoadedState, LoadRequest, needs_reload
from verifier.speculative.resolver import (
    Resolution,
    SpecRequest,
    map_k_flags,
    mtp_will_engage,
    ngram_mod_flags,
    resolve,
    strip_spec_flags,
)
from verifier.speculative.usage import backfill_usage
from verifier.speculative.vram import ContextFit, fit_context

__all__ = [
    "MODES", "ContextFit", "GGUFError", "LoadRequest", "LoadedState", "ModelInfo", "Resolution", "SpecRequest",
    "backfill_usage", "canonical_mode", "fit_context", "map_k_flags", "mtp_will_engage", "needs_reload",
    "ngram_mod_flags", "parse_size", "resolve", "strip_spec_flags",
]
