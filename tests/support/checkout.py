"""A copy of this checkout (tracked files only) and fresh venvs: what a newcomer starts from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def copy_checkout(dest: Path) -> Path:
    """``dest`` with every tracked file of the checkout, as a fresh clone would have them."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(source.read_bytes())
    return dest


def fresh_venv(where: Path) -> Path:
    """A new venv (with pip); returns its python."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    return where / "Scripts" / "python.exe" if sys.platform == "win32" else where / "bin" / "python"
