"""``python -m ci junit-collate``: real pytest JUnit XML from three "runners"; skipped everywhere fails."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ci.cli import main

ROOT = Path(__file__).resolve().parents[2]
RUNNERS = ("ubuntu-latest", "macos-latest", "windows-latest")

SUITE = textwrap.dedent('''
    import os
    import pytest

    RUNNER = os.environ["FAKE_RUNNER"]

    def test_runs_everywhere():
        pass

    @pytest.mark.skip(reason="needs a GPU")
    def test_never_runs():
        pass

    @pytest.mark.skipif(RUNNER == "windows-latest", reason="posix only")
    def test_posix_only():
        pass

    @pytest.mark.skipif(RUNNER != "windows-latest", reason="windows only")
    def test_windows_only():
        pass

    @pytest.mark.xfail(reason="known upstream bug")
    def test_known_bug():
        assert False

    @pytest.mark.parametrize("n", [1, 2])
    def test_param(n):
        if n == 2:
            pytest.skip("two is never supported")
''')


def pytest_env(runner: str) -> dict[str, str]:
    """The inner pytest must not inherit this run's options (PYTEST_ADDOPTS, xdist workers)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GITHUB_"))}
    return env | {"FAKE_RUNNER": runner}


def run_suite(tmp_path_factory: pytest.TempPathFactory, runners: tuple[str, ...], *pytest_args: str) -> Path:
    """Real JUnit files, laid out as download-artifact leaves them: one folder per runner."""
    work = tmp_path_factory.mktemp("suite")
    (work / "test_suite.py").write_text(SUITE, encoding="utf-8")
    (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    artifacts = tmp_path_factory.mktemp("artifacts")
    for runner in runners:
        target = artifacts / f"junit-{runner}" / "junit.xml"
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={target}",
                               *pytest_args], cwd=work, env=pytest_env(runner), capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return artifacts


@pytest.fixture(scope="module")
def junit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_suite(tmp_path_factory, RUNNERS)


def test_a_test_skipped_on_every_runner_fails_the_collation(junit_dir, capsys) -> None:
    code = main(["junit-collate", str(junit_dir)])
    out = capsys.readouterr().out
    assert code == 1, out
    flagged = [line for line in out.splitlines() if line.startswith("SKIPPED EVERYWHERE")]
    assert flagged == ["SKIPPED EVERYWHERE  test_suite::test_never_runs  (needs a GPU)",
                       "SKIPPED EVERYWHERE  test_suite::test_param[2]  (two is never supported)"]
    # skipped on some runners only, or xfail: not flagged
    assert "test_posix_only" not in "".join(flagged) and "test_known_bug" not in "".join(flagged)
    assert "junit-ubuntu-latest: 7 tests (3 passed, 3 skipped, 1 xfail)" in out
    assert out.splitlines()[-1] == "junit-collate: 3 runners, 2 tests skipped on every runner"


def test_in_actions_it_annotates_and_writes_a_table(junit_dir, tmp_path, monkeypatch, capsys) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["junit-collate", str(junit_dir)]) == 1
    out = capsys.readouterr().out
    assert "::error title=skipped on every runner::test_suite::test_never_runs was skipped on every runner: " \
           "needs a GPU" in out
    table = summary.read_text(encoding="utf-8")
    assert "| junit-windows-latest | 7 | 3 | 0 | 0 | 3 | 1 |" in table
    assert "<code>test_suite::test_never_runs</code>: needs a GPU" in table


def test_tests_skipped_on_some_runners_only_pass(tmp_path_factory, capsys) -> None:
    artifacts = run_suite(tmp_path_factory, ("ubuntu-latest", "windows-latest"),
                          "-k", "not test_never_runs and not test_param")
    code = main(["junit-collate", str(artifacts)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "junit-windows-latest: 4 tests (2 passed, 1 skipped, 1 xfail)" in out
    assert out.splitlines()[-1] == "junit-collate: 2 runners, no test skipped on every runner"


@pytest.mark.parametrize("make, expected", [
    (lambda d: d / "missing", "no such directory"),
    (lambda d: d, "no JUnit XML files in it"),
    (lambda d: (d / "bad.xml").write_text("<testsuites><testcase", encoding="utf-8") and d, "not JUnit XML"),
    (lambda d: (d / "html.xml").write_text("<html/>", encoding="utf-8") and d, "not JUnit XML (root element <html>)"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, make, expected) -> None:
    target = make(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "ci", "junit-collate", str(target)], cwd=ROOT,
                          env=pytest_env("none"), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and expected in proc.stderr, proc.stderr
