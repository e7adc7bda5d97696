"""Which speculative-decoding argv to send this binary, for this request, model and device.

SPEC section 7 is the behaviour, extended with the reference application's later modes
(dspark, dflash, separate MTP drafters) and stand-downs (STUDIO-HEAD.md). The one invariant
everything else bends to: never emit an argument or a ``--spec-type`` value that the binary
does not have as a real argument or a listed type. What cannot be emitted becomes a warning
and a machine-readable :class:`FallbackReason` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from verifier.capabilities import NGRAM_MOD_TYPE, Capabilities, map_k_knobs
from verifier.speculative import extras
from verifier.speculative.drafters import DFLASH_KIND, DSPARK_KIND, MTP_KIND, Drafter
from verifier.speculative.extras import strip_spec_flags
from verifier.speculative.model import ModelInfo
from verifier.speculative.modes import (
    AUTO, DFLASH, DRAFT_EAGLE3, DRAFT_SIMPLE, DSPARK, MTP, MTP_NGRAM, NGRAM, NGRAM_MAP_K, NGRAM_MAP_K4V,
    NGRAM_SIMPLE, OFF, canonical_mode,
)
from verifier.speculative.outcome import FallbackReason

GPU_DRAFT_N_MAX = 2
CPU_DRAFT_N_MAX = 3
DSPARK_DRAFT_N_MAX = 3
MTP_MIN_SIZE_B = 3.0
"""Below this, draft-head cost exceeds the acceptance savings; auto prefers ngram-mod."""
NGRAM_MOD_DEFAULTS = (24, 48, 64)
MAP_K_DEFAULTS = (12, 48, 1)
DSPARK_BROKEN_BUILDS = range(10259, 10269)
"""Managed builds b10259-b10268 list draft-dspark but crash on it (the reference turns it off)."""

ENGINE_MTP = "draft-mtp"
ENGINE_NGRAM_MOD = "ngram-mod"
ENGINE_DEFAULT = "default"
ENGINE_NONE = "none"
ENGINE_DSPARK = "draft-dspark"
ENGINE_DFLASH = "draft-dflash"
ENGINE_SIMPLE = "draft-simple"
ENGINE_EAGLE3 = "draft-eagle3"
DRAFTING_ENGINES = frozenset({ENGINE_MTP, ENGINE_DSPARK, ENGINE_DFLASH, ENGINE_SIMPLE, ENGINE_EAGLE3})
"""Engines that draft with a model (embedded head or file): n_max applies and VRAM needs headroom."""

_MODEL_DRAFT_FLAGS = ("--model-draft", "--spec-draft-model", "-md")
_DRAFT_DEVICE_FLAGS = ("--spec-draft-device", "--device-draft", "-devd")
_DRAFT_TYPE_FLAGS = (("--spec-draft-type-k", "-ctkd", "--cache-type-k-draft"),
                     ("--spec-draft-type-v", "-ctvd", "--cache-type-v-draft"))


@dataclass(frozen=True)
class SpecRequest:
    mode: str | None = None
    """Any spelling :func:`canonical_mode` accepts; None = auto."""
    draft_n_max: int | None = None
    """1..16; None = the default (2 on GPU, 3 on CPU, 3 for DSpark)."""
    draft_p_min: float | None = None
    """0..1; emitted only when MTP is."""
    draft_model: str | None = None
    """A draft model file of the caller's (``--model-draft``): needed by draft-simple/draft-eagle3,
    and used instead of a found sidecar by mtp, dspark and dflash."""
    draft_device: str | None = None
    """Where the draft model runs (``--spec-draft-device``); None = the last ``--device`` in extras."""
    draft_cache_type: str | None = None
    """KV cache type of the draft model (K and V), emitted only with a draft model."""
    allow_mla_mtp: bool = False
    """MLA models drop MTP in auto (reference #6468) unless the caller opts in."""

    def __post_init__(self) -> None:
        n = self.draft_n_max
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 16):
            raise ValueError(f"draft_n_max must be an integer from 1 to 16, got {n!r}")
        p = self.draft_p_min
        if p is not None and (isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0):
            raise ValueError(f"draft_p_min must be a number from 0 to 1, got {p!r}")


@dataclass(frozen=True)
class Placement:
    """Where the target model runs, for the hybrid stand-down and the drafter VRAM check."""

    gpu_layers: int | None = None
    """A fixed ``-ngl``; None or -1 = unset (llama.cpp decides, ``--fit``)."""
    fit_proved: bool = True
    """With -ngl unset: whether the caller's planner proved the whole model fits (else partial)."""
    drafter_fits: bool = True
    """Some GPU holds the target plus the drafter reserve at the target's context (see ``vram``)."""

    @classmethod
    def from_extra_args(cls, extra_args: Sequence[str] | None, caps: Capabilities | None = None) -> Placement:
        """The user's own ``-ngl N`` (any alias); ``all``/``auto`` and absence leave it unset."""
        values = extras.values_of(extra_args, "--gpu-layers", caps)
        last = values[-1].strip() if values else ""
        try:
            return cls(gpu_layers=int(last))
        except ValueError:
            return cls()


@dataclass
class Resolution:
    argv: list[str]
    mode: str | None
    """Canonical requested mode; None when the user's extra args own the decision."""
    engine: str | None
    """``draft-mtp``, ``draft-dspark``, ``draft-dflash``, ``draft-simple``, ``draft-eagle3``, ``ngram-mod``,
    ``default``, ``ngram-simple``, ``ngram-map-k``, ``ngram-map-k4v``, ``none`` (explicit stand-down), or None."""
    draft_n_max: int | None
    """The effective value when a drafting engine is emitted, else None."""
    warnings: list[str] = field(default_factory=list)
    reason: FallbackReason | None = None
    """Why the outcome differs from what was asked (or what auto would pick); None = as asked."""
    drafter: Drafter | None = None
    """The draft model file emitted with ``--model-draft``."""

    def to_dict(self) -> dict[str, object]:
        return {"argv": self.argv, "mode": self.mode, "engine": self.engine, "draft_n_max": self.draft_n_max,
                "reason": self.reason.value if self.reason else None, "warnings": self.warnings,
                "drafter": None if self.drafter is None else {"kind": self.drafter.kind, "path": self.drafter.path}}


# -- extra args (public names kept) -------------------------------------------------------------------


def extra_args_own_spec(extra_args: Sequence[str] | None, caps: Capabilities | None = None) -> bool:
    """The user passed ``--spec-type`` / ``--spec-default`` themselves (any spelling): the decision is theirs."""
    return extras.own_spec(extra_args, caps)


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


def probe_conclusive(caps: Capabilities | None) -> bool:
    """A help text was read: a binary whose help could not be read is not a binary without MTP."""
    return caps is not None and bool(caps.entries or caps.help.sections)


def type_usable(caps: Capabilities, spec_type: str) -> bool:
    """The type is listed; draft-model types also need ``--model-draft``; draft-dspark not on the broken builds."""
    if spec_type not in caps.spec_types:
        return False
    needs_file = spec_type in (ENGINE_DSPARK, ENGINE_DFLASH, ENGINE_SIMPLE, ENGINE_EAGLE3)
    if needs_file and _first(caps, _MODEL_DRAFT_FLAGS) is None:
        return False
    return not (spec_type == ENGINE_DSPARK and caps.build in DSPARK_BROKEN_BUILDS)


YES, NO, INCONCLUSIVE = "yes", "no", "inconclusive"


def capability_states(caps: Capabilities | None) -> dict[str, str]:
    """Per speculative type the resolver can emit: ``yes``, ``no``, or ``inconclusive`` (help unreadable)."""
    names = ("draft-mtp", NGRAM_MOD_TYPE, ENGINE_DSPARK, ENGINE_DFLASH, ENGINE_SIMPLE, ENGINE_EAGLE3, "--spec-default")
    if not probe_conclusive(caps):
        return {n: INCONCLUSIVE for n in names}
    assert caps is not None
    states = {n: YES if type_usable(caps, n) else NO for n in names[1:-1]}
    default = YES if caps.has("--spec-default") else NO
    return {"draft-mtp": YES if caps.mtp_token else NO, **states, "--spec-default": default}


def _first(caps: Capabilities, names: Sequence[str]) -> str | None:
    return next((n for n in names if caps.has(n)), None)


# -- resolution ----------------------------------------------------------------------------------------

_Out = tuple[list[str], str | None]


@dataclass
class _Builder:
    caps: Capabilities
    request: SpecRequest
    gpu: bool
    extra_args: Sequence[str]
    warnings: list[str] = field(default_factory=list)
    reason: FallbackReason | None = None
    drafter: Drafter | None = None
    n_max: int | None = None

    def fall_back(self, reason: FallbackReason, warning: str) -> None:
        if self.reason is None:
            self.reason = reason
        self.warnings.append(warning)

    # -- ngram family

    def ngram(self) -> _Out:
        if not self.caps.supports_ngram_mod:
            self.fall_back(FallbackReason.BINARY_NO_TYPE,
                           "ngram-mod is not a --spec-type of this binary; speculative decoding stays off")
            return [], None
        return ["--spec-type", NGRAM_MOD_TYPE, *ngram_mod_flags(self.caps)], ENGINE_NGRAM_MOD

    def ngram_quiet(self) -> _Out:
        """ngram-mod when supported, else nothing, without a second warning."""
        if not self.caps.supports_ngram_mod:
            return [], None
        return ["--spec-type", NGRAM_MOD_TYPE, *ngram_mod_flags(self.caps)], ENGINE_NGRAM_MOD

    def ngram_variant(self, kind: str) -> _Out:
        if kind not in self.caps.spec_types:
            self.fall_back(FallbackReason.BINARY_NO_TYPE,
                           f"{kind} is not a --spec-type of this binary; speculative decoding stays off")
            return [], None
        knobs = map_k_flags(self.caps, kind) if kind != NGRAM_SIMPLE else []
        return ["--spec-type", kind, *knobs], kind

    def default(self) -> _Out:
        if self.caps.has("--spec-default"):
            return ["--spec-default"], ENGINE_DEFAULT
        return self.ngram_quiet()  # --spec-default means ngram-mod 24/48/64

    # -- drafting engines

    def default_n_max(self, engine: str) -> int:
        if self.request.draft_n_max is not None:
            return self.request.draft_n_max
        if engine == ENGINE_DSPARK:
            return DSPARK_DRAFT_N_MAX
        return GPU_DRAFT_N_MAX if self.gpu else CPU_DRAFT_N_MAX

    def n_max_flags(self, engine: str) -> list[str]:
        flag = self.caps.spec_draft_n_max_flag
        self.n_max = self.default_n_max(engine)
        if not flag:
            self.warnings.append("this binary has no --spec-draft-n-max (or --draft-max); using its default")
            return []
        return [flag, str(self.n_max)]

    def p_min_flags(self) -> list[str]:
        if self.request.draft_p_min is None:
            return []
        if not self.caps.spec_draft_p_min_flag:
            self.warnings.append("this binary has no --spec-draft-p-min; draft_p_min is not applied")
            return []
        return [self.caps.spec_draft_p_min_flag, f"{self.request.draft_p_min:.4f}"]

    def draft_model_flags(self, drafter: Drafter) -> list[str]:
        """``--model-draft P`` plus the placement the user did not already give."""
        flag = _first(self.caps, _MODEL_DRAFT_FLAGS)
        assert flag is not None  # type_usable checked it
        self.drafter = drafter
        argv = [flag, drafter.path]
        user_devices = extras.values_of(self.extra_args, "--device", self.caps)
        device = self.request.draft_device or (user_devices[-1] if user_devices else None)
        device_flag = _first(self.caps, _DRAFT_DEVICE_FLAGS)
        if device and not extras.has_argument(self.extra_args, "--spec-draft-device", self.caps):
            if device_flag:
                argv += [device_flag, device]
            else:
                self.warnings.append("this binary has no --spec-draft-device; the draft model follows --device")
        cache = self.request.draft_cache_type
        if cache:
            k_flag, v_flag = (_first(self.caps, names) for names in _DRAFT_TYPE_FLAGS)
            if k_flag and v_flag:
                if not extras.has_argument(self.extra_args, "--spec-draft-type-k", self.caps):
                    argv += [k_flag, cache]
                if not extras.has_argument(self.extra_args, "--spec-draft-type-v", self.caps):
                    argv += [v_flag, cache]
            else:
                self.warnings.append("this binary lacks draft KV cache type flags; draft_cache_type is not applied")
        return argv

    def with_drafter(self, engine: str, drafter: Drafter) -> _Out:
        argv = self.draft_model_flags(drafter) + ["--spec-type", engine, *self.n_max_flags(engine)]
        return argv, engine

    def drafter_for(self, kind: str, model: ModelInfo) -> Drafter | None:
        if self.request.draft_model:
            return Drafter(kind, self.request.draft_model)
        return model.drafter(kind)

    def sidecar_mode(self, engine: str, kind: str, model: ModelInfo) -> _Out:
        """Forced dspark or dflash: the type and a drafter, else ``--spec-default`` with the reason."""
        if not probe_conclusive(self.caps):
            return self.inconclusive()
        if not type_usable(self.caps, engine):
            self.fall_back(FallbackReason.BINARY_NO_TYPE, f"this binary cannot run {engine} (type or --model-draft "
                           "missing); using the default")
            return self.default()
        drafter = self.drafter_for(kind, model)
        if drafter is None:
            self.fall_back(FallbackReason.DRAFTER_NOT_FOUND,
                           f"no {kind} drafter file beside the model; using the default")
            return self.default()
        return self.with_drafter(engine, drafter)

    def given_draft_model(self, engine: str) -> _Out:
        """draft-simple / draft-eagle3: only with the caller's draft model."""
        if not type_usable(self.caps, engine):
            self.fall_back(FallbackReason.BINARY_NO_TYPE,
                           f"this binary cannot run {engine}; speculative decoding stays off")
            return [], None
        if not self.request.draft_model:
            self.fall_back(FallbackReason.DRAFTER_NOT_FOUND, f"{engine} needs a draft model (--model-draft); "
                           "speculative decoding stays off")
            return [], None
        return self.with_drafter(engine, Drafter(engine.removeprefix("draft-"), self.request.draft_model))

    def inconclusive(self) -> _Out:
        self.fall_back(FallbackReason.PROBE_INCONCLUSIVE, "the binary's help could not be read; nothing unproven "
                       "is emitted")
        return [], None

    # -- MTP

    def mtp(self, model: ModelInfo, *, chained: bool, forced: bool) -> _Out:
        drafter = self.drafter_for(MTP_KIND, model) if forced else model.drafter(MTP_KIND)
        if model.gemma4 and drafter is None and not model.mtp_layers:
            self.fall_back(FallbackReason.DRAFTER_NOT_FOUND, "Gemma 4 drafts with a separate mtp-*.gguf and none was "
                           "found; using the default")
            return self.ngram() if chained else self.default()
        if model.known_no_mtp and drafter is None:
            self.fall_back(FallbackReason.MODEL_NO_MTP, "the model has no MTP layers (GGUF header); the server would "
                           "exit on draft-mtp, so MTP is not emitted")
            return self.ngram() if chained else self.default()
        token = self.caps.mtp_token
        if token is None:
            self.fall_back(FallbackReason.BINARY_NO_MTP,
                           "this binary lists no draft-mtp (or mtp) --spec-type; MTP cannot engage")
            return [], None
        if forced and model.size_b is not None and model.size_b < MTP_MIN_SIZE_B and drafter is None:
            self.warnings.append(f"MTP forced on a {model.size_b:g}B model, below {MTP_MIN_SIZE_B:g}B: the draft "
                                 "head may cost more than it saves")
        prefix: list[str] = []
        if drafter is not None:
            if _first(self.caps, _MODEL_DRAFT_FLAGS) is None or token != ENGINE_MTP:
                self.fall_back(FallbackReason.BINARY_NO_TYPE, "this binary cannot load a separate MTP drafter")
                return self.default()
            prefix = self.draft_model_flags(drafter)
        types = token
        knobs: list[str] = []
        if chained:
            knobs = ngram_mod_flags(self.caps, chain_with_mtp=True) if self.caps.supports_ngram_mod else []
            if knobs:
                types = f"{NGRAM_MOD_TYPE},{token}"
            else:
                self.warnings.append("this binary has no ngram-mod knobs to chain; using MTP only")
        argv = [*prefix, "--spec-type", types, *self.n_max_flags(ENGINE_MTP), *knobs, *self.p_min_flags()]
        return argv, ENGINE_MTP

    def auto(self, model: ModelInfo, placement: Placement) -> _Out:
        drafter_kinds = [d.kind for d in model.drafters]
        has_mtp_drafter = MTP_KIND in drafter_kinds
        if self.hybrid_partial(model, placement):
            self.fall_back(FallbackReason.MTP_PARTIAL_OFFLOAD, "hybrid MTP model on partial GPU offload; speculative "
                           "decoding stands down")
            return (["--spec-type", ENGINE_NONE], ENGINE_NONE) if ENGINE_NONE in self.caps.spec_types else ([], None)
        usable_sidecars = [k for k, e in ((DSPARK_KIND, ENGINE_DSPARK), (DFLASH_KIND, ENGINE_DFLASH))
                           if model.drafter(k) and type_usable(self.caps, e)]
        would_draft_file = bool(usable_sidecars) or (has_mtp_drafter and self.caps.mtp_token == ENGINE_MTP)
        if would_draft_file and not placement.drafter_fits:
            self.fall_back(FallbackReason.DRAFTER_NO_VRAM, "no GPU holds the model plus its drafter; using ngram-mod")
            return self.ngram_quiet()
        if DSPARK_KIND in usable_sidecars:
            return self.with_drafter(ENGINE_DSPARK, model.drafter(DSPARK_KIND))  # type: ignore[arg-type]
        if DFLASH_KIND in usable_sidecars:
            return self.with_drafter(ENGINE_DFLASH, model.drafter(DFLASH_KIND))  # type: ignore[arg-type]
        if model.is_mla and model.mtp_layers and not has_mtp_drafter and not self.request.allow_mla_mtp:
            self.fall_back(FallbackReason.MLA_MTP_DISABLED, "MLA model: MTP stays off in auto unless allowed; "
                           "using ngram-mod")
            return self.ngram_quiet()
        if model.gemma4 and not has_mtp_drafter and not model.mtp_layers:
            return self.mtp(model, chained=False, forced=False)  # the drafter_not_found fallback
        if not model.is_mtp:
            return self.default()
        if model.size_b is not None and model.size_b < MTP_MIN_SIZE_B and not has_mtp_drafter:
            self.reason = FallbackReason.MODEL_TOO_SMALL
            return self.ngram_quiet()
        if model.size_b is None and not has_mtp_drafter:
            self.warnings.append(f"model size unknown; treating this MTP model as >= {MTP_MIN_SIZE_B:g}B")
        return self.mtp(model, chained=not self.gpu, forced=False)

    def hybrid_partial(self, model: ModelInfo, placement: Placement) -> bool:
        """Hybrid MTP model, no drafter, GPU, MTP-capable build, and only part of it on the GPU."""
        if not (model.is_hybrid and model.mtp_layers and not model.drafters and self.gpu and self.caps.mtp_token):
            return False
        layers = placement.gpu_layers
        if layers is None or layers < 0:
            return not placement.fit_proved
        return 0 < layers <= model.kv.block_count  # type: ignore[union-attr]


def resolve(caps: Capabilities | None, request: SpecRequest, model: ModelInfo, *, gpu: bool,
            extra_args: Sequence[str] | None = (), placement: Placement | None = None) -> Resolution:
    """The speculative argv for this binary, request, model and device (GPU or CPU/Mac).

    ``caps=None`` means the probe was inconclusive: nothing is emitted, with the reason.
    ``extra_args=None`` means "inherit": no user arguments are known.
    """
    if extras.own_spec(extra_args, caps):
        return Resolution([], None, None, None, [])
    mode = canonical_mode(request.mode) or AUTO
    if mode == OFF:
        return Resolution([], mode, None, None, [])
    if not probe_conclusive(caps):
        build = _Builder(Capabilities(), request, gpu, list(extra_args or ()))
        build.inconclusive()
        return Resolution([], mode, None, None, build.warnings, build.reason)
    assert caps is not None
    build = _Builder(caps, request, gpu, list(extra_args or ()))
    if request.draft_model and mode in (AUTO, NGRAM, NGRAM_SIMPLE, NGRAM_MAP_K, NGRAM_MAP_K4V):
        build.warnings.append(f"a draft model is used only by the mtp and draft modes, not by {mode}")
    if mode == NGRAM:
        argv, engine = build.ngram()
    elif mode in (NGRAM_SIMPLE, NGRAM_MAP_K, NGRAM_MAP_K4V):
        argv, engine = build.ngram_variant(mode)
    elif mode == MTP:
        argv, engine = build.mtp(model, chained=False, forced=True)
    elif mode == MTP_NGRAM:
        argv, engine = build.mtp(model, chained=True, forced=True)
    elif mode == DSPARK:
        argv, engine = build.sidecar_mode(ENGINE_DSPARK, DSPARK_KIND, model)
    elif mode == DFLASH:
        argv, engine = build.sidecar_mode(ENGINE_DFLASH, DFLASH_KIND, model)
    elif mode in (DRAFT_SIMPLE, DRAFT_EAGLE3):
        argv, engine = build.given_draft_model(mode)
    else:
        argv, engine = build.auto(model, placement or Placement.from_extra_args(extra_args, caps))
    n_max = build.n_max if engine in DRAFTING_ENGINES else None
    return Resolution(argv, mode, engine, n_max, build.warnings, build.reason,
                      build.drafter if engine in DRAFTING_ENGINES else None)


DEFAULT_HELP_N_MAX = 16


def reserve_n_max(caps: Capabilities | None, request: SpecRequest, resolution: Resolution, *, gpu: bool,
                  extra_args: Sequence[str] | None = (), env: Mapping[str, str] | None = None) -> int:
    """Drafted tokens the VRAM reserve is sized for: the user's own depth first; when the user
    owns the spec block, the environment, then the binary's help default, then 16; else the request,
    then 3 for DSpark, 2 on GPU, 3 on CPU."""
    depth = extras.values_of(extra_args, "--spec-draft-n-max", caps) + extras.values_of(extra_args, "--draft", caps)
    for value in reversed(depth):
        if value.strip().isdigit():
            return int(value)
    if extras.own_spec(extra_args, caps):
        for name in ("LLAMA_ARG_SPEC_DRAFT_N_MAX", "LLAMA_ARG_DRAFT_MAX"):
            value = (env or {}).get(name, "").strip()
            if value.isdigit():
                return int(value)
        flag = caps.spec_draft_n_max_flag if caps is not None else None
        entry = caps.entry(flag) if caps is not None and flag else None
        default = entry.default if entry is not None else None
        return int(default) if default and default.strip().isdigit() else DEFAULT_HELP_N_MAX
    if request.draft_n_max is not None:
        return request.draft_n_max
    if resolution.engine == ENGINE_DSPARK:
        return DSPARK_DRAFT_N_MAX
    return GPU_DRAFT_N_MAX if gpu else CPU_DRAFT_N_MAX


UNKNOWN_ARCH_MARKER = "unknown model architecture"


def after_drafter_crash(caps: Capabilities, crashed: Resolution, log_text: str) -> Resolution | None:
    """The one retry after a server with a drafting engine died at start: ``--spec-default``
    (or its ngram-mod equivalent), reason ``binary_outdated`` when the build did not know the
    drafter's architecture, else ``runtime_error``. None when there is nothing to retry."""
    if crashed.engine not in DRAFTING_ENGINES:
        return None
    outdated = UNKNOWN_ARCH_MARKER in log_text.lower()
    reason = FallbackReason.BINARY_OUTDATED if outdated else FallbackReason.RUNTIME_ERROR
    build = _Builder(caps, SpecRequest(crashed.mode), True, [])
    argv, engine = build.default()
    why = "this build does not know the drafter architecture" if outdated else "runtime error"
    warning = f"{crashed.engine} crashed at start ({why}); retrying with the default"
    return Resolution(argv, crashed.mode, engine, None, [*crashed.warnings, warning], reason)


def mtp_will_engage(caps: Capabilities | None, request: SpecRequest, model: ModelInfo, *,
                    extra_args: Sequence[str] | None = (), placement: Placement | None = None,
                    env: Mapping[str, str] | None = None) -> bool:
    """Whether a draft cache (MTP head or draft model) runs on this load, as the resolver emits it
    or as the user's own ``--spec-type`` names it.

    Agrees with :func:`resolve` by construction, so the VRAM budget and the argv never disagree
    (the reference charges the MTP reserve on MLA models whose argv dropped MTP; not here).
    """
    if extras.own_spec(extra_args, caps):
        types = extras.spec_types(extra_args, caps)
        types += [t.strip().lower() for t in (env or {}).get("LLAMA_ARG_SPEC_TYPE", "").split(",") if t.strip()]
        if any(t in ("draft-mtp", "mtp") for t in types):
            return True
        drafting = any(t in (ENGINE_SIMPLE, ENGINE_EAGLE3, ENGINE_DSPARK, ENGINE_DFLASH) for t in types)
        return drafting and extras.has_argument(extra_args, "--spec-draft-model", caps)
    resolution = resolve(caps, request, model, gpu=True, extra_args=extra_args, placement=placement)
    return resolution.engine in DRAFTING_ENGINES


__all__ = ["Placement", "Resolution", "SpecRequest", "map_k_flags", "mtp_will_engage", "ngram_mod_flags",
           "resolve", "strip_spec_flags"]
