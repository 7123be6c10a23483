"""GRU and RNN training steps, and inference of all three cells, seqlab vs PyTorch on CPU.

The Week-1 sizes of ``bench_lstm.py``, the same protocol (float32, the same inputs on both
sides, gradients set to None between calls):

- training: forward over T_x steps from zeros, then the backward pass of J = Σ da * a for a
  fixed random da, giving every weight gradient and dx. seqlab's GRU is the ``"cudnn"``
  variant, the one ``torch.nn.GRU`` computes (reset gate after the recurrent product); seqlab's
  RNN is ``rnn_forward``/``rnn_backward`` with tanh against ``torch.nn.RNN``.
- inference: the forward pass alone (torch under ``torch.no_grad()``), for LSTM, GRU and RNN.

What to expect: the LSTM has the fused kernels of ``seqlab/rnn/_lstm_seq.py``; the GRU and RNN
keep the lecture's loop over ``*_cell_forward``/``*_cell_backward`` (notebook 02 steps through
``cache.steps``), so per-step NumPy call overhead shows at the small sizes.
"""

from __future__ import annotations

import numpy as np
import torch
from harness import Case

from seqlab.rnn import (
    gru_backward,
    gru_forward,
    init_gru_params,
    init_lstm_params,
    init_rnn_params,
    lstm_forward,
    rnn_backward,
    rnn_forward,
)

SIZES = ((32, 50, 64, 128), (64, 100, 128, 256), (16, 200, 256, 512))  # (m, T_x, n_x, n_a)
REPEATS = 7


def _inputs(m, T_x, n_x, n_a):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n_x, m, T_x)).astype(np.float32)
    da = rng.standard_normal((n_a, m, T_x)).astype(np.float32)
    t_x = torch.tensor(x.transpose(2, 1, 0).copy(), requires_grad=True)  # (T_x, m, n_x)
    t_da = torch.tensor(da.transpose(2, 1, 0).copy())                    # (T_x, m, n_a)
    return rng, x, np.zeros((n_a, m), np.float32), da, t_x, t_da


def _torch_train(module, t_x, t_da):
    def ref():
        module.zero_grad(set_to_none=True)
        t_x.grad = None
        out, _ = module(t_x)
        (out * t_da).sum().backward()
    return ref


def _torch_infer(module, t_x):
    def ref():
        with torch.no_grad():
            module(t_x)
    return ref


def cases() -> list[Case]:
    out = []
    for m, T_x, n_x, n_a in SIZES:
        size = f"m={m}, T_x={T_x}, n_x={n_x}, n_a={n_a}"
        rng, x, a0, da, t_x, t_da = _inputs(m, T_x, n_x, n_a)
        gru = init_gru_params(n_x, n_a, None, rng, variant="cudnn", dtype=np.float32)
        rnn = init_rnn_params(n_x, n_a, None, rng, dtype=np.float32)
        lstm = init_lstm_params(n_x, n_a, None, rng, dtype=np.float32)
        t_gru, t_rnn = torch.nn.GRU(n_x, n_a), torch.nn.RNN(n_x, n_a)
        t_lstm = torch.nn.LSTM(n_x, n_a)

        def gru_train(x=x, a0=a0, p=gru, da=da):
            _, _, cache = gru_forward(x, a0, p, variant="cudnn")
            return gru_backward(da, cache)

        def rnn_train(x=x, a0=a0, p=rnn, da=da):
            _, _, cache = rnn_forward(x, a0, p)
            return rnn_backward(da, cache)

        tokens = dict(units=m * T_x, unit_name="tokens")
        out += [
            Case(f"GRU fwd+bwd f32, {size}", gru_train, _torch_train(t_gru, t_x, t_da),
                 "torch.nn.GRU CPU", **tokens),
            Case(f"RNN fwd+bwd f32, {size}", rnn_train, _torch_train(t_rnn, t_x, t_da),
                 "torch.nn.RNN CPU", **tokens),
            Case(f"LSTM inference f32, {size}", lambda x=x, a0=a0, p=lstm: lstm_forward(x, a0, p),
                 _torch_infer(t_lstm, t_x), "torch.nn.LSTM CPU", **tokens),
            Case(f"GRU inference f32, {size}",
                 lambda x=x, a0=a0, p=gru: gru_forward(x, a0, p, variant="cudnn"),
                 _torch_infer(t_gru, t_x), "torch.nn.GRU CPU", **tokens),
            Case(f"RNN inference f32, {size}", lambda x=x, a0=a0, p=rnn: rnn_forward(x, a0, p),
                 _torch_infer(t_rnn, t_x), "torch.nn.RNN CPU", **tokens),
        ]
    return out
