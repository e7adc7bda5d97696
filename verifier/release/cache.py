"""The release cache: unpacked archives in folders named by their sha256, written atomically.

Layout under the cache root (``$LLAMA_SERVER_VERIFIER_CACHE/releases`` or
``~/.cache/llama-server-verifier/releases``)::

    tmp/                 downloads and unpacking in progress (same filesystem: rename is atomic)
    sha256/<hex>/        one unpacked archive; exists only once complete
    index/<key>.json     for assets GitHub gives no digest: which sha256 folder they unpacked to

A folder appears by one rename of a finished temporary folder, so a crash or a refused
archive leaves nothing half-written, and a second run of the same tag downloads nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from verifier.release.assets import ReleaseAsset


def default_root() -> Path:
    env = os.environ.get("LLAMA_SERVER_VERIFIER_CACHE")
    base = Path(env) if env else Path.home() / ".cache" / "llama-server-verifier"
    return base / "releases"


class ReleaseCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def tmp(self) -> Path:
        path = self.root / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def folder(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256

    def _index_file(self, origin: str, repo: str, asset: ReleaseAsset) -> Path:
        key = f"{origin}|{repo}|{asset.id}|{asset.name}|{asset.size}|{asset.updated_at}"
        return self.root / "index" / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")

    def lookup(self, sha256: str) -> Path | None:
        """The unpacked folder for this digest if a previous run finished it."""
        folder = self.folder(sha256)
        return folder if folder.is_dir() else None

    def recall(self, *, origin: str, repo: str, asset: ReleaseAsset) -> tuple[Path, dict[str, object]] | None:
        """For an asset GitHub gives no digest: its folder and what checked it, from an earlier run."""
        try:
            record = json.loads(self._index_file(origin, repo, asset).read_text(encoding="utf-8"))
            folder = self.lookup(str(record["sha256"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return (folder, record) if folder is not None and isinstance(record, dict) else None

    def remember(self, sha256: str, *, origin: str, repo: str, asset: ReleaseAsset,
                 verified_by: str | None, note: str = "") -> None:
        """Record which folder a digest-less asset unpacked to and what checked it (written atomically)."""
        target = self._index_file(origin, repo, asset)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.tmp, suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"sha256": sha256, "asset": asset.name, "verified_by": verified_by, "note": note}, f)
        os.replace(tmp, target)

    def new_workdir(self, prefix: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.tmp))

    def commit(self, workdir: Path, sha256: str) -> Path:
        """Rename a finished folder into place; if another run got there first, keep theirs."""
        target = self.folder(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(workdir, target)
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(workdir, ignore_errors=True)
        return target

    def tidy(self) -> None:
        """Remove ``tmp`` when empty, so a failed run leaves no trace at all."""
        try:
            (self.root / "tmp").rmdir()
        except OSError:
            pass
