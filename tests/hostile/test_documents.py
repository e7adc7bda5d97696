"""Class 5: hostile documents (a YAML alias bomb, deep nesting, a 1100-deep folder tree) are refused quickly.

"Quickly" is shown by construction, not by a clock: the YAML is refused after a fixed node
budget (the bomb names about 387 million nodes), the archive on its first too-deep member.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.hostile.support import clean_env, run_module
from tests.support.archives import Member, write_tar_gz
from verifier.release.extract import MAX_DEPTH, UnsafeArchive, extract

ALIAS_BOMB = "\n".join(
    [f'{chr(97 + i)}: &{chr(97 + i)} [' + ",".join([f"*{chr(96 + i)}"] * 9) + "]" if i else 'a: &a ["x","x","x","x","x","x","x","x","x"]'
     for i in range(9)] + ["jobs: {}", ""])


def one_line_exit_2(done) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_the_alias_bomb_is_small_and_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yml"
    bomb.write_text(ALIAS_BOMB, encoding="utf-8")
    assert bomb.stat().st_size < 512
    assert "alias bomb" in one_line_exit_2(run_module("ci", "lint-workflows", str(bomb)))


@pytest.mark.parametrize("text", ["[" * 100_000, "a:\n" + "".join(f"{' ' * i}b{i}:\n" for i in range(1, 3000)),
                                  "&a [*a]", "a: !!python/object:os.system ls\njobs: {}\n"])
def test_deep_or_odd_yaml_is_one_line(tmp_path: Path, text: str) -> None:
    doc = tmp_path / "deep.yml"
    doc.write_text(text, encoding="utf-8")
    one_line_exit_2(run_module("ci", "lint-workflows", str(doc)))


def deep_tree(path: Path, depth: int) -> Path:
    name = "/".join(["d"] * depth)
    return write_tar_gz(path, [Member("llama-b1/llama-server", b"#!/bin/sh\n", 0o755), Member(f"{name}/x", b"x")])


def test_a_1100_deep_tree_is_refused_before_anything_deep_is_written(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(UnsafeArchive, match="1101 folders deep"):
        extract(deep_tree(tmp_path / "deep.tar.gz", 1100), target)
    deepest = max((len(p.relative_to(target).parts) for p in target.rglob("*")), default=0)
    assert deepest <= 2


def test_the_depth_limit_leaves_real_layouts_alone(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    extract(deep_tree(tmp_path / "ok.tar.gz", MAX_DEPTH - 1), target)
    assert (target / "llama-b1" / "llama-server").is_file()


def test_a_deep_release_archive_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    from tests.support.github_releases import FakeGitHub, host_platform

    name = f"llama-b1-bin-{host_platform()[0]}.{'zip' if sys.platform == 'win32' else 'tar.gz'}"
    archive = deep_tree(tmp_path / "deep.tar.gz", 1100)
    cache = tmp_path / "cache"
    with FakeGitHub() as gh:
        gh.add_release("b1", {name: archive})
        done = run_module("verifier", "--release", "b1", "--cache", str(cache), env=clean_env(**gh.env()))
    assert "refused to unpack" in one_line_exit_2(done)
    left = [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []
    assert left == []
