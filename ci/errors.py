"""Exit codes of ``python -m ci``: the verifier's own, under the names the ci commands use."""

from __future__ import annotations

from verifier.errors import EXIT_ERROR, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, VerifierError

EXIT_FINDINGS = EXIT_FAILED
"""lint-workflows found a rule broken; junit-collate found a test skipped on every runner."""
EXIT_BAD_INPUT = EXIT_ERROR
"""Bad input or an unreachable API: one line on stderr, never a traceback."""


class CiError(VerifierError):
    """An expected failure of a ci command, reported as ``error: <message>`` with exit code 2."""


__all__ = ["EXIT_BAD_INPUT", "EXIT_FINDINGS", "EXIT_INTERRUPTED", "EXIT_OK", "CiError"]
