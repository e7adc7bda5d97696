"""Format a :class:`~verifier.oracle.history.History` as text, markdown or JSON. Formatting only."""

from __future__ import annotations

from typing import Callable

from verifier.oracle.history import ArgumentHistory, Change, History, TypeHistory
from verifier.util.gha import md_cell
from verifier.util.neutral import json_text

LEGEND = ("`a..b`: not so in build a, so in build b: the change landed after a, by b "
          "(the builds of the set only bracket it). `≤a`: already so in the set's first build.")


def _first(item: ArgumentHistory | TypeHistory, history: History) -> str:
    return item.added.bracket() if item.added else f"≤{history.builds[0].label}"


def _last(item: ArgumentHistory | TypeHistory) -> str:
    return f"{item.last_seen} (gone {item.gone_after.bracket()})" if item.gone_after else item.last_seen


def _aliases(item: ArgumentHistory) -> str:
    parts = [f"+{n} {c.bracket()}" for c, n in item.aliases_gained]
    parts += [f"-{n} {c.bracket()}" for c, n in item.aliases_lost]
    return "; ".join(parts)


def _defaults(changes: list[Change], escape: Callable[[str], str] = str) -> str:
    """``old -> new bracket``; ``escape`` neutralises the values (they come from the help), not the arrow."""
    return "; ".join(f"{escape(str(c.old))} -> {escape(str(c.new))} {c.bracket()}" for c in changes)


def _rows(history: History, everything: bool) -> list[ArgumentHistory]:
    return [a for a in history.arguments if everything or a.changed]


def _header(history: History) -> str:
    return "builds: " + ", ".join(b.label for b in history.builds)


def format_text(history: History, *, everything: bool = False) -> str:
    lines = [_header(history), "", "spec types:"]
    for t in history.spec_types:
        lines.append(f"  {t.name:<16} first {_first(t, history):<16} last {_last(t)}")
    rows = _rows(history, everything)
    lines += ["", f"arguments ({len(rows)} of {len(history.arguments)}"
              + (")" if everything else " changed within the set; --all for every one)") + ":"]
    for a in rows:
        lines.append(f"  {', '.join(a.names)}")
        facts = [f"first {_first(a, history)}", f"last {_last(a)}"]
        if a.stub_since:
            facts.append(f"stub {a.stub_since.bracket()}")
        if a.aliases_gained or a.aliases_lost:
            facts.append(f"aliases {_aliases(a)}")
        if a.defaults:
            facts.append(f"default {_defaults(a.defaults)}")
        lines.append("      " + "; ".join(facts))
    lines += ["", LEGEND.replace("`", "")]
    return "\n".join(lines)


def format_markdown(history: History, *, everything: bool = False) -> str:
    out = [f"Builds: {', '.join(f'`{b.label}`' for b in history.builds)}.", "", LEGEND, "",
           "### Speculative types (`--spec-type`)", "", "| type | first seen | last seen |", "|---|---|---|"]
    out += [f"| `{md_cell(t.name)}` | {_first(t, history)} | {_last(t)} |" for t in history.spec_types]
    rows = _rows(history, everything)
    out += ["", f"### Arguments ({len(rows)} of {len(history.arguments)}"
            + ("" if everything else " that changed within the set") + ")", "",
            "| argument | first seen | last seen | stub since | aliases | default |", "|---|---|---|---|---|---|"]
    for a in rows:
        names = ", ".join(f"`{md_cell(n)}`" for n in a.names)
        out.append(f"| {names} | {_first(a, history)} | {md_cell(_last(a))} | "
                   f"{a.stub_since.bracket() if a.stub_since else ''} | {md_cell(_aliases(a))} | "
                   f"{_defaults(a.defaults, md_cell)} |")
    return "\n".join(out) + "\n"


def format_json(history: History) -> str:
    return json_text(history.to_dict())
