"""The user's own llama-server arguments ("extras"), read the way llama.cpp's parser reads them.

Two rules of that parser matter here: ``_`` in a ``--`` name means ``-`` (``--spec_type`` is
``--spec-type``), and one argument has several names (``-md``, ``--model-draft``,
``--spec-draft-model``). Every question is therefore asked *by argument*: a token is mapped
to its argument's canonical name through the binary's help when it is known, else through
the table below (built from the help of b9093 and b11434).
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from verifier.capabilities import Capabilities
from verifier.helptext import HelpEntry

OWNING = frozenset({"--spec-type", "--spec-default"})
"""Arguments whose presence means the user owns the speculative block."""

_KNOWN: tuple[tuple[tuple[str, ...], int], ...] = (
    (("--spec-type",), 1),
    (("--spec-default",), 0),
    (("--spec-draft-model", "-md", "--model-draft"), 1),
    (("--spec-draft-hf", "-hfd", "-hfrd", "--hf-repo-draft"), 1),
    (("--spec-draft-ngl", "-ngld", "--gpu-layers-draft", "--n-gpu-layers-draft"), 1),
    (("--spec-draft-device", "-devd", "--device-draft"), 1),
    (("--spec-draft-type-k", "-ctkd", "--cache-type-k-draft"), 1),
    (("--spec-draft-type-v", "-ctvd", "--cache-type-v-draft"), 1),
    (("--spec-draft-threads", "-td", "--threads-draft"), 1),
    (("--spec-draft-threads-batch", "-tbd", "--threads-batch-draft"), 1),
    (("--spec-draft-cpu-mask", "-Cd", "--cpu-mask-draft"), 1),
    (("--spec-draft-cpu-range", "-Crd", "--cpu-range-draft"), 1),
    (("--spec-draft-cpu-strict", "--cpu-strict-draft"), 1),
    (("--spec-draft-prio", "--prio-draft"), 1),
    (("--spec-draft-poll", "--poll-draft"), 1),
    (("--spec-draft-cpu-mask-batch", "-Cbd", "--cpu-mask-batch-draft"), 1),
    (("--spec-draft-cpu-strict-batch", "--cpu-strict-batch-draft"), 1),
    (("--spec-draft-prio-batch", "--prio-batch-draft"), 1),
    (("--spec-draft-poll-batch", "--poll-batch-draft"), 1),
    (("--spec-draft-override-tensor", "-otd", "--override-tensor-draft"), 1),
    (("--spec-draft-cpu-moe", "-cmoed", "--cpu-moe-draft"), 0),
    (("--spec-draft-n-cpu-moe", "--spec-draft-ncmoe", "-ncmoed", "--n-cpu-moe-draft"), 1),
    (("--spec-draft-ctx-size", "-cd", "--ctx-size-draft"), 1),
    (("--spec-draft-p-split", "--draft-p-split"), 1),
    (("--spec-draft-p-min", "--draft-p-min"), 1),
    (("--spec-draft-replace", "--spec-replace"), 2),
    (("--spec-draft-backend-sampling", "--no-spec-draft-backend-sampling"), 0),
    (("--draft", "--draft-n", "--draft-max"), 1),
    (("--device", "-dev"), 1),
    (("--gpu-layers", "-ngl", "--n-gpu-layers"), 1),
)
_CANONICAL = {name: names[0] for names, _ in _KNOWN for name in names}
_VALUES = {names[0]: count for names, count in _KNOWN}

PLACEMENT = frozenset({
    "--spec-draft-ngl", "--spec-draft-device", "--spec-draft-type-k", "--spec-draft-type-v",
    "--spec-draft-threads", "--spec-draft-threads-batch", "--spec-draft-cpu-mask", "--spec-draft-cpu-range",
    "--spec-draft-cpu-strict", "--spec-draft-prio", "--spec-draft-poll", "--spec-draft-cpu-mask-batch",
    "--spec-draft-cpu-strict-batch", "--spec-draft-prio-batch", "--spec-draft-poll-batch",
    "--spec-draft-override-tensor", "--spec-draft-cpu-moe", "--spec-draft-n-cpu-moe", "--spec-draft-ctx-size",
})
"""Where and how the draft model runs: kept when inherited, never emitted twice (C7)."""

DRAFTER_SELECTORS = frozenset({"--spec-draft-model", "--spec-draft-hf"})
_STRIPPED_EXACT = frozenset({"--spec-type", "--spec-default", "--draft", "--draft-min", "--draft-n-min"})
_STRIPPED_PREFIXES = ("--spec-draft-", "--no-spec-draft-", "--spec-ngram-")
_ANGLE = re.compile(r"<[^>]*>")


def normalise_name(token: str) -> str:
    """The flag name of a token: ``=value`` removed, ``_`` read as ``-`` in a ``--`` name (C1)."""
    name = token.split("=", 1)[0] if token.startswith("-") else token
    return name.replace("_", "-") if name.startswith("--") else name


def _entry(caps: Capabilities | None, name: str) -> HelpEntry | None:
    return caps.entry(name) if caps is not None else None


def canonical(name: str, caps: Capabilities | None = None) -> str:
    """The argument's ``--spec-*`` name if it has one, else its first long name; the table when not in help."""
    entry = _entry(caps, name)
    if entry is not None:
        return next((n for n in entry.names if n.startswith("--spec-")),
                    _CANONICAL.get(name) or next((n for n in entry.names if n.startswith("--")), name))
    return _CANONICAL.get(name, name)


def value_count(name: str, caps: Capabilities | None = None) -> int:
    """How many values follow the flag: its help hint's words (``TARGET DRAFT`` = 2), else the table's, else 1."""
    entry = _entry(caps, name)
    if entry is not None:
        return len(_ANGLE.sub("X", entry.hint).split())
    return _VALUES.get(canonical(name), 0 if name == "--spec-default" else 1)


def arguments(extra_args: Sequence[str] | None, caps: Capabilities | None = None) -> list[tuple[str, list[str], int]]:
    """``(canonical name, tokens, value count)`` per argument, in order; positional tokens stand alone."""
    tokens = list(extra_args or ())
    out: list[tuple[str, list[str], int]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.startswith("-") or token == "-":
            out.append(("", [token], 0))
            i += 1
            continue
        name = canonical(normalise_name(token), caps)
        count = 0 if "=" in token else value_count(normalise_name(token), caps)
        taken = [token]
        for _ in range(count):
            if i + 1 < len(tokens) and not _looks_like_flag(tokens[i + 1]):
                i += 1
                taken.append(tokens[i])
        out.append((name, taken, count))
        i += 1
    return out


def _looks_like_flag(token: str) -> bool:
    """``-md`` is a flag, ``-1`` (``-ngl -1``) is a value."""
    return token.startswith("-") and len(token) > 1 and not token[1:2].isdigit()


def own_spec(extra_args: Sequence[str] | None, caps: Capabilities | None = None) -> bool:
    """``--spec-type`` / ``--spec-default`` in any spelling: the decision is the user's."""
    return any(name in OWNING for name, _t, _c in arguments(extra_args, caps))


def values_of(extra_args: Sequence[str] | None, argument: str, caps: Capabilities | None = None) -> list[str]:
    """Every value given to ``argument`` (canonical name), ``--x v`` and ``--x=v`` alike, in order."""
    values = []
    for name, tokens, _count in arguments(extra_args, caps):
        if name != argument:
            continue
        if "=" in tokens[0]:
            values.append(tokens[0].split("=", 1)[1])
        values += tokens[1:]
    return values


def spec_types(extra_args: Sequence[str] | None, caps: Capabilities | None = None) -> list[str]:
    """Every type named by the user's ``--spec-type`` occurrences, comma lists split, accumulated."""
    return [t.strip().lower() for v in values_of(extra_args, "--spec-type", caps) for t in v.split(",") if t.strip()]


def has_argument(extra_args: Sequence[str] | None, argument: str, caps: Capabilities | None = None) -> bool:
    return any(name == argument for name, _t, _c in arguments(extra_args, caps))


def _is_stripped(name: str) -> bool:
    if name in PLACEMENT:
        return False
    return name in _STRIPPED_EXACT or name in DRAFTER_SELECTORS or name.startswith(_STRIPPED_PREFIXES)


def strip_spec_flags(extra_args: Sequence[str] | None, caps: Capabilities | None = None) -> list[str]:
    """Drop inherited speculative flags and drafter selectors (and their values), by argument.

    Draft placement (``-ngld``, ``-devd``, ``-ctkd``/``-ctvd``, threads, ...) is kept: the
    resolver never re-emits it, and a new drafter should run where the user put the old one.
    """
    return [t for name, tokens, _c in arguments(extra_args, caps) if not _is_stripped(name) for t in tokens]


SPEC_ENV = ("LLAMA_ARG_SPEC_DRAFT_MODEL", "LLAMA_ARG_SPEC_DRAFT_HF_REPO", "LLAMA_ARG_SPEC_TYPE",
            "LLAMA_ARG_MODEL_DRAFT", "LLAMA_ARG_HFD_REPO")
"""Environment variables llama-server reads as speculative or drafter arguments."""


def child_env(env: Mapping[str, str], *, resolver_owns_spec: bool) -> dict[str, str]:
    """The server's environment: when the resolver owns the spec block, inherited speculative
    variables are dropped so they cannot add to (or fight) the emitted argv."""
    if not resolver_owns_spec:
        return dict(env)
    return {k: v for k, v in env.items() if k not in SPEC_ENV}
