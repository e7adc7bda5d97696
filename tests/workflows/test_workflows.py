"""The reusable workflows, ci.yml and the composite action, executed by act (see conftest).

Only the ``ubuntu-latest`` legs run here (act would run a macOS or Windows leg on this Linux
host and call it that); the tests say which legs they expect.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ci.run_local import ActResult
from tests.integration.conftest import FAILING_BUILD, PASSING_BUILD
from tests.support.archives import server_archive
from tests.support.github_pulls import GitHubPulls
from tests.support.github_releases import FakeGitHub, host_platform
from tests.workflows.conftest import APP, TOOLKIT, git, new_repo

pytestmark = pytest.mark.workflows
UP, _ = host_platform()


def explain(result: ActResult) -> str:
    return f"act exit {result.returncode}; jobs {result.jobs}\n" + result.text()[-6000:]


def release_with(gh: FakeGitHub, tmp_path: Path, binary: Path, number: int, *, latest: bool = True) -> None:
    """A release ``b<number>`` holding the real build in today's Linux layout."""
    tag = f"b{number}"
    archive = server_archive(tmp_path / f"{tag}.tar.gz", binary.read_bytes(), layout="top", tag=tag)
    gh.add_release(tag, {f"llama-{tag}-bin-{UP}.tar.gz": archive}, latest=latest)


def suite_is_green(result: ActResult) -> None:
    assert result.returncode == 0, explain(result)
    assert {k: result.jobs.get(k) for k in ("tests", "collate")} == {"tests": "success", "collate": "success"}, \
        explain(result)


def per_pr_is_green(result: ActResult) -> None:
    assert result.returncode == 0, explain(result)
    assert result.jobs == {"resolve": "success", "suite": "success"}, explain(result)


# -- 1. ci.yml on push ---------------------------------------------------------------------------

def test_ci_on_push_lints_runs_the_suite_collates_and_probes(act, toolkit, tmp_path, real_build) -> None:
    root, _ = toolkit
    with FakeGitHub() as gh:
        release_with(gh, tmp_path, real_build(PASSING_BUILD), PASSING_BUILD)
        result = act(root, ".github/workflows/ci.yml", "push", api_url=gh.api.url)
        downloads = gh.storage_downloads()
    jobs = result.jobs
    assert jobs == {"lint-workflows": "success", "tests": "success", "collate": "success", "probe": "success",
                    "action": "success"}, explain(result)
    assert result.returncode == 0, explain(result)
    junit = result.artifacts / "junit-ubuntu-latest" / "junit.xml"
    assert junit.is_file() and "<testsuite" in junit.read_text(encoding="utf-8")
    # The job summaries hold what the workflows meant to write, and nothing from the suite's fakes.
    writers = {(s.job, s.step) for s in result.summaries}
    assert writers == {("lint-workflows", "Lint the workflows and action.yml"),
                       ("collate", "Fail when a test was skipped on every runner"),
                       ("probe", "Verify the prebuilt for this runner"),
                       ("action", "Verify llama.cpp's latest ubuntu prebuilt with this repository's action")}, writers
    asset = f"llama-b{PASSING_BUILD}-bin-{UP}.tar.gz"
    assert downloads and all(r.path.endswith("/" + asset) for r in downloads)  # through the loopback fake
    assert asset in result.output("probe") and asset in result.output("action"), explain(result)


# -- 2. ci.yml on a pull request ---------------------------------------------------------------

def test_ci_on_a_pull_request_runs_the_pr_head(act, toolkit, tmp_path) -> None:
    root, base = toolkit
    head_repo = tmp_path / "head"
    git(tmp_path, "clone", "--quiet", str(root), str(head_repo))
    marker = "def test_only_on_the_pr_head() -> None:\n    assert True\n"
    (head_repo / "tests" / "unit" / "test_pr_head_marker.py").write_text(marker, encoding="utf-8")
    git(head_repo, "add", "-A")
    git(head_repo, "commit", "--quiet", "-m", "PR head")
    head = git(head_repo, "rev-parse", "HEAD")
    git(root, "fetch", "--quiet", str(head_repo), f"{head}:refs/pull/7/head")
    payload = {"number": 7, "pull_request": {"number": 7, "head": {"sha": head, "ref": "topic"},
                                              "base": {"sha": base, "ref": "main"}}}
    try:
        with GitHubPulls(TOOLKIT) as gh:
            gh.add_pull(7, head_ref="topic", sha=head)
            result = act(root, ".github/workflows/ci.yml", "pull_request", api_url=gh.url, payload=payload,
                         job="per-pr")
            asked = [r.path for r in gh.requests]
    finally:
        git(root, "update-ref", "-d", "refs/pull/7/head")
    per_pr_is_green(result)
    assert f"/repos/{TOOLKIT}/pulls/7" in asked
    junit = result.artifacts / "pr-junit-pr7-ubuntu-latest" / "junit.xml"
    assert "test_only_on_the_pr_head" in junit.read_text(encoding="utf-8")  # the PR's head, not the base


# -- 3. prebuilt-probe.yml ---------------------------------------------------------------------

def test_prebuilt_probe_fails_a_build_without_draft_mtp(act, toolkit, tmp_path, real_build) -> None:
    root, _ = toolkit
    number = FAILING_BUILD
    payload = {"inputs": {"tag": f"b{number}", "repo": "ggml-org/llama.cpp", "runners": '["ubuntu-latest"]'}}
    with FakeGitHub() as gh:
        release_with(gh, tmp_path, real_build(number), number)
        result = act(root, ".github/workflows/prebuilt-probe.yml", "workflow_dispatch", api_url=gh.api.url,
                     payload=payload)
    assert result.jobs == {"probe": "failure"}, explain(result)
    assert result.returncode != 0
    # The annotation is a workflow command: act consumes it (not step output) and logs it.
    assert "::error title=spec-type-mtp failed::" in result.text(), explain(result)
    assert "FAIL   spec-type-mtp" in result.output("probe"), explain(result)


# -- 4. the composite action -------------------------------------------------------------------

ACTION_CALLER = """\
name: Verify
on: push
permissions: {}
jobs:
  verify:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - name: Build (here, a copy of a real build)
        run: mkdir -p build/bin && cp "$LLAMA_SERVER_BUILD" build/bin/llama-server
      - uses: acme/llama-server-verifier@TOOLKIT_SHA # v0.1.0
        with:
          binary: build/bin/llama-server
  both:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    permissions:
      contents: read
    steps:
      - uses: acme/llama-server-verifier@TOOLKIT_SHA # v0.1.0
        with:
          binary: build/bin/llama-server
          release: b11434
"""


@pytest.mark.parametrize("number, result_of_verify", [(PASSING_BUILD, "success"), (FAILING_BUILD, "failure")])
def test_composite_action_verifies_a_relative_binary(act, toolkit, tmp_path, real_build, number,
                                                     result_of_verify) -> None:
    toolkit_root, toolkit_sha = toolkit
    app = tmp_path / "app"
    new_repo(app, APP, {".github/workflows/verify.yml": ACTION_CALLER.replace("TOOLKIT_SHA", toolkit_sha)})
    result = act(app, ".github/workflows/verify.yml", "push",
                 local_repositories={f"{TOOLKIT}@{toolkit_sha}": toolkit_root},
                 env={"LLAMA_SERVER_BUILD": str(real_build(number))})
    assert result.jobs == {"verify": result_of_verify, "both": "failure"}, explain(result)
    verify = result.output("verify")
    exits = [r.get("msg", "") for r in result.records if r.get("jobID") == "verify" and
             str(r.get("msg", "")).startswith("exit status")]
    if result_of_verify == "failure":  # the verifier's own verdict (exit 1), not a crash or bad input (2)
        assert exits and set(exits) == {"exit status 1"}, explain(result)
        assert "spec-type-mtp" in verify
    else:
        assert "verdict: PASS" in verify, explain(result)
    # binary + release: refused by the first step, before Python is set up or anything installed.
    both = [r for r in result.records if r.get("jobID") == "both"]
    assert any("give binary or release, not both" in str(r.get("msg", "")) for r in both), explain(result)
    assert not any("Set up Python for the verifier" in str(r.get("step", "")) and r.get("stepResult")
                   for r in both), explain(result)


# -- 5. a caller in another repository, without toolkit inputs ---------------------------------

APP_WORKFLOW = """\
name: App CI
on: push
permissions: {}
concurrency:
  group: app-ci-${{ github.ref }}
  cancel-in-progress: true
jobs:
  resolver:
    uses: acme/llama-server-verifier/.github/workflows/resolver-suite.yml@TOOLKIT_SHA # v0.1.0
    permissions:
      contents: read
    with:
      pytest-args: tests
"""
APP_TEST = "def test_the_app_resolver() -> None:\n    assert 1 + 1 == 2\n"


def emulate_job_workflow_context(source: Path, dest: Path, sha: str) -> Path:
    """The toolkit's workflows as GitHub runs them: ``job.workflow_repository``/``_sha`` filled in.

    act 0.2.x leaves them empty (as GitHub Enterprise Server does); GitHub sets them to the
    called workflow's repository and commit, which is what this copy writes in their place.
    """
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".git"))
    for path in (dest / ".github" / "workflows").glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        text = text.replace("job.workflow_repository", f"'{TOOLKIT}'").replace("job.workflow_sha", f"'{sha}'")
        path.write_text(text, encoding="utf-8")
    return dest


@pytest.mark.parametrize("github_fills_job_context", [True, False])
def test_a_caller_in_another_repository_needs_no_toolkit_inputs(act, toolkit, tmp_path,
                                                                github_fills_job_context) -> None:
    toolkit_root, toolkit_sha = toolkit
    app = tmp_path / "app"
    new_repo(app, APP, {".github/workflows/ci.yml": APP_WORKFLOW.replace("TOOLKIT_SHA", toolkit_sha),
                        "tests/test_app.py": APP_TEST})
    called = (emulate_job_workflow_context(toolkit_root, tmp_path / "called", toolkit_sha)
              if github_fills_job_context else toolkit_root)
    result = act(app, ".github/workflows/ci.yml", "push", repositories={TOOLKIT: toolkit_root},
                 local_repositories={f"{TOOLKIT}@{toolkit_sha}": called})
    if github_fills_job_context:
        assert result.jobs == {"tests": "success", "collate": "success"}, explain(result)
        assert "checked out acme/llama-server-verifier@" + toolkit_sha in result.output("collate")
    else:  # act's (and GHES's) empty job context: the caller's repository is checked out and named
        assert result.jobs == {"tests": "success", "collate": "failure"}, explain(result)
        assert "pass toolkit-repository and toolkit-ref" in result.text(), explain(result)


# -- 6. negative controls: broken copies of the workflows make the tier fail -------------------
#
# Each runs a broken copy through the same check a test above uses and shows that the check
# fails. act is more lenient than GitHub in places (an unparsable matrix only skips the job
# and exits 0), so the checks look at each job's result, not only at act's exit code.

def broken_copy(toolkit_root: Path, dest: Path, workflow: str, old: str, new: str) -> str:
    """A copy of the toolkit with one edit in one workflow; returns its HEAD."""
    new_repo(dest, TOOLKIT, copy_from=toolkit_root)
    path = dest / ".github" / "workflows" / workflow
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{workflow} no longer has {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    git(dest, "commit", "--quiet", "-am", "break it")
    return git(dest, "rev-parse", "HEAD")


def test_negative_control_a_wrong_needs_fails(act, toolkit, tmp_path) -> None:
    root, _ = toolkit
    broken = tmp_path / "broken"
    broken_copy(root, broken, "resolver-suite.yml", "    needs: tests\n", "    needs: test\n")
    result = act(broken, ".github/workflows/ci.yml", "push", job="suite")
    with pytest.raises(AssertionError):
        suite_is_green(result)
    assert result.returncode != 0 and "tests" not in result.jobs, explain(result)


def test_negative_control_a_wrong_output_name_fails(act, toolkit, tmp_path) -> None:
    root, _ = toolkit
    broken = tmp_path / "broken"
    head = broken_copy(root, broken, "per-pr-jobs.yml", "steps.matrix.outputs.matrix }}",
                       "steps.matrix.outputs.matrx }}")
    payload = {"inputs": {"prs": "7", "runners": '["ubuntu-latest"]', "pytest-args": "tests/unit/test_drift.py"}}
    with GitHubPulls(TOOLKIT) as gh:
        gh.add_pull(7, sha=head)
        result = act(broken, ".github/workflows/per-pr-jobs.yml", "workflow_dispatch", api_url=gh.url,
                     payload=payload)
    with pytest.raises(AssertionError):
        per_pr_is_green(result)
    assert result.jobs.get("resolve") == "success" and "suite" not in result.jobs, explain(result)
    assert "Error while evaluating matrix" in result.text()


def test_negative_control_a_missing_input_fails(act, toolkit, tmp_path) -> None:
    root, _ = toolkit
    broken = tmp_path / "broken"
    broken_copy(root, broken, "prebuilt-probe.yml", "          RELEASE_TAG: ${{ inputs.tag }}\n", "")
    payload = {"inputs": {"tag": "b1", "runners": '["ubuntu-latest"]'}}
    with FakeGitHub() as gh:
        result = act(broken, ".github/workflows/prebuilt-probe.yml", "workflow_dispatch", api_url=gh.api.url,
                     payload=payload)
    assert result.jobs == {"probe": "failure"} and result.returncode != 0, explain(result)
    assert "--release needs a tag" in result.output("probe"), explain(result)
