"""``python -m ci pr-matrix``: one job per (open pull request, runner), for a dynamic matrix.

Three parts kept apart: :func:`fetch_pulls` asks GitHub (PyGithub, imported when called)
for each pull request's head; :func:`plan_matrix` decides the cells (pure, no I/O);
the ``format_*``/:func:`github_output` functions turn a plan into text, markdown,
annotations and the ``$GITHUB_OUTPUT`` lines the next job reads with ``fromJSON``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from verifier.util.gha import annotation, md_cell, md_code
from verifier.util.neutral import for_terminal as term

from .errors import CiError

if TYPE_CHECKING:
    from github.GithubException import GithubException

DEFAULT_RUNNERS = ("ubuntu-latest", "macos-latest", "windows-latest")
DEFAULT_WINDOWS_CAP = 5
"""The seed projects kept Windows jobs at or under five (SPEC section 8)."""
REPO_NAME = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class PullHead:
    """What a per-PR job needs to check out one pull request, and why it may be dropped."""

    number: int
    state: str
    """``open``, ``closed`` or ``merged``."""
    sha: str
    head_ref: str
    head_repository: str | None
    """``owner/name`` of the head; None when the fork was deleted (the SHA is still in the base repo)."""
    fork: bool
    draft: bool = False
    title: str = ""


@dataclass(frozen=True)
class Cell:
    pr: int
    os: str
    sha: str
    repository: str
    """The base repository: the SHA is checked out from it (fork heads live there as refs/pull/N/head)."""
    head_repository: str | None
    head_ref: str
    fork: bool

    def to_dict(self) -> dict[str, Any]:
        return {"pr": self.pr, "os": self.os, "sha": self.sha, "repository": self.repository,
                "head_repository": self.head_repository, "head_ref": self.head_ref, "fork": self.fork}


@dataclass(frozen=True)
class MatrixPlan:
    repository: str
    runners: tuple[str, ...]
    windows_cap: int
    cells: tuple[Cell, ...]
    kept: tuple[PullHead, ...]
    dropped: tuple[PullHead, ...]
    windows_left_out: tuple[tuple[int, str], ...] = field(default=())
    """(PR, runner) cells not made because the Windows cap was reached."""

    @property
    def windows_wanted(self) -> int:
        return len(self.kept) * sum(1 for r in self.runners if is_windows(r))


def is_windows(runner: str) -> bool:
    return runner.lower().startswith("windows")


def parse_pr_numbers(text: str) -> list[int]:
    """``"12, 13 #14"`` -> ``[12, 13, 14]`` (order kept, duplicates dropped)."""
    numbers: list[int] = []
    for token in re.split(r"[\s,]+", text.strip()):
        if not token:
            continue
        digits = token.removeprefix("#")
        if not digits.isdigit() or int(digits) == 0:
            raise CiError(f"--prs: {token!r} is not a pull request number")
        if int(digits) not in numbers:
            numbers.append(int(digits))
    return numbers


def parse_runners(text: str) -> list[str]:
    """A JSON list (``'["ubuntu-latest"]'``) or a comma/space-separated list of runner labels."""
    text = text.strip()
    if not text:
        return list(DEFAULT_RUNNERS)
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CiError(f"--runners: not a JSON list: {exc.msg}") from None
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise CiError("--runners: the JSON list must hold runner labels (strings)")
        runners = [v.strip() for v in value]
    else:
        runners = [r for r in re.split(r"[\s,]+", text) if r]
    if not runners:
        raise CiError("--runners: no runner labels given")
    return list(dict.fromkeys(runners))


def check_repository(name: str) -> str:
    if not REPO_NAME.fullmatch(name or ""):
        raise CiError(f"--repo: {name!r} is not OWNER/NAME (set --repo or GITHUB_REPOSITORY)")
    return name


def plan_matrix(repository: str, pulls: Sequence[PullHead], runners: Sequence[str], windows_cap: int) -> MatrixPlan:
    """Open pull requests x runners, with at most ``windows_cap`` Windows cells (earlier PRs first)."""
    if windows_cap < 0:
        raise CiError(f"--windows-cap: {windows_cap} is negative")
    kept = tuple(p for p in pulls if p.state == "open")
    dropped = tuple(p for p in pulls if p.state != "open")
    cells: list[Cell] = []
    left_out: list[tuple[int, str]] = []
    windows_jobs = 0
    for pull in kept:
        for runner in runners:
            if is_windows(runner):
                if windows_jobs >= windows_cap:
                    left_out.append((pull.number, runner))
                    continue
                windows_jobs += 1
            cells.append(Cell(pull.number, runner, pull.sha, repository, pull.head_repository, pull.head_ref,
                              pull.fork))
    return MatrixPlan(repository, tuple(runners), windows_cap, tuple(cells), kept, dropped, tuple(left_out))


def github_output(plan: MatrixPlan) -> str:
    """The ``name=value`` lines for ``$GITHUB_OUTPUT``: ``matrix`` (``{"include": [...]}``), ``count``, ``prs``."""
    matrix = json.dumps({"include": [c.to_dict() for c in plan.cells]}, separators=(",", ":"))
    prs = " ".join(str(p.number) for p in plan.kept)
    return f"matrix={matrix}\ncount={len(plan.cells)}\nprs={prs}\n"


def _head_label(pull: PullHead) -> str:
    where = pull.head_repository or "(deleted fork)"
    return f"{where}:{pull.head_ref}"


def cap_message(plan: MatrixPlan) -> str | None:
    """What the Windows cap did, or None when it did nothing."""
    if not plan.windows_left_out:
        return None
    prs = sorted({pr for pr, _ in plan.windows_left_out}, key=[p.number for p in plan.kept].index)
    made = plan.windows_wanted - len(plan.windows_left_out)
    others = ", ".join(r for r in plan.runners if not is_windows(r)) or "no other runner"
    return (f"Windows cap {plan.windows_cap}: {plan.windows_wanted} Windows jobs wanted, {made} made; "
            f"{', '.join(f'#{n}' for n in prs)} run on {others} only")


def format_text(plan: MatrixPlan) -> str:
    lines = [f"pr-matrix: {term(plan.repository)}, runners {term(', '.join(plan.runners))}, Windows cap {plan.windows_cap}"]
    for pull in plan.kept:
        runners = [c.os for c in plan.cells if c.pr == pull.number]
        tags = " ".join(t for t in ("fork" if pull.fork else "", "draft" if pull.draft else "") if t)
        lines.append(f"  #{pull.number:<6} open     {term(_head_label(pull))} @ {term(pull.sha[:12])}"
                     f"{'  [' + tags + ']' if tags else ''}  -> {term(', '.join(runners)) or 'no runner'}")
    for pull in plan.dropped:
        lines.append(f"  #{pull.number:<6} {term(pull.state):<8} dropped (not open)")
    message = cap_message(plan)
    if message:
        lines.append(term(message))
    if plan.cells:
        prs = f"{len(plan.kept)} pull request{'' if len(plan.kept) == 1 else 's'}"
        lines.append(f"matrix: {len(plan.cells)} jobs for {prs}")
    else:
        lines.append("matrix: empty (no open pull request matched); the per-PR jobs will be skipped")
    return "\n".join(lines)


def format_annotations(plan: MatrixPlan) -> list[str]:
    notes = [annotation("notice", f"PR #{p.number} is {p.state}; dropped from the matrix", title="pr-matrix")
             for p in plan.dropped]
    message = cap_message(plan)
    if message:
        notes.append(annotation("warning", message, title="pr-matrix Windows cap"))
    if not plan.cells:
        notes.append(annotation("notice", "no open pull request matched; the per-PR jobs are skipped",
                                title="pr-matrix"))
    return notes


def format_markdown(plan: MatrixPlan) -> str:
    rows = []
    for pull in plan.kept:
        runners = ", ".join(c.os for c in plan.cells if c.pr == pull.number)
        rows.append(f"| #{pull.number} | open{' (fork)' if pull.fork else ''} | {md_code(_head_label(pull))} "
                    f"| {md_code(pull.sha[:12])} | {md_cell(runners)} |")
    rows += [f"| #{p.number} | {p.state}: dropped | | | |" for p in plan.dropped]
    table = "| PR | state | head | SHA | runners |\n|---|---|---|---|---|\n" + "\n".join(rows) if rows else ""
    message = cap_message(plan)
    tail = f"\n\n> {md_cell(message)}" if message else ""
    count = f"{len(plan.cells)} jobs" if plan.cells else "empty matrix: per-PR jobs skipped"
    return f"### Per-PR matrix ({md_cell(plan.repository)}): {count}\n\n{table}{tail}\n"


# -- GitHub -----------------------------------------------------------------------------


def _api_error(exc: GithubException, what: str) -> CiError:
    from github.GithubException import BadCredentialsException, RateLimitExceededException

    if isinstance(exc, BadCredentialsException) or exc.status == 401:
        return CiError(f"GitHub rejected the token while reading {what} (401 Bad credentials)")
    headers = {k.lower(): str(v) for k, v in (exc.headers or {}).items()}
    if isinstance(exc, RateLimitExceededException) or headers.get("x-ratelimit-remaining") == "0":
        reset = headers.get("x-ratelimit-reset", "")
        when = ""
        if reset.isdigit() and len(reset) <= 12:
            try:
                when = datetime.fromtimestamp(int(reset), timezone.utc).strftime(" (resets at %Y-%m-%d %H:%M UTC)")
            except (OverflowError, OSError, ValueError):
                when = ""
        return CiError(f"GitHub API rate limit exceeded while reading {what}{when}; set GITHUB_TOKEN")
    message = exc.data.get("message") if isinstance(exc.data, dict) else None
    return CiError(f"GitHub API answered {exc.status} for {what}: {message or exc.message or 'no message'}")


def _pull_head(pr: Any) -> PullHead:
    """The typed boundary: a pull request object from the API, or a :class:`CiError` naming what is odd."""
    from github.GithubException import BadAttributeException

    try:
        pull = _pull_fields(pr)
    except (AttributeError, TypeError, ValueError, KeyError, BadAttributeException) as exc:
        raise CiError(f"the GitHub API answered a pull request of an unexpected shape ({type(exc).__name__})") from None
    if not isinstance(pull.number, int) or isinstance(pull.number, bool):
        raise CiError(f"the GitHub API answered a pull request whose number is {type(pull.number).__name__}")
    for name in ("state", "sha", "head_ref"):
        if not isinstance(getattr(pull, name), str) or not getattr(pull, name):
            raise CiError(f"the GitHub API answered PR #{pull.number} without a usable {name}")
    if not all(c in "0123456789abcdefABCDEF" for c in pull.sha):
        raise CiError(f"the GitHub API answered PR #{pull.number} with a head SHA that is not hexadecimal")
    return pull


def _pull_fields(pr: Any) -> PullHead:
    head = pr.head
    if head is None:
        raise ValueError("no head")
    head_repo = head.repo.full_name if head.repo is not None else None
    base_repo = pr.base.repo.full_name if pr.base is not None and pr.base.repo is not None else None
    state = "merged" if pr.state == "closed" and pr.merged_at is not None else pr.state
    return PullHead(number=pr.number, state=state, sha=head.sha, head_ref=head.ref, head_repository=head_repo,
                    fork=head_repo is None or (base_repo is not None and head_repo.lower() != base_repo.lower()),
                    draft=bool(pr.draft), title=str(pr.title or ""))


MAX_LABEL_PAGES = 10
"""Pages of 100 open pull requests read when looking for a label; the rest are named in a note."""


def fetch_pulls(repository: str, numbers: Sequence[int], label: str | None, *, api_url: str | None,
                token: str | None, timeout: float = 30, notes: list[str] | None = None) -> list[PullHead]:
    """The heads of the numbered pull requests (any state) and of the open ones carrying ``label``.

    Numbered first, in the order given; then labelled ones not already listed, oldest first.
    Server errors are retried a few times; anything else is one :class:`CiError` line.
    At most :data:`MAX_LABEL_PAGES` pages are read for a label; a note saying so goes to ``notes``.
    """
    import requests
    from github import Auth, Github
    from github.GithubException import GithubException, UnknownObjectException
    from urllib3.util.retry import Retry

    retry = Retry(total=3, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504),
                  allowed_methods=frozenset({"GET"}), raise_on_status=False)
    options: dict[str, Any] = {"retry": retry, "timeout": int(timeout), "per_page": 100, "lazy": True,
                               "seconds_between_requests": None}
    if api_url:
        options["base_url"] = api_url.rstrip("/")
    if token:
        options["auth"] = Auth.Token(token)
    pulls: list[PullHead] = []
    what = repository
    api = None
    try:
        api = Github(**options)
        repo = api.get_repo(repository)
        for number in numbers:
            what = f"PR #{number} in {repository}"
            try:
                pulls.append(_pull_head(repo.get_pull(number)))
            except UnknownObjectException:
                raise CiError(f"PR #{number} not found in {repository}") from None
        if label:
            what = f"the open pull requests of {repository}"
            wanted = label.strip().lower()
            listing = repo.get_pulls(state="open", sort="created", direction="asc")
            for seen, pr in enumerate(listing, start=1):
                if pr.number not in numbers and any(lab.name.lower() == wanted for lab in pr.labels):
                    pulls.append(_pull_head(pr))
                if seen >= MAX_LABEL_PAGES * 100:
                    # Stop before asking for the next page; say so only when there is one.
                    if notes is not None and getattr(listing, "_couldGrow", lambda: True)():
                        notes.append(f"read only the oldest {seen} open pull requests ({MAX_LABEL_PAGES} pages) "
                                     f"when looking for label {label!r}; newer ones were not considered")
                    break
    except UnknownObjectException:
        raise CiError(f"repository {repository} not found (or the token cannot see it)") from None
    except GithubException as exc:
        raise _api_error(exc, what) from None
    except requests.RequestException as exc:
        from verifier.release.network import network_failure

        failure = network_failure(exc, api_url or "api.github.com")
        reason = (f"{failure.detail}; check {failure.check}" if failure is not None
                  else str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise CiError(f"cannot reach the GitHub API at {api_url or 'the default address'}: {reason}") from None
    except (ValueError, TypeError, AttributeError, KeyError, RuntimeError, AssertionError) as exc:
        # A body that is not the JSON object expected (HTML, a list), a redirect PyGithub refuses.
        raise CiError(f"the GitHub API at {api_url or 'the default address'} answered something unexpected while "
                      f"reading {what} ({type(exc).__name__})") from None
    finally:
        if api is not None:
            api.close()
    return pulls
