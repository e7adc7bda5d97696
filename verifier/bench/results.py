"""The benchmark's data: setups, one server lifetime's measurements, and the figures derived from them."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from verifier.speculative.modes import OFF


@dataclass(frozen=True)
class Setup:
    """One speculative configuration to measure: a mode, its draft length for MTP, the argv it resolved to."""

    mode: str
    n_max: int | None
    argv: tuple[str, ...]
    engine: str | None

    @property
    def label(self) -> str:
        return f"{self.mode} n={self.n_max}" if self.n_max is not None else self.mode


@dataclass(frozen=True)
class PromptRun:
    """One completion: the server's own decode timings."""

    prompt: str
    predicted_n: int
    predicted_ms: float
    draft_n: int
    draft_accepted: int

    @property
    def tokens_per_second(self) -> float:
        return self.predicted_n * 1000.0 / self.predicted_ms if self.predicted_ms > 0 else 0.0


@dataclass
class Lifetime:
    """One server lifetime (one repeat of one setup): warm-ups, then each measured prompt once."""

    setup: Setup
    repeat: int
    seconds_to_healthy: float
    runs: list[PromptRun] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return sum(r.predicted_n for r in self.runs)

    @property
    def decode_tps(self) -> float:
        """All decoded tokens over all decode time: long and short answers weigh by their tokens."""
        ms = sum(r.predicted_ms for r in self.runs)
        return self.tokens * 1000.0 / ms if ms > 0 else 0.0

    @property
    def drafted(self) -> int:
        return sum(r.draft_n for r in self.runs)

    @property
    def accepted(self) -> int:
        return sum(r.draft_accepted for r in self.runs)


@dataclass
class SetupResult:
    setup: Setup
    lifetimes: list[Lifetime] = field(default_factory=list)
    speedup: float | None = None
    """Median decode t/s over the baseline's (off) median; None for the baseline itself or without one."""

    @property
    def samples(self) -> list[float]:
        return [lt.decode_tps for lt in self.lifetimes]

    @property
    def median_tps(self) -> float:
        return statistics.median(self.samples) if self.lifetimes else 0.0

    @property
    def spread_pct(self) -> float:
        """(max - min) / median over the repeats, in percent: how far to trust a difference."""
        s = self.samples
        return (max(s) - min(s)) * 100.0 / self.median_tps if len(s) > 1 and self.median_tps else 0.0

    @property
    def drafted(self) -> int:
        return sum(lt.drafted for lt in self.lifetimes)

    @property
    def accepted(self) -> int:
        return sum(lt.accepted for lt in self.lifetimes)

    @property
    def acceptance(self) -> float | None:
        return self.accepted / self.drafted if self.drafted else None


@dataclass(frozen=True)
class Gate:
    """``--min-speedup MODE=X``: the best setup of MODE must reach X times off."""

    mode: str
    minimum: float
    best: str | None = None
    speedup: float | None = None

    @property
    def ok(self) -> bool:
        return self.speedup is not None and self.speedup >= self.minimum


@dataclass
class BenchReport:
    binary: str
    version: str | None
    model: str
    device: str
    n_predict: int
    repeats: int
    prompt_source: str
    prompts: list[str]
    warmups: int
    results: list[SetupResult]
    notes: list[str] = field(default_factory=list)
    gates: list[Gate] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(g.ok for g in self.gates)

    def baseline(self) -> SetupResult | None:
        return next((r for r in self.results if r.setup.mode == OFF), None)

    def compute_speedups(self) -> None:
        base = self.baseline()
        for r in self.results:
            r.speedup = (r.median_tps / base.median_tps
                         if base is not None and r is not base and base.median_tps > 0 and r.lifetimes else None)

    def judge(self, minimums: dict[str, float]) -> None:
        self.gates = []
        for mode, minimum in minimums.items():
            candidates = [r for r in self.results if r.setup.mode == mode and r.speedup is not None]
            best = max(candidates, key=lambda r: r.speedup or 0.0, default=None)
            self.gates.append(Gate(mode, minimum, best.setup.label if best else None, best.speedup if best else None))

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok, "binary": self.binary, "version": self.version, "model": self.model, "device": self.device,
            "n_predict": self.n_predict, "repeats": self.repeats, "prompt_set": self.prompt_source,
            "prompts": self.prompts, "warmups_per_server": self.warmups, "notes": self.notes,
            "setups": [{
                "label": r.setup.label, "mode": r.setup.mode, "n_max": r.setup.n_max, "argv": list(r.setup.argv),
                "engine": r.setup.engine, "decode_tps_median": round(r.median_tps, 2),
                "decode_tps_per_repeat": [round(s, 2) for s in r.samples], "spread_pct": round(r.spread_pct, 1),
                "speedup_vs_off": None if r.speedup is None else round(r.speedup, 3),
                "drafted": r.drafted, "accepted": r.accepted,
                "per_prompt": [[{"prompt": p.prompt, "predicted_n": p.predicted_n,
                                 "decode_tps": round(p.tokens_per_second, 2),
                                 "draft_n": p.draft_n, "draft_accepted": p.draft_accepted} for p in lt.runs]
                               for lt in r.lifetimes],
            } for r in self.results],
            "gates": [{"mode": g.mode, "min_speedup": g.minimum, "best": g.best,
                       "speedup": None if g.speedup is None else round(g.speedup, 3), "ok": g.ok} for g in self.gates],
        }
