"""This project's workflow rules, the ones actionlint and zizmor do not check.

Checking only: each rule takes parsed documents and returns :class:`Finding` values; it
neither reads files nor prints. The rules and why they exist:

- ``concurrency``: a new push must supersede the old run, so every workflow declares
  ``concurrency`` with ``cancel-in-progress`` (``true`` or an expression, never ``false``).
- ``concurrency-group``: inside a called workflow ``github.workflow`` is the *caller's*
  name, so a group built from it collides with the caller's group and cancels or
  deadlocks the run. A group starts with a literal prefix, varies by at least one
  expression, and no two workflows (or jobs) share a prefix.
- ``matrix-concurrency``: a job that runs one matrix cell per pull request needs a
  job-level group naming every cell key (the PR and the runner), or cells cancel one another.
- ``timeout``: a hung job otherwise holds a runner for six hours.
- ``permissions``: the token's scope is set explicitly, never ``read-all``/``write-all``.
- ``pinned``: remote actions and reusable workflows are pinned by a 40-hex commit SHA
  with the version in a comment (a tag can be moved; a bare SHA cannot be reviewed).
- ``node-runtime``: an action pinned to a major that runs on a Node.js version GitHub has
  removed from its runners (read from the version comment, looked up in the offline table
  of :mod:`ci.action_runtimes`) fails on every hosted runner.
- ``run-expression``: ``${{ }}`` inside ``run:`` is pasted into the script before the
  shell sees it; values reach scripts through ``env:`` only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import action_runtimes
from .yamldoc import YamlDocument

RULES: dict[str, str] = {
    "concurrency": "every workflow has a concurrency block with cancel-in-progress",
    "concurrency-group": "concurrency groups start with a literal prefix of their own and vary by an expression",
    "matrix-concurrency": "a job with one cell per pull request has a job-level group naming every cell key",
    "timeout": "every job that runs on a runner sets timeout-minutes",
    "permissions": "the token's permissions are set (workflow or every job), never read-all or write-all",
    "pinned": "remote actions and reusable workflows are pinned by commit SHA with the version in a comment",
    "node-runtime": "no action pinned to a major that runs on a Node.js version removed from GitHub's runners",
    "run-expression": "no ${{ }} inside run: (values reach scripts through env:)",
}

PR_MATRIX_KEYS = ("pr", "pr-number", "pr_number", "pull", "pull-request", "pull_request")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
MATRIX_REF = re.compile(r"\bmatrix\.([A-Za-z_][A-Za-z0-9_-]*)")
COMMIT_SHA = re.compile(r"[0-9a-fA-F]{40}")
DOCKER_DIGEST = re.compile(r"@sha256:[0-9a-fA-F]{64}$")
VERSION_COMMENT = re.compile(r"#.*\d")


@dataclass(frozen=True)
class Finding:
    """One broken rule at one place; plain data for the reporters."""

    rule: str
    file: str
    line: int
    message: str


def _jobs(doc: YamlDocument) -> Iterator[tuple[str, dict[str, Any]]]:
    jobs = doc.data.get("jobs") if doc.kind == "workflow" else None
    for job_id, job in (jobs or {}).items():
        if isinstance(job, dict):
            yield str(job_id), job


def _steps(doc: YamlDocument) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every step with its key path, in workflows and composite actions alike."""
    if doc.kind == "workflow":
        for job_id, job in _jobs(doc):
            for index, step in enumerate(job.get("steps") or []):
                if isinstance(step, dict):
                    yield ("jobs", job_id, "steps", index), step
    elif doc.kind == "action":
        for index, step in enumerate(doc.data["runs"].get("steps") or []):
            if isinstance(step, dict):
                yield ("runs", "steps", index), step


def _group_of(concurrency: Any) -> str | None:
    if isinstance(concurrency, str):
        return concurrency
    if isinstance(concurrency, dict) and isinstance(concurrency.get("group"), str):
        return concurrency["group"]
    return None


def _cancels(concurrency: Any) -> bool:
    """``cancel-in-progress`` is true or an expression (which may be true at run time)."""
    if not isinstance(concurrency, dict):
        return False
    value = concurrency.get("cancel-in-progress")
    return value is True or (isinstance(value, str) and "${{" in value)


def literal_prefix(group: str) -> str:
    """The text before the first expression, normalised for comparison (``ci-`` -> ``ci``)."""
    return group.split("${{", 1)[0].strip().strip("-_/.: ").lower()


def check_concurrency(doc: YamlDocument) -> list[Finding]:
    if doc.kind != "workflow":
        return []
    concurrency = doc.data.get("concurrency")
    line = doc.line("concurrency")
    if concurrency is None:
        return [Finding("concurrency", doc.display, 1,
                        "no workflow-level concurrency: a new push will not supersede the run in progress")]
    if not _cancels(concurrency):
        return [Finding("concurrency", doc.display, line,
                        "concurrency without cancel-in-progress: superseded runs keep their runners")]
    return []


def _group_problem(group: str | None) -> str | None:
    if group is None or not group.strip():
        return "has no group"
    if not re.search(r"[A-Za-z0-9]", literal_prefix(group)):
        hint = " (inside a called workflow github.workflow is the caller's name)" if "github.workflow" in group else ""
        return f"group {group!r} has no literal prefix{hint}; start it with this workflow's own name"
    if not EXPRESSION.search(group):
        return f"group {group!r} is a constant: every ref and pull request would share it"
    return None


def _groups(doc: YamlDocument) -> Iterator[tuple[str, tuple[str | int, ...], str | None]]:
    """(owner label, key path, group) for the workflow-level and every job-level concurrency."""
    if doc.kind != "workflow":
        return
    if doc.data.get("concurrency") is not None:
        yield "workflow", ("concurrency",), _group_of(doc.data["concurrency"])
    for job_id, job in _jobs(doc):
        if job.get("concurrency") is not None:
            yield f"job {job_id}", ("jobs", job_id, "concurrency"), _group_of(job["concurrency"])


def check_concurrency_groups(docs: Sequence[YamlDocument]) -> list[Finding]:
    """Each group on its own, then prefixes shared between workflows or jobs."""
    findings: list[Finding] = []
    seen: dict[str, str] = {}
    for doc in docs:
        for owner, path, group in _groups(doc):
            problem = _group_problem(group)
            if problem:
                findings.append(Finding("concurrency-group", doc.display, doc.line(*path),
                                        f"{owner} concurrency {problem}"))
                continue
            assert group is not None
            prefix = literal_prefix(group)
            here = f"{doc.display} ({owner})"
            if prefix in seen:
                findings.append(Finding(
                    "concurrency-group", doc.display, doc.line(*path),
                    f"{owner} concurrency prefix {prefix!r} is also used by {seen[prefix]}: a caller and a callee "
                    "(or two jobs) with one prefix can cancel each other; give each its own"))
            else:
                seen[prefix] = here
    return findings


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _matrix_keys_in(value: Any) -> set[str]:
    return {m.group(1) for text in _strings(value) for expr in EXPRESSION.findall(text)
            for m in MATRIX_REF.finditer(expr)}


def _static_matrix_keys(matrix: Any) -> set[str]:
    if not isinstance(matrix, dict):
        return set()
    keys = {str(k) for k in matrix if k not in ("include", "exclude")}
    for entry in matrix.get("include") if isinstance(matrix.get("include"), list) else []:
        if isinstance(entry, dict):
            keys |= {str(k) for k in entry}
    return keys


def pr_cell_keys(job: dict[str, Any]) -> list[str]:
    """The matrix keys that make a cell of a per-PR job: its PR key(s) and those in ``runs-on``.

    Empty when the job is not per pull request (no matrix key named like a PR is defined
    or referenced).
    """
    strategy = job.get("strategy")
    if not isinstance(strategy, dict) or "matrix" not in strategy:
        return []
    known = _static_matrix_keys(strategy["matrix"]) | _matrix_keys_in(job)
    pr_keys = sorted(k for k in known if k.lower() in PR_MATRIX_KEYS)
    if not pr_keys:
        return []
    return pr_keys + sorted(_matrix_keys_in(job.get("runs-on")) - set(pr_keys))


def check_matrix_concurrency(doc: YamlDocument) -> list[Finding]:
    findings: list[Finding] = []
    for job_id, job in _jobs(doc):
        cell_keys = pr_cell_keys(job)
        if not cell_keys:
            continue
        cells = ", ".join(f"matrix.{k}" for k in cell_keys)
        concurrency = job.get("concurrency")
        if concurrency is None:
            findings.append(Finding("matrix-concurrency", doc.display, doc.line("jobs", job_id),
                                    f"job {job_id} runs one cell per pull request but has no job-level concurrency "
                                    f"(group naming {cells}, cancel-in-progress)"))
            continue
        line = doc.line("jobs", job_id, "concurrency")
        named = _matrix_keys_in(_group_of(concurrency) or "")
        missing = [k for k in cell_keys if k not in named]
        if missing:
            findings.append(Finding("matrix-concurrency", doc.display, line,
                                    f"job {job_id}'s concurrency group does not name "
                                    f"{', '.join('matrix.' + k for k in missing)}: "
                                    "matrix cells would cancel one another"))
        if not _cancels(concurrency):
            findings.append(Finding("matrix-concurrency", doc.display, line,
                                    f"job {job_id}'s per-PR concurrency lacks cancel-in-progress: "
                                    "a new push would not supersede the old run"))
    return findings


def check_timeouts(doc: YamlDocument) -> list[Finding]:
    return [Finding("timeout", doc.display, doc.line("jobs", job_id),
                    f"job {job_id} has no timeout-minutes (a hung job holds its runner for 6 hours)")
            for job_id, job in _jobs(doc)
            if "uses" not in job and "timeout-minutes" not in job]


def _broad(permissions: Any) -> bool:
    return isinstance(permissions, str) and permissions.strip() in ("read-all", "write-all")


def check_permissions(doc: YamlDocument) -> list[Finding]:
    if doc.kind != "workflow":
        return []
    findings: list[Finding] = []
    top = doc.data.get("permissions", ...)
    if top is not ... and _broad(top):
        findings.append(Finding("permissions", doc.display, doc.line("permissions"),
                                f"workflow permissions are {top!r}: grant only the scopes the jobs need"))
    for job_id, job in _jobs(doc):
        if "permissions" in job:
            if _broad(job["permissions"]):
                findings.append(Finding("permissions", doc.display, doc.line("jobs", job_id, "permissions"),
                                        f"job {job_id} permissions are {job['permissions']!r}: "
                                        "grant only what it needs"))
        elif top is ...:
            findings.append(Finding("permissions", doc.display, doc.line("jobs", job_id),
                                    f"job {job_id} sets no permissions and neither does the workflow: "
                                    "the token gets the repository default"))
    return findings


def _pin_problem(uses: str, source_line: str) -> str | None:
    if uses.startswith("./"):
        return None
    if uses.startswith("docker://"):
        return None if DOCKER_DIGEST.search(uses) else f"{uses} is not pinned by sha256 digest"
    name, at, ref = uses.rpartition("@")
    if not at:
        return f"{uses} has no ref; pin it by commit SHA"
    if not COMMIT_SHA.fullmatch(ref):
        return f"{name} is pinned to {ref!r}, which can move; pin the 40-hex commit SHA"
    comment = source_line.split(uses, 1)[1] if uses in source_line else ""
    if not VERSION_COMMENT.search(comment):
        return f"{name}@{ref[:12]}... has no version comment (write '# vX.Y.Z' after it)"
    return None


def _uses(doc: YamlDocument) -> Iterator[tuple[int, str]]:
    """(line, value) of every ``uses:`` in a document: reusable-workflow jobs and steps."""
    places: list[tuple[tuple[str | int, ...], Any]] = [
        (("jobs", job_id, "uses"), job["uses"]) for job_id, job in _jobs(doc) if "uses" in job]
    places += [(path + ("uses",), step["uses"]) for path, step in _steps(doc) if "uses" in step]
    for path, uses in places:
        if isinstance(uses, str):
            yield doc.line(*path), uses.strip()


def check_pinned(doc: YamlDocument) -> list[Finding]:
    findings = []
    for line, uses in _uses(doc):
        problem = _pin_problem(uses, doc.source_line(line))
        if problem:
            findings.append(Finding("pinned", doc.display, line, problem))
    return findings


def _pinned_version(uses: str, source_line: str) -> str:
    """The version a pin claims: its comment for a SHA pin, else the ref itself (``v4``)."""
    ref = uses.rpartition("@")[2]
    if COMMIT_SHA.fullmatch(ref):
        comment = source_line.split(uses, 1)[1] if uses in source_line else ""
        return comment.partition("#")[2]
    return ref


def check_node_runtime(doc: YamlDocument) -> list[Finding]:
    findings = []
    for line, uses in _uses(doc):
        if uses.startswith(("./", "docker://")) or "@" not in uses:
            continue
        name = "/".join(uses.rpartition("@")[0].split("/")[:2])
        version = _pinned_version(uses, doc.source_line(line))
        runtime = action_runtimes.removed_runtime(name, version)
        if runtime:
            current = action_runtimes.first_current_major(name)
            findings.append(Finding(
                "node-runtime", doc.display, line,
                f"{name} {version.strip()} runs on {runtime}, removed from GitHub's runners on "
                f"{action_runtimes.REMOVED_ON}; pin v{current} or later (node24) by SHA"))
    return findings


def check_run_expressions(doc: YamlDocument) -> list[Finding]:
    findings = []
    for path, step in _steps(doc):
        script = step.get("run")
        if not isinstance(script, str) or "${{" not in script:
            continue
        script_lines = script.splitlines()
        index = next(i for i, text in enumerate(script_lines) if "${{" in text)
        line = doc.line(*path, "run") + (index + 1 if len(script_lines) > 1 else 0)
        expression = EXPRESSION.search(script)
        shown = expression.group(0) if expression else "${{"
        findings.append(Finding("run-expression", doc.display, line,
                                f"{shown} inside run: is pasted into the script; pass it through env: instead"))
    return findings


PER_DOCUMENT: tuple[Callable[[YamlDocument], list[Finding]], ...] = (
    check_concurrency, check_matrix_concurrency, check_timeouts, check_permissions, check_pinned, check_node_runtime,
    check_run_expressions,
)


def check_documents(docs: Sequence[YamlDocument]) -> list[Finding]:
    """Every rule over every document, sorted by file and line."""
    findings = [finding for doc in docs for check in PER_DOCUMENT for finding in check(doc)]
    findings += check_concurrency_groups(docs)
    return sorted(findings, key=lambda f: (f.file, f.line, f.rule))
