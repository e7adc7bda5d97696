"""diff(): flag churn between two binaries, and the exit code of ``verifier diff``."""

from __future__ import annotations

import json

import pytest

from tests.conftest import help_fixture
from verifier import Capabilities
from verifier.cli import main
from verifier.drift import DefaultChange, diff, format_drift, same_default
from verifier.helptext import split_default


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


def test_a_reworded_default_is_not_a_changed_default() -> None:
    drift = diff(caps("real-b9093"), caps("real-b11434"))
    flags = {d.flag: d for d in drift.defaults_changed}
    assert "--repeat-last-n" not in flags  # "64, 0 = disabled, -1 = ctx_size" -> "64, 0 = disabled"
    assert "--cache-idle-slots, --no-cache-idle-slots" not in flags  # "enabled, requires ..." both sides
    assert flags["--dry-penalty-last-n"] == DefaultChange("--dry-penalty-last-n", "-1", "64")
    assert flags["-to, --timeout"] == DefaultChange("-to, --timeout", "600", "3600")
    reworded = {d.flag: d for d in drift.descriptions_changed}
    assert reworded["--repeat-last-n"].old.endswith("(default: 0 = disabled, -1 = ctx_size)")
    assert reworded["--repeat-last-n"].new.endswith("(default: 0 = disabled)")
    assert "--spec-draft-n-max" not in reworded  # only its default value changed


def test_descriptions_are_listed_only_when_asked() -> None:
    drift = diff(caps("real-b9093"), caps("real-b11434"))
    quiet = format_drift(drift, "a", "b")
    assert "    --repeat-last-n" not in quiet
    assert f"  descriptions reworded: {len(drift.descriptions_changed)} (--descriptions shows them)" in quiet
    loud = format_drift(drift, "a", "b", descriptions=True).splitlines()
    at = loud.index("    --repeat-last-n:")
    assert loud[at + 1].startswith("      - ") and loud[at + 2].startswith("      + ")
    assert "descriptions_changed" not in drift.to_dict()
    assert {"flag", "old", "new"} == set(drift.to_dict(descriptions=True)["descriptions_changed"][0])


@pytest.mark.parametrize(("text", "value", "note"), [
    ("64, 0 = disabled, -1 = ctx_size", "64", "0 = disabled, -1 = ctx_size"),
    ("-1; -1 = disabled", "-1", "-1 = disabled"),
    ("0 = model training context size", "0", "0 = model training context size"),
    ("enabled, requires cache-ram", "enabled", "requires cache-ram"),
    ("GET, POST, DELETE, OPTIONS", "GET, POST, DELETE, OPTIONS", ""),
    ("same as --threads", "same as --threads", ""),
    ("0.75", "0.75", ""),
])
def test_split_default(text: str, value: str, note: str) -> None:
    assert split_default(text) == (value, note)


def test_numeric_defaults_compare_as_numbers() -> None:
    assert same_default("1.00", "1.0") and same_default("None", "none")
    assert not same_default("16", "3") and not same_default(None, "3")


def test_diff_command_descriptions_flag(fake_binary, capsys) -> None:
    old = fake_binary(help_fixture("real-b9093"))
    new = fake_binary(help_fixture("real-b11434"))
    wrapper = ["--wrapper", new.cli_args()[-1]]
    main(["diff", str(old.path), str(new.path), *wrapper, "--json"])
    assert "descriptions_changed" not in json.loads(capsys.readouterr().out)
    main(["diff", str(old.path), str(new.path), *wrapper, "--json", "--descriptions"])
    data = json.loads(capsys.readouterr().out)
    assert "--repeat-last-n" in {d["flag"] for d in data["descriptions_changed"]}
    assert "--repeat-last-n" not in {d["flag"] for d in data["defaults_changed"]}
