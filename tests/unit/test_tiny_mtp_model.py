"""verifier.tiny_mtp (and scripts/make_tiny_mtp_gguf.py): the random MTP model the real-build tier runs draft-mtp on."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.speculative import ModelInfo

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_tiny_mtp_gguf.py"


@pytest.fixture(scope="module")
def maker():
    from verifier import tiny_mtp

    return tiny_mtp


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes_other_seed_other_weights(maker, tmp_path: Path) -> None:
    a, b, c = (maker.write(tmp_path / f"{n}.gguf", seed) for n, seed in (("a", 0), ("b", 0), ("c", 1)))
    assert digest(a) == digest(b) != digest(c)
    assert a.stat().st_size == c.stat().st_size < 20 * 1024 * 1024
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.gguf", "b.gguf", "c.gguf"]  # no part files left


def test_the_header_and_tensors_are_what_the_qwen35_mtp_loader_wants(maker, tmp_path: Path) -> None:
    from gguf import GGUFReader

    path = maker.write(tmp_path / "m.gguf")
    reader = GGUFReader(path)
    field = {k: f.contents() for k, f in reader.fields.items() if not k.startswith("tokenizer.ggml.t")}
    assert field["general.architecture"] == "qwen35"
    assert field["qwen35.nextn_predict_layers"] == 1 and field["qwen35.block_count"] == 3
    assert field["tokenizer.ggml.model"] == "test"
    names = {t.name: tuple(int(d) for d in t.shape) for t in reader.tensors}
    assert names["blk.2.nextn.eh_proj.weight"] == (512, 256)  # ggml order: [embedding; hidden] -> hidden
    assert {"blk.2.nextn.enorm.weight", "blk.2.nextn.hnorm.weight", "blk.0.ssm_a", "blk.1.attn_q.weight"} <= set(names)
    assert "blk.0.attn_q.weight" not in names and "blk.1.ssm_a" not in names  # layer 0 recurrent, 1 attention
    info = ModelInfo.from_gguf(path)
    assert info.is_mtp and info.arch == "qwen35" and info.size_b is not None and info.size_b < 0.01


def test_cli_writes_to_a_relative_path_or_the_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LLAMA_SERVER_VERIFIER_CACHE", str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, str(SCRIPT), "out.gguf", "--seed", "3"], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "out.gguf" and (tmp_path / "out.gguf").is_file()
    cached = subprocess.run([sys.executable, "-m", "verifier.tiny_mtp"], cwd=tmp_path, capture_output=True, text=True,
                            check=True)
    path = Path(cached.stdout.strip())
    assert path.parent == tmp_path / "cache" / "models" and path.is_file()
    written = path.stat().st_mtime_ns
    again = subprocess.run([sys.executable, str(SCRIPT)], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert again.stdout == cached.stdout and path.stat().st_mtime_ns == written  # reused, not rewritten


def test_cli_refuses_a_directory(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.strip() == f"error: {tmp_path} is a directory"


def test_the_moe_variant_has_routed_and_shared_experts_in_every_block(maker, tmp_path: Path) -> None:
    from gguf import GGUFReader

    reader = GGUFReader(maker.write(tmp_path / "moe.gguf", arch="qwen35moe"))
    fields = {k: f.contents() for k, f in reader.fields.items() if not k.startswith("tokenizer.ggml.t")}
    assert fields["general.architecture"] == "qwen35moe" and fields["qwen35moe.nextn_predict_layers"] == 1
    assert (fields["qwen35moe.expert_count"], fields["qwen35moe.expert_used_count"]) == (4, 2)
    names = {t.name: tuple(int(d) for d in t.shape) for t in reader.tensors}
    for il in range(3):  # both trunk layers and the MTP block
        assert names[f"blk.{il}.ffn_down_exps.weight"] == (128, 256, 4)
        assert f"blk.{il}.ffn_gate_inp_shexp.weight" in names and f"blk.{il}.ffn_gate.weight" not in names
    with pytest.raises(ValueError, match="unknown architecture 'llama'"):
        maker.write(tmp_path / "x.gguf", arch="llama")
    assert not (tmp_path / "x.gguf").exists()
