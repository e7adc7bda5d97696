"""Stream a release asset to a temporary file, hashing it on the way, with bounded retries.

The asset's API URL is asked for ``application/octet-stream``; GitHub answers with a redirect
to a storage host. Redirects are followed here, not by requests, so the rule is explicit:
the token goes only to the API's own scheme, host and port, never to a host a redirect
names. A broken or short stream is retried from the start; the file is deleted on any
failure, so the cache never holds a partial download.

Network work is bounded: each asset has an overall deadline scaled by its size (a server
that sends one byte every two seconds is stopped, not waited for), reads return whatever
arrived so the deadline is checked often, and a partial file left by a run that was killed
(``kill -9``) is removed by the next run once its owner is gone or it is old.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol
from urllib.parse import urljoin

from verifier.errors import VerifierError
from verifier.release.api import REQUEST_TIMEOUT, USER_AGENT, GitHubSettings, origin_of
from verifier.release.assets import ReleaseAsset
from verifier.release.network import network_failure
from verifier.release.retry import RetryPolicy, Transient, call_with_retries, classify_status
from verifier.util import interrupt

CHUNK = 1 << 20
"""Bytes read per step at most: memory use does not grow with the asset's size."""
MAX_REDIRECTS = 5
MIN_RATE_VARIABLE = "LLAMA_SERVER_VERIFIER_MIN_RATE"
"""Environment override of :data:`MIN_RATE`, in KiB/s."""
MIN_RATE = 64 << 10
"""Bytes per second an asset must average; below that the download is given up."""
DEADLINE_FLOOR = 60.0
"""Every asset gets at least this many seconds, whatever its size."""
STALE_PART_AGE = 6 * 3600.0
"""A partial download this old is removed even if a process with its owner's pid runs."""


def download_deadline(size: int, env: dict[str, str] | None = None) -> float:
    """Seconds one asset may take overall: a floor plus its size at the minimum rate."""
    source = os.environ if env is None else env
    try:
        rate = float(source.get(MIN_RATE_VARIABLE, "")) * 1024
    except ValueError:
        rate = 0.0
    if not (rate > 0 and rate < float("inf")):
        rate = float(MIN_RATE)
    return DEADLINE_FLOOR + max(size, 0) / rate


def _owner_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return True  # no safe probe (os.kill(pid, 0) would send CTRL_C_EVENT): age decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def tidy_stale_parts(folder: Path, *, now: float | None = None) -> int:
    """Remove ``*.part`` files whose owner process is gone or that are older than :data:`STALE_PART_AGE`."""
    now = time.time() if now is None else now
    removed = 0
    try:
        candidates = list(folder.glob("*.part"))
    except OSError:
        return 0
    for part in candidates:
        owner = _PART_OWNER.search(part.name)
        try:
            age = now - part.stat().st_mtime
            if age > STALE_PART_AGE or (owner is not None and not _owner_alive(int(owner.group(1)))):
                part.unlink()
                removed += 1
        except OSError:
            continue
    return removed


_PART_OWNER = re.compile(r"-pid(\d{1,10})-")


class Progress(Protocol):
    def start(self, total: int) -> None: ...
    def advance(self, n: int) -> None: ...


class _HTTPStatus(Exception):
    def __init__(self, status: int, headers: dict[str, str], url: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.headers = headers
        self.url = url


class _ShortBody(Exception):
    """The stream ended before the announced size (a dropped connection)."""


class _Oversize(Exception):
    """The server sent more than the asset's size; not retried."""


class _TooSlow(Exception):
    """The asset's overall deadline passed; not retried."""


@dataclass(frozen=True)
class Downloaded:
    path: Path
    sha256: str
    size: int


def parse_digest(digest: str | None) -> tuple[str, str] | None:
    """``sha256:<hex>`` -> (``sha256``, hex); None when absent or unreadable."""
    if not digest or ":" not in digest:
        return None
    algo, _, value = digest.partition(":")
    return algo.strip().lower(), value.strip().lower()


def token_for(url: str, settings: GitHubSettings) -> str | None:
    """The token, only for the API's own origin (GitHub redirects downloads to other hosts)."""
    return settings.token if settings.token and origin_of(url) == settings.origin() else None


def _open(session: object, url: str, settings: GitHubSettings) -> object:
    """GET ``url`` following redirects by hand; the token never leaves the API origin."""
    for _ in range(MAX_REDIRECTS + 1):
        headers = {"Accept": "application/octet-stream", "User-Agent": USER_AGENT}
        token = token_for(url, settings)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        resp = session.get(url, headers=headers, stream=True, allow_redirects=False,  # type: ignore[attr-defined]
                           timeout=(REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        if resp.is_redirect and resp.headers.get("Location"):
            url = urljoin(url, resp.headers["Location"])
            resp.close()
            continue
        if resp.status_code != 200:
            status, hdrs = resp.status_code, dict(resp.headers)
            resp.close()
            raise _HTTPStatus(status, hdrs, url)
        return resp
    raise VerifierError(f"more than {MAX_REDIRECTS} redirects")


def _classify(exc: BaseException) -> Transient | None:
    import requests
    import urllib3

    if isinstance(exc, _HTTPStatus):
        return classify_status(exc.status, exc.headers)
    if isinstance(exc, _ShortBody):
        return Transient(str(exc))
    failure = network_failure(exc, "the download host")
    if failure is not None:
        return Transient(failure.describe()) if failure.heals else None
    if isinstance(exc, urllib3.exceptions.HTTPError):  # from read1(): a dropped or stalled stream
        return Transient(f"connection failed ({type(exc).__name__})")
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return Transient(f"connection failed ({type(exc).__name__})")
    return None


def _request_error(exc: BaseException) -> str:
    """One line for a requests failure; its own text may hold a signed storage URL, so never that."""
    failure = network_failure(exc, "the download host")
    return failure.describe() if failure is not None else type(exc).__name__


def _abort(resp: object) -> None:
    """Shut down the socket a streamed body is read from, so a read blocked in another thread returns.

    The socket is the one under the body's file object (``raw._fp.fp.raw._sock``): the pool's
    ``raw.connection`` can name another, kept-alive connection.
    """
    body = getattr(getattr(getattr(resp, "raw", None), "_fp", None), "fp", None)
    sock = getattr(getattr(body, "raw", None), "_sock", None)
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


@contextmanager
def _interruptible(resp: object) -> Iterator[None]:
    """Ctrl-C aborts ``resp``'s body at once (a stalled read must not hold the command), and
    closes it on the way out; an aborted read that ended a loop early raises ``Cancelled``."""
    interrupt.register(id(resp), lambda: _abort(resp))
    try:
        interrupt.check()  # interrupted while the request was opening: the stopper came too late
        yield
    finally:
        interrupt.unregister(id(resp))
        resp.close()  # type: ignore[attr-defined]
    interrupt.check()  # an aborted read is not a short body to retry


def _content_length(resp: object) -> int | None:
    """The announced size, or None when absent or not a number (``Content-Length: abc``)."""
    text = str(resp.headers.get("Content-Length") or "").strip()  # type: ignore[attr-defined]
    return int(text) if text.isdigit() and len(text) < 20 and int(text) > 0 else None


def fetch(asset: ReleaseAsset, folder: Path, settings: GitHubSettings, policy: RetryPolicy, *,
          progress: Progress | None = None, max_bytes: int | None = None,
          deadline: float | None = None) -> Downloaded:
    """Download ``asset`` into a new temporary file in ``folder``; the caller owns (and deletes) it.

    ``deadline``: seconds for the whole download including retries (default
    :func:`download_deadline` of the asset's size). Raises :class:`VerifierError` for a
    refused, too slow or failed download; nothing is left behind in ``folder`` then.
    """
    import requests
    import urllib3

    limit = max_bytes if max_bytes is not None else (asset.size or None)
    seconds = deadline if deadline is not None else download_deadline(asset.size or 0)
    ends = time.monotonic() + seconds
    tidy_stale_parts(folder)
    fd, name = tempfile.mkstemp(prefix=f"{asset.id}-pid{os.getpid()}-", suffix=".part", dir=folder)
    os.close(fd)
    path = Path(name)

    def attempt() -> Downloaded:
        sha = hashlib.sha256()
        done = 0
        interrupt.check()  # no new attempt once the command was interrupted
        if time.monotonic() > ends:
            raise _TooSlow(f"not finished within {seconds:.0f}s (retries included)")
        with requests.Session() as session:
            resp = _open(session, asset.api_url, settings)
            with _interruptible(resp):
                announced = _content_length(resp)
                expected = asset.size or announced
                if progress is not None:
                    progress.start(expected or 0)
                with path.open("wb") as out:
                    while chunk := resp.raw.read1(CHUNK, decode_content=True):  # type: ignore[attr-defined]
                        interrupt.check()
                        if time.monotonic() > ends:
                            raise _TooSlow(f"not finished within {seconds:.0f}s ({done} bytes received; "
                                           f"set {MIN_RATE_VARIABLE} in KiB/s to allow slower links)")
                        done += len(chunk)
                        if limit is not None and done > limit:
                            raise _Oversize(f"the server sent more than the asset's {limit} bytes")
                        sha.update(chunk)
                        out.write(chunk)
                        if progress is not None:
                            progress.advance(len(chunk))
        want = announced or asset.size
        if want and done != want:
            raise _ShortBody(f"the download stopped at {done} of {want} bytes")
        return Downloaded(path, sha.hexdigest(), done)

    try:
        return call_with_retries(attempt, _classify, policy, what=f"download {asset.name}")
    except VerifierError:
        path.unlink(missing_ok=True)
        raise
    except (_Oversize, _TooSlow) as exc:
        path.unlink(missing_ok=True)
        raise VerifierError(f"download {asset.name}: {exc}") from None
    except _HTTPStatus as exc:
        path.unlink(missing_ok=True)
        hint = " (bad credentials: check GITHUB_TOKEN)" if exc.status == 401 else ""
        raise VerifierError(f"download {asset.name}: HTTP {exc.status}{hint}") from None
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        path.unlink(missing_ok=True)
        raise VerifierError(f"download {asset.name}: {_request_error(exc)}") from None
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise VerifierError(f"download {asset.name}: {exc.strerror or exc}") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def fetch_small(asset: ReleaseAsset, settings: GitHubSettings, policy: RetryPolicy, *,
                max_bytes: int = 1 << 20) -> bytes:
    """A small asset (a checksum list) in memory, with the same redirect and retry rules."""
    import requests
    import urllib3

    ends = time.monotonic() + download_deadline(max_bytes)

    def attempt() -> bytes:
        with requests.Session() as session:
            resp = _open(session, asset.api_url, settings)
            with _interruptible(resp):
                data = bytearray()
                while chunk := resp.raw.read1(65536, decode_content=True):  # type: ignore[attr-defined]
                    interrupt.check()
                    if time.monotonic() > ends:
                        raise _TooSlow(f"not finished within {DEADLINE_FLOOR:.0f}s")
                    data += chunk
                    if len(data) > max_bytes:
                        raise _Oversize(f"larger than {max_bytes} bytes")
        if asset.size and len(data) != asset.size:
            raise _ShortBody(f"the download stopped at {len(data)} of {asset.size} bytes")
        return bytes(data)

    try:
        return call_with_retries(attempt, _classify, policy, what=f"download {asset.name}")
    except (_Oversize, _HTTPStatus, _TooSlow) as exc:
        raise VerifierError(f"download {asset.name}: {exc}") from None
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise VerifierError(f"download {asset.name}: {_request_error(exc)}") from None


def sha256_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            sha.update(chunk)
    return sha.hexdigest()


ProgressFactory = Callable[[ReleaseAsset], Progress | None]
