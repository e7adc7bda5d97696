"""KV bytes from the GGUF header, the byte-accurate draft reserve and the VRAM budget rules (STUDIO-HEAD section 6)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.support.ggufgen import GQA_8B, write_model
from verifier import Capabilities
from verifier.speculative import ModelInfo, SpecRequest, fit_context, mtp_will_engage, resolve
from verifier.speculative.kv import bytes_per_element, pad_cells
from verifier.speculative.vram import soft_bytes, usable_vram

MiB, GiB = 1024**2, 1024**3
FULL = Capabilities.from_help(help_fixture("real-b11434"))


def model(tmp_path: Path, name: str = "m.gguf", arch: str = "llama", **kv: object) -> ModelInfo:
    return ModelInfo.from_gguf(write_model(tmp_path / name, arch, **kv))  # type: ignore[arg-type]


@pytest.mark.parametrize(("cache", "bpe"), [("f32", 4), ("f16", 2), ("BF16", 2), ("q8_0", 1.0625), ("q5_1", 0.75),
                                           ("q5_0", 0.6875), ("q4_1", 0.625), ("q4_0", 0.5625), ("iq4_nl", 0.5625),
                                           ("q2_k", 2), (None, 2)])
def test_bytes_per_element(cache: str | None, bpe: float) -> None:
    assert bytes_per_element(cache) == bpe


def test_gqa_kv_bytes_per_token_from_the_header(tmp_path: Path) -> None:
    m = model(tmp_path, **GQA_8B)
    assert m.kv is not None and m.kv.kv_bytes_per_token() == 32 * 8 * 256 * 2  # 128 KiB at f16
    assert m.kv.kv_bytes_per_token(cache_type_k="q8_0", cache_type_v="q8_0") == 32 * 8 * 256 * 1.0625
    # Flash attention off: V is at least f16.
    assert m.kv.kv_bytes_per_token(cache_type_k="q8_0", cache_type_v="q8_0", flash_attn=False) == \
        32 * 8 * (128 * 1.0625 + 128 * 2)
    assert m.kv_bytes(1000) == 32 * 8 * 256 * 2 * pad_cells(1000) == 32 * 8 * 256 * 2 * 1024


def test_cells_are_padded_and_split_per_slot_without_unified_kv(tmp_path: Path) -> None:
    m = model(tmp_path, **GQA_8B)
    per_cell = 32 * 8 * 256 * 2
    assert m.kv_bytes(8192, slots=4, unified=True) == per_cell * 8192
    assert m.kv_bytes(8000, slots=4, unified=False) == per_cell * 4 * pad_cells(2000)


def test_per_layer_kv_heads_and_shared_layers(tmp_path: Path) -> None:
    m = model(tmp_path, **{**GQA_8B, "block_count": 4, "attention__head_count_kv": [8, 0, 4, 8],
                            "attention__shared_kv_layers": 1})
    assert m.kv_bytes(256) == (8 + 0 + 4) * 256 * 2 * 256  # last layer shares KV


def test_sliding_window_layers_hold_window_plus_ubatch(tmp_path: Path) -> None:
    m = model(tmp_path, "g.gguf", "gemma3", block_count=6, embedding_length=640, attention__head_count=4,
              attention__head_count_kv=1, attention__key_length=256, attention__value_length=256,
              attention__sliding_window=512, attention__sliding_window_pattern=6)
    per_layer_cell = 1 * 512 * 2
    assert m.kv.swa_layers == (True, True, True, True, True, False)  # (i+1) % 6 != 0
    assert m.kv_bytes(32768) == per_layer_cell * (32768 + 5 * pad_cells(512 + 512))
    array = model(tmp_path, "a.gguf", "gemma3", block_count=2, embedding_length=640, attention__head_count=4,
                  attention__head_count_kv=1, attention__key_length=256, attention__value_length=256,
                  attention__sliding_window=512, attention__sliding_window_pattern=[True, False])
    assert array.kv_bytes(32768) == per_layer_cell * (32768 + 1024)


def test_mla_caches_k_only(tmp_path: Path) -> None:
    m = model(tmp_path, "d.gguf", "deepseek2", block_count=4, embedding_length=2048, attention__head_count=16,
              attention__head_count_kv=1, attention__kv_lora_rank=512)
    assert m.is_mla and m.kv_bytes(256) == 4 * 1 * (512 + 64) * 2 * 256  # key_length_mla defaults to 64
    explicit = model(tmp_path, "e.gguf", "deepseek2", block_count=4, embedding_length=2048, attention__head_count=16,
                     attention__head_count_kv=1, attention__kv_lora_rank=512, attention__key_length=576)
    assert explicit.kv_bytes(256) == 4 * 576 * 2 * 256


def hybrid(tmp_path: Path) -> ModelInfo:
    return model(tmp_path, "h.gguf", "qwen35", block_count=41, nextn_predict_layers=1, embedding_length=2048,
                 attention__head_count=16, attention__head_count_kv=2, attention__key_length=256,
                 attention__value_length=256, full_attention_interval=4, ssm__inner_size=4096, ssm__state_size=128,
                 ssm__group_count=16, ssm__conv_kernel=4)


def test_hybrid_counts_every_fai_th_layer_plus_f32_state(tmp_path: Path) -> None:
    m = hybrid(tmp_path)
    assert m.is_hybrid and m.kv.attention_layers == 40  # nextn subtracted for hybrids
    state = 4 * (3 * (4096 + 2 * 16 * 128) + 4096 * 128) * (40 - 10)
    assert m.kv.state_bytes_per_sequence() == state
    assert m.kv_bytes(1024) == math.ceil(40 / 4) * 2 * 512 * 2 * 1024 + state


def test_embedded_mtp_reserve_is_nextn_layers_of_draft_kv_at_least_f16(tmp_path: Path) -> None:
    m = model(tmp_path, "q.gguf", "qwen3", nextn_predict_layers=1, **GQA_8B)
    per_cell = 1 * 8 * 256 * 2
    assert m.draft_reserve_bytes(4096, engine="draft-mtp", n_max=2, cache_type_k="q4_0") == per_cell * 4096


def test_separate_drafter_reserve_is_its_own_kv_plus_its_file(tmp_path: Path) -> None:
    target = write_model(tmp_path / "Qwen3-8B-Q4_K_M.gguf", "qwen3", **GQA_8B)
    write_model(tmp_path / "dspark-Qwen3-8B.gguf", "qwen3", padding=1_000_000, block_count=2, embedding_length=4096,
                attention__head_count=32, attention__head_count_kv=8)
    m = ModelInfo.from_gguf(target)
    drafter = m.drafter("dspark")
    own_kv = 2 * 8 * 256 * 2 * 4096
    assert m.draft_reserve_bytes(4096, engine="draft-dspark", n_max=3, drafter=drafter) == own_kv + drafter.size_bytes
    assert m.draft_reserve_bytes(4096, engine="draft-dspark", n_max=3, drafter=drafter, draft_on_gpu=False) == own_kv


def test_gemma4_assistant_drafter_has_no_kv_of_its_own(tmp_path: Path) -> None:
    target = write_model(tmp_path / "gemma-4-31B-it-Q4_K_M.gguf", "gemma4", **GQA_8B)
    write_model(tmp_path / "mtp-gemma-4-31B-it.gguf", "gemma4-assistant", padding=5000, **GQA_8B)
    m = ModelInfo.from_gguf(target)
    mtp = m.drafter("mtp")
    assert m.draft_reserve_bytes(8192, engine="draft-mtp", n_max=2, drafter=mtp) == mtp.size_bytes


def test_mla_mtp_reserve_adds_an_f16_copy_of_the_target_kv(tmp_path: Path) -> None:
    m = model(tmp_path, "d.gguf", "deepseek2", block_count=4, nextn_predict_layers=1, embedding_length=2048,
              attention__head_count=16, attention__head_count_kv=1, attention__key_length=192,
              attention__value_length=128, attention__kv_lora_rank=512)
    draft = 1 * 1 * (192 * 2 + 128 * 2) * 256
    copy = 4 * 1 * (192 + 128) * 2 * 256
    assert m.draft_reserve_bytes(256, engine="draft-mtp", n_max=2) == draft + copy


def test_hybrid_reserve_adds_recurrent_state_per_drafted_token(tmp_path: Path) -> None:
    m = hybrid(tmp_path)
    base = m.draft_reserve_bytes(1024, engine="draft-mtp", n_max=1)
    assert m.draft_reserve_bytes(1024, engine="draft-mtp", n_max=3) - base == 2 * m.kv.state_bytes_per_sequence()


def test_usable_vram_per_card() -> None:
    # 24 GiB card, f = 0.97: keep max(3 % of total, min(512 MiB, 3 %)) = 737 MiB.
    assert usable_vram(20 * GiB, 24 * GiB, 0.97) == int(20 * GiB - 0.03 * 24 * GiB)
    # Small card: the 512 MiB floor is not reached, 3 % of total wins over (1-f) total when f = 1.0.
    assert usable_vram(4 * GiB, 8 * GiB, 1.0) == int(4 * GiB - min(512 * MiB, 0.03 * 8 * GiB))
    # Total unknown: min(free x f, free - min(512 MiB, 3 % of free)).
    assert usable_vram(10 * GiB, None, 0.97) == int(min(10 * GiB * 0.97, 10 * GiB - 0.03 * 10 * GiB))
    assert usable_vram(100 * MiB, 24 * GiB, 0.97) == 0
    for bad in (0.79, 1.01, True):
        with pytest.raises(ValueError, match="VRAM fraction"):
            usable_vram(GiB, GiB, bad)  # type: ignore[arg-type]


def test_soft_terms() -> None:
    assert soft_bytes(drafting_on_gpu=False) == 320 * MiB
    assert soft_bytes(drafting_on_gpu=True, mmproj_bytes=100 * MiB) == 320 * MiB + 224 * MiB + 40 * MiB


def test_fit_with_the_byte_accurate_reserve_never_exceeds_the_budget(tmp_path: Path) -> None:
    m = model(tmp_path, "q.gguf", "qwen3", nextn_predict_layers=1, size_label="8B", **GQA_8B)
    engaged = mtp_will_engage(FULL, SpecRequest("auto"), m)
    assert engaged
    kw = {"free_vram_bytes": 12 * GiB, "total_vram_bytes": 16 * GiB, "model_bytes": 5 * GiB, "kv_bytes_per_token": 0,
          "mtp_engaged": engaged, "fraction": 0.97, "kv_bytes": m.kv_bytes,
          "fixed_bytes": soft_bytes(drafting_on_gpu=True)}
    reserve = lambda c: m.draft_reserve_bytes(c, engine="draft-mtp", n_max=2)  # noqa: E731
    fit = fit_context(131072, reserve_bytes=reserve, **kw)  # type: ignore[arg-type]
    assert fit.n_ctx is not None and fit.n_ctx % 256 == 0 and fit.fraction == 0.97
    used = 5 * GiB + soft_bytes(drafting_on_gpu=True) + m.kv_bytes(fit.n_ctx) + reserve(fit.n_ctx)
    assert used <= fit.budget_bytes < used + m.kv_bytes(512) + reserve(512)  # the largest aligned fit
    without = fit_context(131072, reserve_bytes=None, **{**kw, "mtp_engaged": False})  # type: ignore[arg-type]
    assert without.n_ctx > fit.n_ctx
    flat = fit_context(131072, **kw)  # type: ignore[arg-type]
    assert flat.fraction == pytest.approx(0.92)  # no byte-accurate reserve: f - 0.05


def test_fit_weights_over_budget_or_floor_over_budget_is_none() -> None:
    kw = {"kv_bytes_per_token": 1 * MiB, "mtp_engaged": True, "fraction": 0.97, "total_vram_bytes": 16 * GiB}
    assert fit_context(8192, free_vram_bytes=8 * GiB, model_bytes=9 * GiB, **kw).n_ctx is None  # type: ignore[arg-type]
    floor_over = fit_context(65536, free_vram_bytes=8 * GiB, model_bytes=6 * GiB, **kw)  # type: ignore[arg-type]
    assert floor_over.n_ctx is None


def test_mtp_engaged_includes_drafter_types_named_in_extra_args_with_a_drafter() -> None:
    plain = ModelInfo(False, 8.0)
    assert mtp_will_engage(FULL, SpecRequest(), plain, extra_args=["--spec_type", "draft-dflash", "-md", "d.gguf"])
    assert not mtp_will_engage(FULL, SpecRequest(), plain, extra_args=["--spec-type", "draft-dflash"])
    # The budget follows the argv: auto on an MLA model drops MTP, so no reserve is charged.
    mla = ModelInfo(True, 30.0, "deepseek2", 1, kv=None)
    assert resolve(FULL, SpecRequest(), mla, gpu=True).engine == "draft-mtp"  # no KV geometry: not known MLA


def test_a_full_attention_interval_given_as_a_list_is_not_a_hybrid(tmp_path: Path) -> None:
    m = model(tmp_path, "l.gguf", "qwen35", nextn_predict_layers=1, ssm__inner_size=4096,
              full_attention_interval=[4, 4], **GQA_8B)
    assert not m.is_hybrid and model(tmp_path, "h2.gguf", "qwen35", nextn_predict_layers=1, ssm__inner_size=4096,
                                      full_attention_interval=4, **GQA_8B).is_hybrid
