"""The workflows tier: this repository's workflows executed by a real engine (nektos/act).

Run with ``pytest -m workflows`` (``.ci/run`` does). act runs the jobs on this host; the
network-only actions (checkout, setup-python, upload/download-artifact) are the stand-ins
in ``stand-ins/``, mapped by ``ci.run_local`` to every SHA the workflows pin. The GitHub API
is the project's loopback fake. Repositories are local git folders whose ``origin`` names
the GitHub repository they stand for: ``acme/llama-server-verifier`` (a snapshot of this
working tree) and ``acme/app`` (a caller in another repository).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from ci.run_local import ActResult, ActRun, run_act
from tests.integration.conftest import ROOT, _builder

TOOLKIT = "acme/llama-server-verifier"
APP = "acme/app"
STAND_INS = ROOT / "tests" / "workflows" / "stand-ins"
GIT_ENV = {"GIT_AUTHOR_NAME": "tier", "GIT_AUTHOR_EMAIL": "tier@example.invalid", "GIT_COMMITTER_NAME": "tier",
           "GIT_COMMITTER_EMAIL": "tier@example.invalid"}


def git(repo: Path, *args: str) -> str:
    import os

    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def new_repo(path: Path, repository: str, files: Mapping[str, str | bytes] | None = None,
             copy_from: Path | None = None) -> str:
    """A git repository at ``path`` standing for GitHub's ``repository``; returns its HEAD."""
    path.mkdir(parents=True)
    if copy_from is not None:
        listed = git(copy_from, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
        for name in filter(None, listed):
            source = copy_from / name
            if source.is_file():
                (path / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, path / name)
    for name, content in (files or {}).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(content.encode() if isinstance(content, str) else content)
    git(path, "init", "--quiet", "--initial-branch", "main")
    git(path, "add", "-A")
    git(path, "commit", "--quiet", "-m", "snapshot")
    git(path, "remote", "add", "origin", f"https://github.com/{repository}.git")
    return git(path, "rev-parse", "HEAD")


@pytest.fixture(scope="session")
def toolkit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A snapshot of this working tree (committed or not) as ``acme/llama-server-verifier``."""
    path = tmp_path_factory.mktemp("toolkit") / "llama-server-verifier"
    return path, new_repo(path, TOOLKIT, copy_from=ROOT)


@pytest.fixture(scope="session")
def real_build() -> Callable[[int], Path]:
    """A cached real build; this tier never starts one (``.ci/run`` builds them first)."""
    builder = _builder()

    def get(number: int) -> Path:
        path = builder.binary_path(number)
        if not path.is_file():
            pytest.fail(f"no cached build {number} at {path}: run python scripts/build_llama_server.py {number}")
        return path

    return get


@pytest.fixture
def act(tmp_path: Path) -> Callable[..., ActResult]:
    """Run act once in its own folder; returns the parsed result."""
    count = iter(range(100))

    def run(root: Path, workflow: str, event: str, **options: object) -> ActResult:
        run_dir = tmp_path / f"act-{next(count)}"
        return run_act(ActRun(root=root, workflow=Path(workflow), event=event, run_dir=run_dir,
                              stand_ins=STAND_INS, **options))  # type: ignore[arg-type]

    return run
