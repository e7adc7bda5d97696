"""Fill an OpenAI-style ``usage`` from llama-server's ``timings`` when the server left it empty.

Some builds report ``completion_tokens: 0`` while ``timings.predicted_n`` is right; a UI
that divides by it falls back to wall-clock time and hides the speculative speed-up.
"""

from __future__ import annotations

from typing import Any


def _count(mapping: dict[str, Any], key: str) -> int | None:
    value = mapping.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def backfill_usage(usage: dict[str, Any] | None, timings: dict[str, Any] | None) -> dict[str, Any] | None:
    """A usage with real counts (or no timings to fill from) is returned unchanged.

    Only the missing counts are filled: a real ``prompt_tokens`` is kept (C4). When the prompt
    count is missing it is ``prompt_n + cache_n``: ``prompt_n`` alone leaves out the cached
    prefix, so it would under-report the prompt the model actually saw.
    """
    if usage is not None and _count(usage, "completion_tokens"):
        return usage
    if not isinstance(timings, dict):
        return usage
    predicted, prompt = _count(timings, "predicted_n"), _count(timings, "prompt_n")
    if predicted is None and prompt is None:
        return usage
    filled = dict(usage or {})
    completion = predicted if predicted is not None else (_count(filled, "completion_tokens") or 0)
    prompt_tokens = _count(filled, "prompt_tokens") or 0
    if not prompt_tokens and prompt is not None:
        prompt_tokens = prompt + (_count(timings, "cache_n") or 0)
    filled.update(completion_tokens=completion, prompt_tokens=prompt_tokens, total_tokens=completion + prompt_tokens)
    return filled
