"""GitHub Actions workflow commands and the step summary, escaped as the runner expects."""

from __future__ import annotations

import os
from pathlib import Path

MAX_SUMMARY_BYTES = 1024 * 1024


def in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, *, title: str | None = None, file: str | None = None,
               line: int | None = None) -> str:
    """``::error file=F,line=L,title=T::message`` with every part escaped."""
    props = []
    if file is not None:
        props.append(f"file={escape_property(file)}")
    if line is not None:
        props.append(f"line={line}")
    if title is not None:
        props.append(f"title={escape_property(title)}")
    head = f"::{level} {','.join(props)}" if props else f"::{level}"
    return f"{head}::{escape_data(message)}"


def md_cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def append_step_summary(markdown: str) -> bool:
    """Append to ``$GITHUB_STEP_SUMMARY`` if set; cut to the runner's 1 MiB limit."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    data = markdown.encode("utf-8")
    if len(data) > MAX_SUMMARY_BYTES:
        data = data[: MAX_SUMMARY_BYTES - 64].decode("utf-8", "ignore").encode() + b"\n\n*(summary truncated)*\n"
    with Path(target).open("ab") as f:
        f.write(data)
    return True
