"""Exit codes and the one exception type that carries a user-facing message."""

from __future__ import annotations

EXIT_OK = 0
"""Every check passed."""
EXIT_FAILED = 1
"""A check failed (or, for ``diff``, B lost something A's checks relied on)."""
EXIT_ERROR = 2
"""Could not verify: bad input, a binary that would not run, a download that failed."""
EXIT_INTERRUPTED = 130


class VerifierError(Exception):
    """An expected failure, reported as one line on stderr with exit code 2."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingExtra(VerifierError):
    """A feature whose optional dependencies are not installed: says which extra to install."""

    def __init__(self, extra: str, feature: str) -> None:
        super().__init__(f"{feature} needs the optional '{extra}' dependencies: "
                         f"pip install 'llama-server-verifier[{extra}]'")
        self.extra = extra
