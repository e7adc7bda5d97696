"""``python -m verifier``: wires arguments to probe, checks and reporters. No logic of its own."""

from __future__ import annotations

import argparse
import math
import os
import shlex
import sys
from typing import Callable, Sequence

from verifier import __version__
from verifier.checks import CHECKS, select_checks
from verifier.errors import EXIT_ERROR, EXIT_FAILED, EXIT_OK, VerifierError
from verifier.output import emit, guarded
from verifier.probe import DEFAULT_TIMEOUT, probe
from verifier.release.options import add_release_arguments, check_release_arguments
from verifier.report import Report
from verifier.util.interrupt import parallel_map
from verifier.util.neutral import for_terminal, json_text
from verifier.util.paths import anchor_program, user_path
from verifier.verify import verify_binary

EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}  every check passed
  {EXIT_FAILED}  a check failed (diff: B lost something A's checks relied on)
  {EXIT_ERROR}  could not verify: missing path, a directory, not executable, wrong
     architecture, timeout, killed by a signal, no recognisable help, bad arguments
"""

CHECK_LIST = "checks:\n" + "\n".join(
    f"  {c.id:<18}{c.summary}{'' if c.default else ' (optional: --require ' + c.id + ')'}" for c in CHECKS.values()
)


def seconds(text: str) -> float:
    """An argparse type: a finite, positive number of seconds (``inf`` and ``nan`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a finite number of seconds above 0")
    return value


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    parser.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"stop a binary that runs longer than this (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--require", action="append", default=[], metavar="CHECK",
                        help="also run this optional check (repeatable, or comma-separated)")
    parser.add_argument("--skip", action="append", default=[], metavar="CHECK",
                        help="do not run this check (repeatable, or comma-separated)")
    parser.add_argument("--wrapper", default="", metavar="CMD",
                        help="run binaries through this command, e.g. 'qemu-aarch64' or an interpreter")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m verifier",
        description="Verify that a llama-server binary really has the speculative-decoding "
        "arguments an application will send it (real arguments, not removed-argument stubs).",
        epilog=f"{CHECK_LIST}\n\nother commands:\n  diff A B   what changed between two binaries "
        f"(python -m verifier diff --help)\n  resolve    print the speculative argv for a binary, model, mode "
        f"and device (python -m verifier resolve --help)\n\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("binaries", nargs="*", metavar="BINARY", type=user_path, help="llama-server executable(s)")
    _add_common(parser)
    add_release_arguments(parser)
    parser.add_argument("--argv", action="store_true",
                        help="also prove the binary's parser accepts every argv the resolver emits for it")
    parser.add_argument("--launch", type=user_path, metavar="MODEL.gguf",
                        help="also start a real server per mode on this model and collect the evidence")
    parser.add_argument("--modes", metavar="M1,M2", help="with --launch: the modes to start "
                        "(default: off, ngram, and mtp when the binary has an MTP token)")
    parser.add_argument("--launch-timeout", type=seconds, default=120.0, metavar="SECONDS",
                        help="with --launch: how long a server may take to become healthy (default 120)")
    parser.add_argument("--version", action="version", version=f"llama-server-verifier {__version__}")
    return parser


def _subcommand_parser(name: str, description: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog=f"python -m verifier {name}", description=description, epilog=EXIT_CODES,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def build_diff_parser() -> argparse.ArgumentParser:
    parser = _subcommand_parser(
        "diff", "What changed between binary A and binary B: arguments added, removed, turned into stubs, "
        "spec types, defaults. Exit 1 when B fails a check A passed.")
    parser.add_argument("a", metavar="A", type=user_path)
    parser.add_argument("b", metavar="B", type=user_path)
    _add_common(parser)
    return parser


def split_command(text: str, option: str = "--wrapper") -> list[str]:
    """Split a command line the way this platform's shell would (keeps Windows backslashes).

    An unbalanced quote is bad input (exit 2), not a crash.
    """
    try:
        if os.name != "nt":
            return shlex.split(text)
        return [part[1:-1] if len(part) > 1 and part[0] == part[-1] == '"' else part
                for part in shlex.split(text, posix=False)]
    except ValueError as exc:
        raise VerifierError(f"{option} {text!r}: {exc} (quote it the way a shell would)") from None


def wrapper_command(text: str) -> list[str]:
    """``--wrapper``: split like a shell, with a relative program path anchored to the current directory."""
    return anchor_program(split_command(text))


def _split_ids(values: list[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _check_ids(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[str, ...]:
    try:
        return select_checks(_split_ids(args.require), _split_ids(args.skip))
    except KeyError as exc:
        parser.error(f"unknown check {exc.args[0]}; known: {', '.join(CHECKS)}")
        raise  # unreachable: parser.error exits


def _launch_modes(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[str] | None:
    """Validated ``--modes``; a model given to ``--launch`` must exist before anything starts."""
    if args.launch is None:
        if args.modes:
            parser.error("--modes goes with --launch")
        return None
    if not args.launch.path.is_file():
        raise VerifierError(f"{args.launch}: no such model file")
    if not args.modes:
        return None
    from verifier.speculative.modes import MODES, canonical_mode

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if canonical_mode(m) == "auto" and m.lower() not in ("auto", "default")]
    if unknown:
        parser.error(f"unknown mode {', '.join(unknown)}; known: {', '.join(MODES)}")
    return modes


def run_verify(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    ids = _check_ids(args, parser)
    wrapper = wrapper_command(args.wrapper)
    check_release_arguments(parser, args)
    modes = _launch_modes(args, parser)
    if args.release is not None:
        from verifier.release.command import run_release  # lazy: PyGithub and requests load only here

        return run_release(args, ids, wrapper)
    reports = parallel_map(
        lambda p: verify_binary(p.path, ids, timeout=args.timeout, wrapper=wrapper, argv=args.argv,
                                launch_model=args.launch.path if args.launch else None, launch_modes=modes,
                                launch_timeout=args.launch_timeout, shown=p.given),
        args.binaries, workers=min(4, len(args.binaries)))
    return emit(Report(reports), as_json=args.json)


def run_diff(argv: Sequence[str]) -> int:
    from verifier.drift import diff, format_drift

    parser = build_diff_parser()
    args = parser.parse_args(argv)
    ids = _check_ids(args, parser)
    wrapper = wrapper_command(args.wrapper)
    caps = []
    for given in (args.a, args.b):
        caps.append(probe(given.path, timeout=args.timeout, wrapper=wrapper, shown=given.given).capabilities)
    drift = diff(caps[0], caps[1], ids)
    if args.json:
        print(json_text({"a": str(args.a), "b": str(args.b), **drift.to_dict()}))
    else:
        print(format_drift(drift, str(args.a), str(args.b)))
    return EXIT_FAILED if drift.lost_required else EXIT_OK


def build_resolve_parser() -> argparse.ArgumentParser:
    parser = _subcommand_parser(
        "resolve", "Print the speculative-decoding argv the resolver emits for this binary, model, mode and "
        "device (for callers that are not Python). Warnings go to stderr; --json adds the fallback reason "
        "and what the binary can run (yes/no/inconclusive).")
    parser.add_argument("--binary", required=True, type=user_path, help="the llama-server whose capabilities count")
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument("--model", type=user_path, metavar="M.gguf",
                       help="read MTP layers, size and KV geometry from this GGUF, and find drafter files beside it")
    model.add_argument("--size", type=float, metavar="BILLIONS", help="model size, when there is no GGUF at hand")
    parser.add_argument("--mtp", action="store_true", help="with --size: the model has MTP layers")
    parser.add_argument("--model-id", help="model id (its -MTP marker and size pattern are fallbacks)")
    parser.add_argument("--mode", default="auto", help="auto, mtp, ngram, mtp+ngram, off, ngram-simple, "
                        "ngram-map-k, ngram-map-k4v, dspark, dflash, draft-simple, draft-eagle3 (and their aliases)")
    device = parser.add_mutually_exclusive_group(required=True)
    device.add_argument("--gpu", action="store_true")
    device.add_argument("--cpu", action="store_true")
    parser.add_argument("--n-max", type=int, metavar="N", help="draft tokens for MTP and draft models, 1..16")
    parser.add_argument("--p-min", type=float, metavar="P", help="minimum draft probability for MTP, 0..1")
    parser.add_argument("--model-draft", metavar="PATH", help="a draft model file: needed by draft-simple and "
                        "draft-eagle3, used instead of a found drafter by mtp, dspark and dflash")
    parser.add_argument("--draft-device", metavar="DEV", help="where the draft model runs (default: the last "
                        "--device in --extra-args)")
    parser.add_argument("--draft-cache-type", metavar="TYPE", help="KV cache type of the draft model (K and V)")
    parser.add_argument("--gpu-layers", type=int, metavar="N", help="the target's -ngl (-1 = unset; default: -ngl "
                        "in --extra-args); a hybrid MTP model partly offloaded stands MTP down")
    parser.add_argument("--fit-unproved", action="store_true", help="with -ngl unset: the planner could not prove "
                        "the model fits (partial offload)")
    parser.add_argument("--drafter-no-vram", action="store_true", help="no GPU holds the model plus its drafter")
    parser.add_argument("--mla-mtp", action="store_true", help="allow MTP in auto on MLA models")
    parser.add_argument("--extra-args", default="", metavar="ARGS", help="the user's own llama-server args")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--timeout", type=seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS")
    parser.add_argument("--wrapper", default="", metavar="CMD")
    return parser


def run_resolve(argv: Sequence[str]) -> int:
    from verifier.speculative import GGUFError, ModelInfo, Placement, SpecRequest, resolve
    from verifier.speculative.resolver import capability_states

    parser = build_resolve_parser()
    args = parser.parse_args(argv)
    try:
        request = SpecRequest(args.mode, args.n_max, args.p_min, args.model_draft, args.draft_device,
                              args.draft_cache_type, args.mla_mtp)
    except ValueError as exc:
        parser.error(str(exc))
    if args.model is not None:
        try:
            model = ModelInfo.from_gguf(args.model.path, args.model_id)
        except (OSError, GGUFError) as exc:
            raise VerifierError(str(exc)) from None
    else:
        named = ModelInfo.from_name(args.model_id)
        model = ModelInfo(args.mtp or named.is_mtp, args.size, gemma4=named.gemma4)
    caps, probe_error = None, None
    try:
        caps = probe(args.binary.path, timeout=args.timeout, wrapper=wrapper_command(args.wrapper),
                     shown=args.binary.given).capabilities
    except VerifierError as exc:
        probe_error = exc.message
    extra = split_command(args.extra_args, "--extra-args")
    layers = args.gpu_layers if args.gpu_layers is not None else Placement.from_extra_args(extra, caps).gpu_layers
    placement = Placement(layers, not args.fit_unproved, not args.drafter_no_vram)
    resolution = resolve(caps, request, model, gpu=args.gpu, extra_args=extra, placement=placement)
    if probe_error:  # one line: the inconclusive warning would only repeat it
        print(f"error: {probe_error}", file=sys.stderr)
    else:
        for warning in resolution.warnings:
            print(f"warning: {for_terminal(warning)}", file=sys.stderr)
    if args.json:
        outcome = {"ok": False, "error": probe_error} if probe_error else {"ok": True}
        print(json_text({**outcome, **resolution.to_dict(), "capabilities": capability_states(caps),
                          "model": {"is_mtp": model.is_mtp, "size_b": model.size_b, "arch": model.arch,
                                    "mtp_layers": model.mtp_layers, "known_no_mtp": model.known_no_mtp,
                                    "drafters": [{"kind": d.kind, "path": d.path} for d in model.drafters]}}))
    else:
        print(shlex.join(resolution.argv))
    return EXIT_ERROR if probe_error else EXIT_OK


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {"diff": run_diff, "resolve": run_resolve}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = COMMANDS.get(args[0]) if args else None
    as_json = "--json" in (args[: args.index("--")] if "--" in args else args)
    return guarded(lambda: command(args[1:]) if command else run_verify(args), as_json=as_json)
