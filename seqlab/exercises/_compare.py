"""How the checker compares a learner's output with the reference: with tolerances, never exact.

Float results are compared with ``allclose(rtol, atol)`` of the exercise (float64: 1e-7 and
1e-9 by default, a million times the rounding of one operation, so that another summation
order, another BLAS kernel or another SIMD loop of NumPy gives the same verdict). An output in
a lower precision (float32, float16) is compared with a tolerance set by its own dtype:
``LOW_PRECISION_ULPS`` units in the last place of that dtype, relative to each value and to
the largest value of the array (float32: about 1.5e-5). Rounding float32 operands and results
stays far inside it for the short sums of these exercises (n terms give at most n ulps); a
known mistake does not (the smallest, a one-sided difference quotient, is ~1e-5 relative, and
gradient exercises do not accept float32 at all). Whether a float32 answer passes is the
exercise's choice (``Exercise.float32_ok``); otherwise the learner is told it is the dtype.
Anything else (strings, token lists, booleans) is compared by ``==``; dicts key by key.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from seqlab.backend import to_numpy

LOW_PRECISION_ULPS = 128


def is_real_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def low_precision(a: Any) -> np.dtype | None:
    """The dtype of ``a`` if it is a float narrower than float64 (float32, float16), else None;
    for a dict, the first such dtype among its values."""
    if isinstance(a, dict):
        return next((d for v in a.values() if (d := low_precision(v)) is not None), None)
    dtype = getattr(to_numpy(a), "dtype", None)
    if dtype is not None and dtype.kind == "f" and dtype.itemsize < 8:
        return np.dtype(dtype)
    return None


def same(a: Any, b: Any, rtol: float, atol: float, to_precision: bool = False) -> bool:
    """Equal values: arrays and real scalars allclose (NaN equal to NaN), dicts key by key,
    anything else (strings, token lists, booleans) by ==. With ``to_precision``, an ``a`` in
    float32 or float16 is compared with that dtype's tolerance (see the module docstring)."""
    if isinstance(b, dict):
        return (isinstance(a, dict) and set(a) == set(b)
                and all(same(a[k], b[k], rtol, atol, to_precision) for k in b))
    try:
        low = low_precision(a) if to_precision else None
        a, b = to_numpy(a), to_numpy(b)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            if a.shape != b.shape:
                return False
            if low is not None:
                return _close_to_dtype(a, b, low) or bool(
                    np.allclose(a, b, rtol, atol, equal_nan=True))
            return bool(np.allclose(a, b, rtol, atol, equal_nan=True))
        if is_real_number(a) and is_real_number(b):  # a float cost: 1e-16 apart is the same
            if low is not None and _close_to_dtype(np.asarray(float(a)), np.asarray(float(b)),
                                                   low):
                return True
            return bool(np.isclose(float(a), float(b), rtol, atol, equal_nan=True))
        return bool(a == b)
    except Exception:
        return False


def _close_to_dtype(a: np.ndarray, b: np.ndarray, dtype: np.dtype) -> bool:
    tol = LOW_PRECISION_ULPS * float(np.finfo(dtype).eps)
    finite = np.isfinite(b)
    scale = float(np.max(np.abs(b[finite]))) if finite.any() else 0.0
    return bool(np.allclose(a, b, rtol=tol, atol=tol * scale, equal_nan=True))
