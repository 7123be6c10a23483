"""Making arrays: on the default device (:func:`zeros`, :func:`asarray`), or drawn at random on
the host and moved there (:func:`host_rng`, :func:`randn`).

Every draw in seqlab comes from a seeded ``numpy.random.Generator`` made by :func:`host_rng`
(never the global ``np.random`` state); parameters are drawn on the host with :func:`randn`
and then moved to the default device, so one seed gives the same model on NumPy and on CuPy
(``tests/test_backend_parity.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from seqlab.backend import _checks, get_array_module, to_device, xp_default

__all__ = ["asarray", "host_rng", "randn", "zeros"]


def asarray(x: Any, dtype=None):
    """``xp_default().asarray(x, dtype)``: create an array on the default device."""
    try:
        return xp_default().asarray(x, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise _checks().explain("asarray", e, dtype=dtype) from None


def zeros(shape: int | Sequence[int], dtype=np.float64, like: Any = None):
    """Zeros on the device of ``like`` (an array) or, without it, on the default device."""
    xp = get_array_module(like) if like is not None else xp_default()
    try:
        return xp.zeros(shape, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise _checks().explain("zeros", e, shape, dtype) from None


def host_rng(seed: int | np.random.Generator | None = 0) -> np.random.Generator:
    """A seeded host-side ``numpy.random.Generator`` (never the global ``np.random`` state).

    A Generator passes through unchanged, so functions can take ``seed`` or ``rng``.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    _checks().check_seed(seed)
    return np.random.default_rng(seed)


def randn(rng: np.random.Generator, shape: int | Sequence[int], scale: float = 1.0,
          dtype=np.float64, xp=None):
    """Draw ``scale * N(0, 1)`` on the host with ``rng``, cast to ``dtype``, move to ``xp``.

    Drawing on the host makes one seed give identical parameters on NumPy and CuPy.
    """
    _checks().check_randn(rng, scale, dtype)
    try:
        values = (scale * rng.standard_normal(shape)).astype(dtype)
    except (TypeError, ValueError) as e:
        raise _checks().explain("randn", e, shape) from None
    return to_device(values, xp)
