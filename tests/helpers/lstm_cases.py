"""The LSTM tests' shared sizes, tolerance and set-up (tests/test_lstm.py and
tests/test_lstm_loop.py)."""

from __future__ import annotations

import numpy as np

from seqlab.rnn import init_lstm_params

TOL = 1e-7
SIZES = [(3, 4, 2, 1, 1), (2, 3, 4, 2, 3), (4, 5, 3, 3, 4), (1, 2, 2, 1, 5)]
PEEPHOLE = [False, True]


def setup(n_x, n_a, n_y, m, T, peephole=False, seed=0, dtype=np.float64):
    """params with random non-zero biases, x, a0 and upstream gradients da, dc."""
    g = np.random.default_rng(seed)
    params = init_lstm_params(n_x, n_a, n_y, g, peephole=peephole, dtype=dtype)
    for k in params:
        if k.startswith("b_"):
            params[k] = (0.5 * g.standard_normal(params[k].shape)).astype(dtype)
    x = g.standard_normal((n_x, m, T)).astype(dtype)
    a0 = g.standard_normal((n_a, m)).astype(dtype)
    da, dc = (g.standard_normal((n_a, m, T)).astype(dtype) for _ in range(2))
    return params, x, a0, da, dc


def max_abs(ours, theirs) -> float:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape
    return float(np.max(np.abs(ours - theirs)))
