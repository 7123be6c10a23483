r"""The Dinosaurus Island assignment's functions in the course's form, on the library's parts.

*Sequence Models*, week 1, programming assignment "Character level language model -
Dinosaurus Island": ``clip``, ``sample`` and ``optimize`` for a one-layer RNN whose params are
the course's dict (W_aa, W_ax, b_a, W_ya, b_y). Notebook 03 asks for these three and checks
them against the functions here; :mod:`seqlab.lm` does the same jobs for any cell and batch.

Shapes
------
=============  ===============  ==============================================================
name           shape            meaning
=============  ===============  ==============================================================
params         dict             W_aa (n_a, n_a), W_ax (n_a, n_x), b_a (n_a, 1),
                                W_ya (n_y, n_a), b_y (n_y, 1); n_x = n_y = vocabulary size
X, Y           (m, T_x) int     inputs x<t> and targets y<t> = x<t+1> (X[:, 0] = <EOS>)
a_prev         (n_a, m)         a<0> of this batch (the last state of the previous one)
indices        list of int      sampled ids, ending with <EOS> unless max_length was reached
=============  ===============  ==============================================================

Equations
---------
.. math::

    (1)\quad a^{\langle t\rangle} = \tanh(W_{ax} x^{\langle t\rangle}
        + W_{aa} a^{\langle t-1\rangle} + b_a), \qquad
        \hat y^{\langle t\rangle} = \mathrm{softmax}(W_{ya} a^{\langle t\rangle} + b_y)

    (2)\quad \mathcal L = \sum_{i} \sum_t -\log \hat y^{(i)\langle t\rangle}_{y^{(i)\langle
        t\rangle}} \quad \text{(the assignment's sum, not a mean)}

    (3)\quad dW := \min(\max(dW, -c), c), \qquad W := W - \alpha\, dW

Sampling protocol (:func:`sample`): rng = ``seqlab.arrays.host_rng(seed)`` made once; x<1> is the
one-hot of ``<EOS>`` (``eos_index``), a<0> = 0; at each step compute ŷ<t> by (1), draw
``idx = rng.choice(n_y, p=ŷ<t>.ravel())`` (the same draw as :func:`seqlab.lm.sampling.draw`),
append it, stop after appending ``<EOS>`` or ``max_length`` indices, else feed x<t+1> =
onehot(idx), a<t>.

Notes
-----
Differs from the assignment: x<1> is the one-hot of ``<EOS>`` instead of the zero vector (the
library's models are fed token ids; see :mod:`seqlab.vocab.language`), ``optimize`` takes a batch
(m, T_x) of equal-length sequences and returns the updated params instead of changing them in
place, and the sampler takes an int seed.
"""

from __future__ import annotations

from seqlab._validate import (
    CLIP_ADVICE,
    IdError,
        as_array,
    check_dict,
    check_finite,
    check_ids,
    check_int,
    check_keys,
    check_number,
    check_rng,
    check_shape,
)
from seqlab.backend import get_array_module
from seqlab.lm.sampling import draw
from seqlab.losses import temporal_cross_entropy
from seqlab.optim import clip_by_value
from seqlab.rnn.network import one_hot
from seqlab.rnn.rnn import output_backward, rnn_backward, rnn_cell_forward, rnn_forward

__all__ = ["COURSE_KEYS", "clip", "course_params", "optimize", "sample"]

COURSE_KEYS = ("W_aa", "W_ax", "b_a", "W_ya", "b_y")


def clip(gradients: dict, max_value: float) -> dict:
    """Clip every gradient entry to [-max_value, max_value] in place, as the course's
    ``clip(gradients, maxValue)`` (eq. 3, left); returns ``gradients``."""
    check_dict(gradients, "clip(gradients)")
    check_number(max_value, "clip(max_value)", 0, low_open=True)
    return clip_by_value(gradients, max_value)


def sample(params: dict, seed: int = 0, eos_index: int = 0, max_length: int = 50) -> list[int]:
    """Sample one sequence of ids from a one-layer RNN (eq. 1), by the module's protocol.

    Parameters
    ----------
    params : dict W_aa, W_ax, b_a, W_ya, b_y (the course's)
    seed : int, seeds the generator made once, before the loop
    eos_index : int, the id of ``<EOS>``: the start token and the end
    max_length : int, the most indices returned

    Returns
    -------
    indices : list of int, ending with ``eos_index`` unless ``max_length`` was reached
    """
    _check_course_params(params, "sample")
    rng = check_rng(seed, "sample(seed)")
    xp = get_array_module(params["W_ax"])
    n_a, n_x = params["W_ax"].shape
    if not 0 <= check_int(eos_index, "sample(eos_index)") < n_x:
        raise IdError(f"sample(eos_index): expected an id in [0, {n_x}), got {eos_index}")
    max_length = check_int(max_length, "sample(max_length)", 1)
    x = xp.zeros((n_x, 1), dtype=params["W_ax"].dtype)
    x[eos_index] = 1                                    # x<1> = onehot(<EOS>)     (n_x, 1)
    a_prev = xp.zeros((n_a, 1), dtype=params["W_ax"].dtype)  # a<0> = 0            (n_a, 1)
    indices: list[int] = []
    while len(indices) < max_length:
        a, y_hat, _ = rnn_cell_forward(x, a_prev, params)   # (1) a<t>, ŷ<t>       (n_y, 1)
        idx = draw(y_hat, rng)[0]                       # = rng.choice(n_y, p=ŷ<t>.ravel())
        indices.append(idx)
        if idx == eos_index:
            break
        x = xp.zeros_like(x)
        x[idx] = 1                                      # x<t+1> = onehot(y<t>)
        a_prev = a                                      # a<t> feeds step t+1
    return indices


def optimize(X, Y, a_prev, params: dict, learning_rate: float = 0.01, max_value: float = 5.0):
    """One step of the assignment's training: forward, loss, backward, clip, update (eqs. 1-3).

    Parameters
    ----------
    X, Y : int arrays (m, T_x), inputs and targets
    a_prev : array (n_a, m), a<0>
    params : dict W_aa, W_ax, b_a, W_ya, b_y (not modified)
    learning_rate : float, α
    max_value : float, c of the clipping

    Returns
    -------
    loss : 0-d array, the sum (2) before the update
    gradients : dict with the keys of params, clipped
    a_last : array (n_a, m), a<T_x> (the next batch's a_prev)
    params : dict, the updated params W - α dW (new arrays)
    """
    n_a, n_x = _check_course_params(params, "optimize")
    X = check_ids(as_array(X, "optimize(X)", "int", ndim=2, symbols="(m, T_x)"), n_x,
                  "optimize(X)")
    Y = check_ids(as_array(Y, "optimize(Y)", "int"), n_x, "optimize(Y)")
    check_shape(Y, X.shape, "(m, T_x) as X", "optimize(Y)")
    check_shape(a_prev, (n_a, X.shape[0]), "(n_a, m)", "optimize(a_prev)")
    check_number(learning_rate, "optimize(learning_rate)", 0)   # 0: the loss, no update
    check_number(max_value, "optimize(max_value)", 0, low_open=True)
    for k in COURSE_KEYS:
        check_finite(params[k], f"optimize(params[{k!r}])", "values",
                     f"the training diverged: {CLIP_ADVICE}")
    x = one_hot(X, n_x, params["W_ax"].dtype)                   # x<t> one-hot  (n_x, m, T_x)
    a, _, cache = rnn_forward(x, a_prev, params)                # (1)           (n_a, m, T_x)
    loss, dlogits = temporal_cross_entropy(cache.logits, Y, reduction="sum")   # (2)
    da, out_grads = output_backward(dlogits, a, params)         # dW_ya, db_y, ∂J/∂a<t>
    _, _, gradients = rnn_backward(da, cache)                   # BPTT: dW_aa, dW_ax, db_a
    gradients.update(out_grads)
    gradients = clip(gradients, max_value)                      # (3) clip
    updated = {k: params[k] - learning_rate * gradients[k] for k in params}  # (3) update
    return loss, gradients, a[:, :, -1], updated


def course_params(model) -> dict:
    """The course's dict W_aa, W_ax, b_a, W_ya, b_y of a one-layer ``kind="rnn"``
    :class:`~seqlab.lm.model.LanguageModel` (or :class:`~seqlab.rnn.RecurrentNetwork`)."""
    net = getattr(model, "net", model)
    if not hasattr(net, "kind"):
        raise TypeError(f"course_params(model): expected a LanguageModel or RecurrentNetwork, "
                        f"got {type(model).__name__}")
    if net.kind != "rnn" or net.n_layers != 1 or net.activation != "tanh":
        raise ValueError(f"course_params(model): expected a one-layer tanh RNN (what the "
                         f"course's params describe), got kind={net.kind!r}, "
                         f"n_layers={net.n_layers}, activation={net.activation!r}")
    p = net.params
    return {"W_aa": p["l1/W_aa"], "W_ax": p["l1/W_ax"], "b_a": p["l1/b_a"],
            "W_ya": p["W_ya"], "b_y": p["b_y"]}


def _check_course_params(params, fname: str) -> tuple[int, int]:
    """The course's five keys with consistent shapes; return (n_a, n_x)."""
    check_keys(params, COURSE_KEYS, f"{fname}(params)")
    W_ax = params["W_ax"]
    if getattr(W_ax, "ndim", None) != 2:
        raise ValueError(f"{fname}(params['W_ax']): expected a 2-D array (n_a, n_x), got "
                         f"{getattr(W_ax, 'shape', type(W_ax).__name__)}")
    n_a, n_x = W_ax.shape
    for k, shape in (("W_aa", (n_a, n_a)), ("b_a", (n_a, 1)), ("W_ya", (n_x, n_a)),
                     ("b_y", (n_x, 1))):
        check_shape(params[k], shape, str(shape), f"{fname}(params[{k!r}])")
    return n_a, n_x
