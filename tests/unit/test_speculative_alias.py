"""``verifier.spec`` stays importable, with a warning, for one release after the rename."""

from __future__ import annotations

import importlib
import sys

import pytest


def test_old_package_name_warns_and_re_exports_the_same_objects() -> None:
    for name in [m for m in sys.modules if m == "verifier.spec" or m.startswith("verifier.spec.")]:
        del sys.modules[name]
    with pytest.warns(DeprecationWarning, match="verifier.speculative"):
        old = importlib.import_module("verifier.spec")
    new = importlib.import_module("verifier.speculative")
    assert old.resolve is new.resolve
    assert importlib.import_module("verifier.spec.resolver") is importlib.import_module("verifier.speculative.resolver")
