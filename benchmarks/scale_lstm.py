"""How an LSTM training step scales with T_x, n_a and m: seqlab and torch.nn.LSTM side by side.

One axis at a time around the base size (m, T_x, n_x, n_a) = (32, 50, 64, 128), float32, the
training step of ``bench_lstm.py`` (forward + BPTT). The cost model of the lecture's equations:
the GEMMs cost O(T_x · m · n_a (n_a + n_x)) flops, so time grows linearly in T_x and m and
quadratically in n_a — once the products are big enough. Below that, each of the T_x steps
costs a fixed ~20 NumPy calls (a few microseconds each) whatever the sizes: the curves go flat,
and that is where NumPy's per-call overhead dominates.

``python benchmarks/run.py`` calls :func:`run`, which writes ``results/lstm_scaling.png`` and
returns the table's lines (times and the fitted log-log slope of each curve's upper half).
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
from bench_lstm import training_step
from harness import Case, measure

BASE = {"m": 32, "T_x": 50, "n_x": 64, "n_a": 128}
AXES = {"T_x": (5, 10, 25, 50, 100, 200), "n_a": (16, 32, 64, 128, 256, 512),
        "m": (1, 4, 16, 64, 256)}
EXPECTED = {"T_x": 1, "n_a": 2, "m": 1}  # the flop count's exponent on each axis


def _step_seconds(m, T_x, n_x, n_a, repeats=9) -> tuple[float, float]:
    """Median seconds of one training step: (seqlab, torch), timed as the benchmark table is."""
    ours, ref = training_step((m, T_x, n_x, n_a))
    r = measure(Case("scaling", ours, ref, "torch.nn.LSTM CPU"), repeats=repeats)
    return statistics.median(r.seqlab_s), statistics.median(r.reference_s)


def _slope(xs, ys) -> float:
    """Least-squares slope of log y on log x over the upper half of the sweep."""
    half = len(xs) // 2
    return float(np.polyfit(np.log(xs[half:]), np.log(ys[half:]), 1)[0])


def run(out_dir: Path) -> list[str]:
    lines = ["LSTM training-step scaling (one axis at a time around "
             f"{', '.join(f'{k}={v}' for k, v in BASE.items())}; ms per step, seqlab / torch):",
             "", "| axis | values | seqlab ms | torch ms | slope seqlab | slope torch | flops |",
             "|---|---|---|---|---:|---:|---:|"]
    curves = {}
    for axis, values in AXES.items():
        ours, ref = zip(*(_step_seconds(**{**BASE, axis: v}) for v in values), strict=True)
        curves[axis] = (values, ours, ref)
        lines.append(f"| {axis} | {', '.join(map(str, values))} | "
                     f"{', '.join(f'{1e3 * t:.2f}' for t in ours)} | "
                     f"{', '.join(f'{1e3 * t:.2f}' for t in ref)} | "
                     f"{_slope(values, ours):.2f} | {_slope(values, ref):.2f} | "
                     f"{EXPECTED[axis]} |")
    lines.append("")
    lines.append("Slopes are fitted on the upper half of each sweep; a slope below the flop "
                 "count's exponent means fixed per-step costs (Python and NumPy call overhead) "
                 "still weigh there.")
    try:
        _plot(curves, out_dir / "lstm_scaling.png")
        lines.append(f"Plot: {out_dir.name}/lstm_scaling.png")
    except ImportError:  # matplotlib comes with the test extra (music21); the table suffices
        lines.append("(matplotlib not installed: no plot)")
    return lines


def _plot(curves, path: Path) -> None:
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(4 * len(curves), 3.4))
    for ax, (axis, (values, ours, ref)) in zip(axes, curves.items(), strict=True):
        ax.loglog(values, [1e3 * t for t in ours], "o-", label="seqlab (NumPy)")
        ax.loglog(values, [1e3 * t for t in ref], "s--", label="torch.nn.LSTM")
        k = EXPECTED[axis]
        ideal = [1e3 * ours[-1] * (v / values[-1]) ** k for v in values]
        ax.loglog(values, ideal, ":", color="gray", label=f"∝ {axis}^{k} (flops)")
        ax.set_xticks(values, [str(v) for v in values])       # the measured sizes, plainly
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel(axis)
        ax.set_ylabel("ms per training step")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("LSTM training step (forward + BPTT, float32): time vs size")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
