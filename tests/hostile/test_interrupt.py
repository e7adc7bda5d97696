"""Ctrl-C stops ``--launch``, ``--argv`` and ``--release`` promptly, with every child gone.

A real interrupt (SIGINT; Ctrl-Break on Windows, which the command line treats the same)
is sent to a real ``python -m verifier`` process once the work is demonstrably under way
(a pid file written by the child, a request seen by the loopback server): no sleeps, no
``interrupt_main``. The process must exit 130 with one line, and the children must be gone.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.hostile.fakes import HANG_IN_ARGV_PROOF
from tests.hostile.support import ROOT, clean_env, pid_gone, python_wrapper

GUARD = 120
"""Seconds before a hung test is stopped; not an assertion."""
_CREATE = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if sys.platform == "win32" else {}  # type: ignore[attr-defined]


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **_CREATE)  # type: ignore[call-overload]


def interrupt(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.CTRL_BREAK_EVENT if sys.platform == "win32" else signal.SIGINT)  # type: ignore[attr-defined]


def wait_until(condition, proc: subprocess.Popen[str]) -> None:
    """Block until ``condition()`` holds (or the process ended on its own: then the test fails)."""
    ready = threading.Event()
    while not ready.wait(0.02):
        if condition():
            return
        assert proc.poll() is None, proc.communicate()


def stopped(proc: subprocess.Popen[str], stop) -> tuple[int, str]:
    """``stop(proc)`` (a signal), then its exit code and stderr; no traceback allowed."""
    stop(proc)
    try:
        _, err = proc.communicate(timeout=GUARD)
    except subprocess.TimeoutExpired:
        proc.kill()  # the signal was lost: fail without leaving the caller behind
        proc.communicate()
        raise
    assert "Traceback" not in err, err
    return proc.returncode, err


def interrupted(proc: subprocess.Popen[str]) -> tuple[int, str]:
    return stopped(proc, interrupt)


@pytest.fixture
def pid_file(tmp_path: Path) -> Path:
    return tmp_path / "child.pid"


def start_launch(tmp_path: Path, pid_file: Path, modes: str) -> subprocess.Popen[str]:
    """``--launch`` on the fake server whose descendant escapes the process group; returns once it runs."""
    from tests.unit.test_resolver_modes import write_gguf

    model = write_gguf(tmp_path / "model.gguf", arch="gemma3", size_label="270M")
    server = ROOT / "tests" / "support" / "fake_server.py"
    env = clean_env(FAKE_SERVER="escape", HOSTILE_PID_FILE=str(pid_file), HOSTILE_CWD_FILE=str(tmp_path / "cwd"))
    proc = start(["-m", "verifier", str(server), *python_wrapper(), "--launch", str(model), "--modes", modes,
                  "--launch-timeout", "600"], env)
    wait_until(pid_file.exists, proc)
    return proc


def test_ctrl_c_stops_launch(tmp_path: Path, pid_file: Path) -> None:
    proc = start_launch(tmp_path, pid_file, "off,ngram")
    code, err = interrupted(proc)
    assert code == 130 and err.strip().splitlines()[-1] == "error: interrupted", err
    assert pid_gone(int(pid_file.read_text()))
    assert not Path((tmp_path / "cwd").read_text()).exists()


def test_sigterm_stops_launch_and_its_servers(tmp_path: Path, pid_file: Path) -> None:
    """``timeout``, a runner's cancel and supervisors send SIGTERM: the servers must not outlive it."""
    proc = start_launch(tmp_path, pid_file, "off")
    code, err = stopped(proc, subprocess.Popen.terminate)
    if sys.platform != "win32":  # Windows cannot catch a terminate; its job object ends the children
        assert code == 130 and err.strip().splitlines()[-1] == "error: interrupted", err
    assert pid_gone(int(pid_file.read_text()))


def test_ctrl_c_stops_the_argv_proof(fake_binary, pid_file: Path) -> None:
    fake = fake_binary(help=help_fixture("real-b11434"), body=HANG_IN_ARGV_PROOF)
    proc = start(["-m", "verifier", str(fake.path), *python_wrapper(), "--argv", "--timeout", "600"],
                 clean_env(HOSTILE_PID_FILE=str(pid_file)))
    wait_until(pid_file.exists, proc)
    code, err = interrupted(proc)
    assert code == 130 and err.strip().splitlines() == ["error: interrupted"], err
    assert pid_gone(int(pid_file.read_text()))


def test_ctrl_c_stops_a_release_download(tmp_path: Path) -> None:
    from tests.support.github_releases import FakeGitHub, host_platform

    name = f"llama-b100-bin-{host_platform()[0]}.{'zip' if sys.platform == 'win32' else 'tar.gz'}"
    asset = tmp_path / "asset"
    asset.write_bytes(b"\0" * (1 << 20))  # at 2 KiB/s the download is still running when Ctrl-C comes
    cache = tmp_path / "cache"
    with FakeGitHub(bandwidth=2048) as gh:
        gh.add_release("b100", {name: asset})
        env = clean_env(**gh.env(), LLAMA_SERVER_VERIFIER_CACHE=str(cache))
        proc = start(["-m", "verifier", "--release", "b100", "--cache", str(cache)], env)
        wait_until(lambda: bool(gh.storage_downloads()), proc)
        code, err = interrupted(proc)
    assert code == 130 and err.strip().splitlines()[-1] == "error: interrupted", err
    assert not list(cache.rglob("*.part")), "a partial download was left behind"


# A program that wants Ctrl-C as KeyboardInterrupt says so: a process started in the background
# by a non-interactive shell (nohup, `cmd &`, some CI launchers) inherits SIGINT *ignored*,
# and Python then leaves it ignored. The command line installs its own handler either way.
LIBRARY_CALLER = """
import signal, sys
from pathlib import Path
from verifier.verify import verify_binary
signal.signal(signal.SIGINT, signal.default_int_handler)
if hasattr(signal, "SIGBREAK"):
    signal.signal(signal.SIGBREAK, signal.default_int_handler)
try:
    verify_binary(Path(sys.argv[1]), ["spec-type-mtp"], timeout=600, wrapper=[sys.executable], argv=True)
except KeyboardInterrupt:
    print("caller saw KeyboardInterrupt", file=sys.stderr)
    sys.exit(130)
"""


def test_ctrl_c_through_the_library(fake_binary, pid_file: Path) -> None:
    fake = fake_binary(help=help_fixture("real-b11434"), body=HANG_IN_ARGV_PROOF)
    proc = start(["-c", LIBRARY_CALLER, str(fake.path)], clean_env(HOSTILE_PID_FILE=str(pid_file)))
    wait_until(pid_file.exists, proc)
    code, err = interrupted(proc)
    assert code == 130 and "caller saw KeyboardInterrupt" in err, err
    assert pid_gone(int(pid_file.read_text()))
