"""Build release archives for tests: well-formed ones in each era's layout, and malicious ones.

Members are described as data (:class:`Member`) and written with tarfile/zipfile directly,
so a test can put anything in an archive: ``../`` names, absolute paths, links pointing
out, device nodes, sizes that lie.
"""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Member:
    name: str
    data: bytes = b""
    mode: int = 0o644
    kind: str = "file"
    """``file``, ``dir``, ``symlink``, ``hardlink``, ``chr``, ``blk`` or ``fifo``."""
    target: str = ""
    """Link target for ``symlink`` and ``hardlink``."""


_TAR_TYPES = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
              "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE, "blk": tarfile.BLKTYPE, "fifo": tarfile.FIFOTYPE}
_ZIP_TYPES = {"file": stat.S_IFREG, "dir": stat.S_IFDIR, "symlink": stat.S_IFLNK, "chr": stat.S_IFCHR,
              "blk": stat.S_IFBLK, "fifo": stat.S_IFIFO}


def write_tar_gz(path: Path, members: list[Member], *, compresslevel: int = 6) -> Path:
    with tarfile.open(path, "w:gz", compresslevel=compresslevel, format=tarfile.PAX_FORMAT) as tar:
        for m in members:
            info = tarfile.TarInfo(m.name)
            info.type = _TAR_TYPES[m.kind]
            info.mode = m.mode
            info.mtime = 1_700_000_000
            if m.kind in ("symlink", "hardlink"):
                info.linkname = m.target
            if m.kind == "file":
                info.size = len(m.data)
                tar.addfile(info, io.BytesIO(m.data))
            else:
                tar.addfile(info)
    return path


def write_zip(path: Path, members: list[Member], *, unix: bool = True) -> Path:
    """A zip; with ``unix`` the Unix mode (and file type) goes into ``external_attr`` as Info-ZIP does."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for m in members:
            name = m.name + ("/" if m.kind == "dir" and not m.name.endswith("/") else "")
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if unix:
                info.create_system = 3
                info.external_attr = (_ZIP_TYPES[m.kind] | m.mode) << 16
                if m.kind == "dir":
                    info.external_attr |= 0x10
            else:
                info.create_system = 0
            zf.writestr(info, m.target.encode() if m.kind == "symlink" else m.data)
    return path


def write_lying_tar_gz(path: Path, name: str, claimed_size: int, actual: bytes = b"x" * 512) -> Path:
    """A tar.gz whose header claims ``claimed_size`` bytes but carries only ``actual``."""
    info = tarfile.TarInfo(name)
    info.size = claimed_size
    info.mode = 0o755
    header = info.tobuf(format=tarfile.PAX_FORMAT)
    with gzip.open(path, "wb") as f:
        f.write(header + actual)
    return path


def server_archive(path: Path, server: bytes, *, layout: str, tag: str = "b100", exe: bool = False,
                   extra: dict[str, bytes] | None = None) -> Path:
    """A release archive holding ``server`` as llama-server in one of the real layouts.

    ``top`` (tar.gz, ``llama-<tag>/llama-server``, today's Linux/macOS), ``build-bin`` (zip,
    ``build/bin/llama-server``, Linux/macOS before b7486) or ``flat`` (zip, Windows).
    """
    name = "llama-server.exe" if exe else "llama-server"
    extra = extra or {}
    if layout == "top":
        members = [Member(f"llama-{tag}", kind="dir", mode=0o755), Member(f"llama-{tag}/{name}", server, 0o755)]
        members += [Member(f"llama-{tag}/{k}", v, 0o644) for k, v in extra.items()]
        return write_tar_gz(path, members)
    if layout == "build-bin":
        members = [Member("build", kind="dir", mode=0o755), Member("build/bin", kind="dir", mode=0o755),
                   Member(f"build/bin/{name}", server, 0o755)]
        members += [Member(f"build/bin/{k}", v, 0o644) for k, v in extra.items()]
        return write_zip(path, members)
    if layout == "flat":
        return write_zip(path, [Member(name, server, 0o755)] + [Member(k, v) for k, v in extra.items()])
    raise ValueError(layout)
