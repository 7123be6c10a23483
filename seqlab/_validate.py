"""Argument checks for every public function: one message format, one set of rules.

The input contract (``docs/input-contract.md``): a bad argument raises a ``TypeError`` (wrong
type or dtype) or a ``ValueError`` (wrong shape, range, id, key; non-finite values) whose
message names the function, the argument, what was expected and what came::

    softmax(z): expected at least one entry along axis 0 to normalise over, got shape (0, 4)
    Adam.step(grads): expected finite gradients, got NaN or inf in ['W_aa'] ...

Three errors are also the built-in class NumPy and dict users catch: a refused id is an
:class:`IdError` (``IndexError``), a missing key or unknown word a :class:`MissingKeyError`
(``KeyError``), a non-finite loss or gradient a :class:`NonFiniteError`
(``FloatingPointError``). All three are ``ValueError`` too.

These run at public entry points only, before any arithmetic: type and shape checks are O(1);
the full scans (ids against the vocabulary, NaN in a loss's logits or an optimizer's
gradients) happen once per call, never inside a per-step loop.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np

from seqlab._errors import (  # noqa: F401 - re-exported: the contract's error classes
    CLIP_ADVICE,
    IdError,
    MissingKeyError,
    NonFiniteError,
)
from seqlab._wording import _few, _interval, _range, _what, fmt, got
from seqlab.arrays import host_rng
from seqlab.backend import get_array_module, to_numpy


# --------------------------------------------------------------------------- scalars
def is_int(value: Any) -> bool:
    """A Python or NumPy integer, not a bool."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def check_int(value: Any, where: str, low: int | None = None, high: int | None = None) -> int:
    """``value`` as a Python int in [low, high]; TypeError for a float, str or None."""
    if not is_int(value):
        raise TypeError(f"{where}: expected an int{_range(low, high)}, got {got(value)}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{where}: expected an int{_range(low, high)}, got {value!r}")
    return int(value)


def check_number(value: Any, where: str, low: float | None = None, high: float | None = None,
                 *, low_open: bool = False, high_open: bool = False,
                 allow_inf: bool = False) -> float:
    """``value`` as a Python float in the interval; NaN (and inf unless allowed) refused."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise TypeError(f"{where}: expected a number{_interval(low, high, low_open, high_open)}"
                        f", got {got(value)}")
    v = float(value)
    bad = (math.isnan(v) or (math.isinf(v) and not allow_inf)
           or (low is not None and (v <= low if low_open else v < low))
           or (high is not None and (v >= high if high_open else v > high)))
    if bad:
        raise ValueError(f"{where}: expected a finite number"
                         f"{_interval(low, high, low_open, high_open)}, got {value!r}")
    return v


def check_choice(value: Any, choices: Sequence, where: str) -> Any:
    """``value`` if it is one of ``choices`` (compared with ==, so NumPy strings pass)."""
    try:
        ok = any(bool(value == c) and isinstance(value, bool) == isinstance(c, bool)
                 for c in choices)
    except (TypeError, ValueError):                       # an array compared with a str, say
        ok = False
    if not ok:
        raise ValueError(f"{where}: expected one of {tuple(choices)}, got {value!r}")
    return value


def check_bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{where}: expected True or False, got {got(value)}")
    return bool(value)


def check_str(value: Any, where: str, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{where}: expected a str, got {got(value)}")
    if not empty and not value:
        raise ValueError(f"{where}: expected a non-empty str, got ''")
    return value


def check_callable(value: Any, where: str, what: str = "a callable") -> Callable:
    if not callable(value):
        raise TypeError(f"{where}: expected {what}, got {got(value)}")
    return value


def check_rng(rng: Any, where: str) -> np.random.Generator:
    """A numpy Generator from a Generator, an int seed >= 0 or None."""
    if not (rng is None or isinstance(rng, np.random.Generator) or is_int(rng)):
        raise TypeError(f"{where}: expected an int seed, a numpy.random.Generator or None, "
                        f"got {got(rng)}")
    if is_int(rng) and rng < 0:
        raise ValueError(f"{where}: expected a seed >= 0, got {rng!r}")
    return host_rng(rng)


def check_float_dtype(dtype: Any, where: str) -> np.dtype:
    """A real floating dtype (float16/32/64): parameters and encodings are never ints."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: expected a floating dtype such as float32, got "
                        f"{dtype!r}") from None
    if dt.kind != "f":
        raise TypeError(f"{where}: expected a floating dtype such as float32 or float64, got "
                        f"{dt} (its values would be truncated)")
    return dt


def check_path(path: Any, where: str) -> Any:
    """A file path: a str or an ``os.PathLike`` (a missing file is the OS's FileNotFoundError)."""
    import os

    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{where}: expected a file path (a str or pathlib.Path), got {got(path)}")
    return path


def check_dict(value: Any, where: str, what: str = "a dict of arrays") -> Mapping:
    if not isinstance(value, Mapping):
        raise TypeError(f"{where}: expected {what}, got {got(value)}")
    return value


def check_instance(value: Any, cls: type | tuple, where: str, what: str | None = None) -> Any:
    """``value`` if it is a ``cls`` (a cache, a model, a vocabulary)."""
    if not isinstance(value, cls):
        names = cls.__name__ if isinstance(cls, type) else " or ".join(c.__name__ for c in cls)
        raise TypeError(f"{where}: expected {what or 'a ' + names}, got {got(value)}")
    return value


def check_cache(cache: Any, cls: type, fname: str) -> Any:
    """``cache`` if it is the ``cls`` NamedTuple that the forward pass returned."""
    if not isinstance(cache, cls):
        raise TypeError(f"{fname}(cache): expected the {cls.__name__} that the forward pass "
                        f"returned, got {got(cache)}")
    return cache


def check_sequence(value: Any, where: str, what: str = "a list", empty: bool = True) -> list:
    """A list (or tuple, or other sequence) but not a str; returned as a list."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise TypeError(f"{where}: expected {what}, got {got(value)}")
    out = list(value)
    if not empty and not out:
        raise ValueError(f"{where}: expected {what} with at least one item, got an empty one")
    return out


def check_paired(first: Any, second: Any, fname: str, names: tuple[str, str], what: str,
                 each: str) -> tuple[list, list]:
    """Two lists, ``second`` one item per item of ``first``; ``first`` not empty."""
    a = check_sequence(first, f"{fname}({names[0]})", what, empty=False)
    b = check_sequence(second, f"{fname}({names[1]})", what)
    if len(b) != len(a):
        raise ValueError(f"{fname}({names[1]}): expected {len(a)} {each}, one per item of "
                         f"{names[0]}, got {len(b)}")
    return a, b


def check_token_lists(sentences: Any, where: str, empty: bool = True) -> list:
    """A list of token lists (each a list or tuple of tokens), not a str or a list of str."""
    if isinstance(sentences, str) or not hasattr(sentences, "__iter__"):
        raise TypeError(f"{where}: expected a list of token lists, got {got(sentences)} (split "
                        f"text into words first)")
    out = list(sentences)
    for s in out:
        if isinstance(s, str | bytes) or not hasattr(s, "__len__"):
            raise TypeError(f"{where}: expected a list of token lists, got an item {got(s)} "
                            f"(split each sentence into words first)")
    if not empty and not out:
        raise ValueError(f"{where}: expected at least one sentence, got none")
    return out


def check_words(words: Any, where: str) -> list:
    """A list of distinct str words."""
    words = check_sequence(words, where, "a list of distinct str words")
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise TypeError(f"{where}: expected str words, got {got(bad[0])}")
    if len(set(words)) != len(words):
        raise ValueError(f"{where}: expected distinct words, got duplicates")
    return words


@contextlib.contextmanager
def named_as(mapping: dict[str, str]):
    """Report a delegated check under the caller's name: the first ``old`` of ``mapping``
    found in a TypeError/ValueError's message is replaced by ``new`` (e.g.
    ``{"RecurrentNetwork.forward(x)": "classify(ids)", "cross_entropy(": "classify("}``)."""
    try:
        yield
    except (TypeError, ValueError) as e:
        for old, new in mapping.items():
            if old in str(e):
                raise renamed(e, old, new) from None
        raise


def renamed(error: Exception, old: str, new: str) -> Exception:
    """The same error with the function it names replaced: a wrapper (a schedule, a task
    model) reports a check it delegated under its own name."""
    return type(error)(str(error).replace(old, new, 1))


# --------------------------------------------------------------------------- arrays
def as_array(x: Any, where: str, kind: str = "float", ndim: int | tuple | None = None,
             symbols: str = ""):
    """``x`` as an array of ``kind`` "float" (ints and bools promoted to float64, never
    truncated), "int" (integer ids or counts; floats refused) or "real" (ints kept); lists
    and tuples are converted. TypeError for None, str, complex, object; ValueError for the
    wrong number of axes."""
    if x is None or isinstance(x, str | bytes | Mapping):
        raise TypeError(f"{where}: expected {_what(kind, ndim, symbols)}, got {got(x)}")
    xp = get_array_module(x)
    if not hasattr(x, "dtype") or not hasattr(x, "shape"):
        try:
            x = xp.asarray(x)                             # lists and tuples: converted
        except ValueError:
            raise ValueError(f"{where}: expected {_what(kind, ndim, symbols)}, got ragged "
                             f"nested lists") from None
    x = xp.asarray(x)                                     # NumPy scalars: 0-d arrays
    k = x.dtype.kind
    if kind == "int":
        if x.size == 0 and k == "f":                      # [] converts to float64
            x = x.astype(xp.int64)
        elif k not in "iu":
            raise TypeError(f"{where}: expected {_what(kind, ndim, symbols)}, got {got(x)}")
    elif k in "biu" and kind == "float":
        x = x.astype(xp.float64)
    elif k not in "biuf":
        raise TypeError(f"{where}: expected {_what(kind, ndim, symbols)}, got {got(x)}")
    if ndim is not None and x.ndim not in (ndim if isinstance(ndim, tuple) else (ndim,)):
        raise ValueError(f"{where}: expected {_what(kind, ndim, symbols)}, got shape "
                         f"{fmt(tuple(x.shape))}")
    return x


def same_shape(value: Any, ref: Any, where: str, ref_name: str):
    """``value`` as a real array (lists converted) of exactly ``ref``'s shape (no silent
    broadcasting): an upstream gradient and its output, two gradients to compare."""
    if not hasattr(ref, "shape"):
        raise TypeError(f"{where.split('(')[0]}({ref_name}): expected an array, got {got(ref)}")
    value = as_array(value, where, "real")
    if tuple(value.shape) != tuple(ref.shape):
        raise ValueError(f"{where}: expected the shape of {ref_name}, {tuple(ref.shape)}, got "
                         f"{tuple(value.shape)}")
    return value


def check_ndim(arr: Any, ndim: int, symbols: str, where: str) -> tuple:
    """``arr.shape`` after checking that ``arr`` is an ``ndim``-D array (TypeError if it is
    not an array at all)."""
    if not hasattr(arr, "shape"):
        raise TypeError(f"{where}: expected a {ndim}-D array of shape {symbols}, got {got(arr)}")
    if arr.ndim != ndim:
        raise ValueError(f"{where}: expected a {ndim}-D array of shape {symbols}, got "
                         f"{fmt(tuple(arr.shape))}")
    return tuple(arr.shape)


def check_shape(arr: Any, expected: Sequence, symbols: str, where: str) -> None:
    """Raise ``where: expected shape (5, 10) = (n_a, m), got (10, 5)`` on a mismatch."""
    if not hasattr(arr, "shape"):
        raise TypeError(f"{where}: expected an array of shape {fmt(expected)} = {symbols}, "
                        f"got {got(arr)}")
    if tuple(arr.shape) != tuple(expected):
        raise ValueError(f"{where}: expected shape {fmt(expected)} = {symbols}, got "
                         f"{fmt(tuple(arr.shape))}")


def check_nonempty(arr: Any, axis: int, where: str, what: str = "entry") -> None:
    """Refuse an empty axis that the function reduces over (a max, a softmax, a mean)."""
    if arr.shape[axis] == 0:
        raise ValueError(f"{where}: expected at least one {what} along axis {axis}, got shape "
                         f"{fmt(tuple(arr.shape))}")


def check_ids(ids: Any, size: int, where: str):
    """Integer ids in [0, size), checked on the host (CuPy would wrap); returned as an array.
    ``-1`` is refused: it would silently pick the last row."""
    ids = as_array(ids, where, "int")
    on_host = to_numpy(ids)
    if on_host.size and (on_host.min() < 0 or on_host.max() >= size):
        bad = on_host[(on_host < 0) | (on_host >= size)].ravel()[:5].tolist()
        raise IdError(f"{where}: expected ids in [0, {size}), got out-of-range values {bad}")
    return ids


def check_token(value: Any, V: int, where: str) -> int:
    """A token id (bos, eos, pad) in [0, V): every decoder's rule (an eos >= V is never
    produced, so a search would never stop)."""
    v = check_int(value, f"{where} (a token id)", 0)
    if v >= V:
        raise IdError(f"{where}: expected a token id < V = {V}, got {v}")
    return v


def check_lengths(lengths: Any, m: int, T: int, where: str, low: int = 1):
    """Per-example lengths: (m,) integers in [low, T] (lists converted; floats refused)."""
    lengths = as_array(lengths, where, "int", ndim=1, symbols="(m,) of lengths")
    check_shape(lengths, (m,), "(m,)", where)
    if lengths.size and (int(lengths.min()) < low or int(lengths.max()) > T):
        raise ValueError(f"{where}: expected integers in [{low}, T_x] = [{low}, {T}], got "
                         f"{to_numpy(lengths).tolist()}")
    return lengths


def check_finite(x: Any, where: str, what: str = "values", advice: str = "",
                 sep: str = "; ") -> None:
    """NonFiniteError unless every entry of ``x`` is finite (one pass over ``x``)."""
    xp = get_array_module(x)
    bad = int(xp.count_nonzero(~xp.isfinite(x)))
    if bad:
        tail = f"{sep}{advice}" if advice else ""
        raise NonFiniteError(f"{where}: expected finite {what}, got {bad} NaN or infinite "
                             f"values{tail}")


def check_same_length(a: Sequence, b: Sequence, where: str, what: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{where}: expected {what} of equal length, got {len(a)} and {len(b)}")


# --------------------------------------------------------------------------- dicts of params
def check_keys(params: Any, required: Sequence[str], where: str, optional: Sequence[str] = (),
               context: str = "", extra: bool = False) -> None:
    """MissingKeyError listing missing keys, ValueError listing unexpected ones (unless
    ``extra``), TypeError for a non-dict."""
    check_dict(params, where)
    missing = [k for k in required if k not in params]
    if missing:
        raise MissingKeyError(f"{where}: missing keys {missing}{context}; params has "
                              f"{list(params)}")
    if not extra:
        unexpected = [k for k in params if k not in required and k not in optional]
        if unexpected:
            raise MissingKeyError(f"{where}: unexpected keys {unexpected}{context}; expected "
                                  f"{list(required)}"
                                  + (f", optionally with {list(optional)}" if optional else ""))


def check_float_array(x: Any, where: str, why: str = "") -> Any:
    """``x`` if it is an array of a floating dtype (not converted: it is changed in place)."""
    if getattr(getattr(x, "dtype", None), "kind", None) != "f":
        raise TypeError(f"{where}: expected a floating-point array{why}, got {got(x)}")
    return x


def check_float_params(params: Mapping, where: str) -> None:
    """Every value an array of a floating dtype (an optimizer updates them in place)."""
    for k, v in params.items():
        check_float_array(v, f"{where}[{k!r}]" if where.endswith(")") else where)


def lookup(mapping: Mapping, key: Any, where: str, what: str = "key") -> Any:
    """``mapping[key]`` or a MissingKeyError naming the function and the key."""
    try:
        return mapping[key]
    except KeyError:
        raise MissingKeyError(f"{where}: expected a {what} of {_few(mapping)}, got "
                              f"{key!r}") from None
    except TypeError:
        raise TypeError(f"{where}: expected a {what} (a str), got {got(key)}") from None
