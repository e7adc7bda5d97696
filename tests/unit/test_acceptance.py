"""The argv proof: classification of parser output, and the pipeline on a fake parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.unit.test_resolver_modes import write_gguf
from verifier.acceptance import (
    ACCEPTED, DRAFT_PATH, INCONCLUSIVE, REJECTED, argv_cases, check_argv, classify, parser_verdict, type_cases,
)
from verifier.capabilities import Capabilities
from verifier.cli import main
from verifier.speculative.modes import MODES

# A fake llama-server parser: flags its own help lists are accepted (removed stubs and
# unknown flags are rejected the way llama.cpp words it), then the model fails to load.
PARSER = """
if '--help' not in sys.argv and '--version' not in sys.argv:
    import re
    helptext = open(sys.argv[0] + '.help', encoding='utf-8').read()
    known, removed = set(), set()
    for line in helptext.splitlines():
        if line.startswith('-'):
            names = set(re.findall(r'(?:^|, )(--?[\\w-]+)', re.split(r'\\s{2,}', line)[0]))
            known |= names
            if 'the argument has been removed' in line:
                removed |= names
    for token in sys.argv[1:]:
        if token.startswith('--') and token not in known | {'--host', '--port'}:
            print('error: invalid argument: ' + token, file=sys.stderr); sys.exit(1)
        if token in removed:
            print('error while handling argument "%s": the argument has been removed.' % token, file=sys.stderr)
            sys.exit(1)
    print('E llama_model_load_from_file_impl: failed to load model', file=sys.stderr)
    sys.exit(1)
"""


def fake_parser(fake_binary, help_name: str, strip: str | None = None):
    text = help_fixture(help_name)
    fake = fake_binary(text, body=PARSER)
    parser_view = text if strip is None else "\n".join(ln for ln in text.splitlines() if not ln.startswith(strip))
    fake.path.with_name(fake.path.name + ".help").write_text(parser_view, encoding="utf-8")
    return fake


def test_classify_real_messages() -> None:
    assert classify("error: invalid argument: --bogus\n", 1).outcome == REJECTED
    removed = classify('error while handling argument "--draft-max": the argument has been removed. use x\nusage:', 1)
    assert removed.outcome == REJECTED and removed.message.startswith('error while handling argument "--draft-max"')
    bad_value = classify('error while handling argument "--spec-type": unknown speculative type: mtp', 1)
    assert bad_value.outcome == REJECTED and "unknown speculative type: mtp" in bad_value.message
    ok = classify("0.00.006 E llama_model_load_from_file_impl: failed to load model\nmain: exiting due to model "
                  "loading error", 1)
    assert ok.outcome == ACCEPTED
    unsure = classify("Segmentation fault", 139)
    assert unsure.outcome == INCONCLUSIVE and "exit 139" in unsure.message


def test_cases_cover_every_mode_on_gpu_and_cpu() -> None:
    cases = argv_cases()
    assert len(cases) == 31
    assert {c.mode for c in cases} == set(MODES)
    assert {c.mode for c in cases if c.gpu} == {c.mode for c in cases if not c.gpu} == set(MODES)


@pytest.mark.parametrize("build", ["real-b11434", "real-b9093"])
def test_every_listed_type_is_covered_by_a_case_or_probed_alone(build: str) -> None:
    caps = Capabilities.from_help(help_fixture(build))
    cases = argv_cases()
    resolutions = [c.resolution(caps) for c in cases]
    alone = type_cases(caps, resolutions)
    emitted = {t for r in resolutions + [c.resolution(caps) for c in alone]
               for i, tok in enumerate(r.argv) if tok == "--spec-type" for t in r.argv[i + 1].split(",")}
    assert emitted == set(caps.spec_types)
    assert {c.spec_type for c in alone} == ({"ngram-cache"} if build == "real-b11434" else {"none", "ngram-cache"})


def test_draft_model_types_use_a_draft_path_that_does_not_exist() -> None:
    caps = Capabilities.from_help(help_fixture("real-b11434"))
    drafting = [c.resolution(caps) for c in argv_cases() if c.resolution(caps).drafter is not None]
    assert {r.engine for r in drafting} == {"draft-mtp", "draft-dspark", "draft-dflash", "draft-simple", "draft-eagle3"}
    assert all(r.argv[:2] == ["--model-draft", DRAFT_PATH] and not Path(DRAFT_PATH).exists() for r in drafting)


def test_every_emitted_argv_accepted_by_a_parser_that_matches_its_help(fake_binary) -> None:
    fake = fake_parser(fake_binary, "real-b11434")
    caps = Capabilities.from_help(help_fixture("real-b11434"))
    results = check_argv(fake.path, caps, timeout=30, wrapper=fake.wrapper)
    assert len(results) == 32 and all(r.verdict.accepted for r in results), [r.verdict for r in results]
    assert [r.to_dict()["spec_type_without_mode"] for r in results if r.case.spec_type] == ["ngram-cache"]


def test_a_type_the_parser_refuses_is_caught(fake_binary) -> None:
    body = PARSER.replace("    print('E llama_model_load", "    if 'ngram-cache' in sys.argv:\n"
                          "        print('error while handling argument \"--spec-type\": unknown speculative type: "
                          "ngram-cache', file=sys.stderr); sys.exit(1)\n    print('E llama_model_load")
    fake = fake_binary(help_fixture("real-b11434"), body=body)
    fake.path.with_name(fake.path.name + ".help").write_text(help_fixture("real-b11434"), encoding="utf-8")
    results = check_argv(fake.path, Capabilities.from_help(help_fixture("real-b11434")), timeout=30,
                         wrapper=fake.wrapper)
    assert [(r.case.spec_type, r.verdict.outcome) for r in results if not r.verdict.accepted] == [
        ("ngram-cache", REJECTED)]


def test_every_emitted_argv_accepted_by_the_captured_builds_parsers(fake_llama_server) -> None:
    for build in (9093, 11434):
        fake = fake_llama_server(build=build)
        caps = Capabilities.from_help(fake.help_text, fake.version_text)
        results = check_argv(fake.path, caps, timeout=30, wrapper=fake.wrapper)
        assert results and all(r.verdict.accepted for r in results), [r.verdict for r in results]


def test_an_argv_for_the_newer_build_is_rejected_by_the_older(fake_llama_server) -> None:
    new = Capabilities.from_help(help_fixture("real-b11434"))
    old = fake_llama_server(build=9093)
    results = check_argv(old.path, new, timeout=30, wrapper=old.wrapper)
    rejected = {r.case.name: r.verdict.message for r in results if not r.verdict.accepted}
    assert rejected["mtp (GPU)"] == ('error while handling argument "--spec-type": unknown speculative decoding type '
                                     "without draft model")


def test_a_parser_that_lacks_an_advertised_flag_is_caught(fake_binary, capsys) -> None:
    # The help advertises --spec-default, but this "binary" does not really accept it.
    fake = fake_parser(fake_binary, "real-b11434", strip="--spec-default")
    code = main([*fake.cli_args(), "--argv", "--json"])
    assert code == 1
    binary = json.loads(capsys.readouterr().out)["binaries"][0]
    check = next(c for c in binary["checks"] if c["id"] == "argv-accepted")
    assert not check["ok"] and "error: invalid argument: --spec-default" in check["detail"]
    rejected = [case for case in binary["argv"] if not case["accepted"]]
    assert {case["case"] for case in rejected} == {"auto, non-MTP model (GPU)", "auto, non-MTP model (CPU)"}
    assert all(case["argv"] == ["--spec-default"] and case["outcome"] == "rejected" for case in rejected)


def test_resolve_command_with_a_gguf(fake_binary, tmp_path, capsys) -> None:
    fake = fake_binary(help_fixture("real-b11434"))
    model = write_gguf(tmp_path / "model.gguf", nextn=1, size_label="27B")
    args = ["resolve", "--binary", str(fake.path), "--wrapper", fake.cli_args()[-1], "--model", str(model)]
    assert main([*args, "--mode", "auto", "--cpu"]) == 0
    assert capsys.readouterr().out.split() == ["--spec-type", "ngram-mod,draft-mtp", "--spec-draft-n-max", "3",
                                               "--spec-ngram-mod-n-match", "24", "--spec-ngram-mod-n-min", "48",
                                               "--spec-ngram-mod-n-max", "64"]
    assert main([*args, "--mode", "mtp", "--gpu", "--n-max", "4", "--p-min", "0.25", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["argv"] == ["--spec-type", "draft-mtp", "--spec-draft-n-max", "4", "--spec-draft-p-min", "0.2500"]
    assert data["engine"] == "draft-mtp" and data["reason"] is None
    assert {k: data["model"][k] for k in ("is_mtp", "size_b", "arch", "mtp_layers")} == {
        "is_mtp": True, "size_b": 27.0, "arch": "qwen35", "mtp_layers": 1}
    assert data["capabilities"]["draft-mtp"] == "yes" and data["capabilities"]["draft-dspark"] == "yes"


def test_resolve_json_shows_the_reason_and_drafter_flags(fake_binary, tmp_path, capsys) -> None:
    fake = fake_binary(help_fixture("real-b11434"))
    model = write_gguf(tmp_path / "plain.gguf", nextn=0, size_label="8B")
    args = ["resolve", "--binary", str(fake.path), "--wrapper", fake.cli_args()[-1], "--model", str(model), "--gpu"]
    assert main([*args, "--mode", "mtp", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["argv"], data["reason"], data["model"]["known_no_mtp"]) == (["--spec-default"], "model_no_mtp", True)
    assert main([*args, "--mode", "draft-eagle3", "--model-draft", "d.gguf", "--draft-cache-type", "q8_0"]) == 0
    assert capsys.readouterr().out.split() == ["--model-draft", "d.gguf", "--spec-draft-type-k", "q8_0",
                                               "--spec-draft-type-v", "q8_0", "--spec-type", "draft-eagle3",
                                               "--spec-draft-n-max", "2"]


def test_resolve_json_on_an_unreadable_help_is_inconclusive(fake_binary, tmp_path, capsys) -> None:
    fake = fake_binary("", exit_code=3)
    args = ["resolve", "--binary", str(fake.path), "--wrapper", fake.cli_args()[-1], "--size", "27", "--mtp", "--gpu"]
    assert main([*args, "--json"]) == 2
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert (data["ok"], data["argv"], data["reason"]) == (False, [], "probe_inconclusive")
    assert set(data["capabilities"].values()) == {"inconclusive"}
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("error: ") and data["error"] == line.removeprefix("error: ")


def test_resolve_command_warns_on_stderr_and_errors_cleanly(fake_binary, tmp_path, capsys) -> None:
    fake = fake_binary(help_fixture("real-b9093"))
    base = ["resolve", "--binary", str(fake.path), "--wrapper", fake.cli_args()[-1]]
    assert main([*base, "--mtp", "--size", "27", "--mode", "mtp", "--gpu"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "" and captured.err.startswith("warning: this binary lists no draft-mtp")
    assert main([*base, "--model", str(tmp_path / "absent.gguf"), "--gpu"]) == 2
    assert "no such GGUF file" in capsys.readouterr().err


def test_a_silent_exit_is_asked_again(fake_binary, tmp_path) -> None:
    # The first run exits 1 with no output (llama-server's async log not flushed), the next answers.
    counter = tmp_path / "runs"
    body = f"""
    if '--help' not in sys.argv and '--version' not in sys.argv:
        runs = int(open({str(counter)!r}).read()) if os.path.exists({str(counter)!r}) else 0
        open({str(counter)!r}, 'w').write(str(runs + 1))
        if runs == 0:
            sys.exit(1)
        print('E llama_model_load_from_file_impl: failed to load model', file=sys.stderr)
        sys.exit(1)
    """
    fake = fake_binary("--port N                                port\n", body=body)
    verdict = parser_verdict(fake.path, [], timeout=30, wrapper=fake.wrapper)
    assert verdict.outcome == ACCEPTED and counter.read_text() == "2"


def test_always_silent_stays_inconclusive(fake_binary) -> None:
    fake = fake_binary("--port N                                port\n",
                       body="if '--help' not in sys.argv and '--version' not in sys.argv:\n    sys.exit(1)")
    verdict = parser_verdict(fake.path, [], timeout=30, wrapper=fake.wrapper)
    assert verdict.outcome == INCONCLUSIVE and "exit 1 without a parser verdict: no output" in verdict.message


def test_resolve_from_another_directory_with_relative_paths_emits_an_absolute_drafter(fake_binary, tmp_path) -> None:
    import os
    import subprocess
    import sys

    from tests.support.ggufgen import GQA_8B, write_model

    models = tmp_path / "models"
    write_model(models / "Qwen3-8B-Q4_K_M.gguf", "qwen3", size_label="8B", **GQA_8B)
    drafter = write_model(models / "dflash-Qwen3-8B.gguf", "dflash")
    fake = fake_binary(help_fixture("real-b11434"))
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "GITHUB_ACTIONS": "true"}
    binary = os.path.relpath(fake.path, tmp_path)
    done = subprocess.run([sys.executable, "-m", "verifier", "resolve", "--binary", binary,
                           "--wrapper", sys.executable, "--model", "models/Qwen3-8B-Q4_K_M.gguf", "--mode", "dflash",
                           "--cpu", "--json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["argv"][:2] == ["--model-draft", str(drafter.resolve())]
    assert data["drafter"] == {"kind": "dflash", "path": str(drafter.resolve())}
