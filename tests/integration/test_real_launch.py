"""--launch on real builds with a real 270M model: the speculative implementation really engages."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import FAILING_BUILD, PASSING_BUILD
from tests.integration.test_real_builds import verifier
from tests.support.processes import alive
from verifier.launch import MTP_DRAFTED, NO_MTP_LAYERS, SKIPPED, STARTED, launch
from verifier.probe import probe

pytestmark = pytest.mark.real


def test_launch_real_build_engages_ngram_mod_and_reports_mtp_runtime(real_build, real_model) -> None:
    done = verifier(real_build(PASSING_BUILD), "--launch", real_model, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    runs = {r["mode"]: r for r in json.loads(done.stdout)["binaries"][0]["launch"]}
    assert set(runs) == {"off", "ngram", "mtp"}
    assert runs["off"]["outcome"] == STARTED and runs["off"]["argv"] == []
    ngram = runs["ngram"]
    assert ngram["outcome"] == STARTED and ngram["seconds_to_healthy"] > 0
    assert any("adding speculative implementation 'ngram-mod'" in line for line in ngram["evidence"])
    assert ngram["draft_n"] > 0 and 0 < ngram["draft_n_accepted"] <= ngram["draft_n"]
    assert runs["mtp"]["outcome"] == NO_MTP_LAYERS
    assert runs["mtp"]["detail"] == "MTP runtime present, model has no MTP layers"


def test_launch_older_build_engages_ngram_mod_and_leaves_no_server(real_build, real_model) -> None:
    binary = real_build(FAILING_BUILD)
    results = launch(binary, real_model, probe(binary).capabilities, timeout=120)
    assert [r.mode for r in results] == ["off", "ngram"]  # no MTP token: mtp is not a default mode
    ngram = results[1]
    assert ngram.outcome == STARTED
    assert any("ngram_mod" in line for line in ngram.evidence), ngram.evidence
    assert not any(alive(r.pid) for r in results if r.pid)


def test_launch_real_build_runs_mtp_on_the_tiny_mtp_model(real_build, tiny_mtp_model) -> None:
    done = verifier(real_build(PASSING_BUILD), "--launch", tiny_mtp_model, "--modes", "off,ngram,mtp,mtp+ngram",
                    "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    runs = {r["mode"]: r for r in json.loads(done.stdout)["binaries"][0]["launch"]}
    assert runs["off"]["outcome"] == STARTED and runs["ngram"]["outcome"] == STARTED
    for mode in ("mtp", "mtp+ngram"):
        run = runs[mode]
        assert run["outcome"] == MTP_DRAFTED, run["detail"]
        assert run["draft_n"] > 0 and run["mtp_drafted"] > 0  # the server's own timings and statistics
        assert any("adding speculative implementation 'draft-mtp'" in line for line in run["evidence"])
    assert runs["mtp+ngram"]["argv"][:2] == ["--spec-type", "ngram-mod,draft-mtp"]


def test_launch_real_build_runs_mtp_on_the_tiny_moe_model(real_build, tiny_mtp_models) -> None:
    binary = real_build(PASSING_BUILD)
    (result,) = launch(binary, tiny_mtp_models("qwen35moe"), probe(binary).capabilities, ["mtp"], timeout=120)
    assert result.outcome == MTP_DRAFTED, result.detail
    assert result.draft_n and result.draft_n > 0 and result.mtp_drafted and result.mtp_drafted > 0


def test_launch_older_build_has_no_mtp_type_for_the_tiny_mtp_model(real_build, tiny_mtp_model) -> None:
    binary = real_build(FAILING_BUILD)
    results = launch(binary, tiny_mtp_model, probe(binary).capabilities, ["mtp", "mtp+ngram"], timeout=60)
    for result in results:
        assert result.outcome == SKIPPED and result.pid is None
        assert "lists no draft-mtp (or mtp) --spec-type; MTP cannot engage" in result.detail
