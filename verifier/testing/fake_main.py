"""Entry point of the generated fake llama-server script: ``main(build, argv)``."""

from __future__ import annotations

import sys
from typing import Sequence


def main(build: int, argv: Sequence[str]) -> int:
    from verifier.oracle.corpus import capture
    from verifier.testing.parser import FakeParser

    found = capture(build)
    answer = FakeParser(found.help, found.version).answer(argv)
    sys.stdout.write(answer.stdout)
    sys.stderr.write(answer.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    return answer.exit_code
