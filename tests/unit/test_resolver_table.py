"""resolve(): every row of SPEC section 7's table, and every rule under it."""

from __future__ import annotations

import pytest

from tests.conftest import help_fixture
from tests.support.helpgen import make_caps
from verifier import Capabilities
from verifier.speculative import ModelInfo, SpecRequest, ngram_mod_flags, resolve, strip_spec_flags

FULL = Capabilities.from_help(help_fixture("real-b11434"))  # draft-mtp, new knobs, --spec-default, p-min
NO_MTP = Capabilities.from_help(help_fixture("real-b9093"))  # no MTP token, new knobs, --spec-default
LEGACY_MTP = make_caps(spec_types=["none", "ngram-mod", "draft-mtp"],
                       real=["--spec-ngram-size-n", "--draft-min", "--draft-max"])
NO_DEFAULT = make_caps(spec_types=["none", "ngram-mod", "draft-mtp"],
                       real=["--spec-draft-n-max", "--spec-ngram-mod-n-match", "--spec-ngram-mod-n-min",
                             "--spec-ngram-mod-n-max"])
NOTHING = make_caps(spec_types=None)

NEW_KNOBS = ["--spec-ngram-mod-n-match", "24", "--spec-ngram-mod-n-min", "48", "--spec-ngram-mod-n-max", "64"]
LEGACY_KNOBS = ["--spec-ngram-size-n", "24", "--draft-min", "48", "--draft-max", "64"]
BIG_MTP = ModelInfo(True, 27.0)
SMALL_MTP = ModelInfo(True, 0.8)
PLAIN = ModelInfo(False, 8.0)


def run(caps: Capabilities, mode: str | None, model: ModelInfo = PLAIN, *, gpu: bool, **request: object):
    return resolve(caps, SpecRequest(mode, **request), model, gpu=gpu)  # type: ignore[arg-type]


# -- off, ngram -------------------------------------------------------------------------------------


@pytest.mark.parametrize("gpu", [True, False])
def test_off_emits_nothing(gpu: bool) -> None:
    r = run(FULL, "off", BIG_MTP, gpu=gpu)
    assert (r.argv, r.mode, r.engine, r.draft_n_max, r.warnings) == ([], "off", None, None, [])


@pytest.mark.parametrize("gpu", [True, False])
def test_ngram_emits_ngram_mod_with_knobs(gpu: bool) -> None:
    r = run(FULL, "ngram", gpu=gpu)
    assert r.argv == ["--spec-type", "ngram-mod", *NEW_KNOBS]
    assert (r.mode, r.engine, r.draft_n_max) == ("ngram", "ngram-mod", None)


def test_ngram_legacy_flavor_knobs() -> None:
    r = run(LEGACY_MTP, "ngram", gpu=True)
    assert r.argv == ["--spec-type", "ngram-mod", *LEGACY_KNOBS]


def test_ngram_unsupported_emits_nothing_and_warns() -> None:
    caps = make_caps(spec_types=["none", "ngram-simple"])
    r = run(caps, "ngram", gpu=True)
    assert r.argv == [] and r.engine is None and "ngram-mod" in r.warnings[0]


def test_ngram_mod_listed_without_knobs_emits_the_type_alone() -> None:
    r = run(make_caps(spec_types=["none", "ngram-mod"]), "ngram", gpu=False)
    assert r.argv == ["--spec-type", "ngram-mod"] and r.engine == "ngram-mod"


# -- ngram-simple, ngram-map-k, ngram-map-k4v ------------------------------------------------------------


@pytest.mark.parametrize("gpu", [True, False])
def test_ngram_simple(gpu: bool) -> None:
    r = run(FULL, "ngram-simple", gpu=gpu)
    assert r.argv == ["--spec-type", "ngram-simple"] and r.engine == "ngram-simple"


@pytest.mark.parametrize("kind", ["ngram-map-k", "ngram-map-k4v"])
@pytest.mark.parametrize("gpu", [True, False])
def test_map_k_with_knobs_when_supported(kind: str, gpu: bool) -> None:
    r = run(FULL, kind, gpu=gpu)
    assert r.argv == ["--spec-type", kind, f"--spec-{kind}-size-n", "12", f"--spec-{kind}-size-m", "48",
                      f"--spec-{kind}-min-hits", "1"]
    assert r.engine == kind and r.mode == kind


def test_map_k_type_without_knobs_emits_type_only() -> None:
    r = run(make_caps(spec_types=["none", "ngram-map-k"]), "ngram-map-k", gpu=True)
    assert r.argv == ["--spec-type", "ngram-map-k"]


@pytest.mark.parametrize("kind", ["ngram-simple", "ngram-map-k", "ngram-map-k4v"])
def test_unsupported_variant_emits_nothing_and_warns(kind: str) -> None:
    r = run(make_caps(spec_types=["none", "ngram-mod"]), kind, gpu=True)
    assert r.argv == [] and r.engine is None and kind in r.warnings[0]


# -- mtp, mtp+ngram --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("gpu", "n"), [(True, "2"), (False, "3")])
def test_mtp(gpu: bool, n: str) -> None:
    r = run(FULL, "mtp", PLAIN, gpu=gpu)
    assert r.argv == ["--spec-type", "draft-mtp", "--spec-draft-n-max", n]
    assert (r.mode, r.engine, r.draft_n_max) == ("mtp", "draft-mtp", int(n))


@pytest.mark.parametrize(("gpu", "n"), [(True, "2"), (False, "3")])
def test_mtp_plus_ngram_is_one_comma_chained_spec_type(gpu: bool, n: str) -> None:
    r = run(FULL, "mtp+ngram", BIG_MTP, gpu=gpu)
    assert r.argv == ["--spec-type", "ngram-mod,draft-mtp", "--spec-draft-n-max", n, *NEW_KNOBS]
    assert r.argv.count("--spec-type") == 1
    assert (r.mode, r.engine, r.draft_n_max) == ("mtp+ngram", "draft-mtp", int(n))


def test_mtp_plus_ngram_legacy_keeps_mtp_draft_max() -> None:
    r = run(LEGACY_MTP, "mtp+ngram", BIG_MTP, gpu=True)
    assert r.argv == ["--spec-type", "ngram-mod,draft-mtp", "--draft-max", "2", "--spec-ngram-size-n", "24"]
    assert "--draft-min" not in r.argv


def test_legacy_chained_knobs_are_size_n_only() -> None:
    assert ngram_mod_flags(LEGACY_MTP, chain_with_mtp=True) == ["--spec-ngram-size-n", "24"]
    assert ngram_mod_flags(LEGACY_MTP) == LEGACY_KNOBS
    assert ngram_mod_flags(FULL, chain_with_mtp=True) == NEW_KNOBS
    assert ngram_mod_flags(NOTHING) == []
    assert ngram_mod_flags(FULL, 8, 16, 32)[1::2] == ["8", "16", "32"]


@pytest.mark.parametrize("mode", ["mtp", "mtp+ngram"])
def test_no_mtp_token_emits_nothing_and_warns(mode: str) -> None:
    r = run(NO_MTP, mode, BIG_MTP, gpu=True)
    assert r.argv == [] and r.engine is None and r.draft_n_max is None
    assert "MTP cannot engage" in r.warnings[0]


def test_chained_without_ngram_knobs_is_mtp_only_with_warning() -> None:
    caps = make_caps(spec_types=["none", "draft-mtp"], real=["--spec-draft-n-max"])
    r = run(caps, "mtp+ngram", BIG_MTP, gpu=False)
    assert r.argv == ["--spec-type", "draft-mtp", "--spec-draft-n-max", "3"]
    assert any("MTP only" in w for w in r.warnings)


def test_mtp_alias_token_is_used_when_upstream_token_is_absent() -> None:
    alias = Capabilities.from_help(help_fixture("synthetic-fork-bracket-mtp"))
    assert run(alias, "mtp", gpu=True).argv == ["--spec-type", "mtp", "--spec-draft-n-max", "2"]
    assert run(alias, "mtp+ngram", gpu=True).argv[:2] == ["--spec-type", "ngram-mod,mtp"]


def test_mtp_without_any_n_max_flag_omits_it_and_warns() -> None:
    caps = make_caps(spec_types=["none", "draft-mtp"])
    r = run(caps, "mtp", gpu=True)
    assert r.argv == ["--spec-type", "draft-mtp"] and "--spec-draft-n-max" in r.warnings[0]


# -- auto ------------------------------------------------------------------------------------------------


def test_auto_big_mtp_model_gpu_is_mtp() -> None:
    r = run(FULL, "auto", BIG_MTP, gpu=True)
    assert r.argv == ["--spec-type", "draft-mtp", "--spec-draft-n-max", "2"]
    assert (r.mode, r.engine) == ("auto", "draft-mtp")


def test_auto_big_mtp_model_cpu_is_mtp_plus_ngram() -> None:
    r = run(FULL, "auto", BIG_MTP, gpu=False)
    assert r.argv == ["--spec-type", "ngram-mod,draft-mtp", "--spec-draft-n-max", "3", *NEW_KNOBS]
    assert (r.mode, r.engine, r.draft_n_max) == ("auto", "draft-mtp", 3)


def test_auto_threshold_is_three_billion() -> None:
    assert run(FULL, "auto", ModelInfo(True, 3.0), gpu=True).engine == "draft-mtp"
    assert run(FULL, "auto", ModelInfo(True, 2.9), gpu=True).engine == "ngram-mod"


@pytest.mark.parametrize("gpu", [True, False])
def test_auto_small_mtp_model_falls_back_to_ngram_mod(gpu: bool) -> None:
    r = run(FULL, "auto", SMALL_MTP, gpu=gpu)
    assert r.argv == ["--spec-type", "ngram-mod", *NEW_KNOBS] and r.engine == "ngram-mod"


def test_auto_small_mtp_model_without_ngram_mod_emits_nothing() -> None:
    r = run(make_caps(spec_types=["none", "draft-mtp"], real=["--spec-draft-n-max"]), "auto", SMALL_MTP, gpu=True)
    assert r.argv == [] and r.engine is None


@pytest.mark.parametrize("gpu", [True, False])
def test_auto_non_mtp_model_uses_spec_default(gpu: bool) -> None:
    r = run(FULL, "auto", PLAIN, gpu=gpu)
    assert (r.argv, r.engine, r.mode) == (["--spec-default"], "default", "auto")


def test_auto_non_mtp_before_spec_default_uses_explicit_ngram_mod() -> None:
    r = run(NO_DEFAULT, "auto", PLAIN, gpu=True)
    assert r.argv == ["--spec-type", "ngram-mod", *NEW_KNOBS] and r.engine == "ngram-mod"


def test_auto_non_mtp_with_nothing_supported_emits_nothing() -> None:
    r = run(NOTHING, "auto", PLAIN, gpu=True)
    assert (r.argv, r.engine, r.warnings) == ([], None, [])


def test_none_request_mode_is_auto() -> None:
    assert run(FULL, None, BIG_MTP, gpu=True).mode == "auto"
    assert run(FULL, "nonsense", BIG_MTP, gpu=True).argv == run(FULL, "auto", BIG_MTP, gpu=True).argv


def test_auto_mtp_model_of_unknown_size_is_promoted_with_a_warning() -> None:
    r = run(FULL, "auto", ModelInfo(True, None), gpu=True)
    assert r.engine == "draft-mtp" and "size unknown" in r.warnings[0]


# -- n_max, p_min -----------------------------------------------------------------------------------------


def test_draft_n_max_overrides_the_platform_default() -> None:
    r = run(FULL, "mtp", gpu=True, draft_n_max=6)
    assert r.argv[-2:] == ["--spec-draft-n-max", "6"] and r.draft_n_max == 6
    assert run(FULL, "mtp+ngram", gpu=False, draft_n_max=1).argv[2:4] == ["--spec-draft-n-max", "1"]


@pytest.mark.parametrize("bad", [0, 17, -1, 2.5, True, "3"])
def test_draft_n_max_range(bad: object) -> None:
    with pytest.raises(ValueError, match="draft_n_max"):
        SpecRequest("mtp", draft_n_max=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.2", False])
def test_draft_p_min_range(bad: object) -> None:
    with pytest.raises(ValueError, match="draft_p_min"):
        SpecRequest("mtp", draft_p_min=bad)  # type: ignore[arg-type]


def test_p_min_emitted_with_four_decimals_only_when_mtp_is() -> None:
    r = run(FULL, "mtp", gpu=True, draft_p_min=0.25)
    assert r.argv[-2:] == ["--spec-draft-p-min", "0.2500"]
    assert run(FULL, "auto", BIG_MTP, gpu=True, draft_p_min=0.25).argv[-2:] == ["--spec-draft-p-min", "0.2500"]
    for mode, model in (("ngram", PLAIN), ("off", PLAIN), ("auto", PLAIN), ("auto", SMALL_MTP)):
        assert "--spec-draft-p-min" not in run(FULL, mode, model, gpu=True, draft_p_min=0.25).argv


def test_p_min_without_the_flag_warns() -> None:
    r = run(LEGACY_MTP, "mtp", gpu=True, draft_p_min=0.5)
    assert "--spec-draft-p-min" not in r.argv and "draft_p_min" in r.warnings[-1]


# -- user extra args ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [["--spec-type", "ngram-simple"], ["--spec-type=draft-mtp"], ["--spec-default"],
                                   ["-c", "4096", "--spec-default", "--jinja"]])
def test_extra_args_with_spec_type_or_default_own_the_decision(extra: list[str]) -> None:
    r = resolve(FULL, SpecRequest("mtp"), BIG_MTP, gpu=True, extra_args=extra)
    assert (r.argv, r.mode, r.engine, r.draft_n_max) == ([], None, None, None)


def test_scalar_knobs_in_extra_args_do_not_own_the_decision() -> None:
    r = resolve(FULL, SpecRequest("mtp"), BIG_MTP, gpu=True, extra_args=["--spec-draft-n-max", "5", "-c", "8192"])
    assert r.argv == ["--spec-type", "draft-mtp", "--spec-draft-n-max", "2"] and r.mode == "mtp"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (["--spec-type", "draft-mtp", "-c", "4096"], ["-c", "4096"]),
        (["--spec-type=ngram-mod", "--jinja"], ["--jinja"]),
        (["--spec-default", "--jinja"], ["--jinja"]),
        (["--spec-default", "-c", "4096"], ["-c", "4096"]),
        (["--spec-draft-n-max", "3", "--spec-draft-p-min=0.5", "-ngl", "99"], ["-ngl", "99"]),
        (["--spec-ngram-mod-n-match", "24", "--spec-ngram-mod-n-min", "48", "--spec-ngram-mod-n-max", "64"], []),
        (["--draft-max", "16", "--draft-min", "0", "--draft-p-min", "0.75", "-t", "4"], ["-t", "4"]),
        (["--spec-draft-backend-sampling", "--port", "8080"], ["--port", "8080"]),
        (["--spec-type"], []),
        (["-m", "model.gguf", "--ctx-size", "2048"], ["-m", "model.gguf", "--ctx-size", "2048"]),
    ],
)
def test_strip_spec_flags(given: list[str], kept: list[str]) -> None:
    assert strip_spec_flags(given) == kept


def test_strip_spec_flags_accepts_a_tuple_and_leaves_input_alone() -> None:
    given = ("--spec-type", "draft-mtp", "--jinja")
    assert strip_spec_flags(given) == ["--jinja"] and given == ("--spec-type", "draft-mtp", "--jinja")
