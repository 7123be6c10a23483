"""Work buffers kept between calls, one per name and thread (``scratch``)."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from seqlab.backend import _checks

__all__ = ["scratch"]

_scratch = threading.local()   # per thread: {(name, module): array}


def scratch(name: str, shape: int | Sequence[int], dtype=np.float64, xp=np):
    """A work buffer kept between calls: ``name``'s array of this shape and dtype (zeros when
    first made; afterwards whatever the last user left in it). One buffer per name and thread.

    Why: NumPy hands each freed array of more than ~128 KB back to the operating system, and
    the next call's array of the same size pays a page fault per 4 KB on first touch. A CTC
    loss at the benchmark size made 2,900 of them per call, half its run time. Never return a
    scratch buffer to a caller: the next call overwrites it.
    """
    store = _scratch.__dict__.setdefault("bufs", {})
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    _checks().check_scratch(name, shape)
    key = (name, xp.__name__)
    buf = store.get(key)
    if buf is None or buf.shape != shape or buf.dtype != np.dtype(dtype):
        buf = store[key] = xp.zeros(shape, dtype)
    return buf
