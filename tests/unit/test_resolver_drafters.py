"""Drafter modes (dspark, dflash, separate MTP files, draft-simple/eagle3), stand-downs and reasons.

Each test names the STUDIO-HEAD.md rule it covers; docs/resolver.md maps rules to tests.
Models are real GGUF headers written with gguf's GGUFWriter into a temporary model folder.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.support.ggufgen import GQA_8B, write_model
from tests.support.helpgen import make_caps
from verifier import Capabilities
from verifier.speculative import (
    FallbackReason, ModelInfo, Placement, SpecRequest, canonical_mode, find_drafters, mtp_will_engage, resolve,
)

FULL = Capabilities.from_help(help_fixture("real-b11434"))
OLD = Capabilities.from_help(help_fixture("real-b9093"))
NEW_KNOBS = ["--spec-ngram-mod-n-match", "24", "--spec-ngram-mod-n-min", "48", "--spec-ngram-mod-n-max", "64"]
R = FallbackReason


def model_dir(tmp_path: Path, weight: str = "Qwen3-8B-Q4_K_M.gguf", *, arch: str = "qwen3", nextn: int = 0,
              size: str = "8B", **kv: object) -> Path:
    return write_model(tmp_path / weight, arch, size_label=size, nextn_predict_layers=nextn, **{**GQA_8B, **kv})


def sidecar(path: Path, arch: str = "qwen3", padding: int = 4096) -> Path:
    return write_model(path, arch, padding=padding)


# -- modes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "mode"), [("dspark", "dspark"), ("draft-dspark", "dspark"), ("DFlash", "dflash"),
                                             ("draft-dflash", "dflash"), ("draft-simple", "draft-simple"),
                                             ("draft-eagle3", "draft-eagle3"), ("draft_mtp", "auto"),
                                             ("dspark,ngram-mod", "ngram"), ("none", "off")])
def test_modes_dspark_dflash_aliases_and_no_underscore_normalisation(value: str, mode: str) -> None:
    # Rule 1: new modes and aliases; comma chains never resolve to dspark/dflash; draft_mtp -> auto;
    # none stays off (SPEC's deliberate difference from the reference, which maps it to auto).
    assert canonical_mode(value) == mode


# -- drafter discovery (rule 3, file layout) ---------------------------------------------------------------


def test_mtp_drafter_at_the_root_is_paired_by_name_longest_wins(tmp_path: Path) -> None:
    weight = model_dir(tmp_path, "gemma-4-E4B-it-Q4_K_M.gguf", arch="gemma4", size="4B")
    sidecar(tmp_path / "mtp-gemma-4-E4B-it-Q8_0.gguf", "gemma4-assistant")
    sidecar(tmp_path / "mtp-gemma-4.gguf", "gemma4-assistant")
    sidecar(tmp_path / "mtp-gemma-4-E2B-it.gguf", "gemma4-assistant")  # another model's drafter
    found = find_drafters(weight)
    assert [(d.kind, Path(d.path).name) for d in found] == [("mtp", "mtp-gemma-4-E4B-it-Q8_0.gguf")]
    assert found[0].size_bytes > 4096


def test_mtp_drafter_in_an_mtp_folder_and_incomplete_splits(tmp_path: Path) -> None:
    weight = model_dir(tmp_path, "gemma-4-31B-it-Q4_K_M.gguf", arch="gemma4", size="31B")
    sidecar(tmp_path / "MTP" / "gemma-4-31B-it-mtp-00001-of-00002.gguf")
    assert find_drafters(weight) == ()  # part 2 missing: not a drafter
    sidecar(tmp_path / "MTP" / "gemma-4-31B-it-mtp-00002-of-00002.gguf")
    (drafter,) = find_drafters(weight)
    assert drafter.kind == "mtp" and drafter.path.endswith("gemma-4-31B-it-mtp-00001-of-00002.gguf")


def test_dspark_drafter_root_or_folder_paired_q8_first(tmp_path: Path) -> None:
    weight = model_dir(tmp_path)
    sidecar(tmp_path / "dspark" / "Qwen3-8B-dspark-F16.gguf")
    sidecar(tmp_path / "dspark" / "Qwen3-8B-dspark-Q8_0.gguf")
    sidecar(tmp_path / "dspark-Llama-3-8B.gguf")  # not paired by name
    (drafter,) = find_drafters(weight)
    assert (drafter.kind, Path(drafter.path).name) == ("dspark", "Qwen3-8B-dspark-Q8_0.gguf")


def test_dflash_drafter_needs_the_dflash_header_and_not_a_neighbours_name(tmp_path: Path) -> None:
    weight = model_dir(tmp_path)
    write_model(tmp_path / "Llama-3.1-8B-Q4_K_M.gguf", "llama")  # a neighbour model
    sidecar(tmp_path / "dflash-Llama-3.1-8B.gguf", "dflash")  # named for the neighbour: dropped
    sidecar(tmp_path / "dflash-a-wrong-header.gguf", "qwen3")  # not a dflash header: dropped
    assert find_drafters(weight) == ()
    sidecar(tmp_path / "dflash-b.gguf", "dflash")
    (drafter,) = find_drafters(weight)
    assert (drafter.kind, Path(drafter.path).name, drafter.arch) == ("dflash", "dflash-b.gguf", "dflash")


def test_unreadable_sidecar_is_ignored(tmp_path: Path) -> None:
    weight = model_dir(tmp_path)
    (tmp_path / "dspark-Qwen3-8B.gguf").write_bytes(b"not gguf")
    assert find_drafters(weight) == ()


# -- forced dspark / dflash ------------------------------------------------------------------------------------


def test_forced_dspark_emits_drafter_type_and_n_max_3(tmp_path: Path) -> None:
    weight = model_dir(tmp_path)
    side = sidecar(tmp_path / "dspark-Qwen3-8B.gguf")
    model = ModelInfo.from_gguf(weight)
    for gpu in (True, False):  # DSpark n_max is 3 on GPU and CPU
        r = resolve(FULL, SpecRequest("dspark"), model, gpu=gpu)
        assert r.argv == ["--model-draft", str(side), "--spec-type", "draft-dspark", "--spec-draft-n-max", "3"]
        assert (r.engine, r.draft_n_max, r.reason, r.drafter.kind) == ("draft-dspark", 3, None, "dspark")


def test_forced_dflash_with_device_and_draft_cache_types(tmp_path: Path) -> None:
    weight = model_dir(tmp_path)
    side = sidecar(tmp_path / "dflash-Qwen3-8B.gguf", "dflash")
    r = resolve(FULL, SpecRequest("dflash", draft_cache_type="q8_0"), ModelInfo.from_gguf(weight), gpu=True,
                extra_args=["-dev", "CUDA0", "--device", "CUDA1"])
    assert r.argv == ["--model-draft", str(side), "--spec-draft-device", "CUDA1", "--spec-draft-type-k", "q8_0",
                      "--spec-draft-type-v", "q8_0", "--spec-type", "draft-dflash", "--spec-draft-n-max", "2"]


def test_user_draft_placement_is_not_emitted_twice(tmp_path: Path) -> None:
    weight = model_dir(tmp_path)
    sidecar(tmp_path / "dflash-Qwen3-8B.gguf", "dflash")
    r = resolve(FULL, SpecRequest("dflash", draft_cache_type="q8_0"), ModelInfo.from_gguf(weight), gpu=True,
                extra_args=["--device", "CUDA1", "-devd", "CUDA0", "-ctkd", "f16"])
    assert "--spec-draft-device" not in r.argv and "--spec-draft-type-k" not in r.argv
    assert "--spec-draft-type-v" in r.argv


@pytest.mark.parametrize("mode", ["dspark", "dflash"])
def test_forced_sidecar_mode_without_a_drafter_falls_back_to_spec_default(tmp_path: Path, mode: str) -> None:
    r = resolve(FULL, SpecRequest(mode), ModelInfo.from_gguf(model_dir(tmp_path)), gpu=True)
    assert (r.argv, r.reason) == (["--spec-default"], R.DRAFTER_NOT_FOUND)


@pytest.mark.parametrize("mode", ["dspark", "dflash"])
def test_forced_sidecar_mode_on_a_build_without_the_type(tmp_path: Path, mode: str) -> None:
    # Reference reports binary_no_mtp here (a defect); this project says which thing is missing.
    weight = model_dir(tmp_path)
    sidecar(tmp_path / f"{mode}-Qwen3-8B.gguf", "dflash")
    r = resolve(OLD, SpecRequest(mode), ModelInfo.from_gguf(weight), gpu=True)
    assert (r.argv, r.reason) == (["--spec-default"], R.BINARY_NO_TYPE)


def test_dspark_is_off_on_the_broken_managed_builds(tmp_path: Path) -> None:
    weight = model_dir(tmp_path)
    sidecar(tmp_path / "dspark-Qwen3-8B.gguf")
    broken = Capabilities.from_help(help_fixture("real-b11434"), "version: 0.1.1-dev (build 10262, commit abc)")
    assert resolve(broken, SpecRequest("dspark"), ModelInfo.from_gguf(weight), gpu=True).reason == R.BINARY_NO_TYPE


def test_given_draft_model_overrides_the_sidecar_and_enables_draft_simple_and_eagle3(tmp_path: Path) -> None:
    model = ModelInfo.from_gguf(model_dir(tmp_path))
    for mode in ("draft-simple", "draft-eagle3"):
        r = resolve(FULL, SpecRequest(mode, draft_model="d.gguf"), model, gpu=False)
        assert r.argv == ["--model-draft", "d.gguf", "--spec-type", mode, "--spec-draft-n-max", "3"]
        missing = resolve(FULL, SpecRequest(mode), model, gpu=False)
        assert (missing.argv, missing.reason) == ([], R.DRAFTER_NOT_FOUND)
        old = resolve(OLD, SpecRequest(mode, draft_model="d.gguf"), model, gpu=False)
        assert (old.argv, old.reason) == ([], R.BINARY_NO_TYPE)  # b9093 lists neither type


# -- auto order (rule 2.6) ---------------------------------------------------------------------------------------


def test_auto_prefers_dspark_then_dflash_then_mtp(tmp_path: Path) -> None:
    weight = model_dir(tmp_path, nextn=1)
    assert resolve(FULL, SpecRequest(), ModelInfo.from_gguf(weight), gpu=True).engine == "draft-mtp"
    sidecar(tmp_path / "dflash-Qwen3-8B.gguf", "dflash")
    assert resolve(FULL, SpecRequest(), ModelInfo.from_gguf(weight), gpu=True).engine == "draft-dflash"
    sidecar(tmp_path / "dspark-Qwen3-8B.gguf")
    assert resolve(FULL, SpecRequest(), ModelInfo.from_gguf(weight), gpu=True).engine == "draft-dspark"
    # A sidecar the build cannot run is no reason to leave MTP.
    assert resolve(OLD, SpecRequest(), ModelInfo.from_gguf(weight), gpu=True).engine is None


def test_auto_sidecars_have_no_size_gate(tmp_path: Path) -> None:
    weight = model_dir(tmp_path, "Qwen3-0.6B-Q8_0.gguf", size="0.6B")
    sidecar(tmp_path / "dflash-Qwen3-0.6B.gguf", "dflash")
    assert resolve(FULL, SpecRequest(), ModelInfo.from_gguf(weight), gpu=True).engine == "draft-dflash"


def test_auto_drafter_without_vram_falls_back_to_ngram_mod(tmp_path: Path) -> None:
    weight = model_dir(tmp_path)
    sidecar(tmp_path / "dspark-Qwen3-8B.gguf")
    r = resolve(FULL, SpecRequest(), ModelInfo.from_gguf(weight), gpu=True, placement=Placement(drafter_fits=False))
    assert (r.argv, r.reason) == (["--spec-type", "ngram-mod", *NEW_KNOBS], R.DRAFTER_NO_VRAM)


def test_gemma4_separate_mtp_drafter_exempts_the_size_gate(tmp_path: Path) -> None:
    weight = model_dir(tmp_path, "gemma-4-E2B-it-Q4_K_M.gguf", arch="gemma4", size="2B")
    assert ModelInfo.from_gguf(weight).size_b == 2.0
    side = sidecar(tmp_path / "mtp-gemma-4-E2B-it.gguf", "gemma4-assistant")
    model = ModelInfo.from_gguf(weight)
    assert model.is_mtp and not model.known_no_mtp
    r = resolve(FULL, SpecRequest(), model, gpu=True, extra_args=["--device", "Vulkan0"])
    assert r.argv == ["--model-draft", str(side), "--spec-draft-device", "Vulkan0", "--spec-type", "draft-mtp",
                      "--spec-draft-n-max", "2"]
    assert mtp_will_engage(FULL, SpecRequest(), model)


@pytest.mark.parametrize(("mode", "argv"), [("auto", ["--spec-default"]), ("mtp", ["--spec-default"]),
                                           ("mtp+ngram", ["--spec-type", "ngram-mod", *NEW_KNOBS])])
def test_gemma4_without_a_drafter_is_drafter_not_found(tmp_path: Path, mode: str, argv: list[str]) -> None:
    # One fallback for every mode (the reference gives forced mtp ngram-mod here but --spec-default
    # on other non-MTP models); mtp+ngram keeps the ngram half it asked for.
    model = ModelInfo.from_gguf(model_dir(tmp_path, "gemma-4-31B-it-Q4_K_M.gguf", arch="gemma4", size="31B"))
    r = resolve(FULL, SpecRequest(mode), model, gpu=True)
    assert (r.argv, r.reason) == (argv, R.DRAFTER_NOT_FOUND)
    by_name = resolve(FULL, SpecRequest(mode), ModelInfo.from_name("google/gemma-4-31B-it"), gpu=True)
    assert (by_name.argv, by_name.reason) == (argv, R.DRAFTER_NOT_FOUND)
    if mode == "auto":  # auto never uses the caller's draft model: it says so and falls back the same way
        given = resolve(FULL, SpecRequest(mode, draft_model="d.gguf"), model, gpu=True)
        assert (given.argv, given.drafter) == (argv, None) and "draft model" in given.warnings[0]
    else:  # forced mtp with a draft model: the caller's file is the MTP drafter
        given = resolve(FULL, SpecRequest(mode, draft_model="d.gguf"), model, gpu=True)
        assert given.argv[:2] == ["--model-draft", "d.gguf"] and given.engine == "draft-mtp"


def test_draft_placement_only_with_a_draft_model(tmp_path: Path) -> None:
    weight = model_dir(tmp_path)
    side = sidecar(tmp_path / "dspark-Qwen3-8B.gguf")
    dspark = resolve(FULL, SpecRequest("dspark"), ModelInfo.from_gguf(weight), gpu=True, extra_args=["-dev", "CUDA1"])
    # The reference pins no device for DSpark; the draft follows the user's --device here too.
    assert dspark.argv[:4] == ["--model-draft", str(side), "--spec-draft-device", "CUDA1"]
    plain = resolve(FULL, SpecRequest("ngram", draft_cache_type="q8_0", draft_device="CUDA1"), ModelInfo(False, 8.0),
                    gpu=True, extra_args=["-dev", "CUDA1"])
    assert plain.argv == ["--spec-type", "ngram-mod", *NEW_KNOBS]


def test_extras_request_mtp_over_accumulated_spec_types_and_the_env_when_they_own_the_block() -> None:
    plain = ModelInfo(False, 8.0)
    twice = ["--spec-type", "ngram-mod", "--spec-type", "draft-mtp"]
    assert mtp_will_engage(FULL, SpecRequest(), plain, extra_args=twice)
    env = {"LLAMA_ARG_SPEC_TYPE": "ngram-mod,draft-mtp"}
    assert mtp_will_engage(FULL, SpecRequest(), plain, extra_args=["--spec-default"], env=env)
    assert not mtp_will_engage(FULL, SpecRequest(), plain, extra_args=[], env=env)  # env counts only when extras own


def test_reserve_n_max_order() -> None:
    from verifier.speculative.resolver import reserve_n_max

    big = ModelInfo(True, 27.0)
    auto = resolve(FULL, SpecRequest(), big, gpu=True)
    assert reserve_n_max(FULL, SpecRequest(), auto, gpu=True, extra_args=["--spec_draft_n_max", "5"]) == 5
    own = ["--spec-type", "draft-mtp"]
    assert reserve_n_max(FULL, SpecRequest(), auto, gpu=True, extra_args=own, env={"LLAMA_ARG_DRAFT_MAX": "7"}) == 7
    assert reserve_n_max(FULL, SpecRequest(), auto, gpu=True, extra_args=own) == 3  # b11434's help default
    assert reserve_n_max(make_caps(spec_types=["draft-mtp"]), SpecRequest(), auto, gpu=True, extra_args=own) == 16
    assert reserve_n_max(FULL, SpecRequest(draft_n_max=6), auto, gpu=True) == 6
    dspark = resolve(FULL, SpecRequest("dspark", draft_model="d.gguf"), big, gpu=True)
    assert reserve_n_max(FULL, SpecRequest("dspark"), dspark, gpu=True) == 3
    assert reserve_n_max(FULL, SpecRequest(), auto, gpu=True) == 2
    assert reserve_n_max(FULL, SpecRequest(), auto, gpu=False) == 3


def test_child_env_drops_inherited_spec_variables_only_when_the_resolver_owns_the_block() -> None:
    from verifier.speculative.extras import child_env

    env = {"LLAMA_ARG_SPEC_TYPE": "ngram-mod", "LLAMA_ARG_MODEL_DRAFT": "x.gguf", "LLAMA_ARG_SPEC_DRAFT_HF_REPO": "u/r",
           "LLAMA_ARG_N_GPU_LAYERS_DRAFT": "99", "PATH": "/bin"}
    assert child_env(env, resolver_owns_spec=True) == {"LLAMA_ARG_N_GPU_LAYERS_DRAFT": "99", "PATH": "/bin"}
    assert child_env(env, resolver_owns_spec=False) == env


def test_forced_mtp_plus_ngram_on_a_known_non_mtp_model_keeps_its_ngram_half(tmp_path: Path) -> None:
    model = ModelInfo.from_gguf(model_dir(tmp_path))
    r = resolve(FULL, SpecRequest("mtp+ngram"), model, gpu=True)
    assert (r.argv, r.reason) == (["--spec-type", "ngram-mod", *NEW_KNOBS], R.MODEL_NO_MTP)
    none = resolve(make_caps(spec_types=["draft-mtp"], real=["--spec-draft-n-max"]), SpecRequest("mtp+ngram"), model,
                   gpu=True)
    assert (none.argv, none.reason) == ([], R.MODEL_NO_MTP)  # ngram-mod is checked, unlike the reference


# -- MLA and hybrid stand-downs (rule 4) -----------------------------------------------------------------------------


def mla(tmp_path: Path) -> ModelInfo:
    return ModelInfo.from_gguf(model_dir(tmp_path, "GLM-5-32B-Q4_K_M.gguf", arch="deepseek2", size="32B", nextn=1,
                                         attention__kv_lora_rank=512, attention__key_length_mla=64))


def test_mla_auto_drops_mtp_unless_allowed(tmp_path: Path) -> None:
    model = mla(tmp_path)
    r = resolve(FULL, SpecRequest(), model, gpu=True)
    assert (r.argv, r.reason) == (["--spec-type", "ngram-mod", *NEW_KNOBS], R.MLA_MTP_DISABLED)
    assert not mtp_will_engage(FULL, SpecRequest(), model)  # the reserve agrees with the argv
    assert resolve(FULL, SpecRequest(allow_mla_mtp=True), model, gpu=True).engine == "draft-mtp"
    assert resolve(FULL, SpecRequest("mtp"), model, gpu=True).engine == "draft-mtp"  # forced still engages
    no_vram = resolve(FULL, SpecRequest(), model, gpu=True, placement=Placement(drafter_fits=False))
    assert no_vram.reason == R.MLA_MTP_DISABLED  # no sidecar: the MLA row, not drafter_no_vram


def hybrid(tmp_path: Path) -> ModelInfo:
    return ModelInfo.from_gguf(model_dir(tmp_path, "Qwen3.6-35B-A3B-Q4_K_M.gguf", arch="qwen35moe",
                                         size="35B-A3B", nextn=1, ssm__inner_size=4096, ssm__state_size=128,
                                         ssm__group_count=16, ssm__conv_kernel=4, full_attention_interval=4))


@pytest.mark.parametrize(("placement", "stands_down"), [
    (Placement(gpu_layers=20), True), (Placement(gpu_layers=32), True), (Placement(gpu_layers=33), False),
    (Placement(gpu_layers=0), False), (Placement(), False), (Placement(gpu_layers=-1, fit_proved=False), True),
])
def test_hybrid_partial_offload_stands_down_in_auto(tmp_path: Path, placement: Placement, stands_down: bool) -> None:
    model = replace(hybrid(tmp_path), size_b=27.0)
    r = resolve(FULL, SpecRequest(), model, gpu=True, placement=placement)
    if stands_down:
        assert (r.argv, r.engine, r.reason) == (["--spec-type", "none"], "none", R.MTP_PARTIAL_OFFLOAD)
    else:
        assert r.engine == "draft-mtp"
    assert resolve(FULL, SpecRequest(), model, gpu=False, placement=placement).engine == "draft-mtp"  # CPU: no GPU
    assert resolve(FULL, SpecRequest("mtp"), model, gpu=True, placement=placement).engine == "draft-mtp"
    assert resolve(OLD, SpecRequest(), model, gpu=True, placement=placement).reason == R.BINARY_NO_MTP  # no MTP build


@pytest.mark.parametrize(("extra", "stands_down"), [
    (["-ngl", "20"], True), (["--n-gpu-layers=8"], True), (["--gpu-layers", "all"], False), (["-ngl", "0"], False),
    ([], False),
])
def test_hybrid_placement_read_from_the_users_gpu_layers(tmp_path: Path, extra: list[str], stands_down: bool) -> None:
    r = resolve(FULL, SpecRequest(), replace(hybrid(tmp_path), size_b=27.0), gpu=True, extra_args=extra)
    assert (r.reason == R.MTP_PARTIAL_OFFLOAD) is stands_down


# -- inconclusive probe and reasons (rule 5) ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["auto", "mtp", "dspark", "ngram"])
def test_inconclusive_probe_emits_nothing_with_its_own_reason(mode: str) -> None:
    for caps in (None, Capabilities.from_help("")):
        r = resolve(caps, SpecRequest(mode), ModelInfo(True, 27.0), gpu=True)
        assert (r.argv, r.engine, r.reason) == ([], None, R.PROBE_INCONCLUSIVE)
    conclusive = Capabilities.from_help("--port N                                port (default: 9931)\n")
    r = resolve(conclusive, SpecRequest("mtp"), ModelInfo(True, 27.0), gpu=True)
    assert r.reason == R.BINARY_NO_MTP  # help read, no --spec-type: conclusive no-MTP


def test_every_fallback_has_a_reason_and_a_warning_and_plain_choices_have_none() -> None:
    plain = resolve(FULL, SpecRequest(), ModelInfo(False, 8.0), gpu=True)
    assert (plain.reason, plain.warnings) == (None, [])
    no_ngram = resolve(make_caps(spec_types=["none"]), SpecRequest("ngram"), ModelInfo(False, 8.0), gpu=True)
    assert no_ngram.reason == R.BINARY_NO_TYPE and no_ngram.warnings
    small = resolve(FULL, SpecRequest(), ModelInfo(True, 0.8), gpu=True)
    assert small.reason == R.MODEL_TOO_SMALL and small.engine == "ngram-mod"
    owned = resolve(FULL, SpecRequest("mtp"), ModelInfo(True, 27.0), gpu=True, extra_args=["--spec-default"])
    assert owned.reason is None


def test_reasons_are_stable_string_ids() -> None:
    assert R.MODEL_NO_MTP == "model_no_mtp" and str(R.DRAFTER_NOT_FOUND) == "drafter_not_found"
    r = resolve(FULL, SpecRequest("dspark"), ModelInfo(False, 8.0, mtp_layers=0), gpu=True)
    assert r.to_dict()["reason"] == "drafter_not_found"


def test_drafter_crash_retries_once_with_the_default_and_a_reason(tmp_path: Path) -> None:
    from verifier.speculative.resolver import after_drafter_crash

    weight = model_dir(tmp_path)
    sidecar(tmp_path / "dflash-Qwen3-8B.gguf", "dflash")
    crashed = resolve(FULL, SpecRequest("dflash"), ModelInfo.from_gguf(weight), gpu=True)
    log = "llama_model_load: error loading model: unknown model architecture: 'dflash'"
    outdated = after_drafter_crash(FULL, crashed, log)
    assert (outdated.argv, outdated.reason) == (["--spec-default"], R.BINARY_OUTDATED)
    other = after_drafter_crash(FULL, crashed, "CUDA error: out of memory")
    assert (other.argv, other.reason) == (["--spec-default"], R.RUNTIME_ERROR)
    assert after_drafter_crash(FULL, resolve(FULL, SpecRequest("ngram"), ModelInfo(False, 8.0), gpu=True), "") is None
