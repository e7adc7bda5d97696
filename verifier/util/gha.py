"""GitHub Actions workflow commands and the step summary, escaped as the runner expects."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from verifier.util.neutral import for_markdown, for_terminal_lines, md_code

MAX_SUMMARY_BYTES = 1024 * 1024
"""The runner refuses a step summary file larger than this."""
TRUNCATED_NOTE = "\n\n*(step summary truncated: the runner accepts at most 1 MiB per step)*\n"


def in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _external(text: str) -> str:
    """Text inside a command: controls visible, no legacy ``##[`` command hidden in it."""
    return for_terminal_lines(text).replace("##[", "# #[")


def annotation(level: str, message: str, *, title: str | None = None, file: str | None = None,
               line: int | None = None) -> str:
    """``::error file=F,line=L,title=T::message`` with every part escaped."""
    props = []
    if file is not None:
        props.append(f"file={escape_property(_external(file))}")
    if line is not None:
        props.append(f"line={int(line)}")
    if title is not None:
        props.append(f"title={escape_property(_external(title))}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(_external(message))}"


def md_cell(text: str) -> str:
    """External text safe inside a markdown table cell (see :func:`verifier.util.neutral.for_markdown`)."""
    return for_markdown(text)


__all__ = ["annotation", "append_step_summary", "escape_data", "escape_property", "in_actions", "md_cell", "md_code"]


def append_step_summary(markdown: str) -> bool:
    """Append to ``$GITHUB_STEP_SUMMARY`` if set, keeping the whole file under the runner's 1 MiB.

    A summary that cannot be written is a warning on stderr, never a failure of the command.
    """
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    path = Path(target)
    try:
        used = path.stat().st_size if path.is_file() else 0
        data = markdown.encode("utf-8")
        room = MAX_SUMMARY_BYTES - used
        if len(data) > room:
            note = TRUNCATED_NOTE.encode()
            keep = max(room - len(note), 0)
            data = (data[:keep].decode("utf-8", "ignore").encode() + note) if room >= len(note) else b""
        if not data:
            return False
        with path.open("ab") as f:
            f.write(data)
    except OSError as exc:
        print(f"warning: cannot write the step summary: {exc.strerror or type(exc).__name__}", file=sys.stderr)
        return False
    return True
