"""``python -m verifier bench``: validate everything, plan the setups, measure, stream, report, gate."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from verifier.bench import prompts as prompt_sets
from verifier.bench.results import BenchReport, Lifetime, Setup, SetupResult
from verifier.bench.runner import Plan, run
from verifier.capabilities import Capabilities
from verifier.errors import EXIT_FAILED, EXIT_OK, VerifierError
from verifier.speculative import GGUFError, SpecRequest, resolve
from verifier.speculative.gguf_header import read_metadata
from verifier.speculative.model import ModelInfo
from verifier.speculative.modes import MTP, MTP_NGRAM, OFF
from verifier.speculative.resolver import ENGINE_MTP, ENGINE_NONE

LOW_ACCEPTANCE = 0.10


@dataclass(frozen=True)
class BenchOptions:
    binary: Path
    model: Path
    modes: tuple[str, ...]
    n_max: tuple[int, ...]
    n_predict: int
    repeats: int
    prompts_file: Path | None
    prompt_count: int | None
    gpu_layers: int | None
    threads: int | None
    min_speedup: dict[str, float]
    output: str
    """``text``, ``json`` or ``markdown``."""
    plot: Path | None
    start_timeout: float
    request_timeout: float
    probe_timeout: float
    wrapper: tuple[str, ...] = ()
    shown: tuple[str, str] | None = None
    """The binary and model as the user typed them, for the report (the paths above are absolute)."""
    prompts_shown: str | None = None


@dataclass(frozen=True)
class ModelFacts:
    mtp_layers: int
    arch: str | None
    name: str | None


def model_facts(path: Path, shown: str | None = None) -> ModelFacts:
    """What the GGUF header itself says (not the file name): MTP layers, architecture, name."""
    name = shown or str(path)
    if not path.is_file():
        raise VerifierError(f"{name}: no such model file")

    def wanted(found: dict[str, object]) -> set[str]:
        arch = found.get("general.architecture")
        keys = {"general.architecture", "general.name"}
        return keys | {f"{arch}.nextn_predict_layers"} if isinstance(arch, str) else keys

    try:
        meta = read_metadata(path, wanted)
    except (OSError, GGUFError) as exc:
        raise VerifierError(f"{name}: not a readable GGUF file ({exc})") from None
    arch = meta.get("general.architecture")
    arch = arch if isinstance(arch, str) else None
    layers = meta.get(f"{arch}.nextn_predict_layers") if arch else None
    title = meta.get("general.name")
    return ModelFacts(layers if isinstance(layers, int) and not isinstance(layers, bool) else 0, arch,
                      title if isinstance(title, str) else None)


def plan_setups(caps: Capabilities, model: ModelInfo, facts: ModelFacts, path: str, modes: Sequence[str],
                n_maxes: Sequence[int], *, gpu: bool) -> list[Setup]:
    """One setup per mode (per n_max for MTP); a mode this binary or model cannot run is bad input."""
    setups: list[Setup] = []
    for mode in modes:
        wants_mtp = mode in (MTP, MTP_NGRAM)
        if wants_mtp and facts.mtp_layers <= 0:
            key = f"{facts.arch}.nextn_predict_layers" if facts.arch else "nextn_predict_layers"
            raise VerifierError(f"{path}: the model has no MTP layers ({key} is not set); mode {mode} needs "
                                "a model with MTP layers")
        for n_max in (n_maxes or [None]) if wants_mtp else [None]:
            resolution = resolve(caps, SpecRequest(mode, n_max), model, gpu=gpu)
            # a fallback (another engine, or nothing) would be measured under this mode's name: refuse it
            fell_back = wants_mtp and resolution.engine != ENGINE_MTP
            if mode != OFF and (resolution.engine in (None, ENGINE_NONE) or fell_back):
                why = "; ".join(resolution.warnings) or "the resolver emits nothing for it"
                raise VerifierError(f"mode {mode} cannot run on this binary: {why}")
            setup = Setup(mode, resolution.draft_n_max, tuple(resolution.argv), resolution.engine)
            if setup not in setups:
                setups.append(setup)
    return setups


def notes(report: BenchReport, facts: ModelFacts, gpu: bool) -> list[str]:
    """What a reader must know before quoting a figure."""
    out: list[str] = []
    mtp_rows = [r for r in report.results if r.setup.engine == ENGINE_MTP]
    if mtp_rows and facts.name and "random" in facts.name.lower():
        out.append(f"random-weight model ({facts.name}): its MTP head drafts nonsense, so the MTP rows measure "
                   "MTP's overhead only, not the speed-up a trained model would get")
    low = [f"{r.setup.label} ({r.acceptance * 100:.0f}%)" for r in report.results
           if r.acceptance is not None and r.acceptance < LOW_ACCEPTANCE]
    if low:
        out.append(f"under {LOW_ACCEPTANCE:.0%} of drafted tokens accepted in {', '.join(low)}: those rows are "
                   "drafting overhead rather than a speed-up")
    base = report.baseline()
    noisy = [f"{r.setup.label} ({r.speedup:.2f}x, spread {max(r.spread_pct, base.spread_pct):.0f}%)"
             for r in report.results if r.speedup is not None and base is not None and report.repeats > 1
             and abs(r.speedup - 1.0) * 100 < max(r.spread_pct, base.spread_pct)]
    if noisy:
        out.append(f"within the spread over repeats, so not a measured difference: {', '.join(noisy)}")
    if report.repeats == 1:
        out.append("one repeat: no spread is known; use --repeats 3 or more before trusting small differences")
    if not gpu:
        out.append("CPU only: figures are for this machine's cores and load")
    busy = _busy_host()
    if busy:
        out.append(busy)
    return out


def _busy_host() -> str | None:
    """Other work on the machine skews every row; say so when the load exceeds the cores."""
    getloadavg = getattr(os, "getloadavg", None)  # not on Windows
    cpus = os.cpu_count() or 1
    if getloadavg is None:
        return None
    load = getloadavg()[0]
    return (f"the machine was busy (load average {load:.1f} on {cpus} CPUs at the end): treat small differences "
            "as noise") if load > cpus else None


def _version(caps: Capabilities) -> str | None:
    return caps.version.text if caps.version else None


def run_bench(opts: BenchOptions) -> int:
    from verifier.bench import present
    from verifier.probe import probe
    from verifier.util import gha

    if opts.plot is not None:
        from verifier.bench.plot import require_matplotlib

        require_matplotlib()
    binary_name, model_name = opts.shown or (str(opts.binary), str(opts.model))
    prompt_set = (prompt_sets.load(opts.prompts_file, opts.prompts_shown) if opts.prompts_file
                  else prompt_sets.shipped())
    prompt_set = prompt_set.first(opts.prompt_count)
    facts = model_facts(opts.model, model_name)
    try:
        model = ModelInfo.from_gguf(opts.model)
    except (OSError, GGUFError) as exc:
        raise VerifierError(str(exc)) from None
    caps = probe(opts.binary, timeout=opts.probe_timeout, wrapper=opts.wrapper, shown=binary_name).capabilities
    gpu = bool(opts.gpu_layers)
    modes = [OFF, *[m for m in opts.modes if m != OFF]]
    setups = plan_setups(caps, model, facts, model_name, modes, opts.n_max, gpu=gpu)
    plan = Plan(opts.binary, opts.model, caps, prompt_set, opts.n_predict, opts.gpu_layers, opts.threads,
                ctx_size=max(2048, opts.n_predict * 2 + 1024), start_timeout=opts.start_timeout,
                request_timeout=opts.request_timeout, wrapper=opts.wrapper)
    by_setup = {s: SetupResult(s) for s in setups}
    report = BenchReport(binary_name, _version(caps), model_name,
                         f"GPU ({opts.gpu_layers} layers)" if gpu else "CPU", opts.n_predict, opts.repeats,
                         prompt_set.source, [p.name for p in prompt_set.prompts], len(prompt_set.warmup),
                         list(by_setup.values()))
    stream = sys.stdout if opts.output == "text" else sys.stderr
    progress = _progress(len(setups) * opts.repeats * (len(prompt_set.warmup) + len(prompt_set.prompts)))
    print(f"bench: {len(setups)} setup(s) x {opts.repeats} repeat(s): {', '.join(s.label for s in setups)}",
          file=stream, flush=True)

    def on_lifetime(lt: Lifetime) -> None:
        by_setup[lt.setup].lifetimes.append(lt)
        line = present.lifetime_line(lt, opts.repeats)
        if progress is not None:
            progress.write(line, file=stream)
        else:
            print(line, file=stream, flush=True)

    def tick(what: str) -> None:
        if progress is not None:
            progress.set_description_str(what[:40])
            progress.update(1)

    try:
        run(plan, setups, opts.repeats, on_lifetime=on_lifetime, tick=tick)
    finally:
        if progress is not None:
            progress.close()
    report.compute_speedups()
    report.judge(opts.min_speedup)
    report.notes = notes(report, facts, gpu)
    rendered = {"text": present.format_text, "json": present.format_json,
                "markdown": present.format_markdown}[opts.output](report)
    print(rendered)
    if gha.in_actions():
        gha.append_step_summary(present.format_markdown(report))
    if opts.plot is not None:
        from verifier.bench.plot import write_png

        print(f"plot: {write_png(report, opts.plot)}", file=stream)
    return EXIT_OK if report.ok else EXIT_FAILED


def _progress(total: int):  # -> tqdm | None
    """A progress bar on stderr only when a person watches it (a TTY); CI logs get the streamed lines."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, file=sys.stderr, unit="prompt", leave=False, dynamic_ncols=True)
