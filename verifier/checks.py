"""The checks a prebuilt must pass. Each takes Capabilities and returns a CheckResult.

Check ids are stable: reports, ``--require`` and CI configuration refer to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from verifier.capabilities import LEGACY_NGRAM_KNOBS, MTP_TYPE, NGRAM_MOD_KNOBS, Capabilities


@dataclass(frozen=True)
class CheckResult:
    id: str
    ok: bool
    detail: str


def _flag_state(caps: Capabilities, flag: str) -> str:
    """``--x is a removed-argument stub ("...")`` / ``--x is not listed``."""
    entry = caps.entry(flag)
    if entry is None:
        return f"{flag} is not listed"
    return f'{flag} is a removed-argument stub ("{entry.description}")'


def check_spec_type_mtp(caps: Capabilities) -> CheckResult:
    cid = "spec-type-mtp"
    if not caps.has("--spec-type"):
        return CheckResult(cid, False, _flag_state(caps, "--spec-type"))
    listed = ",".join(caps.spec_types) or "no types"
    token = caps.mtp_token
    if token == MTP_TYPE:
        return CheckResult(cid, True, f"--spec-type lists {MTP_TYPE} ({listed})")
    if token:
        return CheckResult(cid, True, f"--spec-type lists the MTP alias '{token}' ({listed})")
    return CheckResult(cid, False, f"--spec-type lists {listed}; {MTP_TYPE} (or an mtp alias) is not listed")


def _real_flag_check(cid: str, flag: str, older: str | None = None) -> Callable[[Capabilities], CheckResult]:
    def check(caps: Capabilities) -> CheckResult:
        entry = caps.entry(flag)
        if caps.has(flag) and entry is not None:
            default = f" (default: {entry.default})" if entry.default is not None else ""
            return CheckResult(cid, True, f"{flag} is a real argument{default}")
        detail = _flag_state(caps, flag)
        if older and caps.has(older):
            detail += f"; this binary has the pre-rename {older} instead"
        return CheckResult(cid, False, detail)

    check.__name__ = f"check_{cid.replace('-', '_')}"
    check.__doc__ = f"``{flag}`` is a real argument, not a stub."
    return check


check_spec_draft_n_max = _real_flag_check("spec-draft-n-max", "--spec-draft-n-max", older="--draft-max")
check_spec_draft_p_min = _real_flag_check("spec-draft-p-min", "--spec-draft-p-min", older="--draft-p-min")


def check_ngram_mod_knobs(caps: Capabilities) -> CheckResult:
    cid = "ngram-mod-knobs"
    if caps.has_all(NGRAM_MOD_KNOBS):
        return CheckResult(cid, True, ", ".join(NGRAM_MOD_KNOBS) + " are real arguments")
    problems = "; ".join(_flag_state(caps, f) for f in NGRAM_MOD_KNOBS if not caps.has(f))
    if caps.ngram_mod_flavor == "legacy":
        problems += "; only the legacy knobs " + ", ".join(LEGACY_NGRAM_KNOBS) + " are real"
    return CheckResult(cid, False, problems)


@dataclass(frozen=True)
class Check:
    id: str
    run: Callable[[Capabilities], CheckResult]
    default: bool
    summary: str


CHECKS: dict[str, Check] = {
    c.id: c
    for c in (
        Check("spec-type-mtp", check_spec_type_mtp, True, "--spec-type is real and lists draft-mtp or an mtp alias"),
        Check("spec-draft-n-max", check_spec_draft_n_max, True, "--spec-draft-n-max is a real argument"),
        Check("ngram-mod-knobs", check_ngram_mod_knobs, True, "--spec-ngram-mod-n-match/-n-min/-n-max are real"),
        Check("spec-draft-p-min", check_spec_draft_p_min, False, "--spec-draft-p-min is a real argument"),
    )
}
DEFAULT_CHECKS: tuple[str, ...] = tuple(c.id for c in CHECKS.values() if c.default)


def select_checks(require: Iterable[str] = (), skip: Iterable[str] = ()) -> tuple[str, ...]:
    """Default checks plus ``require``, minus ``skip``, in registry order. Unknown ids raise KeyError."""
    wanted = set(DEFAULT_CHECKS) | set(require)
    dropped = set(skip)
    unknown = (wanted | dropped) - set(CHECKS)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    return tuple(cid for cid in CHECKS if cid in wanted and cid not in dropped)


def run_checks(caps: Capabilities, ids: Iterable[str] = DEFAULT_CHECKS) -> list[CheckResult]:
    return [CHECKS[cid].run(caps) for cid in ids]
