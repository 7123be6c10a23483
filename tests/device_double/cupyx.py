"""A stand-in for ``cupyx``: CuPy 14.2.0's names; ``scatter_add/max/min`` computed."""

import sys as _sys

import numpy as _np

from tests.device_double import _array
from tests.device_double import cupy as _cupy


def scatter_add(a, slices, value):
    """``a[slices] += value`` with every repeated index counted (CUDA's atomicAdd)."""
    _array.scatter("add", a, slices, value)


def scatter_max(a, slices, value):
    _array.scatter("max", a, slices, value)


def scatter_min(a, slices, value):
    _array.scatter("min", a, slices, value)


def _host(f):
    """Pinned host memory is a NumPy array in CuPy too."""
    return lambda *args, **kwargs: f(*args, **kwargs)


errstate, seterr, geterr = _np.errstate, _np.seterr, _np.geterr
zeros_pinned, empty_pinned = _host(_np.zeros), _host(_np.empty)
zeros_like_pinned, empty_like_pinned = _host(_np.zeros_like), _host(_np.empty_like)
rsqrt = _cupy.ufunc("rsqrt", lambda x, **kw: _np.divide(1.0, _np.sqrt(x), **kw))

_module = _sys.modules[__name__]
for _name in _array.API["cupyx"]:
    if not hasattr(_module, _name):
        setattr(_module, _name, _array.not_simulated(f"cupyx.{_name}"))


def __getattr__(name):
    raise AttributeError(f"module 'cupyx' has no attribute {name!r} (seqlab's device double "
                         "holds only the names of CuPy 14.2.0's cupyx)")
