"""The helper that makes timeout tests load-proof doubles the timeout until the fake got there."""

from __future__ import annotations

from tests.support.patience import until_reached


def test_doubles_the_timeout_until_reached() -> None:
    tried: list[float] = []
    result = until_reached(lambda t: tried.append(t) or len(tried), lambda n: n == 3, first=1.5)
    assert (result, tried) == (3, [1.5, 3.0, 6.0])


def test_the_last_attempt_is_returned_when_never_reached() -> None:
    tried: list[float] = []
    assert until_reached(lambda t: tried.append(t) or t, lambda _: False, first=1, tries=3) == 4
    assert tried == [1, 2, 4]
