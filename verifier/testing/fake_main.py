"""Entry point of the generated fake llama-server script: ``main(build, argv)``."""

from __future__ import annotations

import sys
from typing import Sequence


def main(build: int, argv: Sequence[str]) -> int:
    from verifier.oracle.corpus import capture
    from verifier.testing.parser import FakeParser

    found = capture(build)
    answer = FakeParser(found.help, found.version).answer(argv)
    # bytes, as the real binary writes them: no CRLF translation on Windows, no console encoding errors
    sys.stdout.buffer.write(answer.stdout.encode("utf-8"))
    sys.stderr.buffer.write(answer.stderr.encode("utf-8"))
    sys.stdout.buffer.flush()
    sys.stderr.buffer.flush()
    return answer.exit_code
