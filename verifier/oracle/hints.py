"""What to say when a build's parser rejects an argument: the help's own evidence, nothing guessed.

- a removed-argument stub: its message ("``--draft-max`` was removed: use --spec-draft-n-max ...");
- an unknown name: a real argument of this build whose help mentions that name as a word
  (``--load-mode`` lists ``dio``), or the one whose help matches the name's description in
  another captured build, or a near spelling; else only "is not an argument of this build";
- an unlisted value: the nearest listed value.
"""

from __future__ import annotations

import difflib
import re

from verifier.capabilities import Capabilities
from verifier.helptext import REMOVED_PREFIX, HelpEntry
from verifier.oracle import corpus

_NAMED = (re.compile(r'error while handling argument "(?P<name>[^"]+)"'),
          re.compile(r"error: invalid argument: (?P<name>\S+)"))
_VALUE = re.compile(r"unknown speculative type: (?P<value>\S+)")


def named_argument(message: str) -> str | None:
    """The argument a parser error line names, if any."""
    for pattern in _NAMED:
        match = pattern.search(message)
        if match:
            return match.group("name")
    return None


def _label(entry: HelpEntry) -> str:
    return max(entry.names, key=len)


def _real(caps: Capabilities) -> list[HelpEntry]:
    return [e for e in caps.entries if not e.removed]


def _mentioned_by(word: str, caps: Capabilities) -> tuple[HelpEntry, str] | None:
    """A real entry whose description lists ``word`` (``- dio: use DirectIO``); with that line.

    A listed value wins over a passing mention: ``--load-mode`` says "not using mlock)" before
    its item "- mlock: force system to keep model in RAM".
    """
    if len(word) < 3:
        return None
    listed = re.compile(rf"(?:^|\s)-\s+({re.escape(word)}:)")
    mentioned = re.compile(rf"(?<![\w-])({re.escape(word)})(?![\w-])")
    entries = _real(caps)
    for pattern in (listed, mentioned):
        for entry in entries:
            match = pattern.search(entry.description)
            if match:
                tail = entry.description[match.start(1):]
                return entry, re.split(r"\s+-\s|\.\s", tail, maxsplit=1)[0].strip()
    return None


def _elsewhere(name: str, caps: Capabilities) -> tuple[HelpEntry, int] | None:
    """The entry for ``name`` in the newest other captured build where it is a real argument."""
    mine = caps.build
    for build, found in sorted(corpus.captures().items(), reverse=True):
        if build == mine:
            continue
        entry = Capabilities.from_help(found.help).entry(name)
        if entry is not None and not entry.removed:
            return entry, build
    return None


def _similar_description(old: HelpEntry, caps: Capabilities) -> HelpEntry | None:
    best: tuple[float, HelpEntry | None] = (0.0, None)
    for entry in _real(caps):
        ratio = difflib.SequenceMatcher(None, old.description, entry.description).ratio()
        if ratio > best[0]:
            best = (ratio, entry)
    return best[1] if best[0] >= 0.75 else None


def _value_hint(name: str, entry: HelpEntry, message: str) -> str | None:
    """A real argument given a bad or no value: what the help says it takes."""
    if "expected value for argument" in message and entry.hint:
        return f"{name} takes a value in this build: {entry.hint}"
    if message.rstrip().endswith(": stoi") and entry.hint:
        return f"{name} takes an integer ({entry.hint})"
    if entry.values and ("value" in message.lower()):
        return f"{name} accepts {', '.join(entry.values)}"
    return None


def hint(message: str, caps: Capabilities) -> str | None:
    """A one-line hint for a rejected argv from its error line and this build's help."""
    name = named_argument(message)
    if name is None:
        return None
    if "unknown speculative decoding type" in message:  # before b9109: one type, the value not named
        return f"{name} takes one type in this build: {', '.join(caps.spec_types)}"
    value = _VALUE.search(message)
    if value is not None:
        close = difflib.get_close_matches(value.group("value"), caps.spec_types, n=1, cutoff=0.5)
        listed = ", ".join(caps.spec_types)
        return (f"{name} does not list '{value.group('value')}'" + (f"; it lists '{close[0]}'" if close else "")
                + f" (types: {listed})")
    entry = caps.entry(name)
    if entry is not None and entry.removed:
        rest = entry.description[len(REMOVED_PREFIX):].strip()
        return f"{name} was removed" + (f": {rest}" if rest else "")
    if entry is not None:
        return _value_hint(name, entry, message)
    not_here = f"{name} is not an argument of this build"
    mentioned = _mentioned_by(name.lstrip("-"), caps)
    if mentioned is not None:
        return f'{not_here}; {_label(mentioned[0])} is (its help lists "{mentioned[1]}")'
    other = _elsewhere(name, caps)
    if other is not None:
        old, build = other
        successor = _similar_description(old, caps)
        if successor is not None:
            return f"{not_here}; {_label(successor)} is (build {build}'s {name} had the same description)"
        for alias in old.names:
            if caps.has(alias):
                return f"{not_here}; {alias} is (build {build} listed both names for one argument)"
        return f"{not_here} (build {build} had it: {old.description[:100]})"
    close = difflib.get_close_matches(name, sorted(caps.arguments), n=1, cutoff=0.75)
    if close:
        return f"{not_here}; did you mean {close[0]}?"
    return not_here
