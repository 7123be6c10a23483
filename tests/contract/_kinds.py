"""Bad inputs of every kind, generated from one good call (docs/input-contract.md).

``f = Fn(reg, "seqlab.functional.softmax", F.softmax, z)`` holds a good call; ``f.bad(...)``
and ``f.ok(...)`` add one case with some arguments replaced; ``f.array("z", ...)`` adds the
kinds of bad array at once (wrong ndim, transposed, int, float16, complex, None, a list, NaN,
inf, empty) with the contract's default outcome for each, which a case may override.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from tests.contract._harness import Accepts, Raises, Registry

# the contract's classes: every refusal is a TypeError or a ValueError; a refused id is also
# an IndexError, a missing key or unknown word also a KeyError, a non-finite loss or
# gradient also a FloatingPointError (what NumPy and dict users catch)
TYPE = (TypeError,)
VALUE = (ValueError,)
INDEX = (IndexError, ValueError)
KEY = (KeyError, ValueError)
NONFINITE = (FloatingPointError, ValueError)
_MISSING = object()


class Fresh:
    """An argument made anew for every call (functions that change their input in place)."""

    def __init__(self, make: Callable[[], Any]):
        self.make = make


def _resolve(value: Any) -> Any:
    return value.make() if isinstance(value, Fresh) else value


class Fn:
    """One public callable and a good call of it; cases replace some of its arguments."""

    def __init__(self, reg: Registry, target: str, fn: Callable, *args: Any,
                 fname: str | None = None, **kwargs: Any):
        self.reg, self.target, self.fn = reg, target, fn
        self.fname = fname or target.rsplit(".", 1)[-1]
        try:
            self.sig = inspect.signature(fn)
            bound = self.sig.bind_partial(*args, **kwargs)
            self.values = dict(bound.arguments)
        except (TypeError, ValueError):  # builtins without a signature
            self.sig, self.values = None, dict(kwargs)
        self.args = args

    # ----------------------------------------------------------------- calls
    def call(self, **replace: Any) -> Callable[[], Any]:
        """A thunk calling fn with the good arguments, some replaced (``_MISSING`` drops one)."""
        values = {**self.values, **replace}
        values = {k: v for k, v in values.items() if v is not _MISSING}
        fn, sig = self.fn, self.sig

        def thunk():
            if sig is None:
                return fn(**{k: _resolve(v) for k, v in values.items()})
            kinds = {p.name: p.kind for p in sig.parameters.values()}
            pos, kw = [], {}
            for name, value in values.items():
                value = _resolve(value)
                if kinds.get(name) == inspect.Parameter.VAR_POSITIONAL:
                    pos.extend(value)
                elif kinds.get(name) == inspect.Parameter.VAR_KEYWORD:
                    kw.update(value)
                elif kinds.get(name) == inspect.Parameter.POSITIONAL_ONLY:
                    pos.append(value)
                else:
                    kw[name] = value
            return fn(*pos, **kw)
        return thunk

    def good(self, name: str) -> Any:
        """The good value of ``name``: given, or the signature's default."""
        if name in self.values:
            return _resolve(self.values[name])
        return self.sig.parameters[name].default

    def bad(self, label: str, classes: tuple, *words: str, arg: str | None = None,
            default_words: bool = True, **replace: Any) -> None:
        """A refused input: ``classes`` and the words, by default ``fname(arg``,
        ``expected`` and ``got`` for the (first) replaced argument or ``arg``."""
        arg = arg or (next(iter(replace)) if replace else None)
        base = (f"{self.fname}({arg}", "expected", "got") if default_words and arg else ()
        self.reg.add(self.target, label, self.call(**replace), Raises(classes, base + words))

    def ok(self, label: str, same: dict | None = None, check: Callable | None = None,
           rtol: float = 1e-7, atol: float = 1e-10, **replace: Any) -> None:
        """A valid input: the call returns; with ``same``, equal to the call with those
        arguments instead."""
        ref = self.call(**same) if same is not None else None
        self.reg.add(self.target, label, self.call(**replace),
                     Accepts(ref, check, rtol, atol))

    # ----------------------------------------------------------------- families
    def array(self, arg: str, *kinds: str, empty: Any = None, nan: Any = None,
              words: dict | None = None) -> None:
        """Bad variants of the array argument ``arg``; ``kinds`` from:

        ``ndim`` (an axis dropped and one added: ValueError), ``T`` (transposed:
        ValueError), ``int`` (promoted: the float64 result), ``f16`` (float16: the result of
        its float64 copy, to 1e-2), ``complex`` (TypeError), ``none`` (TypeError),
        ``list`` (converted: the array's result), ``str`` (TypeError), ``nan``/``inf``
        (``nan``: None passes through, "refuse" raises NonFiniteError), ``empty``
        (``empty`` = (axis, expectation) with "refuse" or a check).
        """
        words = words or {}
        x = np.asarray(self.good(arg))
        fl = x.astype(np.float64)

        def w(kind, *default):
            return tuple(words.get(kind, default))

        if "ndim" in kinds:
            self.bad(f"{arg}: one axis too few", VALUE, *w("ndim"), **{arg: x[..., 0]})
            self.bad(f"{arg}: one axis too many", VALUE, *w("ndim"), **{arg: x[..., None]})
        if "T" in kinds and x.T.shape != x.shape:
            self.bad(f"{arg}: transposed", VALUE, *w("T"), **{arg: x.T.copy()})
        if "int" in kinds:
            xi = np.round(fl * 2).astype(np.int64)
            self.ok(f"{arg}: int dtype (promoted)", same={arg: xi.astype(np.float64)},
                    **{arg: xi})
        if "f16" in kinds:
            xh = fl.astype(np.float16)
            self.ok(f"{arg}: float16", same={arg: xh.astype(np.float64)}, rtol=2e-2,
                    atol=2e-2, **{arg: xh})
        if "complex" in kinds:
            self.bad(f"{arg}: complex dtype", TYPE, "complex", *w("complex"),
                     **{arg: fl.astype(np.complex128)})
        if "none" in kinds:
            self.bad(f"{arg}: None", TYPE, "None", *w("none"), **{arg: None})
        if "str" in kinds:
            self.bad(f"{arg}: a string", TYPE, "str", *w("str"), **{arg: "abc"})
        if "list" in kinds:
            self.ok(f"{arg}: nested lists (converted)", same={arg: x}, **{arg: x.tolist()})
        for kind, value in (("nan", np.nan), ("inf", np.inf)):
            if kind in kinds:
                xn = fl.copy()
                xn.flat[0] = value
                if nan == "refuse":
                    self.bad(f"{arg}: {kind}", NONFINITE, "finite", *w("nan"), **{arg: xn})
                else:
                    self.ok(f"{arg}: {kind} passes through", check=nan, **{arg: xn})
        if "empty" in kinds:
            axis, expect = empty
            shape = list(x.shape)
            shape[axis] = 0
            xe = np.zeros(shape, dtype=x.dtype)
            if expect == "refuse":
                self.bad(f"{arg}: empty axis {axis}", VALUE, *w("empty"), **{arg: xe})
            else:
                self.ok(f"{arg}: empty axis {axis} (handled)", check=expect, **{arg: xe})

    def ints(self, arg: str, low: int | None = None, high: int | None = None, *,
             none: bool = True, floats: bool = True, numpy: bool = True,
             words: tuple = ()) -> None:
        """An int argument: below ``low`` / above ``high`` (ValueError), a float (TypeError),
        None (TypeError), and a NumPy integer scalar (accepted: the int's result)."""
        good = self.good(arg)
        if good is None:
            good = max(low if low is not None else 1, 1) + 1
        if low is not None:
            self.bad(f"{arg}: {low - 1} < {low}", VALUE, *words, **{arg: low - 1})
        if high is not None:
            self.bad(f"{arg}: {high + 1} > {high}", VALUE, *words, **{arg: high + 1})
        if floats:
            self.bad(f"{arg}: a float", TYPE, *words, **{arg: float(good) + 0.5})
        if none:
            self.bad(f"{arg}: None", TYPE, *words, **{arg: None})
        if numpy:
            self.ok(f"{arg}: NumPy int64 scalar", same={arg: good}, **{arg: np.int64(good)})

    def number(self, arg: str, *bad_values: Any, words: tuple = ()) -> None:
        """A float hyperparameter: each value refused (ValueError; TypeError for a string
        or None)."""
        for v in bad_values:
            cls = TYPE if isinstance(v, str) or v is None else VALUE
            self.bad(f"{arg}: {v!r}", cls, *words, **{arg: v})

    def choice(self, arg: str, bad_value: Any = "nonsense", words: tuple = ()) -> None:
        self.bad(f"{arg}: {bad_value!r}", VALUE, "one of", *words, **{arg: bad_value})

    def params(self, arg: str = "params", missing: str | None = None, extra: bool = True,
               shape: str | None = None, not_dict: bool = True, words: tuple = ()) -> None:
        """A params dict: a key missing (KeyError+ValueError naming it), an unexpected key,
        one array of the wrong shape (ValueError), a list instead of a dict (TypeError)."""
        p = self.good(arg)
        if missing is not None:
            q = {k: v for k, v in p.items() if k != missing}
            self.bad(f"{arg}: missing {missing!r}", KEY, f"{self.fname}({arg}", "missing",
                     repr(missing), *words, default_words=False, **{arg: q})
        if extra:
            q = {**p, "W_extra": np.zeros(1)}
            self.bad(f"{arg}: unexpected key", KEY, f"{self.fname}({arg}", "unexpected",
                     "'W_extra'", *words, default_words=False, **{arg: q})
        if shape is not None:
            q = {**p, shape: np.asarray(p[shape])[..., :1][..., None]}
            self.bad(f"{arg}: {shape!r} of the wrong shape", VALUE, repr(shape), *words,
                     **{arg: q})
        if not_dict:
            self.bad(f"{arg}: a list", TYPE, "list", *words, **{arg: list(p.values())})


MISSING = _MISSING
