"""Every command on the real build 11434 with relative paths, run from another directory.

``tmp/rel/llama-server`` links to the cached build and ``tmp/rel/model.gguf`` to the real 270M
model; the commands run in ``tmp`` or ``tmp/elsewhere`` as a user would type them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import PASSING_BUILD

pytestmark = pytest.mark.real


def verifier(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd)


@pytest.fixture
def tree(tmp_path: Path, real_build, real_model: Path) -> Path:
    rel = tmp_path / "rel"
    rel.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (rel / "llama-server").symlink_to(real_build(PASSING_BUILD))
    (rel / "model.gguf").symlink_to(real_model)
    return tmp_path


def test_relative_binary_from_another_directory(tree: Path) -> None:
    rel = os.path.join("..", "rel", "llama-server")
    done = verifier(tree / "elsewhere", rel)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"{rel}  (0.6.0-dev (build 11434, commit unknown))\n"), done.stdout
    dotted = verifier(tree / "rel", "./llama-server", "--json")
    assert json.loads(dotted.stdout)["binaries"][0]["path"] == "./llama-server"


def test_launch_a_relative_model(tree: Path) -> None:
    done = verifier(tree, "rel/llama-server", "--launch", "rel/model.gguf", "--modes", "ngram", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    (run,) = json.loads(done.stdout)["binaries"][0]["launch"]
    assert run["outcome"] == "started", run
    assert any("adding speculative implementation 'ngram-mod'" in line for line in run["evidence"])


def test_diff_relative_binaries(tree: Path) -> None:
    """Two relative names for build 11434 (the drift itself is tested on 9093 -> 11434 elsewhere)."""
    (tree / "copy").mkdir()
    (tree / "copy" / "llama-server").symlink_to(tree / "rel" / "llama-server")
    done = verifier(tree / "rel", "diff", "llama-server", "../copy/llama-server", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert (data["a"], data["b"]) == ("llama-server", "../copy/llama-server")
    assert data["ok"] and data["added"] == data["removed"] == data["spec_types_added"] == []


def test_resolve_relative_binary_and_model(tree: Path) -> None:
    done = verifier(tree / "elsewhere", "resolve", "--binary", "../rel/llama-server", "--model", "../rel/model.gguf",
                    "--mode", "ngram", "--cpu", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["argv"][:2] == ["--spec-type", "ngram-mod"] and data["model"]["arch"] == "gemma3"
