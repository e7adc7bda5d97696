"""Run the benchmark: one fresh server per setup and repeat, warm-ups, then each prompt exactly once.

The seeds' clean methodology: at temperature 0 generation is deterministic and the ngram-mod pool
lives as long as the server, so a prompt generated twice in one lifetime finds its own output in
the pool and looks several times faster than any real request. Every measured prompt is therefore
new to its server; unrelated warm-ups fill the pool first. Repeats are further lifetimes,
interleaved across setups (off, ngram, mtp, off, ngram, mtp, ...) so slow drift on a shared
machine spreads over all setups instead of biasing one.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from verifier.bench.prompts import PromptSet
from verifier.bench.results import Lifetime, PromptRun, Setup
from verifier.capabilities import Capabilities
from verifier.errors import VerifierError
from verifier.launch import free_port, server_argv, stop
from verifier.util.process import popen

POLL_INTERVAL = 0.05
MAX_ANSWER = 4 << 20
SEED = 42
_NO_MTP_LAYERS = re.compile(r"model doesn't contain MTP layers", re.IGNORECASE)


class BenchError(VerifierError):
    """The measurement could not be completed (a server that would not start, died or hung)."""


@dataclass(frozen=True)
class Plan:
    binary: Path
    model: Path
    caps: Capabilities
    prompts: PromptSet
    n_predict: int
    gpu_layers: int | None
    threads: int | None
    ctx_size: int
    start_timeout: float
    request_timeout: float
    wrapper: tuple[str, ...] = ()

    def argv(self, setup: Setup, port: int) -> list[str]:
        extra: list[str] = []
        if self.gpu_layers is not None:
            extra += [next((f for f in ("--n-gpu-layers", "--gpu-layers") if self.caps.has(f)), "-ngl"),
                      str(self.gpu_layers)]
        if self.threads is not None:
            extra += ["--threads", str(self.threads)]
        argv = server_argv(self.caps, self.model, port, [*extra, *setup.argv], verbosity=None, ctx_size=self.ctx_size)
        return [*self.wrapper, str(self.binary), *argv]


def _tail(log: Path, count: int = 3) -> str:
    """The server's last lines for an error message, escape sequences and control characters made inert."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    lines = ["".join(c if c.isprintable() else "?" for c in ln.strip()[:300]) for ln in text.splitlines() if ln.strip()]
    return " | ".join(lines[-count:]) if lines else "no output"


def _health(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback only
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def _complete(base: str, text: str, n_predict: int, timeout: float) -> dict[str, object]:
    body = {"prompt": text, "n_predict": n_predict, "temperature": 0, "top_k": 1, "seed": SEED,
            "cache_prompt": False, "ignore_eos": True, "stream": False}
    request = urllib.request.Request(base + "/completion", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - loopback only
        answer = json.loads(resp.read(MAX_ANSWER).decode("utf-8", errors="replace"))
    if not isinstance(answer, dict):
        raise ValueError(f"/completion answered a JSON {type(answer).__name__}, not an object")
    return answer


def _count(timings: dict[str, object], key: str) -> int:
    value = timings.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _prompt_run(name: str, answer: dict[str, object]) -> PromptRun:
    timings = answer.get("timings")
    if not isinstance(timings, dict):
        raise ValueError("the answer has no timings object")
    predicted_n, predicted_ms = timings.get("predicted_n"), timings.get("predicted_ms")
    if not isinstance(predicted_n, int) or not isinstance(predicted_ms, (int, float)) or predicted_ms <= 0:
        raise ValueError(f"timings without usable predicted_n/predicted_ms: {predicted_n!r}, {predicted_ms!r}")
    return PromptRun(name, predicted_n, float(predicted_ms), _count(timings, "draft_n"),
                     _count(timings, "draft_n_accepted"))


def run_lifetime(plan: Plan, setup: Setup, repeat: int, tick: Callable[[str], None] = lambda _: None) -> Lifetime:
    """Start a server for ``setup``, warm it up, generate each prompt once, stop it. Raises ``BenchError``."""
    with tempfile.TemporaryDirectory(prefix="llama-server-bench-") as tmp:
        log = Path(tmp) / "server.log"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with log.open("wb") as out:
            proc = popen(plan.argv(setup, port), cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
        try:
            return _measure(plan, setup, repeat, proc, base, log, tick)
        finally:
            stop(proc)


def _measure(plan: Plan, setup: Setup, repeat: int, proc: subprocess.Popen[bytes], base: str, log: Path,
             tick: Callable[[str], None]) -> Lifetime:
    started = time.monotonic()
    while _health(base + "/health") != 200:
        if proc.poll() is not None:
            if _NO_MTP_LAYERS.search(log.read_text(encoding="utf-8", errors="replace")):
                raise BenchError(f"{plan.model}: the server says the model has no MTP layers; "
                                 f"{setup.label} needs a model with MTP layers")
            raise BenchError(f"the {setup.label} server exited with code {proc.returncode} before it was "
                             f"healthy: {_tail(log)}")
        if time.monotonic() - started > plan.start_timeout:
            raise BenchError(f"the {setup.label} server was not healthy within {plan.start_timeout:g}s: {_tail(log)}")
        time.sleep(POLL_INTERVAL)
    lifetime = Lifetime(setup, repeat, round(time.monotonic() - started, 3))
    work = [(f"warm-up {i + 1}", text, False) for i, text in enumerate(plan.prompts.warmup)]
    work += [(p.name, p.text, True) for p in plan.prompts.prompts]
    for name, text, measured in work:
        tick(f"{setup.label} #{repeat} {name}")
        try:
            answer = _complete(base, text, plan.n_predict, plan.request_timeout)
            if measured:
                lifetime.runs.append(_prompt_run(name, answer))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            try:
                code: int | None = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
            state = f"died (exit code {code})" if code is not None else f"failed ({exc})"
            raise BenchError(f"the {setup.label} server {state} during prompt {name!r}; its last lines: "
                             f"{_tail(log)}") from None
    return lifetime


def run(plan: Plan, setups: Sequence[Setup], repeats: int, *, on_lifetime: Callable[[Lifetime], None],
        tick: Callable[[str], None] = lambda _: None) -> None:
    """Every setup ``repeats`` times, interleaved; ``on_lifetime`` gets each result as soon as it is in."""
    for repeat in range(1, repeats + 1):
        for setup in setups:
            on_lifetime(run_lifetime(plan, setup, repeat, tick))
