"""Test helpers for projects that drive llama-server: a fake built from a real build's capture.

``fake_llama_server(build=11434)`` writes a small Python script that prints that build's real
``--help`` and ``--version`` and answers an argv the way its parser does (see
:mod:`verifier.testing.parser`). It runs on every OS: call it through :attr:`FakeLlamaServer.argv`
(``[sys.executable, script]``); on POSIX the script is also executable by itself.
With pytest, the ``fake_llama_server`` fixture (this package's pytest plugin) gives a factory
that writes into the test's ``tmp_path``.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from verifier.oracle.corpus import builds, capture

__all__ = ["FakeLlamaServer", "fake_llama_server", "captured_builds"]

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class FakeLlamaServer:
    """A fake ``llama-server`` of one captured build."""

    build: int
    path: Path
    """The script. Executable on POSIX; on Windows run it through :attr:`argv`."""

    @property
    def wrapper(self) -> list[str]:
        """The interpreter to put in front of :attr:`path` (``--wrapper`` of the verifier)."""
        return [sys.executable]

    @property
    def argv(self) -> list[str]:
        """The command that runs the fake on any OS; append the llama-server arguments."""
        return [sys.executable, str(self.path)]

    @property
    def help_text(self) -> str:
        return capture(self.build).help

    @property
    def version_text(self) -> str:
        return capture(self.build).version


def captured_builds() -> tuple[int, ...]:
    """The builds a fake can be made of."""
    return builds()


def fake_llama_server(build: int = 11434, directory: str | os.PathLike[str] | None = None) -> FakeLlamaServer:
    """Write a fake llama-server of ``build`` into ``directory`` (a new temporary folder by default).

    Raises ``KeyError`` for a build that was not captured (the message lists those that were).
    """
    capture(build)  # fail now, not when the script runs
    folder = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="fake-llama-server-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"llama-server-b{build}.py"
    path.write_text(
        f"#!{sys.executable}\n"
        f'"""A fake llama-server of build {build}, written by verifier.testing."""\n'
        "import sys\n"
        f"sys.path.insert(0, {str(_PACKAGE_ROOT)!r})\n"
        "from verifier.testing.fake_main import main\n"
        f"sys.exit(main({build}, sys.argv[1:]))\n",
        encoding="utf-8",
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return FakeLlamaServer(build, path)
