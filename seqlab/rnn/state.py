"""What every sequence backward of the RNN family returns besides dx and grads.

``rnn_backward``, ``gru_backward``, ``lstm_backward``, ``brnn_backward`` and
``deep_rnn_backward`` all return ``(dx, d_initial_state, grads)``, with ``d_initial_state`` an
:class:`InitialStateGrad`; tuple unpacking keeps a call short::

    dx, (da0, dc0), grads = lstm_backward(da, cache)
    dx, _, grads = rnn_backward(da, cache)              # the initial state is not learned

:func:`complete_grads` gives a backward's gradient dict every key of ``params``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["InitialStateGrad", "complete_grads"]


class InitialStateGrad(NamedTuple):
    """∂J/∂(initial state) of a sequence backward: ∂J/∂a<0> and, for the LSTM, ∂J/∂c<0>.

    ======================  =========================  ==================================
    backward                da0                        dc0
    ======================  =========================  ==================================
    rnn_backward            (n_a, m) ∂J/∂a<0>          None (no memory cell)
    gru_backward            (n_a, m) ∂J/∂c<0>          None (the GRU's only state, below)
    lstm_backward           (n_a, m) ∂J/∂a<0>          (n_a, m) ∂J/∂c<0>
    brnn_backward           (2 n_a, m)                 (2 n_a, m) for "lstm", else None
    deep_rnn_backward       (L, n_dir·n_a, m)          (L, n_dir·n_a, m) for "lstm", else None
    ======================  =========================  ==================================

    The GRU has one state, which the course writes c<t> with a<t> = c<t>; its gradient
    ∂J/∂c<0> (= ∂J/∂a<0>) goes in ``da0``, the slot every kind fills, and ``dc0`` is None, as
    for the plain RNN. So ``d_initial_state.da0`` is the gradient of the ``a0`` (or ``c0``)
    argument of every forward, and ``dc0`` that of the LSTM's ``c0``.
    """

    da0: Any            # ∂J/∂a<0> (the GRU: ∂J/∂c<0>), shapes above
    dc0: Any            # ∂J/∂c<0> of the LSTM; None for the RNN and the GRU


def complete_grads(xp, grads: dict, params: dict) -> dict:
    """``grads`` in ``params``' key order, with zeros for the keys this pass does not reach.

    Parameters
    ----------
    xp : the array module of the gradients (numpy or cupy)
    grads : dict, key -> array of the parameter's shape, e.g. without W_ya and b_y
    params : dict, every parameter of the model

    Returns
    -------
    dict with exactly the keys of ``params``: ``grads[k]`` or ``xp.zeros_like(params[k])``
    """
    return {k: grads[k] if k in grads else xp.zeros_like(v) for k, v in params.items()}
