"""Parse ``llama-server --help`` into entries.

This module knows the layout of the help text and nothing of policy: which flags matter
and what they mean is decided in :mod:`verifier.capabilities` and :mod:`verifier.checks`.
It never raises on arbitrary text; lines it does not recognise end the current entry.

Parsing is linear in the size of the text: help comes from a binary we do not trust, and
``--timeout`` does not cover parsing. Every pattern here is either anchored at a fixed
position with disjoint repeated classes (no run can be split two ways, so no backtracking
grows with the input), or replaced by plain string scanning (section titles, defaults).
``benchmarks/hostile_parse.py`` measures it on 10 MB of hostile input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REMOVED_PREFIX = "the argument has been removed."

_NAME = re.compile(r"-{1,2}[A-Za-z0-9][^\s,=]*")
_NAME_SEP = re.compile(r",\s*(?=-)")
# The description starts after a run of two or more spaces that does not follow a comma
# (a comma followed by spaces pads the names: ``-h,    --help``); see :func:`_desc_gap`.
_SPACE_RUN = re.compile(r"\s{2,}")
MAX_ENTRIES = 20_000
"""llama-server lists about 250 arguments; parsing stops after this many entries."""
MAX_HINT = 4096
"""A value hint longer than this is not a list of choices."""
_ENV = re.compile(r"^\(env:\s*(?P<env>[^)\s]+)\s*\)$")
_DEFAULT_HEAD = re.compile(r"^(?P<value>[^,;]*?)\s*[,;]\s*(?P<rest>.*)$")  # on whitespace-folded text
_DEFAULT_EQ = re.compile(r"^(?P<value>\S+)\s+[=-]\s+\S")
_VALUE_SPLIT = re.compile(r"[|,]")
# ``[a|b]``, ``{a,b}``, ``<0|1>`` or ``a,b``: a list of plain words, nothing else.
_VALUE_LIST = re.compile(r"^[\[{<]?[\w.+-]+(?:[|,][\w.+-]+)+[\]}>]?$")


@dataclass(frozen=True)
class HelpEntry:
    """One argument as the help prints it: all its names, value hint and description."""

    names: tuple[str, ...]
    hint: str = ""
    description: str = ""
    env: str | None = None
    section: str | None = None

    @property
    def removed(self) -> bool:
        """A removed-argument stub: still listed, but the parser rejects it."""
        return self.description.lower().startswith(REMOVED_PREFIX)

    @property
    def default(self) -> str | None:
        return default_value(self.description)

    @property
    def default_value(self) -> str | None:
        """Just the value of ``(default: ...)``: ``64`` for ``(default: 64, 0 = disabled)``."""
        text = self.default
        return None if text is None else split_default(text)[0]

    @property
    def wording(self) -> str:
        """The description with the default's value taken out: a new default is not a new wording."""
        span = default_span(self.description)
        if span is None:
            return " ".join(self.description.split())
        begin, end = span
        note = split_default(self.description[begin:end])[1]
        return " ".join(f"{self.description[:begin]} {note}{self.description[end:]}".split())

    @property
    def values(self) -> tuple[str, ...]:
        """The choices a hint lists: ``[a|b]``, ``{a,b}`` or ``a,b``; empty for ``N``."""
        hint = self.hint.strip()
        if len(hint) > MAX_HINT or not _VALUE_LIST.match(hint):
            return ()
        return tuple(v for v in _VALUE_SPLIT.split(hint.strip("[]{}<>")) if v.strip("."))


def split_default(text: str) -> tuple[str, str]:
    """``64, 0 = disabled`` -> (``64``, ``0 = disabled``): the value, and the note that explains values.

    A plain list (``GET, POST, DELETE``) is a value whole; ``0 = model training context size``
    is the value ``0`` explained.
    """
    text = " ".join(text.split())
    head = _DEFAULT_HEAD.match(text)
    if head and any(" " in part.strip() for part in re.split(r"[,;]", head.group("rest"))):
        value, note = head.group("value"), head.group("rest")
    else:
        value, note = text, ""
    explained = _DEFAULT_EQ.match(value)
    if explained:
        return explained.group("value"), value if not note else f"{value}, {note}"
    return value, note


@dataclass(frozen=True)
class HelpText:
    """The parsed help: entries in order, with a lookup by any of their names."""

    entries: tuple[HelpEntry, ...] = ()
    sections: tuple[str, ...] = ()
    _by_name: dict[str, HelpEntry] = field(default_factory=dict, compare=False, repr=False)

    def get(self, name: str) -> HelpEntry | None:
        return self._by_name.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name


def section_title(line: str) -> str | None:
    """``----- common params -----`` -> ``common params``; None for any other line (linear scan)."""
    if not line.startswith("---"):
        return None
    body = line.strip()
    inner = body.lstrip("-")
    title = inner.rstrip("-")
    if len(body) - len(inner) < 3 or len(inner) - len(title) < 3:
        return None
    return title.strip() or None


_DEFAULT_OPEN = "(default:"
_PAREN = re.compile(r"[()]")


def default_span(description: str) -> tuple[int, int] | None:
    """Where the text of the first ``(default: ...)`` stands (balanced parentheses, one nested level).

    A single forward scan per opening; an opening whose scan fails ends the search, so the
    work stays linear however many openings a hostile description holds.
    """
    start = description.find(_DEFAULT_OPEN)
    if start < 0:
        return None
    depth = 0
    begin = start + len(_DEFAULT_OPEN)
    for paren in _PAREN.finditer(description, begin):
        char, index = paren.group(), paren.start()
        if char == "(":
            depth += 1
            if depth > 1:
                return None
        elif char == ")":
            if depth == 0:
                return begin, index
            depth -= 1
    return None


def default_value(description: str) -> str | None:
    """The text of the first ``(default: ...)``, stripped."""
    span = default_span(description)
    return None if span is None else description[span[0]:span[1]].strip()


def _desc_gap(line: str) -> tuple[int, int] | None:
    """Start and end of the first run of 2+ spaces not right after a comma (lines are rstripped)."""
    pos = 0
    while True:
        run = _SPACE_RUN.search(line, pos)
        if run is None:
            return None
        if run.start() > 0 and line[run.start() - 1] != ",":
            return run.start(), run.end()
        pos = run.end()


def _split_head(head: str) -> tuple[tuple[str, ...], str] | None:
    """``--a, -b HINT`` -> (names, hint); None when the head does not start with a name."""
    names: list[str] = []
    pos = 0
    while True:
        match = _NAME.match(head, pos)
        if not match:
            break
        names.append(match.group())
        pos = match.end()
        sep = _NAME_SEP.match(head, pos)
        if not sep:
            break
        pos = sep.end()
    if not names:
        return None
    return tuple(names), head[pos:].strip().lstrip("=").strip()


@dataclass
class _Draft:
    names: tuple[str, ...]
    hint: str
    section: str | None
    lines: list[str] = field(default_factory=list)
    env: str | None = None

    def add(self, text: str) -> None:
        text = text.strip()
        env = _ENV.match(text)
        if env:
            self.env = env.group("env")
        elif text:
            self.lines.append(text)

    def finish(self) -> HelpEntry:
        return HelpEntry(self.names, self.hint, " ".join(self.lines), self.env, self.section)


def parse_help(text: str | bytes) -> HelpText:
    """Parse help text (bytes are decoded leniently) into a :class:`HelpText`."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    entries: list[HelpEntry] = []
    sections: list[str] = []
    section: str | None = None
    draft: _Draft | None = None

    def flush() -> None:
        nonlocal draft
        if draft is not None:
            entries.append(draft.finish())
            draft = None

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.expandtabs(8).rstrip()
        if not line:
            # A truly empty line ends an entry; a line of spaces inside a description does not.
            if not raw.strip(" \t") and raw and draft is not None:
                continue
            flush()
            continue
        if line[0].isspace():
            if draft is not None:
                draft.add(line)
            continue
        title = section_title(line)
        if title is not None:
            flush()
            section = title
            sections.append(section)
            continue
        flush()
        if not line.startswith("-"):
            continue
        if len(entries) >= MAX_ENTRIES:
            break
        gap = _desc_gap(line)
        head, desc = (line[: gap[0]], line[gap[1] :]) if gap else (line, "")
        split = _split_head(head)
        if split is None:
            continue
        draft = _Draft(split[0], split[1], section)
        draft.add(desc)
    flush()

    by_name: dict[str, HelpEntry] = {}
    for entry in entries:
        for name in entry.names:
            # A real argument wins over a stub of the same name; otherwise first wins.
            known = by_name.get(name)
            if known is None or (known.removed and not entry.removed):
                by_name[name] = entry
    return HelpText(tuple(entries), tuple(sections), by_name)
