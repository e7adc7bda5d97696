"""Read a file given by a user or a pull request without trusting what it is.

A FIFO blocks ``open()`` until a writer appears, ``/dev/zero`` never ends, a huge file
fills memory. :func:`read_regular` opens without blocking, refuses anything that is not a
regular file and reads at most a bound.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class FileRefused(ValueError):
    """Not a regular file, or larger than allowed; the message says which."""


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``; raises :class:`FileRefused`, or ``OSError`` when it cannot be read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileRefused("not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise FileRefused(f"larger than {max_bytes} bytes")
    return data
