"""The suite inside a GitHub runner step: it passes and writes nothing into the job's files.

A real runner sets ``GITHUB_ACTIONS``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_OUTPUT`` and friends
for the step that runs pytest. The autouse ``clean_environment`` fixture in ``tests/conftest.py``
keeps them from every test; this runs the tests that exercise the Actions output (summary,
annotations, outputs) in a child pytest under such an environment and checks the files stay
empty. ``.ci/run`` runs the whole README test command that way.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_actions_tests_under_a_runner_environment_leave_the_job_files_empty(tmp_path: Path) -> None:
    files = {name: tmp_path / name for name in ("summary.md", "output", "env", "path")}
    for f in files.values():
        f.write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(GITHUB_ACTIONS="true", CI="true", RUNNER_TEMP=str(tmp_path), GITHUB_STEP_SUMMARY=str(files["summary.md"]),
               GITHUB_OUTPUT=str(files["output"]), GITHUB_ENV=str(files["env"]), GITHUB_PATH=str(files["path"]),
               GITHUB_TOKEN="ghp_from_the_runner", GITHUB_API_URL="http://127.0.0.1:9", LLAMA_ARG_PORT="1")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
                           "tests/unit/test_cli_reports.py", "tests/unit/test_relative_paths.py"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert {name: f.read_bytes() for name, f in files.items()} == {name: b"" for name in files}
