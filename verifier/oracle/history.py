"""The flag chart: every argument and spec type across a series of builds, and when each changed.

An argument is followed from build to build by its names (any name in common links two
entries), so a rename that keeps an alias stays one row. Changes are placed at the first
build of the series that shows them; the series only brackets them (changed after the
build before, by this one), which the chart says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from verifier.capabilities import Capabilities
from verifier.helptext import HelpEntry


@dataclass(frozen=True)
class BuildPoint:
    """One build of the series: its label (``b9246``), number when known, and parsed help."""

    label: str
    number: int | None
    caps: Capabilities


@dataclass(frozen=True)
class Change:
    """Something first seen at ``build`` (a label), the series' previous build being ``after``."""

    build: str
    after: str | None
    old: str | None = None
    new: str | None = None

    def bracket(self) -> str:
        """``b9246`` (with ``after b9113`` where the series has a build before it)."""
        return self.build if self.after is None else f"{self.after}..{self.build}"

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"build": self.build, "after": self.after}
        if self.old is not None or self.new is not None:
            data.update(old=self.old, new=self.new)
        return data


@dataclass
class ArgumentHistory:
    names: tuple[str, ...]
    """The names in the newest build that lists the argument."""
    first_seen: str = ""
    last_seen: str = ""
    stub_since: Change | None = None
    """First build where it is a removed-argument stub (after being real)."""
    gone_after: Change | None = None
    """Not listed any more from this build on."""
    aliases_gained: list[tuple[Change, str]] = field(default_factory=list)
    aliases_lost: list[tuple[Change, str]] = field(default_factory=list)
    defaults: list[Change] = field(default_factory=list)
    added: Change | None = None
    """First listed at this build, after the series' first build."""
    hint: str = ""

    @property
    def label(self) -> str:
        return max(self.names, key=len)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.stub_since or self.gone_after or self.aliases_gained or self.aliases_lost
                    or self.defaults)

    def to_dict(self) -> dict[str, object]:
        return {
            "names": list(self.names), "first_seen": self.first_seen, "last_seen": self.last_seen,
            "added": self.added.to_dict() if self.added else None,
            "stub_since": self.stub_since.to_dict() if self.stub_since else None,
            "gone": self.gone_after.to_dict() if self.gone_after else None,
            "aliases_gained": [{**c.to_dict(), "name": n} for c, n in self.aliases_gained],
            "aliases_lost": [{**c.to_dict(), "name": n} for c, n in self.aliases_lost],
            "defaults": [c.to_dict() for c in self.defaults],
        }


@dataclass
class TypeHistory:
    name: str
    first_seen: str
    last_seen: str
    added: Change | None = None
    gone_after: Change | None = None

    def to_dict(self) -> dict[str, object]:
        return {"type": self.name, "first_seen": self.first_seen, "last_seen": self.last_seen,
                "added": self.added.to_dict() if self.added else None,
                "gone": self.gone_after.to_dict() if self.gone_after else None}


@dataclass
class History:
    builds: list[BuildPoint]
    arguments: list[ArgumentHistory]
    spec_types: list[TypeHistory]

    def to_dict(self) -> dict[str, object]:
        return {"builds": [{"label": b.label, "number": b.number, "version": b.caps.version.text if b.caps.version
                            else None} for b in self.builds],
                "arguments": [a.to_dict() for a in self.arguments],
                "spec_types": [t.to_dict() for t in self.spec_types]}


def _visible(caps: Capabilities) -> list[HelpEntry]:
    """Entries, minus stubs whose every name is also a real argument's (the real one stands for it)."""
    return [e for e in caps.entries if not (e.removed and all(n in caps.arguments for n in e.names))]


def chart(points: Sequence[BuildPoint]) -> History:
    """Follow every argument and spec type through ``points`` (oldest first)."""
    chains: list[dict[int, HelpEntry]] = []  # build index -> entry
    latest_names: list[set[str]] = []
    for i, point in enumerate(points):
        taken: set[int] = set()
        for entry in _visible(point.caps):
            names = set(entry.names)
            match = next((c for c, known in enumerate(latest_names) if c not in taken and known & names), None)
            if match is None:
                chains.append({})
                latest_names.append(set())
                match = len(chains) - 1
            taken.add(match)
            chains[match][i] = entry
            latest_names[match] = names
    arguments = [_argument(points, chain) for chain in chains]
    return History(list(points), arguments, _types(points))


def _change(points: Sequence[BuildPoint], i: int, old: str | None = None, new: str | None = None) -> Change:
    return Change(points[i].label, points[i - 1].label if i > 0 else None, old, new)


def _argument(points: Sequence[BuildPoint], chain: dict[int, HelpEntry]) -> ArgumentHistory:
    seen = sorted(chain)
    first, last = seen[0], seen[-1]
    history = ArgumentHistory(chain[last].names, points[first].label, points[last].label)
    if first > 0:
        history.added = _change(points, first)
    if last < len(points) - 1:
        history.gone_after = _change(points, last + 1)
    previous: HelpEntry | None = None
    for i in seen:
        entry = chain[i]
        if previous is not None:
            if entry.removed and not previous.removed and history.stub_since is None:
                history.stub_since = _change(points, i)
            history.aliases_gained += [(_change(points, i), n) for n in entry.names if n not in previous.names]
            history.aliases_lost += [(_change(points, i), n) for n in previous.names if n not in entry.names]
            if not entry.removed and not previous.removed and entry.default != previous.default:
                history.defaults.append(_change(points, i, previous.default, entry.default))
        elif entry.removed and i == 0:
            history.stub_since = None  # a stub from the start: its removal predates the series
        previous = entry
    return history


def _types(points: Sequence[BuildPoint]) -> list[TypeHistory]:
    order: list[str] = []
    for point in points:
        order += [t for t in point.caps.spec_types if t not in order]
    found = []
    for name in order:
        where = [i for i, p in enumerate(points) if name in p.caps.spec_types]
        item = TypeHistory(name, points[where[0]].label, points[where[-1]].label)
        if where[0] > 0:
            item.added = _change(points, where[0])
        if where[-1] < len(points) - 1:
            item.gone_after = _change(points, where[-1] + 1)
        found.append(item)
    return found
