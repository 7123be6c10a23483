"""The exercise of notebook 28 (week 4, the Transformer step-through): the backward pass of
scaled dot-product attention.

``attention_backward(dout, Q, K, V, weights) -> (dQ, dK, dV)`` is eqs. (4)-(8) of
:mod:`seqlab.transformer.attention`: dV = αᵀ dout, dα = dout Vᵀ, de = α ⊙ (dα - Σ_t' α ⊙ dα),
dQ = de K / √d_k, dK = deᵀ Q / √d_k. The weights α are given (the forward pass keeps them), so
no softmax is computed again; masked keys have α = 0, so their de is 0 without the mask.
Each known mistake is one bug in an otherwise right function, with the checker's message.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.exercises.transformer import _sdpa_case
from seqlab.transformer import attention as _attention
from seqlab.transformer.attention import AttentionCache, scaled_dot_product_attention


def _reference(dout, Q, K, V, weights):
    g = _attention.scaled_dot_product_attention_backward_full(
        dout, AttentionCache(Q, K, V, weights))
    return g.dQ, g.dK, g.dV


def _backward(dout, Q, K, V, weights, bug=None):
    """Eqs. (4)-(8) in plain NumPy with one known ``bug`` switched on."""
    T = lambda a: np.swapaxes(a, -1, -2)  # noqa: E731
    if bug == "dV = alpha dout":
        dV = weights @ dout
    elif bug == ".T on a batch":
        dV = weights.T @ dout
    else:
        dV = T(weights) @ dout                                    # (4)
    dw = dout @ T(V)                                              # (5)
    weighted = (dw * weights).sum(axis=-2 if bug == "sum over queries" else -1, keepdims=True)
    if bug == "no row sum":
        de = weights * dw
    elif bug == "sigmoid derivative":
        de = dw * weights * (1 - weights)
    elif bug == "sum without alpha":
        de = weights * (dw - dw.sum(axis=-1, keepdims=True))
    else:
        de = weights * (dw - weighted)                            # (6)
    d_k = Q.shape[-1]
    de = de * {"no scale": 1.0, "times sqrt(d_k)": np.sqrt(d_k)}.get(bug, 1 / np.sqrt(d_k))
    dQ = de @ K                                                   # (7)
    dK = (de @ Q) if bug == "dK without transpose" else T(de) @ Q  # (8)
    return dQ, dK, dV


def _mistake(bug):
    return lambda dout, Q, K, V, weights: _backward(dout, Q, K, V, weights, bug)


def _case(lead, T_q, T_k, d_k, d_v, mask=None, scale=1.0):
    """notebook 23's random Q, K, V and mask (Q scaled by ``scale``), α from the library's
    forward pass, and a random upstream gradient dout."""
    def make(r):
        kw = _sdpa_case(lead, T_q, T_k, d_k, d_v, mask)(r)
        Q = kw["Q"] * scale
        _, weights, _ = scaled_dot_product_attention(Q, kw["K"], kw["V"], kw["mask"])
        return {"dout": r.normal(size=(*lead, T_q, d_v)), "Q": Q, "K": kw["K"], "V": kw["V"],
                "weights": weights}
    return make


ATTENTION_BACKWARD = Exercise(
    name="attention_backward",
    signature="attention_backward(dout, Q, K, V, weights) -> (dQ, dK, dV)",
    reference=_reference,
    source=_attention._backward,
    library_name="seqlab.transformer.attention.scaled_dot_product_attention_backward",
    week="4",
    output_names=("dQ", "dK", "dV"),
    cases=[
        Case("one head, T_q = T_k = 3, d_k = 4, d_v = 2 (2-D arrays)", _case((), 3, 3, 4, 2)),
        Case("batch of 2, T_q = 3 queries, T_k = 5 keys, d_k = 4, d_v = 2",
             _case((2,), 3, 5, 4, 2)),
        Case("a random mask (masked keys have α = 0)", _case((2,), 4, 6, 8, 3, mask="random")),
        Case("look-ahead mask, 2 examples × 2 heads, T = 4, d_k = 8",
             _case((2, 2), 4, 4, 8, 3, mask="look-ahead")),
        Case("one key (T_k = 1): α = 1, so dQ = dK = 0 and dV = dout", _case((1,), 2, 1, 3, 2),
             isolates="the softmax's backward (α = 1 has no gradient)"),
        Case("sharp attention (large scores), d_k = 16", _case((3,), 5, 7, 16, 4, scale=2.5)),
    ],
    mistakes=[
        Mistake("dV = alpha dout", _mistake("dV = alpha dout"),
                "dV = αᵀ dout: value v<t'> collects the gradient of every query t that read it, "
                "Σ_t α<t,t'> dout<t>. Swap α's last two axes: np.swapaxes(weights, -1, -2) @ "
                "dout."),
        Mistake(".T on a batch", _mistake(".T on a batch"),
                "weights.T reverses ALL the axes of a batched array, (m, T_q, T_k) -> (T_k, T_q, "
                "m), so it works only for 2-D arrays: transpose the last two axes only, "
                "np.swapaxes(weights, -1, -2)."),
        Mistake("no row sum", _mistake("no row sum"),
                "the softmax's backward is not dα ⊙ α: every α<t,t'> of a row depends on every "
                "score of that row, so de = α ⊙ (dα - Σ_t' α ⊙ dα), the row's α-weighted sum of "
                "dα subtracted (axis=-1, keepdims=True)."),
        Mistake("sigmoid derivative", _mistake("sigmoid derivative"),
                "α ⊙ (1 - α) is the sigmoid's derivative, only the diagonal of the softmax's "
                "Jacobian; its off-diagonal terms -α<t,i> α<t,j> give de = α ⊙ (dα - Σ_t' α ⊙ "
                "dα)."),
        Mistake("sum over queries", _mistake("sum over queries"),
                "the sum in de = α ⊙ (dα - Σ α ⊙ dα) runs over the KEYS of each query's row "
                "(axis=-1, keepdims=True), the axis the softmax normalised; you summed over the "
                "queries (axis=-2)."),
        Mistake("sum without alpha", _mistake("sum without alpha"),
                "subtract the α-WEIGHTED sum Σ_t' α<t,t'> dα<t,t'> of the row, not the plain sum "
                "of dα: de = α ⊙ (dα - (α * dα).sum(axis=-1, keepdims=True))."),
        Mistake("no scale", _mistake("no scale"),
                "the forward pass divided the scores by √d_k (e = Q Kᵀ / √d_k), so the backward "
                "pass divides too: dQ = de K / √d_k and dK = deᵀ Q / √d_k, d_k = Q.shape[-1]."),
        Mistake("times sqrt(d_k)", _mistake("times sqrt(d_k)"),
                "divide de by √d_k (the forward pass divided the scores by it); you multiplied."),
        Mistake("dK without transpose", _mistake("dK without transpose"),
                "dK = deᵀ Q / √d_k: key t' collects from every query t that scored it, the "
                "column t' of de. Swap de's last two axes before the product."),
    ],
    hints=[
        "Walk back through out = α V, then α = softmax(e), then e = Q Kᵀ / √d_k. First "
        "dV = αᵀ dout and dα = dout Vᵀ, transposing the last two axes only (np.swapaxes(x, -1, "
        "-2)).",
        "The softmax of each row: de = α ⊙ (dα - Σ_t' α ⊙ dα), the sum over the last axis with "
        "keepdims=True. Then dQ = de K / √d_k and dK = deᵀ Q / √d_k.",
        "dV = np.swapaxes(weights, -1, -2) @ dout; dw = dout @ np.swapaxes(V, -1, -2); "
        "de = weights * (dw - (dw * weights).sum(axis=-1, keepdims=True)) / np.sqrt(Q.shape[-1]); "
        "return de @ K, np.swapaxes(de, -1, -2) @ Q, dV",
    ],
)

EXERCISES = {ATTENTION_BACKWARD.name: ATTENTION_BACKWARD}
