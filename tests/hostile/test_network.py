"""Class 7: network work is bounded; partial files do not pile up; the step summary stays under 1 MiB."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from ci.cli import main as ci_main
from tests.support.github_pulls import GitHubPulls
from verifier.errors import VerifierError
from verifier.release import download
from verifier.release.api import GitHubSettings
from verifier.release.assets import ReleaseAsset
from verifier.release.retry import RetryPolicy
from verifier.util import gha


class Drip:
    """A raw HTTP server on 127.0.0.1 that announces ``size`` bytes and then sends one byte per tick."""

    def __init__(self, size: int, *, content_length: str | None = None, tick: float = 0.2) -> None:
        self.size = size
        self.content_length = content_length if content_length is not None else str(size)
        self.tick = tick
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/asset"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {self.content_length}\r\n"
                             "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n".encode())
                for _ in range(self.size):
                    if self.stop.wait(self.tick):
                        return
                    try:
                        conn.sendall(b"x")
                    except OSError:
                        break

    def __enter__(self) -> Drip:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.sock.close()


def asset_at(url: str, size: int) -> ReleaseAsset:
    return ReleaseAsset(1, "slow.tar.gz", size, None, url)


def test_a_download_that_drips_is_stopped_at_its_deadline(tmp_path: Path) -> None:
    with Drip(100_000) as server:  # 100 000 bytes at 5 a second: about 6 hours
        with pytest.raises(VerifierError, match=r"not finished within 1s"):
            download.fetch(asset_at(server.url, 100_000), tmp_path, GitHubSettings(None), RetryPolicy(max_attempts=1),
                           deadline=1.0)
    assert list(tmp_path.iterdir()) == []


def test_the_deadline_scales_with_size_and_is_configurable() -> None:
    small, large = download.download_deadline(1 << 20), download.download_deadline(1 << 30)
    assert download.DEADLINE_FLOOR < small < large
    slower = download.download_deadline(1 << 30, {download.MIN_RATE_VARIABLE: "8"})
    assert slower > large
    assert download.download_deadline(1 << 30, {download.MIN_RATE_VARIABLE: "nan"}) == large


@pytest.mark.parametrize("header", ["abc", "-5", "99999999999999999999999", ""])
def test_a_content_length_that_is_not_a_number_is_not_a_crash(tmp_path: Path, header: str) -> None:
    with Drip(16, content_length=header, tick=0) as server:
        try:
            done = download.fetch(asset_at(server.url, 16), tmp_path, GitHubSettings(None),
                                  RetryPolicy(max_attempts=1), deadline=30)
        except VerifierError as exc:
            assert exc.message.startswith("download slow.tar.gz: ")
        else:
            assert done.size == 16


def test_stale_partial_files_are_tidied_by_owner_and_age(tmp_path: Path) -> None:
    dead = tmp_path / "11-pid999999999-abc.part"
    mine = tmp_path / f"12-pid{os.getpid()}-def.part"
    old = tmp_path / f"13-pid{os.getpid()}-ghi.part"
    other = tmp_path / "notes.txt"
    for path in (dead, mine, old, other):
        path.write_bytes(b"x")
    ancient = time.time() - download.STALE_PART_AGE - 60
    os.utime(old, (ancient, ancient))
    removed = download.tidy_stale_parts(tmp_path)
    assert removed == (2 if os.name != "nt" else 1)
    assert mine.exists() and other.exists() and not old.exists()


def test_the_label_search_is_capped_with_a_note(tmp_path: Path, monkeypatch, capsys) -> None:
    from ci import pr_matrix

    monkeypatch.setattr(pr_matrix, "MAX_LABEL_PAGES", 1)
    output = tmp_path / "out"
    with GitHubPulls("octo/app") as gh:
        for number in range(1, 131):
            gh.add_pull(number, labels=["ci"] if number in (5, 120) else [])
        monkeypatch.setenv("GITHUB_API_URL", gh.url)
        code = ci_main(["pr-matrix", "--repo", "octo/app", "--label", "ci", "--runners", "ubuntu-latest",
                        "--output", str(output)])
        pages = [r for r in gh.requests if r.path.endswith("/pulls")]
    err = capsys.readouterr().err
    assert code == 0
    assert len(pages) == 1 and "read only the oldest 100 open pull requests" in err
    assert "prs=5\n" in output.read_text()


def test_the_step_summary_stays_under_the_runner_limit(tmp_path: Path, monkeypatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    for _ in range(3):
        gha.append_step_summary("| row | " + "é" * 300_000 + " |\n")
    size = summary.stat().st_size
    assert size <= gha.MAX_SUMMARY_BYTES
    assert summary.read_text(encoding="utf-8").endswith(gha.TRUNCATED_NOTE)


def test_an_unwritable_step_summary_is_a_warning(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a directory: cannot be appended to
    assert gha.append_step_summary("hello\n") is False
    assert capsys.readouterr().err.startswith("warning: cannot write the step summary")
