"""Class 6: no traceback, ever. The listed cases, then a fuzz test per entry point over malformed shapes.

Each entry point (``python -m verifier`` and its ``diff``/``resolve``/``--release`` modes,
``python -m ci`` and its three commands) runs inside one guard and reads external data
through a typed boundary. The fuzz tests call the entry points in-process, so an escaping
exception fails the test directly; every outcome must be a documented exit code.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci.cli import main as ci_main
from tests.conftest import help_fixture
from tests.hostile.support import ROOT, clean_env, python_wrapper, run_module
from tests.support.github_pulls import GitHubPulls
from tests.support.http_server import Response
from verifier.cli import main as verifier_main

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])
ODD = [None, 0, -1, 12, "12", "", "::error::x", "<html>", [], {}, [1], True, 1e308, "\udcff".encode(
    "utf-8", "surrogatepass").decode("latin-1")]


def one_line(done: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert done.returncode == code, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert not lines[0].startswith("error: unexpected"), lines[0]  # a typed boundary named the problem
    return lines[0]


# -- the listed cases --------------------------------------------------------------------------


@pytest.fixture
def good(fake_binary):
    return fake_binary(help=help_fixture("real-b11434"), version="version: 11434 (abc)")


def test_launch_on_a_file_that_is_not_gguf(good, tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"this is not a model")
    assert "not a readable GGUF file" in one_line(run_module("verifier", str(good.path), *python_wrapper(),
                                                             "--launch", str(model)))


def test_completion_answering_a_json_list(tmp_path: Path) -> None:
    from tests.unit.test_resolver_modes import write_gguf

    model = write_gguf(tmp_path / "m.gguf", arch="gemma3", size_label="270M")
    server = ROOT / "tests" / "support" / "fake_server.py"
    done = run_module("verifier", str(server), *python_wrapper(), "--launch", str(model), "--modes", "off",
                      env=clean_env(FAKE_SERVER="list-answer"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "/completion answered a JSON list, not an object" in done.stdout


@pytest.mark.parametrize("args, expected", [
    (["--wrapper", '"x'], "--wrapper"),
    (["--timeout", "inf"], "must be a finite number"),
    (["--timeout", "nan"], "must be a finite number"),
    (["--timeout", "-3"], "must be greater than 0"),
])
def test_bad_option_values(good, args: list[str], expected: str) -> None:
    done = run_module("verifier", str(good.path), *args)
    assert done.returncode == 2 and "Traceback" not in done.stderr and expected in done.stderr, done.stderr


def test_extra_args_with_an_unbalanced_quote(good) -> None:
    done = run_module("verifier", "resolve", "--binary", str(good.path), *python_wrapper(), "--size", "1", "--cpu",
                      "--extra-args", "'x")
    assert "--extra-args" in one_line(done)


def test_an_unwritable_step_summary_does_not_change_the_verdict(good, tmp_path: Path) -> None:
    done = run_module("verifier", str(good.path), *python_wrapper(),
                      env=clean_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(tmp_path)))
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "warning: cannot write the step summary" in done.stderr


@pytest.mark.parametrize("url", ["not a url", "http://[::1", "ftp://example.invalid", "http://127.0.0.1:1"])
def test_a_bad_github_api_url(url: str) -> None:
    one_line(run_module("ci", "pr-matrix", "--repo", "o/r", "--prs", "1", env=clean_env(GITHUB_API_URL=url)))
    one_line(run_module("verifier", "--release", "b1", "--list", "--retry-wait", "0",
                        env=clean_env(GITHUB_API_URL=url)))


def test_lint_on_dev_null_and_a_fifo(tmp_path: Path) -> None:
    targets = [os.devnull]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.yml")
        targets.append(str(tmp_path / "fifo.yml"))
    for target in targets:
        one_line(run_module("ci", "lint-workflows", target))


def test_junit_collate_on_a_fifo(tmp_path: Path) -> None:
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "cell.xml")
    else:
        (tmp_path / "cell.xml").mkdir()  # Windows has no FIFO in the file system: a folder named like a file
    one_line(run_module("ci", "junit-collate", str(tmp_path)))


def test_stdout_closed_early(good) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "verifier", *[str(good.path)] * 40, *python_wrapper()],
                            cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # like `| head -0`: the reader is gone before the report is written
    _, err = proc.communicate(timeout=300)
    assert b"Traceback" not in err and b"Exception ignored" not in err, err
    assert proc.returncode == 2


def test_text_a_cp1252_console_cannot_show(fake_binary) -> None:
    fake = fake_binary(help=help_fixture("real-b11434"),
                       version="version: 0.6 \u2603 \u0416 (build 11434, commit abc)",
                       body="sys.stdout.buffer.write(b'--bad \\xff\\xfe  invalid utf-8\\n')")
    done = run_module("verifier", str(fake.path), *python_wrapper(), env=clean_env(PYTHONIOENCODING="cp1252"))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


# -- pr-matrix: odd API answers, outputs only when complete -------------------------------------


PULL_PATH = r"/repos/octo/app/pulls/7"


def pull_json(gh: GitHubPulls) -> dict:
    return gh._pull_json(gh.pulls[7], full=True)


def set_path(data: dict, path: tuple[str, ...], value: object) -> dict:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


ODD_ANSWERS = {
    "null state": lambda gh: Response.json(set_path(pull_json(gh), ("state",), None)),
    "null head": lambda gh: Response.json(set_path(pull_json(gh), ("head",), None)),
    "null head.sha": lambda gh: Response.json(set_path(pull_json(gh), ("head", "sha"), None)),
    "string number": lambda gh: Response.json(set_path(pull_json(gh), ("number",), "7")),
    "list body": lambda gh: Response.json([pull_json(gh)]),
    "HTML body": lambda gh: Response(200, b"<html><body>Unicorn!</body></html>", {"Content-Type": "text/html"}),
    "far-future reset": lambda gh: Response.json({"message": "API rate limit exceeded"}, 403, {
        "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999999999999"}),
    "redirect to another host": lambda gh: Response.redirect("http://127.0.0.2:9/elsewhere", 301),
    "redirect loop": lambda gh: Response.redirect(gh.url + "/repos/octo/app/pulls/7", 301),
}


@pytest.mark.parametrize("case", list(ODD_ANSWERS))
def test_odd_pull_request_answers(case: str, tmp_path: Path) -> None:
    output = tmp_path / "github_output"
    with GitHubPulls("octo/app") as gh:
        gh.add_pull(7)
        gh.server.fail_next(PULL_PATH, ODD_ANSWERS[case](gh), times=100)
        done = run_module("ci", "pr-matrix", "--repo", "octo/app", "--prs", "7",
                          env=clean_env(GITHUB_API_URL=gh.url, GITHUB_OUTPUT=str(output), GITHUB_ACTIONS="true"))
    one_line(done)
    assert not output.exists() or output.read_text() == ""  # nothing written unless complete


@FUZZ
@given(path=st.sampled_from([("state",), ("number",), ("head",), ("head", "sha"), ("head", "ref"), ("head", "repo"),
                             ("base",), ("base", "repo"), ("labels",), ("title",), ("draft",), ("merged_at",),
                             ("head", "repo", "full_name")]),
       value=st.sampled_from(ODD) | st.text(max_size=20))
def test_fuzz_pr_matrix_answers(path: tuple[str, ...], value: object, tmp_path: Path, monkeypatch, capsys) -> None:
    output = tmp_path / "out"
    output.unlink(missing_ok=True)
    with GitHubPulls("octo/app") as gh:
        gh.add_pull(7, head_repository="bob/app")
        try:
            body = set_path(pull_json(gh), path, value)
        except (TypeError, KeyError):
            return
        gh.server.fail_next(PULL_PATH, Response.json(body), times=100)
        monkeypatch.setenv("GITHUB_API_URL", gh.url)
        code = ci_main(["pr-matrix", "--repo", "octo/app", "--prs", "7", "--output", str(output)])
    err = capsys.readouterr().err
    assert code in (0, 2), err
    assert "error: unexpected" not in err, err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and not (output.exists() and output.read_text())


# -- the other entry points ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_asset(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("asset") / "a.tar.gz"
    path.write_bytes(b"not really an archive")
    return path


@FUZZ
@given(field=st.sampled_from(["tag_name", "assets", "asset.name", "asset.size", "asset.digest", "asset.url",
                              "asset.id", "prerelease", "whole"]),
       value=st.sampled_from(ODD) | st.text(max_size=20))
def test_fuzz_release_answers(field: str, value: object, tiny_asset: Path, monkeypatch, capsys) -> None:
    from tests.support.github_releases import FakeGitHub, host_platform

    with FakeGitHub() as gh:
        release = gh.add_release("b1", {f"llama-b1-bin-{host_platform()[0]}.tar.gz": tiny_asset})
        data = gh._release_json(release)
        if field == "whole":
            data = value
        elif field.startswith("asset."):
            data["assets"][0][field.split(".", 1)[1]] = value
        else:
            data[field] = value
        gh.api.fail_next(gh.api_release_path("b1"), Response.json(data), times=100)
        monkeypatch.setenv("GITHUB_API_URL", gh.api.url)
        try:
            code = verifier_main(["--release", "b1", "--list", "--retry-wait", "0"])
        except SystemExit as exc:
            code = exc.code
    err = capsys.readouterr().err
    assert code in (0, 2), err
    assert "Traceback" not in err and "error: unexpected" not in err, err


OPTIONS = ["--json", "--argv", "--timeout", "--wrapper", "--require", "--skip", "--launch", "--modes", "--list",
           "--repo", "--asset", "--platform", "--all-host", "--jobs", "--launch-timeout", "diff", "resolve",
           "--binary", "--model", "--size", "--mtp", "--mode", "--gpu", "--cpu", "--n-max", "--p-min",
           "--extra-args", "--model-id", "--cache"]
VALUES = ["inf", "nan", "-1", "0", "1e999", '"x', "'x", "", " ", "::error::x", "a,b,,", "turbo", "mtp+ngram",
          os.devnull, "no/such/file", "\x00", "1" * 400, "ngram-mod", ".", "*"]


@FUZZ
@given(argv=st.lists(st.sampled_from(OPTIONS + VALUES + ["@BINARY"]), max_size=8))
def test_fuzz_verifier_command_line(argv: list[str], good, capsys, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:1")
    argv = [str(good.path) if a == "@BINARY" else a for a in argv]
    if "--wrapper" not in argv:
        argv += python_wrapper()
    if "--timeout" not in argv:
        argv += ["--timeout", "20"]
    try:
        code = verifier_main([a for a in argv if "\x00" not in a or a == "\x00"])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err and "error: unexpected" not in err, err


CI_WORDS = ["lint-workflows", "pr-matrix", "junit-collate", "--prs", "--label", "--runners", "--windows-cap",
            "--output", "--json", "--repo", "1", "x", "-5", "[]", '["a"', "o/r", "::", os.devnull, ".", "no/such"]


@FUZZ
@given(argv=st.lists(st.sampled_from(CI_WORDS), max_size=7))
def test_fuzz_ci_command_line(argv: list[str], capsys, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:1")
    monkeypatch.chdir(ROOT)
    try:
        code = ci_main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code in (0, 1, 2) and "error: unexpected" not in err, (code, err)


@FUZZ
@given(text=st.lists(st.sampled_from(list("<>/=\"' \n&;#x") + ["testcase", "testsuite", "skipped", "name", "message",
                                                                "classname"]), max_size=60).map("".join))
def test_fuzz_junit_files(text: str, tmp_path: Path, capsys) -> None:
    cell = tmp_path / "fuzz-cell"
    cell.mkdir(exist_ok=True)
    (cell / "junit.xml").write_text(text, encoding="utf-8")
    code = ci_main(["junit-collate", str(tmp_path)])
    err = capsys.readouterr().err
    assert code in (0, 1, 2) and "error: unexpected" not in err, err


@FUZZ
@given(text=st.lists(st.sampled_from(list("&*!:-[]{}|>\"' \n#,?") + ["jobs", "on", "runs", "steps", "uses", "a", "b"]),
                     max_size=60).map("".join))
def test_fuzz_workflow_files(text: str, tmp_path: Path, capsys) -> None:
    doc = tmp_path / "wf.yml"
    doc.write_text(text, encoding="utf-8")
    code = ci_main(["lint-workflows", str(doc)])
    err = capsys.readouterr().err
    assert code in (0, 1, 2) and "error: unexpected" not in err, err
