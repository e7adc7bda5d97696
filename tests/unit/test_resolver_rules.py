"""The rules around the resolver: reload guard, VRAM budget, usage backfill, MTP engagement,
and one regression test per known defect of the reference implementation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.unit.test_resolver_modes import write_gguf
from verifier import Capabilities
from verifier.speculative import (
    LoadedState, LoadRequest, ModelInfo, SpecRequest, backfill_usage, fit_context, mtp_will_engage, needs_reload,
    resolve,
)

FULL = Capabilities.from_help(help_fixture("real-b11434"))
GiB = 1024**3


def loaded(**changes: object) -> LoadedState:
    base = LoadedState("q/Qwen3.6-27B-MTP-GGUF", "/m/model.gguf", 8192, "q8_0", "auto", "draft-mtp", None, None, ())
    return replace(base, **changes)  # type: ignore[arg-type]


def request(**changes: object) -> LoadRequest:
    spec = changes.pop("spec", SpecRequest("auto"))
    base = LoadRequest("q/Qwen3.6-27B-MTP-GGUF", "/m/model.gguf", 8192, "q8_0", spec)  # type: ignore[arg-type]
    return replace(base, **changes)  # type: ignore[arg-type]


# -- the six defects ----------------------------------------------------------------------------------


def test_defect_1_size_is_read_from_the_gguf_not_the_model_id(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "model.gguf", nextn=1, size_label="0.8B")
    model = ModelInfo.from_gguf(path, model_id="current")
    r = resolve(FULL, SpecRequest("auto"), model, gpu=True)
    assert r.engine == "ngram-mod" and "draft-mtp" not in " ".join(r.argv)


def test_defect_2_explicit_mtp_on_a_tiny_model_differs_from_auto() -> None:
    tiny = ModelInfo(True, 0.8)
    explicit = resolve(FULL, SpecRequest("mtp"), tiny, gpu=True)
    auto = resolve(FULL, SpecRequest("auto"), tiny, gpu=True)
    assert explicit.engine == "draft-mtp" and explicit.mode == "mtp"
    assert auto.engine == "ngram-mod" and auto.mode == "auto"


def test_defect_3_clearing_an_explicit_n_max_triggers_a_reload() -> None:
    state = loaded(mode="mtp", draft_n_max=8)
    assert needs_reload(state, request(spec=SpecRequest("mtp", draft_n_max=None)))
    assert needs_reload(loaded(mode="mtp", draft_n_max=None), request(spec=SpecRequest("mtp", draft_n_max=8)))
    assert not needs_reload(state, request(spec=SpecRequest("mtp", draft_n_max=8)))
    assert not needs_reload(loaded(mode="mtp"), request(spec=SpecRequest("mtp")))


def test_defect_4_auto_promoted_mtp_compares_n_max_against_the_resolved_engine() -> None:
    state = loaded(mode="auto", engine="draft-mtp", draft_n_max=None)
    assert needs_reload(state, request(spec=SpecRequest("auto", draft_n_max=2)))
    assert needs_reload(state, request(spec=SpecRequest(None, draft_p_min=0.3)))
    # Not MTP: n_max has no effect, so it is no reason to reload.
    ngram = loaded(mode="auto", engine="ngram-mod")
    assert not needs_reload(ngram, request(spec=SpecRequest("auto", draft_n_max=2)))


def test_defect_5_mtp_alias_last_in_a_comma_list_is_detected() -> None:
    caps = Capabilities.from_help(help_fixture("synthetic-fork-comma-mtp-last"))
    assert caps.spec_types[-1] == "mtp" and caps.mtp_token == "mtp"
    assert resolve(caps, SpecRequest("mtp"), ModelInfo(True, 27), gpu=True).argv[:2] == ["--spec-type", "mtp"]


def test_defect_6_explicit_draft_mtp_in_extra_args_reserves_headroom_within_budget() -> None:
    extra = ["--spec-type", "draft-mtp", "--spec-draft-n-max", "4"]
    plain = ModelInfo(False, 8.0)
    engaged = mtp_will_engage(FULL, SpecRequest("off"), plain, extra_args=extra)
    assert engaged
    assert mtp_will_engage(FULL, SpecRequest(None), plain, extra_args=["--spec-type=ngram-mod,mtp"])
    fit = fit_context(131072, free_vram_bytes=32 * GiB, model_bytes=17 * GiB, kv_bytes_per_token=128 * 1024,
                      mtp_engaged=engaged)
    assert fit.fraction == 0.85 and fit.n_ctx is not None
    assert 17 * GiB + fit.n_ctx * 128 * 1024 <= 0.85 * 32 * GiB
    # Weights alone over the 85 % budget: no context is claimed to fit.
    assert fit_context(8192, free_vram_bytes=32 * GiB, model_bytes=28 * GiB, kv_bytes_per_token=1024,
                       mtp_engaged=True).n_ctx is None


# -- reload guard -----------------------------------------------------------------------------------------


def test_same_everything_needs_no_reload() -> None:
    assert not needs_reload(loaded(), request())
    assert not needs_reload(loaded(), request(spec=SpecRequest(None)))  # None is auto
    assert not needs_reload(loaded(), request(spec=SpecRequest("default")))


@pytest.mark.parametrize(
    "change",
    [{"model_id": "other"}, {"gguf_path": "/m/other.gguf"}, {"n_ctx": 4096}, {"cache_type_kv": "f16"},
     {"spec": SpecRequest("ngram")}, {"spec": SpecRequest("off")}, {"spec": SpecRequest("mtp")}],
)
def test_any_difference_reloads(change: dict[str, object]) -> None:
    assert needs_reload(loaded(), request(**change))


def test_p_min_tolerance_and_none() -> None:
    state = loaded(mode="mtp", draft_p_min=0.25)
    assert not needs_reload(state, request(spec=SpecRequest("mtp", draft_p_min=0.2500004)))
    assert needs_reload(state, request(spec=SpecRequest("mtp", draft_p_min=0.26)))
    assert needs_reload(state, request(spec=SpecRequest("mtp")))


def test_extra_args_none_inherits_explicit_must_match() -> None:
    state = loaded(extra_args=("--jinja",))
    assert not needs_reload(state, request(extra_args=None))
    assert not needs_reload(state, request(extra_args=("--jinja",)))
    assert needs_reload(state, request(extra_args=()))
    assert needs_reload(state, request(extra_args=("--jinja", "-fa", "on")))


def test_extra_args_owning_spec_record_mode_none() -> None:
    state = loaded(mode=None, engine=None, extra_args=("--spec-type", "ngram-mod"))
    assert not needs_reload(state, request(extra_args=None))
    assert not needs_reload(state, request(extra_args=("--spec-type", "ngram-mod"), spec=SpecRequest("mtp")))


def test_n_max_ignored_when_not_mtp() -> None:
    state = loaded(mode="ngram", engine="ngram-mod", draft_n_max=None)
    assert not needs_reload(state, request(spec=SpecRequest("ngram", draft_n_max=5)))


# -- MTP engagement and the VRAM budget ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "model", "expected"),
    [("mtp", ModelInfo(False, 8.0), True), ("mtp+ngram", ModelInfo(False, 8.0), True),
     ("auto", ModelInfo(True, 27.0), True), ("auto", ModelInfo(True, 0.8), False), ("auto", ModelInfo(False, 8), False),
     ("ngram", ModelInfo(True, 27.0), False), ("off", ModelInfo(True, 27.0), False)],
)
def test_mtp_will_engage(mode: str, model: ModelInfo, expected: bool) -> None:
    assert mtp_will_engage(FULL, SpecRequest(mode), model) is expected


def test_mtp_cannot_engage_without_an_mtp_token() -> None:
    old = Capabilities.from_help(help_fixture("real-b9093"))
    assert not mtp_will_engage(old, SpecRequest("mtp"), ModelInfo(True, 27.0))


def test_user_spec_type_without_mtp_reserves_nothing() -> None:
    assert not mtp_will_engage(FULL, SpecRequest("mtp"), ModelInfo(True, 27), extra_args=["--spec-type", "ngram-mod"])
    assert not mtp_will_engage(FULL, SpecRequest("mtp"), ModelInfo(True, 27), extra_args=["--spec-default"])


def test_fit_budgets_and_alignment() -> None:
    kw = {"free_vram_bytes": 32 * GiB, "model_bytes": 16 * GiB, "kv_bytes_per_token": 256 * 1024}
    mtp = fit_context(262144, mtp_engaged=True, **kw)
    other = fit_context(262144, mtp_engaged=False, **kw)
    assert (mtp.fraction, other.fraction) == (0.85, 0.90)
    assert mtp.n_ctx is not None and other.n_ctx is not None
    assert mtp.n_ctx < other.n_ctx and mtp.n_ctx % 256 == 0
    assert fit_context(8192, mtp_engaged=True, **kw).n_ctx == 8192  # already fits
    tight = fit_context(65536, free_vram_bytes=10 * GiB, model_bytes=8 * GiB, kv_bytes_per_token=1024 * 1024,
                        mtp_engaged=True)
    assert tight.n_ctx is None  # the 4096 floor would exceed the budget


def test_fit_with_kv_off_gpu_counts_weights_only() -> None:
    fit = fit_context(131072, free_vram_bytes=32 * GiB, model_bytes=20 * GiB, kv_bytes_per_token=10**9,
                      mtp_engaged=True, kv_on_gpu=False)
    assert fit.n_ctx == 131072


# -- usage backfill --------------------------------------------------------------------------------------------


def test_backfill_zero_usage_from_timings() -> None:
    usage = {"completion_tokens": 0, "prompt_tokens": 0, "total_tokens": 0}
    filled = backfill_usage(usage, {"predicted_n": 30, "prompt_n": 12, "draft_n": 30})
    assert filled == {"completion_tokens": 30, "prompt_tokens": 12, "total_tokens": 42}
    assert usage["completion_tokens"] == 0  # the input is not mutated


def test_backfill_missing_usage() -> None:
    assert backfill_usage(None, {"predicted_n": 5, "prompt_n": 3}) == {
        "completion_tokens": 5, "prompt_tokens": 3, "total_tokens": 8}
    assert backfill_usage({}, {"predicted_n": 5}) == {"completion_tokens": 5, "prompt_tokens": 0, "total_tokens": 5}


def test_backfill_keeps_real_usage_and_passes_through_without_timings() -> None:
    real = {"completion_tokens": 7, "prompt_tokens": 2, "total_tokens": 9}
    assert backfill_usage(real, {"predicted_n": 30, "prompt_n": 12}) is real
    zero = {"completion_tokens": 0}
    assert backfill_usage(zero, None) is zero and backfill_usage(zero, {}) is zero
    assert backfill_usage(None, None) is None
    assert backfill_usage(zero, {"predicted_n": "x"}) is zero
