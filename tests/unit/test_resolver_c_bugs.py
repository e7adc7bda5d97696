"""Regression tests for the project bugs C1-C8 of issue 12 and the two forced-MTP warnings.

Each was found by porting the reference application's own test suite onto this project's API.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import help_fixture
from tests.support.helpgen import help_line
from tests.unit.test_resolver_modes import write_gguf
from verifier import Capabilities
from verifier.speculative import (
    LoadedState, LoadRequest, ModelInfo, SpecRequest, backfill_usage, mtp_will_engage, needs_reload, parse_size,
    resolve, strip_spec_flags,
)
from verifier.speculative.outcome import FallbackReason
from verifier.speculative.resolver import extra_args_own_spec

FULL = Capabilities.from_help(help_fixture("real-b11434"))
BIG_MTP = ModelInfo(True, 27.0)


# -- C1: llama.cpp turns '_' into '-' in '--' argument names ----------------------------------------------


@pytest.mark.parametrize("extra", [["--spec_type", "none"], ["--spec_default"], ["--spec_type=ngram-mod"],
                                   ["--spec_draft_n_max", "4", "--spec_type=none"]])
def test_c1_underscore_spelling_owns_the_spec_block(extra: list[str]) -> None:
    assert extra_args_own_spec(extra)
    r = resolve(FULL, SpecRequest("auto"), BIG_MTP, gpu=True, extra_args=extra)
    assert (r.argv, r.mode, r.engine) == ([], None, None)


def test_c1_underscore_spec_type_requests_mtp_and_is_stripped() -> None:
    assert mtp_will_engage(FULL, SpecRequest("off"), ModelInfo(False, 8.0), extra_args=["--spec_type=draft-mtp"])
    assert mtp_will_engage(FULL, SpecRequest("off"), ModelInfo(False, 8.0), extra_args=["--spec_type", "ngram-mod,mtp"])
    kept = strip_spec_flags(["--jinja", "--spec_type", "draft-mtp", "--spec_draft_n_max=4", "--spec_default",
                             "-c", "8"])
    assert kept == ["--jinja", "-c", "8"]


# -- C2: an organisation name is not a model marker -------------------------------------------------------


def test_c2_organisation_name_is_not_an_mtp_marker() -> None:
    assert not ModelInfo.from_name("mtp-research/Llama-3.1-8B-Instruct-GGUF").is_mtp
    assert ModelInfo.from_name("mtp-research/Llama-3.1-8B-Instruct-GGUF").size_b == pytest.approx(8.0)
    assert ModelInfo.from_name("unsloth/Qwen3.6-27B-MTP-GGUF").is_mtp
    assert not ModelInfo.from_name("70b-labs/Qwen3-1.7B-GGUF").size_b == 70.0


# -- C3: None extra args mean "inherit", not a crash -------------------------------------------------------


def test_c3_none_extra_args_are_accepted_everywhere() -> None:
    assert resolve(FULL, SpecRequest("mtp"), BIG_MTP, gpu=True, extra_args=None).engine == "draft-mtp"
    assert mtp_will_engage(FULL, SpecRequest("mtp"), BIG_MTP, extra_args=None)
    assert strip_spec_flags(None) == []
    assert not extra_args_own_spec(None)


# -- C4: a real prompt_tokens is kept; cached tokens count --------------------------------------------------


def test_c4_backfill_keeps_a_real_prompt_count_and_counts_cached_tokens() -> None:
    usage = {"completion_tokens": 0, "prompt_tokens": 120, "total_tokens": 120}
    filled = backfill_usage(usage, {"predicted_n": 30, "prompt_n": 8, "cache_n": 112})
    assert filled == {"completion_tokens": 30, "prompt_tokens": 120, "total_tokens": 150}
    empty = backfill_usage(None, {"predicted_n": 30, "prompt_n": 8, "cache_n": 112})
    assert empty == {"completion_tokens": 30, "prompt_tokens": 120, "total_tokens": 150}


# -- C5: types listed in the description, not the hint ------------------------------------------------------


def test_c5_spec_types_listed_in_the_description() -> None:
    text = help_line("--spec-type TYPE", "type of speculative decoding to use, one of: none, ngram-mod,") + "\n" + \
        " " * 40 + "draft-mtp (default: none)\n" + help_line("--spec-draft-n-max N", "draft tokens (default: 3)") + "\n"
    caps = Capabilities.from_help(text)
    assert caps.mtp_token == "draft-mtp"
    assert "ngram-mod" in caps.spec_types
    r = resolve(caps, SpecRequest("mtp"), BIG_MTP, gpu=True)
    assert r.argv == ["--spec-type", "draft-mtp", "--spec-draft-n-max", "2"]


def test_c5_description_mention_of_smtp_is_not_a_type() -> None:
    text = help_line("--spec-type TYPE", "type of speculative decoding; see smtp-docs (default: none)") + "\n"
    assert Capabilities.from_help(text).mtp_token is None


# -- C6: identity normalisation in the reload guard -----------------------------------------------------------


def test_c6_case_and_dot_segments_do_not_reload() -> None:
    state = LoadedState("unsloth/Qwen3.6-27B-MTP-GGUF", "/models/a/model.gguf", 8192, "q8_0", "auto", "draft-mtp",
                        None, None, ())
    same = LoadRequest("UNSLOTH/qwen3.6-27b-mtp-gguf", "/models/a/../a/model.gguf", 8192, " Q8_0 ", SpecRequest("auto"))
    assert not needs_reload(state, same)
    assert needs_reload(state, LoadRequest("unsloth/Qwen3.6-27B-MTP-GGUF", "/models/b/model.gguf", 8192, "q8_0"))


# -- C7: strip by argument, keep draft placement ---------------------------------------------------------------


def test_c7_aliases_are_stripped_by_argument() -> None:
    extra = ["--model-draft", "d.gguf", "-md", "d.gguf", "-hfd", "u/r", "--hf-repo-draft", "u/r", "--jinja"]
    assert strip_spec_flags(extra, FULL) == ["--jinja"]
    assert strip_spec_flags(extra) == ["--jinja"]


def test_c7_draft_placement_flags_are_kept() -> None:
    extra = ["-ngld", "99", "--gpu-layers-draft", "99", "-ctkd", "q8_0", "--cache-type-k-draft", "q8_0",
             "--spec-draft-device", "CUDA1", "-devd", "CUDA1", "--spec-draft-n-max", "4"]
    assert strip_spec_flags(extra, FULL) == extra[:-2]
    assert strip_spec_flags(extra) == extra[:-2]


def test_c7_boolean_alias_does_not_eat_the_next_token() -> None:
    # -cmoed is a boolean placement flag (kept); --no-spec-draft-backend-sampling is boolean (stripped).
    extra = ["--no-spec-draft-backend-sampling", "-cmoed", "--jinja"]
    assert strip_spec_flags(extra, FULL) == ["-cmoed", "--jinja"]


# -- C8: effective-parameter names --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "size"), [("gemma-4-E2B-it", 2.0), ("unsloth/gemma-4-E4B-it-GGUF", 4.0),
                                            ("gemma-4-26B-A4B", 4.0), ("gemma-4-31B-it", 31.0)])
def test_c8_effective_parameter_names_have_a_size(name: str, size: float) -> None:
    assert parse_size(name) == pytest.approx(size)


# -- forced MTP on a non-MTP or tiny model -------------------------------------------------------------------------


def test_forced_mtp_on_a_model_known_to_lack_mtp_layers_warns_and_falls_back(tmp_path: Path) -> None:
    model = ModelInfo.from_gguf(write_gguf(tmp_path / "plain.gguf", nextn=0, size_label="8B"))
    assert model.known_no_mtp
    for mode in ("mtp", "mtp+ngram"):
        r = resolve(FULL, SpecRequest(mode), model, gpu=True)
        assert "draft-mtp" not in " ".join(r.argv)
        assert r.reason == FallbackReason.MODEL_NO_MTP
        assert any("no MTP layers" in w for w in r.warnings)
    assert resolve(FULL, SpecRequest("mtp"), model, gpu=True).argv == ["--spec-default"]
    assert not mtp_will_engage(FULL, SpecRequest("mtp"), model)


def test_forced_mtp_on_a_model_without_the_key_is_also_known(tmp_path: Path) -> None:
    model = ModelInfo.from_gguf(write_gguf(tmp_path / "plain.gguf", size_label="8B"))
    assert model.known_no_mtp and resolve(FULL, SpecRequest("mtp"), model, gpu=True).engine != "draft-mtp"


def test_forced_mtp_on_a_tiny_model_engages_with_a_warning() -> None:
    r = resolve(FULL, SpecRequest("mtp"), ModelInfo(True, 0.8), gpu=True)
    assert r.engine == "draft-mtp" and r.reason is None
    assert any("below 3B" in w for w in r.warnings)
    assert not resolve(FULL, SpecRequest("mtp"), BIG_MTP, gpu=True).warnings
