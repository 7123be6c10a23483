"""BLAS threads: how many OpenBLAS may use, chosen by a call, never by an import.

A container (Binder, Docker) often sees every core of its host but may use one or two: with a
thread per visible core, OpenBLAS's threads spin-wait for each other on every small product
and a 2 s training run takes 40 s. :func:`match_cpu_quota` (the first cell of every notebook
calls it) lowers the thread count to what the process may use; :func:`blas_threads` limits it
for a block. Importing seqlab changes nothing about threads.
"""

from __future__ import annotations

import os

from seqlab.backend import _checks

__all__ = ["blas_threads", "cpu_quota", "match_cpu_quota"]


def cpu_quota() -> int:
    """The CPUs this process may really use: the smaller of its affinity and its cgroup quota
    (a Binder or Docker container often sees every host core but may use one)."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()[:2]
        if quota != "max":
            n = min(n, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n or 1)


def blas_threads(n: int | None):
    """Context manager: at most ``n`` BLAS threads inside (None: unchanged).

    One thread is fastest for course-sized models: OpenBLAS's threads spin-wait for each other
    on every small matrix product, which on a busy 2-core machine turns a 2 s training run into
    40 s. ``with blas_threads(1): train(...)``.
    """
    from threadpoolctl import threadpool_limits

    _checks().check_threads(n)
    return threadpool_limits(limits=n, user_api="blas")


def match_cpu_quota() -> None:
    """Never more BLAS threads than the CPUs this process may use (:func:`cpu_quota`).

    Only ever lowers the count: a learner's own ``OPENBLAS_NUM_THREADS`` below it stands.
    """
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return
    quota = cpu_quota()
    if any(info.get("num_threads", 1) > quota for info in threadpool_info()
           if info.get("user_api") == "blas"):
        threadpool_limits(limits=quota, user_api="blas")
