"""``python -m ci pr-matrix`` end to end: PyGithub, unpatched, against a GitHub-shaped API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ci.cli import main
from ci.errors import CiError
from ci.pr_matrix import PullHead, cap_message, parse_pr_numbers, parse_runners, plan_matrix
from tests.support.github_pulls import GitHubPulls, fake_sha
from tests.support.http_server import Response, rate_limited

ROOT = Path(__file__).resolve().parents[2]
REPO = "acme/app"
TOKEN = "test-token-123"
RUNNERS = ["ubuntu-latest", "macos-latest", "windows-latest"]


@pytest.fixture(scope="module")
def github_server():
    """One loopback API per module: stopping a server costs half a second."""
    with GitHubPulls(REPO) as gh:
        yield gh


@pytest.fixture
def github(github_server: GitHubPulls) -> GitHubPulls:
    github_server.reset(token=TOKEN)
    return github_server


@pytest.fixture
def actions_env(github: GitHubPulls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """The variables a runner sets, pointing at the loopback API and temp files."""
    files = {"output": tmp_path / "github_output", "summary": tmp_path / "step_summary.md"}
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_API_URL", github.url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPO)
    monkeypatch.setenv("GITHUB_OUTPUT", str(files["output"]))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(files["summary"]))
    return files


def read_outputs(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines)


def cells(outputs: dict[str, str]) -> list[dict]:
    return json.loads(outputs["matrix"])["include"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["pr-matrix", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_open_closed_merged_and_fork_pull_requests(github, actions_env, capsys) -> None:
    github.add_pull(10, head_ref="feature/mtp")
    github.add_pull(11, state="closed")
    github.add_pull(12, merged=True)
    github.add_pull(13, head_repository="alice/app", head_ref="fix-ngram")
    github.add_pull(14, deleted_fork=True, head_ref="gone")

    code, out, err = run(capsys, "--prs", "10, 11 #12 13 14")

    assert code == 0, err
    outputs = read_outputs(actions_env["output"])
    assert outputs["count"] == "9" and outputs["prs"] == "10 13 14"
    matrix = cells(outputs)
    assert [(c["pr"], c["os"]) for c in matrix] == [(pr, os_) for pr in (10, 13, 14) for os_ in RUNNERS]
    own = matrix[0]
    assert own == {"pr": 10, "os": "ubuntu-latest", "sha": fake_sha(f"{REPO}#10"), "repository": REPO,
                   "head_repository": REPO, "head_ref": "feature/mtp", "fork": False}
    fork = next(c for c in matrix if c["pr"] == 13)
    assert fork["fork"] is True and fork["head_repository"] == "alice/app" and fork["repository"] == REPO
    gone = next(c for c in matrix if c["pr"] == 14)
    assert gone["fork"] is True and gone["head_repository"] is None and len(gone["sha"]) == 40
    assert "::notice title=pr-matrix::PR #11 is closed; dropped from the matrix" in out
    assert "::notice title=pr-matrix::PR #12 is merged; dropped from the matrix" in out
    assert "#13     open     alice/app:fix-ngram @ " in out and "[fork]" in out
    assert "matrix: 9 jobs for 3 pull requests" in out
    summary = actions_env["summary"].read_text(encoding="utf-8")
    assert "| #11 | closed: dropped |" in summary and "| #12 | merged: dropped |" in summary
    assert all(r.headers.get("Authorization") == f"token {TOKEN}" for r in github.requests)


def test_label_selection_is_case_insensitive_and_follows_pagination(github, actions_env, capsys) -> None:
    for number in range(1, 106):  # 105 open PRs: two pages of 100
        github.add_pull(number, labels=["Cross-OS"] if number in (3, 104) else ["other"])
    github.add_pull(200, state="closed", labels=["cross-os"])

    code, _, err = run(capsys, "--label", "cross-os", "--runners", '["ubuntu-latest"]')

    assert code == 0, err
    outputs = read_outputs(actions_env["output"])
    assert outputs["prs"] == "3 104" and outputs["count"] == "2"
    assert [c["pr"] for c in cells(outputs)] == [3, 104]
    pages = [r.arg("page", "1") for r in github.requests if r.path == f"/repos/{REPO}/pulls"]
    assert pages == ["1", "2"]
    assert all(r.arg("state") == "open" for r in github.requests if r.path == f"/repos/{REPO}/pulls")


def test_numbers_and_label_together_are_a_union_numbers_first(github, actions_env, capsys) -> None:
    github.add_pull(7, labels=["ci"])
    github.add_pull(8)
    github.add_pull(9, labels=["ci"])
    code, _, err = run(capsys, "--prs", "8 7", "--label", "ci", "--runners", "ubuntu-latest")
    assert code == 0, err
    assert read_outputs(actions_env["output"])["prs"] == "8 7 9"


def test_windows_jobs_are_capped_at_five_by_default_and_the_report_says_so(github, actions_env, capsys) -> None:
    for number in range(1, 8):
        github.add_pull(number, labels=["cross-os"])

    code, out, err = run(capsys, "--label", "cross-os")

    assert code == 0, err
    matrix = cells(read_outputs(actions_env["output"]))
    windows = [c["pr"] for c in matrix if c["os"] == "windows-latest"]
    assert windows == [1, 2, 3, 4, 5]
    assert {c["pr"] for c in matrix if c["os"] == "ubuntu-latest"} == set(range(1, 8))
    assert len(matrix) == 7 * 2 + 5
    message = "Windows cap 5: 7 Windows jobs wanted, 5 made; #6, #7 run on ubuntu-latest, macos-latest only"
    assert message in out.splitlines()
    assert f"::warning title=pr-matrix Windows cap::{message}" in out
    assert message in actions_env["summary"].read_text(encoding="utf-8")


def test_a_windows_cap_of_zero_drops_every_windows_job(github, actions_env, capsys) -> None:
    github.add_pull(1)
    code, out, _ = run(capsys, "--prs", "1", "--windows-cap", "0")
    assert code == 0
    assert [c["os"] for c in cells(read_outputs(actions_env["output"]))] == ["ubuntu-latest", "macos-latest"]
    assert "Windows cap 0: 1 Windows jobs wanted, 0 made; #1 run on" in out


def test_an_empty_result_writes_an_empty_matrix_and_exits_0(github, actions_env, capsys) -> None:
    github.add_pull(1, labels=["unrelated"])
    github.add_pull(2, merged=True)

    code, out, err = run(capsys, "--prs", "2", "--label", "cross-os")

    assert code == 0, err
    outputs = read_outputs(actions_env["output"])
    assert outputs == {"matrix": '{"include":[]}', "count": "0", "prs": ""}
    assert "matrix: empty (no open pull request matched); the per-PR jobs will be skipped" in out
    assert "empty matrix: per-PR jobs skipped" in actions_env["summary"].read_text(encoding="utf-8")


def test_outputs_are_appended_like_the_runner_expects(github, actions_env, capsys) -> None:
    actions_env["output"].write_text("earlier=step\n", encoding="utf-8")
    github.add_pull(5)
    assert run(capsys, "--prs", "5", "--runners", "ubuntu-latest")[0] == 0
    outputs = read_outputs(actions_env["output"])
    assert outputs["earlier"] == "step" and outputs["count"] == "1"
    assert "\n" not in outputs["matrix"]


def test_json_flag_prints_the_matrix_without_an_output_file(github, actions_env, capsys, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_OUTPUT")
    monkeypatch.delenv("GITHUB_ACTIONS")
    github.add_pull(4)
    code, out, _ = run(capsys, "--prs", "4", "--runners", "ubuntu-latest", "--json")
    assert code == 0
    assert json.loads(out)["include"][0]["pr"] == 4


def test_a_server_error_is_retried(github, actions_env, capsys) -> None:
    github.add_pull(6)
    github.server.fail_next(rf"/repos/{REPO}/pulls/6", Response.json({"message": "Server Error"}, 502), times=1)
    code, _, err = run(capsys, "--prs", "6", "--runners", "ubuntu-latest")
    assert code == 0, err
    assert [r.path for r in github.requests].count(f"/repos/{REPO}/pulls/6") == 2


@pytest.mark.parametrize("setup, args, expected", [
    ("unknown-pr", ["--prs", "99"], "error: PR #99 not found in acme/app"),
    ("bad-token", ["--prs", "1"],
     "error: GitHub rejected the token while reading PR #1 in acme/app (401 Bad credentials)"),
    ("rate-limit", ["--prs", "1"], "error: GitHub API rate limit exceeded while reading PR #1 in acme/app (resets at "),
    ("unknown-repo", ["--repo", "acme/nope", "--label", "x"], "error: repository acme/nope not found"),
    ("server-down", ["--prs", "1"], "error: GitHub API answered 503 for PR #1 in acme/app: unavailable"),
])
def test_api_failures_are_one_line_and_exit_2(github, actions_env, capsys, monkeypatch, setup, args, expected) -> None:
    github.add_pull(1)
    if setup == "bad-token":
        monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    elif setup == "rate-limit":
        github.server.fail_next(r"/repos/.*", rate_limited(int(time.time()) + 600), times=1)
    elif setup == "server-down":
        github.server.fail_next(r"/repos/.*", Response.json({"message": "unavailable"}, 503), times=10)
    code, _, err = run(capsys, *args)
    assert code == 2
    assert err.splitlines() == [err.strip()] and err.startswith(expected), err
    assert not actions_env["output"].exists()


@pytest.mark.parametrize("args, expected", [
    ([], "error: give pull request numbers (--prs) or a label (--label)"),
    (["--prs", "12 abc"], "error: --prs: 'abc' is not a pull request number"),
    (["--prs", "0"], "error: --prs: '0' is not a pull request number"),
    (["--prs", "1", "--repo", "not-a-repo"], "error: --repo: 'not-a-repo' is not OWNER/NAME"),
    (["--prs", "1", "--runners", "[ubuntu"], "error: --runners: not a JSON list"),
    (["--prs", "1", "--runners", "[1, 2]"], "error: --runners: the JSON list must hold runner labels"),
    (["--prs", "1", "--windows-cap", "-1"], "error: --windows-cap: -1 is negative"),
    (["--prs", "1", "--windows-cap", "five"], "error: --windows-cap: 'five' is not a whole number"),
])
def test_bad_arguments_are_one_line_and_exit_2(github, actions_env, capsys, args, expected) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(expected), err
    assert github.requests == []


def test_unreachable_api_is_one_line(actions_env, monkeypatch, capsys) -> None:
    with GitHubPulls(REPO) as closed:
        url = closed.url
    monkeypatch.setenv("GITHUB_API_URL", url)
    code, _, err = run(capsys, "--prs", "1")
    assert code == 2 and err.startswith(f"error: cannot reach the GitHub API at {url}: connection refused"), err
    assert "GITHUB_API_URL" in err and len(err.splitlines()) == 1


def test_as_a_real_process_without_token(tmp_path: Path) -> None:
    """The CLI a workflow step runs: no token (public repository), outputs file, no traceback."""
    output = tmp_path / "out"
    with GitHubPulls(REPO) as gh:
        gh.add_pull(21, head_repository="bob/app")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}
        env.update(GITHUB_API_URL=gh.url, GITHUB_OUTPUT=str(output), GITHUB_REPOSITORY=REPO)
        proc = subprocess.run([sys.executable, "-m", "ci", "pr-matrix", "--prs", "21", "--label", ""],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert all("Authorization" not in r.headers for r in gh.requests)
    assert proc.returncode == 0, proc.stderr
    assert "::" not in proc.stdout  # not in Actions: no workflow commands
    assert read_outputs(output)["count"] == "3"


# -- the pure parts -----------------------------------------------------------------------


def head(number: int, state: str = "open") -> PullHead:
    return PullHead(number, state, fake_sha(str(number)), f"b{number}", REPO, False)


def test_plan_keeps_order_and_caps_every_windows_runner_together() -> None:
    runners = ["windows-2022", "ubuntu-latest", "windows-latest"]
    plan = plan_matrix(REPO, [head(3), head(1, "closed"), head(2)], runners, 3)
    assert [(c.pr, c.os) for c in plan.cells] == [(3, "windows-2022"), (3, "ubuntu-latest"), (3, "windows-latest"),
                                                   (2, "windows-2022"), (2, "ubuntu-latest")]
    assert plan.windows_left_out == ((2, "windows-latest"),)
    assert [p.number for p in plan.dropped] == [1]
    assert cap_message(plan) == "Windows cap 3: 4 Windows jobs wanted, 3 made; #2 run on ubuntu-latest only"


def test_plan_without_windows_runners_never_mentions_the_cap() -> None:
    plan = plan_matrix(REPO, [head(n) for n in range(1, 10)], ["ubuntu-latest"], 0)
    assert len(plan.cells) == 9 and cap_message(plan) is None


def test_parsers() -> None:
    assert parse_pr_numbers(" #5,6  6\n7 ") == [5, 6, 7]
    assert parse_pr_numbers("") == []
    assert parse_runners("") == RUNNERS
    assert parse_runners('["macos-latest", "ubuntu-latest"]') == ["macos-latest", "ubuntu-latest"]
    assert parse_runners("ubuntu-latest, windows-latest") == ["ubuntu-latest", "windows-latest"]
    with pytest.raises(CiError):
        parse_runners("[]")


def test_pygithub_is_imported_lazily() -> None:
    code = ("import sys, ci.cli, ci.pr_matrix, ci.workflow_rules, ci.junit; "
            "sys.exit(1 if any(m == 'github' or m.startswith('github.') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60).returncode == 0
