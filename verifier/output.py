"""Where a finished report goes: stdout, and inside GitHub Actions the step summary and annotations.

Every command line of the project (``python -m verifier``, its ``--release`` mode, ``python -m ci``)
hands its report here, so no package has to import a CLI module to print.
"""

from __future__ import annotations

import json
import sys
from typing import Callable

from verifier.errors import EXIT_ERROR, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, VerifierError
from verifier.report import Report
from verifier.util import gha


def exit_code(report: Report) -> int:
    if report.errors or not report.binaries:
        return EXIT_ERROR
    return EXIT_OK if report.ok else EXIT_FAILED


def emit(report: Report, *, as_json: bool, heading: str = "llama-server verifier") -> int:
    """Print the report (and, in Actions, the step summary and annotations); return the exit code."""
    from verifier import reporters

    for b in report.errors:
        print(f"error: {b.error}", file=sys.stderr)
    print(reporters.format_json(report) if as_json else reporters.format_text(report))
    if gha.in_actions():
        gha.append_step_summary(reporters.format_markdown(report, heading=heading))
        stream = sys.stderr if as_json else sys.stdout
        for line in reporters.format_annotations(report):
            print(line, file=stream)
    return exit_code(report)


def _json_error(message: str) -> None:
    """With ``--json`` stdout always holds a JSON document, also when there is no report."""
    print(json.dumps({"ok": False, "error": message}, indent=2))


def guarded(call: Callable[[], int], *, as_json: bool = False) -> int:
    """Run a command; an expected failure or Ctrl-C becomes one line on stderr and its exit code.

    ``as_json``: also print ``{"ok": false, "error": ...}`` on stdout when no report was printed.
    """
    try:
        return call()
    except VerifierError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if as_json:
            _json_error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        if as_json:
            _json_error("interrupted")
        return EXIT_INTERRUPTED
    except SystemExit as exc:  # argparse: --help/--version exit 0, bad arguments exit 2 (message on stderr)
        if as_json and exc.code not in (0, None):
            _json_error("bad arguments (see stderr)")
        raise
