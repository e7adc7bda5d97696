"""Benchmark reports as text, JSON and a markdown table (for the step summary). Formatting only."""

from __future__ import annotations


from verifier.util.neutral import json_text
from verifier.bench.results import BenchReport, Lifetime, SetupResult
from verifier.util.gha import md_cell


def lifetime_line(lt: Lifetime, repeats: int) -> str:
    """The line streamed as soon as one server lifetime is measured."""
    drafted = f", drafted {lt.drafted}, accepted {lt.accepted}" if lt.drafted else ""
    return (f"  {lt.setup.label:<14} repeat {lt.repeat}/{repeats}  {lt.decode_tps:8.1f} t/s decode  "
            f"({len(lt.runs)} prompts, {lt.tokens} tokens, healthy after {lt.seconds_to_healthy:.1f}s{drafted})")


def _speedup(r: SetupResult) -> str:
    return "baseline" if r.speedup is None and r.setup.mode == "off" else (
        f"{r.speedup:.2f}x" if r.speedup is not None else "-")


def _acceptance(r: SetupResult) -> str:
    return f"{r.acceptance * 100:.0f}%" if r.acceptance is not None else "-"


def _heading(report: BenchReport) -> str:
    return (f"{report.binary} ({report.version or 'unknown version'}) on {report.model}, {report.device}, "
            f"{len(report.prompts)} prompts x {report.n_predict} tokens, {report.repeats} repeat(s), "
            f"{report.warmups} warm-up(s) per server, temperature 0")


def format_text(report: BenchReport) -> str:
    lines = [f"bench: {_heading(report)}",
             f"  {'setup':<14} {'decode t/s':>10} {'spread':>7} {'vs off':>8} {'drafted':>8} {'accepted':>8} "
             f"{'accept':>6}"]
    for r in report.results:
        lines.append(f"  {r.setup.label:<14} {r.median_tps:10.1f} {r.spread_pct:6.1f}% {_speedup(r):>8} "
                     f"{r.drafted:8d} {r.accepted:8d} {_acceptance(r):>6}")
    lines += [f"  note: {n}" for n in report.notes]
    for g in report.gates:
        got = f"{g.speedup:.2f}x ({g.best})" if g.speedup is not None else "no measurement"
        lines.append(f"  {'PASS' if g.ok else 'FAIL'}   min-speedup {g.mode} >= {g.minimum:g}x off: {got}")
    lines.append(f"  verdict: {'PASS' if report.ok else 'FAIL'}" if report.gates else "")
    return "\n".join(line for line in lines if line)


def format_json(report: BenchReport) -> str:
    return json_text(report.to_dict())


def format_markdown(report: BenchReport, heading: str = "llama-server bench") -> str:
    out = [f"### {md_cell(heading)}", "", md_cell(_heading(report)), "",
           "| setup | decode t/s (median) | spread over repeats | vs off | drafted | accepted | acceptance |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for r in report.results:
        out.append(f"| `{md_cell(r.setup.label)}` | {r.median_tps:.1f} | {r.spread_pct:.1f}% | {_speedup(r)} | "
                   f"{r.drafted} | {r.accepted} | {_acceptance(r)} |")
    if report.notes:
        out += [""] + [f"- {md_cell(n)}" for n in report.notes]
    if report.gates:
        out += ["", "| gate | best setup | speed-up | result |", "|---|---|---:|---|"]
        for g in report.gates:
            got = f"{g.speedup:.2f}x" if g.speedup is not None else "-"
            out.append(f"| {md_cell(g.mode)} >= {g.minimum:g}x off | {md_cell(g.best or '-')} | {got} | "
                       f"{'✅' if g.ok else '❌'} |")
    return "\n".join(out) + "\n"
