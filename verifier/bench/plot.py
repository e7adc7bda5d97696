"""A PNG of decode t/s per setup (and n_max), with the spread over repeats; needs the ``[plot]`` extra."""

from __future__ import annotations

from pathlib import Path

from verifier.bench.results import BenchReport
from verifier.errors import VerifierError

INSTALL_HINT = "--plot needs matplotlib: pip install 'llama-server-verifier[plot]'"


def require_matplotlib() -> None:
    """Fail before any server starts, not after an hour of measuring."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise VerifierError(INSTALL_HINT) from None


_COLOURS = {"off": "#7f7f7f", "ngram": "#1f77b4", "mtp": "#d62728", "mtp+ngram": "#9467bd"}


def write_png(report: BenchReport, path: Path) -> Path:
    """Bars: median decode t/s per setup; whiskers: min and max over the repeats; dashed: off."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [r.setup.label for r in report.results]
    medians = [r.median_tps for r in report.results]
    lows = [r.median_tps - min(r.samples, default=0.0) for r in report.results]
    highs = [max(r.samples, default=0.0) - r.median_tps for r in report.results]
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * len(labels) + 2), 4.2), dpi=110)
    bars = ax.bar(labels, medians, yerr=[lows, highs], capsize=4,
                  color=[_COLOURS.get(r.setup.mode, "#2ca02c") for r in report.results])
    base = report.baseline()
    if base is not None and base.median_tps > 0:
        ax.axhline(base.median_tps, color="#333333", linestyle="--", linewidth=1)
    for bar, r in zip(bars, report.results):
        if r.speedup is not None:  # above the whisker, not on it
            ax.annotate(f"{r.speedup:.2f}x", (bar.get_x() + bar.get_width() / 2, max(r.samples)),
                        xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.set_ylabel("decode tokens/s")
    ax.set_xlabel("bars: median over repeats; whiskers: min-max; dashed: off; labels: speed-up vs off", fontsize=8)
    ax.set_title(f"{Path(report.model).name}: {len(report.prompts)} prompts x {report.n_predict} tokens, "
                 f"{report.repeats} repeat(s), {report.device}", fontsize=9)
    ax.tick_params(axis="x", labelrotation=20, labelsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    try:
        fig.savefig(tmp, format="png")
        tmp.replace(path)
    finally:
        plt.close(fig)
        tmp.unlink(missing_ok=True)
    return path
