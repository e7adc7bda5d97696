"""The one place all of a command's output passes: stdout and stderr, guarded while it runs.

Formatters neutralise each external field for its sink (:mod:`verifier.util.neutral`); this
guard is the structural backstop for everything else that reaches a stream (a library's
message, a ``repr``, a path): while a command runs, ``sys.stdout`` and ``sys.stderr`` are
replaced by writers that

- make control characters visible (terminals and pipes alike),
- inside GitHub Actions, break every runner command opening (``::`` at a line start,
  ``##[`` anywhere), so only :func:`command` can emit one,
- replace the value of every token variable with ``***`` (a token is never printed,
  not even inside a library's error message),
- encode what the console cannot show with backslash escapes instead of failing.
"""

from __future__ import annotations

import io
import sys
from typing import Callable, TextIO

from verifier.util.neutral import for_runner, for_terminal_lines
from verifier.util.secrets import token_values



class SafeStream(io.TextIOBase):
    """A text stream that neutralises each complete line before passing it on."""

    def __init__(self, raw: TextIO, *, runner: bool, secrets: list[str]) -> None:
        super().__init__()
        self.raw = raw
        self.runner = runner
        self.secrets = secrets
        self._pending = ""

    # io.TextIOBase API -----------------------------------------------------------------
    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return bool(getattr(self.raw, "isatty", lambda: False)())

    def fileno(self) -> int:
        return self.raw.fileno()

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            complete, self._pending = self._pending.rsplit("\n", 1)
            self._emit(complete + "\n")
        return len(text)

    def flush(self) -> None:
        if self._pending:
            # A partial line (a prompt, a progress note) is neutralised as a line of its own.
            text, self._pending = self._pending, ""
            self._emit(text)
        self.raw.flush()

    # -----------------------------------------------------------------------------------
    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return for_runner(text) if self.runner else for_terminal_lines(text)

    def _emit(self, text: str) -> None:
        self.raw.write(self.clean(text))

    def command(self, line: str) -> None:
        """A workflow command built by :mod:`verifier.util.gha` (already escaped): passed as is."""
        self.flush()
        for secret in self.secrets:
            line = line.replace(secret, "***")
        self.raw.write(line + "\n")
        self.raw.flush()


def _tolerant(stream: TextIO) -> None:
    """Characters the console cannot encode (cp1252) become escapes rather than an exception."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError, io.UnsupportedOperation):
            pass


def install(*, runner: bool) -> Callable[[], None]:
    """Guard ``sys.stdout`` and ``sys.stderr`` until the returned function is called."""
    saved = (sys.stdout, sys.stderr)
    secrets = token_values()
    for stream in saved:
        _tolerant(stream)
    sys.stdout = SafeStream(saved[0], runner=runner, secrets=secrets)  # type: ignore[assignment]
    sys.stderr = SafeStream(saved[1], runner=runner, secrets=secrets)  # type: ignore[assignment]

    def restore() -> None:
        for guarded in (sys.stdout, sys.stderr):
            if isinstance(guarded, SafeStream):
                try:
                    guarded.flush()
                except (OSError, ValueError):
                    pass
        sys.stdout, sys.stderr = saved

    return restore


def command(line: str, *, stream: TextIO | None = None) -> None:
    """Write one workflow command line; the only way past the runner guard."""
    target = stream if stream is not None else sys.stdout
    if isinstance(target, SafeStream):
        target.command(line)
    else:
        print(line, file=target)


def raw_stderr() -> TextIO:
    """The real stderr under the guard, for a progress bar that draws with escape sequences."""
    return sys.stderr.raw if isinstance(sys.stderr, SafeStream) else sys.stderr  # type: ignore[return-value]
