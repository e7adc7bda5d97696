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


def verify_binary(path: Path, check_ids: Sequence[str], *, timeout: float, wrapper: Sequence[str] = (),
                  argv: bool = False) -> BinaryReport:
    """Probe and check one binary; an unverifiable one gets ``error`` instead of raising."""
    try:
        caps = probe(path, timeout=timeout, wrapper=wrapper).capabilities
    except VerifierError as exc:
        return BinaryReport(path, error=exc.message)
    report = BinaryReport(path, caps, run_checks(caps, check_ids))
    if argv:
        argv_check(path, report, timeout=timeout, wrapper=wrapper)
    return report
