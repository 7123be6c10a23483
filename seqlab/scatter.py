"""Scatter-add and index checks: the two places where CuPy and NumPy index differently.

``a[idx] += v`` drops repeated indices on both backends; NumPy needs ``np.add.at`` and CuPy
``cupyx.scatter_add`` (:func:`scatter_add`, the backward pass of an embedding lookup, and
:func:`row_sums`, the same restricted to the rows used). Out-of-range indices *wrap* on CuPy
instead of raising: :func:`check_indices` validates on the host and names the argument.
"""

from __future__ import annotations

from typing import Any

from seqlab import backend
from seqlab.backend import _checks, get_array_module, host, to_numpy

__all__ = ["check_indices", "row_sums", "scatter_add"]


def check_indices(indices: Any, size: int, name: str = "check_indices(indices)"):
    """Validate integer indices against ``[0, size)`` on the host; return them unchanged.

    CuPy wraps out-of-range indices silently; this raises instead, naming the argument.
    """
    _checks().check_indices(host.asarray(to_numpy(indices)), size, name)
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
    if xp is host:
        return rows, [host.add.reduceat(v[order], starts, axis=0) for v in values]
    where = xp.searchsorted(rows, idx)  # CuPy's path (a GPU, or the tests' device double)
    sums = []
    for v in values:
        out = xp.zeros((rows.size, *v.shape[1:]), dtype=v.dtype)
        backend.cupyx().scatter_add(out, where, v)
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
    if xp is host and idx.shape[0] >= _SORTED_SCATTER_MIN and moved_v.ndim > 1:
        # one add per distinct index (exact: no repeats left): 2-3x faster than np.add.at for
        # embedding-sized gradients (k rows of d floats)
        rows, (sums,) = row_sums(idx, moved_v, size=moved_t.shape[0])
        moved_t[rows] += sums
    elif xp is host:
        host.add.at(moved_t, idx, moved_v)
    else:  # CuPy's path (a GPU, or the tests' device double)
        backend.cupyx().scatter_add(moved_t, idx, moved_v)
    return target
