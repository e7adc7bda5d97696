"""Shared fixtures: help-text fixtures and fake binaries launched through sys.executable."""

from __future__ import annotations

import importlib.util
import os
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
HELP_DIR = FIXTURES / "help"
INTEGRATION = Path(__file__).parent / "integration"
REAL_BUILDS = (9093, 11434)
"""The builds the real-binary tier uses (``tests/integration/conftest.py``)."""


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say once, before anything runs, that the real-binary tier will first build llama.cpp."""
    if hasattr(config, "workerinput"):
        return []
    args = [Path(a.split("::")[0]).resolve() for a in config.args] or [Path(__file__).parent]
    if not any(a == INTEGRATION or a in INTEGRATION.parents or INTEGRATION in a.parents for a in args):
        return []
    spec = importlib.util.spec_from_file_location("build_llama_server",
                                                  Path(__file__).parents[1] / "scripts" / "build_llama_server.py")
    assert spec and spec.loader
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    missing = [n for n in REAL_BUILDS if not builder.binary_path(n).is_file()]
    if not missing:
        return []
    names = " and ".join(f"b{n}" for n in missing)
    logs = ", ".join(str(builder.log_path(n)) for n in missing)
    plural = "s" if len(missing) > 1 else ""
    return [f"real llama-server build{plural} {names} not cached yet: the first test that needs one builds it "
            f"(about 6 min each on 2 free cores, up to 25 on a busy machine; once). Follow: {logs}"]


RUNNER_PREFIXES = ("GITHUB_", "RUNNER_", "ACTIONS_", "LLAMA_ARG_", "PYTEST_ADDOPTS")
"""Variables a GitHub runner (or a llama-server user) sets that change what the code under test does.

``PYTEST_ADDOPTS`` (the reusable workflows pass ``pytest-args`` through it) was already read by
this pytest; a child pytest that a test starts must not get the job's test paths as well."""
RUNNER_NAMES = ("GH_TOKEN", "GH_HOST", "GH_ENTERPRISE_TOKEN", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                "http_proxy", "https_proxy", "all_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts without the runner's or the user's variables (the suite runs inside Actions).

    Under a real runner ``GITHUB_ACTIONS``, ``GITHUB_STEP_SUMMARY`` and ``GITHUB_OUTPUT`` are set
    for the step that runs pytest: without this the verifier would annotate the job and append
    fake-binary reports to its summary. A test that wants Actions behaviour sets the variables
    itself, pointing at its own temporary files. Loopback servers are never reached through a proxy.
    """
    for name in [n for n in os.environ if n.startswith(RUNNER_PREFIXES) or n in RUNNER_NAMES]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def help_fixture(name: str) -> str:
    """A captured or synthetic help text by file stem, e.g. ``real-b11434``."""
    return (HELP_DIR / f"{name}.txt").read_text(encoding="utf-8")


@dataclass(frozen=True)
class FakeBinary:
    """A Python script standing in for llama-server; run it with ``wrapper``."""

    path: Path

    @property
    def wrapper(self) -> list[str]:
        return [sys.executable]

    def cli_args(self) -> list[str]:
        return [str(self.path), "--wrapper", f'"{sys.executable}"' if " " in sys.executable else sys.executable]


@pytest.fixture
def fake_binary(tmp_path: Path):
    """Factory: ``fake_binary(help=..., version=..., body=...)`` writes a fake llama-server.

    ``body`` is Python run before anything is printed (to hang, crash or spawn children).
    """
    counter = iter(range(1000))

    def make(help: str = "", version: str = "version: 0.1.1-dev (build 1, commit abc)", *, body: str = "",
             exit_code: int = 0, stderr: str = "") -> FakeBinary:
        path = tmp_path / f"fake-llama-server-{next(counter)}.py"
        tail = (
            "if '--version' in sys.argv:\n"
            f"    sys.stderr.write({version!r} + '\\n')\n"
            "    sys.exit(0)\n"
            f"sys.stdout.write({help!r})\n"
            f"sys.stderr.write({stderr!r})\n"
            f"sys.exit({exit_code})\n"
        )
        script = "import os, signal, subprocess, sys, time\n" + textwrap.dedent(body).strip() + "\n" + tail
        path.write_text(script, encoding="utf-8")
        return FakeBinary(path)

    return make
