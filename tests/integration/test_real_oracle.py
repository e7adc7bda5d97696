"""The oracle on real builds: --accepts verdicts and hints, and the fake of a capture answering as the build does."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.integration.conftest import FAILING_BUILD, PASSING_BUILD
from tests.integration.test_real_builds import verifier
from verifier.testing import fake_llama_server

pytestmark = pytest.mark.real

ARGVS = [["--draft-max", "3"], ["-dio"], ["--spec-type", "mtp"], ["-c"], ["-c", "x"], ["stray"], ["--ctx-size=4096"],
         ["--spec_draft_n_max", "x"], ["--spec-type", "ngram-mod,draft-mtp", "--draft-min", "2"]]


def test_accepts_on_real_11434(real_build) -> None:
    done = verifier(real_build(PASSING_BUILD), "--json", "--accepts",
                    "--spec-type draft-mtp --spec-draft-n-max 2 -c 4096", "--accepts", "--draft-max 3",
                    "--accepts", "-dio", "--accepts", "-m /srv/models/app.gguf -hf org/repo --port 8080")
    assert done.returncode == 1, done.stderr
    (binary,) = json.loads(done.stdout)["binaries"]
    ok, removed, dio, inputs = binary["accepts"]
    assert ok["accepted"] and "nonexistent-model.gguf" in ok["message"]
    assert removed["argument"] == "--draft-max"
    assert removed["hint"] == "--draft-max was removed: use --spec-draft-n-max or --spec-ngram-mod-n-max"
    assert dio["message"] == "error: invalid argument: -dio"
    assert dio["hint"].startswith("-dio is not an argument of this build; --load-mode is")
    assert inputs["accepted"] and "-hf" not in inputs["probed"] and "/srv/models/app.gguf" not in inputs["probed"]


def conclusive_answer(argv: list[str], cwd) -> subprocess.CompletedProcess[str]:
    """llama-server's answer to ``argv``, asked again while it exits before its log says why.

    A parser error is printed synchronously; "failed to load model" goes through the async
    log, which a loaded machine sometimes does not flush before exit(1). The verifier asks
    again for the same reason (verifier.acceptance.parser_verdict); here the bound only
    stops a binary that never says.
    """
    for _ in range(10):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=cwd)
        if done.stderr.startswith("error") or "failed to load model" in done.stderr:
            break
    return done


@pytest.mark.parametrize("build", [PASSING_BUILD, FAILING_BUILD])
def test_the_fake_answers_as_the_real_build(real_build, build: int, tmp_path) -> None:
    real = real_build(build)
    fake = fake_llama_server(build, tmp_path)
    for argv in ARGVS:
        # as the argv proof runs them: a missing model (nothing loads) and no public port (no router server)
        tail = ["-m", "missing.gguf", "--host", "127.0.0.1", "--port", "0"]
        answers = [conclusive_answer([*cmd, *argv, *tail], tmp_path) for cmd in ([str(real)], fake.argv)]
        assert answers[0].returncode == answers[1].returncode, argv
        if answers[0].stderr.startswith("error"):
            assert answers[1].stderr == answers[0].stderr, argv
        else:
            assert "failed to load model" in answers[0].stderr and "failed to load model" in answers[1].stderr
    shown = subprocess.run([str(real), "--help"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert shown.stdout == fake.help_text
