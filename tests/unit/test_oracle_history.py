"""``history``: the flag chart over the real captures, local binaries, and docs/compatibility.md kept current."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import help_fixture
from verifier.capabilities import Capabilities
from verifier.cli import main
from verifier.oracle.compatibility import render
from verifier.oracle.history import BuildPoint, chart
from verifier.oracle.series import captured_points

ROOT = Path(__file__).resolve().parents[2]


def point(name: str, number: int) -> BuildPoint:
    return BuildPoint(f"b{number}", number, Capabilities.from_help(help_fixture(name)))


def number(label: str) -> int:
    return int(label.lstrip("b"))


def test_draft_mtp_first_seen_brackets_b9180() -> None:
    # SPEC section 4: draft-mtp arrived in b9180. The chart must place it at the first captured build
    # at or after 9180, with the build before it in the set older than 9180.
    history = chart(captured_points())
    mtp = next(t for t in history.spec_types if t.name == "draft-mtp")
    assert mtp.added is not None and mtp.added.after is not None
    assert number(mtp.added.after) < 9180 <= number(mtp.added.build)
    assert mtp.gone_after is None and mtp.last_seen == history.builds[-1].label


def test_spec_draft_n_max_default_16_to_3_brackets_b9235() -> None:
    history = chart(captured_points())
    row = next(a for a in history.arguments if "--spec-draft-n-max" in a.names)
    (change,) = row.defaults
    assert (change.old, change.new) == ("16", "3")
    assert change.after is not None and number(change.after) < 9235 <= number(change.build)
    p_min = next(a for a in history.arguments if "--spec-draft-p-min" in a.names)
    assert [(c.old, c.new, c.build) for c in p_min.defaults] == [("0.75", "0.00", change.build)]


def test_a_rename_is_a_stub_and_aliases_are_followed() -> None:
    history = chart([point("synthetic-b7888-legacy", 7888), point("synthetic-fork-bracket-mtp", 8955)])
    draft_max = next(a for a in history.arguments if "--draft-max" in a.names)
    assert draft_max.stub_since is not None and draft_max.stub_since.bracket() == "b7888..b8955"
    assert draft_max.gone_after is None and draft_max.first_seen == "b7888"
    size_m = next(a for a in history.arguments if "--spec-ngram-size-m" in a.names)
    assert size_m.gone_after is not None and size_m.last_seen == "b7888"
    added = next(a for a in history.arguments if "--spec-ngram-mod-n-match" in a.names)
    assert added.added is not None and added.first_seen == "b8955"
    assert [t.name for t in history.spec_types if t.added] == ["mtp"]


def test_history_command_over_local_fakes(fake_llama_server, capsys) -> None:
    old, new = fake_llama_server(build=9093), fake_llama_server(build=11434)
    args = ["history", str(new.path), str(old.path), "--wrapper", sys.executable]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [b["label"] for b in data["builds"]] == ["b9093", "b11434"]  # oldest first, whatever the order given
    dio = next(a for a in data["arguments"] if "-dio" in a["names"])
    assert dio["gone"] == {"build": "b11434", "after": "b9093"}
    assert main([*args, "--markdown"]) == 0
    assert "| `draft-mtp` | b9093..b11434 | b11434 |" in capsys.readouterr().out
    assert main(args) == 0
    assert "  draft-mtp        first b9093..b11434" in capsys.readouterr().out


def test_history_bad_input_exits_2(tmp_path: Path) -> None:
    for args in (["history"], ["history", str(tmp_path / "missing")], ["history", "--captured", "--step", "0"]):
        done = subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True, timeout=60,
                              cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "error: " in done.stderr.strip().splitlines()[-1]


def test_docs_compatibility_is_current() -> None:
    assert (ROOT / "docs" / "compatibility.md").read_text(encoding="utf-8") == render(), \
        "docs/compatibility.md is out of date: run python scripts/compatibility_doc.py"


def test_every_spec_change_falls_inside_its_bracket_in_the_captured_set() -> None:
    from verifier.oracle.compatibility import KNOWN_CHANGES, bracket

    points = captured_points()
    for spec_build, text, shows in KNOWN_CHANGES:
        before, first, steady = bracket(points, shows)
        assert steady is True, text
        assert number(before) < spec_build <= number(first), (text, before, first)
