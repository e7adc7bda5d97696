"""Class 3 and 4b: nothing a binary starts outlives the command; ``--timeout`` holds; output is bounded.

The fakes' descendants leave the process group (setsid, double fork on Linux; detached on
Windows), keep stdout open and keep writing into their temporary working directory. After
each command: the descendant is gone and the directory is removed. The subprocess guard
only stops a hung test; nothing here asserts a duration (benchmarks/hostile_parse.py and
the closing note carry the figures).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.hostile.fakes import ESCAPE, FLOOD, HANG
from tests.support.patience import until_reached
from tests.hostile.support import clean_env, pid_gone, python_wrapper, run_module
from verifier.util.process import MAX_OUTPUT, OutputTooLarge, run


@pytest.fixture
def traces(tmp_path: Path) -> dict[str, str]:
    return {"HOSTILE_PID_FILE": str(tmp_path / "descendant.pid"), "HOSTILE_CWD_FILE": str(tmp_path / "cwd")}


def assert_nothing_left(traces: dict[str, str]) -> None:
    pid = int(Path(traces["HOSTILE_PID_FILE"]).read_text())
    assert pid_gone(pid), f"descendant {pid} still runs"
    assert not Path(Path(traces["HOSTILE_CWD_FILE"]).read_text()).exists(), "temporary directory left behind"


@pytest.mark.parametrize("ending", ["exits", "hangs"])
def test_escaped_descendant_holding_stdout_is_ended(fake_binary, traces, ending) -> None:
    fake = fake_binary(help=help_fixture("real-b11434"), body=ESCAPE + (HANG if ending == "hangs" else ""))
    if ending == "hangs":
        done = until_reached(
            lambda timeout: run_module("verifier", str(fake.path), *python_wrapper(), "--timeout", f"{timeout:g}",
                                       env=clean_env(**traces)),
            lambda _: Path(traces["HOSTILE_PID_FILE"]).exists(), first=3)
        assert done.returncode == 2 and re.search(r"timed out after \d+s", done.stderr), done.stderr
    else:
        done = run_module("verifier", str(fake.path), *python_wrapper(), "--timeout", "120", env=clean_env(**traces))
        assert done.returncode == 0, done.stderr
    assert_nothing_left(traces)


def test_argv_proof_leaves_no_descendant(fake_binary, traces) -> None:
    fake = fake_binary(help=help_fixture("real-b11434"), body=ESCAPE)
    done = run_module("verifier", str(fake.path), *python_wrapper(), "--argv", "--timeout", "120",
                      env=clean_env(**traces))
    assert done.returncode in (0, 1), done.stderr
    assert_nothing_left(traces)


def test_launch_leaves_no_descendant(tmp_path: Path, traces) -> None:
    from tests.unit.test_resolver_modes import write_gguf

    model = write_gguf(tmp_path / "model.gguf", arch="gemma3", size_label="270M")
    server = Path(__file__).resolve().parents[1] / "support" / "fake_server.py"
    done = until_reached(
        lambda timeout: run_module("verifier", str(server), *python_wrapper(), "--launch", str(model), "--modes",
                                   "off", "--launch-timeout", f"{timeout:g}",
                                   env=clean_env(FAKE_SERVER="escape", **traces)),
        lambda _: Path(traces["HOSTILE_PID_FILE"]).exists(), first=3)
    assert done.returncode == 1 and re.search(r"not healthy within \d+s", done.stdout), done.stdout + done.stderr
    assert_nothing_left(traces)


def test_a_flood_of_output_is_stopped_and_reported(fake_binary) -> None:
    fake = fake_binary(body=FLOOD)
    done = run_module("verifier", str(fake.path), *python_wrapper())
    assert done.returncode == 2
    assert f"printed more than {MAX_OUTPUT >> 20} MiB on stdout" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_bounds_output_through_the_library(tmp_path: Path) -> None:
    with pytest.raises(OutputTooLarge) as caught:
        run([sys.executable, "-c", "import sys\nwhile True: sys.stderr.write('y' * 4096)"], timeout=60, cwd=tmp_path,
            max_output=1 << 20)
    assert caught.value.stream == "stderr"
