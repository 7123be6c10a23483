"""Array backend: NumPy always, CuPy when it is installed and asked for.

This is the ONLY module in seqlab that imports ``cupy`` (STYLE section 7). Every op follows the
CuPy idiom::

    xp = get_array_module(x, W)     # numpy for NumPy inputs, cupy for CuPy inputs
    z = xp.tanh(W @ x)

so NumPy arrays in give NumPy arrays out and CuPy arrays in give CuPy arrays out. The *default
device* only matters where arrays are created from nothing (parameter initialisation, zeros for
a<0>): :func:`use` switches it, :func:`xp_default` returns its array module.

Parameters are drawn on the host from a seeded ``numpy.random.Generator`` and then moved with
:func:`to_device`, so one seed gives the same model on both backends.

CuPy differences absorbed here:

- ``scatter_add``: ``a[idx] += v`` drops repeated indices on both backends; NumPy needs
  ``np.add.at`` and CuPy ``cupyx.scatter_add``.
- out-of-range indices *wrap* on CuPy instead of raising: :func:`check_indices` validates on the
  host and raises an ``IndexError`` naming the argument.
- no implicit conversion to NumPy: call :func:`to_numpy` at every boundary (plots, metrics,
  tests).

Two environment variables, read at import: ``SEQLAB_BACKEND`` ("numpy" or "cupy") is the device
every :func:`use` selects, whatever it is asked for (runs the notebooks on a GPU unchanged; the
line ``use`` returns says so); ``SEQLAB_CUPY_MODULE`` names the module imported as CuPy (default
"cupy"; its scatter-add is the module of that name plus "x", as ``cupyx`` is ``cupy``'s). The
tests set it to ``tests.device_double.cupy``, a CPU double with CuPy's boundary rules.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "asarray",
    "blas_threads",
    "cpu_quota",
    "load_arrays",
    "check_indices",
    "cupy_available",
    "device_name",
    "get_array_module",
    "host_rng",
    "is_cupy",
    "randn",
    "save_arrays",
    "scratch",
    "scatter_add",
    "to_device",
    "to_numpy",
    "use",
    "using",
    "xp_default",
    "zeros",
]

_cupy: Any = None          # the cupy module once imported, else None
_cupyx: Any = None         # its cupyx (scatter_add), imported with it
_cupy_checked = False      # whether the import has been tried
_default = "numpy"         # the default device for array creation: "numpy" or "cupy"
_CUPY_MODULE = os.environ.get("SEQLAB_CUPY_MODULE", "cupy")   # tests: the device double
_PINNED = os.environ.get("SEQLAB_BACKEND")   # "numpy" | "cupy": what every use() selects


def _checks():                    # imported when first needed (it imports the contract's words)
    from seqlab import _backend_checks

    return _backend_checks


def _try_cupy() -> Any:
    """Import cupy once; return the module, or None when it is missing or has no GPU."""
    global _cupy, _cupyx, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            cp = importlib.import_module(_CUPY_MODULE)
            cp.cuda.runtime.getDeviceCount()  # raises without a driver or device
            _cupy, _cupyx = cp, importlib.import_module(_CUPY_MODULE + "x")
        except Exception:  # ImportError, CUDARuntimeError, ...: no usable GPU
            _cupy = None
    return _cupy


def cupy_available() -> bool:
    """True when cupy imports and sees at least one GPU."""
    return _try_cupy() is not None


def is_cupy(x: Any) -> bool:
    """True when ``x`` is a CuPy array (without importing cupy when it is not loaded)."""
    return _cupy is not None and isinstance(x, _cupy.ndarray)


def get_array_module(*arrays: Any):
    """Return ``cupy`` if any argument is a CuPy array, else ``numpy`` (the CuPy idiom).

    Non-array arguments (floats, None) are ignored, so ``get_array_module(x, None)`` works.
    """
    if _cupy is not None and any(isinstance(a, _cupy.ndarray) for a in arrays):
        return _cupy
    return np


def use(name: str) -> str:
    """Switch the default device for array creation: ``"numpy"`` or ``"cupy"``.

    Returns a one-line description of the device now in use (print it in a notebook). With
    the environment variable ``SEQLAB_BACKEND`` set, that device is selected instead of
    ``name``, and the line says so.

    Raises
    ------
    ValueError
        for a name other than "numpy" or "cupy".
    RuntimeError
        for "cupy" when CuPy is missing or sees no GPU.
    """
    global _default
    _checks().check_name("use", name)
    asked, name = name, _PINNED or name
    if name == "cupy" and not cupy_available():
        raise RuntimeError(
            "use('cupy'): CuPy is not installed or sees no GPU. Install the 'gpu' extra "
            "(pip install 'seqlab[gpu]') on a machine with an NVIDIA GPU, or stay on 'numpy'."
        )
    _default = name
    pinned = f" (SEQLAB_BACKEND={name} overrides use({asked!r}))" if name != asked else ""
    return device_name() + pinned


class using:  # noqa: N801 - used like a function: `with using("cupy"):`
    """Context manager: ``with using("cupy"): ...`` switches the default device for a block."""

    def __init__(self, name: str):
        _checks().check_name("using", name)
        self.name, self.previous = name, _default

    def __enter__(self) -> str:
        self.previous = _default
        return use(self.name)

    def __exit__(self, *exc: object) -> None:
        use(self.previous)


def xp_default():
    """The array module of the default device (numpy, or cupy after ``use("cupy")``)."""
    return _cupy if _default == "cupy" else np


def device_name() -> str:
    """A human-readable description of the default device."""
    if _default == "cupy":
        props = _cupy.cuda.runtime.getDeviceProperties(_cupy.cuda.Device().id)
        name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
        return f"cupy {_cupy.__version__} on GPU {_cupy.cuda.Device().id}: {name}"
    return f"numpy {np.__version__} on CPU"


def to_numpy(x: Any) -> Any:
    """Return a NumPy array for a NumPy or CuPy array; other values pass through unchanged.

    Tuples, lists and dicts are converted element-wise (a ``grads`` dict, a cache of arrays).
    """
    if is_cupy(x):
        return _cupy.asnumpy(x)
    if isinstance(x, dict):
        return {k: to_numpy(v) for k, v in x.items()}
    if isinstance(x, list | tuple) and not hasattr(x, "_fields"):
        return type(x)(to_numpy(v) for v in x)
    return x


def to_device(x: Any, xp=None) -> Any:
    """Move an array (or a dict of arrays) to ``xp`` (default: the default device's module)."""
    if xp is not None and not hasattr(xp, "asarray"):
        raise TypeError(f"to_device(xp): expected an array module (numpy, cupy), got {xp!r}")
    xp = xp or xp_default()
    if isinstance(x, dict):
        return {k: to_device(v, xp) for k, v in x.items()}
    if xp is np:
        return to_numpy(x) if is_cupy(x) else np.asarray(x)
    return xp.asarray(x)


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


def check_indices(indices: Any, size: int, name: str = "check_indices(indices)"):
    """Validate integer indices against ``[0, size)`` on the host; return them unchanged.

    CuPy wraps out-of-range indices silently; this raises instead, naming the argument.
    """
    _checks().check_indices(np.asarray(to_numpy(indices)), size, name)
    return indices


_SORTED_SCATTER_MIN = 64  # below this many indices np.add.at is as fast


def row_sums(indices, *values, size: int | None = None):
    """The distinct ``indices`` and, for each array in ``values``, its rows summed per index.

    ``indices`` (k,) integers; each of ``values`` (k, ...). Returns ``(rows, sums)``: ``rows``
    (U,) the sorted distinct indices, ``sums`` a list of (U, ...) arrays with
    ``sums[v][u] = Σ_{i: indices[i] = rows[u]} values[v][i]``. A scatter-add restricted to
    the rows used (sparse AdaGrad updates only those). NumPy: one stable sort (a radix sort
    when ``size`` <= 65,536 allows 16-bit keys) and one ``add.reduceat`` per array.
    """
    xp = get_array_module(indices, *values)
    idx = xp.asarray(indices).ravel()
    key = idx.astype(xp.uint16) if size is not None and size <= 65536 else idx
    order = xp.argsort(key, kind="stable")
    sorted_idx = idx[order]
    starts = xp.flatnonzero(xp.concatenate([xp.ones(1, bool), sorted_idx[1:] != sorted_idx[:-1]]))
    rows = sorted_idx[starts]
    if xp is np:
        return rows, [np.add.reduceat(v[order], starts, axis=0) for v in values]
    where = xp.searchsorted(rows, idx)  # CuPy's path (a GPU, or the tests' device double)
    sums = []
    for v in values:
        out = xp.zeros((rows.size, *v.shape[1:]), dtype=v.dtype)
        _cupyx.scatter_add(out, where, v)
        sums.append(out)
    return rows, sums


def scatter_add(target, indices, values, axis: int = 0):
    """Add ``values`` into ``target`` at ``indices`` along ``axis``, in place; return target.

    Repeated indices accumulate (``target[idx] += values`` would keep only one of them): this
    is the backward pass of an embedding lookup, where a word used twice gets two gradients.

    Parameters
    ----------
    target : array, any shape; modified in place.
    indices : integer array of shape ``(k,)``, each in ``[0, target.shape[axis])``.
    values : array of ``target``'s shape with ``target.shape[axis]`` replaced by ``k``.
    """
    _checks().check_scatter(target, values, axis)
    xp = get_array_module(target, values)
    check_indices(indices, target.shape[axis], "scatter_add(indices)")
    idx = xp.asarray(indices).ravel()
    expected = target.shape[:axis] + (idx.shape[0],) + target.shape[axis + 1:]
    if tuple(values.shape) != tuple(expected):
        raise ValueError(
            f"scatter_add(values): expected shape {expected} for {idx.shape[0]} indices along "
            f"axis {axis} of a target of shape {target.shape}, got {tuple(values.shape)}"
        )
    moved_t = xp.moveaxis(target, axis, 0)  # (size, ...) view of target
    moved_v = xp.moveaxis(values, axis, 0)  # (k, ...)
    if xp is np and idx.shape[0] >= _SORTED_SCATTER_MIN and moved_v.ndim > 1:
        # one add per distinct index (exact: no repeats left): 2-3x faster than np.add.at for
        # embedding-sized gradients (k rows of d floats)
        rows, (sums,) = row_sums(idx, moved_v, size=moved_t.shape[0])
        moved_t[rows] += sums
    elif xp is np:
        np.add.at(moved_t, idx, moved_v)
    else:  # CuPy's path (a GPU, or the tests' device double)
        _cupyx.scatter_add(moved_t, idx, moved_v)
    return target


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


def save_arrays(path, arrays: dict, meta: dict | None = None) -> None:
    """Write host copies of ``arrays`` (and a JSON-able ``meta`` dict) to one compressed .npz."""
    meta_json = _checks().check_save(arrays, meta)
    _checks().check_path(path, "save_arrays(path)")
    np.savez_compressed(path, __meta__=np.array(meta_json),
                        **{k: to_numpy(v) for k, v in arrays.items()})


def load_arrays(path) -> tuple[dict, dict]:
    """(arrays, meta) from a file written by :func:`save_arrays`: numeric arrays on the default
    device, the others (words) on the host: CuPy has no string dtypes."""
    import json

    _checks().check_path(path, "load_arrays(path)")
    with np.load(path) as data:
        meta = json.loads(str(data["__meta__"])) if "__meta__" in data.files else {}
        arrays = {k: to_device(data[k]) if data[k].dtype.kind in "biufc" else data[k]
                  for k in data.files if k != "__meta__"}
    return arrays, meta


def cpu_quota() -> int:
    """The CPUs this process may really use: the smaller of its affinity and its cgroup quota
    (a Binder or Docker container often sees every host core but may use one)."""
    import os

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


def _limit_blas_to_quota() -> None:
    """At import: never more BLAS threads than the CPUs the cgroup quota allows."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return
    quota = cpu_quota()
    if any(info.get("num_threads", 1) > quota for info in threadpool_info()
           if info.get("user_api") == "blas"):
        threadpool_limits(limits=quota, user_api="blas")


_limit_blas_to_quota()
if _PINNED:
    if _PINNED not in ("numpy", "cupy"):
        raise ValueError(f"SEQLAB_BACKEND: expected 'numpy' or 'cupy', got {_PINNED!r}")
    use(_PINNED)
