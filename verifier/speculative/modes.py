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
DSPARK = "dspark"
DFLASH = "dflash"
DRAFT_SIMPLE = "draft-simple"
DRAFT_EAGLE3 = "draft-eagle3"

MODES: tuple[str, ...] = (AUTO, MTP, NGRAM, MTP_NGRAM, OFF, NGRAM_SIMPLE, NGRAM_MAP_K, NGRAM_MAP_K4V,
                          DSPARK, DFLASH, DRAFT_SIMPLE, DRAFT_EAGLE3)
"""The canonical modes: SPEC section 7's eight, the reference's later dspark/dflash, and the two
draft-model types a caller can serve with a draft model of their own."""

DRAFTER_MODES = frozenset({DSPARK, DFLASH, DRAFT_SIMPLE, DRAFT_EAGLE3})
"""Modes that need a draft model file (``--model-draft``)."""

_ALIASES = {
    "default": AUTO,
    "draft-mtp": MTP,
    "draft-dspark": DSPARK,
    "draft-dflash": DFLASH,
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


def is_known_mode(value: str) -> bool:
    """True for a spelling :func:`canonical_mode` maps on purpose, not by falling back to auto.

    Command lines reject the rest (``turbo``, ``ngarm``): a typo there is the user's to fix.
    """
    text = value.strip().lower()
    if text in MODES or text in _ALIASES:
        return True
    parts = {p.strip() for p in text.split(",")}
    return "," in text and parts <= (_MTP_WORDS | _NGRAM_WORDS)


def unknown_mode_message(value: str) -> str:
    return f"unknown mode {value!r}; known: {', '.join(MODES)} (aliases: {', '.join(_ALIASES)})"
