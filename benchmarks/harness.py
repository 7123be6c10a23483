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


def measure(case: Case, repeats: int = 7, min_time: float = 0.05) -> Result:
    """Time both sides ``repeats`` times (each sample loops until ``min_time``), interleaved."""
    for fn in (case.seqlab, case.reference):  # warm-up: caches, allocations, lazy imports
        fn()
    loops = 1
    while _time(case.seqlab, loops) < min_time and loops < 1 << 16:
        loops *= 2
    seqlab_s, reference_s = [], []
    for _ in range(repeats):
        seqlab_s.append(_time(case.seqlab, loops) / loops)
        reference_s.append(_time(case.reference, loops) / loops)
    return Result(case.name, case.reference_name, case.unit_name, seqlab_s, reference_s,
                  case.units)


def _time(fn: Callable[[], object], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return time.perf_counter() - start
