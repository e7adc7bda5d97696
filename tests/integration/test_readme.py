"""The README is executed: a broken example fails CI.

The shell blocks of the README's first section are read from the README (not copied here) and
run with bash, as a user who just cloned the repository would: in a copy of the checkout, with a
fresh virtual environment first on PATH (it sees this environment's installed packages through
a ``.pth`` line, so ``pip install`` has nothing to download, and installs into the fresh one).
One change is made: ``python -m pytest`` gets ``--collect-only -q`` (running the whole suite
inside itself would never end; collecting proves the command, its options and every test
module import). The build the first command makes is the cached real build 11434.

Then every ``python -m verifier`` example for a local binary (``--release`` examples need
GitHub; ``tests/integration/test_release_today.py`` runs them against the loopback fake) runs
from another directory with the real build as ``./llama-server``, and the README's sample
output is checked line by line against what the tool prints.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.integration.conftest import PASSING_BUILD, ROOT

pytestmark = pytest.mark.real

README = ROOT / "README.md"
_FENCE = re.compile(r"^```(?P<lang>[^\n`]*)\n(?P<body>.*?)^```", re.M | re.S)
_COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", "*.egg-info", ".pytest_cache",
                                      "build", "dist", ".hypothesis")


def blocks(text: str) -> list[tuple[str, str]]:
    """Every fenced block as (language, body)."""
    return [(m["lang"].strip(), m["body"]) for m in _FENCE.finditer(text)]


def first_section_shell(text: str) -> list[str]:
    """The ``sh`` blocks before the second-level heading that ends the README's first section.

    When the first section holds none (a set-up section of its own may follow), the first
    section that does.
    """
    sections = re.split(r"^## ", text, flags=re.M)
    for section in sections:
        found = [body for lang, body in blocks(section) if lang in ("sh", "bash", "shell")]
        if found:
            return found
    return []


def commands(body: str) -> list[str]:
    """Shell commands of a block: comments dropped, backslash continuations joined."""
    joined = re.sub(r"\\\n\s*", " ", body)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def verifier_examples(text: str) -> list[str]:
    """``python -m verifier`` command lines for a local binary, from every shell block."""
    found = []
    for lang, body in blocks(text):
        for line in commands(body):
            line = line.removeprefix("$ ")
            if line.startswith("python -m verifier") and "--release" not in line and lang in ("sh", ""):
                found.append(line)
    return list(dict.fromkeys(found))


def sample_output(text: str) -> tuple[str, list[str]]:
    """The README's ``$ python -m verifier ...`` sample: the command and the lines it shows."""
    for lang, body in blocks(text):
        lines = body.splitlines()
        if lang == "" and lines and lines[0].startswith("$ python -m verifier"):
            return lines[0].removeprefix("$ "), lines[1:]
    raise AssertionError("the README has no '$ python -m verifier' sample output")


def fresh_environment(tmp_path: Path) -> dict[str, str]:
    """A new venv first on PATH that sees this environment's packages and installs into itself."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = Path(sysconfig.get_paths(vars={"base": str(venv), "platbase": str(venv)})["purelib"])
    purelib.mkdir(parents=True, exist_ok=True)
    (purelib / "test-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "VIRTUAL_ENV", "PYTHONPATH"))}
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    env.update(PATH=os.pathsep.join([str(bindir), env.get("PATH", "")]), VIRTUAL_ENV=str(venv),
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    return env


def bash(script: str, cwd: Path, env: dict[str, str], timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_the_readme_is_read_as_expected() -> None:
    """Guards the extraction itself: an empty list would make the tests below pass vacuously."""
    text = README.read_text(encoding="utf-8")
    first = [c for body in first_section_shell(text) for c in commands(body)]
    assert any("build_llama_server.py" in c and "python -m verifier" in c for c in first), first
    assert any("pytest" in c for c in first), first
    examples = verifier_examples(text)
    assert any("--launch" in e for e in examples) and any(e.endswith("./llama-server") for e in examples), examples


def test_the_first_section_runs_in_a_fresh_checkout(real_build, tmp_path: Path) -> None:
    real_build(PASSING_BUILD)  # under the build lock, so the README's own build call finds it cached
    checkout = tmp_path / "llama-server-verifier"
    shutil.copytree(ROOT, checkout, ignore=_COPY_IGNORE)
    env = fresh_environment(tmp_path)
    for body in first_section_shell(README.read_text(encoding="utf-8")):
        script = re.sub(r"\bpython -m pytest\b", "python -m pytest --collect-only -q", body)
        done = bash(script, checkout, env)
        assert done.returncode == 0, f"README block failed:\n{body}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
        if "python -m verifier" in body:
            assert "verdict: PASS" in done.stdout, done.stdout


def test_the_verifier_examples_run_from_another_directory(real_build, real_model, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "llama-server").symlink_to(real_build(PASSING_BUILD))
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    text = README.read_text(encoding="utf-8")
    for example in verifier_examples(text):
        done = bash(example, work, env, timeout=600)
        assert done.returncode == 0, f"README example failed: {example}\n{done.stdout}\n{done.stderr}"
    command, shown = sample_output(text)
    printed = bash(command, work, env, timeout=120).stdout.splitlines()
    for line in shown:
        if "..." in line or not line.strip():
            continue  # the README abbreviates these
        assert line.rstrip() in [p.rstrip() for p in printed], f"README shows {line!r}; the tool prints:\n" + \
            "\n".join(printed)
