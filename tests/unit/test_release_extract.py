"""Safe extraction: malicious archives built in the test are refused; good ones unpack whole."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.support.archives import Member, write_lying_tar_gz, write_tar_gz, write_zip
from verifier.release.extract import Limits, UnsafeArchive, extract, find_server, safe_name

WRITERS = {"tar.gz": write_tar_gz, "zip": write_zip}


def unpack(tmp_path: Path, fmt: str, members: list[Member], limits: Limits = Limits()) -> Path:
    archive = WRITERS[fmt](tmp_path / f"a.{fmt}", members)
    dest = tmp_path / "out" / "dest"
    dest.mkdir(parents=True)
    extract(archive, dest, limits=limits)
    return dest


def refused(tmp_path: Path, fmt: str, members: list[Member], match: str, limits: Limits = Limits()) -> None:
    with pytest.raises(UnsafeArchive, match=match):
        unpack(tmp_path, fmt, members, limits)
    # nothing escaped next to the target folder
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dest"]


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_path_traversal(tmp_path: Path, fmt: str) -> None:
    refused(tmp_path, fmt, [Member("ok.txt", b"x"), Member("../evil.txt", b"pwned")], r"climbs out .*'\.\.'")
    assert not (tmp_path / "out" / "evil.txt").exists()


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
@pytest.mark.parametrize("name", ["/tmp/evil.txt", "C:/evil.txt", "\\\\server\\share\\evil.txt"])
def test_absolute_paths(tmp_path: Path, fmt: str, name: str) -> None:
    refused(tmp_path, fmt, [Member(name, b"x")], "absolute path")


def test_backslash_traversal_in_a_zip(tmp_path: Path) -> None:
    refused(tmp_path, "zip", [Member("a\\..\\..\\evil.txt", b"x")], "climbs out")


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
@pytest.mark.parametrize("target", ["../../etc/passwd", "/etc/passwd", "a/../../../x"])
def test_symlink_pointing_outside(tmp_path: Path, fmt: str, target: str) -> None:
    refused(tmp_path, fmt, [Member("sub", kind="dir", mode=0o755), Member("sub/link", kind="symlink", target=target)],
            "points (outside|to the absolute)")


def test_symlink_then_file_written_through_it(tmp_path: Path) -> None:
    """The classic two-step escape: a link to '.', then a member under the link."""
    refused(tmp_path, "tar.gz", [Member("here", kind="symlink", target="."), Member("here/x.txt", b"x")],
            "written through the link|resolves outside|loop")  # loop: Windows, where the link became a copy


def test_symlink_chain_escape(tmp_path: Path) -> None:
    """Each link looks inside on its own; resolved through the first one, the second leaves.

    Where links cannot be created (Windows without the privilege) they become copies, and a
    link to its own ancestor folder is refused as a loop instead.
    """
    refused(tmp_path, "tar.gz", [Member("sub", kind="dir", mode=0o755), Member("sub/up", kind="symlink", target=".."),
                                 Member("esc", kind="symlink", target="sub/up/..")], "resolves outside|loop")


@pytest.mark.parametrize("target", ["../outside.txt", "/etc/passwd", "not-yet-there.txt"])
def test_hardlink_escape(tmp_path: Path, target: str) -> None:
    refused(tmp_path, "tar.gz", [Member("link", kind="hardlink", target=target)],
            "absolute path|climbs out|not a file unpacked before it")


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
@pytest.mark.parametrize("kind", ["chr", "blk"])
def test_device_files(tmp_path: Path, fmt: str, kind: str) -> None:
    refused(tmp_path, fmt, [Member("dev", kind=kind, mode=0o600)], "device file")


def test_fifo(tmp_path: Path) -> None:
    refused(tmp_path, "tar.gz", [Member("pipe", kind="fifo", mode=0o600)], "FIFO")


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_oversized_bomb(tmp_path: Path, fmt: str) -> None:
    """2 MiB of zeros compresses to a few KiB; the cap stops it while unpacking."""
    refused(tmp_path, fmt, [Member("bomb.bin", bytes(2 << 20))], "unpacks to more than 1048576 bytes",
            Limits(max_total_bytes=1 << 20))
    assert (tmp_path / f"a.{fmt}").stat().st_size < 100_000


def test_lying_header_is_refused_before_reading(tmp_path: Path) -> None:
    archive = write_lying_tar_gz(tmp_path / "lie.tar.gz", "llama-server", 50 << 30)
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsafeArchive, match="unpacks to more than"):
        extract(archive, dest)
    assert list(dest.iterdir()) == []


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_too_many_members(tmp_path: Path, fmt: str) -> None:
    refused(tmp_path, fmt, [Member(f"f{i}", b"") for i in range(11)], "more than 10 members", Limits(max_members=10))


def test_damaged_archive(tmp_path: Path) -> None:
    good = write_tar_gz(tmp_path / "a.tar.gz", [Member("f", os.urandom(100_000))])
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[:5000])
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(UnsafeArchive, match="damaged or unsupported archive"):
        extract(cut, dest)


def test_zip_restores_executable_bits_and_drops_setuid(tmp_path: Path) -> None:
    dest = unpack(tmp_path, "zip", [Member("build/bin/llama-server", b"#!", 0o4755), Member("build/bin/lib.so", b"x")])
    server = dest / "build" / "bin" / "llama-server"
    assert server.read_bytes() == b"#!"
    if os.name != "nt":  # Windows has no executable bit: nothing to restore there
        assert stat.S_IMODE(server.stat().st_mode) == 0o755
        assert stat.S_IMODE((dest / "build" / "bin" / "lib.so").stat().st_mode) == 0o644


def test_zip_without_unix_attributes_unpacks(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "win.zip", [Member("llama-server.exe", b"MZ"), Member("ggml.dll", b"x")], unix=False)
    dest = tmp_path / "dest"
    dest.mkdir()
    extract(archive, dest)
    assert (dest / "llama-server.exe").read_bytes() == b"MZ"


def test_good_tarball_with_links_inside_unpacks_whole(tmp_path: Path) -> None:
    dest = unpack(tmp_path, "tar.gz", [
        Member("llama-b1", kind="dir", mode=0o755),
        Member("llama-b1/llama-server", b"server", 0o755),
        Member("llama-b1/libllama.so.0.0.1", b"lib"),
        Member("llama-b1/libllama.so.0", kind="symlink", target="libllama.so.0.0.1"),
        Member("llama-b1/libllama.so", kind="hardlink", target="llama-b1/libllama.so.0.0.1"),
    ])
    top = dest / "llama-b1"
    assert (top / "libllama.so.0").read_bytes() == b"lib"  # a link, or a copy where links need privileges
    assert (top / "libllama.so").read_bytes() == b"lib"
    assert find_server(dest) == top / "llama-server"
    if os.name != "nt":
        assert stat.S_IMODE((top / "llama-server").stat().st_mode) == 0o755


def test_a_later_duplicate_replaces_the_earlier_member(tmp_path: Path) -> None:
    dest = unpack(tmp_path, "tar.gz", [Member("a.txt", b"one"), Member("a.txt", b"two")])
    assert (dest / "a.txt").read_bytes() == b"two"


def test_find_server_prefers_the_shallowest(tmp_path: Path) -> None:
    (tmp_path / "x" / "y").mkdir(parents=True)
    (tmp_path / "x" / "y" / "llama-server").write_bytes(b"")
    (tmp_path / "x" / "llama-server.exe").write_bytes(b"")
    assert find_server(tmp_path) == tmp_path / "x" / "llama-server.exe"
    assert find_server(tmp_path / "x" / "y" / "nothing") is None


@pytest.mark.parametrize("raw, rel", [("./a/./b", "a/b"), ("a//b/", "a/b"), ("./", ""), ("a\\b", "a/b")])
def test_safe_name_normalises(raw: str, rel: str) -> None:
    assert safe_name(raw) == rel
