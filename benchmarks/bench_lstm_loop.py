"""The LSTM training step in its two forms: the fused sequence (``lstm_forward`` +
``lstm_backward``: the four gates stacked in one GEMM per step, the weight gradients as one GEMM
over all steps, float32 work in reused buffers) against the lecture's loop over the cell
(``lstm_forward_loop`` + ``lstm_backward_loop``: ``lstm_cell_forward``/``lstm_cell_backward`` at
each step, the weight gradients added step by step). Same inputs, float32, from a<0> = 0; the
backward of J = Σ da * a for a fixed random da. Both give the same numbers
(``tests/test_lstm_loop.py`` holds them equal to 1e-13 in float64): this measures what the
fusion buys.

Units are tokens (m·T_x per step). The reference column is seqlab's own loop form, not another
library.
"""

from __future__ import annotations

import numpy as np
from harness import Case

from seqlab.arrays import zeros
from seqlab.rnn import (
    init_lstm_params,
    lstm_backward,
    lstm_backward_loop,
    lstm_forward,
    lstm_forward_loop,
)

SIZES = ((32, 50, 64, 128), (64, 100, 128, 256))   # (m, T_x, n_x, n_a), as bench_lstm
REPEATS = 7


def cases() -> list[Case]:
    out = []
    for m, T_x, n_x, n_a in SIZES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((n_x, m, T_x)).astype(np.float32)
        da = rng.standard_normal((n_a, m, T_x)).astype(np.float32)
        params = init_lstm_params(n_x, n_a, None, rng, dtype=np.float32)
        a0 = zeros((n_a, m), np.float32)

        def fused(x=x, da=da, params=params, a0=a0):
            lstm_backward(da, lstm_forward(x, a0, params)[3])

        def loop(x=x, da=da, params=params, a0=a0):
            lstm_backward_loop(da, lstm_forward_loop(x, a0, params)[3])

        out.append(Case(f"LSTM fwd+bwd f32 fused vs the cell loop, m={m}, T_x={T_x}, n_x={n_x}, "
                        f"n_a={n_a}", fused, loop, "seqlab lstm_forward_loop (the lecture's loop)",
                        units=m * T_x, unit_name="tokens"))
    return out
