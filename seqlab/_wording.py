"""How :mod:`seqlab._validate` words its messages: shapes, what came, ranges, array kinds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


# --------------------------------------------------------------------------- describing values
def fmt(shape: Sequence) -> str:
    """``(5, 10)`` for ints and symbols alike: ``(3, m)``; ``(4,)`` for one axis."""
    inner = ", ".join(str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def got(x: Any) -> str:
    """What came, in a few words: ``None``, ``a list``, ``a float64 array of shape (3, 4)``."""
    if x is None:
        return "None"
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        article = "an" if str(x.dtype)[0] in "aeiou" else "a"
        return f"{article} {x.dtype} array of shape {fmt(tuple(x.shape))}"
    if isinstance(x, str):
        text = x if len(x) <= 30 else x[:27] + "..."
        return f"the str {text!r}"
    if isinstance(x, bool | int | float | np.number):
        return f"{type(x).__name__} {x!r}"
    return f"a {type(x).__name__}"


# --------------------------------------------------------------------------- wording
def _few(items) -> str:
    keys = list(items)
    return str(keys) if len(keys) <= 8 else str(keys[:8])[:-1] + f", ... ({len(keys)} in all)]"


def _range(low, high) -> str:
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    if low is not None:
        return f" >= {low}"
    return f" <= {high}" if high is not None else ""


def _interval(low, high, low_open, high_open) -> str:
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""


def _what(kind: str, ndim, symbols: str) -> str:
    noun = "integer array" if kind == "int" else "real array"
    if ndim is None:
        dims = ""
    elif isinstance(ndim, int):
        dims = f"{ndim}-D "
    else:
        dims = " or ".join(f"{n}-D" for n in ndim) + " "
    article = "an" if not dims and kind == "int" else "a"
    return f"{article} {dims}{noun}" + (f" {symbols}" if symbols else "")
