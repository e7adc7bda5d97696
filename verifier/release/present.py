"""Format release data: the ``--list`` table and the per-asset summary (text and markdown).

Formatting only: these functions read a Plan or a Report and return strings or dicts.
The per-check detail stays with the core reporters.
"""

from __future__ import annotations

from verifier.release.api import Release
from verifier.release.assets import Plan
from verifier.report import BinaryReport, Report
from verifier.util.gha import md_cell, md_code
from verifier.util.neutral import for_terminal as term


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def listing_dict(release: Release, plan: Plan) -> dict[str, object]:
    return {
        "repo": release.repo,
        "tag": release.tag,
        "requested_tag": release.requested or release.tag,
        "tag_because": release.because,
        "host": {"os": plan.host.os, "arch": plan.host.arch},
        "error": plan.error,
        "assets": [
            {"name": c.asset.name, "size": c.asset.size, "digest": c.asset.digest, "platform": c.parsed.platform,
             "os": c.parsed.os, "arch": c.parsed.arch, "kind": c.parsed.kind, "flavor": c.parsed.flavor or None,
             "backend": c.parsed.backend_label if c.parsed.kind == "build" else None,
             "runs_here": c.runs_here, "picked": c.picked, "reason": c.reason}
            for c in plan.choices
        ],
    }


def format_listing(release: Release, plan: Plan) -> str:
    """One line per asset: a ``*`` on the picked ones, name, size, digest, and why."""
    rows = [("*" if c.picked else " ", term(c.asset.name), human_size(c.asset.size), term(c.asset.digest or "(no digest)"),
             term(c.reason)) for c in plan.choices]
    name_w = max((len(r[1]) for r in rows), default=4)
    size_w = max((len(r[2]) for r in rows), default=4)
    digest_w = max((len(r[3]) for r in rows), default=6)
    lines = [f"{term(release.repo)} release {term(release.tag)}: {len(rows)} asset{'' if len(rows) == 1 else 's'} "
             f"(this host: {plan.host})"]
    if release.resolution:
        lines.append(f"resolved {release.resolution}")
    lines += [f"{mark} {name:<{name_w}}  {size:>{size_w}}  {digest:<{digest_w}}  {why}"
              for mark, name, size, digest, why in rows]
    lines.append(f"would pick: {', '.join(term(c.asset.name) for c in plan.picked)}" if not plan.error and plan.picked
                 else f"would pick nothing: {term(str(plan.error))}")
    return "\n".join(lines)


def _asset(b: BinaryReport) -> dict[str, object]:
    value = b.extra.get("asset")
    return value if isinstance(value, dict) else {}


def _verdict(b: BinaryReport) -> str:
    return "PASS" if b.ok else ("ERROR" if b.error else "FAIL")


def digest_status(asset: dict[str, object]) -> str:
    if asset.get("digest_verified"):
        return f"verified ({asset.get('digest_source')})" + (", cached" if asset.get("cached") else "")
    return str(asset.get("digest_note") or "not verified")


def _checks(b: BinaryReport) -> str:
    if b.error is not None:
        return b.error
    failed = [c.id for c in b.failed]
    return f"{len(b.checks) - len(failed)}/{len(b.checks)} passed" + (f"; failed: {', '.join(failed)}" if failed else "")


def format_assets_text(report: Report, release: Release) -> str:
    """The asset table printed above the core's per-binary detail."""
    lines = [f"{term(release.repo)} release {term(release.tag)}: {len(report.binaries)} asset"
             f"{'' if len(report.binaries) == 1 else 's'}"]
    if release.resolution:
        lines.append(f"  resolved {release.resolution}")
    for b in report.binaries:
        a = _asset(b)
        lines.append(f"  {_verdict(b):<5}  {term(str(a.get('name', b.path)))}")
        lines.append(f"         digest: {term(digest_status(a))}")
        lines.append(f"         binary: {term(str(a.get('binary') or '-'))}")
        lines.append(f"         {'error' if b.error is not None else 'checks'}: {term(_checks(b))}")
    return "\n".join(lines)


def format_assets_markdown(report: Report, release: Release) -> str:
    """A step-summary table: one row per asset."""
    out = [f"### Release {md_cell(release.repo)} {md_cell(release.tag)}: "
           f"{'✅ passed' if report.ok else '❌ failed'}", ""]
    if release.resolution:
        # tags and the reason come from the API and are escaped; the arrow is ours
        out += [f"Resolved {md_cell(release.requested or release.tag)} -> {md_cell(release.tag)} "
                f"({md_cell(release.because)})", ""]
    out += ["| asset | digest | binary | checks | verdict |", "|---|---|---|---|---|"]
    for b in report.binaries:
        a = _asset(b)
        binary = f"{md_code(str(a['binary']))}" if a.get("binary") else "-"
        verdict = {"PASS": "✅ pass", "FAIL": "❌ fail", "ERROR": "⚠️ error"}[_verdict(b)]
        out.append(f"| {md_code(str(a.get('name', b.path)))} | {md_cell(digest_status(a))} | {binary} | "
                   f"{md_cell(_checks(b))} | {verdict} |")
    return "\n".join(out) + "\n"
