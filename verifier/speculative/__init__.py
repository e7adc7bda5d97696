"""The speculative-decoding resolver: argv for a mode, binary, model and device, and the rules around it."""

from verifier.speculative.drafters import Drafter, find_drafters
from verifier.speculative.extras import strip_spec_flags
from verifier.speculative.kv import KVShape
from verifier.speculative.model import GGUFError, ModelInfo, parse_size
from verifier.speculative.modes import MODES, canonical_mode
from verifier.speculative.outcome import FallbackReason
from verifier.speculative.reload import LoadedState, LoadRequest, needs_reload
from verifier.speculative.resolver import (
    Placement,
    Resolution,
    SpecRequest,
    map_k_flags,
    mtp_will_engage,
    ngram_mod_flags,
    resolve,
)
from verifier.speculative.usage import backfill_usage
from verifier.speculative.vram import ContextFit, fit_context

__all__ = [
    "MODES", "ContextFit", "Drafter", "FallbackReason", "GGUFError", "KVShape", "LoadRequest", "LoadedState",
    "ModelInfo", "Placement", "Resolution", "SpecRequest", "backfill_usage", "canonical_mode", "find_drafters",
    "fit_context", "map_k_flags", "mtp_will_engage", "needs_reload", "ngram_mod_flags", "parse_size", "resolve",
    "strip_spec_flags",
]
