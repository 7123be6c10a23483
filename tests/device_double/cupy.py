"""A stand-in for the ``cupy`` module: CuPy 14.2.0's namespace over the double's ndarray.

Only the names CuPy 14.2.0 binds exist here (``cupy_api.json``); any other attribute raises
AttributeError, as ``cupy.errstate`` or ``cupy.add.at``'s missing siblings would on a GPU. A
function checks its call against CuPy's parameter list, refuses host (NumPy) arrays unless it is
one of CuPy's host-to-device creators (``asarray``...), and computes with NumPy's function of
the same name. Names CuPy has but the double cannot honour (kernels, memory pools, polynomial
classes) raise NotImplementedError when used. ``cupy.random`` draws from a stream of its own
(CuPy's streams are not NumPy's) and by default refuses to draw at all: seqlab draws on the host.
"""

import builtins as _builtins
import sys as _sys
import types as _types

import numpy as _np

from tests.device_double import _array

ndarray = _array.ndarray
__version__ = f"14.2.0 (seqlab's device double: NumPy {_np.__version__} on the CPU)"
_API = _array.API
_HOST_DATA = {"array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray",
              "asarray_chkfinite", "frombuffer", "fromfile", "fromfunction", "fromiter",
              "fromstring", "loadtxt", "genfromtxt", "load"}   # CuPy copies host data in
_HOST_DATA |= {"result_type", "can_cast", "common_type", "min_scalar_type", "ndim", "shape",
               "size", "isscalar", "iscomplexobj", "isrealobj"}   # read dtypes and shapes only
_DEVICE_SCALAR = {"count_nonzero", "allclose", "array_equal", "array_equiv"}  # 0-d on CuPy
_NUMPY_RENAMED = {"float_": _np.float64, "complex_": _np.complex128, "cfloat": _np.complex128,
                  "singlecomplex": _np.complex64}


class ufunc:  # noqa: N801 - CuPy's name
    """A CuPy ufunc: device arrays and scalars in; ``out=`` a device array; CuPy's methods."""

    _AT = {"add": "add", "subtract": "sub", "maximum": "max", "minimum": "min",
           "bitwise_and": "and", "bitwise_or": "or", "bitwise_xor": "xor"}

    def __init__(self, name, np_func):
        self.__name__, self._f = name, np_func
        self.nin = getattr(np_func, "nin", 1)
        self.nout = getattr(np_func, "nout", 1)
        self.nargs = self.nin + self.nout

    def __repr__(self):
        return f"<ufunc 'cupy_{self.__name__}'>"

    def __call__(self, *args, out=None, dtype=None, casting="same_kind", where=True):
        if out is None and dtype is None and where is True and len(args) == self.nin:
            return _array.wrap(self._f(*[_array.kernel_arg(a) for a in args]))   # the usual
        ins = [_array.kernel_arg(a) for a in args[:self.nin]]
        outs = args[self.nin:] or ((out if isinstance(out, tuple) else (out,))
                                   if out is not None else ())
        for o in outs:
            if not isinstance(o, ndarray):
                raise TypeError(f"Unsupported type {type(o)}")
        kw = {"casting": casting} if isinstance(self._f, _np.ufunc) else {}
        if dtype is not None:
            kw["dtype"] = dtype
        if where is not True:
            kw["where"] = _array.kernel_arg(where)
        if outs:
            kw["out"] = tuple(o._a for o in outs) if len(outs) > 1 else outs[0]._a
            self._f(*ins, **kw)
            return outs if len(outs) > 1 else outs[0]
        return _array.wrap(self._f(*ins, **kw))

    def outer(self, A, B, **kwargs):
        A, B = (_array.from_host(_np.asarray(_array.kernel_arg(x))) for x in (A, B))
        return self(A.reshape(A.shape + (1,) * B.ndim), B.reshape((1,) * A.ndim + B.shape),
                    **kwargs)

    def at(self, a, indices, b=None):
        if self.__name__ not in self._AT:
            raise NotImplementedError(f"`cupy_{self.__name__}.at` is not supported yet")
        _array.scatter(self._AT[self.__name__], a, indices, b)

    def reduce(self, array, axis=0, dtype=None, out=None, keepdims=False):
        if self.__name__ not in ("add", "multiply"):
            raise NotImplementedError(f"`cupy_{self.__name__}.reduce` is not supported yet")
        method = array.sum if self.__name__ == "add" else array.prod
        return method(axis, dtype, out, keepdims)

    def accumulate(self, array, axis=0, dtype=None, out=None):
        if self.__name__ not in ("add", "multiply"):
            raise NotImplementedError(f"`cupy_{self.__name__}.accumulate` is not supported yet")
        method = array.cumsum if self.__name__ == "add" else array.cumprod
        return method(axis, dtype, out)

    def reduceat(self, array, indices, axis=0, dtype=None, out=None):
        if self.__name__ != "add":
            raise NotImplementedError(f"`cupy_{self.__name__}.reduceat` is not supported yet")
        idx = _array.unwrap(indices, host_ok=True)
        return _array.wrap(_np.add.reduceat(array._a, idx, axis=axis, dtype=dtype))


def _function(qualname, name, params, np_func):
    """A CuPy function computed by NumPy's ``np_func``, with CuPy's parameters and boundary."""
    host_ok = name in _HOST_DATA

    @_array.checked(qualname, params)
    def f(*args, **kwargs):
        args = _array.unwrap(args, host_ok)
        kwargs = {k: _array.unwrap(v, host_ok) for k, v in kwargs.items()}
        result = np_func(*args, **kwargs)
        if name in _DEVICE_SCALAR and not isinstance(result, _np.ndarray):
            result = _np.asarray(result)
        return _array.wrap(result)
    f.__name__ = f.__qualname__ = name
    f.__module__ = "cupy"
    return f


def asarray(a, dtype=None, order=None, *, copy=None, blocking=False):
    """``cupy.asarray``: the explicit host -> device copy (a device array passes through)."""
    if isinstance(a, ndarray) and (dtype is None or _np.dtype(dtype) == a.dtype) and not copy:
        return a
    _array.TRANSFERS["to_device"] += not isinstance(a, ndarray)
    return _array.from_host(_np.array(_array.unwrap(a, host_ok=True), dtype=dtype, order=order,
                                      copy=True))


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    """``cupy.array``: a device copy of host data or of a device array."""
    if isinstance(obj, ndarray) and not copy and (dtype is None or _np.dtype(dtype) == obj.dtype):
        return obj
    _array.TRANSFERS["to_device"] += not isinstance(obj, ndarray)
    return _array.from_host(_np.array(_array.unwrap(obj, host_ok=True), dtype=dtype, order=order,
                                      ndmin=ndmin, copy=True))


def asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    """The device -> host copy: ``a.get()`` for a device array, ``np.asarray`` otherwise."""
    if isinstance(a, ndarray):
        return a.get(order=order, out=out)
    return _np.asarray(a, order=order)


def get_array_module(*args):
    # _builtins.any: this module's own ``any`` is cupy.any (as are all, max, sum... here)
    return _sys.modules[__name__] if _builtins.any(isinstance(a, ndarray) for a in args) else _np


def take(a, indices, axis=None, out=None):
    """CuPy's take: host indices are copied to the device; out-of-range ones wrap."""
    if not isinstance(a, ndarray):
        raise TypeError(f"Unsupported type {type(a)}")
    idx = _np.asarray(_array.unwrap(indices, host_ok=True))
    size = a.size if axis is None else a.shape[axis]
    res = _np.take(a._a, idx % size if size else idx, axis=axis)
    if out is not None:
        out._a[...] = res
        return out
    return _array.wrap(res)


def is_available():
    return True


def fuse(*args, **kwargs):
    """``cupy.fuse``: on the double, the function itself (fusion only changes speed)."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]
    return lambda f: f


class _MemoryPool:
    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_all_blocks(self):
        return None


def get_default_memory_pool():
    return _MemoryPool()


def get_default_pinned_memory_pool():
    return _MemoryPool()


def _module(qualname, api, np_module):
    """A namespace (``cupy.linalg``, ``cupy.fft``...) of ``api``'s names over ``np_module``."""
    mod = _types.ModuleType(qualname)
    for name, spec in api.items():
        target = getattr(np_module, name, None)
        if spec == "ufunc":
            mod.__dict__[name] = ufunc(name, target)
        elif spec.startswith("(") and callable(target):
            mod.__dict__[name] = _function(f"{qualname}.{name}", name, spec, target)
        elif spec == "numpy" and target is not None:
            mod.__dict__[name] = target
        else:
            mod.__dict__[name] = _array.not_simulated(f"{qualname}.{name}")
    return mod


def _build():
    g = globals()
    here = {n: g[n] for n in ("asarray", "array", "asnumpy", "get_array_module", "take",
                              "is_available", "fuse", "get_default_memory_pool",
                              "get_default_pinned_memory_pool")}
    built = _module("cupy", _API["cupy"], _np).__dict__
    aliases = {"alias inf": _np.inf, "alias nan": _np.nan, "alias -inf": -_np.inf,
               "alias -0.0": -0.0, "alias 0.0": 0.0, "alias False": False}
    for name, spec in _API["cupy"].items():
        if name in here:
            g[name] = here[name]
        elif spec in aliases:
            g[name] = aliases[spec]
        elif spec.startswith("alias ") and spec[6:] in _API["cupy"]:
            g[name] = built[spec[6:]]
        elif spec == "unresolved" and hasattr(_np.exceptions, name):
            g[name] = getattr(_np.exceptions, name)
        elif name in _NUMPY_RENAMED:
            g[name] = _NUMPY_RENAMED[name]
        elif name not in ("ndarray", "ufunc", "cuda", "random"):
            g[name] = built[name]
    g["ufunc"] = ufunc
    g["linalg"] = _module("cupy.linalg", _API["cupy.linalg"], _np.linalg)
    g["fft"] = _module("cupy.fft", _API["cupy.fft"], _np.fft)
    g["exceptions"] = _np.exceptions
    g["lib"] = _types.ModuleType("cupy.lib")   # imported by cupy/__init__ through submodules
    g["lib"].stride_tricks = _module("cupy.lib.stride_tricks", _API["cupy.lib.stride_tricks"],
                                     _np.lib.stride_tricks)


_build()
from tests.device_double import _cuda as cuda  # noqa: E402, F401 - cupy.cuda
from tests.device_double import _random as random  # noqa: E402, F401 - cupy.random

_array.NAMESPACE = _sys.modules[__name__]


def __getattr__(name):
    raise AttributeError(f"module 'cupy' has no attribute {name!r} (seqlab's device double "
                         "holds only the names of CuPy 14.2.0: tests/device_double/"
                         "cupy_api.json)")
