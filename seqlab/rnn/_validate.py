"""Argument checks shared by the week-1 cells (RNN, GRU, LSTM), run before any arithmetic.

Shapes are named after the lecture, so a mistake reads like the slide::

    rnn_cell_forward(a_prev): expected shape (5, 10) = (n_a, m), got (10, 5)
    gru_cell_forward(params): missing keys ['W_r', 'b_r'] for variant='full'; ...

Sizes come from the parameters first (n_a, n_x, n_y are fixed when the model is built), then
from the data (m, T_x), so a transposed input is reported as the input's mistake.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from seqlab._validate import (  # noqa: F401 - some are re-exported to the cells
    MissingKeyError,
    as_array,
    check_bool,
    check_cache,
    check_choice,
    check_dict,
    check_float_dtype,
    check_int,
    check_ndim,
    check_rng,
    check_shape,
    fmt,
    got,
)

OUTPUT_KEYS = ("W_ya", "b_y")  # the optional output layer ŷ<t> = softmax(W_ya a<t> + b_y)


def check_keys(params: Any, required: Sequence[str], fname: str, context: str = "") -> bool:
    """Raise a MissingKeyError (a KeyError) listing missing (or unexpected) keys, a TypeError
    for a params value that is not a real array; return whether W_ya, b_y are given.

    The output layer is optional (an encoder or a stacked layer has none), but W_ya and b_y
    come together.
    """
    check_dict(params, f"{fname}(params)")
    has_output = any(k in params for k in OUTPUT_KEYS)
    wanted = list(required) + (list(OUTPUT_KEYS) if has_output else [])
    missing = [k for k in wanted if k not in params]
    if missing:
        raise MissingKeyError(f"{fname}(params): missing keys {missing}{context}; "
                              f"params has {list(params)}")
    unexpected = [k for k in params if k not in wanted]
    if unexpected:
        raise MissingKeyError(f"{fname}(params): unexpected keys {unexpected}{context}; "
                              f"expected {list(required)}, optionally with {list(OUTPUT_KEYS)}")
    for k in wanted:
        v = params[k]
        if not hasattr(v, "dtype") or v.dtype.kind not in "biuf":
            raise TypeError(f"{fname}(params[{k!r}]): expected a real array, got {got(v)}")
    return has_output


def check_init(fname: str, n_x: Any, n_a: Any, n_y: Any, rng: Any, dtype: Any) -> tuple:
    """(n_x, n_a, n_y, rng, dtype) of an ``init_*_params``: sizes ints >= 1 (n_y also None),
    rng a seed or Generator, dtype a floating dtype."""
    n_x = check_int(n_x, f"{fname}(n_x)", 1)
    n_a = check_int(n_a, f"{fname}(n_a)", 1)
    n_y = None if n_y is None else check_int(n_y, f"{fname}(n_y)", 1)
    return (n_x, n_a, n_y, check_rng(rng, f"{fname}(rng)"),
            check_float_dtype(dtype, f"{fname}(dtype)"))


def gate_dims(params: Mapping, weights: Sequence[str], vectors: Sequence[str],
              fname: str) -> tuple[int, int]:
    """(n_a, n_x) from gate weights (n_a, n_a + n_x) on [a<t-1>; x<t>] and vectors (n_a, 1)."""
    first = weights[0]
    n_a, cols = check_ndim(params[first], 2, "(n_a, n_a + n_x)", f"{fname}(params[{first!r}])")
    n_x = cols - n_a
    if n_x < 1:
        raise ValueError(f"{fname}(params[{first!r}]): expected shape (n_a, n_a + n_x) with "
                         f"n_x >= 1, got {fmt((n_a, cols))}")
    for k in weights:
        check_shape(params[k], (n_a, n_a + n_x), "(n_a, n_a + n_x)", f"{fname}(params[{k!r}])")
    for k in vectors:
        check_shape(params[k], (n_a, 1), "(n_a, 1)", f"{fname}(params[{k!r}])")
    return n_a, n_x


def check_output(params: Mapping, n_a: int, fname: str) -> None:
    """W_ya (n_y, n_a) and b_y (n_y, 1), when the output layer is present."""
    if "W_ya" not in params:
        return
    n_y = check_ndim(params["W_ya"], 2, "(n_y, n_a)", f"{fname}(params['W_ya'])")[0]
    check_shape(params["W_ya"], (n_y, n_a), "(n_y, n_a)", f"{fname}(params['W_ya'])")
    check_shape(params["b_y"], (n_y, 1), "(n_y, 1)", f"{fname}(params['b_y'])")


def check_step(fname: str, n_x: int, n_a: int, x_t: Any, **states: Any) -> tuple:
    """x<t> (n_x, m) (lists converted, ints promoted) and each state (n_a, m); return
    (x_t, m)."""
    x_t = as_array(x_t, f"{fname}(x_t)")
    m = check_ndim(x_t, 2, f"(n_x, m) = ({n_x}, m)", f"{fname}(x_t)")[1]
    check_shape(x_t, (n_x, m), "(n_x, m)", f"{fname}(x_t)")
    for name, arr in states.items():
        check_shape(arr, (n_a, m), "(n_a, m)", f"{fname}({name})")
    return x_t, m


def check_sequence(fname: str, n_x: int, n_a: int, x: Any, **states: Any) -> tuple:
    """x (n_x, m, T_x) with T_x >= 1 (lists converted, ints promoted) and each initial state
    (n_a, m); return (x, m, T_x)."""
    x = as_array(x, f"{fname}(x)")
    _, m, T_x = check_ndim(x, 3, f"(n_x, m, T_x) = ({n_x}, m, T_x)", f"{fname}(x)")
    check_shape(x, (n_x, m, T_x), "(n_x, m, T_x)", f"{fname}(x)")
    if T_x < 1:
        raise ValueError(f"{fname}(x): expected at least one time step, got T_x = 0")
    for name, arr in states.items():
        check_shape(arr, (n_a, m), "(n_a, m)", f"{fname}({name})")
    return x, m, T_x
