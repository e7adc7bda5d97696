"""Unpack a release archive (tar.gz or zip) without trusting it.

An archive is attacker-controlled input: a member may name an absolute path or climb out
with ``..``, a link may point outside, a device node may hide in it, and a small download
may unpack to gigabytes. Every member is checked before anything is written, files are
written by this module (never ``extractall``), nothing is ever written through a link, and
totals are capped. The caller unpacks into a fresh temporary folder and renames it into
place only on success (see :mod:`verifier.release.cache`), so a refusal leaves nothing.
Executable bits are restored from zips' ``external_attr`` (Python's zipfile drops them).
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from verifier.errors import VerifierError

SERVER_NAMES = ("llama-server", "llama-server.exe")
CHUNK = 1 << 20
TAR_READ = 16 << 10
"""Compressed bytes tarfile inflates per step, with no output limit: a bomb's step stays near 16 MiB."""
MAX_LINK_TARGET = 4096
MAX_DEPTH = 64
"""Folders a member may be nested in (upstream archives use 2). A 1100-deep tree would exhaust
recursion in the walk and the clean-up; it is refused on its first too-deep member."""
MAX_NAME = 4096


@dataclass(frozen=True)
class Limits:
    max_members: int = 20_000
    max_total_bytes: int = 4 << 30
    """The largest upstream archives (CUDA builds) unpack to well under a gigabyte."""


class UnsafeArchive(VerifierError):
    """The archive was refused; the message names the member and the reason."""


_DRIVE = re.compile(r"^[A-Za-z]:")


def safe_name(raw: str) -> str:
    """The member's path relative to the target (``a/b``); '' for the root; raises if unsafe."""
    name = raw.replace("\\", "/")
    if "\x00" in name:
        raise UnsafeArchive(f"member {raw!r} has a NUL byte in its name")
    if name.startswith("/") or _DRIVE.match(name):
        raise UnsafeArchive(f"member {raw!r} has an absolute path")
    if len(name) > MAX_NAME:
        raise UnsafeArchive(f"member name longer than {MAX_NAME} characters ({name[:60]!r}...)")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if len(parts) > MAX_DEPTH:
        raise UnsafeArchive(f"member {name[:60]!r}... is nested {len(parts)} folders deep (at most {MAX_DEPTH})")
    if ".." in parts:
        raise UnsafeArchive(f"member {raw!r} climbs out of the target with '..'")
    if os.name == "nt" and any(":" in p for p in parts):
        raise UnsafeArchive(f"member {raw!r} has ':' in its name (an alternate data stream on Windows)")
    return "/".join(parts)


def _mode(bits: int) -> int:
    """Keep read and execute bits, drop setuid/setgid/sticky and group/other write."""
    bits &= 0o777
    return (bits & 0o755) | 0o600 if bits else 0o644


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class _Writer:
    """Writes checked members under ``root`` and keeps the running totals."""

    def __init__(self, root: Path, limits: Limits) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.limits = limits
        self.members = 0
        self.total = 0
        self.files: set[str] = set()
        self.links: list[str] = []
        self.deferred: list[tuple[str, str]] = []

    def count(self, raw: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise UnsafeArchive(f"more than {self.limits.max_members} members (at {raw!r})")

    def _reserve(self, raw: str, size: int) -> None:
        if self.total + size > self.limits.max_total_bytes:
            raise UnsafeArchive(f"unpacks to more than {self.limits.max_total_bytes} bytes (at {raw!r})")

    def _prepare(self, rel: str, raw: str) -> Path:
        """The member's path, parents created, never through a link, nothing left in the way."""
        parts = rel.split("/")
        current = self.root
        for part in parts[:-1]:
            current = current / part
            if current.is_symlink():
                raise UnsafeArchive(f"member {raw!r} would be written through the link {part!r}")
            if not current.exists():
                current.mkdir()
            elif not current.is_dir():
                raise UnsafeArchive(f"member {raw!r} needs {part!r} to be a folder, but it is a file")
        target = current / parts[-1]
        if target.is_symlink() or target.is_file():
            target.unlink()  # a later duplicate replaces an earlier member, as tar does
            self.files.discard(rel)
        elif target.exists():
            raise UnsafeArchive(f"member {raw!r} would replace a folder")
        return target

    def directory(self, rel: str, raw: str) -> None:
        if not rel:
            return
        target = self.root / rel
        if target.is_dir() and not target.is_symlink():
            return
        self._prepare(rel, raw).mkdir()

    def file(self, rel: str, raw: str, stream: BinaryIO, size: int, mode: int) -> None:
        if not rel:
            raise UnsafeArchive(f"member {raw!r} is a file with an empty name")
        self._reserve(raw, size)
        target = self._prepare(rel, raw)
        with open(target, "xb") as out:  # exclusive: never follows a link planted at this name
            while chunk := stream.read(CHUNK):
                self.total += len(chunk)
                if self.total > self.limits.max_total_bytes:
                    raise UnsafeArchive(f"unpacks to more than {self.limits.max_total_bytes} bytes (at {raw!r})")
                out.write(chunk)
        os.chmod(target, _mode(mode))
        self.files.add(rel)

    def symlink(self, rel: str, raw: str, link_target: str) -> None:
        text = link_target.replace("\\", "/")
        if not text or "\x00" in text or text.startswith("/") or _DRIVE.match(text):
            raise UnsafeArchive(f"link {raw!r} points to the absolute path {link_target!r}")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), text))
        if resolved == ".." or resolved.startswith("../"):
            raise UnsafeArchive(f"link {raw!r} points outside the target ({link_target!r})")
        target = self._prepare(rel, raw)
        try:
            os.symlink(text, target, target_is_directory=(self.root / resolved).is_dir())
        except (OSError, NotImplementedError):
            self.deferred.append((rel, resolved))  # no symlink privilege (Windows): copy at the end
            return
        self._check_link(rel, raw)
        self.links.append(rel)

    def _check_link(self, rel: str, raw: str) -> None:
        if not _within(os.path.realpath(self.root / rel), self.real_root):
            raise UnsafeArchive(f"link {raw!r} resolves outside the target")

    def hardlink(self, rel: str, raw: str, link_target: str) -> None:
        source_rel = safe_name(link_target)
        source = self.root / source_rel
        if source_rel == rel:
            raise UnsafeArchive(f"hard link {raw!r} points to itself")
        if source_rel not in self.files or source.is_symlink():
            raise UnsafeArchive(f"hard link {raw!r} points to {link_target!r}, not a file unpacked before it")
        size = source.stat().st_size
        self._reserve(raw, size)
        target = self._prepare(rel, raw)
        shutil.copyfile(source, target)
        shutil.copymode(source, target)
        self.total += size
        self.files.add(rel)

    def finish(self) -> None:
        """Copy the links the OS would not create, then re-check every link against the final tree."""
        for rel, resolved in self.deferred:
            source, target = self.root / resolved, self.root / rel
            if not _within(os.path.realpath(source), self.real_root):
                raise UnsafeArchive(f"link {rel!r} resolves outside the target")
            if source.is_file():
                shutil.copy2(source, target)
            elif source.is_dir():
                if _within(os.path.realpath(target), os.path.realpath(source)):
                    raise UnsafeArchive(f"link {rel!r} points to a folder that holds it (a loop)")
                shutil.copytree(source, target, symlinks=True)
        for rel in self.links:
            self._check_link(rel, rel)


_READ_ERRORS = (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
                OSError, ValueError, OverflowError, struct.error)
"""What a damaged archive makes tarfile and zipfile raise (a bad offset is an OSError from seek)."""


def _damaged(exc: BaseException) -> UnsafeArchive:
    return UnsafeArchive(f"damaged or unsupported archive ({type(exc).__name__}: {exc})")


@contextmanager
def _reading() -> Iterator[None]:
    """Errors while reading the archive mean a damaged archive; errors writing the target do not."""
    try:
        yield
    except UnsafeArchive:
        raise
    except UnicodeDecodeError:
        raise UnsafeArchive("an archive member name is not valid text") from None
    except _READ_ERRORS as exc:
        raise _damaged(exc) from None


class _Guarded:
    """A member's data stream whose read failures become :class:`UnsafeArchive`."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream

    def read(self, n: int = -1) -> bytes:
        with _reading():
            return self.stream.read(n)


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    iterator = iter(tar)
    while True:
        with _reading():
            member = next(iterator, None)
        if member is None:
            return
        yield member


def _extract_tar(archive: Path, writer: _Writer) -> None:
    with _reading():
        tar = tarfile.open(archive, mode="r|*", bufsize=TAR_READ)  # streaming: one pass, bounded memory
    with tar:
        for member in _members(tar):
            raw = member.name
            writer.count(raw)
            rel = safe_name(raw)
            if member.isdir():
                writer.directory(rel, raw)
            elif member.issym():
                writer.symlink(rel, raw, member.linkname)
            elif member.islnk():
                writer.hardlink(rel, raw, member.linkname)
            elif member.ischr() or member.isblk():
                raise UnsafeArchive(f"member {raw!r} is a device file")
            elif member.isfifo():
                raise UnsafeArchive(f"member {raw!r} is a FIFO")
            elif member.isreg():
                with _reading():
                    stream = tar.extractfile(member)
                if stream is None:  # pragma: no cover - isreg members always have data
                    raise UnsafeArchive(f"member {raw!r} has no data")
                writer.file(rel, raw, _Guarded(stream), member.size, member.mode)  # type: ignore[arg-type]
            else:
                raise UnsafeArchive(f"member {raw!r} has an unsupported type")


def _extract_zip(archive: Path, writer: _Writer) -> None:
    with _reading():
        zf = zipfile.ZipFile(archive)
    with zf:
        infos = zf.infolist()
        if len(infos) > writer.limits.max_members:
            raise UnsafeArchive(f"more than {writer.limits.max_members} members ({len(infos)})")
        declared = sum(i.file_size for i in infos)
        if declared > writer.limits.max_total_bytes:
            raise UnsafeArchive(f"unpacks to more than {writer.limits.max_total_bytes} bytes ({declared} declared)")
        for info in infos:
            raw = info.filename
            writer.count(raw)
            rel = safe_name(raw)
            mode = info.external_attr >> 16 if info.create_system == 3 else 0
            kind = stat.S_IFMT(mode)
            if raw.endswith("/") or kind == stat.S_IFDIR:  # not info.is_dir(): it fails on an empty name
                writer.directory(rel, raw)
            elif kind == stat.S_IFLNK:
                if info.file_size > MAX_LINK_TARGET:
                    raise UnsafeArchive(f"link {raw!r} has a {info.file_size}-byte target")
                with _reading():
                    target = zf.read(info).decode("utf-8", "replace")
                writer.symlink(rel, raw, target)
            elif kind in (0, stat.S_IFREG):
                with _reading():
                    stream = zf.open(info)
                with stream:
                    writer.file(rel, raw, _Guarded(stream), info.file_size, mode)  # type: ignore[arg-type]
            elif kind in (stat.S_IFCHR, stat.S_IFBLK):
                raise UnsafeArchive(f"member {raw!r} is a device file")
            else:
                raise UnsafeArchive(f"member {raw!r} has an unsupported type ({oct(kind)})")


def archive_kind(path: Path) -> str:
    """``zip`` or ``tar`` from the first bytes (names can lie; magic numbers rarely do)."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    return "tar"


def extract(archive: Path, dest: Path, *, limits: Limits = Limits()) -> None:
    """Unpack ``archive`` into ``dest`` (an empty folder). Raises :class:`UnsafeArchive`.

    On failure ``dest`` may hold part of the archive: the caller removes it. An error
    writing the target (a full disk) stays an ``OSError``.
    """
    writer = _Writer(dest, limits)
    if archive_kind(archive) == "zip":
        _extract_zip(archive, writer)
    else:
        _extract_tar(archive, writer)
    writer.finish()


def find_server(root: Path) -> Path | None:
    """The shallowest ``llama-server`` / ``llama-server.exe`` under ``root`` (layouts differ by era)."""
    found: list[tuple[int, str, Path]] = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name in SERVER_NAMES:
                path = Path(dirpath) / name
                rel = path.relative_to(root)
                found.append((len(rel.parts), str(rel), path))
    return min(found)[2] if found else None
