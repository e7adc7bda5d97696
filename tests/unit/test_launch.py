"""The launcher against a fake server (tests/support/fake_server.py) run through sys.executable."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.support.patience import until_reached
from tests.support.processes import alive
from tests.unit.test_resolver_modes import write_gguf
from verifier.cli import main
from verifier.launch import FAILED, MTP_DRAFTED, NO_MTP_LAYERS, SKIPPED, STARTED, launch, launch_mode
from verifier.probe import probe
from verifier.speculative import ModelInfo

FAKE = Path(__file__).resolve().parents[1] / "support" / "fake_server.py"
WRAPPER = [sys.executable]


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "model.gguf", arch="gemma3", size_label="270M")


@pytest.fixture
def caps():
    return probe(FAKE, wrapper=WRAPPER).capabilities


def test_default_modes_start_and_show_evidence(model: Path, caps) -> None:
    results = launch(FAKE, model, caps, wrapper=WRAPPER, timeout=30)
    assert [r.mode for r in results] == ["off", "ngram", "mtp"]
    off, ngram, mtp = results
    assert off.outcome == STARTED and off.argv == [] and off.draft_n is None
    assert ngram.outcome == STARTED and ngram.argv[:2] == ["--spec-type", "ngram-mod"]
    assert (ngram.draft_n, ngram.draft_n_accepted) == (30, 30)
    assert any("adding speculative implementation 'ngram-mod'" in line for line in ngram.evidence)
    assert ngram.seconds_to_healthy is not None and ngram.seconds_to_healthy >= 0.3
    assert mtp.outcome == NO_MTP_LAYERS and mtp.ok
    assert mtp.detail == "MTP runtime present, model has no MTP layers"
    assert not any(alive(r.pid) for r in results if r.pid)


def test_a_mode_the_binary_cannot_do_is_skipped(model: Path, caps) -> None:
    (result,) = launch(FAKE, model, caps, ["ngram-map-k"], wrapper=WRAPPER, timeout=30)
    assert result.outcome == SKIPPED and result.pid is None and "ngram-map-k" in result.detail


def test_crash_before_healthy_is_reported(model: Path, caps, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_SERVER", "crash")
    result = launch_mode(FAKE, model, ModelInfo(False, 0.27), caps, "off", wrapper=WRAPPER, timeout=30)
    assert result.outcome == FAILED and not result.ok
    assert "exited with code 3 before it was healthy: E something went wrong" in result.detail


def test_never_healthy_times_out_and_leaves_no_process(model: Path, caps, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("FAKE_SERVER", "spawn")
    monkeypatch.setenv("FAKE_SERVER_CHILD_PID", str(tmp_path / "child.pid"))
    child_pid = tmp_path / "child.pid"
    result = until_reached(
        lambda timeout: launch_mode(FAKE, model, ModelInfo(False, 0.27), caps, "ngram", wrapper=WRAPPER,
                                    timeout=timeout),
        lambda _: child_pid.exists(), first=2)
    assert result.outcome == FAILED and re.fullmatch(r"not healthy within \d+s", result.detail)
    assert not alive(result.pid)
    assert not alive(int((tmp_path / "child.pid").read_text()))


def test_cli_launch_json(model: Path, capsys) -> None:
    code = main([str(FAKE), "--wrapper", WRAPPER[0], "--launch", str(model), "--modes", "ngram,mtp", "--json"])
    assert code == 0
    binary = json.loads(capsys.readouterr().out)["binaries"][0]
    assert [(r["mode"], r["outcome"]) for r in binary["launch"]] == [("ngram", "started"), ("mtp", NO_MTP_LAYERS)]
    assert next(c for c in binary["checks"] if c["id"] == "launch")["ok"]


def test_cli_launch_failure_exits_1(model: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_SERVER", "crash")
    assert main([str(FAKE), "--wrapper", WRAPPER[0], "--launch", str(model), "--modes", "off"]) == 1
    assert "FAIL   launch" in capsys.readouterr().out


def test_cli_launch_rejects_unknown_modes_and_missing_models(model: Path, capsys, tmp_path) -> None:
    with pytest.raises(SystemExit) as exc:
        main([str(FAKE), "--launch", str(model), "--modes", "turbo"])
    assert exc.value.code == 2
    assert main([str(FAKE), "--launch", str(tmp_path / "absent.gguf")]) == 2
    assert "no such model file" in capsys.readouterr().err


@pytest.fixture
def mtp_model(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "tiny-mtp.gguf", arch="qwen35", nextn=1, size_label="2M")


def test_mtp_modes_on_an_mtp_model_report_mtp_drafted(mtp_model: Path, caps) -> None:
    results = launch(FAKE, mtp_model, caps, ["off", "ngram", "mtp", "mtp+ngram"], wrapper=WRAPPER, timeout=30)
    runs = {r.mode: r for r in results}
    assert runs["off"].outcome == STARTED and runs["ngram"].outcome == STARTED
    for mode in ("mtp", "mtp+ngram"):
        run = runs[mode]
        assert run.outcome == MTP_DRAFTED and run.ok, run.detail
        assert (run.draft_n, run.draft_n_accepted, run.mtp_drafted, run.mtp_accepted) == (24, 3, 24, 3)
        assert any("adding speculative implementation 'draft-mtp'" in line for line in run.evidence)
        assert "draft-mtp ran: timings draft 3/24 accepted; draft-mtp itself 24 drafted, 3 accepted" in run.detail
    assert runs["mtp+ngram"].argv[:2] == ["--spec-type", "ngram-mod,draft-mtp"]
    assert not any(alive(r.pid) for r in results if r.pid)


@pytest.mark.parametrize(("failure", "expected"), [
    ("mtp-crash", "the server exited with code 134; its last lines: "),
    ("mtp-no-draft", "MTP never drafted: timings.draft_n is 0; the log's draft-mtp statistics show 0 tokens drafted"),
])
def test_an_mtp_path_that_crashes_or_never_drafts_fails_with_the_servers_lines(
        mtp_model: Path, caps, monkeypatch, failure: str, expected: str) -> None:
    monkeypatch.setenv("FAKE_SERVER", failure)
    result = launch_mode(FAKE, mtp_model, ModelInfo(True, 0.002), caps, "mtp", wrapper=WRAPPER, timeout=30)
    assert result.outcome == FAILED and not result.ok
    assert expected in result.detail
    last = "GGML_ASSERT(n_outputs > 0) failed" if failure == "mtp-crash" else "#gen tokens = 0, #acc tokens = 0"
    assert last in result.detail
    assert not alive(result.pid)


def test_an_mtp_path_that_hangs_fails_and_leaves_no_server(mtp_model: Path, caps, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_SERVER", "mtp-hang")
    result = until_reached(
        lambda timeout: launch_mode(FAKE, mtp_model, ModelInfo(True, 0.002), caps, "mtp", wrapper=WRAPPER,
                                    timeout=timeout),
        lambda tried: "not healthy within" not in tried.detail, first=8)
    assert result.outcome == FAILED
    assert "healthy, but the completion failed (timed out); the server is still running" in result.detail
    assert "adding speculative implementation 'draft-mtp'" in result.detail
    assert not alive(result.pid)


def test_cli_launch_mtp_failure_exits_1_with_the_reason(mtp_model: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FAKE_SERVER", "mtp-no-draft")
    assert main([str(FAKE), "--wrapper", WRAPPER[0], "--launch", str(mtp_model), "--modes", "off,mtp"]) == 1
    out = capsys.readouterr().out
    assert "FAIL   launch" in out and "mtp failed: MTP never drafted" in out


def test_an_early_exit_names_the_error_lines_not_a_trailing_banner(tmp_path: Path) -> None:
    from verifier.launch import _reason

    log = tmp_path / "server.log"
    log.write_text("llama_model_load: error loading model vocabulary: unknown tokenizer: 'test'\n"
                   "srv    load_model: failed to load model\nmain: exiting due to model loading error\n"
                   "build_info: b9093-unknown\n")
    assert _reason(log) == ("llama_model_load: error loading model vocabulary: unknown tokenizer: 'test' ... "
                            "main: exiting due to model loading error")
    log.write_text("fake server argv: -m x\nE something went wrong before listening\n")
    assert _reason(log) == "E something went wrong before listening"
