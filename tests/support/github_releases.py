"""A GitHub-shaped release API on two loopback servers, for end-to-end release-gate tests.

``api`` answers the REST paths PyGithub and the downloader use (release by tag, latest
release, paginated asset listing, asset metadata, and the asset API URL asked for
``application/octet-stream``, answered like GitHub by a 302 to a second host), and the
release listing (newest first, prereleases included). ``storage``
is that second host: it streams the asset files and records every request's headers, so a
test can prove the token never reached it. Faults are scripted with the underlying
:class:`LoopbackServer` (``fail_next``, ``rate_limited``, ``Response(truncate_at=...)``).

    with FakeGitHub(token="s3cret") as gh:
        gh.add_release("b100", {"llama-b100-bin-ubuntu-x64.tar.gz": archive})
        env = gh.env(GITHUB_TOKEN="s3cret")

Today's upstream scheme (SPEC section 6): ``add_nightly`` publishes a ``bNNNN`` prerelease with
the full current asset list (the host's plain CPU build is the archive given, every other
asset a small placeholder), and ``add_pointer`` a ``vX.Y.Z`` release whose only asset is
``nightly-tag.txt`` naming a nightly (which may be missing, as a broken pointer would be).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import platform
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Mapping

from tests.support.http_server import LoopbackServer, Request, Response


@dataclass
class FakeAsset:
    id: int
    name: str
    file: Path
    size: int
    sha256: str
    digest: str | None


@dataclass
class FakeRelease:
    id: int
    tag: str
    assets: list[FakeAsset] = field(default_factory=list)
    prerelease: bool = False


OPENVINO = "2025.3.0"
ROCM = "7.1"
_NIGHTLY_TAR = ["macos-arm64", "macos-x64", "ubuntu-x64", "ubuntu-arm64", "ubuntu-s390x", "ubuntu-vulkan-x64",
                "ubuntu-vulkan-arm64", "ubuntu-cuda-12.8-x64", "ubuntu-cuda-13.4-x64", "ubuntu-cuda-13.4-arm64",
                f"ubuntu-openvino-{OPENVINO}-x64", "ubuntu-sycl-fp32-x64", "ubuntu-sycl-fp16-x64",
                f"ubuntu-rocm-{ROCM}-x64", "linux-arm64-snapdragon", "android-arm64", "android-arm64-snapdragon"]
_NIGHTLY_ZIP = ["win-cpu-x64", "win-cpu-arm64", "win-vulkan-x64", "win-vulkan-arm64", "win-opencl-adreno-arm64",
                "win-cuda-12.4-x64", "win-cuda-13.4-x64", "win-cuda-13.4-arm64", "win-sycl-x64",
                f"win-rocm-{ROCM}-x64", f"win-openvino-{OPENVINO}-x64"]
_CUDA = ["12.8-x64", "13.4-x64", "13.4-arm64"]
_WIN_CUDA = ["12.4-x64", "13.4-x64", "13.4-arm64"]


def nightly_asset_names(tag: str) -> list[str]:
    """Every asset of an upstream nightly today (b11434 = b11549), as SPEC section 6 lists them."""
    return ([f"llama-{tag}-bin-{p}.tar.gz" for p in _NIGHTLY_TAR] + [f"llama-{tag}-bin-{p}.zip" for p in _NIGHTLY_ZIP]
            + [f"cudart-llama-{tag}-bin-ubuntu-cuda-{v}.tar.gz" for v in _CUDA]
            + [f"cudart-llama-bin-win-cuda-{v}.zip" for v in _WIN_CUDA]
            + [f"llama-{tag}-xcframework.zip", f"llama-{tag}-ui.tar.gz"])


class Throttled:
    """A file served at ``rate`` bytes per second per connection (what a CDN gives one stream).

    Duck-types the two things :class:`Response` needs from a ``file``: ``stat()`` and ``open()``.
    """

    def __init__(self, path: Path, rate: float) -> None:
        self.path = path
        self.rate = rate

    def stat(self) -> os.stat_result:
        return self.path.stat()

    def open(self, mode: str = "rb") -> _ThrottledReader:
        return _ThrottledReader(self.path.open(mode), self.rate)


class _ThrottledReader:
    def __init__(self, f: BinaryIO, rate: float) -> None:
        self.f = f
        self.rate = rate
        self.started = time.monotonic()
        self.sent = 0

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(min(n if n > 0 else 1 << 18, 1 << 18))
        self.sent += len(data)
        ahead = self.sent / self.rate - (time.monotonic() - self.started)
        if ahead > 0:
            time.sleep(ahead)
        return data

    def __enter__(self) -> _ThrottledReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()


def sha256_file(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def host_platform() -> tuple[str, str]:
    """(upstream platform, fork platform) names of this host, e.g. (``ubuntu-x64``, ``linux-x64``)."""
    machine = platform.machine().lower()
    arch = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    if sys.platform == "win32":
        return f"win-cpu-{arch}", f"windows-{arch}"
    if sys.platform == "darwin":
        return f"macos-{arch}", f"macos-{arch}"
    return f"ubuntu-{arch}", f"linux-{arch}"


def other_platform() -> str:
    """An upstream platform name that does not run on this host."""
    return "macos-arm64" if sys.platform != "darwin" else "win-cpu-x64"


class FakeGitHub:
    """Two loopback servers shaped like GitHub's API and its asset storage host."""

    def __init__(self, repo: str = "ggml-org/llama.cpp", *, token: str | None = None,
                 bandwidth: float | None = None) -> None:
        self.repo = repo
        self.token = token
        """When set, a request carrying any other token gets 401 Bad credentials."""
        self.bandwidth = bandwidth
        """Bytes per second per download stream (None: as fast as the loopback goes)."""
        self.api = LoopbackServer()
        self.storage = LoopbackServer()
        self.releases: list[FakeRelease] = []
        self.latest: FakeRelease | None = None
        self._ids = iter(range(1000, 10**6))
        self._files = tempfile.TemporaryDirectory(prefix="fake-github-")
        repo_re = re.escape(repo)
        self.api.route("GET", rf"/repos/{repo_re}/releases/tags/(?P<tag>[^/]+)", self._release_by_tag)
        self.api.route("GET", rf"/repos/{repo_re}/releases/latest", self._latest)
        self.api.route("GET", rf"/repos/{repo_re}/releases", self._release_list)
        self.api.route("GET", rf"/repos/{repo_re}/releases/(?P<id>\d+)/assets", self._asset_list)
        self.api.route("GET", rf"/repos/{repo_re}/releases/assets/(?P<id>\d+)", self._asset)
        self.storage.route("GET", r"/storage/(?P<id>\d+)/(?P<name>[^/]+)", self._blob)

    # -- setup -----------------------------------------------------------------------------

    def add_release(self, tag: str, files: Mapping[str, Path], *, digests: Mapping[str, str | None] | None = None,
                    latest: bool | None = None, prerelease: bool = False) -> FakeRelease:
        """Publish ``files`` (asset name -> file) as release ``tag``.

        Every asset's ``digest`` is its real ``sha256:<hex>`` unless ``digests`` overrides it
        (a wrong value, or None as on very old assets). Like GitHub, the newest release that is
        not a prerelease becomes "latest" unless ``latest`` says otherwise.
        """
        release = FakeRelease(next(self._ids), tag, prerelease=prerelease)
        overrides = digests or {}
        for name, path in files.items():
            sha = sha256_file(path)
            digest = overrides[name] if name in overrides else f"sha256:{sha}"
            release.assets.append(FakeAsset(next(self._ids), name, path, path.stat().st_size, sha, digest))
        self.releases.append(release)
        if latest or (latest is None and not prerelease):
            self.latest = release
        return release

    def file(self, name: str, content: bytes) -> Path:
        """A file of this fake's own (removed with it), for generated assets."""
        folder = Path(self._files.name) / str(next(self._ids))
        folder.mkdir()
        path = folder / name
        path.write_bytes(content)
        return path

    def add_nightly(self, tag: str, host_archive: Path, *, platform: str | None = None,
                    extra: Mapping[str, Path] | None = None) -> FakeRelease:
        """A nightly ``bNNNN`` as upstream publishes it today: a prerelease with every current asset.

        The host's plain CPU build (``platform``, default this host's) is ``host_archive``; every
        other asset is a small placeholder that must never be picked here.
        """
        host = f"llama-{tag}-bin-{platform or host_platform()[0]}."
        files = {name: host_archive if name.startswith(host) else self.file(name, f"placeholder {name}\n".encode())
                 for name in nightly_asset_names(tag)}
        return self.add_release(tag, {**files, **(extra or {})}, prerelease=True)

    def add_pointer(self, tag: str, target: str) -> FakeRelease:
        """A semver release ``vX.Y.Z`` whose only asset, ``nightly-tag.txt``, names ``target``."""
        return self.add_release(tag, {"nightly-tag.txt": self.file("nightly-tag.txt", f"{target}\n".encode())})

    def storage_path(self, name: str) -> str:
        """A ``fail_next`` pattern for this asset's download on the storage host."""
        asset = self._by_name(name)
        return rf"/storage/{asset.id}/{re.escape(asset.name)}"

    def api_release_path(self, tag: str) -> str:
        return rf"/repos/{re.escape(self.repo)}/releases/tags/{re.escape(tag)}"

    def env(self, **extra: str) -> dict[str, str]:
        """Variables that point the verifier at this fake (add GITHUB_TOKEN=... to send a token)."""
        return {"GITHUB_API_URL": self.api.url, **extra}

    def storage_downloads(self, name: str | None = None) -> list[Request]:
        return [r for r in self.storage.requests if name is None or r.path.endswith("/" + name)]

    # -- server side ------------------------------------------------------------------------

    def _by_name(self, name: str) -> FakeAsset:
        for release in self.releases:
            for asset in release.assets:
                if asset.name == name:
                    return asset
        raise KeyError(name)

    def _unauthorized(self, req: Request) -> Response | None:
        auth = next((v for k, v in req.headers.items() if k.lower() == "authorization"), None)
        if auth is None or self.token is None:
            return None
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("bearer", "token") and value == self.token:
            return None
        return Response.json({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest",
                              "status": "401"}, 401)

    def _asset_json(self, release: FakeRelease, a: FakeAsset) -> dict[str, object]:
        owner_repo = self.repo
        return {
            "url": f"{self.api.url}/repos/{owner_repo}/releases/assets/{a.id}",
            "id": a.id, "node_id": f"RA_{a.id}", "name": a.name, "label": "",
            "content_type": "application/zip" if a.name.endswith(".zip") else "application/gzip",
            "state": "uploaded", "size": a.size, "digest": a.digest, "download_count": 0,
            "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05Z",
            "browser_download_url": f"{self.api.url}/{owner_repo}/releases/download/{release.tag}/{a.name}",
        }

    def _release_json(self, release: FakeRelease) -> dict[str, object]:
        base = f"{self.api.url}/repos/{self.repo}/releases/{release.id}"
        return {
            "url": base, "assets_url": f"{base}/assets", "id": release.id, "node_id": f"RE_{release.id}",
            "upload_url": f"{self.api.url}/uploads/{release.id}{{?name,label}}",
            "html_url": f"{self.api.url}/{self.repo}/releases/tag/{release.tag}",
            "tag_name": release.tag, "target_commitish": "master", "name": release.tag, "body": "",
            "draft": False, "prerelease": release.prerelease, "created_at": "2026-01-02T03:04:05Z",
            "published_at": "2026-01-02T03:04:05Z",
            "assets": [self._asset_json(release, a) for a in release.assets],
        }

    def _release_by_tag(self, req: Request) -> Response:
        if (denied := self._unauthorized(req)) is not None:
            return denied
        for release in self.releases:
            if release.tag == req.params["tag"]:
                return Response.json(self._release_json(release))
        return Response.json({"message": "Not Found", "status": "404"}, 404)

    def _latest(self, req: Request) -> Response:
        if (denied := self._unauthorized(req)) is not None:
            return denied
        if self.latest is None:
            return Response.json({"message": "Not Found", "status": "404"}, 404)
        return Response.json(self._release_json(self.latest))

    def _release_list(self, req: Request) -> Response:
        if (denied := self._unauthorized(req)) is not None:
            return denied
        newest_first = list(reversed(self.releases))
        return self._page(req, [self._release_json(r) for r in newest_first])

    def _page(self, req: Request, items: list[dict[str, object]]) -> Response:
        per_page = int(req.arg("per_page", "30") or 30)
        page = int(req.arg("page", "1") or 1)
        headers = {}
        if page * per_page < len(items):
            headers["Link"] = f'<{self.api.url}{req.path}?per_page={per_page}&page={page + 1}>; rel="next"'
        return Response.json(items[(page - 1) * per_page: page * per_page], headers=headers)

    def _asset_list(self, req: Request) -> Response:
        if (denied := self._unauthorized(req)) is not None:
            return denied
        release = next((r for r in self.releases if r.id == int(req.params["id"])), None)
        if release is None:
            return Response.json({"message": "Not Found"}, 404)
        return self._page(req, [self._asset_json(release, a) for a in release.assets])

    def _asset(self, req: Request) -> Response:
        if (denied := self._unauthorized(req)) is not None:
            return denied
        for release in self.releases:
            for a in release.assets:
                if a.id == int(req.params["id"]):
                    accept = next((v for k, v in req.headers.items() if k.lower() == "accept"), "")
                    if "application/octet-stream" in accept:
                        return Response.redirect(f"{self.storage.url}/storage/{a.id}/{a.name}?X-Signature=abc")
                    return Response.json(self._asset_json(release, a))
        return Response.json({"message": "Not Found"}, 404)

    def _blob(self, req: Request) -> Response:
        for release in self.releases:
            for a in release.assets:
                if a.id == int(req.params["id"]) and a.name == req.params["name"]:
                    body = a.file if self.bandwidth is None else Throttled(a.file, self.bandwidth)
                    return Response(200, headers={"Content-Type": "application/octet-stream"},
                                    file=body)  # type: ignore[arg-type]
        return Response(404, b"not found")

    # -- lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> FakeGitHub:
        self.api.start()
        self.storage.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.stop()
        self.storage.stop()
        self._files.cleanup()
