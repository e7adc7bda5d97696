"""Machine-readable outcomes of a resolution: why a fallback happened, and tri-state capabilities.

Stable string ids (a ``str`` enum) so JSON callers and tests compare ids, never the human
warnings beside them.
"""

from __future__ import annotations

from enum import Enum


class FallbackReason(str, Enum):
    """Why the resolver emitted something other than the requested (or auto-chosen) engine."""

    BINARY_NO_MTP = "binary_no_mtp"
    """The probe is conclusive and the binary lists no draft-mtp/mtp type."""
    BINARY_NO_TYPE = "binary_no_type"
    """The binary does not list the type a mode needs (ngram-mod, draft-dspark, ...)."""
    PROBE_INCONCLUSIVE = "probe_inconclusive"
    """The binary's help could not be read; nothing unproven is emitted."""
    MODEL_NO_MTP = "model_no_mtp"
    """The GGUF header says the model has no MTP layers and no MTP drafter sits beside it."""
    MODEL_TOO_SMALL = "model_too_small"
    """auto on an MTP model below 3B without a drafter: ngram-mod instead."""
    DRAFTER_NOT_FOUND = "drafter_not_found"
    DRAFTER_NO_VRAM = "drafter_no_vram"
    MLA_MTP_DISABLED = "mla_mtp_disabled"
    MTP_PARTIAL_OFFLOAD = "mtp_partial_offload"
    NO_DRAFT_N_MAX = "no_draft_n_max"
    BINARY_OUTDATED = "binary_outdated"
    RUNTIME_ERROR = "runtime_error"

    def __str__(self) -> str:
        return self.value
