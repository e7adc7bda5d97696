"""Which speculative-decoding argv to send this binary, for this request, model and device.

SPEC section 7 is the behaviour. The one invariant everything else bends to: never emit an
argument or a ``--spec-type`` value that the binary does not have as a real argument or a
listed type. What cannot be emitted becomes a warning instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from verifier.capabilities import NGRAM_MOD_TYPE, Capabilities, map_k_knobs
from verifier.speculative.model import ModelInfo
from verifier.speculative.modes import (
    AUTO, MTP, MTP_NGRAM, NGRAM, NGRAM_MAP_K, NGRAM_MAP_K4V, NGRAM_SIMPLE, OFF, canonical_mode,
)

GPU_DRAFT_N_MAX = 2
CPU_DRAFT_N_MAX = 3
MTP_MIN_SIZE_B = 3.0
"""Below this, draft-head cost exceeds the acceptance savings; auto prefers ngram-mod."""
NGRAM_MOD_DEFAULTS = (24, 48, 64)
MAP_K_DEFAULTS = (12, 48, 1)

ENGINE_MTP = "draft-mtp"
ENGINE_NGRAM_MOD = "ngram-mod"
ENGINE_DEFAULT = "default"

_OWNING_FLAGS = ("--spec-type", "--spec-default")
_BOOLEAN_SPEC_FLAGS = frozenset({
    "--spec-default", "--spec-draft-backend-sampling", "--no-spec-draft-backend-sampling",
    "--spec-draft-cpu-moe",
})
_STRIPPED_EXACT = frozenset({
    "--spec-type", "--spec-default", "--draft-max", "--draft-min", "--draft-p-min",
    "--draft", "--draft-n", "--draft-n-min", "--draft-p-split",
})
_STRIPPED_PREFIXES = ("--spec-draft-", "--no-spec-draft-", "--spec-ngram-")


@dataclass(frozen=True)
class SpecRequest:
    mode: str | None = None
    """Any spelling :func:`canonical_mode` accepts; None = auto."""
    draft_n_max: int | None = None
    """1..16; None = the platform default (2 on GPU, 3 on CPU)."""
    draft_p_min: float | None = None
    """0..1; emitted only when MTP is."""

    def __post_init__(self) -> None:
        n = self.draft_n_max
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 16):
            raise ValueError(f"draft_n_max must be an integer from 1 to 16, got {n!r}")
        p = self.draft_p_min
        if p is not None and (isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0):
            raise ValueError(f"draft_p_min must be a number from 0 to 1, got {p!r}")


@dataclass
class Resolution:
    argv: list[str]
    mode: str | None
    """Canonical requested mode; None when the user's extra args own the decision."""
    engine: str | None
    """``draft-mtp``, ``ngram-mod``, ``default``, ``ngram-simple``, ``ngram-map-k``, ``ngram-map-k4v``, or None."""
    draft_n_max: int | None
    """The effective value when MTP is emitted, else None."""
    warnings: list[str] = field(default_factory=list)


# -- extra args ------------------------------------------------------------------------------


def _flag_name(token: str) -> str:
    return token.split("=", 1)[0]


def extra_args_own_spec(extra_args: Sequence[str]) -> bool:
    """The user passed ``--spec-type`` / ``--spec-default`` themselves: the decision is theirs."""
    return any(_flag_name(t) in _OWNING_FLAGS for t in extra_args)


def extra_args_spec_types(extra_args: Sequence[str]) -> list[str]:
    """Every type named by ``--spec-type X`` / ``--spec-type=X`` in the user's args."""
    types: list[str] = []
    for i, token in enumerate(extra_args):
        if token == "--spec-type" and i + 1 < len(extra_args):
            value = extra_args[i + 1]
        elif token.startswith("--spec-type="):
            value = token.split("=", 1)[1]
        else:
            continue
        types += [t.strip().lower() for t in value.split(",") if t.strip()]
    return types


def _is_stripped(flag: str) -> bool:
    return flag in _STRIPPED_EXACT or flag.startswith(_STRIPPED_PREFIXES)


def strip_spec_flags(extra_args: Sequence[str]) -> list[str]:
    """Drop inherited speculative flags (and their values) so a new resolution can replace them.

    Handles ``--flag value`` and ``--flag=value``; never eats the token after a boolean
    flag such as ``--spec-default``.
    """
    kept: list[str] = []
    skip_value = False
    for token in extra_args:
        if skip_value:
            skip_value = False
            if not token.startswith("--"):
                continue
        name = _flag_name(token)
        if not _is_stripped(name):
            kept.append(token)
            continue
        skip_value = "=" not in token and name not in _BOOLEAN_SPEC_FLAGS
    return kept


# -- flag builders -------------------------------------------------------------------------------


def ngram_mod_flags(caps: Capabilities, n_match: int = 24, n_min: int = 48, n_max: int = 64, *,
                    chain_with_mtp: bool = False) -> list[str]:
    """ngram-mod knobs in this binary's flavor; empty when it has neither flavor.

    Legacy builds share ``--draft-min``/``--draft-max`` with MTP, so when chained with MTP
    only ``--spec-ngram-size-n`` is emitted: a second ``--draft-max`` would clobber MTP's
    (last wins) and ``--draft-min 48`` with ``--draft-max 2`` is an inverted range.
    """
    flavor = caps.ngram_mod_flavor
    if flavor == "new":
        return ["--spec-ngram-mod-n-match", str(n_match), "--spec-ngram-mod-n-min", str(n_min),
                "--spec-ngram-mod-n-max", str(n_max)]
    if flavor == "legacy":
        if chain_with_mtp:
            return ["--spec-ngram-size-n", str(n_match)]
        return ["--spec-ngram-size-n", str(n_match), "--draft-min", str(n_min), "--draft-max", str(n_max)]
    return []


def map_k_flags(caps: Capabilities, kind: str) -> list[str]:
    """Knobs for ``ngram-map-k`` / ``ngram-map-k4v`` when the binary has all three as real arguments."""
    knobs = map_k_knobs(kind)
    if not caps.has_all(knobs):
        return []
    return [item for flag, value in zip(knobs, MAP_K_DEFAULTS) for item in (flag, str(value))]


# -- resolution ----------------------------------------------------------------------------------------


@dataclass
class _Builder:
    caps: Capabilities
    request: SpecRequest
    gpu: bool
    warnings: list[str] = field(default_factory=list)

    def ngram(self) -> tuple[list[str], str | None]:
        if not self.caps.supports_ngram_mod:
            self.warnings.append("ngram-mod is not a --spec-type of this binary; speculative decoding stays off")
            return [], None
        return ["--spec-type", NGRAM_MOD_TYPE, *ngram_mod_flags(self.caps)], ENGINE_NGRAM_MOD

    def ngram_variant(self, kind: str) -> tuple[list[str], str | None]:
        if kind not in self.caps.spec_types:
            self.warnings.append(f"{kind} is not a --spec-type of this binary; speculative decoding stays off")
            return [], None
        knobs = map_k_flags(self.caps, kind) if kind != NGRAM_SIMPLE else []
        return ["--spec-type", kind, *knobs], kind

    def mtp(self, *, chained: bool) -> tuple[list[str], str | None]:
        token = self.caps.mtp_token
        if token is None:
            self.warnings.append("this binary lists no draft-mtp (or mtp) --spec-type; MTP cannot engage")
            return [], None
        types = token
        knobs: list[str] = []
        if chained:
            knobs = ngram_mod_flags(self.caps, chain_with_mtp=True) if self.caps.supports_ngram_mod else []
            if knobs:
                types = f"{NGRAM_MOD_TYPE},{token}"
            else:
                self.warnings.append("this binary has no ngram-mod knobs to chain; using MTP only")
        argv = ["--spec-type", types]
        n_max_flag = self.caps.spec_draft_n_max_flag
        if n_max_flag:
            argv += [n_max_flag, str(self.draft_n_max)]
        else:
            self.warnings.append("this binary has no --spec-draft-n-max (or --draft-max); using its default")
        argv += knobs
        if self.request.draft_p_min is not None:
            if self.caps.spec_draft_p_min_flag:
                argv += [self.caps.spec_draft_p_min_flag, f"{self.request.draft_p_min:.4f}"]
            else:
                self.warnings.append("this binary has no --spec-draft-p-min; draft_p_min is not applied")
        return argv, ENGINE_MTP

    @property
    def draft_n_max(self) -> int:
        if self.request.draft_n_max is not None:
            return self.request.draft_n_max
        return GPU_DRAFT_N_MAX if self.gpu else CPU_DRAFT_N_MAX

    def default(self) -> tuple[list[str], str | None]:
        if self.caps.has("--spec-default"):
            return ["--spec-default"], ENGINE_DEFAULT
        if self.caps.supports_ngram_mod:  # --spec-default means ngram-mod 24/48/64
            return ["--spec-type", NGRAM_MOD_TYPE, *ngram_mod_flags(self.caps)], ENGINE_NGRAM_MOD
        return [], None

    def auto(self, model: ModelInfo) -> tuple[list[str], str | None]:
        if not model.is_mtp:
            return self.default()
        if model.size_b is not None and model.size_b < MTP_MIN_SIZE_B:
            return self.ngram() if self.caps.supports_ngram_mod else ([], None)
        if model.size_b is None:
            self.warnings.append(f"model size unknown; treating this MTP model as >= {MTP_MIN_SIZE_B:g}B")
        return self.mtp(chained=not self.gpu)


def resolve(caps: Capabilities, request: SpecRequest, model: ModelInfo, *, gpu: bool,
            extra_args: Sequence[str] = ()) -> Resolution:
    """The speculative argv for this binary, request, model and device (GPU or CPU/Mac)."""
    if extra_args_own_spec(extra_args):
        return Resolution([], None, None, None, [])
    mode = canonical_mode(request.mode) or AUTO
    build = _Builder(caps, request, gpu)
    if mode == OFF:
        argv, engine = [], None
    elif mode == NGRAM:
        argv, engine = build.ngram()
    elif mode in (NGRAM_SIMPLE, NGRAM_MAP_K, NGRAM_MAP_K4V):
        argv, engine = build.ngram_variant(mode)
    elif mode == MTP:
        argv, engine = build.mtp(chained=False)
    elif mode == MTP_NGRAM:
        argv, engine = build.mtp(chained=True)
    else:
        argv, engine = build.auto(model)
    n_max = build.draft_n_max if engine == ENGINE_MTP else None
    return Resolution(argv, mode, engine, n_max, build.warnings)


def mtp_will_engage(caps: Capabilities, request: SpecRequest, model: ModelInfo, *,
                    extra_args: Sequence[str] = ()) -> bool:
    """Whether MTP runs on this load: as the resolver emits it, or as the user's own ``--spec-type``.

    Agrees with :func:`resolve` by construction, so the VRAM budget and the argv never disagree.
    """
    if extra_args_own_spec(extra_args):
        return any(t in ("draft-mtp", "mtp") for t in extra_args_spec_types(extra_args))
    return resolve(caps, request, model, gpu=True).engine == ENGINE_MTP
