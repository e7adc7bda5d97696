"""The loopback server itself: routes, params, faults, truncation, redirects."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlsplit

from tests.support.http_server import LoopbackServer, Response, rate_limited


def get(url: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
    return conn.getresponse()


def test_routes_params_faults_and_truncation() -> None:
    with LoopbackServer() as server:
        server.route("GET", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)",
                     lambda r: Response.json({"full_name": f"{r.params['owner']}/{r.params['repo']}"}))
        server.route("GET", r"/blob", lambda r: Response(body=b"x" * 100, truncate_at=10))
        server.route("GET", r"/moved", lambda r: Response.redirect(server.url + "/blob"))
        assert json.loads(get(server.url + "/repos/o/r").read()) == {"full_name": "o/r"}
        server.fail_next(r"/repos/.*", rate_limited(int(time.time()) + 5, retry_after=1), times=1)
        limited = get(server.url + "/repos/o/r")
        assert limited.status == 403 and limited.getheader("Retry-After") == "1"
        limited.read()
        assert get(server.url + "/repos/o/r").status == 200
        assert get(server.url + "/nope").status == 404
        moved = get(server.url + "/moved")
        assert moved.status == 302 and moved.getheader("Location").endswith("/blob")
        truncated = get(server.url + "/blob")
        assert truncated.getheader("Content-Length") == "100"
        try:
            body = truncated.read()
        except http.client.IncompleteRead as exc:
            body = exc.partial
        assert body == b"x" * 10
        assert [r.path for r in server.requests][:2] == ["/repos/o/r", "/repos/o/r"]
