"""One command line, consistent everywhere: modes, numbers, empty paths, help texts, exit codes, names."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from verifier import cli
from verifier.speculative.modes import MODES

ROOT = Path(__file__).resolve().parents[2]
PARSERS = {"verify": cli.build_parser, "diff": cli.build_diff_parser, "resolve": cli.build_resolve_parser}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("typo", ["turbo", "ngarm", "mpt", "mtp,turbo"])
def test_resolve_rejects_an_unknown_mode_with_the_known_list(typo: str, fake_binary, capsys) -> None:
    binary = fake_binary(help_fixture("real-b11434"))
    code, out, err = run(capsys, "resolve", "--binary", *binary.cli_args(), "--size", "1", "--cpu", "--mode", typo)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert f"argument --mode: unknown mode {typo!r}; known: {', '.join(MODES)}" in err


def test_launch_modes_reject_the_same_typo_the_same_way(fake_binary, tmp_path: Path, capsys) -> None:
    binary = fake_binary(help_fixture("real-b11434"))
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    code, _, err = run(capsys, *binary.cli_args(), "--launch", str(model), "--modes", "off,turbo")
    assert code == 2
    assert f"--modes: unknown mode 'turbo'; known: {', '.join(MODES)}" in err.splitlines()[-1]


@pytest.mark.parametrize("alias", ["draft-mtp", "none", "ngram-mod", "mtp,ngram", "DEFAULT"])
def test_resolve_accepts_aliases(alias: str, fake_binary, capsys) -> None:
    binary = fake_binary(help_fixture("real-b11434"))
    code, _, _ = run(capsys, "resolve", "--binary", *binary.cli_args(), "--size", "1", "--cpu", "--mode", alias)
    assert code == 0


def test_resolve_says_why_when_there_is_nothing_to_emit(fake_binary, capsys) -> None:
    no_mtp = fake_binary(help_fixture("real-b9093"))
    code, out, err = run(capsys, "resolve", "--binary", *no_mtp.cli_args(), "--size", "1", "--cpu", "--mode", "mtp")
    assert code == 0 and out == ""  # no empty line for $(...) to pick up
    lines = err.splitlines()
    assert lines[0].startswith("warning: this binary lists no draft-mtp")
    assert lines[-1] == "note: no speculative flags to emit (see the warning above); stdout is empty"
    code, out, err = run(capsys, "resolve", "--binary", *no_mtp.cli_args(), "--size", "1", "--cpu", "--mode", "off")
    assert (code, out) == (0, "")
    assert err == "note: no speculative flags to emit (mode off sends none); stdout is empty\n"
    code, out, _ = run(capsys, "resolve", "--binary", *no_mtp.cli_args(), "--size", "1", "--cpu", "--mode", "off",
                       "--json")
    assert json.loads(out)["argv"] == []


@pytest.mark.parametrize("argv, message", [
    (["--timeout", "-1"], "argument --timeout: must be greater than 0: '-1'"),
    (["--timeout", "0"], "argument --timeout: must be greater than 0: '0'"),
    (["--timeout", "inf"], "argument --timeout: must be a finite number: 'inf'"),
    (["--timeout", "nan"], "argument --timeout: must be a finite number: 'nan'"),
    (["--launch-timeout", "-5"], "argument --launch-timeout: must be greater than 0: '-5'"),
    (["diff", "a", "b", "--timeout", "nan"], "argument --timeout: must be a finite number: 'nan'"),
    (["resolve", "--binary", "b", "--size", "-3", "--cpu"], "argument --size: must be greater than 0: '-3'"),
    (["resolve", "--binary", "b", "--size", "3", "--cpu", "--n-max", "17"],
     "argument --n-max: must be from 1 to 16: '17'"),
    (["resolve", "--binary", "b", "--size", "3", "--cpu", "--timeout", "x"], "argument --timeout: not a number: 'x'"),
])
def test_numbers_are_validated(argv: list[str], message: str, capsys) -> None:
    code, out, err = run(capsys, *argv, *(["./llama-server"] if argv[0].startswith("--") else []))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and f"error: {message}; see " in err, err


@pytest.mark.parametrize("argv", [[""], ["diff", "", "b"], ["resolve", "--binary", "", "--size", "1", "--cpu"]])
def test_an_empty_binary_path_is_no_binary_given(argv: list[str], capsys) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "error: argument" in err and "no binary given (an empty path: did the command that prints it fail?)" in err
    assert "is a directory" not in err


@pytest.mark.parametrize("name", list(PARSERS))
def test_every_option_has_help_text(name: str) -> None:
    parser = PARSERS[name]()
    missing = [a.option_strings or [a.dest] for a in parser._actions
               if not isinstance(a, argparse._HelpAction) and not a.help]
    assert missing == []


def test_each_subcommand_lists_only_its_own_exit_codes() -> None:
    diff_help = cli.build_diff_parser().format_help()
    resolve_help = cli.build_resolve_parser().format_help()
    verify_help = cli.build_parser().format_help()
    assert "B fails a check A passed" in diff_help and "every check passed" not in diff_help
    assert "  1  " not in resolve_help and "a check failed" not in resolve_help
    assert "resolved: the argv on stdout" in resolve_help
    assert "diff" not in verify_help.split("exit codes:")[1]
    for text in (diff_help, resolve_help, verify_help):
        assert "130  interrupted" in text


def test_the_console_script_names_itself(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / ("llama-server-verifier" + (".exe" if sys.platform == "win32" else ""))
    assert script.is_file(), "the console script is installed with the package"
    for argv in ([], ["resolve"], ["diff"]):
        done = subprocess.run([str(script), *argv, "--help"], capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0
        assert done.stdout.startswith(f"usage: {' '.join(['llama-server-verifier', *argv])} ")
    module = subprocess.run([sys.executable, "-m", "verifier", "resolve", "--help"], capture_output=True, text=True,
                            cwd=ROOT)
    assert module.stdout.startswith("usage: python -m verifier resolve ")
