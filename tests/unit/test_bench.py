"""``python -m verifier bench`` against the fake server (tests/support/fake_server.py), run through sys.executable.

The fake reports fixed decode speeds (off 100, ngram-mod 150, draft-mtp 80 + 10 * n_max t/s), so every
figure, speed-up and gate below is known in advance; it records each completion request, so the
methodology (warm-ups first, each prompt once per server lifetime) is checked on what it received.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.support.processes import alive
from tests.unit.test_resolver_modes import write_gguf
from verifier.bench import prompts
from verifier.cli import main

FAKE = Path(__file__).resolve().parents[1] / "support" / "fake_server.py"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def requests_log(tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "requests.jsonl"
    monkeypatch.setenv("FAKE_SERVER_REQUESTS", str(path))
    return path


@pytest.fixture
def mtp_model(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "tiny.gguf", arch="qwen35", nextn=1, size_label="2M")


@pytest.fixture
def plain_model(tmp_path: Path) -> Path:
    return write_gguf(tmp_path / "gemma.gguf", arch="gemma3", size_label="270M")


def bench(*args: object) -> int:
    return main(["bench", str(FAKE), *map(str, args), "--wrapper", sys.executable])


def requests(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_figures_speedups_and_the_n_max_sweep(mtp_model: Path, requests_log: Path, capsys) -> None:
    code = bench(mtp_model, "--modes", "ngram,mtp", "--n-max", "1,3", "--repeats", "2", "--prompt-count", "2",
                 "--n-predict", "16", "--json")
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    rows = {s["label"]: s for s in report["setups"]}
    assert list(rows) == ["off", "ngram", "mtp n=1", "mtp n=3"]
    assert [rows[k]["decode_tps_median"] for k in rows] == [100.0, 150.0, 90.0, 110.0]
    assert [rows[k]["speedup_vs_off"] for k in rows] == [None, 1.5, 0.9, 1.1]
    assert rows["mtp n=3"]["argv"] == ["--spec-type", "draft-mtp", "--spec-draft-n-max", "3"]
    assert rows["mtp n=1"]["decode_tps_per_repeat"] == [90.0, 90.0] and rows["mtp n=1"]["spread_pct"] == 0.0
    assert (rows["ngram"]["drafted"], rows["ngram"]["accepted"]) == (2 * 2 * 30, 2 * 2 * 30)
    assert (rows["mtp n=1"]["drafted"], rows["mtp n=1"]["accepted"]) == (2 * 2 * 24, 2 * 2 * 3)
    assert report["prompts"] == ["essay", "code"] and report["warmups_per_server"] == 2
    assert report["ok"] and report["gates"] == []


def test_each_prompt_once_per_server_lifetime_after_the_warmups(plain_model: Path, requests_log: Path) -> None:
    assert bench(plain_model, "--modes", "off,ngram", "--repeats", "2", "--prompt-count", "3",
                 "--n-predict", "8") == 0
    shipped = prompts.shipped()
    by_server: dict[int, list[dict]] = defaultdict(list)
    for request in requests(requests_log):
        by_server[request["pid"]].append(request)
    assert len(by_server) == 4  # 2 setups x 2 repeats, each a fresh server
    expected = [*shipped.warmup, *(p.text for p in shipped.prompts[:3])]
    for asked in by_server.values():
        assert [r["prompt"] for r in asked] == expected
        assert all(r["temperature"] == 0 and r["top_k"] == 1 and r["n_predict"] == 8 for r in asked)
        assert all(r["cache_prompt"] is False and r["ignore_eos"] is True for r in asked)
    order = [("--spec-type" in asked[0]["argv"]) for asked in by_server.values()]
    assert order == [False, True, False, True]  # repeats interleave the setups


def test_min_speedup_gates(plain_model: Path, capsys) -> None:
    common = ["--modes", "ngram", "--repeats", "1", "--prompt-count", "1", "--n-predict", "4"]
    assert bench(plain_model, *common, "--min-speedup", "ngram=1.4") == 0
    assert "PASS   min-speedup ngram >= 1.4x off: 1.50x (ngram)" in capsys.readouterr().out
    assert bench(plain_model, *common, "--min-speedup", "ngram-mod=1.6") == 1
    out = capsys.readouterr().out
    assert "FAIL   min-speedup ngram >= 1.6x off: 1.50x (ngram)" in out and "verdict: FAIL" in out


def test_mtp_on_the_random_model_is_labelled_overhead_only(tmp_path: Path, capsys) -> None:
    script = ROOT / "scripts" / "make_tiny_mtp_gguf.py"
    model = tmp_path / "tiny.gguf"
    subprocess.run([sys.executable, str(script), str(model)], check=True, capture_output=True)
    assert bench(model, "--modes", "mtp", "--repeats", "1", "--prompt-count", "1", "--n-predict", "4") == 0
    out = capsys.readouterr().out
    assert "its MTP head drafts nonsense, so the MTP rows measure MTP's overhead only" in out
    assert "one repeat: no spread is known" in out


def test_markdown_output_and_the_step_summary(plain_model: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert bench(plain_model, "--modes", "ngram", "--repeats", "1", "--prompt-count", "1", "--n-predict", "4",
                 "--markdown") == 0
    captured = capsys.readouterr()
    assert "| `ngram` | 150.0 | 0.0% | 1.50x | 30 | 30 | 100% |" in captured.out
    assert "repeat 1/1" in captured.err and "repeat 1/1" not in captured.out  # streamed lines stay off stdout
    assert "| `ngram` | 150.0 |" in summary.read_text()


def test_plot_writes_a_png(plain_model: Path, tmp_path: Path, capsys) -> None:
    png = tmp_path / "out" / "bench.png"
    assert bench(plain_model, "--modes", "ngram", "--repeats", "2", "--prompt-count", "1", "--n-predict", "4",
                 "--plot", png) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot: {png}" in capsys.readouterr().out


def test_plot_without_matplotlib_fails_before_any_server(plain_model: Path, requests_log: Path, monkeypatch,
                                                          capsys, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert bench(plain_model, "--plot", tmp_path / "x.png") == 2
    expected = "error: --plot needs matplotlib: pip install 'llama-server-verifier[plot]'"
    assert capsys.readouterr().err.strip() == expected
    assert not requests_log.exists()


def test_mtp_on_a_model_without_mtp_layers_is_bad_input(plain_model: Path, requests_log: Path, capsys) -> None:
    assert bench(plain_model, "--modes", "off,mtp") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {plain_model}: the model has no MTP layers (gemma3.nextn_predict_layers is not set); "
                   "mode mtp needs a model with MTP layers"]
    assert not requests_log.exists()


def test_a_server_dying_mid_bench_is_one_line_exit_2_and_no_server_left(
        plain_model: Path, requests_log: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("FAKE_SERVER", "die-after:3")
    assert bench(plain_model, "--modes", "ngram", "--repeats", "1", "--n-predict", "4") == 2
    captured = capsys.readouterr()
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("error: the off server died (exit code 139) during prompt 'code'; its last lines: ")
    assert "E fake server: ?[31mdying?[0m as asked" in line and "\x1b" not in captured.err  # made inert
    assert "repeat 1/1" not in captured.out and "verdict" not in captured.out  # no half-made report
    assert not any(alive(pid) for pid in {r["pid"] for r in requests(requests_log)})


@pytest.mark.parametrize(("content", "why"), [
    ("not json", "not UTF-8 JSON"),
    ("[]", "the top level must be a JSON object"),
    ('{"prompts": []}', '"prompts" must be a non-empty list'),
    ('{"prompts": [{"name": "a"}]}', "prompts[0].text must be a non-empty string"),
    ('{"prompts": [{"name": "a", "text": "x"}, {"name": "a", "text": "y"}]}', "prompts[1].name 'a' is used twice"),
    ('{"warmup": ["x"], "prompts": [{"name": "a", "text": "x"}]}', "prompts[0] (a) is also a warm-up"),
    ('{"warmup": "x", "prompts": [{"name": "a", "text": "y"}]}', '"warmup" must be a list of non-empty strings'),
    ('{"prompts": [{"name": "a\\u001b[31m", "text": "y"}]}', "prompts[0].name must be a non-empty printable string"),
])
def test_an_invalid_prompt_set_is_one_line_and_exit_2(plain_model: Path, requests_log: Path, tmp_path: Path,
                                                       capsys, content: str, why: str) -> None:
    bad = tmp_path / "prompts.json"
    bad.write_text(content)
    assert bench(plain_model, "--prompts", bad) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: {bad}: not a valid prompt set: {why}")
    assert not requests_log.exists()


@pytest.mark.parametrize("args", [["--modes", "turbo"], ["--min-speedup", "ngram"], ["--min-speedup", "ngram=0"],
                                  ["--min-speedup", "mtp=1.2"], ["--n-max", "0"], ["--n-predict", "-1"]])
def test_bad_arguments_exit_2(plain_model: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        bench(plain_model, *args)
    assert exc.value.code == 2


def test_a_missing_model_or_too_many_prompts_exit_2(plain_model: Path, requests_log: Path, capsys) -> None:
    assert bench(plain_model.with_name("absent.gguf")) == 2
    assert capsys.readouterr().err.strip() == f"error: {plain_model.with_name('absent.gguf')}: no such model file"
    assert bench(plain_model, "--prompt-count", "99") == 2
    assert capsys.readouterr().err.strip() == "error: --prompt-count must be between 1 and 9 for shipped"
    assert not requests_log.exists()


def test_shipped_prompt_set_is_valid_and_disjoint_from_its_warmups() -> None:
    shipped = prompts.shipped()
    assert len(shipped.prompts) >= 5 and len(shipped.warmup) >= 2
    assert len({p.name for p in shipped.prompts}) == len(shipped.prompts)
    assert not {p.text for p in shipped.prompts} & set(shipped.warmup)


def test_from_another_directory_with_relative_paths(plain_model: Path, tmp_path: Path) -> None:
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "verifier", "bench", os.path.relpath(FAKE, work), os.path.relpath(plain_model, work),
         "--wrapper", sys.executable, "--repeats", "1", "--prompt-count", "1", "--n-predict", "4", "--json"],
        cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["setups"][1]["speedup_vs_off"] == 1.5


def test_the_single_binary_path_does_not_load_the_bench() -> None:
    code = ("import runpy, sys\nsys.argv = ['verifier', '--help']\ntry:\n    runpy.run_module('verifier', "
            "run_name='__main__')\nexcept SystemExit:\n    pass\nprint(sorted(m for m in sys.modules if "
            "m.split('.')[0] in ('tqdm', 'matplotlib', 'numpy') or m.startswith('verifier.bench')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_hung_server_is_one_line_exit_2_and_killed(mtp_model: Path, requests_log: Path, monkeypatch,
                                                     capsys) -> None:
    monkeypatch.setenv("FAKE_SERVER", "mtp-hang")
    assert bench(mtp_model, "--modes", "mtp", "--repeats", "1", "--prompt-count", "1", "--n-predict", "4",
                 "--request-timeout", "3") == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: the mtp n=3 server failed (timed out) during prompt 'warm-up 1'; its last lines: ")
    pids = {r["pid"] for r in requests(requests_log)}
    assert len(pids) == 2 and not any(alive(pid) for pid in pids)  # off answered; mtp hung and was killed


def test_notes_flag_low_acceptance_and_differences_inside_the_spread() -> None:
    from verifier.bench.command import ModelFacts, notes
    from verifier.bench.results import BenchReport, Lifetime, PromptRun, Setup, SetupResult

    def result(label: str, mode: str, speeds: list[float], drafted: int = 0, accepted: int = 0) -> SetupResult:
        setup = Setup(mode, None, (), None if mode == "off" else mode)
        return SetupResult(setup, [Lifetime(setup, i + 1, 0.1, [PromptRun("p", 100, 100_000 / s, drafted, accepted)])
                                   for i, s in enumerate(speeds)])

    report = BenchReport("b", None, "m", "CPU", 100, 3, "shipped", ["p"], 2, [
        result("off", "off", [100, 100, 100]), result("ngram", "ngram", [104, 90, 110], 50, 2),
        result("mtp", "mtp", [150, 151, 152], 300, 200)])
    report.compute_speedups()
    found = notes(report, ModelFacts(1, "qwen35", "a trained model"), gpu=True)
    assert "under 10% of drafted tokens accepted in ngram (4%): those rows are drafting overhead" in found[0]
    assert found[1] == "within the spread over repeats, so not a measured difference: ngram (1.04x, spread 19%)"
    assert not any("random-weight" in n for n in found)


def test_messages_show_paths_as_typed(plain_model: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.json").write_text("[]")
    assert bench("gemma.gguf", "--prompts", "bad.json") == 2
    expected = "error: bad.json: not a valid prompt set: the top level must be a JSON object"
    assert capsys.readouterr().err.strip() == expected
    assert bench("gemma.gguf", "--modes", "mtp") == 2
    assert capsys.readouterr().err.strip().startswith("error: gemma.gguf: the model has no MTP layers")


def test_a_mode_the_binary_cannot_run_is_bad_input(plain_model: Path, requests_log: Path, capsys) -> None:
    assert bench(plain_model, "--modes", "ngram-map-k") == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith("error: mode ngram-map-k cannot run on this binary: ") and "\n" not in line
    assert not requests_log.exists()
