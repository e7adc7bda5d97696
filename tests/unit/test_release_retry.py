"""Backoff, Retry-After and rate-limit reset handling, with an injected sleep (nothing patched)."""

from __future__ import annotations

from email.utils import formatdate

import pytest

from verifier.release.retry import (
    RetriesExhausted,
    RetryPolicy,
    Transient,
    call_with_retries,
    classify_status,
    server_delay,
)

NOW = 1_800_000_000.0


def test_retry_after_seconds_wins() -> None:
    assert server_delay({"Retry-After": "7", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(NOW + 100)},
                        now=NOW) == 7.0


def test_retry_after_http_date() -> None:
    when = formatdate(NOW + 10, usegmt=True)
    assert server_delay({"retry-after": when}, now=NOW) == 10.0


def test_reset_header_when_the_limit_is_exhausted() -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 30)}
    assert server_delay(headers, now=NOW) == 31.0
    assert server_delay({"X-RateLimit-Remaining": "10", "X-RateLimit-Reset": str(int(NOW) + 30)}, now=NOW) is None


@pytest.mark.parametrize("status, headers, message, retry", [
    (500, {}, "", True),
    (503, {"Retry-After": "2"}, "", True),
    (429, {}, "", True),
    (403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"}, "", True),
    (403, {"Retry-After": "60"}, "You have exceeded a secondary rate limit", True),
    (403, {}, "API rate limit exceeded", True),
    (403, {}, "Resource not accessible by integration", False),
    (404, {}, "Not Found", False),
    (401, {}, "Bad credentials", False),
])
def test_classify_status(status: int, headers: dict[str, str], message: str, retry: bool) -> None:
    assert (classify_status(status, headers, message, now=NOW) is not None) == retry


class Flaky:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def classify(exc: BaseException) -> Transient | None:
    if isinstance(exc, TimeoutError):
        return Transient("timed out")
    if isinstance(exc, ConnectionResetError):
        return Transient("rate limited", delay=5.0)
    return None


def test_retries_then_succeeds_with_the_servers_delay() -> None:
    slept: list[float] = []
    fn = Flaky([ConnectionResetError(), TimeoutError()])
    assert call_with_retries(fn, classify, RetryPolicy(base_delay=0.5), what="x", sleep=slept.append) == "ok"
    assert fn.calls == 3
    assert slept[0] == 5.0 and 0.25 <= slept[1] <= 1.0  # Retry-After as given, then jittered backoff


def test_permanent_errors_are_not_retried() -> None:
    fn = Flaky([ValueError("no")])
    with pytest.raises(ValueError):
        call_with_retries(fn, classify, RetryPolicy(), what="x", sleep=lambda s: None)
    assert fn.calls == 1


def test_gives_up_after_max_attempts() -> None:
    fn = Flaky([TimeoutError()] * 10)
    with pytest.raises(RetriesExhausted, match=r"^x: gave up after 3 attempts; last: timed out$"):
        call_with_retries(fn, classify, RetryPolicy(max_attempts=3), what="x", sleep=lambda s: None)
    assert fn.calls == 3


def test_gives_up_at_once_when_the_wait_would_exceed_the_limit() -> None:
    slept: list[float] = []
    fn = Flaky([ConnectionResetError()] * 10)
    with pytest.raises(RetriesExhausted, match=r"^x: rate limited; gave up after 2 attempts: waiting 5s more would pass the 8s limit of --retry-wait$"):
        call_with_retries(fn, classify, RetryPolicy(max_total_wait=8), what="x", sleep=slept.append)
    assert slept == [5.0]  # the second 5 s wait would make 10 > 8: no pointless sleep
