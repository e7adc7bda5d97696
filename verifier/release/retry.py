"""Bounded retries with backoff that honour GitHub's ``Retry-After`` and rate-limit reset headers.

Shared by the API calls and the downloads so both give up the same way: after a number of
attempts, or as soon as the next wait would push the total waited past a limit (a rate
limit that resets in an hour is reported at once rather than slept on).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping, TypeVar

from verifier.errors import VerifierError
from verifier.release.options import DEFAULT_MAX_WAIT

T = TypeVar("T")



@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    max_total_wait: float = DEFAULT_MAX_WAIT
    """Seconds of sleeping allowed across all retries of one operation."""
    base_delay: float = 1.0
    max_delay: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter (so parallel downloads do not retry in lockstep)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling * random.uniform(0.5, 1.0)


@dataclass(frozen=True)
class Transient:
    """A failure worth retrying, and how long the server asked us to wait (None: back off)."""

    describe: str
    delay: float | None = None


class RetriesExhausted(VerifierError):
    """Gave up: too many attempts, or the next wait would exceed the limit."""


def _header(headers: Mapping[str, object] | None, name: str) -> str | None:
    if not headers:
        return None
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return str(value)
    return None


def server_delay(headers: Mapping[str, object] | None, *, now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: ``Retry-After``, else an exhausted limit's reset time."""
    now = time.time() if now is None else now
    retry_after = _header(headers, "Retry-After")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            try:
                return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
            except (TypeError, ValueError, IndexError):
                pass
    if _header(headers, "X-RateLimit-Remaining") == "0":
        reset = _header(headers, "X-RateLimit-Reset")
        try:
            return max(0.0, float(reset) - now) + 1.0 if reset else None  # +1: the reset second itself
        except ValueError:
            return None
    return None


def is_rate_limited(status: int, headers: Mapping[str, object] | None, message: str = "") -> bool:
    """GitHub answers an exhausted primary or secondary rate limit with 403 or 429."""
    if status == 429:
        return True
    if status != 403:
        return False
    return (_header(headers, "X-RateLimit-Remaining") == "0" or _header(headers, "Retry-After") is not None
            or "rate limit" in message.lower())


def classify_status(status: int, headers: Mapping[str, object] | None, message: str = "",
                    *, now: float | None = None) -> Transient | None:
    """A retryable HTTP answer (5xx, 429, a rate-limited 403), or None."""
    if status >= 500:
        return Transient(f"HTTP {status}" + (f" ({message})" if message else ""), server_delay(headers, now=now))
    if is_rate_limited(status, headers, message):
        return Transient(f"rate limited (HTTP {status})", server_delay(headers, now=now))
    return None


def call_with_retries(fn: Callable[[], T], classify: Callable[[BaseException], Transient | None],
                      policy: RetryPolicy, *, what: str, sleep: Callable[[float], None] = time.sleep) -> T:
    """Call ``fn`` until it succeeds, ``classify`` says an error is permanent, or the policy gives up.

    Permanent errors propagate unchanged; giving up raises :class:`RetriesExhausted` naming
    ``what`` and the last failure.
    """
    waited = 0.0
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except Exception as exc:  # classify decides; what it does not know is re-raised
            transient = classify(exc)
            if transient is None:
                raise
        if attempt >= policy.max_attempts:
            raise RetriesExhausted(f"{what}: gave up after {attempt} attempts; last: {transient.describe}")
        delay = transient.delay if transient.delay is not None else policy.backoff(attempt)
        if waited + delay > policy.max_total_wait:
            raise RetriesExhausted(
                f"{what}: {transient.describe}; gave up after {attempt} attempt{'s' if attempt > 1 else ''}: "
                f"waiting {delay:.0f}s more would pass the {policy.max_total_wait:g}s limit of --retry-wait"
            )
        sleep(delay)
        waited += delay
