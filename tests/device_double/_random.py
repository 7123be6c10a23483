"""``cupy.random`` of the double: CuPy's names, a stream that is not NumPy's, strict by default.

On a GPU, ``cupy.random.default_rng(0)`` and ``numpy.random.default_rng(0)`` give different
numbers (cuRAND vs PCG64), so a library that drew parameters or dropout masks with
``xp.random`` would give two different models for one seed. seqlab draws on the host
(``seqlab.arrays.host_rng``) and moves the result (STYLE section 7). While ``_STRICT`` is true (the
default) every draw here raises, naming the call; with it false the draws come from NumPy's
Philox generator, a stream NumPy's ``default_rng`` never gives, as CuPy's would not.
"""

import functools as _functools
import sys as _sys

import numpy as _np

from tests.device_double import _array

_STRICT = True
_API = _array.API["cupy.random"]
_state = {"gen": _np.random.Generator(_np.random.Philox(0))}


class _DeviceRandomError(RuntimeError):
    """A draw from ``cupy.random`` while the double is strict."""


def _check(name):
    if _STRICT:
        raise _DeviceRandomError(
            f"cupy.random.{name} called: CuPy's random stream differs from NumPy's, so one seed "
            "would give different numbers on a GPU; draw on the host with "
            "seqlab.arrays.host_rng and move the result with to_device (STYLE section 7)")


def _draw(name, params):
    @_array.checked(f"cupy.random.{name}", params)
    def f(*args, **kwargs):
        _check(name)
        if name == "seed":
            _state["gen"] = _np.random.Generator(_np.random.Philox(args[0] if args else None))
            return None
        if name in ("rand", "randn"):
            dtype = kwargs.pop("dtype", float)
            out = (_state["gen"].random(args) if name == "rand"
                   else _state["gen"].standard_normal(args))
            return _array.from_host(_np.asarray(out, dtype=dtype))
        args = _array.unwrap(args)
        kwargs = {k: _array.unwrap(v) for k, v in kwargs.items()}
        dtype = kwargs.pop("dtype", None)
        method = {"random_sample": "random", "ranf": "random", "sample": "random",
                  "randint": "integers"}.get(name, name)
        out = getattr(_state["gen"], method)(*args, **kwargs)
        return _array.wrap(out if dtype is None else _np.asarray(out, dtype=dtype))
    f.__name__ = name
    return f


class _Generator:
    """``cupy.random.default_rng(seed)``: a generator whose draws are device arrays."""

    def __init__(self, seed=None):
        _check("default_rng")
        self._gen = _np.random.Generator(_np.random.Philox(seed))

    def __getattr__(self, name):
        method = getattr(self._gen, name)

        @_functools.wraps(method)
        def draw(*args, **kwargs):
            _check(f"Generator.{name}")
            return _array.wrap(method(*_array.unwrap(args),
                                      **{k: _array.unwrap(v) for k, v in kwargs.items()}))
        return draw


def default_rng(seed=None):
    return _Generator(seed)


_module = _sys.modules[__name__]
for _name, _params in _API.items():
    if _name == "default_rng":
        continue
    if _params.startswith("(") and (_name in ("seed", "rand", "randn") or hasattr(
            _np.random.Generator, {"random_sample": "random", "ranf": "random",
                                  "sample": "random", "randint": "integers"}.get(_name, _name))):
        setattr(_module, _name, _draw(_name, _params))
    elif not hasattr(_module, _name):
        setattr(_module, _name, _array.not_simulated(f"cupy.random.{_name}"))
