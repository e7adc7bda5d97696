"""Findings as text for people and as ``::error`` annotations for the Actions runner.

Formatting only: nothing here reads files or decides what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier.util.gha import annotation, md_cell, md_code
from verifier.util.neutral import for_terminal as term

from .workflow_rules import RULES, Finding


def format_text(findings: Sequence[Finding], files: Sequence[str]) -> str:
    lines = [f"{term(f.file)}:{f.line}: [{f.rule}] {term(f.message)}" for f in findings]
    checked = f"{len(files)} file{'' if len(files) == 1 else 's'}"
    if findings:
        rules = sorted({f.rule for f in findings})
        lines.append(f"lint-workflows: {len(findings)} finding{'' if len(findings) == 1 else 's'} in {checked} "
                     f"(rules: {', '.join(rules)})")
    else:
        lines.append(f"lint-workflows: {checked} checked, no findings ({', '.join(RULES)})")
    return "\n".join(lines)


def format_annotations(findings: Sequence[Finding]) -> list[str]:
    return [annotation("error", f.message, title=f"lint-workflows {f.rule}", file=f.file, line=f.line)
            for f in findings]


def format_markdown(findings: Sequence[Finding], files: Sequence[str]) -> str:
    if not findings:
        return f"### lint-workflows\n\n{len(files)} files checked, no findings.\n"
    rows = "\n".join(f"| {md_code(f'{f.file}:{f.line}')} | {f.rule} | {md_cell(f.message)} |" for f in findings)
    return f"### lint-workflows\n\n| where | rule | finding |\n|---|---|---|\n{rows}\n"
