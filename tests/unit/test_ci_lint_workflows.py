"""``python -m ci lint-workflows``: the repository passes, each bad fixture is caught by its rule."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ci.cli import main
from ci.workflow_rules import RULES, check_documents, literal_prefix, pr_cell_keys
from ci.yamldoc import parse_yaml
from verifier.util.gha import escape_data

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "workflows"

# fixture -> the one rule it breaks (the fixture's first line says so too)
BAD_FIXTURES = {
    "missing-concurrency.yml": "concurrency",
    "no-cancel-in-progress.yml": "concurrency",
    "caller-named-group.yml": "concurrency-group",
    "shared-prefix": "concurrency-group",
    "per-pr-group-without-runner.yml": "matrix-concurrency",
    "per-pr-without-job-concurrency.yml": "matrix-concurrency",
    "job-without-timeout.yml": "timeout",
    "no-permissions.yml": "permissions",
    "tag-pinned-action.yml": "pinned",
    "node20-action.yml": "node-runtime",
    "unpinned-composite-action.yml": "pinned",
    "expression-in-run.yml": "run-expression",
}


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}


def doc(text: str):
    return parse_yaml(text, Path("inline.yml"), "inline.yml")


def rules_of(text: str) -> set[str]:
    return {f.rule for f in check_documents([doc(text)])}


GOOD = """\
name: Good
on:
  push:
permissions: {}
concurrency:
  group: good-${{ github.ref }}
  cancel-in-progress: true
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - run: echo "$VALUE"
        env:
          VALUE: ${{ github.ref }}
"""


def test_the_repository_passes_as_a_real_process() -> None:
    proc = subprocess.run([sys.executable, "-m", "ci", "lint-workflows"], cwd=ROOT, env=clean_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no findings" in proc.stdout and proc.stderr == ""
    assert "5 files checked" in proc.stdout  # four workflows and action.yml


def test_every_rule_has_a_fixture_and_every_fixture_says_its_rule() -> None:
    assert set(BAD_FIXTURES.values()) == set(RULES)
    on_disk = {p.name for p in FIXTURES.iterdir()} - {"bad-input"}
    assert on_disk == set(BAD_FIXTURES)
    for name, rule in BAD_FIXTURES.items():
        path = FIXTURES / name
        first = sorted(path.glob("*.yml"))[0] if path.is_dir() else path
        assert f'"{rule}"' in first.read_text(encoding="utf-8").splitlines()[0], name


@pytest.mark.parametrize("name", sorted(BAD_FIXTURES))
def test_each_bad_fixture_is_caught_by_its_rule_only(name: str, capsys) -> None:
    code = main(["lint-workflows", str(FIXTURES / name)])
    out = capsys.readouterr().out
    findings = [line for line in out.splitlines() if ": [" in line]
    assert code == 1, out
    assert findings, out
    assert {line.split("[", 1)[1].split("]", 1)[0] for line in findings} == {BAD_FIXTURES[name]}, out
    assert "finding" in out.splitlines()[-1]


def test_findings_point_at_the_offending_line(capsys) -> None:
    main(["lint-workflows", str(FIXTURES / "expression-in-run.yml")])
    first = capsys.readouterr().out.splitlines()[0]
    match = re.match(r"(?P<path>.+):(?P<line>[0-9]+): \[run-expression\] ", first)  # paths may hold a drive colon
    assert match, first
    path, line = match["path"], match["line"]
    text = (FIXTURES / "expression-in-run.yml").read_text(encoding="utf-8").splitlines()
    assert path.endswith("expression-in-run.yml")
    assert "${{ inputs.pytest-args }}" in text[int(line) - 1]


def test_in_actions_findings_become_error_annotations_and_a_summary(tmp_path, monkeypatch, capsys) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code = main(["lint-workflows", str(FIXTURES / "job-without-timeout.yml")])
    out = capsys.readouterr().out
    annotations = [line for line in out.splitlines() if line.startswith("::error ")]
    assert code == 1 and len(annotations) == 1
    assert annotations[0].startswith("::error file=")
    assert ",line=10,title=lint-workflows timeout::" in annotations[0]
    assert annotations[0].endswith("::" + escape_data("job test has no timeout-minutes (a hung job holds its runner "
                                                      "for 6 hours)"))
    assert "| timeout |" in summary.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, expected", [
    (["does-not-exist"], "does-not-exist: no such file or directory"),
    ([str(FIXTURES / "bad-input" / "unparsable.yml")], "unparsable YAML: line "),
    ([str(FIXTURES / "bad-input" / "not-a-workflow.yml")], "not a workflow (no jobs:) or action metadata"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], expected: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "ci", "lint-workflows", *args], cwd=ROOT, env=clean_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], proc.stderr


def test_a_folder_without_workflows_is_bad_input(tmp_path, capsys) -> None:
    assert main(["lint-workflows", str(tmp_path)]) == 2
    assert "no workflow files" in capsys.readouterr().err


def test_undecodable_file_is_bad_input(tmp_path, capsys) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes(b"name: caf\xe9\njobs: {}\n")
    assert main(["lint-workflows", str(path)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_on_key_stays_a_string_and_lines_are_kept() -> None:
    parsed = doc(GOOD)
    assert "on" in parsed.data and True not in parsed.data
    assert parsed.line("jobs", "test", "timeout-minutes") == 11
    assert parsed.line("jobs", "test", "steps", 1, "run") == 18
    assert parsed.line("jobs", "nope", "deeper") == 8  # deepest existing prefix: jobs
    assert rules_of(GOOD) == set()


@pytest.mark.parametrize("group, ok", [
    ("suite-${{ github.ref }}", True),
    ("suite-${{ github.workflow }}-${{ github.ref }}", True),  # literal prefix first: cannot equal the caller's
    ("${{ github.workflow }}-${{ github.ref }}", False),
    ("${{ github.ref }}", False),
    ("-${{ github.ref }}", False),
    ("suite", False),  # constant: every ref would share one group
])
def test_group_collision_safety(group: str, ok: bool) -> None:
    text = GOOD.replace("good-${{ github.ref }}", group)
    assert ("concurrency-group" not in rules_of(text)) is ok


def test_cancel_in_progress_may_be_an_expression_but_not_false_or_missing() -> None:
    expr = GOOD.replace("cancel-in-progress: true", "cancel-in-progress: ${{ github.event_name == 'pull_request' }}")
    assert rules_of(expr) == set()
    assert rules_of(GOOD.replace("cancel-in-progress: true", "cancel-in-progress: false")) == {"concurrency"}
    assert rules_of(GOOD.replace("  cancel-in-progress: true\n", "")) == {"concurrency"}
    string_form = GOOD.replace("concurrency:\n  group: good-${{ github.ref }}\n  cancel-in-progress: true",
                               "concurrency: good-${{ github.ref }}")
    assert rules_of(string_form) == {"concurrency"}


def test_reusable_workflow_callers_need_no_timeout_but_must_be_pinned() -> None:
    caller = GOOD.replace("""    runs-on: ubuntu-latest
    timeout-minutes: 5
""", "").replace("""    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - run: echo "$VALUE"
        env:
          VALUE: ${{ github.ref }}
""", "    uses: ./.github/workflows/other.yml\n")
    assert rules_of(caller) == set()
    remote = caller.replace("./.github/workflows/other.yml", "octo/tools/.github/workflows/x.yml@main")
    assert rules_of(remote) == {"pinned"}
    pinned = caller.replace("./.github/workflows/other.yml",
                            "octo/tools/.github/workflows/x.yml@34e114876b0b11c390a56381ad16ebd13914f8d5 # v1.2.0")
    assert rules_of(pinned) == set()


@pytest.mark.parametrize("uses, ok", [
    ("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", True),
    ("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", False),  # no version comment
    ("actions/checkout@v4 # v4", False),
    ("actions/checkout", False),
    ("./local-action", True),
    ("docker://alpine:3.20", False),
    ("docker://alpine@sha256:" + "a" * 64, True),
])
def test_pinning(uses: str, ok: bool) -> None:
    text = GOOD.replace("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", uses)
    assert ("pinned" not in rules_of(text)) is ok


def test_broad_or_missing_permissions() -> None:
    assert rules_of(GOOD.replace("permissions: {}", "permissions: write-all")) == {"permissions"}
    no_job_permissions = GOOD.replace("    permissions:\n      contents: read\n", "")
    assert rules_of(no_job_permissions) == set()  # the workflow-level {} covers the job
    assert rules_of(no_job_permissions.replace("permissions: {}\n", "")) == {"permissions"}


def test_per_pr_cells_are_recognised_by_their_matrix_keys() -> None:
    job = {"runs-on": "${{ matrix.os }}", "strategy": {"matrix": {"pr": [1, 2], "os": ["ubuntu-latest"]}}}
    assert pr_cell_keys(job) == ["pr", "os"]
    dynamic = {"runs-on": "${{ matrix.runner }}", "strategy": {"matrix": "${{ fromJSON(needs.a.outputs.m) }}"},
               "steps": [{"with": {"ref": "refs/pull/${{ matrix.pull_request }}/head"}}]}
    assert pr_cell_keys(dynamic) == ["pull_request", "runner"]
    assert pr_cell_keys({"runs-on": "${{ matrix.os }}", "strategy": {"matrix": {"os": ["a", "b"]}}}) == []


def test_literal_prefix_normalises() -> None:
    assert literal_prefix("CI-${{ github.ref }}") == "ci"
    assert literal_prefix("${{ github.workflow }}") == ""


@pytest.mark.parametrize("uses, removed", [
    ("actions/checkout@34e114876b0b11c390a56381ad16ebd13914f8d5 # v4.3.1", True),
    ("actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0", False),
    ("actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0", True),
    ("actions/upload-artifact@330a01c490aca151604b8cf639adc76d48f6c5d4 # v5.0.0", True),
    ("actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1", False),
    ("actions/download-artifact@018cc2cf5baa6db3ef3c5f8a56943fffe632ef53 # v6.0.0", True),
    ("ACTIONS/Checkout@v3", True),  # a tag pin is read from the ref itself
    ("octo/unknown-action@34e114876b0b11c390a56381ad16ebd13914f8d5 # v1.0.0", False),  # not in the table
])
def test_a_major_on_a_removed_node_runtime_is_flagged(uses: str, removed: bool) -> None:
    text = GOOD.replace("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", uses)
    assert ("node-runtime" in rules_of(text)) is removed


def test_the_node_runtime_finding_names_the_runtime_and_the_way_out() -> None:
    from ci.workflow_rules import check_documents
    from ci.yamldoc import load_lint_documents

    [finding] = [f for f in check_documents(load_lint_documents([FIXTURES / "node20-action.yml"]))
                 if f.rule == "node-runtime"]
    assert finding.line == 15
    assert "actions/checkout v4.3.1 runs on node20" in finding.message and "pin v5 or later" in finding.message


def test_the_runtime_table_knows_the_current_pins_of_this_repository() -> None:
    """Every action this repository pins is in the offline table, so the rule really looks at it."""
    from ci import action_runtimes

    text = "\n".join(p.read_text(encoding="utf-8") for p in [*(ROOT / ".github" / "workflows").glob("*.yml"),
                                                          ROOT / "action.yml"])
    pinned = {m.group(1).lower() for m in re.finditer(r"uses: (actions/[\w-]+|astral-sh/[\w-]+)@", text)}
    assert pinned and pinned <= set(action_runtimes.RUNTIMES)
