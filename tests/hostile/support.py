"""Shared pieces of the hostile tier: a reproduction of the runner's command parser, and a CLI runner.

The parser follows actions/runner: output lines are split on LF, CRLF and a bare CR; a line
whose trimmed text starts with ``::`` is a command (``::name props::data``); the legacy form
``##[name props]data`` is honoured anywhere in a line; ``::stop-commands::TOKEN`` turns
processing off until ``::TOKEN::``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_LEGACY = re.compile(r"##\[(?P<name>[^\] ]+)")


def runner_commands(text: str) -> list[str]:
    """The names of the workflow commands the runner would execute from this output, in order."""
    found: list[str] = []
    stop_token: str | None = None
    for line in re.split(r"\r\n|\r|\n", text):
        trimmed = line.strip()
        if stop_token is not None:
            if trimmed == f"::{stop_token}::":
                stop_token = None
                found.append("resume-commands")
            continue
        if trimmed.startswith("::"):
            end = trimmed.find("::", 2)
            if end > 2:
                name = trimmed[2:end].split(" ", 1)[0]
                found.append(name)
                if name == "stop-commands":
                    stop_token = trimmed[end + 2:]
                continue
        legacy = _LEGACY.search(line)
        if legacy:
            found.append(legacy.group("name"))
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: none of the runner's or the token variables unless given."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "RUNNER_", "ACTIONS_", "LLAMA_SERVER_VERIFIER")) and k not in ("GH_TOKEN", "CI")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def run_module(module: str, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
               guard: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m <module> args`` as a user runs it; ``guard`` only stops a hung test, it asserts nothing."""
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, encoding="utf-8",
                          errors="replace", cwd=cwd or ROOT, env=env or clean_env(), timeout=guard)


def python_wrapper() -> list[str]:
    exe = sys.executable
    return ["--wrapper", f'"{exe}"' if " " in exe else exe]


def pid_gone(pid: int) -> bool:
    """True once ``pid`` no longer runs (a zombie counts as gone); waits for it, not for a time."""
    from tests.support.processes import alive

    return not alive(pid)
