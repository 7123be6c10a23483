r"""Cross-entropy with label smoothing, over the last axis, ignoring padding.

"Attention Is All You Need", section 5.4: the target distribution puts 1 - ε on the right token
and spreads ε uniformly over the vocabulary, so the model is never pushed towards infinitely
confident logits. It hurts perplexity a little and helps accuracy and BLEU.

Shapes
------
=========  ===============  =============================================
name       shape            meaning
=========  ===============  =============================================
logits     (m, T, V)        decoder scores before the softmax
y          (m, T) int       target tokens; ``ignore_id`` positions skipped
loss       ()               mean over the N counted positions
dlogits    (m, T, V)        ∂J/∂logits
=========  ===============  =============================================

Equations
---------
.. math::

    (1)\quad q = (1 - \varepsilon)\,\mathrm{onehot}(y) + \frac{\varepsilon}{V} \qquad
    (2)\quad J = -\frac{1}{N} \sum_{i,t:\, y \ne \mathrm{ignore}} \sum_v q_v \log \hat y_v

    (3)\quad \frac{\partial J}{\partial z} = \frac{1}{N}(\hat y - q)
        \quad\text{at counted positions, 0 elsewhere}

Notes
-----
ε/V goes to every class, the true one included: ``torch.nn.functional.cross_entropy(...,
label_smoothing=ε, ignore_index=...)``'s convention (the test compares the two). ε = 0 is the
ordinary cross-entropy.
"""

from __future__ import annotations

from seqlab._validate import (
    CLIP_ADVICE,
    IdError,
    as_array,
    check_finite,
    check_int,
    check_number,
    check_shape,
)
from seqlab.backend import get_array_module, to_numpy
from seqlab.functional import log_softmax

__all__ = ["label_smoothed_cross_entropy"]


def label_smoothed_cross_entropy(logits, y, smoothing: float = 0.1, ignore_id: int | None = 0):
    """Label-smoothed softmax cross-entropy and its gradient (eqs. 1-3).

    Parameters
    ----------
    logits : float array (m, T, V) (any (..., V))
    y : int array (m, T), the logits' shape without the last axis
    smoothing : float in [0, 1), ε
    ignore_id : int or None, the label whose positions are not counted (padding)

    Returns
    -------
    loss : float
    dlogits : array, logits.shape
    """
    logits, y, smoothing, ignore_id = _check(logits, y, smoothing, ignore_id)
    xp = get_array_module(logits, y)
    V = logits.shape[-1]
    count = (y != ignore_id) if ignore_id is not None else xp.ones(y.shape, dtype=bool)
    n = int(xp.sum(count))
    if n == 0:
        raise ValueError(f"label_smoothed_cross_entropy(y): expected at least one position "
                         f"that is not ignore_id = {ignore_id}, got none (nothing to average)")
    y_safe = xp.where(count, y, 0)                                 # padding reads class 0
    log_p = log_softmax(logits, axis=-1)                           # log ŷ  (m, T, V)
    log_p_true = xp.take_along_axis(log_p, y_safe[..., None], axis=-1)[..., 0]   # (m, T)
    per_pos = -(1 - smoothing) * log_p_true - (smoothing / V) * xp.sum(log_p, axis=-1)  # (2)
    loss = float(xp.sum(xp.where(count, per_pos, 0))) / n          # (2) mean over N
    onehot = xp.arange(V) == y_safe[..., None]                     # onehot(y) (m, T, V)
    q = (1 - smoothing) * onehot + smoothing / V                   # (1) q
    dlogits = (xp.exp(log_p) - q) * (count[..., None] / n)         # (3) (ŷ - q)/N, 0 if ignored
    return loss, dlogits.astype(logits.dtype, copy=False)


def _check(logits, y, smoothing, ignore_id) -> tuple:
    """The arguments as the loss needs them: float logits (ints promoted; NaN and inf refused
    anywhere, ignored positions too, as cross_entropy), int labels in [0, V) of the logits'
    shape without V (ignore_id's positions excepted), ε in [0, 1), ignore_id in [0, V)."""
    f = "label_smoothed_cross_entropy"
    logits = as_array(logits, f"{f}(logits)", symbols="(..., V)")
    y = as_array(y, f"{f}(y)", "int", symbols="of labels (the logits' shape without V)")
    check_shape(y, logits.shape[:-1], "the logits' shape without V", f"{f}(y)")
    smoothing = check_number(smoothing, f"{f}(smoothing)", 0, 1, high_open=True)
    V = logits.shape[-1]
    if ignore_id is not None:
        ignore_id = check_int(ignore_id, f"{f}(ignore_id) (a class id, or None)", 0, V - 1)
    host = to_numpy(y)
    bad = host[((host < 0) | (host >= V)) & (host != (-1 if ignore_id is None else ignore_id))]
    if bad.size:
        raise IdError(f"{f}(y): expected labels in [0, {V}) (or ignore_id), got out-of-range "
                      f"values {bad.ravel()[:5].tolist()}")
    check_finite(logits, f"{f}(logits)", "logits", f"so the loss would not be finite "
                 f"({CLIP_ADVICE})", sep=", ")
    return logits, y, smoothing, ignore_id
