"""What changed between two binaries' help: the flag churn a maintainer must react to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from verifier.capabilities import Capabilities
from verifier.checks import DEFAULT_CHECKS, CheckResult, run_checks
from verifier.helptext import HelpEntry
from verifier.util.neutral import for_terminal as term


@dataclass(frozen=True)
class DefaultChange:
    flag: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class DescriptionChange:
    """The wording of a real argument changed (its default aside)."""

    flag: str
    old: str
    new: str


def same_default(old: str | None, new: str | None) -> bool:
    """Equal as numbers when both are numbers (``1.00`` is ``1.0``), else as text."""
    if old is None or new is None:
        return old is new
    try:
        return float(old) == float(new)
    except ValueError:
        return old.strip().casefold() == new.strip().casefold()


@dataclass
class Drift:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    stubbed: list[str] = field(default_factory=list)
    """Real in A, a removed-argument stub in B."""
    restored: list[str] = field(default_factory=list)
    """A stub in A, real in B."""
    types_added: list[str] = field(default_factory=list)
    types_removed: list[str] = field(default_factory=list)
    defaults_changed: list[DefaultChange] = field(default_factory=list)
    """Only when the default's value changed (``64, 0 = disabled`` and ``64`` are the same default)."""
    descriptions_changed: list[DescriptionChange] = field(default_factory=list)
    """Wording changes; not part of :attr:`empty`, shown only when asked for."""
    regressions: list[tuple[CheckResult, CheckResult]] = field(default_factory=list)
    """(A's passing result, B's failing result) for each check B lost."""

    @property
    def lost_required(self) -> bool:
        return bool(self.regressions)

    @property
    def empty(self) -> bool:
        return not any((self.added, self.removed, self.stubbed, self.restored, self.types_added,
                        self.types_removed, self.defaults_changed, self.regressions))

    def to_dict(self, *, descriptions: bool = False) -> dict[str, object]:
        data: dict[str, object] = {
            "ok": not self.lost_required,
            "added": self.added,
            "removed": self.removed,
            "stubbed": self.stubbed,
            "restored": self.restored,
            "spec_types_added": self.types_added,
            "spec_types_removed": self.types_removed,
            "defaults_changed": [{"flag": d.flag, "old": d.old, "new": d.new} for d in self.defaults_changed],
            "regressions": [{"id": b.id, "before": a.detail, "after": b.detail} for a, b in self.regressions],
        }
        if descriptions:
            data["descriptions_changed"] = [{"flag": d.flag, "old": d.old, "new": d.new}
                                            for d in self.descriptions_changed]
        return data


def _label(entry: HelpEntry) -> str:
    return ", ".join(entry.names)


def _match(entry: HelpEntry, other: Capabilities) -> HelpEntry | None:
    for name in entry.names:
        found = other.entry(name)
        if found is not None:
            return found
    return None


def diff(a: Capabilities, b: Capabilities, checks: Iterable[str] = DEFAULT_CHECKS) -> Drift:
    drift = Drift()
    for old in a.entries:
        new = _match(old, b)
        if new is None:
            if not old.removed:
                drift.removed.append(_label(old))
        elif not old.removed and new.removed:
            drift.stubbed.append(_label(old))
        elif old.removed and not new.removed:
            drift.restored.append(_label(new))
        elif not old.removed:
            if not same_default(old.default_value, new.default_value):
                drift.defaults_changed.append(DefaultChange(_label(new), old.default_value, new.default_value))
            if old.wording != new.wording:
                drift.descriptions_changed.append(DescriptionChange(_label(new), old.wording, new.wording))
    drift.added = [_label(e) for e in b.entries if not e.removed and _match(e, a) is None]
    drift.types_added = [t for t in b.spec_types if t not in a.spec_types]
    drift.types_removed = [t for t in a.spec_types if t not in b.spec_types]
    ids = tuple(checks)
    drift.regressions = [(ra, rb) for ra, rb in zip(run_checks(a, ids), run_checks(b, ids)) if ra.ok and not rb.ok]
    return drift


def format_drift(drift: Drift, a_name: str, b_name: str, *, descriptions: bool = False) -> str:
    lines = [f"{term(a_name)} -> {term(b_name)}"]
    groups = [("added", drift.added), ("removed", drift.removed), ("now a removed-argument stub", drift.stubbed),
              ("restored from a stub", drift.restored), ("spec types added", drift.types_added),
              ("spec types removed", drift.types_removed)]
    for title, items in groups:
        if items:
            lines.append(f"  {title} ({len(items)}):")
            lines.extend(f"    {term(item)}" for item in items)
    if drift.defaults_changed:
        lines.append(f"  defaults changed ({len(drift.defaults_changed)}):")
        lines.extend(f"    {term(d.flag)}: {term(str(d.old))} -> {term(str(d.new))}" for d in drift.defaults_changed)
    if descriptions and drift.descriptions_changed:
        lines.append(f"  descriptions changed ({len(drift.descriptions_changed)}):")
        for d in drift.descriptions_changed:
            lines.extend((f"    {term(d.flag)}:", f"      - {term(str(d.old))}", f"      + {term(str(d.new))}"))
    elif drift.descriptions_changed:
        lines.append(f"  descriptions reworded: {len(drift.descriptions_changed)} (--descriptions shows them)")
    if drift.regressions:
        lines.append("  checks lost:")
        lines.extend(f"    {rb.id}: {term(rb.detail)}" for _, rb in drift.regressions)
    if drift.empty:
        lines.append("  no changes" + (" to arguments, types or defaults" if drift.descriptions_changed else ""))
    lines.append("verdict: " + ("FAIL, B lost what A's checks relied on" if drift.lost_required else "OK"))
    return "\n".join(lines)
