"""Prove a binary *accepts* the argv the resolver emits for it, by asking its own parser.

The binary is run with the argv and a model path that does not exist (SPEC section 3):
its parser rejects a bad flag or value before loading anything, and an accepted argv
gets as far as "failed to load model". No model and no GPU are needed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from verifier.capabilities import Capabilities
from verifier.errors import VerifierError
from verifier.probe import run_binary
from verifier.speculative import Drafter, KVShape, ModelInfo, Placement, Resolution, SpecRequest, resolve
from verifier.speculative.drafters import DFLASH_KIND, DSPARK_KIND, MTP_KIND
from verifier.speculative.modes import AUTO, DFLASH, DRAFT_EAGLE3, DRAFT_SIMPLE, DSPARK, MODES, MTP
from verifier.util.interrupt import parallel_map

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
    request: SpecRequest | None = None
    """None = ``SpecRequest(mode)``."""
    placement: Placement | None = None
    spec_type: str | None = None
    """Set for a listed type no resolver mode emits: the argv is ``--spec-type <type>`` alone."""

    def resolution(self, caps: Capabilities) -> Resolution:
        if self.spec_type is not None:
            return Resolution(["--spec-type", self.spec_type], None, self.spec_type, None,
                              [f"no resolver mode emits {self.spec_type}; probed on its own"])
        return resolve(caps, self.request or SpecRequest(self.mode), self.model, gpu=self.gpu,
                       placement=self.placement)


DRAFT_PATH = "nonexistent-draft.gguf"
"""The parser accepts a draft model path before loading anything, like the main model's."""

_AUTO_MODELS = (("auto, MTP model >= 3B", ModelInfo(True, 27.0)), ("auto, MTP model < 3B", ModelInfo(True, 0.8)),
                ("auto, non-MTP model", ModelInfo(False, 8.0)))
_HYBRID = ModelInfo(True, 27.0, "qwen35", 1, (), KVShape("qwen35", 40, 16, (2,) * 40, 256, 256, nextn=1,
                                                           full_attention_interval=4, ssm_inner_size=4096))
_SIDECARS = ModelInfo(True, 27.0, None, 1, (Drafter(DSPARK_KIND, DRAFT_PATH), Drafter(DFLASH_KIND, DRAFT_PATH)))
_GEMMA4 = ModelInfo(True, 4.0, "gemma4", 0, (Drafter(MTP_KIND, DRAFT_PATH),), gemma4=True)


def argv_cases() -> list[ArgvCase]:
    """Every mode on GPU and on CPU; auto once per model class that changes its answer; drafter
    modes with a draft model path that does not exist."""
    cases: list[ArgvCase] = []
    big = ModelInfo(True, 27.0)
    for gpu in (True, False):
        device = "GPU" if gpu else "CPU"
        cases += [ArgvCase(f"{name} ({device})", AUTO, model, gpu) for name, model in _AUTO_MODELS]
        cases += [ArgvCase(f"{mode} ({device})", mode, big, gpu) for mode in MODES
                  if mode not in (AUTO, DSPARK, DFLASH, DRAFT_SIMPLE, DRAFT_EAGLE3)]
        cases += [ArgvCase(f"{DSPARK} ({device})", DSPARK, _SIDECARS, gpu),
                  ArgvCase(f"{DFLASH}, draft KV q8_0 ({device})", DFLASH, _SIDECARS, gpu,
                           SpecRequest(DFLASH, draft_cache_type="q8_0")),
                  ArgvCase(f"mtp, separate drafter ({device})", MTP, _GEMMA4, gpu)]
        cases += [ArgvCase(f"{mode}, draft model ({device})", mode, big, gpu, SpecRequest(mode, draft_model=DRAFT_PATH))
                  for mode in (DRAFT_SIMPLE, DRAFT_EAGLE3)]
    cases.append(ArgvCase("auto, hybrid MTP model, partial offload (GPU)", AUTO, _HYBRID, True, None,
                          Placement(gpu_layers=20)))
    return cases


def _types_in(argv: Sequence[str]) -> set[str]:
    return {t for i, tok in enumerate(argv[:-1]) if tok == "--spec-type" for t in argv[i + 1].split(",")}


def type_cases(caps: Capabilities, resolutions: Sequence[Resolution]) -> list[ArgvCase]:
    """A case per listed ``--spec-type`` value that no resolution emitted (no mode, or its inputs absent)."""
    covered = set().union(*(_types_in(r.argv) for r in resolutions)) if resolutions else set()
    return [ArgvCase(f"type {t} (no resolver mode)", "", ModelInfo(False, None), False, spec_type=t)
            for t in caps.spec_types if t not in covered]


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
        return {"case": self.case.name, "mode": self.case.mode or None, "gpu": self.case.gpu,
                "argv": self.resolution.argv, "engine": self.resolution.engine,
                "reason": self.resolution.reason.value if self.resolution.reason else None,
                "spec_type_without_mode": self.case.spec_type,
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
    """Resolve every case for ``caps`` and run each distinct argv through the binary once, in parallel.

    With the default cases, every ``--spec-type`` value the binary lists and no case emitted is
    probed on its own as well, so the proof covers every listed type.
    """
    chosen = list(cases) if cases is not None else argv_cases()
    resolutions = [c.resolution(caps) for c in chosen]
    if cases is None:
        extra = type_cases(caps, resolutions)
        chosen += extra
        resolutions += [c.resolution(caps) for c in extra]
    distinct = list(dict.fromkeys(tuple(r.argv) for r in resolutions))
    verdicts = dict(zip(distinct, parallel_map(lambda argv: parser_verdict(path, argv, timeout=timeout, wrapper=wrapper),
                                               distinct, workers=min(len(distinct), os.cpu_count() or 2))))
    return [ArgvResult(c, r, verdicts[tuple(r.argv)]) for c, r in zip(chosen, resolutions)]
