"""Format a bisect result as text or JSON. Formatting only."""

from __future__ import annotations

from typing import Callable, Sequence

from verifier.drift import diff, format_drift
from verifier.oracle.bisect import BisectResult, Step
from verifier.oracle.releases import Judge


def release_label(release: object) -> str:
    return str(release.tag)  # type: ignore[attr-defined]


def sdist_label(number: object) -> str:
    return f"b{number}"


def step_line(step: Step, points: Sequence[object], label: Callable[[object], str]) -> str:
    """One progress line, as the step is judged: ``b9246: new (pass: ...)`` or ``skip b9131: why``."""
    name = label(points[step.index])
    if step.term == "skip":
        return f"skip {name}: {step.outcome.detail}"
    value, detail = step.outcome.value, step.outcome.detail
    said = detail if detail.startswith(f"{value}:") else f"{value}: {detail}"  # accepts' details name it
    return f"{name}: {step.term} ({said})"


def bisect_text(result: BisectResult[object], label: Callable[[object], str], judge: Judge) -> str:
    points = result.points
    lines = [f"bisect {label(points[0])}..{label(points[-1])} ({len(points)} builds), outcome: {judge.what}"]
    lines += [f"  {step_line(s, points, label)}" for s in result.steps]
    judged = sum(1 for s in result.steps if s.term != "skip")
    lines.append(f"{judged} builds judged, {len(result.steps) - judged} skipped")
    if not result.found:
        return "\n".join(lines)
    assert result.last_old is not None and result.first_new is not None
    old, new = label(points[result.last_old]), label(points[result.first_new])
    lines.append(f"first new: {new} (the last old: {old})")
    a, b = result.outcome(result.last_old), result.outcome(result.first_new)
    if a is not None and b is not None and a.caps is not None and b.caps is not None:
        lines.append(format_drift(diff(a.caps, b.caps), old, new))
    return "\n".join(lines)


def bisect_dict(result: BisectResult[object], label: Callable[[object], str], judge: Judge) -> dict[str, object]:
    points = result.points
    data: dict[str, object] = {
        "range": [label(points[0]), label(points[-1])] if points else [], "builds": len(points),
        "outcome": judge.what, "ok": result.found, "error": result.error,
        "steps": [{"build": label(points[s.index]), "term": s.term, "value": s.outcome.value,
                   "detail": s.outcome.detail} for s in result.steps],
        "last_old": label(points[result.last_old]) if result.last_old is not None else None,
        "first_new": label(points[result.first_new]) if result.first_new is not None else None,
        "candidates": [label(points[i]) for i in result.candidates],
    }
    if result.found:
        a, b = result.outcome(result.last_old), result.outcome(result.first_new)  # type: ignore[arg-type]
        if a is not None and b is not None and a.caps is not None and b.caps is not None:
            data["diff"] = diff(a.caps, b.caps).to_dict()
    return data
