"""Deprecated alias of :mod:`verifier.speculative`, kept importable for one release.

``spec`` reads as "tests" in many ecosystems, so the resolver package was renamed. Old
imports (``verifier.spec`` and its submodules) keep working and warn once.
"""

from __future__ import annotations

import importlib
import sys
import warnings

from verifier import speculative as _speculative
from verifier.speculative import *  # noqa: F403 - the alias re-exports the whole public API

__all__ = list(_speculative.__all__)

for _name in ("drafters", "extras", "gguf_header", "kv", "model", "modes", "outcome", "reload", "resolver", "usage",
              "vram"):
    sys.modules[f"{__name__}.{_name}"] = importlib.import_module(f"verifier.speculative.{_name}")

warnings.warn("verifier.spec is deprecated; import verifier.speculative instead", DeprecationWarning, stacklevel=2)
