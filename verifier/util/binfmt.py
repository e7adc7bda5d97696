"""Name the CPU architecture of an executable from its header (ELF, Mach-O, PE).

Used to turn "Exec format error" into "built for aarch64, this host is x86_64".
"""

from __future__ import annotations

import platform
import struct
from pathlib import Path

_ELF_MACHINES = {3: "x86", 8: "mips", 20: "ppc", 21: "ppc64", 22: "s390x", 40: "arm",
                 62: "x86_64", 183: "aarch64", 243: "riscv64", 258: "loongarch64"}
_MACHO_CPUS = {7: "x86", 0x01000007: "x86_64", 12: "arm", 0x0100000C: "arm64"}
_PE_MACHINES = {0x14C: "x86", 0x8664: "x86_64", 0xAA64: "arm64", 0x1C4: "arm"}

_ALIASES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "i386": "x86", "i686": "x86"}


def normalize_arch(name: str) -> str:
    name = name.lower()
    return _ALIASES.get(name, name)


def host_arch() -> str:
    return normalize_arch(platform.machine() or "unknown")


def executable_format(path: str | Path) -> tuple[str, str] | None:
    """(format, architecture) of ``path``, or None when the header is not recognised."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if head[:4] == b"\x7fELF" and len(head) >= 20:
        order = "<" if head[5] == 1 else ">"
        (machine,) = struct.unpack_from(order + "H", head, 18)
        return "ELF", _ELF_MACHINES.get(machine, f"machine {machine}")
    if head[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe") and len(head) >= 8:
        (cpu,) = struct.unpack_from("<I", head, 4)
        return "Mach-O", normalize_arch(_MACHO_CPUS.get(cpu, f"cpu {cpu:#x}"))
    if head[:4] == b"\xca\xfe\xba\xbe":
        return "Mach-O", "universal"
    if head[:2] == b"MZ" and len(head) >= 64:
        (offset,) = struct.unpack_from("<I", head, 60)
        if offset + 6 <= len(head) and head[offset : offset + 4] == b"PE\0\0":
            (machine,) = struct.unpack_from("<H", head, offset + 4)
            return "PE", normalize_arch(_PE_MACHINES.get(machine, f"machine {machine:#x}"))
        return "PE", "unknown"
    return None
