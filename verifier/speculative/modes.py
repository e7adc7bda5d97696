"""Speculative modes: the canonical vocabulary and how every accepted spelling maps onto it."""

from __future__ import annotations

AUTO = "auto"
MTP = "mtp"
NGRAM = "ngram"
MTP_NGRAM = "mtp+ngram"
OFF = "off"
NGRAM_SIMPLE = "ngram-simple"
NGRAM_MAP_K = "ngram-map-k"
NGRAM_MAP_K4V = "ngram-map-k4v"

MODES: tuple[str, ...] = (AUTO, MTP, NGRAM, MTP_NGRAM, OFF, NGRAM_SIMPLE, NGRAM_MAP_K, NGRAM_MAP_K4V)
"""The canonical modes (SPEC section 7)."""

_ALIASES = {
    "default": AUTO,
    "draft-mtp": MTP,
    "ngram-mod": NGRAM,
    "none": OFF,
    "disable": OFF,
    "disabled": OFF,
}
_MTP_WORDS = frozenset({"mtp", "draft-mtp"})
_NGRAM_WORDS = frozenset({"ngram", "ngram-mod"})


def canonical_mode(value: object) -> str | None:
    """The canonical mode for any spelling; None for empty or non-string (callers treat it as auto).

    An unknown spelling is ``auto`` rather than an error: an old client must never be able
    to switch speculative decoding off by misspelling it.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if not text:
        return None
    if text in MODES:
        return text
    if text in _ALIASES:
        return _ALIASES[text]
    if "," in text:
        parts = {p.strip() for p in text.split(",")}
        has_mtp, has_ngram = bool(parts & _MTP_WORDS), bool(parts & _NGRAM_WORDS)
        if has_mtp and has_ngram:
            return MTP_NGRAM
        if has_mtp:
            return MTP
        if has_ngram:
            return NGRAM
    return AUTO
