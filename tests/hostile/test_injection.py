"""Class 1: external text cannot inject workflow commands, markup or terminal sequences.

Every external field a fake can control (help, version, parser errors, JUnit ids and skip
reasons, workflow job ids, PR head refs) carries runner commands, CR tricks, ANSI sequences
and HTML. The output of each command, read by the runner's own parsing rules
(:func:`tests.hostile.support.runner_commands`), holds only the tool's own annotations.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.hostile.support import clean_env, python_wrapper, run_module, runner_commands
from tests.support.github_pulls import GitHubPulls
from verifier.util.neutral import for_markdown, for_runner, for_terminal, is_runner_safe, json_text, md_code

ATTACKS = [
    "::error::injected",
    "  ::warning file=x::indented",
    "ok\r::notice::after a bare CR",
    "middle ##[error]legacy form",
    "::stop-commands::pwned",
    "::add-mask::everything",
    "\x1b[2K\x1b[1A\rPASS   spec-type-mtp",
    "<img src=x onerror=alert(1)> | `tick` [link](http://example.invalid) *bold*",
    "\u202eevil\u202c",
]
HOSTILE = " ".join(ATTACKS)
VERSION = f"version: 0.6.0 {HOSTILE} (build 9093, commit abc)"


def assert_only_own_annotations(text: str) -> None:
    """Commands come only from the tool: ``::error title=...`` lines it built; no ESC reaches the stream."""
    commands = runner_commands(text)
    assert set(commands) <= {"error", "warning", "notice"}, commands
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip().startswith("::"):
            assert line.startswith(("::error title=", "::error file=", "::warning title=", "::notice title=")), line
    assert "\x1b" not in text and "\u202e" not in text


@pytest.fixture
def actions_env(tmp_path: Path) -> dict[str, str]:
    return clean_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
                     GITHUB_OUTPUT=str(tmp_path / "output"))


@pytest.fixture
def hostile_binaries(fake_binary) -> list[str]:
    failing = fake_binary(help=help_fixture("real-b9093") + f"\n--evil N  {HOSTILE}\n", version=VERSION)
    broken = fake_binary(help="", stderr=HOSTILE + "\n" + ATTACKS[2] + "\n", exit_code=3)
    return [str(failing.path), str(broken.path)]


@pytest.mark.parametrize("json_mode", [False, True])
def test_verifier_output_carries_only_its_own_annotations(hostile_binaries, actions_env, json_mode) -> None:
    done = run_module("verifier", *hostile_binaries, *python_wrapper(), "--argv", *(["--json"] if json_mode else []),
                      env=actions_env)
    assert done.returncode == 2, done.stderr
    assert_only_own_annotations(done.stdout)
    assert_only_own_annotations(done.stderr)
    assert runner_commands(done.stdout + done.stderr).count("error") >= 2  # the tool's own are intact
    if json_mode:
        report = json.loads(done.stdout)
        assert report["binaries"][0]["version"] == VERSION[len("version: "):]


def test_step_summary_has_no_markup_from_outside(hostile_binaries, actions_env) -> None:
    run_module("verifier", *hostile_binaries, *python_wrapper(), env=actions_env)
    summary = Path(actions_env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert "<img" not in summary and "&lt;img" in summary
    assert "[link](" not in summary and "\\[link\\](" in summary and "\x1b" not in summary
    for row in (line for line in summary.splitlines() if line.startswith("| ")):
        assert row.count(" | ") + 2 == summary.splitlines()[2].count("|")  # no cell split by a pipe


def test_terminal_output_outside_actions_has_no_escape_sequences(hostile_binaries) -> None:
    done = run_module("verifier", *hostile_binaries, *python_wrapper())
    assert "\x1b" not in done.stdout + done.stderr and "\u202e" not in done.stdout + done.stderr
    assert "\\x1b[2K" in done.stdout + done.stderr  # shown, not executed
    assert not any(line.startswith("PASS") for line in done.stdout.splitlines())


def test_junit_ids_and_reasons_cannot_inject(tmp_path: Path, actions_env) -> None:
    xml = ('<testsuite><testcase classname="{c}" name="{n}"><skipped message="{m}"/></testcase></testsuite>'
           .format(c="::error::cls", n="x&#13;::warning::name ##[group]g", m="&#155;[31m::stop-commands::t"))
    for runner in ("linux", "windows"):
        (tmp_path / runner).mkdir()
        (tmp_path / runner / "junit.xml").write_text(xml, encoding="utf-8")
    done = run_module("ci", "junit-collate", str(tmp_path), env=actions_env)
    assert done.returncode == 1, done.stderr
    assert_only_own_annotations(done.stdout + done.stderr)
    assert runner_commands(done.stdout).count("error") == 1


def test_workflow_job_ids_cannot_inject(tmp_path: Path, actions_env) -> None:
    workflow = tmp_path / "wf.yml"
    workflow.write_text(
        "name: x\non: [push]\npermissions: {}\nconcurrency:\n  group: g-${{ github.ref }}\n  cancel-in-progress: true\n"
        'jobs:\n  "::error::job ##[warning]x\\r::notice::y":\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n',
        encoding="utf-8")
    done = run_module("ci", "lint-workflows", str(workflow), env=actions_env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert_only_own_annotations(done.stdout + done.stderr)


def test_pull_request_fields_cannot_inject(tmp_path: Path, actions_env) -> None:
    with GitHubPulls("octo/app") as gh:
        gh.add_pull(7, head_repository="bob/app", head_ref="::error::ref\r::warning::cr ##[group]x\x1b[31m",
                    title="::stop-commands::t")
        env = {**actions_env, "GITHUB_API_URL": gh.url, "GITHUB_REPOSITORY": "octo/app"}
        done = run_module("ci", "pr-matrix", "--prs", "7", env=env)
    assert done.returncode == 0, done.stderr
    assert_only_own_annotations(done.stdout + done.stderr)
    outputs = Path(actions_env["GITHUB_OUTPUT"]).read_text(encoding="utf-8")
    matrix = json.loads(outputs.split("matrix=", 1)[1].split("\n", 1)[0])
    assert "::error::ref" in json.dumps(matrix)  # the outputs keep the exact value for the checkout step


# -- the neutralisers themselves -----------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_sink_function_neutralises(attack: str) -> None:
    assert is_runner_safe(for_runner(attack))
    assert "\x1b" not in for_terminal(attack) and "\r" not in for_terminal(attack) and "\n" not in for_terminal(attack)
    cell = for_markdown(attack)
    assert "<" not in cell and "\n" not in cell and "|" not in cell.replace("\\|", "")
    assert "`" not in md_code(attack) and "|" not in md_code(attack) and "<img" not in md_code(attack)


@pytest.mark.parametrize("value", [HOSTILE, {"k::": ["##[x]", "a\\::b", "\\##["]}, ["::", "#", "##", "["]])
def test_json_escaping_keeps_values_exact(value: object) -> None:
    text = json_text(value)
    assert "::" not in text and "##[" not in text
    assert json.loads(text) == value
