"""argparse value types that refuse nonsense (``--timeout -1``, ``nan``, an empty path), in one line."""

from __future__ import annotations

import argparse
import math
from typing import Callable, NoReturn

from verifier.util.paths import UserPath, user_path


class OneLineParser(argparse.ArgumentParser):
    """A parser whose usage errors are one line on stderr (exit 2), pointing at ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number: {text!r}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0 (seconds to wait, a model size)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0: {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
    return value


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high`` (no upper bound when None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bound}: {text!r}")
        return value

    parse.__name__ = "whole number"
    return parse


def binary_path(text: str) -> UserPath:
    """A binary's path (anchored like every user path); an empty one is what ``$(a command that failed)`` gives."""
    if not text.strip():
        raise argparse.ArgumentTypeError("no binary given (an empty path: did the command that prints it fail?)")
    return user_path(text)
