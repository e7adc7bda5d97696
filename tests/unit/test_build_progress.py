"""The build script's progress: a bar from ninja's [n/N] on a terminal, a line every 30 s elsewhere."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_llama_server", ROOT / "scripts" / "build_llama_server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_a_line_every_interval(builder: ModuleType, tmp_path: Path) -> None:
    out, clock = io.StringIO(), Clock()
    progress = builder.Progress("b11434", tmp_path / "build-b11434.log", out, tty=False, clock=clock)
    progress.begin("compiling llama-server")
    for n in range(1, 50):
        progress.feed(f"[{n}/208] Building CXX object common/x{n}.cpp.o\n".encode())
    clock.now += 29
    progress.feed(b"[50/208] Building CXX object common/arg.cpp.o\n")
    progress.tick()
    assert out.getvalue().count("\n") == 2  # the log line and the stage: nothing before 30 s
    clock.now += 1
    progress.tick()
    progress.tick()
    lines = out.getvalue().splitlines()
    assert lines[0] == f"b11434: building llama-server; full log: {tmp_path / 'build-b11434.log'}"
    assert lines[1] == "b11434: compiling llama-server (0m00s so far)"
    assert lines[2] == "b11434: compiling llama-server: step 50/208 (24%), 0m30s so far"
    assert len(lines) == 3 and "\r" not in out.getvalue()


def test_make_percentages_are_progress_too(builder: ModuleType, tmp_path: Path) -> None:
    out, clock = io.StringIO(), Clock()
    progress = builder.Progress("b9093", tmp_path / "log", out, tty=False, clock=clock)
    progress.begin("compiling llama-server")
    clock.now += 31
    progress.feed(b"[ 45%] Building CXX object common/CMakeFiles/common.dir/arg.cpp.o\n")
    assert out.getvalue().splitlines()[-1] == "b9093: compiling llama-server: 45%, 0m31s so far"


def test_on_a_terminal_a_bar_redrawn_in_place(builder: ModuleType, tmp_path: Path) -> None:
    out, clock = io.StringIO(), Clock()
    progress = builder.Progress("b11434", tmp_path / "log", out, tty=True, clock=clock)
    progress.begin("compiling llama-server")
    progress.feed(b"[104/208] Building CXX object common/chat.cpp.o\n")
    clock.now += 75
    progress.feed(b"some compiler warning\n")  # not a step: no redraw
    assert out.getvalue().count("104/208") == 1
    progress.tick()  # a long step: the bar's clock moves
    progress.end("built /x/llama-server")
    text = out.getvalue()
    assert "\r\033[Kb11434 [" + "#" * 15 + "." * 15 + "] 104/208 0m00s" in text
    assert "\r\033[Kb11434 [" + "#" * 15 + "." * 15 + "] 104/208 1m15s" in text
    assert text.endswith("\r\033[Kb11434: built /x/llama-server in 1m15s\n")


def test_missing_cmake_is_one_line_and_nothing_on_stdout(builder: ModuleType, tmp_path: Path, monkeypatch,
                                                         capsys) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setenv("LLAMA_SERVER_VERIFIER_CACHE", str(tmp_path / "cache"))
    assert builder.main(["42"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "error: cmake not found on PATH: install cmake >= 3.14 (e.g. apt-get install cmake, brew install cmake) "
        "and run again"]
    assert not (tmp_path / "cache" / "builds").exists()


def test_a_cached_build_is_printed_without_building(builder: ModuleType, tmp_path: Path, monkeypatch,
                                                    capsys) -> None:
    monkeypatch.setenv("LLAMA_SERVER_VERIFIER_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no cmake needed for a cached build
    target = builder.binary_path(7)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"")
    assert builder.main(["7"]) == 0
    assert capsys.readouterr() == (f"{target}\n", "")


def test_a_quoted_compiler_line_cannot_drive_the_terminal(builder: ModuleType) -> None:
    assert builder._printable("server.c:3: error: \x1b[2J\x1b]0;title\x07 x") == "server.c:3: error: ?[2J?]0;title? x"
