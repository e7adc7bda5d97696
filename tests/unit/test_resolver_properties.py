"""Property test over capability combinations and requests (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.helpgen import make_caps
from verifier.speculative import ModelInfo, SpecRequest, resolve
from verifier.speculative.modes import MODES

TYPES = ["none", "draft-simple", "draft-mtp", "mtp", "ngram-simple", "ngram-map-k", "ngram-map-k4v", "ngram-mod",
         "ngram-cache"]
FLAGS = ["--spec-default", "--spec-draft-n-max", "--draft-max", "--draft-min", "--spec-draft-p-min",
         "--spec-ngram-size-n", "--spec-ngram-mod-n-match", "--spec-ngram-mod-n-min", "--spec-ngram-mod-n-max",
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
    st.one_of(st.none(), st.sampled_from([*MODES, "draft-mtp", "none", "ngram-mod,mtp", "bogus"])),
    st.one_of(st.none(), st.integers(1, 16)),
    st.one_of(st.none(), st.floats(0, 1)),
)
models = st.builds(ModelInfo, st.booleans(), st.one_of(st.none(), st.floats(0.05, 1000)))


@settings(max_examples=1500, deadline=None)
@given(capabilities, requests, models, st.booleans())
def test_argv_only_uses_what_the_binary_really_has(caps, request, model, gpu) -> None:
    r = resolve(caps, request, model, gpu=gpu)
    flags = [t for t in r.argv if t.startswith("--")]
    for flag in flags:
        assert caps.has(flag), (flag, r.argv)
        assert not caps.is_removed(flag)
    assert len(flags) == len(set(flags)), r.argv
    if "--spec-type" in r.argv:
        for value in r.argv[r.argv.index("--spec-type") + 1].split(","):
            assert value in caps.spec_types, (value, caps.spec_types)
    if "--draft-min" in r.argv and "--draft-max" in r.argv:
        assert int(r.argv[r.argv.index("--draft-min") + 1]) <= int(r.argv[r.argv.index("--draft-max") + 1])
    assert (r.engine is None) == (r.argv == [])
    assert (r.draft_n_max is not None) == (r.engine == "draft-mtp")
