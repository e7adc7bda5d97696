"""GitHub REST routes for pull requests, served by :class:`LoopbackServer` on 127.0.0.1.

Enough of the real API for PyGithub to resolve pull requests without patching anything:
``GET /repos/{o}/{r}``, ``/repos/{o}/{r}/pulls/{n}`` and the paginated
``/repos/{o}/{r}/pulls?state=&per_page=&page=`` list (with ``Link`` headers), shaped as
GitHub answers them: the list omits ``merged`` (only ``merged_at``), a deleted fork has
``head.repo: null``, an unknown PR is a 404 with GitHub's message. With ``token`` set,
requests without ``Authorization: token <token>``/``Bearer <token>`` get GitHub's 401.

    with GitHubPulls("acme/app") as gh:
        gh.add_pull(12, head_repository="alice/app", labels=["ci:cross-os"])
        env = {"GITHUB_API_URL": gh.url}
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.support.http_server import LoopbackServer, Request, Response

OWNER_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


def fake_sha(seed: str) -> str:
    """A stable 40-hex commit id for a test PR."""
    return hashlib.sha1(seed.encode()).hexdigest()


@dataclass
class FakePull:
    number: int
    state: str = "open"
    """``open`` or ``closed``."""
    merged: bool = False
    head_repository: str | None = None
    """``None`` with ``deleted_fork`` means the fork is gone; ``None`` otherwise means the base repo."""
    deleted_fork: bool = False
    head_ref: str = ""
    sha: str = ""
    labels: list[str] = field(default_factory=list)
    draft: bool = False
    title: str = ""


class GitHubPulls:
    """One repository's pull requests behind a loopback GitHub API."""

    def __init__(self, repository: str, *, token: str | None = None) -> None:
        self.repository = repository
        self.token = token
        self.pulls: dict[int, FakePull] = {}
        self.server = LoopbackServer()
        self.server.route("GET", OWNER_REPO, self._repo)
        self.server.route("GET", OWNER_REPO + r"/pulls", self._list_pulls)
        self.server.route("GET", OWNER_REPO + r"/pulls/(?P<number>[0-9]+)", self._get_pull)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    def add_pull(self, number: int, *, state: str = "open", merged: bool = False, head_repository: str | None = None,
                 deleted_fork: bool = False, head_ref: str | None = None, sha: str | None = None,
                 labels: list[str] | None = None, draft: bool = False, title: str | None = None) -> FakePull:
        pull = FakePull(number, "closed" if merged else state, merged, head_repository, deleted_fork,
                        head_ref or f"topic-{number}", sha or fake_sha(f"{self.repository}#{number}"),
                        list(labels or []), draft, title or f"Pull request {number}")
        self.pulls[number] = pull
        return pull

    # -- JSON shapes ------------------------------------------------------------------

    def _repo_json(self, full_name: str) -> dict[str, Any]:
        owner, name = full_name.split("/", 1)
        return {"id": abs(hash(full_name)) % 10**8, "name": name, "full_name": full_name,
                "owner": {"login": owner, "type": "User"}, "private": False,
                "fork": full_name != self.repository, "url": f"{self.url}/repos/{full_name}",
                "html_url": f"https://github.invalid/{full_name}", "default_branch": "main"}

    def _pull_json(self, pull: FakePull, *, full: bool) -> dict[str, Any]:
        base_url = f"{self.url}/repos/{self.repository}"
        head_repo = None if pull.deleted_fork else self._repo_json(pull.head_repository or self.repository)
        head_owner = (pull.head_repository or self.repository).split("/", 1)[0]
        closed = pull.state == "closed"
        data: dict[str, Any] = {
            "url": f"{base_url}/pulls/{pull.number}", "id": 1000 + pull.number, "number": pull.number,
            "state": pull.state, "locked": False, "title": pull.title, "draft": pull.draft,
            "user": {"login": head_owner, "type": "User"},
            "html_url": f"https://github.invalid/{self.repository}/pull/{pull.number}",
            "labels": [{"id": 7000 + i, "name": name, "color": "ededed", "default": False}
                       for i, name in enumerate(pull.labels)],
            "created_at": f"2026-01-{1 + pull.number % 28:02d}T00:00:00Z", "updated_at": "2026-02-01T00:00:00Z",
            "closed_at": "2026-02-01T00:00:00Z" if closed else None,
            "merged_at": "2026-02-01T00:00:00Z" if pull.merged else None,
            "merge_commit_sha": fake_sha(f"merge-{pull.number}"),
            "head": {"label": f"{head_owner}:{pull.head_ref}", "ref": pull.head_ref, "sha": pull.sha,
                     "user": {"login": head_owner, "type": "User"}, "repo": head_repo},
            "base": {"label": f"{self.repository.split('/')[0]}:main", "ref": "main", "sha": fake_sha("base"),
                     "repo": self._repo_json(self.repository)},
        }
        if full:
            data.update({"merged": pull.merged, "mergeable": None if closed else True, "comments": 0,
                         "commits": 1, "additions": 1, "deletions": 0, "changed_files": 1})
        return data

    # -- routes -----------------------------------------------------------------------

    def _unauthorized(self, req: Request) -> Response | None:
        if self.token is None:
            return None
        given = req.headers.get("Authorization", "")
        if given in (f"token {self.token}", f"Bearer {self.token}"):
            return None
        return Response.json({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest",
                              "status": "401"}, 401)

    def _not_found(self) -> Response:
        return Response.json({"message": "Not Found", "documentation_url": "https://docs.github.com/rest",
                              "status": "404"}, 404)

    def _this_repo(self, req: Request) -> bool:
        return f"{req.params['owner']}/{req.params['repo']}".lower() == self.repository.lower()

    def _repo(self, req: Request) -> Response:
        denied = self._unauthorized(req)
        if denied:
            return denied
        return Response.json(self._repo_json(self.repository)) if self._this_repo(req) else self._not_found()

    def _get_pull(self, req: Request) -> Response:
        denied = self._unauthorized(req)
        if denied:
            return denied
        pull = self.pulls.get(int(req.params["number"])) if self._this_repo(req) else None
        return Response.json(self._pull_json(pull, full=True)) if pull else self._not_found()

    def _list_pulls(self, req: Request) -> Response:
        denied = self._unauthorized(req)
        if denied:
            return denied
        if not self._this_repo(req):
            return self._not_found()
        state = req.arg("state", "open")
        pulls = sorted((p for p in self.pulls.values() if state == "all" or p.state == state), key=lambda p: p.number,
                       reverse=req.arg("direction", "desc") == "desc")
        per_page = max(1, min(100, int(req.arg("per_page", "30") or 30)))
        page = max(1, int(req.arg("page", "1") or 1))
        chunk = pulls[(page - 1) * per_page: page * per_page]
        last = max(1, -(-len(pulls) // per_page))
        links = []
        base = f"{self.url}{req.path}"
        query = {k: v[0] for k, v in req.query.items() if k != "page"}
        if page < last:
            links.append(f'<{base}?{urlencode({**query, "page": page + 1})}>; rel="next"')
            links.append(f'<{base}?{urlencode({**query, "page": last})}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        return Response.json([self._pull_json(p, full=False) for p in chunk], headers=headers)

    def reset(self, *, token: str | None = None) -> None:
        """Forget pull requests, recorded requests and pending faults, so one server serves many tests."""
        self.token = token
        self.pulls.clear()
        with self.server._lock:
            self.server.requests.clear()
            self.server.faults.clear()

    def __enter__(self) -> GitHubPulls:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
