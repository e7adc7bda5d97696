"""The CLI's JSON shape, text table, and Actions step summary and annotations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from verifier.cli import main, split_command
from verifier.util.gha import annotation, escape_property

CAPABILITY_KEYS = {"mtp_token", "ngram_mod_flavor", "spec_draft_n_max_flag", "spec_draft_p_min_flag",
                   "supports_ngram_map_k", "supports_ngram_map_k4v", "spec_types"}


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_json_shape_for_a_passing_binary(fake_binary, capsys) -> None:
    fake = fake_binary(help_fixture("real-b11434"), version="version: 0.6.0-dev (build 11434, commit x)")
    code, data = run_json(capsys, *fake.cli_args())
    assert code == 0
    assert data["ok"] is True
    (binary,) = data["binaries"]
    assert {"path", "ok", "version", "build", "capabilities", "checks"} <= set(binary)
    assert binary["path"] == str(fake.path) and binary["ok"] is True
    assert binary["version"] == "0.6.0-dev (build 11434, commit x)" and binary["build"] == 11434
    assert CAPABILITY_KEYS <= set(binary["capabilities"])
    assert binary["capabilities"]["mtp_token"] == "draft-mtp"
    assert binary["capabilities"]["spec_types"][3] == "draft-mtp"
    assert [c["id"] for c in binary["checks"]] == ["spec-type-mtp", "spec-draft-n-max", "ngram-mod-knobs"]
    assert all(set(c) == {"id", "ok", "detail"} and c["ok"] for c in binary["checks"])


def test_failing_binary_exits_1_and_text_names_the_failure(fake_binary, capsys) -> None:
    fake = fake_binary(help_fixture("synthetic-b7888-legacy"), version="version: 8000 (deadbee)")
    assert main(fake.cli_args()) == 1
    out = capsys.readouterr().out
    assert "FAIL   spec-type-mtp" in out and "verdict: FAIL" in out
    assert "(8000 (deadbee))" in out
    assert "1 binary: 0 passed, 1 failed" in out


def test_require_adds_the_optional_check(fake_binary, capsys) -> None:
    fake = fake_binary(help_fixture("synthetic-fork-bracket-mtp"))
    code, data = run_json(capsys, *fake.cli_args(), "--require", "spec-draft-p-min")
    assert code == 0
    assert [c["id"] for c in data["binaries"][0]["checks"]][-1] == "spec-draft-p-min"


def test_several_binaries_one_report(fake_binary, capsys) -> None:
    good = fake_binary(help_fixture("real-b11434"))
    bad = fake_binary(help_fixture("synthetic-minimal"))
    code, data = run_json(capsys, str(good.path), str(bad.path), "--wrapper", good.cli_args()[-1])
    assert code == 1 and data["ok"] is False
    assert [b["ok"] for b in data["binaries"]] == [True, False]


def test_actions_summary_and_escaped_annotations(fake_binary, capsys, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    fake = fake_binary(help_fixture("synthetic-stubs"))
    assert main(fake.cli_args()) == 1
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("::error")]
    assert len(errors) == 2
    assert errors[0].startswith("::error title=spec-draft-n-max failed::")
    text = summary.read_text()
    assert text.startswith("earlier step\n")  # appended, not overwritten
    assert "| `spec-type-mtp` | ✅ |" in text and "| `ngram-mod-knobs` | ❌ |" in text


def test_json_mode_keeps_annotations_off_stdout(fake_binary, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "s.md"))
    fake = fake_binary(help_fixture("synthetic-minimal"))
    assert main([*fake.cli_args(), "--json"]) == 1
    captured = capsys.readouterr()
    json.loads(captured.out)
    assert captured.err.count("::error") == 3


def test_annotation_escaping() -> None:
    assert annotation("error", "50% done\nnext", title="a:b,c") == "::error title=a%3Ab%2Cc::50%25 done%0Anext"
    assert escape_property("x\r") == "x%0D"
    assert annotation("warning", "m", file="f.yml", line=3) == "::warning file=f.yml,line=3::m"


def test_split_command_keeps_quoted_paths() -> None:
    assert split_command('qemu-aarch64 -L "/usr/aarch64 linux"') == ["qemu-aarch64", "-L", "/usr/aarch64 linux"]
    assert split_command("") == []


def test_help_lists_checks_and_exit_codes(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "spec-draft-p-min" in out and "could not verify" in out
