"""Where a finished report goes, and the one guard every command line runs inside.

Every command line of the project (``python -m verifier``, its ``--release`` mode, ``python -m ci``)
hands its report here, so no package has to import a CLI module to print. :func:`guarded` is
the structural rule for hostile input: whatever happens inside a command, the user sees one
line on stderr and a documented exit code, never a traceback, and every stream is neutralised
(:mod:`verifier.util.streams`).
"""

from __future__ import annotations

import os
import sys
from typing import Callable

from verifier.errors import EXIT_ERROR, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, VerifierError
from verifier.report import Report
from verifier.util import gha, interrupt, secrets, streams

DEBUG_VARIABLE = "LLAMA_SERVER_VERIFIER_DEBUG"
"""Set to 1 to let an unexpected exception show its traceback (for developers)."""


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
            streams.command(line, stream=stream)
    return exit_code(report)


def _json_error(message: str) -> None:
    """With ``--json`` stdout always holds a JSON document, also when there is no report."""
    from verifier.util.neutral import json_text

    print(json_text({"ok": False, "error": message}))


def _silence_stdout() -> None:
    """stdout's reader went away (``| head``): later writes and the final flush go nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno() if sys.__stdout__ else 1)
    except (OSError, ValueError, AttributeError):
        pass


def guarded(call: Callable[[], int], *, as_json: bool = False) -> int:
    """Run a command inside the guard; any failure becomes one line on stderr and its exit code.

    ``VerifierError`` carries its own message and code; Ctrl-C stops every child and exits
    130; a closed stdout, a full disk or anything unexpected is one line and exit 2.
    ``as_json``: also print ``{"ok": false, "error": ...}`` on stdout when no report was printed.
    """
    interrupt.command_started()
    secrets.protect_process()
    restore_signals = interrupt.install_handler()
    restore_streams = streams.install(runner=gha.in_actions())
    try:
        return call()
    except VerifierError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if as_json:
            _json_error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        interrupt.cancel()
        print("error: interrupted", file=sys.stderr)
        if as_json:
            _json_error("interrupted")
        return EXIT_INTERRUPTED
    except SystemExit as exc:  # argparse: --help/--version exit 0, bad arguments exit 2 (message on stderr)
        if as_json and exc.code not in (0, None):
            _json_error("bad arguments (see stderr)")
        raise
    except BrokenPipeError:
        _silence_stdout()
        print("error: the output was closed before the report was written", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        # The environment refused something (a path too long, a full disk, no permission): one line, exit 2.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or type(exc).__name__}", file=sys.stderr)
        if as_json:
            _json_error(f"{where}{exc.strerror or type(exc).__name__}")
        return EXIT_ERROR
    except (RecursionError, MemoryError) as exc:
        print(f"error: input too large or too deeply nested ({type(exc).__name__})", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the structural guard: never a traceback
        if os.environ.get(DEBUG_VARIABLE) == "1":
            raise
        detail = str(exc).splitlines()[0][:300] if str(exc) else ""
        print(f"error: unexpected {type(exc).__name__}" + (f": {detail}" if detail else "")
              + f" (set {DEBUG_VARIABLE}=1 for a traceback)", file=sys.stderr)
        if as_json:
            _json_error(f"unexpected {type(exc).__name__}")
        return EXIT_ERROR
    finally:
        try:
            restore_streams()
        except BrokenPipeError:
            _silence_stdout()
        restore_signals()
        interrupt.command_ended()
