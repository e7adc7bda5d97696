"""canonical_mode and ModelInfo: the inputs the resolver decides on."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.speculative import GGUFError, ModelInfo, canonical_mode, parse_size


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None), ("", None), ("   ", None), (3, None), (["mtp"], None), (True, None),
        ("auto", "auto"), ("  AUTO ", "auto"), ("default", "auto"), ("Default", "auto"),
        ("mtp", "mtp"), ("draft-mtp", "mtp"), ("DRAFT-MTP", "mtp"),
        ("ngram", "ngram"), ("ngram-mod", "ngram"),
        ("mtp+ngram", "mtp+ngram"), ("off", "off"), ("none", "off"), ("disable", "off"), ("disabled", "off"),
        ("ngram-simple", "ngram-simple"), ("ngram-map-k", "ngram-map-k"), ("ngram-map-k4v", "ngram-map-k4v"),
        ("ngram-mod,draft-mtp", "mtp+ngram"), ("draft-mtp, ngram", "mtp+ngram"), ("none,mtp", "mtp"),
        ("mtp,none", "mtp"), ("ngram-mod,none", "ngram"), ("ngram-simple,ngram-cache", "auto"),
        ("turbo", "auto"), ("eagle3", "auto"),
    ],
)
def test_canonical_mode(value: object, expected: str | None) -> None:
    assert canonical_mode(value) == expected


@pytest.mark.parametrize(
    ("text", "size"),
    [("27B", 27.0), ("0.8B", 0.8), ("135M", 0.135), ("35B-A3B", 3.0), ("Qwen3.6-27B-MTP-GGUF", 27.0),
     ("Qwen3-30B-A3B-Instruct", 3.0), ("gemma-3-270m-it-Q4_K_M.gguf", 0.27), ("Qwen2.5-0.5B", 0.5),
     ("llama_7b.gguf", 7.0), ("8x7B", 56.0), ("model.gguf", None), ("Q4_K_M", None), (None, None), ("", None)],
)
def test_parse_size(text: str | None, size: float | None) -> None:
    assert parse_size(text) == pytest.approx(size) if size is not None else parse_size(text) is None


@pytest.mark.parametrize(
    ("model_id", "is_mtp"),
    [("unsloth/Qwen3.6-27B-MTP-GGUF", True), ("qwen3.6-0.8b-mtp", True), ("x/model_MTP.gguf", True),
     ("Foo-MTP2-GGUF", True), ("unsloth/Qwen3-8B-GGUF", False), ("smtp-relay-1B", False), ("mtpx-3B", False)],
)
def test_mtp_marker_from_name(model_id: str, is_mtp: bool) -> None:
    assert ModelInfo.from_name(model_id).is_mtp is is_mtp


def write_gguf(path: Path, *, arch: str = "qwen35", nextn: int | None = None, size_label: str | None = None) -> Path:
    from gguf import GGUFWriter

    writer = GGUFWriter(str(path), arch)
    if nextn is not None:
        writer.add_uint32(f"{arch}.nextn_predict_layers", nextn)
    if size_label is not None:
        writer.add_string("general.size_label", size_label)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_gguf_mtp_with_size_label(tmp_path: Path) -> None:
    info = ModelInfo.from_gguf(write_gguf(tmp_path / "model.gguf", nextn=1, size_label="27B"))
    assert (info.is_mtp, info.size_b, info.arch, info.mtp_layers, info.known_no_mtp) == (True, 27.0, "qwen35", 1, False)


def test_gguf_generic_file_name_small_mtp_model_reads_size_from_the_file(tmp_path: Path) -> None:
    # Defect 1: /models/current/model.gguf of a 0.8B MTP model must be known as 0.8B.
    info = ModelInfo.from_gguf(write_gguf(tmp_path / "model.gguf", nextn=1, size_label="0.8B"), "current")
    assert info.is_mtp and info.size_b == pytest.approx(0.8)


def test_gguf_without_mtp_layers_or_label_falls_back_to_names(tmp_path: Path) -> None:
    # The size falls back to the name; MTP does not: a header that was read and has no
    # nextn_predict_layers makes llama.cpp load 0 MTP layers, whatever the name says.
    path = write_gguf(tmp_path / "Qwen3.6-27B-MTP-UD-Q4_K_XL.gguf", nextn=None, size_label=None)
    named = ModelInfo.from_gguf(path)
    assert (named.is_mtp, named.size_b, named.arch, named.known_no_mtp) == (False, 27.0, "qwen35", True)
    plain = write_gguf(tmp_path / "model.gguf", arch="llama", nextn=0)
    assert (ModelInfo.from_gguf(plain).is_mtp, ModelInfo.from_gguf(plain).size_b) == (False, None)
    assert ModelInfo.from_gguf(plain, "meta/Llama-3.1-8B").size_b == 8.0


def test_gguf_label_wins_over_name(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "Big-70B.gguf", arch="llama", size_label="35B-A3B")
    assert ModelInfo.from_gguf(path).size_b == 3.0


def test_gguf_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        ModelInfo.from_gguf(tmp_path / "absent.gguf")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file at all" * 10)
    with pytest.raises(GGUFError, match="not a readable GGUF"):
        ModelInfo.from_gguf(bad)


def test_header_reader_skips_arrays_and_reads_big_endian(tmp_path: Path) -> None:
    from gguf import GGUFEndian, GGUFWriter

    path = tmp_path / "be.gguf"
    writer = GGUFWriter(str(path), "qwen35", endianess=GGUFEndian.BIG)
    writer.add_array("tokenizer.ggml.tokens", [f"tok{i}" for i in range(3000)])
    writer.add_array("tokenizer.ggml.scores", [0.5] * 3000)
    writer.add_uint32("qwen35.nextn_predict_layers", 2)
    writer.add_string("general.size_label", "4B")
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    info = ModelInfo.from_gguf(path)
    assert (info.is_mtp, info.size_b, info.arch, info.mtp_layers) == (True, 4.0, "qwen35", 2)


def test_truncated_gguf_is_a_clean_error(tmp_path: Path) -> None:
    whole = write_gguf(tmp_path / "whole.gguf", nextn=1, size_label="27B").read_bytes()
    for cut in (3, 8, 20, len(whole) // 2, len(whole) - 3):
        part = tmp_path / f"cut{cut}.gguf"
        part.write_bytes(whole[:cut])
        try:
            info = ModelInfo.from_gguf(part)
        except GGUFError:
            continue
        assert info.arch == "qwen35"  # cut after the keys it needs: still a correct answer
