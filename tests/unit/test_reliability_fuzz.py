"""Hostile and random input: the parser, capability derivation and archive extraction never crash
and never write outside their folder (hypothesis; thousands of examples per run)."""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
import warnings
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import help_fixture
from verifier import Capabilities
from verifier.capabilities import Version
from verifier.checks import CHECKS, run_checks
from verifier.drift import diff
from verifier.release.extract import UnsafeArchive, extract

REAL = help_fixture("real-b11434")
REAL_LINES = REAL.splitlines()
REAL_CAPS = Capabilities.from_help(REAL)


def exercise(caps: Capabilities) -> None:
    """Every derived key, every check, a drift in both directions and the JSON summary."""
    caps.summary()
    caps.arguments, caps.removed
    run_checks(caps, CHECKS)
    diff(REAL_CAPS, caps)
    diff(caps, REAL_CAPS)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(st.text(), st.binary()))
def test_arbitrary_text_or_bytes_never_raise(data: str | bytes) -> None:
    exercise(Capabilities.from_help(data))
    Version.parse(data.decode("utf-8", "replace") if isinstance(data, bytes) else data)


HELPISH = st.sampled_from(["-", "--", "--spec-type", " ", "  ", " " * 40, ",", ", ", "[", "]", "|", "{", "}", "(",
                           ")", "(default: ", "(env: ", "the argument has been removed.", "\n", "\r", "\t", "N",
                           "-----", "draft-mtp", "mtp", "none,mtp", "[none|mtp]", "\x00", "\udcff", "é"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(HELPISH, max_size=60).map("".join))
def test_help_shaped_noise_never_raises(text: str) -> None:
    exercise(Capabilities.from_help(text))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_real_help_never_raises(data: st.DataObject) -> None:
    lines = list(REAL_LINES)
    for _ in range(data.draw(st.integers(1, 20))):
        i = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["drop", "cut", "dup", "indent", "noise"]))
        if action == "drop":
            del lines[i]
        elif action == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "indent":
            lines[i] = " " * data.draw(st.integers(1, 45)) + lines[i]
        else:
            lines[i] = data.draw(st.text(max_size=80))
    raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    exercise(Capabilities.from_help(raw))


def test_invalid_utf8_in_real_help_keeps_the_rest() -> None:
    broken = REAL.encode().replace(b"speculative decoding", b"speculative \xff\xfe decoding")
    caps = Capabilities.from_help(broken)
    assert caps.mtp_token == "draft-mtp" and caps.ngram_mod_flavor == "new"


# -- archives ----------------------------------------------------------------------------------------

NAMES = st.sampled_from(["llama-server", "lib/libllama.so", "a/b/c.txt", "../escape", "../../etc/x", "/abs/path",
                         "a/../../up", "C:/win", "a\\..\\..\\win", "./dot", "a//b", "", ".", "dir/", "..",
                         "deep/" * 30 + "f"])
LINK_TARGETS = st.sampled_from(["llama-server", "../outside", "/etc/passwd", "lib/libllama.so", "a/../../x", "."])


@st.composite
def members(draw: st.DrawFn) -> list[tuple[str, str, str]]:
    kinds = st.sampled_from(["file", "file", "dir", "symlink", "hardlink", "fifo"])
    return draw(st.lists(st.tuples(kinds, NAMES, LINK_TARGETS), min_size=1, max_size=8))


def build_tar(entries: list[tuple[str, str, str]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for kind, name, target in entries:
            info = tarfile.TarInfo(name or "x")
            if kind == "file":
                info.size = 5
                tar.addfile(info, io.BytesIO(b"hello"))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
                         "fifo": tarfile.FIFOTYPE}[kind]
            info.linkname = target
            tar.addfile(info)
    return buf.getvalue()


def build_zip(entries: list[tuple[str, str, str]]) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w") as zf:
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are part of the attack
        for kind, name, target in entries:
            info = zipfile.ZipInfo(name or "x")
            if kind == "symlink":
                info.external_attr = (0o120777 << 16)
                zf.writestr(info, target)
            else:
                info.external_attr = (0o100755 << 16)
                zf.writestr(info, b"hello")
    return buf.getvalue()


def assert_contained(sandbox: Path, dest: Path) -> None:
    outside = [p for p in sandbox.rglob("*") if dest not in p.parents and p != dest and p.name != "archive"]
    assert outside == [], outside
    real_dest = os.path.realpath(dest)
    for path in dest.rglob("*"):
        if path.is_symlink():
            resolved = os.path.realpath(path)
            assert resolved == real_dest or resolved.startswith(real_dest + os.sep), (path, resolved)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(members(), st.sampled_from(["tar", "zip"]), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)),
                                                             max_size=6))
def test_hostile_and_fuzzed_archives_stay_inside_their_folder(entries, kind, flips) -> None:
    data = bytearray(build_tar(entries) if kind == "tar" else build_zip(entries))
    for offset, value in flips:  # random corruption on top of hostile structure
        data[offset % len(data)] = value
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = Path(tmp)
        archive = sandbox / "archive"
        archive.write_bytes(bytes(data))
        dest = sandbox / "out"
        dest.mkdir()
        try:
            extract(archive, dest)
        except UnsafeArchive:
            pass
        assert_contained(sandbox, dest)


def test_tar_hard_link_to_itself_is_refused(tmp_path: Path) -> None:
    """Found by the fuzz test above: it used to delete the file, then crash copying it."""
    archive = tmp_path / "self-link.tar.gz"
    archive.write_bytes(build_tar([("file", "llama-server", ""), ("hardlink", "llama-server", "llama-server")]))
    dest = tmp_path / "out"
    dest.mkdir()
    try:
        extract(archive, dest)
    except UnsafeArchive as exc:
        assert "points to itself" in exc.message
    else:
        raise AssertionError("a self hard link was accepted")
