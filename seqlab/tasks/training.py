r"""Training a :class:`~seqlab.rnn.RecurrentNetwork` on a task: one loop, two heads.

*Sequence Models*, week 1: "Different types of RNNs". A **many-to-one** classifier reads the
whole sequence and predicts from the last step's output (sentiment, agreement); a
**many-to-many** tagger (T_y = T_x) predicts at every step (named entities). Both share the
network, its backward pass and one optimisation loop: Adam with the global gradient norm
clipped (the remedy for exploding gradients).

Shapes
------
==========  ============  ===============================================
name        shape         meaning
==========  ============  ===============================================
ids         (m, T_x)      int token ids (one-hot inside the network)
lengths     (m,)          real steps per example, padding at the end
y           (m,)          class of each example (many-to-one)
tags        (m, T_x)      class of each step (many-to-many)
logits      (n_y, m, T_x) z<t> = W_ya a<t> + b_y
==========  ============  ===============================================

Equations
---------
(1) many-to-one:  J = 1/m Σ_i CE(softmax(z^(i)<L_i>), y^(i))          (only the last step)
(2)               ∂J/∂z<t> = 0 for t ≠ L_i                            (``last_step_backward``)
(3) many-to-many: J = 1/N Σ_i Σ_{t ≤ L_i} CE(softmax(z^(i)<t>), tag^(i)<t>), N = Σ_i L_i
(4) one step:     g = clip_by_norm(∇J, c);  params := Adam(params, g)
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tqdm.auto import tqdm

from seqlab._validate import (
    as_array,
    check_callable,
    check_instance,
    check_int,
    check_lengths,
    check_number,
    check_shape,
    named_as,
)
from seqlab.backend import get_array_module, to_device, to_numpy
from seqlab.functional import softmax
from seqlab.losses import cross_entropy, temporal_cross_entropy
from seqlab.optim import Adam, clip_by_norm
from seqlab.rnn.network import RecurrentNetwork, last_step, last_step_backward

__all__ = ["TrainHistory", "classifier_step", "classify", "fit", "length_mask",
           "predict_proba", "tagger_step", "tagging_accuracy"]


def length_mask(lengths, T: int):
    """(m, T) bool, True on the real steps t < L_i."""
    T = check_int(T, "length_mask(T)", 1)
    lengths = as_array(lengths, "length_mask(lengths)", "int", ndim=1, symbols="(m,)")
    lengths = check_lengths(lengths, lengths.shape[0], T, "length_mask(lengths)")
    return _mask(lengths, T)


def _mask(lengths, T: int):
    xp = get_array_module(lengths)
    return xp.arange(T)[None, :] < xp.asarray(lengths)[:, None]


def classifier_step(net: RecurrentNetwork, ids, y, lengths=None):
    """Loss and gradients of a many-to-one classifier (eqs. 1-2).

    Parameters
    ----------
    net : RecurrentNetwork with n_y classes
    ids : int (m, T_x) token ids (or float features (n_x, m, T_x))
    y : int (m,) classes
    lengths : int (m,) or None

    Returns
    -------
    loss : float, J
    grads : dict, ∂J/∂params
    """
    with _named("classifier_step", "y"):
        logits, cache = _net(net, "classifier_step").forward(ids, lengths=lengths)
        z_last = last_step(logits, lengths)                     # (n_y, m): z<L_i>
        loss, dz_last = cross_entropy(z_last, y)                # (1)
    dlogits = last_step_backward(dz_last, logits.shape, lengths)  # (2) (n_y, m, T_x)
    return float(loss), net.backward(dlogits, cache)


def tagger_step(net: RecurrentNetwork, ids, tags, lengths=None):
    """Loss and gradients of a many-to-many tagger, padding masked out (eq. 3).

    Parameters
    ----------
    net : RecurrentNetwork with n_y tags
    ids : int (m, T_x) token ids
    tags : int (m, T_x) tag per step (any value on padding)
    lengths : int (m,) or None

    Returns
    -------
    loss : float, J
    grads : dict, ∂J/∂params
    """
    with _named("tagger_step", "tags"):
        logits, cache = _net(net, "tagger_step").forward(ids, lengths=lengths)
        mask = None if lengths is None else _mask(lengths, logits.shape[2])    # (m, T_x)
        loss, dlogits = temporal_cross_entropy(logits, tags, mask=mask)        # (3)
    return float(loss), net.backward(dlogits, cache)


class TrainHistory(dict):
    """``losses`` (one float per step), ``steps`` taken, ``seconds`` of wall time."""


def fit(net: RecurrentNetwork, step: Callable, batch: Callable[[int], tuple], n_steps: int,
        *, lr: float = 0.01, clip: float = 1.0, stop: Callable | None = None,
        check_every: int = 20, progress: bool = False, desc: str = "training") -> TrainHistory:
    """Train ``net`` in place with Adam and gradient-norm clipping (eq. 4).

    Parameters
    ----------
    net : RecurrentNetwork
    step : ``classifier_step`` or ``tagger_step`` (any ``(net, *batch) -> (loss, grads)``)
    batch : ``i -> tuple`` of host arrays for step i (moved to the default device here)
    n_steps : int ≥ 1, the most steps to take
    lr, clip : Adam's learning rate, the bound on the global gradient norm
    stop : ``net -> bool``, asked every ``check_every`` steps (e.g. "validation accuracy ≥
        99 %"); training ends, with no further step, when it says True
    progress : show a tqdm bar

    Returns
    -------
    TrainHistory with "losses" (list of floats), "steps" (int), "seconds" (float)

    Notes
    -----
    Stop on a validation check, not on a small training loss: near zero loss Adam's steps
    α v/(√s + ε) can stay large while the gradients are tiny, and a network can lose what it
    learned in one step (measured on the agreement task: a loss of 1e-7, then 1.4).
    """
    _net(net, "fit")
    n_steps = check_int(n_steps, "fit(n_steps)", 1)
    check_every = check_int(check_every, "fit(check_every)", 1)
    lr = check_number(lr, "fit(lr)", 0, low_open=True)
    clip = check_number(clip, "fit(clip) (inf: no clipping)", 0, low_open=True, allow_inf=True)
    check_callable(step, "fit(step)", "a callable step(net, *batch) -> (loss, grads)")
    check_callable(batch, "fit(batch)", "a callable batch(i) -> tuple of arrays")
    if stop is not None:
        check_callable(stop, "fit(stop)", "a callable stop(net) -> bool, or None")
    opt, losses, start = Adam(lr), [], time.perf_counter()
    bar = tqdm(range(n_steps), desc=desc, disable=not progress, leave=False)
    for i in bar:
        args = tuple(None if a is None else to_device(a) for a in batch(i))
        with named_as({"classifier_step(": "fit(batch): classifier_step(",
                       "tagger_step(": "fit(batch): tagger_step("}):
            loss, grads = step(net, *args)
        clip_by_norm(grads, clip)                               # (4) g := clip(∇J, c)
        opt.step(net.params, grads)                             # (4) Adam step
        losses.append(loss)
        if i % 10 == 0:
            bar.set_postfix(loss=f"{sum(losses[-10:]) / len(losses[-10:]):.3f}")
        if stop is not None and (i + 1) % check_every == 0 and stop(net):
            break
    bar.close()
    return TrainHistory(losses=losses, steps=len(losses), seconds=time.perf_counter() - start)


def predict_proba(net: RecurrentNetwork, ids, lengths=None):
    """softmax(z<t>) at every step: (n_y, m, T_x) probabilities, on the default device."""
    with _named("predict_proba"):
        logits, _ = _net(net, "predict_proba").forward(
            to_device(as_array(ids, "predict_proba(ids)", "real")),
            lengths=None if lengths is None else to_device(lengths))
    return softmax(logits, axis=0)


def classify(net: RecurrentNetwork, ids, lengths=None):
    """Many-to-one predictions argmax z<L_i>: host int array (m,)."""
    lengths = None if lengths is None else to_device(lengths)
    with _named("classify"):
        logits, _ = _net(net, "classify").forward(
            to_device(as_array(ids, "classify(ids)", "real")), lengths=lengths)
    return to_numpy(last_step(logits, lengths).argmax(axis=0))


def tagging_accuracy(net: RecurrentNetwork, ids, tags, lengths, select=None) -> float:
    """Fraction of real steps (t < L_i, and ``select`` where given) tagged correctly.

    Parameters
    ----------
    ids, tags : int (m, T_x)
    lengths : int (m,)
    select : bool (m, T_x) or None, e.g. only the ambiguous words
    """
    f = "tagging_accuracy"
    with _named(f):
        predicted = predict_proba(net, ids, lengths).argmax(axis=0)   # (m, T_x)
    xp = get_array_module(predicted)
    tags = as_array(tags, f"{f}(tags)", "int", ndim=2, symbols="(m, T_x)")
    check_shape(tags, predicted.shape, "(m, T_x) like ids", f"{f}(tags)")
    keep = _mask(to_device(lengths), predicted.shape[1])
    if select is not None:
        select = as_array(select, f"{f}(select)", "real", ndim=2, symbols="(m, T_x) of bool")
        if select.dtype != bool:
            raise TypeError(f"{f}(select): expected a bool array (m, T_x), got dtype "
                            f"{select.dtype}")
        check_shape(select, predicted.shape, "(m, T_x) like ids", f"{f}(select)")
        keep = keep & to_device(select)
    n = int(keep.sum())
    if n == 0:
        raise ValueError(f"{f}(select): expected at least one real step selected, got none")
    return float(xp.sum((predicted == to_device(tags)) & keep)) / n


def _net(net, fname: str) -> RecurrentNetwork:
    return check_instance(net, RecurrentNetwork, f"{fname}(net)")


def _named(fname: str, target: str = "y"):
    """The network's and the loss's argument errors, reported as ``fname``'s."""
    return named_as({"RecurrentNetwork.forward(x)": f"{fname}(ids)",
                     "RecurrentNetwork.forward(": f"{fname}(",
                     "temporal_cross_entropy(y)": f"{fname}({target})",
                     "cross_entropy(y)": f"{fname}({target})",
                     "last_step(lengths)": f"{fname}(lengths)",
                     "temporal_cross_entropy(": f"{fname}(", "cross_entropy(": f"{fname}("})
