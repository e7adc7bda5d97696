"""Tests of what happens at a timeout, made independent of how loaded the machine is.

Such a test needs the fake to have reached a point (started a descendant, opened its port)
before the timeout ends it, and a loaded machine can start a fake later than any fixed
figure. :func:`until_reached` runs the attempt again with twice the timeout until the fake got
there; the test then asserts what happened after, never how fast it was.
"""

from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")


def until_reached(attempt: Callable[[float], T], reached: Callable[[T], bool], first: float,
                  tries: int = 5) -> T:
    """``attempt(timeout)`` with ``first``, ``2 * first``, ... until ``reached(result)``; the last result."""
    timeout = first
    for _ in range(tries - 1):
        result = attempt(timeout)
        if reached(result):
            return result
        timeout *= 2
    return attempt(timeout)
