"""Neutralise external text for each place it can land: a terminal, the Actions runner, markdown, JSON.

External text (a binary's help and errors, asset and tag names, archive members, PR fields,
JUnit ids) is data. Each sink has one function here, and every formatter uses it:

- terminal (also pipes): ESC and every other control character, C1 controls and bidi
  overrides become visible ``\\xNN`` escapes, so an ANSI sequence cannot redraw FAIL as PASS.
- runner (stdout/stderr inside GitHub Actions): the runner splits lines on CR as well as LF,
  runs ``::cmd::`` at the start of a line after trimming whitespace, and ``##[cmd]``
  anywhere. Those openings are broken with a space; CR is made visible.
- markdown (the step summary): HTML, table pipes, code-span backticks and emphasis are
  escaped, so external text cannot add markup, links or break a table row.
- JSON: ``json.dumps`` escapes line breaks but not ``::`` or ``##[``; those characters are
  written as ``\\u`` escapes inside strings, so every value is exact once parsed.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROL_CHARS = "".join(chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))) + _BIDI
_CONTROLS = re.compile(f"[{re.escape(_CONTROL_CHARS)}]")
_CONTROLS_KEEP_LINES = re.compile(f"[{re.escape(_CONTROL_CHARS.replace(chr(10), '').replace(chr(9), ''))}]")
_LEGACY_COMMAND = "##["
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """One line of external text for a terminal or pipe: every control character made visible."""
    return _CONTROLS.sub(_visible, text)


def for_terminal_lines(text: str) -> str:
    """Like :func:`for_terminal` but keeps line feeds and tabs (a whole stream's worth of text)."""
    return _CONTROLS_KEEP_LINES.sub(_visible, text)


def for_runner(text: str) -> str:
    """Text that may hold several lines, safe on a stream the Actions runner reads for commands."""
    lines = for_terminal_lines(text).split("\n")
    return "\n".join(_runner_line(line) for line in lines)


def _runner_line(line: str) -> str:
    line = line.replace(_LEGACY_COMMAND, "# #[")
    stripped = line.lstrip()
    if stripped.startswith("::"):
        cut = len(line) - len(stripped)
        line = f"{line[:cut]}: :{stripped[2:]}"
    return line


def is_runner_safe(line: str) -> bool:
    """No command the runner would execute (used by tests and by the stream guard's checks)."""
    for part in re.split(r"\r\n|\r|\n", line):
        if part.lstrip().startswith("::") or _LEGACY_COMMAND in part:
            return False
    return True


def for_markdown(text: str) -> str:
    """External text inside markdown (a table cell, a heading): no markup, no HTML, one line."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", for_terminal(text))
    return html.escape(text, quote=False)


def md_code(text: str) -> str:
    """External text shown as code in markdown, safe inside a table cell (backticks cannot end it)."""
    escaped = html.escape(for_terminal(text), quote=True).replace("|", "&#124;").replace("`", "&#96;")
    return f"<code>{escaped}</code>"


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """``json.dumps`` whose output carries no runner command; parsed values stay exact."""
    text = json.dumps(value, indent=indent)  # ensure_ascii: every control and non-ASCII char is \\u-escaped
    return text.replace("##[", "##\\u005b").replace("::", ":\\u003a")
