"""LSTM training step (forward + BPTT, float32), seqlab vs torch.nn.LSTM on CPU.

The same work on both sides, on the same inputs: the forward pass over T_x steps from a<0> = 0,
c<0> = 0, then the backward pass of J = Σ da * a for a fixed random da, giving the gradients of
every weight and bias and of the input x (``x.requires_grad`` on the torch side, because
``lstm_backward`` returns dx). seqlab: ``lstm_forward(x, a0, params)`` (no output layer) +
``lstm_backward(da, cache)``; torch: ``nn.LSTM(n_x, n_a)`` on (T_x, m, n_x) +
``(out * da).sum().backward()``, gradients set to None between calls (no accumulation).
Threads: ``benchmarks/run.py`` sets torch's; NumPy's BLAS uses OMP/OPENBLAS_NUM_THREADS.

Units are tokens (m·T_x per step). :func:`notes` adds the GEMM throughput of both sides, counting
the products only: 2·(4n_a)·(n_x + n_a)·m·T_x flops forward, twice that backward (dW and
[da<t-1>; dx<t>]), against NumPy's own float32 GEMM peak measured in the same run.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
from harness import Case

from seqlab.rnn import init_lstm_params, lstm_backward, lstm_forward

SIZES = ((32, 50, 64, 128), (64, 100, 128, 256), (16, 200, 256, 512))  # (m, T_x, n_x, n_a)
REPEATS = 11                   # interleaved samples per side (the machine is shared: noisy)
_FLOPS: dict[str, float] = {}  # case name -> GEMM flops of one training step


def _name(m: int, T_x: int, n_x: int, n_a: int) -> str:
    return f"LSTM fwd+bwd f32, m={m}, T_x={T_x}, n_x={n_x}, n_a={n_a}"


def cases() -> list[Case]:
    out = []
    for m, T_x, n_x, n_a in SIZES:
        rng = np.random.default_rng(0)
        params = init_lstm_params(n_x, n_a, None, rng, dtype=np.float32)
        x = rng.standard_normal((n_x, m, T_x)).astype(np.float32)
        a0 = np.zeros((n_a, m), np.float32)
        da = rng.standard_normal((n_a, m, T_x)).astype(np.float32)

        lstm = torch.nn.LSTM(n_x, n_a)                          # float32, rows (T_x, m, n_x)
        t_x = torch.tensor(x.transpose(2, 1, 0).copy(), requires_grad=True)
        t_da = torch.tensor(da.transpose(2, 1, 0).copy())       # (T_x, m, n_a)

        def ours(x=x, a0=a0, params=params, da=da):
            _, _, _, cache = lstm_forward(x, a0, params)
            return lstm_backward(da, cache)

        def ref(lstm=lstm, t_x=t_x, t_da=t_da):
            lstm.zero_grad(set_to_none=True)
            t_x.grad = None
            out, _ = lstm(t_x)
            (out * t_da).sum().backward()

        name = _name(m, T_x, n_x, n_a)
        _FLOPS[name] = 3 * 2 * (4 * n_a) * (n_x + n_a) * m * T_x
        out.append(Case(name, ours, ref, "torch.nn.LSTM CPU", units=m * T_x,
                        unit_name="tokens"))
    return out


def gemm_peak(n: int = 2048, repeats: int = 7) -> float:
    """NumPy's float32 GEMM throughput in GFLOP/s: the median of ``repeats`` n×n products."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    out = np.empty_like(a)
    np.matmul(a, b, out=out)                                    # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times) / 1e9


def notes(results) -> list[str]:
    """GEMM GFLOP/s of both sides for each measured case, and NumPy's GEMM peak."""
    peak = gemm_peak()
    lines = [f"LSTM: GEMM throughput (products only, median time); NumPy float32 GEMM peak "
             f"(2048×2048 matmul, same run): {peak:.0f} GFLOP/s", ""]
    for r in results:
        flops = _FLOPS[r.name]
        ours = flops / statistics.median(r.seqlab_s) / 1e9
        ref = flops / statistics.median(r.reference_s) / 1e9
        lines.append(f"- {r.name}: seqlab {ours:.0f} GFLOP/s ({100 * ours / peak:.0f}% of "
                     f"peak), torch {ref:.0f} GFLOP/s; {flops / 1e9:.2f} GFLOP per step")
    return lines
