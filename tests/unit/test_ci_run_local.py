"""``python -m ci run-local``'s act command line, and the composite action's token scope (no act run)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from ci import run_local
from ci.cli import main

ROOT = Path(__file__).resolve().parents[2]
STAND_INS = ROOT / "tests" / "workflows" / "stand-ins"


def repo(tmp_path: Path, workflow: str) -> Path:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(workflow, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "remote", "add", "origin", "git@github.com:acme/app.git"], cwd=tmp_path, check=True)
    return tmp_path


def test_every_pinned_action_of_this_repository_is_mapped_to_a_stand_in(tmp_path: Path) -> None:
    run = run_local.ActRun(root=ROOT, workflow=Path(".github/workflows/ci.yml"), event="push", run_dir=tmp_path)
    command = run_local.act_command(run, "act")
    mapped = {v.split("=", 1)[0] for k, v in zip(command, command[1:]) if k == "--local-repository"}
    pins = {f"{name}@{sha}" for name, sha in run_local.pinned_actions(run_local.workflow_files(ROOT))
            if name.startswith("actions/")}
    assert pins and pins == mapped
    for spec in (v for k, v in zip(command, command[1:]) if k == "--local-repository"):
        assert (Path(spec.split("=", 1)[1]) / "action.yml").is_file()


def test_servers_bind_to_loopback_and_only_the_linux_leg_runs(tmp_path: Path) -> None:
    run = run_local.ActRun(root=ROOT, workflow=Path(".github/workflows/ci.yml"), event="push", run_dir=tmp_path,
                           api_url="http://127.0.0.1:5000")
    command = run_local.act_command(run, "act")
    options = dict(zip(command, command[1:]))
    assert options["--artifact-server-addr"] == options["--cache-server-addr"] == "127.0.0.1"
    assert "--no-cache-server" in command and options["-P"] == "ubuntu-latest=-self-hosted"
    assert options["--matrix"] == "os:ubuntu-latest"
    assert options["-s"] == f"GITHUB_TOKEN={run_local.DUMMY_TOKEN}"
    assert "GITHUB_API_URL=http://127.0.0.1:5000" in command


def test_act_itself_cannot_reach_the_network_and_runner_variables_do_not_leak(tmp_path: Path) -> None:
    root = repo(tmp_path / "r", "name: x\n")
    run = run_local.ActRun(root=root, workflow=Path(".github/workflows/ci.yml"), event="push",
                           run_dir=tmp_path / "run", stand_ins=STAND_INS)
    env = run_local.act_environment(run, {"HOME": "/home/me", "GITHUB_ACTIONS": "true", "GITHUB_TOKEN": "real",
                                          "RUNNER_TEMP": "/t", "PATH": "/bin"})
    assert env["HTTPS_PROXY"] == env["HTTP_PROXY"] == "http://127.0.0.1:9"
    assert not {"GITHUB_ACTIONS", "GITHUB_TOKEN", "RUNNER_TEMP"} & set(env)
    assert env["HOME"] == str(tmp_path / "run" / "home")  # act's work folders: one per run
    assert json.loads(env["STANDIN_REPOSITORIES"]) == {"acme/app": str(root.resolve())}
    # ... while the steps get the host's proxy settings back (empty here), so installs work.
    command = run_local.act_command(run, "act")
    assert "HTTPS_PROXY=" in command


def test_a_pin_in_a_mapped_folder_is_mapped_too(tmp_path: Path) -> None:
    sha = "3d3c42e5aac5ba805825da76410c181273ba90b1"
    root = repo(tmp_path / "r", "jobs:\n  a:\n    uses: acme/tools/.github/workflows/x.yml@" + "a" * 40 + "\n")
    tools = tmp_path / "tools"
    (tools / ".github" / "workflows").mkdir(parents=True)
    (tools / ".github" / "workflows" / "x.yml").write_text(f"      - uses: actions/checkout@{sha} # v7.0.1\n",
                                                            encoding="utf-8")
    args = run_local.local_repository_args(root, STAND_INS, {"acme/tools@" + "a" * 40: tools})
    assert f"actions/checkout@{sha}={STAND_INS / 'checkout'}" in args
    assert f"acme/tools@{'a' * 40}={tools}" in args


def test_run_local_without_the_workflow_is_bad_input(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["run-local", "--workflow", "nope.yml"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"error: nope.yml: no such workflow in {tmp_path}"]


def test_the_action_checks_inputs_first_and_gives_the_token_to_the_download_step_only() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    steps = action["runs"]["steps"]
    assert steps[0]["id"] == "inputs" and "not both" in steps[0]["run"] and "uses" not in steps[0]
    with_token = [s["name"] for s in steps if "inputs.token" in json.dumps(s)]
    assert with_token == ["Download and verify the release's llama-server"]
    assert "release" in next(s for s in steps if s["name"] == with_token[0])["if"]
