"""The bisect search: git bisect's old/new terms, the judgement bound, skips."""

from __future__ import annotations

from verifier.oracle.bisect import Outcome, search


def judged(first_new: int, skip: set[int] = frozenset(), values: tuple[str, str] = ("fail", "pass")):
    calls: list[int] = []

    def judge(i: int) -> Outcome:
        calls.append(i)
        if i in skip:
            return Outcome(None, "no build for this host")
        return Outcome(values[1] if i >= first_new else values[0], f"build {i}")

    return judge, calls


def test_1000_points_take_at_most_11_judgements_wherever_the_change_is() -> None:
    worst = 0
    for k in range(1, 1000):
        judge, calls = judged(k)
        result = search(range(1000), judge)
        assert (result.last_old, result.first_new) == (k - 1, k)
        assert len(calls) == len(set(calls))  # nothing judged twice
        worst = max(worst, len(calls))
    assert worst == 11


def test_a_first_fix_is_found_like_a_first_break() -> None:
    judge, _ = judged(321, values=("pass", "fail"))
    assert search(range(1000), judge).first_new == 321


def test_skips_are_stepped_around() -> None:
    judge, calls = judged(600, skip={499, 500, 501, 250})
    result = search(range(1000), judge)
    assert result.first_new == 600 and 499 in calls
    assert [s.term for s in result.steps if s.index == 499] == ["skip"]


def test_skips_that_hide_the_answer_list_the_candidates() -> None:
    judge, _ = judged(600, skip=set(range(590, 610)))
    result = search(range(1000), judge)
    assert not result.found and result.candidates == list(range(590, 611))
    assert result.error is not None and result.error.startswith("skipped builds hide the change")


def test_nothing_changed_and_unjudgeable_ends() -> None:
    judge, _ = judged(0)
    assert "nothing changed in this range" in (search(range(10), judge).error or "")
    judge, _ = judged(5, skip={9})
    assert (search(range(10), judge).error or "").startswith("the new end 9 cannot be judged")
    judge, _ = judged(1, skip={0})
    assert (search(range(10), judge).error or "").startswith("the old end 0 cannot be judged")
    assert search([1], judged(1)[0]).error == "the range holds fewer than two builds"


def test_a_progress_line_names_the_outcome_once() -> None:
    from verifier.oracle.bisect import Step
    from verifier.oracle.present import sdist_label, step_line

    points = [11434, 10405]
    rejected = Step(0, Outcome("rejected", "rejected: --mlock -> error: invalid argument: --mlock"), "new")
    passed = Step(1, Outcome("pass", "lists draft-mtp"), "old")
    assert step_line(rejected, points, sdist_label) == (
        "b11434: new (rejected: --mlock -> error: invalid argument: --mlock)")
    assert step_line(passed, points, sdist_label) == "b10405: old (pass: lists draft-mtp)"
