r"""Sinusoidal positional encoding: where each word is, added to what it is.

Week 4, "Transformer Network": self-attention is blind to order (permute the inputs and the
outputs permute the same way), so the position is written into each embedding. Position pos
gets a d_model-vector of sines and cosines whose wavelengths grow geometrically from 2π to
10000·2π; two entries 2i and 2i+1 share the angle pos / 10000^(2i/d).

Shapes
------
==========  ==================  ===============================================
name        shape               meaning
==========  ==================  ===============================================
pos         (positions, 1)      0, 1, ..., positions - 1 (a column)
k           (1, d_model)        feature index 0..d_model-1 (a row)
angles      (positions, d)      pos / 10000^(2⌊k/2⌋/d), by broadcasting
PE          (1, positions, d)   the course's shape: a batch axis of 1 in front
==========  ==================  ===============================================

Equations
---------
.. math::

    (1)\quad \theta(pos, k) = \frac{pos}{10000^{2i/d}}, \quad i = \lfloor k/2 \rfloor

    (2)\quad PE_{(pos, 2i)} = \sin\theta(pos, 2i) \qquad
    (3)\quad PE_{(pos, 2i+1)} = \cos\theta(pos, 2i+1)

Relative positions are linear maps: with ω_i = 1/10000^{2i/d}, each (sin, cos) pair at
pos + k is a rotation by the angle ω_i k of the pair at pos,

.. math::

    (4)\quad \begin{pmatrix} PE_{(pos+k, 2i)} \\ PE_{(pos+k, 2i+1)} \end{pmatrix} =
    \begin{pmatrix} \cos\omega_i k & \sin\omega_i k \\ -\sin\omega_i k & \cos\omega_i k
    \end{pmatrix}
    \begin{pmatrix} PE_{(pos, 2i)} \\ PE_{(pos, 2i+1)} \end{pmatrix}

so PE(pos + k) = M_k PE(pos) with one matrix M_k for every pos (:func:`relative_shift_matrix`),
and PE(pos)·PE(pos + k) = Σ_i cos(ω_i k) depends on k only.

Notes
-----
Interleaved sin/cos (even columns sin, odd columns cos) as in the course and the paper; some
libraries concatenate all sines then all cosines, which is a column permutation of this.

References
----------
Vaswani et al., "Attention Is All You Need", 2017, section 3.5.
"""

from __future__ import annotations

from seqlab._validate import as_array, check_float_dtype, check_int
from seqlab.backend import get_array_module, xp_default

__all__ = ["get_angles", "positional_encoding", "relative_shift_matrix"]


def get_angles(pos, k, d: int):
    """The angles θ(pos, k) = pos / 10000^(2⌊k/2⌋/d) of (1), by broadcasting.

    Parameters
    ----------
    pos : array (positions, 1), the positions as a column
    k : array (1, d), the feature indices as a row
    d : int, the encoding size d_model

    Returns
    -------
    angles : array (positions, d)
    """
    pos = as_array(pos, "get_angles(pos)", "real", symbols="(positions, 1)")
    k = as_array(k, "get_angles(k)", "int", symbols="(1, d) of feature indices")
    if k.size and int(k.min()) < 0:
        raise ValueError(f"get_angles(k): expected feature indices >= 0, got {int(k.min())}")
    d = check_int(d, "get_angles(d)", 1)
    return _angles(pos, k, d)


def _angles(pos, k, d: int):
    xp = get_array_module(pos, k)
    i = k // 2                                         # i = ⌊k/2⌋: entries 2i and 2i+1 share ω_i
    return pos / xp.power(10000.0, 2 * i / d)          # (1) pos / 10000^(2i/d)


def positional_encoding(positions: int, d_model: int, dtype="float64"):
    """The encoding matrix PE of (2)-(3) for positions 0..positions-1, as the course builds it.

    Parameters
    ----------
    positions : int >= 1, the number of positions (the longest sequence)
    d_model : int >= 1, the encoding size
    dtype : the float dtype of the result

    Returns
    -------
    pos_encoding : array (1, positions, d_model), on the default device
    """
    positions, d_model = (check_int(v, f"positional_encoding({n})", 1) for n, v in (
        ("positions", positions), ("d_model", d_model)))
    dtype = check_float_dtype(dtype, "positional_encoding(dtype)")
    xp = xp_default()
    angles = _angles(xp.arange(positions)[:, None],            # pos (positions, 1)
                        xp.arange(d_model)[None, :], d_model)     # k (1, d_model) -> (positions, d)
    angles[:, 0::2] = xp.sin(angles[:, 0::2])                     # (2) even columns: sin
    angles[:, 1::2] = xp.cos(angles[:, 1::2])                     # (3) odd columns: cos
    return angles[None, ...].astype(dtype)                        # (1, positions, d_model)


def relative_shift_matrix(k: int, d_model: int, dtype="float64"):
    """The matrix M_k of (4) with PE[pos + k] = PE[pos] @ M_k.T for every pos (row layout).

    Parameters
    ----------
    k : int, the shift (may be negative)
    d_model : int, even

    Returns
    -------
    M : array (d_model, d_model), block diagonal with one 2x2 rotation per frequency
    """
    d_model = check_int(d_model, "relative_shift_matrix(d_model) (even)", 2)
    if d_model % 2:
        raise ValueError(f"relative_shift_matrix(d_model): expected an even int, got {d_model}")
    k = check_int(k, "relative_shift_matrix(k)")
    dtype = check_float_dtype(dtype, "relative_shift_matrix(dtype)")
    xp = xp_default()
    omega = 1.0 / xp.power(10000.0, xp.arange(0, d_model, 2) / d_model)   # ω_i (d_model/2,)
    c, s = xp.cos(omega * k), xp.sin(omega * k)                          # (d_model/2,) each
    M = xp.zeros((d_model, d_model))
    idx = xp.arange(0, d_model, 2)
    M[idx, idx], M[idx, idx + 1] = c, s                                  # sin row: c·sin + s·cos
    M[idx + 1, idx], M[idx + 1, idx + 1] = -s, c                         # cos row: -s·sin + c·cos
    return M.astype(dtype)
