"""How long a widget's update takes, measured so that a busy machine does not change it."""

from __future__ import annotations

import time
from collections.abc import Callable


def cpu_seconds(fn: Callable, *args, **kwargs) -> float:
    """The CPU time this thread spends in ``fn(*args, **kwargs)``. Wall-clock time counts
    whatever else the cores run (the suite's other worker, a build), and a check of it fails at
    random under load; the thread's own CPU time is what the update costs. The widget tests use
    it for an upper bound (e.g. 0.2 s: what a slider move may take); the latency a learner sees
    is measured in Chromium by tests/browser."""
    start = time.thread_time()
    fn(*args, **kwargs)
    return time.thread_time() - start
