"""Notebook budget: every notebook must Run-All in under 60 s and 1.5 GB on this 2-core machine.

nbval runs each notebook's cells as test items in one kernel. This plugin times every cell,
reads the kernel's peak resident memory (``VmHWM`` in ``/proc/<pid>/status``) after the last
cell, fails the notebook's last item at teardown when either budget is exceeded, and prints a
table of all notebooks at the end of the run (also written to ``build/notebook-budget.md``, or
``build/notebook-budget-<leg>.md`` under a leg of ``tools/cpu_matrix.py``).
It works under pytest-xdist (``--dist loadfile`` keeps a notebook on one worker): the numbers
travel to the controller in the teardown report's ``user_properties``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

BUDGET_SECONDS = float(os.environ.get("SEQLAB_NB_BUDGET_S", 60))
BUDGET_MB = float(os.environ.get("SEQLAB_NB_BUDGET_MB", 1536))
_KEY = "notebook_budget"
_rows: dict[str, dict] = {}


def _is_nbval_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell"


def _kernel_peak_mb(nbfile) -> float | None:
    """Peak resident memory of the notebook's kernel process, in MB (None if unknown)."""
    try:
        pid = nbfile.kernel.km.provisioner.process.pid
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (AttributeError, OSError, ValueError):
        return None
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    if not _is_nbval_cell(item) or hasattr(item.parent, "_budget"):
        return (yield)
    start = time.perf_counter()  # the first cell's setup starts the kernel
    try:
        return (yield)
    finally:
        item.parent._budget = {"kernel_start_s": time.perf_counter() - start, "run_s": 0.0}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if not _is_nbval_cell(item):
        return (yield)
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        item.parent._budget["run_s"] += time.perf_counter() - start


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    last = _is_nbval_cell(item) and (nextitem is None or nextitem.parent is not item.parent)
    if not last or not hasattr(item.parent, "_budget"):
        return (yield)
    row = dict(item.parent._budget, peak_mb=_kernel_peak_mb(item.parent))
    item.user_properties.append((_KEY, row))
    result = yield
    over = []
    if row["run_s"] > BUDGET_SECONDS:
        over.append(f"Run-All took {row['run_s']:.1f} s > {BUDGET_SECONDS:.0f} s")
    if row["peak_mb"] is not None and row["peak_mb"] > BUDGET_MB:
        over.append(f"kernel peak memory {row['peak_mb']:.0f} MB > {BUDGET_MB:.0f} MB")
    if over:
        raise AssertionError(f"notebook {item.parent.path.name} is over budget: " + "; ".join(over))
    return result


def pytest_runtest_logreport(report):
    if report.when != "teardown":
        return
    for key, value in report.user_properties:
        if key == _KEY:
            _rows[report.nodeid.split("::")[0]] = value


def pytest_terminal_summary(terminalreporter):
    if not _rows:
        return
    lines = [
        "| notebook | Run-All (s) | kernel start (s) | peak memory (MB) | budget |",
        "|---|---:|---:|---:|---|",
    ]
    for path, row in sorted(_rows.items()):
        peak = row["peak_mb"]
        ok = row["run_s"] <= BUDGET_SECONDS and (peak is None or peak <= BUDGET_MB)
        lines.append(
            f"| {path} | {row['run_s']:.1f} | {row['kernel_start_s']:.1f} | "
            f"{'?' if peak is None else f'{peak:.0f}'} | {'ok' if ok else 'OVER'} |"
        )
    leg = os.environ.get("SEQLAB_CPU_LEG")     # set by tools/cpu_matrix.py
    terminalreporter.section(
        f"notebook budget ({BUDGET_SECONDS:.0f} s, {BUDGET_MB:.0f} MB each, {os.cpu_count()} cores"
        + (f", CPU leg {leg})" if leg else ")")
    )
    for line in lines:
        terminalreporter.write_line(line)
    out = Path(__file__).parent / "build" / f"notebook-budget{'-' + leg if leg else ''}.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
