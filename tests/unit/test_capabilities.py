"""Capabilities and checks over captured (real-bNNNN) and synthetic help texts."""

from __future__ import annotations

import pytest

from tests.conftest import HELP_DIR, help_fixture
from verifier import Capabilities
from verifier.capabilities import Version
from verifier.checks import DEFAULT_CHECKS, run_checks, select_checks

# fixture: (mtp_token, ngram_mod_flavor, spec_draft_n_max_flag, spec_draft_p_min_flag, map_k, map_k4v, failing checks)
DRAFT_MTP_ERA = ("draft-mtp", "new", "--spec-draft-n-max", "--spec-draft-p-min", True, True, frozenset())
"""Every real build from b9246 on: draft-mtp, today's ngram-mod knobs, ngram-map-k/k4v, no check failing."""
EXPECTED = {
    "real-b9093": (None, "new", "--spec-draft-n-max", "--spec-draft-p-min", True, True, {"spec-type-mtp"}),
    "real-b9113": (None, "new", "--spec-draft-n-max", "--spec-draft-p-min", True, True, {"spec-type-mtp"}),
    **{f"real-b{n}": DRAFT_MTP_ERA for n in (9246, 9830, 9837, 10159, 10173, 10380, 10405, 10867, 10878, 10894,
                                              10917, 10991, 11104, 11434)},
    "synthetic-b7864-no-ngram-mod": (None, None, "--draft-max", None, False, False,
                                     {"spec-type-mtp", "spec-draft-n-max", "ngram-mod-knobs"}),
    "synthetic-b7888-legacy": (None, "legacy", "--draft-max", None, False, False,
                               {"spec-type-mtp", "spec-draft-n-max", "ngram-mod-knobs"}),
    "synthetic-fork-bracket-mtp": ("mtp", "new", "--spec-draft-n-max", "--spec-draft-p-min", False, False, set()),
    "synthetic-fork-comma-mtp-last": ("mtp", "new", "--spec-draft-n-max", "--spec-draft-p-min", False, False, set()),
    "synthetic-stubs": ("draft-mtp", None, None, None, False, False, {"spec-draft-n-max", "ngram-mod-knobs"}),
    "synthetic-spec-type-stub": (None, "new", "--spec-draft-n-max", "--spec-draft-p-min", False, False,
                                 {"spec-type-mtp"}),
    "synthetic-minimal": (None, None, None, None, False, False,
                          {"spec-type-mtp", "spec-draft-n-max", "ngram-mod-knobs"}),
}


def test_every_fixture_has_an_expectation() -> None:
    stems = {p.stem for p in HELP_DIR.glob("*.txt") if not p.name.endswith(".version.txt")} - {"empty"}
    assert stems == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_derived_keys_and_verdict(name: str) -> None:
    token, flavor, n_max, p_min, map_k, map_k4v, failing = EXPECTED[name]
    caps = Capabilities.from_help(help_fixture(name))
    assert caps.mtp_token == token
    assert caps.ngram_mod_flavor == flavor
    assert caps.spec_draft_n_max_flag == n_max
    assert caps.spec_draft_p_min_flag == p_min
    assert caps.supports_ngram_map_k is map_k
    assert caps.supports_ngram_map_k4v is map_k4v
    assert {r.id for r in run_checks(caps) if not r.ok} == failing


def test_b9093_fails_mtp_with_a_detail_saying_draft_mtp_is_not_listed() -> None:
    caps = Capabilities.from_help(help_fixture("real-b9093"))
    (result,) = [r for r in run_checks(caps) if r.id == "spec-type-mtp"]
    assert not result.ok
    assert "draft-mtp (or an mtp alias) is not listed" in result.detail
    assert "ngram-mod" in result.detail  # names what it did list


def test_stub_detail_quotes_the_removal_message() -> None:
    caps = Capabilities.from_help(help_fixture("synthetic-stubs"))
    (result,) = [r for r in run_checks(caps) if r.id == "spec-draft-n-max"]
    assert 'removed-argument stub ("the argument has been removed. use --spec-draft-max-tokens")' in result.detail


def test_legacy_knobs_fail_ngram_mod_check_and_say_so() -> None:
    caps = Capabilities.from_help(help_fixture("synthetic-b7888-legacy"))
    (result,) = [r for r in run_checks(caps) if r.id == "ngram-mod-knobs"]
    assert "only the legacy knobs --spec-ngram-size-n, --draft-min, --draft-max are real" in result.detail
    (n_max,) = [r for r in run_checks(caps) if r.id == "spec-draft-n-max"]
    assert "pre-rename --draft-max instead" in n_max.detail


def test_spec_type_stub_lists_no_types() -> None:
    caps = Capabilities.from_help(help_fixture("synthetic-spec-type-stub"))
    assert caps.spec_types == () and caps.is_removed("--spec-type") and not caps.supports_ngram_mod


def test_optional_p_min_check_only_when_required() -> None:
    assert "spec-draft-p-min" not in DEFAULT_CHECKS
    ids = select_checks(require=["spec-draft-p-min"])
    caps = Capabilities.from_help(help_fixture("synthetic-b7888-legacy"))
    (result,) = [r for r in run_checks(caps, ids) if r.id == "spec-draft-p-min"]
    assert not result.ok and "--spec-draft-p-min is not listed" in result.detail
    assert select_checks(skip=["ngram-mod-knobs"]) == ("spec-type-mtp", "spec-draft-n-max")
    with pytest.raises(KeyError):
        select_checks(require=["nope"])


def test_real_and_removed_argument_sets() -> None:
    caps = Capabilities.from_help(help_fixture("real-b11434"))
    assert "--spec-default" in caps.arguments and "--draft-max" in caps.removed
    assert caps.has("--spec-draft-p-min") and caps.has("--draft-p-min")  # alias of a real argument
    assert not caps.has("--draft-max") and caps.is_removed("--draft-max")


@pytest.mark.parametrize(
    ("output", "text", "build"),
    [
        ("version: 9204 (726704a)\nbuilt with cc for x86_64", "9204 (726704a)", 9204),
        ("version: 0.1.1-dev (build 11434, commit abc123)", "0.1.1-dev (build 11434, commit abc123)", 11434),
        ("version: 0.1.1-dev (build 0, commit unknown)", "0.1.1-dev (build 0, commit unknown)", None),
        ("load_backend: x\nversion: 0.6.0-dev (build 10394, commit 1)\n", "0.6.0-dev (build 10394, commit 1)", 10394),
    ],
)
def test_version_formats(output: str, text: str, build: int | None) -> None:
    assert Version.parse(output) == Version(text, build)


def test_unrecognised_version_is_none() -> None:
    assert Version.parse("") is None and Version.parse("llama-server 1.0") is None
    assert Capabilities.from_help("--port N   port\n").build is None


def test_real_version_fixture() -> None:
    version = Version.parse((HELP_DIR / "real-b11434.version.txt").read_text())
    assert version is not None and version.build == 11434
