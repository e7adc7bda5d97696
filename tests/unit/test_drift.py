"""diff(): flag churn between two binaries, and the exit code of ``verifier diff``."""

from __future__ import annotations

import json

from tests.conftest import help_fixture
from verifier import Capabilities
from verifier.cli import main
from verifier.drift import DefaultChange, diff, format_drift


def caps(name: str) -> Capabilities:
    return Capabilities.from_help(help_fixture(name))


def test_rename_turns_legacy_knobs_into_stubs() -> None:
    drift = diff(caps("synthetic-b7888-legacy"), caps("synthetic-fork-bracket-mtp"))
    assert "--draft, --draft-n, --draft-max" in drift.stubbed
    assert "--draft-min, --draft-n-min" in drift.stubbed
    assert "--spec-ngram-size-n" in drift.stubbed
    assert "--spec-ngram-size-m" in drift.removed
    assert "--spec-ngram-mod-n-match" in drift.added
    assert drift.types_added == ["mtp"]
    assert drift.types_removed == ["ngram-map-k", "ngram-map-k4v"]
    assert not drift.lost_required  # the legacy build passed none of the checks


def test_defaults_changed_and_alias_matching() -> None:
    drift = diff(caps("synthetic-fork-bracket-mtp"), caps("synthetic-fork-comma-mtp-last"))
    assert DefaultChange("--spec-draft-n-max", "16", "3") in drift.defaults_changed
    assert DefaultChange("--spec-draft-p-min, --draft-p-min", "0.75", "0.00") in drift.defaults_changed
    assert drift.added == [] and drift.removed == []


def test_losing_a_checked_flag_is_a_regression() -> None:
    drift = diff(caps("real-b11434"), caps("synthetic-stubs"))
    assert {after.id for _, after in drift.regressions} == {"spec-draft-n-max", "ngram-mod-knobs"}
    assert drift.lost_required
    text = format_drift(drift, "a", "b")
    assert text.splitlines()[-1] == "verdict: FAIL, B lost what A's checks relied on"


def test_identical_is_empty() -> None:
    drift = diff(caps("real-b11434"), caps("real-b11434"))
    assert drift.empty and "no changes" in format_drift(drift, "a", "a")


def test_diff_command_exit_codes(fake_binary, capsys) -> None:
    good = fake_binary(help_fixture("real-b11434"))
    bad = fake_binary(help_fixture("synthetic-b7888-legacy"))
    assert main(["diff", str(bad.path), str(good.path), "--wrapper", good.cli_args()[-1]]) == 0
    capsys.readouterr()
    assert main(["diff", str(good.path), str(bad.path), "--wrapper", good.cli_args()[-1], "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert {r["id"] for r in data["regressions"]} == {"spec-type-mtp", "spec-draft-n-max", "ngram-mod-knobs"}


def test_diff_with_a_missing_binary_is_an_error(fake_binary, tmp_path, capsys) -> None:
    good = fake_binary(help_fixture("real-b11434"))
    assert main(["diff", str(good.path), str(tmp_path / "gone"), "--wrapper", good.cli_args()[-1]]) == 2
    assert capsys.readouterr().err.strip().endswith("gone: no such file")
