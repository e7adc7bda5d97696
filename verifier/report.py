"""The report model: what was verified and the verdict. Reporters only format this."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from verifier.capabilities import Capabilities
from verifier.checks import CheckResult

if TYPE_CHECKING:
    from verifier.acceptance import ArgvResult
    from verifier.launch import LaunchResult


@dataclass
class BinaryReport:
    """One binary: its capabilities and check results, or why it could not be verified."""

    path: Path
    capabilities: Capabilities | None = None
    checks: list[CheckResult] = field(default_factory=list)
    error: str | None = None
    argv_results: list[ArgvResult] = field(default_factory=list)
    """With ``--argv``: each resolver case and the binary parser's verdict on its argv."""
    launch_results: list[LaunchResult] = field(default_factory=list)
    """With ``--launch``: one real server start per mode, with its evidence."""
    extra: dict[str, object] = field(default_factory=dict)
    """Keys other features add to this binary's JSON object (e.g. ``asset``)."""
    shown: str | None = None
    """The path as the user typed it (``path`` is the absolute one that ran); reports show this."""

    @property
    def label(self) -> str:
        return str(self.path) if self.shown is None else self.shown

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.ok]

    def to_dict(self) -> dict[str, object]:
        caps = self.capabilities
        data: dict[str, object] = {
            "path": self.label,
            "ok": self.ok,
            "version": caps.version.text if caps and caps.version else None,
            "build": caps.build if caps else None,
            "capabilities": caps.summary() if caps else None,
            "checks": [{"id": c.id, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }
        if self.error is not None:
            data["error"] = self.error
        if self.argv_results:
            data["argv"] = [r.to_dict() for r in self.argv_results]
        if self.launch_results:
            data["launch"] = [r.to_dict() for r in self.launch_results]
        data.update(self.extra)
        return data


@dataclass
class Report:
    binaries: list[BinaryReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.binaries) and all(b.ok for b in self.binaries)

    @property
    def errors(self) -> list[BinaryReport]:
        return [b for b in self.binaries if b.error is not None]

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "binaries": [b.to_dict() for b in self.binaries]}
