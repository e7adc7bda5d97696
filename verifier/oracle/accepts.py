"""``--accepts``: prove an application's own llama-server argv against a binary's real parser.

Each argv is prepared (:mod:`verifier.oracle.argv`: the model becomes one that does not
exist, network inputs are left out, file inputs become empty stand-ins) and run once
through :func:`verifier.acceptance.parser_verdict`. The result says accepted or rejected,
with the binary's own error line, the argument it named and a hint from the help.
"""

from __future__ import annotations

import shlex
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from verifier.acceptance import ParserVerdict, parser_verdict
from verifier.capabilities import Capabilities
from verifier.checks import CheckResult
from verifier.oracle.argv import HIDDEN, PreparedArgv, prepare
from verifier.oracle.hints import hint, named_argument

CHECK_ID = "accepts"


@dataclass(frozen=True)
class AcceptsResult:
    prepared: PreparedArgv
    verdict: ParserVerdict
    argument: str | None
    """The argument the error line names (rejected only; None when it names none)."""
    hint: str | None

    @property
    def command(self) -> str:
        return shlex.join(self.prepared.shown())

    @property
    def message(self) -> str:
        """The binary's line, with any secret value of the argv hidden."""
        message = self.verdict.message
        for secret in {self.prepared.given[i] for i in self.prepared.hidden}:
            message = message.replace(secret, HIDDEN)
        return message

    def check(self) -> CheckResult:
        """This argv as one ``accepts`` row of the report."""
        if self.verdict.accepted:
            return CheckResult(CHECK_ID, True, f"accepted: {self.command}")
        detail = f"{self.verdict.outcome}: {self.command} -> {self.message}"
        if self.verdict.outcome == "rejected" and self.argument is None:
            detail += " (the error names no argument)"
        if self.hint:
            detail += f"; hint: {self.hint}"
        return CheckResult(CHECK_ID, False, detail)

    def to_dict(self) -> dict[str, object]:
        p = self.prepared
        return {"argv": list(p.shown()), "probed": list(p.shown(p.probed)),
                "substituted": [s.describe(p.shown(s.given)) for s in p.substitutions],
                "outcome": self.verdict.outcome, "accepted": self.verdict.accepted,
                "message": self.message, "argument": self.argument, "hint": self.hint}


def read_argv_file(path: Path) -> list[str]:
    """``--accepts-file``: one argv per line; blank lines and ``#`` comments are skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def accepts(path: Path, caps: Capabilities, argvs: Sequence[Sequence[str]], *, timeout: float,
            wrapper: Sequence[str] = ()) -> list[AcceptsResult]:
    """Every argv through the binary's parser, in parallel; results in the order given."""
    with tempfile.TemporaryDirectory(prefix="llama-server-verifier-inputs-") as tmp:
        prepared = [prepare(argv, caps, Path(tmp) / str(n)) for n, argv in enumerate(argvs)]
        with ThreadPoolExecutor(max_workers=max(1, min(len(prepared), 4))) as pool:
            verdicts = list(pool.map(lambda p: parser_verdict(path, p.probed, timeout=timeout, wrapper=wrapper),
                                     prepared))
    results = []
    for p, verdict in zip(prepared, verdicts):
        rejected = verdict.outcome == "rejected"
        results.append(AcceptsResult(p, verdict, named_argument(verdict.message) if rejected else None,
                                     hint(verdict.message, caps) if rejected else None))
    return results
