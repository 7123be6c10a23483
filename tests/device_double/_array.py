"""The double's ``ndarray``: a NumPy array kept "on the device", behind CuPy 14.2's boundary rules.

Each rule below is CuPy's, read from its source at v14.2.0 (``cupy/_core/core.pyx``,
``_kernel.pyx``, ``_scalar.pyx``, ``_routines_indexing.pyx``) and asserted in
``tests/test_device_double.py``:

- no implicit conversion to NumPy: ``__array__`` raises TypeError with CuPy's message, so
  ``np.asarray(x)``, plotting and ``np.testing`` on a device array fail; ``.get()``,
  ``cupy.asnumpy`` and, for one element, ``float()``/``int()``/``bool()``/``.item()``/
  ``.tolist()`` are the explicit crossings. No ``__index__`` (``range(x)``, ``lst[x]`` raise);
  no ``__round__``; unhashable.
- an operand of an arithmetic op or ufunc is a device array, a Python scalar or a NumPy scalar
  (``np.float64(2.0)``); a NumPy array of any shape, 0-d included, or a list raises
  ``TypeError: Unsupported type ...``. Comparisons alone turn a 0-d NumPy array into a scalar.
- reductions return 0-d device arrays, never Python or NumPy scalars.
- indexing takes host index arrays and lists (CuPy copies them to the device); out-of-range
  entries of an integer index *array* wrap around instead of raising (an out-of-range Python
  int raises). ``x[basic] = host_array`` raises (CuPy's fill refuses non-scalar host arrays);
  ``x[index_array] = host_array`` is copied.
- methods are CuPy's (``cupy_api.json``) with CuPy's parameters: ``x.max(initial=0)`` or
  ``x.sum(where=m)`` raise TypeError as they do on a GPU.
"""

from __future__ import annotations

import functools
import inspect
import json
import warnings
from pathlib import Path

import numpy as np

API = json.loads((Path(__file__).parent / "cupy_api.json").read_text())
PY_SCALARS = frozenset({int, float, bool, complex})
IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. "
            "Please use `.get()` to construct a NumPy array explicitly.")
UNSUPPORTED_DTYPES = "OUSMm"  # object, strings, datetimes: CuPy has no such arrays
NAMESPACE = None               # the cupy stand-in module, set by device_double.cupy
TRANSFERS = {"to_host": 0, "to_device": 0}   # copies across the boundary (a GPU syncs on each)


def from_host(a: np.ndarray) -> ndarray:
    """Wrap a NumPy array (no copy): the one way a host array becomes a device array here."""
    if a.dtype.kind in UNSUPPORTED_DTYPES or a.dtype.itemsize > 8 and a.dtype.kind == "f":
        raise ValueError(f"Unsupported dtype {a.dtype}")
    out = ndarray.__new__(ndarray)
    out._a = a
    return out


def wrap(r):
    """NumPy results -> device results: arrays and NumPy scalars become device arrays."""
    if isinstance(r, np.ndarray):          # a result of NumPy's computing: a CuPy dtype
        out = ndarray.__new__(ndarray)
        out._a = r
        return out
    if isinstance(r, np.generic):
        return from_host(np.asarray(r))
    if isinstance(r, tuple):
        vals = [wrap(v) for v in r]
        return type(r)(*vals) if hasattr(r, "_fields") else tuple(vals)
    if isinstance(r, list):
        return [wrap(v) for v in r]
    return r


def kernel_arg(x):
    """An operand of an elementwise kernel, accepted as CuPy's ``_preprocess_arg`` does."""
    if isinstance(x, ndarray):
        return x._a
    if type(x) in PY_SCALARS or isinstance(x, np.generic):
        return x
    raise TypeError(f"Unsupported type {type(x)}")


def unwrap(x, host_ok: bool = False):
    """Arguments of a namespace function: device arrays unwrapped; host arrays refused unless
    the function takes host data (``cupy.asarray``...), recursively through lists and tuples."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray) and not host_ok:
        raise TypeError(f"Unsupported type {type(x)}")
    if isinstance(x, list | tuple) and not hasattr(x, "_fields"):
        return type(x)(unwrap(v, host_ok) for v in x)
    return x


def signature(params: str) -> inspect.Signature:
    """An ``inspect.Signature`` from a parameter list of ``cupy_api.json`` (defaults unused)."""
    ns: dict = {}
    text = params[1:-1]
    exec(f"def f({_defaults_to_none(text)}): pass", ns)  # noqa: S102 - our own pinned file
    return inspect.signature(ns["f"])


def _defaults_to_none(text: str) -> str:
    """'a, axis=None, dtype=float' -> 'a, axis=None, dtype=None': only names and kinds matter."""
    import ast

    fn = ast.parse(f"def f({text}): pass").body[0]
    for arg_default in (fn.args.defaults, fn.args.kw_defaults):
        for i, d in enumerate(arg_default):
            if d is not None:
                arg_default[i] = ast.Constant(None)
    return ast.unparse(fn.args)


def checked(name: str, params: str, method: bool = False):
    """A decorator: calls must fit CuPy's parameter list ``params`` (after ``self`` for a
    method) or raise TypeError."""
    sig = signature(("(self, " + params[1:]).replace(", )", ")") if method else params)
    P = inspect.Parameter
    ps = list(sig.parameters.values())
    if any(p.kind in (P.VAR_POSITIONAL, P.VAR_KEYWORD) for p in ps):
        fits = None                        # *args or **kwargs: always bind
    else:                                  # fits[i]: the keywords a call with i positionals may use
        kw_only = {p.name for p in ps if p.kind == P.KEYWORD_ONLY}
        fits = [{p.name for p in ps[i:] if p.kind == P.POSITIONAL_OR_KEYWORD} | kw_only
                for i in range(len(ps) - len(kw_only) + 1)]

    def deco(f):
        @functools.wraps(f)
        def call(*args, **kwargs):
            if fits is None or len(args) >= len(fits) or not kwargs.keys() <= fits[len(args)]:
                try:
                    sig.bind(*args, **kwargs)
                except TypeError as e:
                    raise TypeError(f"{name}{params}: {e}") from None
            return f(*args, **kwargs)
        return call
    return deco


def _consumed(k) -> int:
    """How many axes of the indexed array one entry of an index uses."""
    if k is None or k is Ellipsis:
        return 0
    if isinstance(k, np.ndarray) and k.dtype == bool:
        return k.ndim
    return 1


_BASIC = (int, slice, type(None), type(Ellipsis), np.integer)


def wrap_index(key, shape):
    """(NumPy index, whether it is advanced): device arrays unwrapped, lists made arrays, and
    every integer index array taken modulo its axis's length (CuPy wraps; NumPy would raise)."""
    if isinstance(key, _BASIC) or isinstance(key, tuple) and all(isinstance(k, _BASIC)
                                                                  for k in key):
        return key, False                  # ints, slices, None, ...: nothing to wrap
    key = list(key) if isinstance(key, tuple) else [key]
    TRANSFERS["to_device"] += any(isinstance(k, np.ndarray | list) for k in key)  # host indices
    key = [k._a if isinstance(k, ndarray) else k for k in key]
    key = [np.asarray(k) if isinstance(k, list) else k for k in key]
    axis, advanced = 0, False
    for i, k in enumerate(key):
        if k is Ellipsis:
            axis += len(shape) - sum(_consumed(j) for j in key)
            continue
        if isinstance(k, np.ndarray):
            advanced = True
            if k.dtype.kind in "iu" and axis < len(shape) and shape[axis] > 0:
                key[i] = k % shape[axis]
        axis += _consumed(k)
    return tuple(key), advanced


_AT_DTYPES = {"add": "int32 int64 float16 float32 float64 uint32 uint64",
              "sub": "int32 uint32", "max": "int32 int64 float32 float64 uint32 uint64",
              "min": "int32 int64 float32 float64 uint32 uint64",
              "and": "int32 int64 uint32 uint64", "or": "int32 int64 uint32 uint64",
              "xor": "int32 int64 uint32 uint64"}
_AT_UFUNCS = {"add": np.add, "sub": np.subtract, "max": np.maximum, "min": np.minimum,
              "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}


def scatter(op: str, a, slices, value) -> None:
    """``cupyx.scatter_add/max/min`` and ``ufunc.at``: repeated indices all count, integer index
    arrays wrap, host values are copied in (CuPy's ``core.array(value, dtype=a.dtype)``)."""
    if not isinstance(a, ndarray):
        raise TypeError(f"Unsupported type {type(a)}")
    idx, advanced = wrap_index(slices, a._a.shape)
    v = value._a if isinstance(value, ndarray) else np.asarray(value, dtype=a.dtype)
    if advanced and a.dtype.name not in _AT_DTYPES[op].split():
        raise TypeError(f"cupy scatter {op} only supports {_AT_DTYPES[op]} as data type")
    _AT_UFUNCS[op].at(a._a, idx, v.astype(a.dtype, copy=False))


class _NotSimulated:
    """A CuPy name the double does not compute: using it says so."""

    def __init__(self, name):
        self._name = name

    def __call__(self, *args, **kwargs):
        raise NotImplementedError(f"{self._name} exists in CuPy 14.2.0, but seqlab's device "
                                  "double does not simulate it")

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return self(attr)


def not_simulated(name: str) -> _NotSimulated:
    return _NotSimulated(name)


class ndarray:  # noqa: N801 - CuPy's name
    """A device array of the double: the NumPy array ``_a`` behind CuPy's boundary."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        self._a = np.empty(shape, dtype, order=order)

    # the boundary ---------------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(IMPLICIT)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        func = getattr(NAMESPACE, ufunc.__name__, None)
        if func is None:
            return NotImplemented
        if "out" in kwargs:
            out = kwargs["out"]
            if len(out) != 1:
                raise ValueError("The 'out' parameter must have exactly one array value")
            kwargs["out"] = out[0]
        for x in (*inputs, kwargs.get("out")):
            if x is not None and not (type(x) in PY_SCALARS or isinstance(
                    x, ndarray | np.ndarray | np.generic)):
                return NotImplemented
        if ufunc.__name__ in ("greater", "greater_equal", "less", "less_equal", "equal",
                              "not_equal"):
            inputs = tuple(x.item() if isinstance(x, np.ndarray) and x.ndim == 0 else x
                           for x in inputs)
        if method != "__call__":
            func = getattr(func, method)
        return func(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        module = NAMESPACE
        for part in func.__module__.split(".")[1:]:
            module = getattr(module, part, None)
        cupy_func = getattr(module, func.__name__, None)
        if cupy_func is None or not all(issubclass(t, ndarray | np.ndarray) for t in types):
            return NotImplemented
        return cupy_func(*args, **kwargs)

    def get(self, stream=None, order="C", out=None, blocking=True):
        """A host copy (CuPy's one explicit device -> host crossing)."""
        TRANSFERS["to_host"] += 1
        host = np.array(self._a, order=order, copy=True)
        if out is not None:
            out[...] = host
            return out
        return host

    def set(self, arr, stream=None):
        """Copy the host array ``arr`` (same shape and dtype) into this array."""
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"Only numpy.ndarray can be set to cupy.ndarray, got {type(arr)}")
        if arr.shape != self._a.shape or arr.dtype != self._a.dtype:
            raise ValueError("Shape or dtype mismatch")
        self._a[...] = arr

    def item(self):
        if self._a.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self.get().item()

    def tolist(self):
        return self.get().tolist()

    def tobytes(self, order="C"):
        return self.get().tobytes(order)

    def __int__(self):
        return int(self.get())

    def __float__(self):
        return float(self.get())

    def __complex__(self):
        return complex(self.get())

    def __bool__(self):
        if self._a.size == 0:
            warnings.warn("The truth value of an empty array is ambiguous. Returning False, but "
                          "in future this will result in an error. Use `array.size > 0` to "
                          "check that an array is not empty.", DeprecationWarning, stacklevel=2)
            return False
        if self._a.size == 1:
            return bool(self.get())
        raise ValueError("The truth value of an array with more than one element is ambiguous. "
                         "Use a.any() or a.all()")

    def __repr__(self):
        return repr(self.get())

    def __str__(self):
        return str(self.get())

    def __format__(self, spec):
        return format(self.get(), spec)

    def __reduce__(self):
        return from_host, (self.get(),)

    def __copy__(self):
        return from_host(self._a.copy())

    def __deepcopy__(self, memo):
        return from_host(self._a.copy())

    # container ------------------------------------------------------------------------------
    def __len__(self):
        if self._a.ndim == 0:
            raise TypeError("len() of unsized object")
        return self._a.shape[0]

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._a.shape[0]))

    def __getitem__(self, key):
        idx, _ = wrap_index(key, self._a.shape)
        return wrap(self._a[idx])

    def __setitem__(self, key, value):
        idx, advanced = wrap_index(key, self._a.shape)
        if isinstance(value, ndarray):
            value = value._a
        elif not advanced and not (type(value) in PY_SCALARS or isinstance(value, np.generic)):
            if np.asarray(value).shape != ():
                raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        self._a[idx] = value

    # attributes -----------------------------------------------------------------------------
    shape = property(lambda self: self._a.shape, lambda self, s: setattr(self._a, "shape", s))
    size = property(lambda self: self._a.size)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: from_host(self._a.T))
    mT = property(lambda self: from_host(self._a.mT))  # noqa: N815 - CuPy's name
    base = property(lambda self: None if self._a.base is None else wrap(self._a.base))
    device = property(lambda self: NAMESPACE.cuda.Device(0))
    data = property(lambda self: _Pointer(self._a.ctypes.data))

    @property
    def real(self):
        return from_host(self._a.real)

    @real.setter
    def real(self, value):
        self._a.real = kernel_arg(value)

    @property
    def imag(self):
        return from_host(self._a.imag)

    @imag.setter
    def imag(self, value):
        self._a.imag = kernel_arg(value)

    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        kw = {} if casting is None else {"casting": casting}
        return from_host(self._a.astype(dtype, order=order, copy=copy, **kw))

    def fill(self, value):
        if isinstance(value, ndarray | np.ndarray) and value.shape != ():
            raise ValueError("non-scalar cupy.ndarray cannot be used for fill")
        self._a.fill(value._a if isinstance(value, ndarray) else value)

    def take(self, indices, axis=None, out=None):  # host indices are copied; they wrap
        return NAMESPACE.take(self, indices, axis, out)

    def put(self, indices, values, mode="wrap"):
        idx = np.asarray(indices._a if isinstance(indices, ndarray) else indices)
        np.put(self._a, idx, unwrap(values, host_ok=True), mode=mode)

    def scatter_add(self, slices, value):
        scatter("add", self, slices, value)

    def scatter_max(self, slices, value):
        scatter("max", self, slices, value)

    def scatter_min(self, slices, value):
        scatter("min", self, slices, value)


class _Pointer:
    """``x.data``: only ``.ptr`` (an address) is meaningful here."""

    def __init__(self, ptr):
        self.ptr = ptr


def _method(name: str, params: str):
    """A CuPy ndarray method computed by NumPy's method or function of the same name."""
    @checked(f"cupy.ndarray.{name}", params, method=True)
    def method(self, *args, **kwargs):
        args, kwargs = unwrap(args), {k: unwrap(v) for k, v in kwargs.items()}
        if "out" in kwargs and kwargs["out"] is None:
            del kwargs["out"]
        f = getattr(self._a, name, None)
        return wrap(f(*args, **kwargs) if f is not None else getattr(np, name)(self._a, *args,
                                                                               **kwargs))
    method.__name__ = name
    return method


for _name, _params in API["cupy.ndarray"].items():
    if _params != "attribute" and not hasattr(ndarray, _name):
        if _name in ("mdspan", "cstruct", "toDlpack", "reduced_view", "dump", "dumps",
                     "tofile"):
            continue  # CUDA-only or I/O: absent from the double (AttributeError if used)
        setattr(ndarray, _name, _method(_name, _params))


def _binary(ufunc_name: str, reflected: bool = False):
    def op(self, other):
        if not (isinstance(other, ndarray) or type(other) in PY_SCALARS
                or isinstance(other, np.generic)):
            if getattr(other, "__array_ufunc__", 0) is None:
                return NotImplemented
            raise TypeError(f"Unsupported type {type(other)}")
        f = getattr(NAMESPACE, ufunc_name)
        return f(other, self) if reflected else f(self, other)
    return op


def _inplace(ufunc_name: str):
    def op(self, other):
        getattr(NAMESPACE, ufunc_name)(self, other, out=self)
        return self
    return op


def _compare(ufunc_name: str):
    def op(self, other):
        if isinstance(other, np.ndarray) and other.ndim == 0:
            other = other.item()  # CuPy's comparisons alone accept a 0-d host array
        if ufunc_name in ("equal", "not_equal") and (
                other is None or type(other).__eq__ is object.__eq__):
            return from_host(np.full(self._a.shape, ufunc_name == "not_equal"))
        return _binary(ufunc_name)(self, other)
    return op


for _op, _uf in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                 ("truediv", "true_divide"), ("floordiv", "floor_divide"), ("mod", "remainder"),
                 ("pow", "power"), ("matmul", "matmul"), ("and", "bitwise_and"),
                 ("or", "bitwise_or"), ("xor", "bitwise_xor"), ("lshift", "left_shift"),
                 ("rshift", "right_shift"), ("divmod", "divmod")]:
    setattr(ndarray, f"__{_op}__", _binary(_uf))
    setattr(ndarray, f"__r{_op}__", _binary(_uf, reflected=True))
    if _op != "divmod":
        setattr(ndarray, f"__i{_op}__", _inplace(_uf))
for _op, _uf in [("lt", "less"), ("le", "less_equal"), ("eq", "equal"), ("ne", "not_equal"),
                 ("gt", "greater"), ("ge", "greater_equal")]:
    setattr(ndarray, f"__{_op}__", _compare(_uf))
ndarray.__neg__ = lambda self: NAMESPACE.negative(self)
ndarray.__pos__ = lambda self: NAMESPACE.positive(self)
ndarray.__abs__ = lambda self: NAMESPACE.absolute(self)
ndarray.__invert__ = lambda self: NAMESPACE.invert(self)
