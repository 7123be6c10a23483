"""Argument checks of :mod:`seqlab.tasks.sentiment` (the input contract)."""

from __future__ import annotations

from seqlab._validate import (
    CLIP_ADVICE,
    as_array,
    check_finite,
    check_ids,
    check_keys,
    check_shape,
)
from seqlab.backend import to_numpy


def _rows(ids, E, fname: str) -> tuple:
    """(ids (m, T_x) of rows of E, E (N, n_h))."""
    E = as_array(E, f"{fname}(E)", ndim=2, symbols="(N, n_h), one row per word")
    ids = as_array(ids, f"{fname}(ids)", "int", ndim=2, symbols="(m, T_x) of rows of E")
    return check_ids(ids, E.shape[0], f"{fname}(ids)"), E


def _v1(params, avg, fname: str, finite: bool = False):
    """V1's params {W (n_y, n_h), b} and avg (n_h, m) of W's n_h."""
    check_keys(params, ("W", "b"), f"{fname}(params)")
    avg = as_array(avg, f"{fname}(avg)", ndim=2, symbols="(n_h, m)")
    check_shape(avg, (params["W"].shape[1], avg.shape[1]), "(n_h, m) with W's n_h",
                f"{fname}(avg)")
    if finite:
        check_finite(avg, f"{fname}(avg)", "averages", f"so the loss would not be finite "
                     f"({CLIP_ADVICE})", sep=", ")
    return avg


def _labels(y, m: int, n_y: int, where: str):
    y = as_array(y, where, "int", ndim=1, symbols="(m,) of classes")
    check_shape(y, (m,), "(m,), one class per example", where)
    return check_ids(y, n_y, where)


def _pair(y_true, y_pred, fname: str, kind: str) -> tuple:
    """Two non-empty 1-D label arrays of one shape, on the host."""
    y_true = to_numpy(as_array(y_true, f"{fname}(y_true)", kind, ndim=1, symbols="(m,)"))
    y_pred = to_numpy(as_array(y_pred, f"{fname}(y_pred)", kind, ndim=1, symbols="(m,)"))
    if not len(y_true):
        raise ValueError(f"{fname}(y_true): expected at least one label, got none")
    check_shape(y_pred, y_true.shape, "(m,) like y_true", f"{fname}(y_pred)")
    return y_true, y_pred
