"""The argv proof on real builds: their own parsers accept everything the resolver emits."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import FAILING_BUILD, PASSING_BUILD
from tests.integration.test_real_builds import verifier
from verifier.acceptance import ACCEPTED, REJECTED, parser_verdict

pytestmark = pytest.mark.real


@pytest.mark.parametrize("build", [PASSING_BUILD, FAILING_BUILD])
def test_real_build_accepts_every_emitted_argv(real_build, build: int) -> None:
    done = verifier(real_build(build), "--argv", "--json")
    assert done.returncode == (0 if build == PASSING_BUILD else 1), done.stderr
    (binary,) = json.loads(done.stdout)["binaries"]
    # 31 resolver cases, plus each listed type no case emitted, probed alone.
    without_mode = {c["spec_type_without_mode"] for c in binary["argv"] if c["spec_type_without_mode"]}
    assert without_mode == ({"ngram-cache"} if build == PASSING_BUILD else {"none", "ngram-cache"})
    assert len(binary["argv"]) == 31 + len(without_mode)
    assert [(c["case"], c["outcome"], c["message"]) for c in binary["argv"] if c["outcome"] != ACCEPTED] == []
    assert next(c for c in binary["checks"] if c["id"] == "argv-accepted")["ok"]
    emitted = {" ".join(case["argv"]) for case in binary["argv"]}
    assert ("--spec-type draft-mtp --spec-draft-n-max 2" in emitted) is (build == PASSING_BUILD)
    # Every type the binary lists went through its parser and was accepted.
    types = {t for c in binary["argv"] for i, tok in enumerate(c["argv"]) if tok == "--spec-type"
             for t in c["argv"][i + 1].split(",")}
    assert types == set(binary["capabilities"]["spec_types"])
    if build == PASSING_BUILD:  # draft-model types with a draft path that does not exist
        drafting = {c["engine"] for c in binary["argv"] if "--model-draft" in c["argv"]}
        assert drafting == {"draft-mtp", "draft-dspark", "draft-dflash", "draft-simple", "draft-eagle3"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["--bogus"], "error: invalid argument: --bogus"),
     (["--draft-max", "3"], "the argument has been removed"),
     (["--spec-type", "mtp"], "unknown speculative type: mtp")],
)
def test_real_parser_rejections_are_recognised(real_build, argv: list[str], message: str) -> None:
    verdict = parser_verdict(real_build(PASSING_BUILD), argv, timeout=30)
    assert verdict.outcome == REJECTED and message in verdict.message


def test_resolve_command_on_a_real_build(real_build) -> None:
    done = verifier("resolve", "--binary", real_build(PASSING_BUILD), "--mtp", "--size", "27", "--mode", "auto",
                    "--gpu")
    assert done.returncode == 0 and done.stdout.split() == ["--spec-type", "draft-mtp", "--spec-draft-n-max", "2"]
