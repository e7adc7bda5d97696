"""Property test over capability combinations, requests and models, drafter modes included (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.helpgen import make_caps
from verifier.speculative import Drafter, KVShape, ModelInfo, Placement, SpecRequest, resolve
from verifier.speculative.modes import MODES
from verifier.speculative.resolver import DRAFTING_ENGINES

TYPES = ["none", "draft-simple", "draft-eagle3", "draft-mtp", "mtp", "draft-dflash", "draft-dspark", "ngram-simple",
         "ngram-map-k", "ngram-map-k4v", "ngram-mod", "ngram-cache"]
FLAGS = ["--spec-default", "--spec-draft-n-max", "--draft-max", "--draft-min", "--spec-draft-p-min",
         "--spec-ngram-size-n", "--spec-ngram-mod-n-match", "--spec-ngram-mod-n-min", "--spec-ngram-mod-n-max",
         "--model-draft", "--spec-draft-device", "--spec-draft-type-k", "--spec-draft-type-v",
         *[f"--spec-{k}-{knob}" for k in ("ngram-map-k", "ngram-map-k4v") for knob in ("size-n", "size-m", "min-hits")]]

capabilities = st.builds(
    lambda types, flags, stubs, bracket, has_type: make_caps(
        spec_types=types if has_type else None, real=sorted(flags), stubs=sorted(stubs - flags), bracket=bracket),
    st.lists(st.sampled_from(TYPES), unique=True),
    st.frozensets(st.sampled_from(FLAGS)),
    st.frozensets(st.sampled_from(FLAGS)),
    st.booleans(),
    st.booleans(),
)
requests = st.builds(
    SpecRequest,
    st.one_of(st.none(), st.sampled_from([*MODES, "draft-mtp", "draft-dspark", "none", "ngram-mod,mtp", "bogus"])),
    st.one_of(st.none(), st.integers(1, 16)),
    st.one_of(st.none(), st.floats(0, 1)),
    st.one_of(st.none(), st.just("draft.gguf")),
    st.one_of(st.none(), st.just("CUDA1")),
    st.one_of(st.none(), st.sampled_from(["q8_0", "f16"])),
    st.booleans(),
)
_MLA = KVShape("deepseek2", 32, 32, (8,) * 32, 192, 128, nextn=1, kv_lora_rank=512)
_HYBRID = KVShape("qwen35", 32, 32, (8,) * 32, 128, 128, nextn=1, full_attention_interval=4, ssm_inner_size=4096)
drafters = st.lists(st.sampled_from([Drafter("mtp", "mtp-x.gguf"), Drafter("dspark", "dspark-x.gguf"),
                                     Drafter("dflash", "dflash-x.gguf")]), unique=True).map(tuple)
models = st.builds(
    lambda is_mtp, size, layers, found, kv, gemma4: ModelInfo(
        is_mtp or bool(layers) or any(d.kind == "mtp" for d in found), size, None, layers, found, kv, gemma4=gemma4),
    st.booleans(), st.one_of(st.none(), st.floats(0.05, 1000)), st.one_of(st.none(), st.integers(0, 2)), drafters,
    st.sampled_from([None, _MLA, _HYBRID]), st.booleans(),
)
placements = st.builds(Placement, st.one_of(st.none(), st.integers(-1, 40)), st.booleans(), st.booleans())
extra_args = st.sampled_from([(), None, ("--device", "CUDA0"), ("-devd", "CUDA2", "-ctkd", "f16")])


@settings(max_examples=1500, deadline=None)
@given(capabilities, requests, models, st.booleans(), placements, extra_args)
def test_argv_only_uses_what_the_binary_really_has(caps, request, model, gpu, placement, extra) -> None:
    r = resolve(caps, request, model, gpu=gpu, placement=placement, extra_args=extra)
    flags = [t for t in r.argv if t.startswith("-")]
    for flag in flags:
        assert caps.has(flag), (flag, r.argv)
        assert not caps.is_removed(flag)
    assert len(flags) == len(set(flags)), r.argv
    if "--spec-type" in r.argv:
        for value in r.argv[r.argv.index("--spec-type") + 1].split(","):
            assert value in caps.spec_types, (value, caps.spec_types)
    if "--draft-min" in r.argv and "--draft-max" in r.argv:
        assert int(r.argv[r.argv.index("--draft-min") + 1]) <= int(r.argv[r.argv.index("--draft-max") + 1])
    if model.known_no_mtp and r.drafter is None:  # a draft model the caller gave for forced mtp may be MTP
        assert "draft-mtp" not in " ".join(r.argv) and " mtp" not in " " + " ".join(r.argv), r.argv
    assert (r.engine is None) == (r.argv == [])
    assert (r.draft_n_max is not None) == (r.engine in DRAFTING_ENGINES)
    assert ("--model-draft" in r.argv) == (r.drafter is not None)
    if r.argv == [] and r.mode not in (None, "auto", "off"):
        assert r.reason is not None, r  # an explicit request that emits nothing always says why
