"""What a failed connection means: which host, which cause, what to check, and whether to retry.

requests wraps the real cause a few levels deep (``ConnectionError`` -> urllib3's
``MaxRetryError`` -> ``NameResolutionError`` -> ``socket.gaierror``). This finds it, so a
user reads "cannot resolve api.example: check GITHUB_API_URL ..." instead of
"ConnectionError", and a failure that waiting cannot fix (a name that does not resolve, a
refused port, a certificate that does not verify, a proxy that is not there) is reported at
once instead of being retried for seconds. Only host names are reported, never URLs (a
download URL carries a signature).
"""

from __future__ import annotations

import os
import socket
import ssl
from dataclasses import dataclass
from typing import Iterator, Mapping
from urllib.parse import urlsplit

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


@dataclass(frozen=True)
class NetworkFailure:
    host: str
    cause: str
    """``DNS``, ``refused``, ``TLS``, ``proxy``, ``timeout`` or ``connection``."""
    detail: str
    check: str
    heals: bool
    """Worth retrying: a timeout or a dropped connection may pass; a wrong name or port will not."""

    def describe(self) -> str:
        return f"cannot reach {self.host}: {self.detail}; check {self.check}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps (cause, context, urllib3's ``reason``, exception args)."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        item = stack.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack += [item.__cause__, item.__context__, getattr(item, "reason", None), *getattr(item, "args", ())]


def _host(exc: BaseException, default: str) -> str:
    for item in _chain(exc):
        request = getattr(item, "request", None)
        url = getattr(request, "url", None)
        if isinstance(url, str) and urlsplit(url).hostname:
            parts = urlsplit(url)
            default_port = {"http": 80, "https": 443}.get(parts.scheme)
            port = f":{parts.port}" if parts.port and parts.port != default_port else ""
            return f"{parts.hostname}{port}"
    return default


def _proxies(env: Mapping[str, str]) -> str:
    named = [n for n in PROXY_VARIABLES if env.get(n)]
    return f"the proxy in {named[0]}" if named else "the proxy variables (HTTPS_PROXY, NO_PROXY)"


def network_failure(exc: BaseException, default_host: str, env: Mapping[str, str] | None = None
                    ) -> NetworkFailure | None:
    """Classify a connection-level failure from requests/urllib3; None when ``exc`` is not one."""
    import requests

    if not isinstance(exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)):
        return None
    env = os.environ if env is None else env
    host = _host(exc, default_host)
    api = f"GITHUB_API_URL={env['GITHUB_API_URL']!r}" if env.get("GITHUB_API_URL") else ""
    chain = list(_chain(exc))
    if any(isinstance(e, requests.exceptions.ProxyError) for e in chain):
        return NetworkFailure(host, "proxy", "the proxy refused or could not be reached", _proxies(env), False)
    if any(isinstance(e, (ssl.SSLError, requests.exceptions.SSLError)) for e in chain):
        return NetworkFailure(host, "TLS", "the TLS handshake failed (certificate or protocol)",
                              f"{api + ' (https to an https server), ' if api else ''}REQUESTS_CA_BUNDLE or "
                              f"SSL_CERT_FILE, and {_proxies(env)}", False)
    dns = next((e for e in chain if isinstance(e, socket.gaierror)), None)
    if dns is not None:
        return NetworkFailure(host, "DNS", "the host name does not resolve (DNS)",
                              (f"the host in {api}, " if api else "") + f"your network and DNS, and {_proxies(env)}",
                              False)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return NetworkFailure(host, "refused", "connection refused (nothing listens there)",
                              (f"the host and port in {api}, and " if api else "a firewall, and ") + _proxies(env),
                              False)
    if isinstance(exc, requests.Timeout) or any(isinstance(e, (TimeoutError, socket.timeout)) for e in chain):
        return NetworkFailure(host, "timeout", "timed out", f"your network and {_proxies(env)}", True)
    return NetworkFailure(host, "connection", "the connection failed or was dropped",
                          f"your network and {_proxies(env)}", True)
