"""llama-server-verifier: prove a llama-server binary has the speculative-decoding flags you send it."""

from __future__ import annotations

from verifier.capabilities import Capabilities

__version__ = "0.1.0"
__all__ = ["Capabilities", "__version__"]
