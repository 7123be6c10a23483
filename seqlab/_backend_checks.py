"""Argument checks of :mod:`seqlab.backend` (the input contract, ``docs/input-contract.md``).

The backend's creators run in every training step, so they check nothing on the way in: a
NumPy/CuPy error on the way out is translated here into one that names the function and the
argument (:func:`explain`). The other helpers check up front; they run once per call of a
function that is not in a per-step loop.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np

from seqlab._errors import IdError
from seqlab._wording import got


def explain(fname: str, error: Exception, shape: Any = None, dtype: Any = None) -> Exception:
    """The error of a creator ``fname`` (asarray, zeros, ...) naming the argument at fault."""
    if dtype is not None:
        try:
            np.dtype(dtype)
        except TypeError:
            return TypeError(f"{fname}(dtype): expected a NumPy dtype such as 'float32', got "
                             f"{dtype!r}")
    if shape is not None:
        dims = shape if isinstance(shape, tuple | list) else (shape,)
        if not all(isinstance(d, int | np.integer) and not isinstance(d, bool) for d in dims):
            return TypeError(f"{fname}(shape): expected a tuple of ints, got {shape!r}")
        return ValueError(f"{fname}(shape): expected sizes >= 0, got {shape!r}")
    return type(error)(f"{fname}(x): expected an array or nested lists of numbers of one shape, "
                       f"got data NumPy could not convert ({error})")


def check_seed(seed: Any) -> None:
    """An int seed >= 0, a Generator or None (anything else: TypeError or ValueError)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"host_rng(seed): expected an int, a numpy.random.Generator or None, "
                        f"got {got(seed)}")
    if seed < 0:
        raise ValueError(f"host_rng(seed): expected an int >= 0, got {seed}")


def check_randn(rng: Any, scale: Any, dtype: Any) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"randn(rng): expected a numpy.random.Generator (host_rng(seed)), got "
                        f"{got(rng)}")
    if isinstance(scale, bool) or not isinstance(scale, Real) or not math.isfinite(scale):
        raise (TypeError if not isinstance(scale, Real) else ValueError)(
            f"randn(scale): expected a finite number, got {scale!r}")
    if np.dtype(dtype).kind != "f":
        raise TypeError(f"randn(dtype): expected a floating dtype such as float32, got "
                        f"{np.dtype(dtype)}")


def check_indices(host: np.ndarray, size: Any, name: str) -> None:
    """Integer indices (host copy) in [0, size): IdError, TypeError for floats."""
    if isinstance(size, bool) or not isinstance(size, int | np.integer):
        raise TypeError(f"check_indices(size): expected an int >= 1, got {got(size)}")
    if size < 1:
        raise ValueError(f"check_indices(size): expected an int >= 1, got {size}")
    if host.size and not np.issubdtype(host.dtype, np.integer):
        raise TypeError(f"{name}: expected integer indices, got dtype {host.dtype}")
    if host.size and (host.min() < 0 or host.max() >= size):
        bad = host[(host < 0) | (host >= size)].ravel()[:5].tolist()
        raise IdError(f"{name}: expected indices in [0, {size}), got out-of-range values {bad}")


def check_scatter(target: Any, values: Any, axis: Any) -> None:
    for arg, x in (("target", target), ("values", values)):
        if not hasattr(x, "shape"):
            raise TypeError(f"scatter_add({arg}): expected an array, got {got(x)}")
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer) or not (
            -target.ndim <= axis < target.ndim):
        raise ValueError(f"scatter_add(axis): expected an axis of the target's {target.ndim}, "
                         f"got {axis!r}")


def check_name(fname: str, name: Any) -> None:
    """A backend name for use/using."""
    if name not in ("numpy", "cupy"):
        raise ValueError(f"{fname}(name): expected one of ('numpy', 'cupy'), got {name!r}")


def check_save(arrays: Any, meta: Any) -> str:
    """save_arrays' arguments; returns meta as JSON."""
    import json

    if not isinstance(arrays, dict):
        raise TypeError(f"save_arrays(arrays): expected a dict name -> array, got {got(arrays)}")
    if "__meta__" in arrays:
        raise ValueError("save_arrays(arrays): expected names other than the reserved "
                         "'__meta__', got '__meta__'")
    try:
        return json.dumps(meta or {})
    except TypeError as e:
        raise TypeError(f"save_arrays(meta): expected a JSON-able dict, got one that is not "
                        f"({e})") from None


def check_path(path: Any, where: str) -> None:
    import os

    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{where}: expected a file path (a str or a Path), got {got(path)}")


def check_threads(n: Any) -> None:
    if n is not None and (isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1):
        raise (ValueError if isinstance(n, int | np.integer) else TypeError)(
            f"blas_threads(n): expected an int >= 1 or None, got {n!r}")


def check_scratch(name: Any, shape: tuple) -> None:
    if not isinstance(name, str):
        raise TypeError(f"scratch(name): expected a str, got {got(name)}")
    if any(d < 0 for d in shape):
        raise ValueError(f"scratch(shape): expected sizes >= 0, got {shape}")
