"""Side-by-side timing: seqlab and its reference measured in one run, median and spread, ratio.

A benchmark module ``benchmarks/bench_*.py`` defines ``cases() -> list[Case]``; each case has
a ``seqlab`` and a ``reference`` callable doing the same work on the same inputs (already set
up), and ``units``, the amount of work per call (tokens, sentences, ...), so the table shows a
throughput for both and ``ratio = seqlab throughput / reference throughput`` (>1: seqlab is
faster). Calls alternate between the two sides so that machine noise hits both alike.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    name: str
    seqlab: Callable[[], object]
    reference: Callable[[], object]
    reference_name: str
    units: float = 1.0
    unit_name: str = "calls"


@dataclass
class Result:
    name: str
    reference_name: str
    unit_name: str
    seqlab_s: list[float]
    reference_s: list[float]
    units: float

    @staticmethod
    def _spread(xs: list[float]) -> float:
        """Half the interquartile range relative to the median (a robust ± in %)."""
        q = statistics.quantiles(xs, n=4) if len(xs) >= 2 else [xs[0]] * 3
        return 50 * (q[2] - q[0]) / statistics.median(xs)

    @property
    def ratio(self) -> float:
        return statistics.median(self.reference_s) / statistics.median(self.seqlab_s)

    def row(self) -> str:
        ms, mr = statistics.median(self.seqlab_s), statistics.median(self.reference_s)
        return (f"| {self.name} | {self.units / ms:,.0f} ±{self._spread(self.seqlab_s):.0f}% | "
                f"{self.reference_name} | {self.units / mr:,.0f} "
                f"±{self._spread(self.reference_s):.0f}% | {self.unit_name}/s | "
                f"**{self.ratio:.2f}** |")


HEADER = ("| benchmark | seqlab | reference | reference | unit | ratio (seqlab/ref) |\n"
          "|---|---:|---|---:|---|---:|")


# Longer than a library's idle worker threads keep spinning after its last call: OpenBLAS's
# spin for 2**28 TSC cycles (0.10 s at 2.6 GHz) and, on 2 cores, take half the machine from
# whatever runs next. Measured: torch's LSTM step at m=16, n_a=512 took 168-177 ms right after a
# NumPy call and 93-99 ms once OpenBLAS had gone quiet; see _settle.
SETTLE_S = 0.15


def measure(case: Case, repeats: int = 7, min_time: float = 0.05) -> Result:
    """Time both sides ``repeats`` times (each sample loops until ``min_time``), interleaved.

    Before each sample, :func:`_settle` lets the other side's worker threads go quiet, so that
    neither side is timed while the other's threads still hold the cores.
    """
    per_call = {}
    for fn in (case.seqlab, case.reference):  # warm-up: caches, allocations, lazy imports
        fn()
        per_call[fn] = _time(fn, 1)
    loops = 1
    while _time(case.seqlab, loops) < min_time and loops < 1 << 16:
        loops *= 2
    seqlab_s, reference_s = [], []
    for _ in range(repeats):
        for fn, samples in ((case.seqlab, seqlab_s), (case.reference, reference_s)):
            _settle(fn, per_call[fn])
            samples.append(_time(fn, loops) / loops)
    return Result(case.name, case.reference_name, case.unit_name, seqlab_s, reference_s,
                  case.units)


def _settle(fn: Callable[[], object], per_call: float) -> None:
    """Spend ``SETTLE_S`` untimed before a sample of ``fn``: the other side's threads stop.

    A short call runs itself meanwhile (its own threads are awake and its caches warm when the
    timing starts; an idle machine instead makes the next short call pay for waking up: torch's
    3 ms step took up to 16 ms after a 0.2 s sleep); a long call sleeps, its own wake-up being
    under 1% of it.
    """
    if per_call >= SETTLE_S:
        time.sleep(SETTLE_S)
        return
    start = time.perf_counter()
    while time.perf_counter() - start < SETTLE_S:
        fn()


def median_time(fn: Callable[[], object], repeats: int = 7) -> float:
    """Median seconds of one call of ``fn`` over ``repeats`` calls, after one warm-up call."""
    fn()
    return statistics.median(_time(fn, 1) for _ in range(repeats))


def synchronizer(side: str) -> Callable[[], None]:
    """What waits for one side's device: "cupy", "cuda" (torch), else a no-op (the CPU)."""
    if side == "cupy":
        import cupy

        return cupy.cuda.Device().synchronize
    if side == "cuda":
        import torch

        return torch.cuda.synchronize
    return lambda: None


def _time(fn: Callable[[], object], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return time.perf_counter() - start
