"""Every command with relative paths, run from another directory, as users type them.

Binaries run (and servers start) in fresh temporary directories, so a path that is not
anchored to the directory the command was run in points at nothing there. Each test runs
``python -m verifier`` as a subprocess with its own working directory, and checks the report
shows the path as typed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.unit.test_resolver_modes import write_gguf

ROOT = Path(__file__).resolve().parents[2]
FAKE_SERVER = ROOT / "tests" / "support" / "fake_server.py"
PYTHON = f'"{sys.executable}"' if " " in sys.executable else sys.executable


def verifier(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=env)


@pytest.fixture
def tree(tmp_path: Path, fake_binary) -> Path:
    """``tmp/work`` (the directory commands run in) beside ``tmp/tools/{a,b}.py`` and ``tmp/models/m.gguf``."""
    (tmp_path / "work").mkdir()
    tools = tmp_path / "tools"
    tools.mkdir()
    fake_binary(help_fixture("real-b9093"), version="version: 9093 (abc)").path.rename(tools / "a.py")
    fake_binary(help_fixture("real-b11434"), version="version: 11434 (abc)").path.rename(tools / "b.py")
    shutil.copy(FAKE_SERVER, tools / "server.py")
    (tmp_path / "models").mkdir()
    write_gguf(tmp_path / "models" / "m.gguf", arch="gemma3", size_label="270M")
    return tmp_path


def test_a_relative_binary_from_another_directory(tree: Path) -> None:
    rel = os.path.join("..", "tools", "b.py")
    done = verifier(tree / "work", rel, "--wrapper", PYTHON, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    (binary,) = json.loads(done.stdout)["binaries"]
    assert binary["path"] == rel and binary["build"] == 11434
    text = verifier(tree / "work", rel, "--wrapper", PYTHON)
    assert text.stdout.startswith(f"{rel}  (11434 (abc))\n"), text.stdout


def test_dot_slash_binary_in_the_current_directory(tree: Path) -> None:
    done = verifier(tree / "tools", f".{os.sep}b.py", "--wrapper", PYTHON, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["binaries"][0]["path"] == f".{os.sep}b.py"


def test_a_missing_relative_binary_is_named_as_typed(tree: Path) -> None:
    done = verifier(tree / "work", "nowhere/llama-server")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: nowhere/llama-server: no such file"


def test_a_relative_wrapper_program(tree: Path) -> None:
    """``--wrapper bin/python``: a program path with a separator is anchored too."""
    home = Path(sys.executable).parent.parent
    wrapper = os.path.relpath(sys.executable, home)
    done = verifier(home, str(tree / "tools" / "b.py"), "--wrapper", f'"{wrapper}"', "--json")
    assert done.returncode == 0, done.stdout + done.stderr


def test_launch_a_relative_model(tree: Path) -> None:
    done = verifier(tree / "work", os.path.join("..", "tools", "server.py"), "--wrapper", PYTHON,
                    "--launch", os.path.join("..", "models", "m.gguf"), "--modes", "off,ngram", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    runs = json.loads(done.stdout)["binaries"][0]["launch"]
    assert [(r["mode"], r["outcome"]) for r in runs] == [("off", "started"), ("ngram", "started")], runs


def test_diff_relative_binaries(tree: Path) -> None:
    a, b = os.path.join("tools", "a.py"), os.path.join("tools", "b.py")
    done = verifier(tree, "diff", a, b, "--wrapper", PYTHON, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert (data["a"], data["b"]) == (a, b) and "draft-mtp" in data["spec_types_added"]


def test_resolve_relative_binary_and_model(tree: Path) -> None:
    done = verifier(tree / "work", "resolve", "--binary", os.path.join("..", "tools", "b.py"), "--wrapper", PYTHON,
                    "--model", os.path.join("..", "models", "m.gguf"), "--mode", "ngram", "--cpu")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("--spec-type ngram-mod --spec-ngram-mod-n-match 24"), done.stdout
