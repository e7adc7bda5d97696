"""The verifier on real llama-server builds (see tests/integration/conftest.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import help_fixture
from tests.integration.conftest import FAILING_BUILD, PASSING_BUILD, ROOT
from verifier.helptext import parse_help

pytestmark = pytest.mark.real


def verifier(*args: object) -> subprocess.CompletedProcess[str]:
    """Run the CLI; the ceiling only catches a hang (the verifier's own timeouts end every server first)."""
    return subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], capture_output=True, text=True,
                          timeout=900, cwd=ROOT)


def test_build_11434_passes(real_build) -> None:
    done = verifier(real_build(PASSING_BUILD), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    (binary,) = json.loads(done.stdout)["binaries"]
    assert binary["build"] == PASSING_BUILD
    caps = binary["capabilities"]
    assert caps["mtp_token"] == "draft-mtp"
    assert caps["ngram_mod_flavor"] == "new"
    assert caps["spec_draft_n_max_flag"] == "--spec-draft-n-max"


def test_build_9093_fails_for_missing_draft_mtp(real_build) -> None:
    done = verifier(real_build(FAILING_BUILD), "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    (binary,) = json.loads(done.stdout)["binaries"]
    failed = {c["id"]: c["detail"] for c in binary["checks"] if not c["ok"]}
    assert set(failed) == {"spec-type-mtp"}
    assert "draft-mtp (or an mtp alias) is not listed" in failed["spec-type-mtp"]


def test_text_report_on_a_real_build(real_build) -> None:
    done = verifier(real_build(PASSING_BUILD))
    assert done.returncode == 0 and "verdict: PASS" in done.stdout and done.stderr == ""


@pytest.mark.parametrize("build", [PASSING_BUILD, FAILING_BUILD])
def test_stored_fixture_is_this_builds_help(real_build, build: int) -> None:
    """The committed fixture real-bN.txt is a capture of this very build."""
    live = subprocess.run([str(real_build(build)), "--help"], capture_output=True, text=True, timeout=60).stdout
    assert parse_help(live) == parse_help(help_fixture(f"real-b{build}"))


def test_diff_between_real_builds(real_build) -> None:
    old, new = real_build(FAILING_BUILD), real_build(PASSING_BUILD)
    forward = verifier("diff", old, new, "--json")
    assert forward.returncode == 0, forward.stderr
    data = json.loads(forward.stdout)
    assert "draft-mtp" in data["spec_types_added"] and data["regressions"] == []
    changed = {d["flag"]: (d["old"], d["new"]) for d in data["defaults_changed"]}
    assert "--repeat-last-n" not in changed  # 64 on both sides, only its explanation was reworded
    assert changed["--spec-draft-n-max"] == ("16", "3")
    backward = verifier("diff", new, old)
    assert backward.returncode == 1
    assert "checks lost:" in backward.stdout and "spec-type-mtp" in backward.stdout
