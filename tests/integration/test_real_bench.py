"""``bench`` on real build 11434: MTP on the tiny random model (overhead only), ngram vs off on Gemma 3 270M."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.integration.conftest import PASSING_BUILD, ROOT

pytestmark = pytest.mark.real


def bench(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "verifier", "bench", *map(str, args)], capture_output=True,
                          text=True, timeout=900, cwd=ROOT)


def test_bench_sweeps_mtp_draft_length_on_the_tiny_model(real_build, tiny_mtp_model) -> None:
    done = bench(real_build(PASSING_BUILD), tiny_mtp_model, "--modes", "mtp", "--n-max", "1,3", "--repeats", "1",
                 "--prompt-count", "2", "--n-predict", "8", "--threads", "1", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    rows = {s["label"]: s for s in report["setups"]}
    assert list(rows) == ["off", "mtp n=1", "mtp n=3"]
    assert rows["off"]["drafted"] == 0 and rows["off"]["decode_tps_median"] > 0
    for label in ("mtp n=1", "mtp n=3"):
        assert rows[label]["drafted"] > 0 and rows[label]["speedup_vs_off"] > 0
    assert rows["mtp n=3"]["argv"] == ["--spec-type", "draft-mtp", "--spec-draft-n-max", "3"]
    assert any("MTP rows measure MTP's overhead only" in note for note in report["notes"])


def test_bench_measures_ngram_against_off_on_a_real_model(real_build, real_model) -> None:
    done = bench(real_build(PASSING_BUILD), real_model, "--modes", "ngram", "--repeats", "1", "--prompt-count", "1",
                 "--n-predict", "8", "--threads", "1", "--json")
    assert done.returncode == 0, done.stderr
    rows = {s["label"]: s for s in json.loads(done.stdout)["setups"]}
    assert list(rows) == ["off", "ngram"]
    assert all(r["decode_tps_median"] > 0 and len(r["per_prompt"][0]) == 1 for r in rows.values())
    assert rows["ngram"]["argv"][:2] == ["--spec-type", "ngram-mod"]
    assert rows["ngram"]["speedup_vs_off"] > 0
    assert "repeat 1/1" in done.stderr  # streamed while it ran
