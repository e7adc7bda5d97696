"""Find the first build whose outcome is the new end's rather than the old end's (git bisect's terms).

Pure search over an ordered series: the caller supplies ``judge(i)`` (download, verify,
return an :class:`Outcome`). The new end is judged first (its outcome is what "new"
means); the old end is declared old, as git bisect takes its marks, and judged only when
the search ends next to it (its capabilities are needed for the diff). With halving
towards the old end (floor), 1,000 releases take at most 11 judgements.

A point that cannot be judged (no build for this host, a failed download) is skipped, as
``git bisect skip``: the search picks the untried point nearest the middle instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Generic, Sequence, TypeVar

from verifier.capabilities import Capabilities

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """What one build gave: a comparable ``value`` (``pass``/``fail``, ``accepted``/``rejected``), or a skip."""

    value: str | None
    detail: str
    caps: Capabilities | None = None

    @property
    def skipped(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class Step:
    index: int
    outcome: Outcome
    term: str
    """``old``, ``new`` or ``skip``."""


@dataclass
class BisectResult(Generic[T]):
    points: Sequence[T]
    steps: list[Step] = field(default_factory=list)
    last_old: int | None = None
    first_new: int | None = None
    candidates: list[int] = field(default_factory=list)
    """When skipped points hide the answer: every index that could be the first new one."""
    error: str | None = None

    @property
    def found(self) -> bool:
        return self.first_new is not None and self.last_old is not None

    def outcome(self, index: int) -> Outcome | None:
        return next((s.outcome for s in self.steps if s.index == index and not s.outcome.skipped), None)


def _nearest_untried(middle: int, lo: int, hi: int, skipped: set[int]) -> int | None:
    """The index strictly between ``lo`` and ``hi`` nearest ``middle`` (lower first) not yet skipped."""
    for distance in range(hi - lo):
        for i in (middle - distance, middle + distance):
            if lo < i < hi and i not in skipped:
                return i
    return None


def search(points: Sequence[T], judge: Callable[[int], Outcome], describe: Callable[[T], str] = str,
           on_step: Callable[[Step], None] | None = None) -> BisectResult[T]:
    """Bisect ``points`` (oldest first; the first is old, the last is new)."""
    result: BisectResult[T] = BisectResult(points)
    if len(points) < 2:
        result.error = "the range holds fewer than two builds"
        return result

    def run(index: int, term: Callable[[Outcome], str]) -> Outcome:
        outcome = judge(index)
        step = Step(index, outcome, "skip" if outcome.skipped else term(outcome))
        result.steps.append(step)
        if on_step is not None:
            on_step(step)
        return outcome

    last = len(points) - 1
    new = run(last, lambda o: "new")
    if new.skipped:
        result.error = f"the new end {describe(points[last])} cannot be judged: {new.detail}"
        return result

    def term(o: Outcome) -> str:
        return "new" if o.value == new.value else "old"

    lo, hi = 0, last
    skipped: set[int] = set()
    while hi - lo > 1:
        mid = _nearest_untried((lo + hi) // 2, lo, hi, skipped)
        if mid is None:
            result.candidates = [*sorted(i for i in skipped if lo < i < hi), hi]
            result.error = ("skipped builds hide the change: the first new one is one of "
                            + ", ".join(describe(points[i]) for i in result.candidates))
            return result
        outcome = run(mid, term)
        if outcome.skipped:
            skipped.add(mid)
        elif outcome.value == new.value:
            hi = mid
        else:
            lo = mid
    if lo == 0:
        old = run(0, term)
        if old.skipped:
            result.error = f"the old end {describe(points[0])} cannot be judged: {old.detail}"
            return result
        if old.value == new.value:
            result.error = (f"{describe(points[0])} already gives the new end's outcome ({old.detail}): "
                            "nothing changed in this range")
            return result
    result.last_old, result.first_new = lo, hi
    return result
