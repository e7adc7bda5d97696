"""What a ``llama-server`` binary can do, derived from its help and version text.

The attribute names (``mtp_token``, ``ngram_mod_flavor``, ...) are the project's public
vocabulary (SPEC section 4); the resolver and the checks read only this model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from verifier.helptext import HelpEntry, HelpText, parse_help

MTP_TYPE = "draft-mtp"
MTP_ALIAS = "mtp"
NGRAM_MOD_TYPE = "ngram-mod"

NGRAM_MOD_KNOBS = ("--spec-ngram-mod-n-match", "--spec-ngram-mod-n-min", "--spec-ngram-mod-n-max")
LEGACY_NGRAM_KNOBS = ("--spec-ngram-size-n", "--draft-min", "--draft-max")


def map_k_knobs(kind: str) -> tuple[str, str, str]:
    """Knobs of ``ngram-map-k`` / ``ngram-map-k4v``."""
    return (f"--spec-{kind}-size-n", f"--spec-{kind}-size-m", f"--spec-{kind}-min-hits")


KNOWN_SPEC_TYPES = ("none", "draft", "draft-simple", "eagle3", "draft-eagle3", "draft-mtp", "mtp", "draft-dflash",
                    "draft-dspark", "ngram-simple", "ngram-map-k", "ngram-map-k4v", "ngram-mod", "ngram-cache")
_KNOWN_TYPE = re.compile(r"(?<![\w-])(?:" + "|".join(sorted(map(re.escape, KNOWN_SPEC_TYPES), key=len, reverse=True))
                         + r")(?![\w-])")

_VERSION_LINE = re.compile(r"^version:(?P<text>[^\n]*)", re.MULTILINE)
"""Linear: no lazy group followed by an optional run (the text is stripped in Python)."""
_BUILD_WORD = re.compile(r"\bbuild[ \t]+")
_DIGITS = re.compile(r"\d+")


def _build_number(text: str) -> re.Match[str] | None:
    """The digits after the first ``build`` followed by blanks and a number (no backtracking)."""
    for word in _BUILD_WORD.finditer(text):
        digits = _DIGITS.match(text, word.end())
        if digits:
            return digits
    return None


_BUILD_OLD = re.compile(r"^\d+\b")


@dataclass(frozen=True)
class Version:
    """``--version`` output: the text after ``version:`` and the build number if known."""

    text: str
    build: int | None

    @classmethod
    def parse(cls, output: str) -> Version | None:
        """Both formats: ``9204 (726704a)`` and ``0.1.1-dev (build N, commit X)``."""
        match = next((m for m in _VERSION_LINE.finditer(output) if m.group("text").strip()), None)
        if not match:
            return None
        text = match.group("text").strip()
        number = _build_number(text) or _BUILD_OLD.match(text)
        build = int(number.group()) if number else None
        return cls(text, build or None)  # build 0 = built from a tarball: unknown


@dataclass(frozen=True)
class Capabilities:
    """Real arguments, removed stubs and speculative types of one binary."""

    help: HelpText = field(default_factory=HelpText)
    version: Version | None = None

    @classmethod
    def from_help(cls, text: str | bytes, version_output: str | None = None) -> Capabilities:
        version = Version.parse(version_output) if version_output else None
        return cls(parse_help(text), version)

    # -- arguments -------------------------------------------------------------------------

    @property
    def entries(self) -> tuple[HelpEntry, ...]:
        return self.help.entries

    def entry(self, name: str) -> HelpEntry | None:
        return self.help.get(name)

    def has(self, name: str) -> bool:
        """A real argument: listed and not a removed-argument stub."""
        entry = self.help.get(name)
        return entry is not None and not entry.removed

    def has_all(self, names: tuple[str, ...] | list[str]) -> bool:
        return all(self.has(n) for n in names)

    def is_removed(self, name: str) -> bool:
        entry = self.help.get(name)
        return entry is not None and entry.removed

    @cached_property
    def arguments(self) -> frozenset[str]:
        return frozenset(n for e in self.entries if not e.removed for n in e.names)

    @cached_property
    def removed(self) -> frozenset[str]:
        return frozenset(n for e in self.entries if e.removed for n in e.names) - self.arguments

    # -- derived keys (SPEC section 4) -------------------------------------------------------

    @cached_property
    def spec_types(self) -> tuple[str, ...]:
        """The hint's list; when the hint is a placeholder (``TYPE``), the known type names the
        description lists as whole words (C5)."""
        entry = self.help.get("--spec-type")
        if entry is None or entry.removed:
            return ()
        if entry.values:
            return entry.values
        found = [(m.start(), m.group()) for m in _KNOWN_TYPE.finditer(entry.description)]
        return tuple(dict.fromkeys(word for _pos, word in sorted(found)))

    @property
    def mtp_token(self) -> str | None:
        if MTP_TYPE in self.spec_types:
            return MTP_TYPE
        if MTP_ALIAS in self.spec_types:
            return MTP_ALIAS
        return None

    @property
    def supports_ngram_mod(self) -> bool:
        return NGRAM_MOD_TYPE in self.spec_types

    @property
    def ngram_mod_flavor(self) -> str | None:
        if self.has_all(NGRAM_MOD_KNOBS):
            return "new"
        if self.supports_ngram_mod and self.has_all(LEGACY_NGRAM_KNOBS):
            return "legacy"
        return None

    @property
    def spec_draft_n_max_flag(self) -> str | None:
        for flag in ("--spec-draft-n-max", "--draft-max"):
            if self.has(flag):
                return flag
        return None

    @property
    def spec_draft_p_min_flag(self) -> str | None:
        return "--spec-draft-p-min" if self.has("--spec-draft-p-min") else None

    @property
    def supports_ngram_map_k(self) -> bool:
        return self.has_all(map_k_knobs("ngram-map-k"))

    @property
    def supports_ngram_map_k4v(self) -> bool:
        return self.has_all(map_k_knobs("ngram-map-k4v"))

    @property
    def build(self) -> int | None:
        return self.version.build if self.version else None

    def summary(self) -> dict[str, object]:
        """The derived keys as plain data (the JSON report's ``capabilities`` object)."""
        return {
            "mtp_token": self.mtp_token,
            "ngram_mod_flavor": self.ngram_mod_flavor,
            "spec_draft_n_max_flag": self.spec_draft_n_max_flag,
            "spec_draft_p_min_flag": self.spec_draft_p_min_flag,
            "supports_ngram_mod": self.supports_ngram_mod,
            "supports_ngram_map_k": self.supports_ngram_map_k,
            "supports_ngram_map_k4v": self.supports_ngram_map_k4v,
            "spec_types": list(self.spec_types),
        }
