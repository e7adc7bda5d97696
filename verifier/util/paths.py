"""Paths as users give them: anchored to the directory the command was run in, shown as typed.

Binaries are run (and servers started) in fresh temporary directories, so a relative path must
be made absolute before anything changes directory. The command lines do that once, where a
path enters (argparse ``type=``), and keep the text the user typed for reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


@dataclass(frozen=True)
class UserPath:
    """A path from the command line: ``given`` as typed, ``path`` absolute (cwd at parse time)."""

    given: str
    path: Path

    def __str__(self) -> str:
        return self.given


def user_path(text: str) -> UserPath:
    """argparse ``type=``: anchor ``text`` to the current directory (no symlink resolution).

    An empty string stays empty, so the commands can say "no path given" instead of
    treating the current directory as the file.
    """
    return UserPath(text, Path(text).absolute() if text else Path(text))


def anchor_program(argv: Sequence[str]) -> list[str]:
    """A command (``--wrapper``) whose program is a relative path gets that path anchored too.

    A bare name (``qemu-aarch64``) is left for the PATH lookup, as a shell would.
    """
    if not argv:
        return []
    program = argv[0]
    separators = ("/", "\\")
    if any(sep in program for sep in separators) and not Path(program).is_absolute():
        program = str(Path(program).absolute())
    return [program, *argv[1:]]
