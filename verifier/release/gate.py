"""Release gating: from a tag to a :class:`~verifier.report.Report` with one row per asset.

Each picked asset goes through the same pipeline, several at once (bounded): cache
lookup by digest, else download (hashed while written), digest check, safe unpacking into
a temporary folder renamed into the cache, then the core's verification of the
``llama-server`` inside. A failure at any step becomes that asset's error row; it never
stops the other assets and never leaves a partial file in the cache.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from verifier.errors import VerifierError
from verifier.probe import DEFAULT_TIMEOUT
from verifier.release import download
from verifier.release.api import GitHubSettings, Release, fetch_release
from verifier.util.interrupt import parallel_map
from verifier.release.assets import Choice, Host, Plan, ReleaseAsset, plan
from verifier.release.cache import ReleaseCache, default_root
from verifier.release.extract import Limits, UnsafeArchive, extract, find_server
from verifier.release.retry import RetryPolicy
from verifier.report import BinaryReport, Report
from verifier.verify import verify_binary

FORK_SHA256_ASSET = "llama-prebuilt-sha256.json"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class GateOptions:
    repo: str
    tag: str
    names: tuple[str, ...] = ()
    platform: str | None = None
    all_host: bool = False
    cache_dir: Path | None = None
    jobs: int = 4
    timeout: float = DEFAULT_TIMEOUT
    wrapper: tuple[str, ...] = ()
    check_ids: tuple[str, ...] = ()
    argv: bool = False
    """Also run every argv the resolver emits through each binary's parser (``--argv``)."""
    accepts: tuple[tuple[str, ...], ...] = ()
    """Application argvs each binary's parser must accept (``--accepts``)."""
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    limits: Limits = field(default_factory=Limits)


def find(opts: GateOptions, settings: GitHubSettings, host: Host | None = None) -> tuple[Release, Plan]:
    """The release and, for every asset, whether it would be picked and why (no download)."""
    release = fetch_release(opts.repo, opts.tag, settings, opts.policy)
    return release, plan(release.assets, host or Host.current(), tag=release.tag, names=opts.names,
                         platform=opts.platform, all_host=opts.all_host, repo=release.repo)


def parse_checksum_list(raw: bytes) -> dict[str, str]:
    """The fork's ``llama-prebuilt-sha256.json``: ``{"artifacts": {name: {"sha256": hex}}}`` (or a flat map)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise VerifierError(f"{FORK_SHA256_ASSET} is not valid JSON") from None
    entries = data.get("artifacts", data) if isinstance(data, dict) else data
    sums: dict[str, str] = {}
    if isinstance(entries, dict):
        for name, value in entries.items():
            digest = value.get("sha256") if isinstance(value, dict) else value
            if isinstance(digest, str) and _HEX64.match(digest.lower()):
                sums[str(name)] = digest.lower()
    elif isinstance(entries, list):
        for item in entries:
            if isinstance(item, dict):
                name = item.get("name") or item.get("asset_name")
                digest = item.get("sha256")
                if isinstance(name, str) and isinstance(digest, str) and _HEX64.match(digest.lower()):
                    sums[name] = digest.lower()
    return sums


@dataclass(frozen=True)
class Expected:
    sha256: str | None
    source: str | None
    """``github`` or the fork's checksum file; None when nothing can be checked."""
    note: str


class _Run:
    """State shared by the asset pipelines of one gate run."""

    def __init__(self, release: Release, opts: GateOptions, settings: GitHubSettings,
                 progress: download.ProgressFactory | None) -> None:
        self.release = release
        self.opts = opts
        self.settings = settings
        self.progress = progress
        self.cache = ReleaseCache(opts.cache_dir or default_root())
        self.origin = "{}://{}:{}".format(*settings.origin())
        self._sums: dict[str, str] | None = None
        self._sums_error: str | None = None
        self._sums_lock = threading.Lock()

    def _checksum_list(self) -> dict[str, str] | None:
        """The fork's checksum file, fetched once per run; None when the release has none."""
        listed = next((a for a in self.release.assets if a.name == FORK_SHA256_ASSET), None)
        if listed is None:
            return None
        with self._sums_lock:
            if self._sums is None and self._sums_error is None:
                try:
                    self._sums = parse_checksum_list(download.fetch_small(listed, self.settings, self.opts.policy))
                except VerifierError as exc:
                    self._sums_error = exc.message
            if self._sums_error is not None:
                raise VerifierError(f"cannot read {FORK_SHA256_ASSET}: {self._sums_error}")
            return self._sums

    def expected(self, asset: ReleaseAsset) -> Expected:
        parsed = download.parse_digest(asset.digest)
        if parsed and parsed[0] == "sha256" and _HEX64.match(parsed[1]):
            return Expected(parsed[1], "github", "matches GitHub's asset digest")
        odd = f"GitHub's digest {asset.digest!r} is not a sha256 this tool can check; " if asset.digest else ""
        sums = self._checksum_list()
        if sums is not None:
            if asset.name in sums:
                return Expected(sums[asset.name], FORK_SHA256_ASSET, f"matches {FORK_SHA256_ASSET}")
            return Expected(None, None, f"{odd}not verified: {FORK_SHA256_ASSET} does not list this asset")
        return Expected(None, None, f"{odd}not verified: GitHub gives no digest for this asset and the release "
                                    f"has no {FORK_SHA256_ASSET}")

    def download(self, asset: ReleaseAsset, want: Expected, info: dict[str, object]) -> Path:
        """Download, check against ``want`` and unpack into the cache; returns the folder."""
        bar = self.progress(asset) if self.progress else None
        try:
            got = download.fetch(asset, self.cache.tmp, self.settings, self.opts.policy, progress=bar)
        finally:
            if bar is not None and hasattr(bar, "close"):
                bar.close()
        try:
            info["sha256"] = got.sha256
            if want.sha256 is not None and got.sha256 != want.sha256:
                info["digest_note"] = f"MISMATCH: expected {want.sha256} ({want.source}), downloaded {got.sha256}"
                raise VerifierError(f"{asset.name}: sha256 mismatch: expected {want.sha256} ({want.source}), "
                                    f"downloaded {got.sha256}; the download was deleted")
            work = self.cache.new_workdir(f"{asset.id}-")
            try:
                extract(got.path, work, limits=self.opts.limits)
                folder = self.cache.commit(work, got.sha256)
            except UnsafeArchive as exc:
                raise VerifierError(f"{asset.name}: refused to unpack: {exc.message}") from None
            finally:
                if work.exists():
                    shutil.rmtree(work, ignore_errors=True)
            return folder
        finally:
            got.path.unlink(missing_ok=True)

    def unpacked(self, asset: ReleaseAsset, info: dict[str, object]) -> Path:
        """The asset's unpacked folder, from the cache when an earlier run finished it.

        With GitHub's digest the cache folder is found by it; without, through the index an
        earlier run wrote, so the fork's checksum file is not fetched again either.
        """
        github = download.parse_digest(asset.digest)
        if github is None or github[0] != "sha256" or not _HEX64.match(github[1]):
            recalled = self.cache.recall(origin=self.origin, repo=self.release.repo, asset=asset)
            if recalled is not None:
                folder, record = recalled
                source = record.get("verified_by")
                note = str(record.get("note") or ("matches " + str(source) if source else "not verified"))
                info.update(cached=True, sha256=folder.name, digest_verified=source is not None,
                            digest_source=source, digest_note=note + (" (checked when downloaded; cached)"
                                                                      if source else " (cached)"))
                return folder
        want = self.expected(asset)
        folder = self.cache.lookup(want.sha256) if want.sha256 else None
        if folder is not None:
            info["cached"] = True
            info["sha256"] = folder.name
        else:
            folder = self.download(asset, want, info)
            if want.source != "github":  # no usable GitHub digest: remember where it went
                self.cache.remember(folder.name, origin=self.origin, repo=self.release.repo, asset=asset,
                                    verified_by=want.source, note=want.note)
        info["digest_note"] = want.note + (" (checked when downloaded; cached by digest)" if info["cached"] else "")
        if want.sha256 is not None:
            info.update(digest_verified=True, digest_source=want.source)
        return folder

    def one(self, choice: Choice) -> BinaryReport:
        asset = choice.asset
        info: dict[str, object] = {
            "name": asset.name, "repo": self.release.repo, "tag": self.release.tag,
            "requested_tag": self.release.requested or self.release.tag, "tag_because": self.release.because,
            "platform": choice.parsed.platform, "size": asset.size, "digest": asset.digest,
            "picked_because": choice.reason, "sha256": None, "digest_verified": False, "digest_source": None,
            "digest_note": "", "cached": False, "binary": None,
        }
        try:
            folder = self.unpacked(asset, info)
            binary = find_server(folder)
            if binary is None:
                raise VerifierError(f"{asset.name}: no llama-server or llama-server.exe inside the archive")
            info["binary"] = str(binary)
            report = verify_binary(binary, self.opts.check_ids, timeout=self.opts.timeout, wrapper=self.opts.wrapper,
                                   argv=self.opts.argv, accepts=self.opts.accepts)
        except (VerifierError, OSError) as exc:
            message = exc.message if isinstance(exc, VerifierError) else (
                f"{asset.name}: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""))
            if not info["digest_note"]:
                info["digest_note"] = "not checked: " + message
            return BinaryReport(Path(asset.name), error=message, extra={"asset": info})
        report.extra["asset"] = info
        return report


def run(release: Release, picked: list[Choice], opts: GateOptions, settings: GitHubSettings, *,
        progress: Callable[[ReleaseAsset], download.Progress | None] | None = None) -> Report:
    """Download, unpack and verify every picked asset, ``opts.jobs`` at a time; one report row each."""
    state = _Run(release, opts, settings, progress)
    try:
        rows = parallel_map(state.one, picked, workers=min(opts.jobs, len(picked) or 1))
    finally:
        state.cache.tidy()
    return Report(rows)
