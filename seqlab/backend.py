"""Array backend: NumPy always, CuPy when it is installed and asked for (dispatch only).

The ONLY module in seqlab that imports ``cupy`` (STYLE section 7). Every op follows the CuPy
idiom ``xp = get_array_module(x, W); z = xp.tanh(W @ x)``: NumPy in, NumPy out; CuPy in, CuPy
out. The *default device* matters only where arrays are made from nothing (parameters, a<0>):
:func:`use` switches it. Work always on the host uses :data:`host` (NumPy, by name). No
implicit conversion to NumPy: :func:`to_numpy` at every boundary (plots, metrics, tests).
CuPy's index traps are in :mod:`seqlab.scatter`. Read at import: ``SEQLAB_BACKEND`` ("numpy"
or "cupy") is the device every :func:`use` selects (notebooks run on a GPU unchanged);
``SEQLAB_CUPY_MODULE`` names the module imported as CuPy (tests: ``tests.device_double.cupy``).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import numpy as np

__all__ = ["cupy_available", "cupyx", "device_name", "get_array_module", "host", "is_cupy",
           "to_device", "to_numpy", "use", "using", "xp_default"]

host = np   # NumPy for work that is always on the host, by name: the "xp from the arrays" rule
#             holds everywhere else (tests/test_architecture.py)
_cupy: Any = None          # the cupy module once imported, else None
_cupyx: Any = None         # its cupyx (scatter_add), imported with it
_cupy_checked = False      # whether the import has been tried
_default = "numpy"         # the default device for array creation: "numpy" or "cupy"
_CUPY_MODULE = os.environ.get("SEQLAB_CUPY_MODULE", "cupy")   # tests: the device double
_PINNED = os.environ.get("SEQLAB_BACKEND")   # "numpy" | "cupy": what every use() selects


def _checks():                    # imported when first needed (it imports the contract's words)
    return importlib.import_module("seqlab._backend_checks")


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


def cupyx() -> Any:
    """The ``cupyx`` that goes with the CuPy in use (its ``scatter_add``), or None."""
    return _cupyx if _try_cupy() is not None else None


def is_cupy(x: Any) -> bool:
    """True when ``x`` is a CuPy array (without importing cupy when it is not loaded)."""
    return _cupy is not None and isinstance(x, _cupy.ndarray)


def get_array_module(*arrays: Any):
    """``cupy`` if any argument is a CuPy array, else ``numpy``; non-arrays (None) are ignored."""
    if _cupy is not None and any(isinstance(a, _cupy.ndarray) for a in arrays):
        return _cupy
    return np


def use(name: str) -> str:
    """Switch the default device for array creation, "numpy" or "cupy" (``SEQLAB_BACKEND``
    overrides it); return a line describing it. ValueError for another name, RuntimeError for
    "cupy" without a GPU."""
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
    """``with using("cupy"): ...`` switches the default device for a block."""

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
    """A NumPy array for a NumPy or CuPy array, element-wise through tuples, lists and dicts
    (a ``grads`` dict, a cache); other values pass through unchanged."""
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


if _PINNED:
    if _PINNED not in ("numpy", "cupy"):
        raise ValueError(f"SEQLAB_BACKEND: expected 'numpy' or 'cupy', got {_PINNED!r}")
    use(_PINNED)
