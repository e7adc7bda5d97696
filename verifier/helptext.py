"""Parse ``llama-server --help`` into entries.

This module knows the layout of the help text and nothing of policy: which flags matter
and what they mean is decided in :mod:`verifier.capabilities` and :mod:`verifier.checks`.
It never raises on arbitrary text; lines it does not recognise end the current entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

REMOVED_PREFIX = "the argument has been removed."

_SECTION = re.compile(r"^-{3,}\s*(?P<title>[^-].*?)\s*-{3,}\s*$")
_NAME = re.compile(r"-{1,2}[A-Za-z0-9][^\s,=]*")
_NAME_SEP = re.compile(r",\s*(?=-)")
# The description starts after a run of two or more spaces that does not follow a comma
# (a comma followed by spaces pads the names: ``-h,    --help``).
_DESC_GAP = re.compile(r"(?<![,\s])\s{2,}(?=\S)")
_ENV = re.compile(r"^\(env:\s*(?P<env>[^)\s]+)\s*\)$")
_DEFAULT = re.compile(r"\(default:\s*(?P<value>[^()]*(?:\([^()]*\)[^()]*)*?)\s*\)")
_DEFAULT_HEAD = re.compile(r"^(?P<value>[^,;]*?)\s*[,;]\s*(?P<rest>.*)$")
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
        match = _DEFAULT.search(self.description)
        return match.group("value") if match else None

    @property
    def default_value(self) -> str | None:
        """Just the value of ``(default: ...)``: ``64`` for ``(default: 64, 0 = disabled)``."""
        text = self.default
        return None if text is None else split_default(text)[0]

    @property
    def wording(self) -> str:
        """The description with the default's value taken out: a new default is not a new wording."""
        return " ".join(_DEFAULT.sub(lambda m: f"(default: {split_default(m.group('value'))[1]})",
                                     self.description).split())

    @property
    def values(self) -> tuple[str, ...]:
        """The choices a hint lists: ``[a|b]``, ``{a,b}`` or ``a,b``; empty for ``N``."""
        hint = self.hint.strip()
        if not _VALUE_LIST.match(hint):
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
        title = _SECTION.match(line)
        if title:
            flush()
            section = title.group("title")
            sections.append(section)
            continue
        flush()
        if not line.startswith("-"):
            continue
        gap = _DESC_GAP.search(line)
        head, desc = (line[: gap.start()], line[gap.end() :]) if gap else (line, "")
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
