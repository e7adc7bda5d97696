"""``--accepts``: an application's argv through a build's parser, inputs replaced, with hints from the help."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from verifier.capabilities import Capabilities
from verifier.cli import main
from verifier.oracle.argv import prepare
from verifier.oracle.hints import hint

B11434 = Capabilities.from_help(help_fixture("real-b11434"), help_fixture("real-b11434.version"))
SKIP_SPEC = ["--skip", "spec-type-mtp,spec-draft-n-max,ngram-mod-knobs"]


def accepts_json(capsys, fake, *args: str) -> tuple[int, dict]:
    code = main([str(fake.path), "--wrapper", sys.executable, "--json", *args])
    return code, json.loads(capsys.readouterr().out)["binaries"][0]


def test_the_done_means_cases_on_build_11434(fake_llama_server, capsys) -> None:
    fake = fake_llama_server(build=11434)
    code, binary = accepts_json(capsys, fake, "--accepts", "--spec-type draft-mtp --spec-draft-n-max 2 -c 4096",
                                "--accepts", "--draft-max 3", "--accepts", "-dio")
    assert code == 1
    ok, removed, dio = binary["accepts"]
    assert ok["accepted"] and ok["outcome"] == "accepted"
    assert removed["outcome"] == "rejected" and removed["argument"] == "--draft-max"
    assert removed["message"].startswith('error while handling argument "--draft-max": the argument has been removed.')
    assert removed["hint"] == "--draft-max was removed: use --spec-draft-n-max or --spec-ngram-mod-n-max"
    assert dio["argument"] == "-dio" and dio["message"] == "error: invalid argument: -dio"
    assert dio["hint"].startswith("-dio is not an argument of this build; --load-mode is")
    rows = [c for c in binary["checks"] if c["id"] == "accepts"]
    assert [r["ok"] for r in rows] == [True, False, False]
    assert "hint: -dio is not an argument of this build" in rows[2]["detail"]


def test_the_same_argv_on_build_9093(fake_llama_server, capsys) -> None:
    code, binary = accepts_json(capsys, fake_llama_server(build=9093), *SKIP_SPEC,
                                "--accepts", "-dio", "--accepts", "--spec-type draft-mtp")
    assert code == 1
    dio, mtp = binary["accepts"]
    assert dio["accepted"]
    assert mtp["argument"] == "--spec-type" and "unknown speculative decoding type" in mtp["message"]
    assert mtp["hint"] == ("--spec-type takes one type in this build: none, ngram-cache, ngram-simple, ngram-map-k, "
                           "ngram-map-k4v, ngram-mod")


def test_model_network_and_file_inputs_are_replaced(tmp_path: Path) -> None:
    argv = ["-m", "/models/app.gguf", "-hf", "org/model:Q4_K_M", "--mmproj-url", "https://example.invalid/x",
            "--chat-template-file", "/etc/app/t.jinja", "--lora-scaled", "a.gguf:0.5", "--log-prompts-dir",
            "/var/log/p", "-c", "4096"]
    prepared = prepare(argv, B11434, tmp_path / "inputs")
    probed = list(prepared.probed)
    assert "/models/app.gguf" not in probed and "-hf" not in probed and "--mmproj-url" not in probed
    assert probed[-2:] == ["-c", "4096"]
    template = Path(probed[probed.index("--chat-template-file") + 1])
    assert template.is_file() and template.read_bytes() == b""
    lora = probed[probed.index("--lora-scaled") + 1]
    assert lora.endswith(":0.5") and Path(lora[:-4]).is_file()
    assert Path(probed[probed.index("--log-prompts-dir") + 1]).is_dir()
    assert [s.kind for s in prepared.substitutions] == ["model", "network", "network", "file", "file", "dir"]


def test_a_stub_or_unknown_network_argument_is_kept_for_the_parser_to_reject(tmp_path: Path) -> None:
    prepared = prepare(["--hf-repo-bogus", "x", "-m", "m.gguf"], B11434, tmp_path)
    assert prepared.probed == ("--hf-repo-bogus", "x", "-m", "m.gguf") and not prepared.substitutions


@pytest.mark.parametrize(("line", "expected"), [
    ("error: invalid argument: --draft-model", "--draft-model is not an argument of this build; did you mean "
                                               "--spec-draft-model?"),
    ("error: invalid argument: -cpent", "-cpent is not an argument of this build (build "),  # the newest that had it
    ("error: invalid argument: --bogus", "--bogus is not an argument of this build"),
    # the listed value "- mlock: ...", not the passing "not using mlock)" two lines above it
    ("error: invalid argument: --mlock",
     '--mlock is not an argument of this build; --load-mode is (its help lists '
     '"mlock: force system to keep model in RAM rather than swapping or compressing")'),
    ('error while handling argument "--spec-type": unknown speculative type: mtp',
     "--spec-type does not list 'mtp'; it lists 'draft-mtp' (types: none, draft-simple, "),
    ('error while handling argument "-c": expected value for argument', "-c takes a value in this build: N"),
    ('error while handling argument "--flash-attn": expected value for argument',
     "--flash-attn takes a value in this build: [on|off|auto]"),
    ("error while handling argument \"--flash-attn\": error: unknown value for --flash-attn: 'yes'",
     "--flash-attn accepts on, off, auto"),
    ('error while handling argument "--ctx-size": stoi', "--ctx-size takes an integer (N)"),
    ("error: something else", None),
])
def test_hints_say_only_what_the_help_shows(line: str, expected: str | None) -> None:
    found = hint(line, B11434)
    assert found == expected if expected is None or not expected.endswith(" ") else found.startswith(expected)


def test_accepts_file_and_a_rejection_that_names_no_argument(fake_llama_server, tmp_path: Path, capsys) -> None:
    listed = tmp_path / "argv.txt"
    listed.write_text("# the app's launch lines\n\n--spec-type ngram-mod -c 2048\nstray-word\n", encoding="utf-8")
    code, binary = accepts_json(capsys, fake_llama_server(build=11434), *SKIP_SPEC, "--accepts-file", str(listed))
    assert code == 1
    first, stray = binary["accepts"]
    assert first["accepted"] and stray["argument"] == "stray-word"


def test_step_summary_and_annotations_in_actions(fake_llama_server, tmp_path: Path, monkeypatch, capsys) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    fake = fake_llama_server(build=11434)
    assert main([str(fake.path), "--wrapper", sys.executable, *SKIP_SPEC, "--accepts", "--draft-max 3"]) == 1
    out = capsys.readouterr().out
    assert "FAIL   accepts" in out
    assert "::error title=accepts failed::" in out and "--draft-max was removed" in out
    assert "| `accepts` | ❌ |" in summary.read_text(encoding="utf-8")


@pytest.mark.parametrize(("args", "message"), [
    (["--accepts", "--spec-type 'unterminated"], "--accepts"),
    (["--accepts-file", "missing.txt"], "cannot read --accepts-file"),
    (["--accepts", "   "], "no argv given"),
])
def test_bad_accepts_input_is_a_clear_error_exit_2(fake_llama_server, tmp_path: Path, args: list[str], message: str) -> None:
    fake = fake_llama_server(build=11434)
    done = subprocess.run([sys.executable, "-m", "verifier", os.path.relpath(fake.path, tmp_path), "--wrapper",
                           sys.executable, *args], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(("error: ", "python -m verifier: error: "))
    assert message in done.stderr.strip().splitlines()[-1]


def test_secret_values_stay_out_of_the_report(fake_llama_server, capsys) -> None:
    code, binary = accepts_json(capsys, fake_llama_server(build=11434), *SKIP_SPEC,
                                "--accepts", "--api-key s3cr3t-value -hft hf_tokenvalue --port 8080")
    out = json.dumps(binary)
    assert code == 0 and "s3cr3t-value" not in out and "hf_tokenvalue" not in out
    assert binary["accepts"][0]["argv"] == ["--api-key", "***", "-hft", "***", "--port", "8080"]
