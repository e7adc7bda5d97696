"""The reload guard's inputs and identity normalisation (STUDIO-HEAD section 7, C6)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from verifier.speculative import LoadedState, LoadRequest, SpecRequest, needs_reload
from verifier.speculative.reload import file_id


def state(tmp_path: Path, **changes: object) -> LoadedState:
    model = tmp_path / "models" / "a" / "model.gguf"
    model.parent.mkdir(parents=True, exist_ok=True)
    if not model.exists():
        model.write_bytes(b"GGUF")
    base = LoadedState("unsloth/Qwen3-8B-GGUF", str(model), 8192, "q8_0", "auto", "draft-dflash", None, None, (),
                       slots=4, batch=2048, ubatch=512, drafter_path=str(tmp_path / "models" / "a" / "dflash-x.gguf"),
                       binary_revision="b11434", vram_fraction=0.97, file_id=file_id(str(model)))
    return replace(base, **changes)  # type: ignore[arg-type]


def request(loaded: LoadedState, **changes: object) -> LoadRequest:
    base = LoadRequest(loaded.model_id, loaded.gguf_path, loaded.n_ctx, loaded.cache_type_kv, SpecRequest("auto"),
                       None, loaded.slots, loaded.batch, loaded.ubatch, loaded.mmproj_path, loaded.drafter_path,
                       loaded.binary_revision, loaded.vram_fraction)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_same_load_needs_no_reload(tmp_path: Path) -> None:
    loaded = state(tmp_path)
    assert not needs_reload(loaded, request(loaded))


def test_c6_identity_is_case_insensitive_and_paths_are_resolved(tmp_path: Path) -> None:
    loaded = state(tmp_path)
    dotted = os.path.join(str(tmp_path), "models", "a", "..", "a", "model.gguf")
    assert not needs_reload(loaded, request(loaded, model_id="UNSLOTH/qwen3-8b-gguf", gguf_path=dotted,
                                            cache_type_kv=" Q8_0"))
    assert not needs_reload(replace(loaded, draft_cache_type="q8_0"),
                            request(loaded, spec=SpecRequest("auto", draft_cache_type="Q8_0 ")))


def test_the_same_path_holding_a_different_file_reloads(tmp_path: Path) -> None:
    loaded = state(tmp_path)
    Path(loaded.gguf_path).write_bytes(b"GGUF and more bytes")  # re-downloaded in place
    assert needs_reload(loaded, request(loaded))


@pytest.mark.parametrize("change", [
    {"slots": 1}, {"batch": 512}, {"ubatch": 256}, {"mmproj_path": "/m/mmproj.gguf"}, {"binary_revision": "b11549"},
    {"vram_fraction": 0.9}, {"n_ctx": 4096}, {"drafter_path": None}, {"cache_type_kv": "f16"},
    {"spec": SpecRequest("auto", draft_cache_type="q4_0")},
])
def test_each_input_the_reference_compares_reloads(tmp_path: Path, change: dict[str, object]) -> None:
    loaded = state(tmp_path)
    assert needs_reload(loaded, request(loaded, **change))


def test_n_max_is_compared_for_every_drafting_engine_none_vs_explicit_included(tmp_path: Path) -> None:
    for engine in ("draft-dflash", "draft-dspark", "draft-mtp", "draft-simple"):
        loaded = state(tmp_path, engine=engine)
        assert needs_reload(loaded, request(loaded, spec=SpecRequest("auto", draft_n_max=3)))
    ngram = state(tmp_path, engine="ngram-mod", drafter_path=None)
    assert not needs_reload(ngram, request(ngram, spec=SpecRequest("auto", draft_n_max=3)))


def test_an_inconclusive_probe_at_load_reloads_once_it_turns_conclusive(tmp_path: Path) -> None:
    loaded = state(tmp_path, probe_inconclusive=True)
    assert needs_reload(loaded, request(loaded))
    assert not needs_reload(loaded, request(loaded, probe_conclusive=False))


def test_extras_owning_the_spec_block_store_mode_none(tmp_path: Path) -> None:
    loaded = state(tmp_path, mode=None, extra_args=("--spec_type", "ngram-mod"))
    assert not needs_reload(loaded, request(loaded, spec=SpecRequest("mtp")))
    assert needs_reload(loaded, request(loaded, extra_args=()))
