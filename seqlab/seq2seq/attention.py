r"""The attention step: how much the decoder looks at each input position, and what it reads.

*Sequence Models*, week 3, "Attention Model Intuition" and "Attention Model" (Bahdanau, Cho &
Bengio 2015). The encoder is bidirectional, a<t'> = [a→<t'>; a←<t'>]. Before output step t the
decoder state s<t-1> scores every input position with a small network, the scores become
attention weights α<t,t'> ≥ 0 summing to 1 over t', and the context is their weighted average
of the a<t'>. This is the course's ``one_step_attention`` (repeat s, concatenate, Dense tanh,
Dense relu, softmax over t', dot) in the column layout.

Shapes
------
==============  ===================  ==================================================
name            shape                meaning
==============  ===================  ==================================================
s_prev          (n_s, m)             decoder (post-attention) state s<t-1>
a               (n_a2, m, T_x)       encoder states a<t'> (n_a2 = 2 n_a, bidirectional)
mask            (m, T_x) bool        True on real input steps (None: all real)
energy          (m, T_x)             e<t,t'>, -inf-like (-1e30) on padding
alpha           (m, T_x)             α<t,t'>, softmax of energy over t' (axis 1)
context         (n_a2, m)            c<t> = Σ_t' α<t,t'> a<t'>
W_e1, b_e1      (n_e, n_s + n_a2),   "additive": hidden layer on [s<t-1>; a<t'>]
                (n_e, 1)
W_e2, b_e2      (1, n_e), (1, 1)     "additive": energy from the hidden layer
W_a             (n_s, n_a2)          "general" (Luong): e = s<t-1>ᵀ W_a a<t'>
==============  ===================  ==================================================

Equations
---------
.. math::

    (1)\ h^{\langle t,t'\rangle} = \tanh(W_{e1} [s^{\langle t-1\rangle}; a^{\langle t'\rangle}]
        + b_{e1}) \qquad
    (2)\ e^{\langle t,t'\rangle} = g(W_{e2} h^{\langle t,t'\rangle} + b_{e2}),\ g =
        \mathrm{relu}\ \text{(course)}\ \text{or identity}

    (2d)\ e^{\langle t,t'\rangle} = s^{\langle t-1\rangle} \cdot a^{\langle t'\rangle}
        \ \text{("dot")} \qquad
    (2g)\ e^{\langle t,t'\rangle} = s^{\langle t-1\rangle\top} W_a a^{\langle t'\rangle}
        \ \text{("general")}

    (3)\ \alpha^{\langle t,t'\rangle} = \frac{\exp e^{\langle t,t'\rangle}}
        {\sum_{t''=1}^{T_x} \exp e^{\langle t,t''\rangle}} \qquad
    (4)\ c^{\langle t\rangle} = \sum_{t'} \alpha^{\langle t,t'\rangle} a^{\langle t'\rangle}

Backward, from dc = ∂J/∂c<t>:

.. math::

    (5)\ d\alpha^{\langle t,t'\rangle} = dc \cdot a^{\langle t'\rangle}, \quad
        da^{\langle t'\rangle} \mathrel{+}= \alpha^{\langle t,t'\rangle} dc \qquad
    (6)\ de = \alpha * (d\alpha - \textstyle\sum_{t'} \alpha\, d\alpha)

    (7)\ \text{through (2), (1): } dW_{e2} = \textstyle\sum de\, h^\top,\
        dW_{e1} = \textstyle\sum dz_1 [s; a]^\top,\
        d[s; a] = W_{e1}^\top dz_1,\ ds^{\langle t-1\rangle} = \textstyle\sum_{t'} d[s; a]_{s}

Notes
-----
Differs from the lecture: the course's Keras code concatenates [a<t'>, s<t-1>]; here the
order is [s<t-1>; a<t'>] as on the slide (a permutation of W_e1's columns). Padded input
steps get energy -1e30, so α is exactly 0 there; a row with no real step at all gets α = 0
and context 0, as in the Transformer's attention. "dot" needs n_s = n_a2.

References
----------
Bahdanau, Cho & Bengio, "Neural Machine Translation by Jointly Learning to Align and
Translate", 2015; Luong, Pham & Manning, "Effective Approaches to Attention-based Neural
Machine Translation", 2015.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from seqlab._validate import (
    as_array,
    check_cache,
    check_choice,
    check_float_dtype,
    check_int,
    check_keys,
    check_nonempty,
    check_rng,
    fmt,
    same_shape,
)
from seqlab.arrays import randn, zeros
from seqlab.backend import get_array_module, to_device
from seqlab.functional import softmax, softmax_backward
from seqlab.layers.dense import dense_backward, dense_forward

__all__ = ["SCORES", "AttentionStepCache", "attention_step_backward", "attention_step_forward",
           "init_attention_params"]

SCORES = ("additive", "dot", "general")
NEG = -1e30  # energy of a padded step: exp(NEG - max) == 0 in float32 and float64


class AttentionStepCache(NamedTuple):
    """What :func:`attention_step_backward` needs; ``alpha`` and ``energy`` are for plots."""

    s_prev: Any         # (n_s, m)
    a: Any              # (n_a2, m, T_x)
    alpha: Any          # (m, T_x)
    energy: Any         # (m, T_x), masked
    dense: tuple        # "additive": (DenseCache of (1), DenseCache of (2)); else ()
    params: dict
    score: str


KEYS = {"additive": ("W_e1", "b_e1", "W_e2", "b_e2"), "dot": (), "general": ("W_a",)}


def _check(s_prev, a, params, score, mask, energy_activation, fname):
    check_choice(score, SCORES, f"{fname}(score)")
    check_choice(energy_activation, ("relu", "identity"), f"{fname}(energy_activation)")
    a = as_array(a, f"{fname}(a)", ndim=3, symbols="(n_a2, m, T_x)")
    n_a2, m, T_x = a.shape
    check_nonempty(a, 2, f"{fname}(a)", "input step T_x")
    s_prev = as_array(s_prev, f"{fname}(s_prev)", ndim=2, symbols="(n_s, m)")
    if s_prev.shape[1] != m:                   # blame the one whose axes look swapped
        if a.shape[0] == s_prev.shape[1] and s_prev.shape[0] != m:
            raise ValueError(f"{fname}(a): expected (n_a2, m, T_x) with m = {s_prev.shape[1]} "
                             f"(s_prev's columns), got {fmt(a.shape)}")
        raise ValueError(f"{fname}(s_prev): expected (n_s, m) with m = {m} (a's axis 1), got "
                         f"{fmt(s_prev.shape)}")
    n_s = s_prev.shape[0]
    check_keys(params, KEYS[score], f"{fname}(params)", context=f" for score={score!r}")
    want = {"additive": {"W_e1": (None, n_s + n_a2), "W_e2": (1, None), "b_e2": (1, 1)},
            "dot": {}, "general": {"W_a": (n_s, n_a2)}}[score]
    for k, shape in want.items():
        got = getattr(params.get(k), "shape", None)
        if got is None or len(got) != len(shape) or any(
                w is not None and w != g for w, g in zip(shape, got, strict=True)):
            raise ValueError(f"{fname}(params[{k!r}]): expected shape {shape} for score="
                             f"{score!r} (n_s={n_s}, n_a2={n_a2}), got {got}")
    if score == "dot" and n_s != n_a2:
        raise ValueError(f"{fname}(s_prev): expected n_s = n_a2 for score='dot', got "
                         f"n_s={n_s}, n_a2={n_a2}")
    if mask is not None:
        mask = to_device(as_array(mask, f"{fname}(mask)", "real", ndim=2,
                                  symbols="(m, T_x) of bool, True on real steps"),
                         get_array_module(s_prev, a))
        if mask.dtype != bool:
            raise TypeError(f"{fname}(mask): expected a bool array (m, T_x), True on real "
                            f"steps, got dtype {mask.dtype}")
        if tuple(mask.shape) != (m, T_x):
            raise ValueError(f"{fname}(mask): expected shape (m, T_x) = {(m, T_x)}, got "
                             f"{tuple(mask.shape)}")
    return s_prev, a, mask


def attention_step_forward(s_prev, a, params, score: str = "additive", mask=None,
                           energy_activation: str = "relu"):
    """One attention step (eqs. 1-4): the context c<t> for output step t.

    Parameters
    ----------
    s_prev : array (n_s, m), s<t-1>
    a : array (n_a2, m, T_x), encoder states a<t'>
    params : dict, the keys of ``score`` (module docstring)
    score : "additive" (the lecture's small network), "dot" or "general"
    mask : bool array (m, T_x) or None, True on real steps; a row with no True step gets
        α = 0 and context 0 (as the Transformer's attention)
    energy_activation : "relu" (course) or "identity", g in (2)

    Returns
    -------
    context : array (n_a2, m)
    alpha : array (m, T_x), the attention weights α<t,t'> (rows sum to 1, or are all 0)
    cache : AttentionStepCache
    """
    s_prev, a, mask = _check(s_prev, a, params, score, mask, energy_activation,
                             "attention_step_forward")
    xp = get_array_module(s_prev, a)
    n_a2, m, T_x = a.shape
    n_s = s_prev.shape[0]
    dense = ()
    if score == "additive":
        s_rep = xp.broadcast_to(s_prev[:, :, None], (n_s, m, T_x))     # repeat s<t-1> T_x times
        concat = xp.concatenate([s_rep, a], axis=0).reshape(n_s + n_a2, m * T_x)  # [s; a]
        h, c1 = dense_forward(concat, params["W_e1"], params["b_e1"], "tanh")      # (1)
        e, c2 = dense_forward(h, params["W_e2"], params["b_e2"], energy_activation)  # (2)
        energy = e.reshape(m, T_x)                                      # (1, m·T_x) -> (m, T_x)
        dense = (c1, c2)
    elif score == "dot":
        energy = xp.einsum("km,kmt->mt", s_prev, a)                    # (2d) s · a<t'>
    else:
        energy = xp.einsum("km,kmt->mt", s_prev,
                           xp.einsum("kj,jmt->kmt", params["W_a"], a))  # (2g) sᵀ W_a a<t'>
    if mask is not None:
        energy = xp.where(mask, energy, NEG)                            # padding: α = 0
    alpha = softmax(energy, axis=1)                                     # (3) softmax over t'
    if mask is not None:                                                # no real step at all:
        alpha = xp.where(mask.any(axis=1, keepdims=True), alpha, 0.0)   # α = 0, context 0
    context = (a * alpha[None]).sum(axis=2)                             # (4) Σ α a  (n_a2, m)
    return context, alpha, AttentionStepCache(s_prev, a, alpha, energy, dense, params, score)


def attention_step_backward(dcontext, cache: AttentionStepCache):
    """Backward pass of :func:`attention_step_forward` (eqs. 5-7).

    Parameters
    ----------
    dcontext : array (n_a2, m), ∂J/∂c<t>
    cache : AttentionStepCache

    Returns
    -------
    ds_prev : array (n_s, m), ∂J/∂s<t-1> through the energies
    da : array (n_a2, m, T_x), ∂J/∂a<t'> through this step (context and energies)
    grads : dict with the keys of ``cache.params``
    """
    check_cache(cache, AttentionStepCache, "attention_step_backward")
    s_prev, a, alpha, _, dense, params, score = cache
    dcontext = same_shape(dcontext, a[:, :, 0], "attention_step_backward(dcontext)",
                          "the context (n_a2, m)")
    xp = get_array_module(dcontext, a)
    n_a2, m, T_x = a.shape
    n_s = s_prev.shape[0]
    dalpha = (dcontext[:, :, None] * a).sum(axis=0)                    # (5) dc · a<t'>  (m, T_x)
    da = dcontext[:, :, None] * alpha[None]                            # (5) α dc
    de = softmax_backward(dalpha, alpha, axis=1)                       # (6) 0 on padding
    grads = {}
    if score == "additive":
        c1, c2 = dense
        dh, g2 = dense_backward(de.reshape(1, m * T_x), c2)            # (7) through (2)
        dconcat, g1 = dense_backward(dh, c1)                           # (7) through (1)
        dconcat = dconcat.reshape(n_s + n_a2, m, T_x)
        ds_prev = dconcat[:n_s].sum(axis=2)                            # (7) Σ_t' of repeated s
        da = da + dconcat[n_s:]
        grads = {"W_e1": g1["W"], "b_e1": g1["b"], "W_e2": g2["W"], "b_e2": g2["b"]}
    elif score == "dot":
        ds_prev = (de[None] * a).sum(axis=2)                           # ∂(s·a)/∂s = a
        da = da + de[None] * s_prev[:, :, None]                        # ∂(s·a)/∂a = s
    else:
        Wa_a = xp.einsum("kj,jmt->kmt", params["W_a"], a)              # W_a a<t'>  (n_s, m, T_x)
        ds_prev = (de[None] * Wa_a).sum(axis=2)
        ws = params["W_a"].T @ s_prev                                  # W_aᵀ s  (n_a2, m)
        da = da + de[None] * ws[:, :, None]
        grads = {"W_a": xp.einsum("mt,km,jmt->kj", de, s_prev, a)}    # Σ de s aᵀ
    return ds_prev, da, grads


def init_attention_params(n_s: int, n_a2: int, score: str = "additive", n_e: int = 10, rng=0,
                          dtype=np.float64) -> dict:
    """Params of one score: "additive" W_e1 (n_e, n_s + n_a2), b_e1, W_e2 (1, n_e), b_e2;
    "general" W_a (n_s, n_a2); "dot" none. Glorot-like N(0, 1/fan_in); biases 0 (b_e2 = 0.1
    so a relu energy starts positive, away from its dead zone)."""
    f = "init_attention_params"
    check_choice(score, SCORES, f"{f}(score)")
    n_s, n_a2, n_e = (check_int(v, f"{f}({k})", 1) for k, v in (("n_s", n_s), ("n_a2", n_a2),
                                                                  ("n_e", n_e)))
    if score == "dot" and n_s != n_a2:
        raise ValueError(f"{f}(n_a2): expected n_a2 = n_s = {n_s} for score='dot', got {n_a2}")
    dtype = check_float_dtype(dtype, f"{f}(dtype)")
    rng = check_rng(rng, f"{f}(rng)")
    if score == "additive":
        return {"W_e1": randn(rng, (n_e, n_s + n_a2), 1 / math.sqrt(n_s + n_a2), dtype),
                "b_e1": zeros((n_e, 1), dtype),
                "W_e2": randn(rng, (1, n_e), 1 / math.sqrt(n_e), dtype),
                "b_e2": zeros((1, 1), dtype) + 0.1}
    if score == "general":
        return {"W_a": randn(rng, (n_s, n_a2), 1 / math.sqrt(n_a2), dtype)}
    return {}
