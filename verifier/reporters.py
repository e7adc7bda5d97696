"""Turn a Report into text, JSON, a markdown step summary, or Actions annotations.

Reporters only format: they neither run checks nor write files.
"""

from __future__ import annotations

from pathlib import PurePath

from verifier.report import BinaryReport, Report
from verifier.util.gha import annotation, md_cell, md_code
from verifier.util.neutral import for_terminal as term, json_text

ANNOTATION_LIMIT = 10
"""The runner shows at most ten annotations of a level per step."""


def _caps_line(b: BinaryReport) -> str | None:
    caps = b.capabilities
    if caps is None:
        return None
    s = caps.summary()
    flags = [f"{k}={v if v is not None else '-'}" for k, v in s.items() if k != "spec_types" and not isinstance(v, bool)]
    flags += [k.replace("supports_", "") for k, v in s.items() if v is True]
    return "capabilities: " + ", ".join(flags)


def _title(b: BinaryReport) -> str:
    caps = b.capabilities
    version = caps.version.text if caps and caps.version else "version unknown"
    return f"{term(b.label)}  ({term(version)})"


def format_text(report: Report) -> str:
    lines: list[str] = []
    for b in report.binaries:
        lines.append(_title(b))
        if b.error is not None:
            lines.append(f"  ERROR  {term(b.error)}")
        width = max((len(c.id) for c in b.checks), default=0)
        for c in b.checks:
            lines.append(f"  {'PASS' if c.ok else 'FAIL'}   {c.id:<{width}}  {term(c.detail)}")
        for r in b.argv_results:
            flags = term(" ".join(r.resolution.argv)) or "(no speculative flags" + (
                f": {r.resolution.warnings[0]})" if r.resolution.warnings else ")")
            lines.append(f"    {r.verdict.outcome:<12} {r.case.name:<30} {flags}")
            if not r.verdict.accepted:
                lines.append(f"    {'':<12} {'':<30} {term(r.verdict.message)}")
        for launched in b.launch_results:
            flags = term(" ".join(launched.argv)) or "(no speculative flags)"
            lines.append(f"    launch {launched.mode:<10} {launched.outcome:<22} {term(launched.detail)}")
            lines.append(f"    {'':<18}{flags}")
            lines.extend(f"    {'':<18}| {term(line)}" for line in launched.evidence[:4])
        caps_line = _caps_line(b)
        if caps_line:
            lines.append(f"  {term(caps_line)}")
        lines.append(f"  verdict: {'PASS' if b.ok else ('ERROR' if b.error else 'FAIL')}")
        lines.append("")
    n = len(report.binaries)
    passed = sum(b.ok for b in report.binaries)
    errors = len(report.errors)
    failed = n - passed - errors
    tail = f"{n} binar{'y' if n == 1 else 'ies'}: {passed} passed, {failed} failed"
    lines.append(tail + (f", {errors} could not be verified" if errors else ""))
    return "\n".join(lines)


def format_json(report: Report) -> str:
    return json_text(report.to_dict())


def format_markdown(report: Report, *, heading: str = "llama-server verifier") -> str:
    """A step-summary table: one row per check, binaries as groups."""
    out = [f"### {heading}: {'✅ passed' if report.ok else '❌ failed'}", "",
           "| binary | version | check | result | detail |", "|---|---|---|---|---|"]
    for b in report.binaries:
        caps = b.capabilities
        version = md_cell(caps.version.text) if caps and caps.version else "?"
        path = f"{md_code(b.label)}"
        if b.error is not None:
            out.append(f"| {path} | {version} | - | ⚠️ error | {md_cell(b.error)} |")
        for c in b.checks:
            out.append(f"| {path} | {version} | `{c.id}` | {'✅' if c.ok else '❌'} | {md_cell(c.detail)} |")
    for b in report.binaries:
        if b.argv_results:
            out += ["", f"#### argv accepted by {md_code(b.label)}", "",
                    "| case | argv | parser |", "|---|---|---|"]
            for r in b.argv_results:
                verdict = "✅ accepted" if r.verdict.accepted else f"❌ {r.verdict.outcome}: {md_cell(r.verdict.message)}"
                out.append(f"| {md_cell(r.case.name)} | {md_code(' '.join(r.resolution.argv))} | {verdict} |")
    for b in report.binaries:
        if b.launch_results:
            out += ["", f"#### launched {md_code(b.label)}", "", "| mode | argv | outcome | evidence |",
                    "|---|---|---|---|"]
            for launched in b.launch_results:
                evidence = "<br>".join(md_cell(line) for line in launched.evidence[:3])
                out.append(f"| {md_cell(launched.mode)} | {md_code(' '.join(launched.argv))} | "
                           f"{'✅' if launched.ok else '❌'} {md_cell(launched.detail)} | {evidence} |")
    return "\n".join(out) + "\n"


def format_annotations(report: Report) -> list[str]:
    """``::error`` lines for failed checks and unverifiable binaries, at most the runner's limit."""
    found: list[str] = []
    for b in report.binaries:
        if b.error is not None:
            found.append(annotation("error", b.error, title=f"cannot verify {PurePath(b.label).name}"))
        for c in b.failed:
            found.append(annotation("error", f"{b.label}: {c.detail}", title=f"{c.id} failed"))
    if len(found) > ANNOTATION_LIMIT:
        extra = len(found) - ANNOTATION_LIMIT + 1
        found = found[: ANNOTATION_LIMIT - 1] + [
            annotation("error", f"{extra} more failures; see the step summary", title="more failures")
        ]
    return found
