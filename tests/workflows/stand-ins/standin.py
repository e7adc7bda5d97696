"""What the stand-ins for the network-only actions do, for the act tier.

actions/checkout, setup-python, upload-artifact and download-artifact need github.com or
GitHub's services, which this machine cannot reach. act maps each pinned SHA to a stand-in
(``--local-repository``); each stand-in's ``action.yml`` runs one command of this script
with its inputs in ``INPUT_*`` variables. They do for the workflows what the real actions do
(check out a repository at a ref, select a Python, move files between jobs); the workflows'
own logic is what the tier tests. Configuration comes from the act run (see
``ci.run_local``): ``STANDIN_REPOSITORIES`` (JSON: OWNER/NAME -> local clone),
``STANDIN_ARTIFACTS`` (this run's artifact folder), ``STANDIN_BASE_PYTHON`` (the Python
the job's venvs are made from), ``STANDIN_UV`` (optional: make them with uv, faster).
"""

from __future__ import annotations

import fnmatch
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def fail(message: str) -> None:
    print(f"::error title=stand-in::{message}")
    sys.exit(1)


def output(**values: str) -> None:
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as f:
        for key, value in values.items():
            f.write(f"{key}={value}\n")


def flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() == "true"


def git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def checkout() -> None:
    repos = json.loads(os.environ.get("STANDIN_REPOSITORIES", "{}"))
    repository = os.environ.get("INPUT_REPOSITORY") or os.environ["GITHUB_REPOSITORY"]
    source = repos.get(repository) or repos.get(repository.lower())
    if not source:
        fail(f"no local clone stands in for {repository} (known: {', '.join(sorted(repos))})")
    ref = os.environ.get("INPUT_REF", "")
    if not ref and repository == os.environ.get("GITHUB_REPOSITORY"):
        ref = os.environ.get("GITHUB_SHA", "")
    workspace = Path(os.environ["GITHUB_WORKSPACE"])
    dest = (workspace / os.environ.get("INPUT_PATH", "")).resolve()
    if dest != workspace and workspace not in dest.parents:
        fail(f"path {dest} is outside the workspace")
    if dest.exists():
        for child in dest.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    dest.mkdir(parents=True, exist_ok=True)
    git("clone", "--quiet", "--no-checkout", source, str(dest))
    git("fetch", "--quiet", "origin", "+refs/*:refs/remotes/origin/all/*", cwd=dest)
    candidates = [ref, f"origin/all/{ref.removeprefix('refs/')}", f"origin/all/heads/{ref}",
                  f"origin/all/tags/{ref}"] if ref else ["origin/HEAD"]
    for candidate in candidates:
        found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{candidate}^{{commit}}"], cwd=dest,
                               capture_output=True, text=True)
        if found.returncode == 0:
            commit = found.stdout.strip()
            break
    else:
        fail(f"{repository} has no ref {ref!r}")
    git("checkout", "--quiet", "--detach", commit, cwd=dest)
    print(f"checked out {repository}@{commit} (ref {ref or 'default branch'}) into {dest}")
    output(ref=ref, commit=commit)


def setup_python() -> None:
    base = os.environ["STANDIN_BASE_PYTHON"]
    asked = os.environ.get("INPUT_PYTHON_VERSION", "")
    parent = Path(os.environ["RUNNER_TEMP"]) / "setup-python"
    parent.mkdir(parents=True, exist_ok=True)
    venv = Path(tempfile.mkdtemp(prefix="py-", dir=parent))
    uv = os.environ.get("STANDIN_UV")
    command = [uv, "venv", "--quiet", "--seed", "--python", base, str(venv)] if uv else [base, "-m", "venv", str(venv)]
    subprocess.run(command, check=True)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    version = subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    print(f"python-version {asked or '(none)'} asked; the stand-in serves the local Python {version} in {venv}")
    if flag("INPUT_UPDATE_ENVIRONMENT") or os.environ.get("INPUT_UPDATE_ENVIRONMENT", "") == "":
        with open(os.environ["GITHUB_PATH"], "a", encoding="utf-8") as f:
            f.write(f"{bindir}\n")
        with open(os.environ["GITHUB_ENV"], "a", encoding="utf-8") as f:
            f.write(f"pythonLocation={venv}\n")
    output(**{"python-version": version, "python-path": str(python)})


def _artifacts() -> Path:
    return Path(os.environ["STANDIN_ARTIFACTS"])


def upload_artifact() -> None:
    name = os.environ["INPUT_NAME"]
    paths = [line.strip() for line in os.environ.get("INPUT_PATH", "").splitlines() if line.strip()]
    files = [Path(p) for pattern in paths for p in sorted(glob.glob(pattern, recursive=True))]
    files = [f for f in files if f.exists()]
    if not files:
        mode = os.environ.get("INPUT_IF_NO_FILES_FOUND", "warn")
        message = f"no files were found with the provided path: {' '.join(paths)}; no artifact will be uploaded"
        if mode == "error":
            fail(message)
        if mode == "warn":
            print(f"::warning::{message}")
        return
    target = _artifacts() / name
    if target.exists():
        if not flag("INPUT_OVERWRITE"):
            fail(f"an artifact named {name} already exists in this run")
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for f in files:
        shutil.copytree(f, target / f.name) if f.is_dir() else shutil.copy2(f, target / f.name)
    print(f"uploaded {len(files)} file(s) as artifact {name}")
    output(**{"artifact-id": str(abs(hash(name)) % 10**6)})


def download_artifact() -> None:
    name = os.environ.get("INPUT_NAME", "")
    pattern = os.environ.get("INPUT_PATTERN", "")
    dest = Path(os.environ.get("INPUT_PATH") or os.environ["GITHUB_WORKSPACE"])
    stored = sorted(p for p in _artifacts().iterdir() if p.is_dir()) if _artifacts().is_dir() else []
    if name:
        match = [p for p in stored if p.name == name]
        if not match:
            fail(f"artifact not found: {name}")
        shutil.copytree(match[0], dest, dirs_exist_ok=True)
    else:
        match = [p for p in stored if not pattern or fnmatch.fnmatchcase(p.name, pattern)]
        for artifact in match:
            target = dest if flag("INPUT_MERGE_MULTIPLE") else dest / artifact.name
            shutil.copytree(artifact, target, dirs_exist_ok=True)
    print(f"downloaded {len(match)} artifact(s) to {dest}: {', '.join(p.name for p in match)}")
    output(**{"download-path": str(dest)})


COMMANDS = {"checkout": checkout, "setup-python": setup_python, "upload-artifact": upload_artifact,
            "download-artifact": download_artifact}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]]()
