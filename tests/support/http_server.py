"""A real HTTP server on 127.0.0.1 for tests, with a route table and scripted faults.

The code under test (PyGithub, requests) talks to it over a real socket: nothing is
patched. Routes answer :class:`Response` objects; ``fail_next`` scripts errors (5xx, 403
rate limits, truncated bodies) for the next N matching requests.

    with LoopbackServer() as api:
        api.route("GET", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)", lambda req: Response.json({...}))
        api.fail_next(r"/repos/.*", Response.json({"message": "boom"}, status=500), times=2)
        requests.get(api.url + "/repos/o/r")
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    file: Path | None = None
    """Stream this file as the body (for large assets) instead of ``body``."""
    truncate_at: int | None = None
    """Announce the full length but close the connection after this many bytes."""

    @classmethod
    def json(cls, data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, json.dumps(data).encode(), {"Content-Type": "application/json; charset=utf-8",
                                                       **(headers or {})})

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(status, b"", {"Location": location})


Handler = Callable[[Request], Response]


@dataclass
class _Fault:
    pattern: re.Pattern[str]
    response: Response
    times: int


class LoopbackServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port>, run in a daemon thread."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.faults: list[_Fault] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()),
                              body=self.rfile.read(length) if length else b"")
                self._send(server.dispatch(req))

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _handle

            def _send(self, resp: Response) -> None:
                size = resp.file.stat().st_size if resp.file is not None else len(resp.body)
                self.send_response(resp.status)
                for key, value in resp.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(size))
                if resp.truncate_at is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command == "HEAD":
                    return
                limit = size if resp.truncate_at is None else min(size, resp.truncate_at)
                try:
                    if resp.file is None:
                        self.wfile.write(resp.body[:limit])
                    else:
                        with resp.file.open("rb") as f:
                            left = limit
                            while left > 0:
                                chunk = f.read(min(1 << 20, left))
                                if not chunk:
                                    break
                                self.wfile.write(chunk)
                                left -= len(chunk)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return
                if resp.truncate_at is not None:
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        # A short poll interval: shutdown() waits for the loop to notice (0.5 s by default).
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """``pattern`` is a regex matched against the whole path; named groups become ``params``."""
        self.routes.append((method, re.compile(pattern), handler))

    def fail_next(self, pattern: str, response: Response, times: int = 1) -> None:
        with self._lock:
            self.faults.append(_Fault(re.compile(pattern), response, times))

    def dispatch(self, req: Request) -> Response:
        with self._lock:
            self.requests.append(req)
            for fault in self.faults:
                if fault.times > 0 and fault.pattern.fullmatch(req.path):
                    fault.times -= 1
                    return fault.response
        method = "GET" if req.method == "HEAD" else req.method
        for route_method, pattern, handler in self.routes:
            match = pattern.fullmatch(req.path)
            if match and route_method == method:
                req.params = match.groupdict()
                return handler(req)
        return Response.json({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}, 404)

    def start(self) -> LoopbackServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def rate_limited(reset_epoch: int, *, retry_after: int | None = None) -> Response:
    """GitHub's 403 for an exhausted primary rate limit (or secondary, with Retry-After)."""
    headers = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset_epoch),
               "X-RateLimit-Resource": "core"}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return Response.json({"message": "API rate limit exceeded for 127.0.0.1.",
                          "documentation_url": "https://docs.github.com/rest/rate-limit"}, 403, headers)
