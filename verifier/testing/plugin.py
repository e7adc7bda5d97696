"""pytest plugin (entry point ``pytest11``): the ``fake_llama_server`` fixture.

    def test_my_launcher(fake_llama_server):
        server = fake_llama_server(build=11434)
        subprocess.run([*server.argv, "--spec-type", "draft-mtp", "-m", "x.gguf"], ...)
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from verifier.testing import FakeLlamaServer, fake_llama_server as _make


@pytest.fixture
def fake_llama_server(tmp_path: Path) -> Callable[..., FakeLlamaServer]:
    """Factory: ``fake_llama_server(build=11434)`` writes a fake of that captured build into ``tmp_path``."""
    made = iter(range(1_000_000))

    def make(build: int = 11434) -> FakeLlamaServer:
        return _make(build, tmp_path / f"fake-llama-server-{next(made)}")

    return make
