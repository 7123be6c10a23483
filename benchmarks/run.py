"""Run every side-by-side benchmark in benchmarks/ and write one results table.

    make bench                       # all benchmarks
    python benchmarks/run.py lstm    # only cases whose name contains "lstm" (any case),
                                     # written to results/latest-lstm.md

The table (machine, versions, threads, load average, median and spread of several runs, ratio
to the reference) is printed and written to ``benchmarks/results/latest.md``; the README quotes
it. A module may set ``REPEATS`` (samples per side) and define ``notes(results) -> list[str]``,
lines printed under the table (e.g. GFLOP/s computed from the measured times). Modules
``benchmarks/scale_*.py`` are sweeps: their ``run(results_dir) -> list[str]`` adds a table (and
a plot in ``results/``) under the main one. Modules without ``cases()`` (training runs of
minutes, e.g. word2vec vs gensim) define ``main(argv)``; what it prints goes under the table.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
THREADS = os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 1))
sys.path.insert(0, str(HERE))

from harness import HEADER, measure  # noqa: E402


def machine() -> str:
    import numpy as np

    versions = [f"numpy {np.__version__}"]
    try:
        import torch

        torch.set_num_threads(int(THREADS))
        versions.append(f"torch {torch.__version__}")
    except ImportError:
        pass
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = os.environ.get("OPENBLAS_CORETYPE")
    blas = f" (OPENBLAS_CORETYPE={blas})" if blas else ""
    return (f"{cpu}, {os.cpu_count()} cores, {THREADS} threads; Python "
            f"{platform.python_version()}; {', '.join(versions)}{blas}; SIMD kernels: {isa()}")


def isa() -> str:
    """The instruction set each side's kernels use (they may differ: see bench_lstm_isa)."""
    import numpy as np  # noqa: F401  (loads OpenBLAS for threadpoolctl to see)
    from threadpoolctl import threadpool_info

    blas = [i.get("architecture") for i in threadpool_info() if i.get("user_api") == "blas"]
    out = [f"OpenBLAS {blas[0]}" if blas else "BLAS ?"]
    try:
        import torch

        out.append(f"torch {torch.backends.cpu.get_cpu_capability()}")
    except ImportError:
        pass
    return ", ".join(out)


def load() -> str:
    """The 1-minute load average: the machine may be shared, and timings are only as calm."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "n/a"


class _Tee(io.StringIO):
    def write(self, text: str) -> int:
        sys.__stdout__.write(text)
        return super().write(text)


def _printed(fn, *args) -> list[str]:
    """Run ``fn(*args)``, showing what it prints and returning it as lines."""
    tee = _Tee()
    with contextlib.redirect_stdout(tee):
        fn(*args)
    return tee.getvalue().rstrip().splitlines()


def main(argv: list[str]) -> int:
    pattern = argv[0] if argv else ""
    lines = [f"Machine: {machine()}; load average at start {load()}", "", HEADER]
    print("\n".join(lines), flush=True)
    notes = []
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        if not hasattr(module, "cases"):  # a training run of minutes: its own report
            if pattern.lower() in path.stem.lower():
                notes += ["", f"### {path.stem}", "", *_printed(module.main, [])]
            continue
        results = []
        for case in module.cases():
            if pattern.lower() in case.name.lower():
                results.append(measure(case, repeats=getattr(module, "REPEATS", 7)))
                print(results[-1].row(), flush=True)
                lines.append(results[-1].row())
        if results and hasattr(module, "notes"):  # extra lines a module computes from its results
            notes += ["", *module.notes(results)]
    for path in sorted(HERE.glob("scale_*.py")):  # sweeps: a table and a plot, no reference ratio
        if pattern.lower() in path.stem.lower():
            notes += ["", *importlib.import_module(path.stem).run(HERE / "results")]
            print("\n".join(notes[-3:]), flush=True)
    notes += ["", f"Load average at the end: {load()}"]
    print("\n".join(notes), flush=True)
    lines += notes
    # a filtered run must not overwrite the full table the README quotes
    out = HERE / "results" / (f"latest-{pattern}.md" if pattern else "latest.md")
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
