"""Bad input exits 2 with one clear line on stderr, never a traceback (fake binaries via sys.executable)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verifier.cli import main
from verifier.errors import VerifierError
from verifier.probe import probe
from verifier.util import binfmt
from tests.support.patience import until_reached
from tests.support.processes import alive

MINIMAL_HELP = "--port PORT                             port to listen (default: 8080)\n"


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real command in a subprocess: proves exit code and stderr, tracebacks included."""
    return subprocess.run([sys.executable, "-m", "verifier", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).resolve().parents[2])


def assert_one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_path(tmp_path: Path) -> None:
    assert_one_line_error(run_cli(str(tmp_path / "nope")), "no such file")


def test_directory(tmp_path: Path) -> None:
    assert_one_line_error(run_cli(str(tmp_path)), "is a directory")


def test_not_executable(tmp_path: Path) -> None:
    plain = tmp_path / "llama-server.txt"
    plain.write_text("not a program")
    plain.chmod(0o644)
    assert_one_line_error(run_cli(str(plain)), "not executable")


def test_wrong_architecture(tmp_path: Path) -> None:
    # A little-endian ELF header for a machine other than this host's.
    machine, arch = (62, "x86_64") if binfmt.host_arch() == "aarch64" else (183, "aarch64")
    header = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + (2).to_bytes(2, "little") + machine.to_bytes(2, "little")
    binary = tmp_path / "llama-server.exe"
    binary.write_bytes(header + b"\0" * 200)
    binary.chmod(0o755)
    assert_one_line_error(run_cli(str(binary)), "wrong architecture", arch)


def test_hanging_binary_is_stopped_at_the_timeout(fake_binary) -> None:
    fake = fake_binary(MINIMAL_HELP, body="time.sleep(120)")
    started = time.monotonic()
    done = run_cli(*fake.cli_args(), "--timeout", "1.5")
    elapsed = time.monotonic() - started
    assert_one_line_error(done, "timed out after 1.5s")
    assert elapsed < 30


def test_hanging_grandchild_is_killed_with_its_parent(fake_binary, tmp_path: Path) -> None:
    marker = tmp_path / "grandchild.pid"
    body = f"""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    open({str(marker)!r}, "w").write(str(child.pid))
    time.sleep(120)
    """
    fake = fake_binary(MINIMAL_HELP, body=body)

    def attempt(timeout: float) -> None:
        with pytest.raises(VerifierError, match="timed out"):
            probe(fake.path, timeout=timeout, wrapper=fake.wrapper)

    until_reached(attempt, lambda _: marker.exists(), first=3)
    pid = int(marker.read_text())
    assert not alive(pid)


def test_crashing_binary(fake_binary) -> None:
    crash = "os.kill(os.getpid(), signal.SIGSEGV)" if sys.platform != "win32" else "os._exit(3221225477)"
    fake = fake_binary(MINIMAL_HELP, body=f"if '--help' in sys.argv:\n    {crash}")
    done = run_cli(*fake.cli_args())
    assert_one_line_error(done)
    if sys.platform != "win32":
        assert "killed by SIGSEGV" in done.stderr


def test_exit_code_with_no_help_quotes_the_last_stderr_line(fake_binary) -> None:
    fake = fake_binary("", exit_code=127,
                       stderr="llama-server: error while loading shared libraries: libllama.so: cannot open\n")
    assert_one_line_error(run_cli(*fake.cli_args()), "exited with code 127", "libllama.so")


def test_no_recognisable_help(fake_binary) -> None:
    fake = fake_binary("Usage: something else entirely\n")
    assert_one_line_error(run_cli(*fake.cli_args()), "no recognisable")


def test_empty_help(fake_binary) -> None:
    assert_one_line_error(run_cli(*fake_binary("").cli_args()), "no recognisable")


def test_unknown_check_is_a_usage_error(fake_binary) -> None:
    done = run_cli(*fake_binary(MINIMAL_HELP).cli_args(), "--require", "no-such-check")
    assert done.returncode == 2 and "unknown check no-such-check" in done.stderr


def test_one_bad_binary_among_good_ones_still_reports_the_others(fake_llama_server, tmp_path: Path, capsys) -> None:
    good, failing = fake_llama_server(build=11434), fake_llama_server(build=9093)
    code = main([str(tmp_path / "missing"), str(good.path), str(failing.path), "--wrapper", sys.executable, "--json"])
    assert code == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "missing: no such file" in err[0]
    rows = json.loads(captured.out)["binaries"]
    assert [(r["build"], r["ok"]) for r in rows] == [(None, False), (11434, True), (9093, False)]


def test_help_on_stderr_is_accepted(fake_binary) -> None:
    fake = fake_binary("", stderr=MINIMAL_HELP)
    result = probe(fake.path, wrapper=fake.wrapper)
    assert result.capabilities.has("--port")


def test_probe_is_cached_by_path_size_and_mtime(fake_llama_server) -> None:
    fake = fake_llama_server(build=11434)
    first = probe(fake.path, wrapper=fake.wrapper)
    assert probe(fake.path, wrapper=fake.wrapper) is first
    fake.path.write_text(fake.path.read_text() + "\n# changed\n")
    os.utime(fake.path, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    assert probe(fake.path, wrapper=fake.wrapper) is not first


def test_binary_runs_in_an_empty_temporary_directory_with_empty_stdin(fake_binary) -> None:
    body = """
    if '--help' in sys.argv:
        assert os.listdir('.') == [], os.listdir('.')
        assert sys.stdin.read() == ''
    """
    fake = fake_binary(MINIMAL_HELP, body=body)
    assert probe(fake.path, wrapper=fake.wrapper).capabilities.has("--port")
