"""Write the tiny random-weight MTP model: ``python scripts/make_tiny_mtp_gguf.py [OUT.gguf] [--seed N]``.

The code lives in ``verifier/tiny_mtp.py`` (``python -m verifier.tiny_mtp`` once installed), so
the README's examples and the integration tier can make the model from any directory.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifier.tiny_mtp import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
