"""Start a real server per speculative mode on a real model, and collect evidence that it engaged.

Help text says what a binary claims; this shows what it does. Each mode: resolve its argv
for the model, start ``llama-server`` on 127.0.0.1 with a free port in an empty directory,
poll ``/health``, send one short completion, stop it (terminate, wait, kill the group).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

from verifier.capabilities import Capabilities
from verifier.speculative import ModelInfo, SpecRequest, resolve
from verifier.speculative.resolver import ENGINE_MTP
from verifier.speculative.modes import MTP, NGRAM, OFF, canonical_mode
from verifier.util import interrupt
from verifier.util.process import kill_tree, popen, release

DEFAULT_LAUNCH_TIMEOUT = 120.0
POLL_INTERVAL = 0.05
STOP_GRACE = 5.0
MAX_ANSWER = 4 << 20
"""Bytes of a /completion answer read; a server that sends more is cut off."""
PROMPT = " ".join(["one two three four five six seven eight nine ten"] * 4) + " one two three"

STARTED = "started"
MTP_DRAFTED = "mtp-drafted"
"""An MTP mode on a model with MTP layers: the draft-mtp implementation was added and drafted tokens."""
NO_MTP_LAYERS = "mtp-runtime-no-layers"
FAILED = "failed"
SKIPPED = "skipped"

_EVIDENCE = re.compile(
    r"adding speculative implementation|speculative decoding context initialized|ngram_mod occupancy"
    r"|draft acceptance|initialized ngram_mod|common_speculative_init|context type MTP requested"
    r"|statistics\s+\S+:",
    re.IGNORECASE,
)
_MTP_ADDED = re.compile(r"adding speculative implementation '(?:draft-)?mtp'", re.IGNORECASE)
_MTP_STATS = re.compile(r"statistics\s+(?:draft-)?mtp:.*#gen tokens\s*=\s*(\d+),\s*#acc tokens\s*=\s*(\d+)",
                        re.IGNORECASE)
_NO_MTP_LAYERS = re.compile(r"context type MTP requested but model doesn't contain MTP layers", re.IGNORECASE)


@dataclass
class LaunchResult:
    mode: str
    argv: list[str] = field(default_factory=list)
    engine: str | None = None
    outcome: str = FAILED
    detail: str = ""
    seconds_to_healthy: float | None = None
    evidence: list[str] = field(default_factory=list)
    draft_n: int | None = None
    draft_n_accepted: int | None = None
    completion: str | None = None
    mtp_drafted: int | None = None
    """From the log's per-implementation statistics: tokens the draft-mtp implementation itself drafted."""
    mtp_accepted: int | None = None
    pid: int | None = None
    """The server's process id, so callers (and tests) can prove it is gone."""

    @property
    def ok(self) -> bool:
        return self.outcome in (STARTED, MTP_DRAFTED, NO_MTP_LAYERS, SKIPPED)

    def to_dict(self) -> dict[str, object]:
        return {"mode": self.mode, "argv": self.argv, "engine": self.engine, "outcome": self.outcome,
                "ok": self.ok, "detail": self.detail, "seconds_to_healthy": self.seconds_to_healthy,
                "evidence": self.evidence, "draft_n": self.draft_n, "draft_n_accepted": self.draft_n_accepted,
                "mtp_drafted": self.mtp_drafted, "mtp_accepted": self.mtp_accepted}


def default_modes(caps: Capabilities) -> list[str]:
    return [OFF, NGRAM, *([MTP] if caps.mtp_token else [])]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def _post_json(url: str, body: dict[str, object], timeout: float) -> object:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - loopback only
        return json.loads(resp.read(MAX_ANSWER).decode("utf-8", errors="replace"))


def server_argv(caps: Capabilities, model: Path, port: int, spec_argv: Sequence[str], *,
                verbosity: int | None = 4, ctx_size: int = 2048) -> list[str]:
    """The argv after the binary: model, loopback, small context, verbose enough for the evidence lines.

    The evidence lines are TRACE level since b9829 (verbosity 4); the benchmark passes None and
    keeps the default level, so logging costs it nothing.
    """
    argv = ["-m", str(model), "--host", "127.0.0.1", "--port", str(port), "-c", str(ctx_size)]
    options = [("--parallel", "1")] + ([("--verbosity", str(verbosity))] if verbosity is not None else [])
    for flag, value in options:
        if caps.has(flag):
            argv += [flag, value]
    return [*argv, *spec_argv]


def _evidence(log: Path) -> list[str]:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else []
    found = [ln.strip() for ln in lines if _EVIDENCE.search(ln)]
    return list(dict.fromkeys(found))[:12]


def _tail(log: Path, count: int = 1) -> str:
    """The server's own last ``count`` non-blank lines, joined with `` | ``."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    lines = [ln.strip()[:300] for ln in text.splitlines() if ln.strip()]
    return " | ".join(lines[-count:]) if lines else "no output"


_ERROR_LINE = re.compile(r"\berror\b|\bfailed\b|GGML_ASSERT|\babort", re.IGNORECASE)


def _reason(log: Path) -> str:
    """Why a server exited early: its first and last error lines (stdout and stderr interleave, so the
    last line is often a banner), else its last line."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    errors = [ln.strip()[:300] for ln in text.splitlines() if _ERROR_LINE.search(ln)]
    if not errors:
        return _tail(log)
    return errors[0] if len(errors) == 1 else f"{errors[0]} ... {errors[-1]}"


def stop(proc: subprocess.Popen[bytes], *, grace: float = STOP_GRACE) -> None:
    """terminate, wait, kill: the server gets a chance to exit cleanly, then everything it started goes.

    ``grace`` 0 (an interrupt) kills at once.
    """
    if proc.poll() is None and grace > 0:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    kill_tree(proc)
    proc.wait()
    release(proc)


def launch_mode(binary: Path, model_path: Path, model: ModelInfo, caps: Capabilities, mode: str, *,
                gpu: bool = False, timeout: float = DEFAULT_LAUNCH_TIMEOUT,
                wrapper: Sequence[str] = ()) -> LaunchResult:
    # On a model the header says has no MTP layers the resolver rightly refuses draft-mtp; the
    # launch check asks anyway on purpose: the server's refusal proves the runtime knows MTP (SPEC 5).
    probed = replace(model, mtp_layers=None) if mode == MTP and model.known_no_mtp else model
    resolution = resolve(caps, SpecRequest(mode), probed, gpu=gpu)
    result = LaunchResult(mode, resolution.argv, resolution.engine)
    if mode != OFF and resolution.engine is None:
        result.outcome = SKIPPED
        result.detail = "; ".join(resolution.warnings) or "the resolver emits nothing for this mode here"
        return result
    with tempfile.TemporaryDirectory(prefix="llama-server-launch-") as tmp:
        log = Path(tmp) / "server.log"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        argv = [*wrapper, str(binary), *server_argv(caps, model_path, port, resolution.argv)]
        with log.open("wb") as out:
            proc = popen(argv, cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
        result.pid = proc.pid
        started = time.monotonic()
        try:
            _serve(proc, base, log, result, started, timeout)
        except BaseException:
            stop(proc, grace=0)  # interrupted: no grace period
            raise
        stop(proc)
        result.evidence = _evidence(log)
        if result.outcome == FAILED and any(_NO_MTP_LAYERS.search(line) for line in result.evidence):
            result.outcome = NO_MTP_LAYERS
            result.detail = "MTP runtime present, model has no MTP layers"
        elif result.outcome == STARTED and resolution.engine == ENGINE_MTP:
            _judge_mtp(result, log)
    return result


def _judge_mtp(result: LaunchResult, log: Path) -> None:
    """An MTP mode that answered: prove draft-mtp ran (its log line, drafted tokens), or fail with the log's tail.

    On a model with MTP layers a healthy server must have added the draft-mtp implementation and drafted;
    when the log also has per-implementation statistics, draft-mtp itself must have drafted (in
    ``mtp+ngram`` the drafts could otherwise all be ngram-mod's).
    """
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    stats = _MTP_STATS.findall(text)
    if stats:
        result.mtp_drafted, result.mtp_accepted = (int(v) for v in stats[-1])
    problems = []
    if not _MTP_ADDED.search(text):
        problems.append("no 'adding speculative implementation' line for draft-mtp in the log")
    if not result.draft_n:
        problems.append(f"timings.draft_n is {result.draft_n}")
    if stats and not result.mtp_drafted:
        problems.append("the log's draft-mtp statistics show 0 tokens drafted")
    if problems:
        result.outcome = FAILED
        result.detail = f"MTP never drafted: {'; '.join(problems)}; server's last lines: {_tail(log, 3)}"
        return
    own = f"; draft-mtp itself {result.mtp_drafted} drafted, {result.mtp_accepted} accepted" if stats else ""
    result.outcome = MTP_DRAFTED
    result.detail = (f"healthy after {result.seconds_to_healthy:.2f}s, draft-mtp ran: timings draft "
                     f"{result.draft_n_accepted}/{result.draft_n} accepted{own}")


def _serve(proc: subprocess.Popen[bytes], base: str, log: Path, result: LaunchResult, started: float,
           timeout: float) -> None:
    """Poll /health until 200, then ask for one completion; record what happened on ``result``."""
    while True:
        interrupt.check()
        if proc.poll() is not None:
            result.detail = f"exited with code {proc.returncode} before it was healthy: {_reason(log)}"
            return
        if time.monotonic() - started > timeout:
            result.detail = f"not healthy within {timeout:g}s"
            return
        if _get(base + "/health", timeout=2) == 200:
            break
        time.sleep(POLL_INTERVAL)
    result.seconds_to_healthy = round(time.monotonic() - started, 3)
    left = max(5.0, timeout - (time.monotonic() - started))
    try:
        answer = _post_json(base + "/completion", {"prompt": PROMPT, "n_predict": 32, "temperature": 0,
                                                   "cache_prompt": False}, timeout=left)
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        try:
            code: int | None = proc.wait(timeout=2)  # a crash resets the connection just before the exit
        except subprocess.TimeoutExpired:
            code = None
        state = f"the server exited with code {code}" if code is not None else "the server is still running"
        result.detail = (f"healthy, but the completion failed ({exc}); {state}; "
                         f"its last lines: {_tail(log, 3)}")
        return
    if not isinstance(answer, dict):
        result.detail = f"healthy, but /completion answered a JSON {type(answer).__name__}, not an object"
        return
    timings = answer.get("timings")
    if isinstance(timings, dict):
        result.draft_n, result.draft_n_accepted = timings.get("draft_n"), timings.get("draft_n_accepted")
    content = answer.get("content")
    result.completion = content if isinstance(content, str) else None
    result.outcome = STARTED
    drafted = f", draft {result.draft_n_accepted}/{result.draft_n} accepted" if result.draft_n is not None else ""
    result.detail = f"healthy after {result.seconds_to_healthy:.2f}s, answered a completion{drafted}"


def launch(binary: Path, model_path: Path, caps: Capabilities, modes: Sequence[str] | None = None, *,
           gpu: bool = False, timeout: float = DEFAULT_LAUNCH_TIMEOUT, wrapper: Sequence[str] = (),
           model_id: str | None = None) -> list[LaunchResult]:
    """Launch each mode in turn (one server at a time: they share the machine's memory and cores)."""
    from verifier.errors import VerifierError
    from verifier.speculative import GGUFError

    try:
        model = ModelInfo.from_gguf(model_path, model_id)
    except (OSError, GGUFError) as exc:
        raise VerifierError(str(exc) if isinstance(exc, GGUFError) else f"{model_path}: {exc.strerror or exc}") from None
    chosen = [canonical_mode(m) or m for m in modes] if modes else default_modes(caps)
    return [launch_mode(binary, model_path, model, caps, m, gpu=gpu, timeout=timeout, wrapper=wrapper)
            for m in chosen]
