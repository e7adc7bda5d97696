"""Network failures name the host, the cause and what to check; the ones that cannot heal are not retried.

Every failure here is real: a closed loopback port, a name under ``.invalid`` (RFC 6761: never
resolves), TLS spoken to a plain-HTTP server, a proxy that is not there, a server that accepts
and never answers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.http_server import LoopbackServer
from verifier.release.api import GitHubSettings, _classifier
from verifier.release.network import network_failure
from verifier.release.retry import RetryPolicy, RetriesExhausted, call_with_retries

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield s.getsockname()[1]


def failure_of(url: str, env: dict[str, str] | None = None, **kwargs: object):
    with pytest.raises(requests.RequestException) as exc:
        requests.get(url, timeout=kwargs.pop("timeout", 10), **kwargs)  # type: ignore[arg-type]
    return network_failure(exc.value, "fallback-host", env or {})


def test_refused_names_host_and_port_and_is_not_retried(closed_port: int) -> None:
    failure = failure_of(f"http://127.0.0.1:{closed_port}/storage/1/a.tar.gz?X-Signature=s3cret",
                         {"GITHUB_API_URL": f"http://127.0.0.1:{closed_port}"})
    assert failure is not None and failure.cause == "refused" and not failure.heals
    line = failure.describe()
    assert line.startswith(f"cannot reach 127.0.0.1:{closed_port}: connection refused")
    assert "GITHUB_API_URL=" in line and "HTTPS_PROXY" in line and "s3cret" not in line and "/storage" not in line


def test_an_unresolvable_name_is_dns() -> None:
    failure = failure_of("https://api.llama-server-verifier.invalid/repos")
    assert failure is not None and failure.cause == "DNS" and not failure.heals
    assert failure.describe().startswith("cannot reach api.llama-server-verifier.invalid: the host name does not resolve")


def test_tls_to_a_plain_http_server_is_tls() -> None:
    with LoopbackServer() as server:
        failure = failure_of(server.url.replace("http://", "https://") + "/x",
                             {"GITHUB_API_URL": server.url.replace("http://", "https://")})
    assert failure is not None and failure.cause == "TLS" and not failure.heals
    assert "REQUESTS_CA_BUNDLE" in failure.describe()


def test_a_missing_proxy_is_the_proxy(closed_port: int) -> None:
    proxy = f"http://127.0.0.1:{closed_port}"
    failure = failure_of("http://api.example.invalid/", {"HTTPS_PROXY": proxy}, proxies={"http": proxy})
    assert failure is not None and failure.cause == "proxy" and not failure.heals
    assert "the proxy in HTTPS_PROXY" in failure.describe()


def test_a_silent_server_is_a_timeout_worth_retrying(silent_port: int) -> None:
    failure = failure_of(f"http://127.0.0.1:{silent_port}/", timeout=0.5)
    assert failure is not None and failure.cause == "timeout" and failure.heals


def test_the_api_gives_up_on_a_refused_port_without_sleeping(closed_port: int) -> None:
    settings = GitHubSettings.from_env({"GITHUB_API_URL": f"http://127.0.0.1:{closed_port}"})
    slept: list[float] = []
    with pytest.raises(requests.ConnectionError):
        call_with_retries(lambda: requests.get(f"http://127.0.0.1:{closed_port}/", timeout=10),
                          _classifier(settings), RetryPolicy(), what="latest release", sleep=slept.append)
    assert slept == []


def test_a_timeout_is_retried_and_the_last_failure_says_what(silent_port: int) -> None:
    settings = GitHubSettings.from_env({"GITHUB_API_URL": f"http://127.0.0.1:{silent_port}"})
    slept: list[float] = []
    with pytest.raises(RetriesExhausted) as exc:
        call_with_retries(lambda: requests.get(f"http://127.0.0.1:{silent_port}/", timeout=0.2),
                          _classifier(settings), RetryPolicy(max_attempts=3), what="latest release",
                          sleep=slept.append)
    assert len(slept) == 2
    assert f"last: cannot reach 127.0.0.1:{silent_port}: timed out" in exc.value.message


@pytest.mark.parametrize("args", [["--release", "latest"], ["--release", "b11434", "--list"]])
def test_the_command_line_says_what_failed_and_json_is_a_document(closed_port: int, tmp_path: Path,
                                                                   args: list[str]) -> None:
    env = {**os.environ, "GITHUB_API_URL": f"http://127.0.0.1:{closed_port}"}
    done = subprocess.run([sys.executable, "-m", "verifier", *args, "--json", "--cache", str(tmp_path / "c")],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and f"cannot reach 127.0.0.1:{closed_port}: connection refused" in line
    assert "gave up" not in line and "Traceback" not in done.stderr
    assert json.loads(done.stdout) == {"ok": False, "error": line.removeprefix("error: ")}


def test_json_is_a_document_for_bad_arguments_and_missing_binaries(tmp_path: Path) -> None:
    for args in (["--bogus"], ["diff", "missing-a", "missing-b"], ["resolve", "--binary", "missing", "--size", "8",
                                                                   "--cpu"]):
        done = subprocess.run([sys.executable, "-m", "verifier", *args, "--json"], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)
        assert done.returncode == 2, args
        assert json.loads(done.stdout)["ok"] is False and json.loads(done.stdout)["error"], args
