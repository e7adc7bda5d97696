"""Exit codes of ``python -m ci`` and the one exception that carries a user-facing line."""

from __future__ import annotations

EXIT_OK = 0
"""Nothing to report (lint: no findings; pr-matrix: matrix written, even when empty)."""
EXIT_FINDINGS = 1
"""lint-workflows found a rule broken; junit-collate found a test skipped on every runner."""
EXIT_BAD_INPUT = 2
"""Bad input or an unreachable API: one line on stderr, never a traceback."""
EXIT_INTERRUPTED = 130


class CiError(Exception):
    """An expected failure, reported as ``error: <message>`` with exit code 2."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
