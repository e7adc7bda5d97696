"""What ``pip install llama-server-verifier`` really installs: built from a copy of the checkout
with pip (isolated build, as a user's pip does), installed into a fresh venv."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.checkout import copy_checkout, fresh_venv

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    checkout = copy_checkout(tmp / "checkout")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "dist"), str(checkout)],
                   check=True, capture_output=True)
    (built,) = (tmp / "dist").glob("llama_server_verifier-*.whl")
    return built


def test_the_wheel_holds_every_module_under_project_specific_names(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {p.relative_to(ROOT).as_posix() for p in (ROOT / "verifier").rglob("*.py")}
    expected |= {"llama_server_verifier_ci/" + p.name for p in (ROOT / "ci").glob("*.py")}
    assert expected - names == set()  # a new subpackage missing from pyproject's list fails here
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"verifier", "llama_server_verifier_ci"}
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    requires = [line for line in text.splitlines() if line.startswith("Requires-Dist: gguf")]
    assert requires == ['Requires-Dist: gguf>=0.10; extra == "gguf"', 'Requires-Dist: gguf>=0.10; extra == "test"']


def test_installed_without_extras(wheel: Path, tmp_path: Path) -> None:
    python = fresh_venv(tmp_path / "venv")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True,
                   capture_output=True)
    # the CI helpers answer under their own name; no generic "ci" lands in site-packages
    done = subprocess.run([str(python), "-m", "llama_server_verifier_ci", "--help"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("usage: ")
    assert subprocess.run([str(python), "-c", "import ci"], capture_output=True, cwd=tmp_path).returncode == 1
    # GGUF reading without the gguf extra: one line naming the extra, no traceback
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF\x03\x00\x00\x00")
    script = python.with_name("llama-server-verifier" + python.suffix)
    done = subprocess.run([str(script), "resolve", "--binary", sys.executable,
                           "--model", str(model), "--cpu"], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("error: reading a GGUF model header needs the optional 'gguf' dependencies: "
                           "pip install 'llama-server-verifier[gguf]'\n")
