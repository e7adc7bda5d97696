"""Read an application's llama-server argv against a build's help: which words are values,
and which values are model, network or file inputs that a parser probe must replace.

Knows the help's vocabulary (value hints such as ``FNAME``, ``URL``, ``<user>/<model>``),
nothing of verdicts: :mod:`verifier.oracle.accepts` runs the prepared argv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from verifier.capabilities import Capabilities
from verifier.helptext import HelpEntry

_ANGLED = re.compile(r"<[^>]*>")
_MODEL_NAMES = frozenset({"-m", "--model"})
_NETWORK_NAME = re.compile(r"(^|-)(hf[a-z]*|url|docker)(-|$)")
_FILE_HINT = re.compile(r"FNAME|FILE|PATH|DIR")
_SECRET_NAME = re.compile(r"(^|-)(api-key|token|password|secret)$")
HIDDEN = "***"


def arity(entry: HelpEntry) -> int:
    """How many argv words the argument takes: one per word of its value hint (``N``, ``FNAME``...)."""
    return len(_ANGLED.sub("X", entry.hint).split())


def canonical(word: str) -> str:
    """llama.cpp reads ``--a_b`` as ``--a-b``."""
    return word.replace("_", "-") if word.startswith("--") else word


def input_kind(entry: HelpEntry) -> str | None:
    """``model``, ``network``, ``dir`` or ``file`` for an argument whose value is an input, else None."""
    names = set(entry.names)
    if names & _MODEL_NAMES:
        return "model"
    hint = entry.hint
    if any(_NETWORK_NAME.search(n.lstrip("-")) for n in names) or "URL" in hint or "<user>" in hint:
        return "network"
    if not _FILE_HINT.search(hint):
        return None
    return "dir" if "DIR" in hint or "directory" in entry.description.lower() else "file"


def is_secret(entry: HelpEntry) -> bool:
    """A value not to repeat in a report: ``--api-key KEY``, ``--hf-token TOKEN`` (not ``--api-key-file``)."""
    return any(_SECRET_NAME.search(n.lstrip("-")) for n in entry.names)


@dataclass(frozen=True)
class Substitution:
    """One argument the probe does not pass as given, and why."""

    argument: str
    given: tuple[str, ...]
    replacement: tuple[str, ...] | None
    """The values passed instead; None when the argument was left out (a model or a network input)."""
    kind: str

    def describe(self, shown: tuple[str, ...] | None = None) -> str:
        given = " ".join(self.given if shown is None else shown)
        if self.replacement is None:
            what = "replaced by a model that does not exist" if self.kind == "model" else "left out: it would fetch"
            return f"{self.argument} {given}: {what} (a real argument of this build)"
        return f"{self.argument}: given an empty {'folder' if self.kind == 'dir' else 'file'} in place of {given}"


@dataclass(frozen=True)
class PreparedArgv:
    given: tuple[str, ...]
    probed: tuple[str, ...]
    substitutions: tuple[Substitution, ...] = field(default=())
    hidden: frozenset[int] = frozenset()
    """Positions in ``given`` holding a secret value (shown as ``***`` in reports)."""

    def shown(self, words: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """``given`` with secret values hidden (or any argv, hiding the same values)."""
        secrets = {self.given[i] for i in self.hidden}
        return tuple(HIDDEN if w in secrets else w for w in (self.given if words is None else words))


def prepare(argv: Sequence[str], caps: Capabilities, inputs: Path) -> PreparedArgv:
    """Replace model, network and file inputs of real arguments; keep everything else word for word.

    Stubs, unknown words and everything after them stay as given: the parser stops at the
    first of them, before it could load or fetch anything.
    """
    probed: list[str] = []
    subs: list[Substitution] = []
    hidden: set[int] = set()
    words = list(argv)
    i = 0
    while i < len(words):
        word = words[i]
        entry = caps.entry(canonical(word))
        if entry is None or entry.removed:
            probed.extend(words[i:])
            break
        n = arity(entry)
        values = tuple(words[i + 1:i + 1 + n])
        if is_secret(entry):
            hidden.update(range(i + 1, i + 1 + len(values)))
        i += 1 + len(values)
        kind = input_kind(entry) if len(values) == n and n else None
        if kind in ("model", "network"):
            subs.append(Substitution(word, values, None, kind))
            continue
        if kind in ("file", "dir"):
            stand_in = inputs / f"input-{len(subs)}"
            if kind == "dir":
                stand_in.mkdir(parents=True, exist_ok=True)
            else:
                stand_in.parent.mkdir(parents=True, exist_ok=True)
                stand_in.touch()
            # ``FNAME:SCALE,...``: keep the scale, replace the path
            suffix = ":" + values[0].rsplit(":", 1)[1] if entry.hint.startswith("FNAME:") and ":" in values[0] else ""
            replaced = (str(stand_in) + suffix, *values[1:])
            subs.append(Substitution(word, values, replaced, kind))
            probed.extend([word, *replaced])
            continue
        probed.extend([word, *values])
    return PreparedArgv(tuple(argv), tuple(probed), tuple(subs), frozenset(hidden))
