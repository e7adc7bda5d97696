"""CLI glue for ``python -m verifier --release``: options in, printed report out.

This is command-line code (it prints, draws progress bars, writes the step summary); the
work itself is in :mod:`verifier.release.gate`, which returns data.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from typing import Sequence

from verifier.errors import EXIT_OK, VerifierError
from verifier.output import emit
from verifier.release import present
from verifier.release.api import TOKEN_VARIABLES, GitHubSettings
from verifier.release.options import DEFAULT_REPO
from verifier.release.assets import ReleaseAsset
from verifier.release.gate import GateOptions, find, run
from verifier.release.retry import RetryPolicy
from verifier.util import gha, streams
from verifier.util.neutral import for_terminal, json_text


class _Bars:
    """One tqdm bar per downloading asset, stacked; only when stderr is a terminal."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0

    def __call__(self, asset: ReleaseAsset) -> _Bar:
        with self._lock:
            position = self._next
            self._next += 1
        return _Bar(asset.name, position)


class _Bar:
    def __init__(self, name: str, position: int) -> None:
        self.name = name
        self.position = position
        self.bar: object | None = None

    def start(self, total: int) -> None:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total or None, desc=for_terminal(self.name), unit="B", unit_scale=True, unit_divisor=1024,
                            position=self.position, leave=False, file=streams.raw_stderr(), dynamic_ncols=True)
        else:  # a retry starts the stream again
            self.bar.reset(total=total or None)  # type: ignore[attr-defined]

    def advance(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)  # type: ignore[attr-defined]

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()  # type: ignore[attr-defined]


def _forget_token() -> None:
    """Keep the token out of the environment of the downloaded binaries we are about to run."""
    for name in TOKEN_VARIABLES:
        os.environ.pop(name, None)


def run_release(args: argparse.Namespace, check_ids: Sequence[str], wrapper: Sequence[str],
                accepts: Sequence[Sequence[str]] = ()) -> int:
    """``--release``: list, or download, verify and report; returns the exit code."""
    settings = GitHubSettings.from_env()
    opts = GateOptions(
        repo=args.repo or DEFAULT_REPO, tag=args.release.strip(), names=tuple(args.asset),
        platform=args.platform, all_host=args.all_host, cache_dir=args.cache.path if args.cache else None,
        jobs=args.jobs,
        timeout=args.timeout, wrapper=tuple(wrapper), check_ids=tuple(check_ids), argv=args.argv,
        accepts=tuple(tuple(a) for a in accepts),
        policy=RetryPolicy(max_total_wait=args.retry_wait),
    )
    release, plan = find(opts, settings)
    if args.list:
        print(json_text(present.listing_dict(release, plan)) if args.json
              else present.format_listing(release, plan))
        return EXIT_OK
    if plan.error:
        raise VerifierError(plan.error + (f" (resolved {release.resolution})" if release.resolution else ""))
    _forget_token()
    progress = _Bars() if sys.stderr.isatty() and not gha.in_actions() else None
    report = run(release, plan.picked, opts, settings, progress=progress)
    if not args.json:
        print(present.format_assets_text(report, release) + "\n")
    if gha.in_actions():
        gha.append_step_summary(present.format_assets_markdown(report, release))
    return emit(report, as_json=args.json, heading=f"llama-server verifier: {release.repo} {release.tag}")
