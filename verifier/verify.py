"""Verify one binary end to end: probe, checks and (optionally) the argv proof, as report data."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from verifier.checks import CheckResult, run_checks
from verifier.errors import VerifierError
from verifier.probe import probe
from verifier.report import BinaryReport

ARGV_CHECK_ID = "argv-accepted"


def argv_check(path: Path, report: BinaryReport, *, timeout: float, wrapper: Sequence[str]) -> None:
    """Add the per-case argv results and their summary check to ``report``."""
    from verifier.acceptance import check_argv

    assert report.capabilities is not None
    results = check_argv(path, report.capabilities, timeout=timeout, wrapper=wrapper)
    report.argv_results = results
    bad = [r for r in results if not r.verdict.accepted]
    distinct = len({tuple(r.resolution.argv) for r in results})
    if not bad:
        detail = f"the binary's parser accepted every argv the resolver emits ({len(results)} cases, {distinct} distinct)"
    else:
        first = bad[0]
        detail = (f"{len(bad)} of {len(results)} cases not accepted; first: {first.case.name} "
                  f"{' '.join(first.resolution.argv) or '(no flags)'} -> {first.verdict.message}")
    report.checks.append(CheckResult(ARGV_CHECK_ID, not bad, detail))


LAUNCH_CHECK_ID = "launch"


def launch_check(path: Path, report: BinaryReport, model: Path, *, modes: Sequence[str] | None,
                 timeout: float, wrapper: Sequence[str]) -> None:
    """Start a real server per mode on ``model``; add the results and their summary check."""
    from verifier.launch import launch

    assert report.capabilities is not None
    results = launch(path, model, report.capabilities, modes, timeout=timeout, wrapper=wrapper)
    report.launch_results = results
    bad = [r for r in results if not r.ok]
    summary = ", ".join(f"{r.mode}: {r.outcome}" for r in results)
    detail = summary if not bad else f"{bad[0].mode} failed: {bad[0].detail} ({summary})"
    report.checks.append(CheckResult(LAUNCH_CHECK_ID, not bad, detail))


def accepts_check(path: Path, report: BinaryReport, argvs: Sequence[Sequence[str]], *, timeout: float,
                  wrapper: Sequence[str]) -> None:
    """``--accepts``: one ``accepts`` check per argv, the details under the JSON key ``accepts``."""
    from verifier.oracle.accepts import accepts

    assert report.capabilities is not None
    results = accepts(path, report.capabilities, argvs, timeout=timeout, wrapper=wrapper)
    report.checks.extend(r.check() for r in results)
    report.extra["accepts"] = [r.to_dict() for r in results]


def verify_binary(path: Path, check_ids: Sequence[str], *, timeout: float, wrapper: Sequence[str] = (),
                  argv: bool = False, launch_model: Path | None = None, launch_modes: Sequence[str] | None = None,
                  launch_timeout: float = 120.0, shown: str | None = None,
                  accepts: Sequence[Sequence[str]] = ()) -> BinaryReport:
    """Probe and check one binary; an unverifiable one gets ``error`` instead of raising.

    ``shown`` is the path as the user typed it, for the report; ``path`` is what runs.
    """
    try:
        caps = probe(path, timeout=timeout, wrapper=wrapper, shown=shown).capabilities
    except VerifierError as exc:
        return BinaryReport(path, error=exc.message, shown=shown)
    report = BinaryReport(path, caps, run_checks(caps, check_ids), shown=shown)
    if argv:
        argv_check(path, report, timeout=timeout, wrapper=wrapper)
    if accepts:
        accepts_check(path, report, accepts, timeout=timeout, wrapper=wrapper)
    if launch_model is not None:
        launch_check(path, report, launch_model, modes=launch_modes, timeout=launch_timeout, wrapper=wrapper)
    return report
