"""``python -m ci junit-collate DIR``: fail when a test was skipped on every runner.

A test skipped on one OS is usually deliberate; skipped on all of them it is a test that
never runs, which a green matrix hides. Each JUnit XML file under DIR is one matrix cell
(``actions/download-artifact`` puts each artifact in its own folder). Reading, collating
and formatting are separate functions; only the CLI prints.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from verifier.util.files import FileRefused, read_regular
from verifier.util.gha import annotation, md_cell, md_code
from verifier.util.neutral import for_terminal as term

from .errors import CiError

OUTCOMES = ("passed", "failed", "error", "skipped", "xfail")
MAX_XML_BYTES = 64 << 20
"""A JUnit file larger than this is refused (a suite of thousands of tests writes a few MB)."""


@dataclass(frozen=True)
class CellReport:
    """The outcome of every test case in one runner's JUnit file."""

    name: str
    outcomes: dict[str, str] = field(repr=False)
    skip_reasons: dict[str, str] = field(repr=False, default_factory=dict)

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)


@dataclass(frozen=True)
class Collation:
    cells: tuple[CellReport, ...]
    skipped_everywhere: tuple[tuple[str, str], ...]
    """(test id, a skip reason) for tests skipped in every cell that ran them."""


def _outcome(case: ET.Element) -> tuple[str, str]:
    for child in case:
        if child.tag == "skipped":
            kind = "xfail" if child.get("type") == "pytest.xfail" else "skipped"
            return kind, child.get("message") or ""
        if child.tag == "failure":
            return "failed", ""
        if child.tag == "error":
            return "error", ""
    return "passed", ""


def _rank(outcome: str) -> int:
    """When one id appears twice in a file, a real outcome beats a skip."""
    return {"skipped": 0, "xfail": 1, "passed": 2, "failed": 3, "error": 3}[outcome]


def read_cell(path: Path, name: str) -> CellReport:
    try:
        root = ET.fromstring(read_regular(path, MAX_XML_BYTES))
    except FileRefused as exc:
        raise CiError(f"{path}: {exc}; not a JUnit XML file") from None
    except ET.ParseError as exc:
        raise CiError(f"{path}: not JUnit XML: {exc}") from None
    except OSError as exc:
        raise CiError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if root.tag not in ("testsuites", "testsuite"):
        raise CiError(f"{path}: not JUnit XML (root element <{root.tag}>)")
    outcomes: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for case in root.iter("testcase"):
        test_id = f"{case.get('classname', '')}::{case.get('name', '')}"
        outcome, reason = _outcome(case)
        if test_id not in outcomes or _rank(outcome) > _rank(outcomes[test_id]):
            outcomes[test_id] = outcome
            if outcome == "skipped":
                reasons[test_id] = reason
    return CellReport(name, outcomes, reasons)


def read_cells(directory: Path) -> list[CellReport]:
    """One cell per ``*.xml`` file under ``directory``, named by its folder (or its stem at the top)."""
    if not directory.is_dir():
        raise CiError(f"{directory}: no such directory")
    files = sorted(p for p in directory.rglob("*.xml") if not p.is_dir())
    if not files:
        raise CiError(f"{directory}: no JUnit XML files in it (did every test job fail before pytest ran?)")
    cells = []
    for path in files:
        relative = path.relative_to(directory)
        shares_folder = sum(1 for f in files if f.parent == path.parent) > 1
        top_level = relative.parent == Path(".")
        name = relative.with_suffix("").as_posix() if top_level or shares_folder else relative.parent.as_posix()
        cells.append(read_cell(path, name))
    return cells


def collate(cells: Sequence[CellReport]) -> Collation:
    seen: dict[str, list[str]] = {}
    for cell in cells:
        for test_id, outcome in cell.outcomes.items():
            seen.setdefault(test_id, []).append(outcome)
    everywhere = []
    for test_id in sorted(seen):
        if all(o == "skipped" for o in seen[test_id]):
            reason = next((c.skip_reasons.get(test_id, "") for c in cells if test_id in c.skip_reasons), "")
            everywhere.append((test_id, reason))
    return Collation(tuple(cells), tuple(everywhere))


def format_text(result: Collation) -> str:
    lines = []
    for cell in result.cells:
        counts = ", ".join(f"{cell.count(o)} {o}" for o in OUTCOMES if cell.count(o))
        lines.append(f"{term(cell.name)}: {len(cell.outcomes)} tests ({counts or 'none'})")
    for test_id, reason in result.skipped_everywhere:
        lines.append(f"SKIPPED EVERYWHERE  {term(test_id)}" + (f"  ({term(reason)})" if reason else ""))
    n = len(result.skipped_everywhere)
    runners = f"{len(result.cells)} runner{'' if len(result.cells) == 1 else 's'}"
    verdict = f"{n} test{'' if n == 1 else 's'} skipped on every runner" if n else "no test skipped on every runner"
    lines.append(f"junit-collate: {runners}, {verdict}")
    return "\n".join(lines)


def format_annotations(result: Collation) -> list[str]:
    return [annotation("error", f"{test_id} was skipped on every runner" + (f": {reason}" if reason else ""),
                       title="skipped on every runner") for test_id, reason in result.skipped_everywhere]


def format_markdown(result: Collation) -> str:
    head = "| runner | tests | " + " | ".join(OUTCOMES) + " |\n|---|---|" + "---|" * len(OUTCOMES) + "\n"
    rows = "".join(f"| {md_cell(c.name)} | {len(c.outcomes)} | " + " | ".join(str(c.count(o)) for o in OUTCOMES)
                   + " |\n" for c in result.cells)
    skipped = "".join(f"- {md_code(t)}{': ' + md_cell(r) if r else ''}\n" for t, r in result.skipped_everywhere)
    tail = f"\n**Skipped on every runner:**\n\n{skipped}" if skipped else "\nNo test was skipped on every runner.\n"
    return f"### Test results by runner\n\n{head}{rows}{tail}"
