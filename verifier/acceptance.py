"""Prove a binary *accepts* the argv the resolver emits for it, by asking its own parser.

The binary is run with the argv and a model path that does not exist (SPEC section 3):
its parser rejects a bad flag or value before loading anything, and an accepted argv
gets as far as "failed to load model". No model and no GPU are needed.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from verifier.capabilities import Capabilities
from verifier.errors import VerifierError
from verifier.probe import run_binary
from verifier.speculative import ModelInfo, Resolution, SpecRequest, resolve
from verifier.speculative.modes import AUTO, MODES

ACCEPTED = "accepted"
REJECTED = "rejected"
INCONCLUSIVE = "inconclusive"

_REJECTED_MARKERS = ("error: invalid argument", "error while handling argument")
_MODEL_LOAD_MARKERS = ("failed to load model", "exiting due to model loading error", "failed to open gguf",
                       "error loading model")
PROBE_TAIL = ("-m", "nonexistent-model.gguf", "--host", "127.0.0.1", "--port", "0")
"""Appended to every argv: a model that is not there, and no public port."""


@dataclass(frozen=True)
class ArgvCase:
    name: str
    mode: str
    model: ModelInfo
    gpu: bool


_AUTO_MODELS = (("auto, MTP model >= 3B", ModelInfo(True, 27.0)), ("auto, MTP model < 3B", ModelInfo(True, 0.8)),
                ("auto, non-MTP model", ModelInfo(False, 8.0)))


def argv_cases() -> list[ArgvCase]:
    """Every mode on GPU and on CPU; auto once per model class that changes its answer."""
    cases: list[ArgvCase] = []
    for gpu in (True, False):
        device = "GPU" if gpu else "CPU"
        cases += [ArgvCase(f"{name} ({device})", AUTO, model, gpu) for name, model in _AUTO_MODELS]
        cases += [ArgvCase(f"{mode} ({device})", mode, ModelInfo(True, 27.0), gpu) for mode in MODES if mode != AUTO]
    return cases


@dataclass(frozen=True)
class ParserVerdict:
    outcome: str
    """``accepted``, ``rejected`` or ``inconclusive``."""
    message: str
    """The binary's own error line (rejected), the model-loading line (accepted), or why unsure."""

    @property
    def accepted(self) -> bool:
        return self.outcome == ACCEPTED


@dataclass(frozen=True)
class ArgvResult:
    case: ArgvCase
    resolution: Resolution
    verdict: ParserVerdict

    def to_dict(self) -> dict[str, object]:
        return {"case": self.case.name, "mode": self.case.mode, "gpu": self.case.gpu,
                "argv": self.resolution.argv, "engine": self.resolution.engine,
                "warnings": self.resolution.warnings, "outcome": self.verdict.outcome,
                "accepted": self.verdict.accepted, "message": self.verdict.message}


def classify(output: str, returncode: int) -> ParserVerdict:
    """Read the parser's answer out of the combined stdout and stderr."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for line in lines:
        if any(marker in line for marker in _REJECTED_MARKERS):
            return ParserVerdict(REJECTED, line)
    for line in lines:
        if any(marker in line.lower() for marker in _MODEL_LOAD_MARKERS):
            return ParserVerdict(ACCEPTED, line)
    tail = lines[-1] if lines else "no output"
    return ParserVerdict(INCONCLUSIVE, f"exit {returncode} without a parser verdict: {tail[:200]}")


ATTEMPTS = 3


def parser_verdict(path: Path, argv: Sequence[str], *, timeout: float, wrapper: Sequence[str] = ()) -> ParserVerdict:
    """The first conclusive answer of up to :data:`ATTEMPTS` runs.

    llama-server prints parser errors synchronously, but its log (with "failed to load
    model") goes through a worker thread that a loaded machine may not run before
    ``exit(1)``: a silent exit is unsure, and asking again cannot hide a rejection.
    """
    verdict = ParserVerdict(INCONCLUSIVE, "not run")
    for _ in range(ATTEMPTS):
        try:
            done = run_binary(path, [*argv, *PROBE_TAIL], timeout=timeout, wrapper=wrapper)
        except VerifierError as exc:
            return ParserVerdict(INCONCLUSIVE, exc.message)
        verdict = classify(done.stderr + "\n" + done.stdout, done.returncode)
        if verdict.outcome != INCONCLUSIVE:
            break
    return verdict


def check_argv(path: Path, caps: Capabilities, *, timeout: float, wrapper: Sequence[str] = (),
               cases: Sequence[ArgvCase] | None = None) -> list[ArgvResult]:
    """Resolve every case for ``caps`` and run each distinct argv through the binary once, in parallel."""
    chosen = list(cases) if cases is not None else argv_cases()
    resolutions = [resolve(caps, SpecRequest(mode=c.mode), c.model, gpu=c.gpu) for c in chosen]
    distinct = list(dict.fromkeys(tuple(r.argv) for r in resolutions))
    with ThreadPoolExecutor(max_workers=max(1, min(len(distinct), os.cpu_count() or 2))) as pool:
        verdicts = dict(zip(distinct, pool.map(
            lambda argv: parser_verdict(path, argv, timeout=timeout, wrapper=wrapper), distinct)))
    return [ArgvResult(c, r, verdicts[tuple(r.argv)]) for c, r in zip(chosen, resolutions)]
