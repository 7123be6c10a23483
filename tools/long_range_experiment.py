"""The long-range dependency experiment: RNN vs GRU vs LSTM, accuracy against the gap.

Trains a fresh one-layer network for every (cell kind, gap, seed) of
``seqlab.tasks.long_range.EXPERIMENT`` on subject-verb agreement across the gap ("the cat(s)
which ... , was/were") and writes the held-out accuracies to
``seqlab/data/results/long_range.npz`` (a few KB), which notebooks load with
``seqlab.viz.tasks.load_long_range_results()`` and plot with ``accuracy_vs_gap_figure``.

Usage::

    python tools/long_range_experiment.py               # the experiment (a few minutes, 2 cores)
    python tools/long_range_experiment.py --workers 1   # one process
    python tools/long_range_experiment.py --pilot       # the learning-rate pilot (prints only)

BLAS runs one thread per process: the matrices are small (32 x 83 by 83 x 64), and on a
shared machine OpenBLAS's spinning threads made a step up to 20 times slower.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.tasks.long_range import EXPERIMENT, gap_sweep  # noqa: E402

OUT = ROOT / "seqlab" / "data" / "results" / "long_range.npz"
PILOT = {"rnn": (20, 30, 40, 60, 100), "gru": (60, 100), "lstm": (60, 100)}
PILOT_RATES = (0.003, 0.01, 0.03)


def save(results: dict, path: Path) -> None:
    """The sweep's dict as one .npz: arrays for the grid, the config as JSON text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, kinds=np.array(results["kinds"]), gaps=np.array(results["gaps"]),
        seeds=np.array(results["seeds"]),
        accuracy=np.array(results["accuracy"], np.float32),
        steps=np.array(results["steps"], np.int32),
        seconds=np.array(results["seconds"], np.float32),
        seconds_total=np.float32(results["seconds_total"]),
        config=np.array(json.dumps(results["config"])))


def report(results: dict) -> None:
    acc = np.array(results["accuracy"])                      # (K, G, S)
    print(f"{'gap':>6}" + "".join(f"{k:>22}" for k in results["kinds"]))
    for g, gap in enumerate(results["gaps"]):
        cells = [f"{acc[k, g].mean():6.3f} [{acc[k, g].min():.2f}-{acc[k, g].max():.2f}]"
                 for k in range(len(results["kinds"]))]
        print(f"{gap:>6}" + "".join(f"{c:>22}" for c in cells))
    print(f"mean held-out accuracy [min-max] over seeds {results['seeds']}; "
          f"{results['seconds_total']:.0f} s")


def pilot(workers: int) -> None:
    """Every kind at every rate of PILOT_RATES, seeds 0-2, on the gaps of PILOT; the LSTM also
    with the library's forget-gate bias b_f = 1 instead of EXPERIMENT's 2."""
    runs = [(kind, gaps, EXPERIMENT["forget_bias"]) for kind, gaps in PILOT.items()]
    runs.append(("lstm", PILOT["lstm"], 1.0))
    for kind, gaps, forget_bias in runs:
        for lr in PILOT_RATES:
            res = gap_sweep((kind,), gaps, (0, 1, 2), workers=workers, progress=False,
                            lr=lr, forget_bias=forget_bias)
            learned = (np.array(res["accuracy"][0]) >= 0.95).sum(axis=1)
            label = f"{kind} b_f={forget_bias:g}" if kind == "lstm" else kind
            print(f"{label:>11} lr {lr:<6}" + "  ".join(
                f"gap {g}: {n}/3" for g, n in zip(gaps, learned, strict=True)), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--pilot", action="store_true", help="the learning-rate pilot only")
    args = parser.parse_args()
    if args.pilot:
        pilot(args.workers)
        return
    results = gap_sweep(workers=args.workers, **{k: v for k, v in EXPERIMENT.items()
                                                  if k not in ("kinds", "gaps", "seeds")},
                        kinds=EXPERIMENT["kinds"], gaps=EXPERIMENT["gaps"],
                        seeds=EXPERIMENT["seeds"])
    save(results, args.out)
    report(results)
    print(f"wrote {args.out.relative_to(ROOT)} ({args.out.stat().st_size / 1024:.1f} KB)")


if __name__ == "__main__":
    main()
