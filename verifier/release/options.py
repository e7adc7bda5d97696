"""The ``--release`` command-line options, kept here so ``verifier/cli.py`` only wires them in.

Importing this module is cheap (argparse only): ``python -m verifier --help`` must not load
PyGithub or requests.
"""

from __future__ import annotations

import argparse
import re

from verifier.util.argtypes import int_range, non_negative_float
from verifier.util.paths import user_path

DEFAULT_REPO = "ggml-org/llama.cpp"
DEFAULT_MAX_WAIT = 300.0
"""Seconds a run may spend waiting on rate limits and backoff in all."""

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def add_release_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "release gating",
        "Download a GitHub release's prebuilt for this host, check its sha256 against the asset's "
        "digest, unpack it safely into a cache and verify the llama-server inside. Token from "
        "GITHUB_TOKEN or GH_TOKEN, API base from GITHUB_API_URL. Unknown tag, no matching asset, bad "
        "credentials, exhausted retries or a digest mismatch: one line on stderr, exit 2.",
    )
    group.add_argument("--release", metavar="TAG", help="verify the prebuilt of this release tag, or 'latest'")
    group.add_argument("--repo", metavar="OWNER/NAME", help=f"repository to take the release from (default {DEFAULT_REPO})")
    pick = group.add_mutually_exclusive_group()
    pick.add_argument("--asset", action="append", default=[], metavar="NAME",
                      help="verify this asset instead of the one picked for this host (repeatable)")
    pick.add_argument("--platform", metavar="P",
                      help="verify the build for this platform, e.g. ubuntu-vulkan-x64 (see --list)")
    pick.add_argument("--all-host", action="store_true", help="verify every asset built for this OS and CPU")
    group.add_argument("--list", action="store_true",
                       help="list every asset with its size and digest and which would be picked, and why; "
                            "download nothing")
    group.add_argument("--cache", type=user_path, metavar="DIR",
                       help="cache folder (default $LLAMA_SERVER_VERIFIER_CACHE/releases or "
                            "~/.cache/llama-server-verifier/releases)")
    group.add_argument("--jobs", type=int_range(1), default=4, metavar="N",
                       help="download and verify up to N assets at once (default 4)")
    group.add_argument("--retry-wait", type=non_negative_float, default=DEFAULT_MAX_WAIT, metavar="SECONDS",
                       help="give up when retries (errors, rate limits) would wait longer than this in total "
                            f"(default {DEFAULT_MAX_WAIT:g})")


def check_release_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Reject combinations argparse cannot express; exits 2 through ``parser.error``."""
    if args.release is None:
        stray = [flag for flag, value in (("--repo", args.repo), ("--asset", args.asset), ("--platform", args.platform),
                                          ("--all-host", args.all_host), ("--list", args.list),
                                          ("--cache", args.cache)) if value]
        if stray:
            parser.error(f"{', '.join(stray)}: only with --release TAG")
        if not args.binaries:
            parser.error("give one or more BINARY paths, or --release TAG")
        return
    if args.binaries:
        parser.error("give BINARY paths or --release TAG, not both")
    if not args.release.strip():
        parser.error("--release needs a tag, or 'latest'")
    if args.repo is not None and not _REPO.match(args.repo):
        parser.error(f"--repo {args.repo!r}: expected OWNER/NAME")

