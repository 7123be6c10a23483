"""LSTM training step (forward + BPTT, float32), seqlab vs torch.nn.LSTM on CPU.

The same work on both sides, on the same inputs: the forward pass over T_x steps from a<0> = 0,
c<0> = 0, then the backward pass of J = Σ da * a for a fixed random da, giving the gradients of
every weight and bias and of the input x (``x.requires_grad`` on the torch side, because
``lstm_backward`` returns dx). seqlab: ``lstm_forward(x, a0, params)`` (no output layer) +
``lstm_backward(da, cache)``; torch: ``nn.LSTM(n_x, n_a)`` on (T_x, m, n_x) +
``(out * da).sum().backward()``, gradients set to None between calls (no accumulation).
Threads: ``benchmarks/run.py`` sets torch's; NumPy's BLAS uses OMP/OPENBLAS_NUM_THREADS.

torch's default CPU path for this is oneDNN's fused LSTM (one JIT-compiled kernel for the whole
layer, ``torch.backends.mkldnn``); each training case is measured a second time against torch
with oneDNN switched off, its op-by-op ATen LSTM (a GEMM and separate element-wise kernels per
step: the same decomposition as seqlab's).

Units are tokens (m·T_x per step). :func:`notes` adds the GEMM throughput of both sides, counting
the products only: 2·(4n_a)·(n_x + n_a)·m·T_x flops forward, twice that backward (dW and
[da<t-1>; dx<t>]), against NumPy's own float32 GEMM peak measured in the same run, and the time
of seqlab's products alone (the same GEMMs on the same shapes and layouts, no element-wise work):
the floor for seqlab's step with this BLAS.
"""

from __future__ import annotations

import statistics

import numpy as np
import torch
from harness import Case, median_time, synchronizer

from seqlab import backend
from seqlab.arrays import zeros
from seqlab.rnn import init_lstm_params, lstm_backward, lstm_forward

SIZES = ((32, 50, 64, 128), (64, 100, 128, 256), (16, 200, 256, 512))  # (m, T_x, n_x, n_a)
REPEATS = 11                   # interleaved samples per side (the machine is shared: noisy)
_SIZE: dict[str, tuple] = {}   # case name -> (m, T_x, n_x, n_a)


ONEDNN_OFF = ", vs torch without oneDNN"   # the second reference's case-name suffix


def _name(m: int, T_x: int, n_x: int, n_a: int) -> str:
    return f"LSTM fwd+bwd f32, m={m}, T_x={T_x}, n_x={n_x}, n_a={n_a}"


def _without_onednn(fn):
    """``fn`` run with torch's oneDNN off: torch's op-by-op ATen LSTM instead of the fused one."""
    def run():
        with torch.backends.mkldnn.flags(enabled=False):
            return fn()
    return run


def training_step(size, xp_name: str = "numpy", device: str = "cpu"):
    """(seqlab, torch) callables doing one training step each on the same inputs.

    ``size`` (m, T_x, n_x, n_a); seqlab's arrays on the backend ``xp_name``, torch's on
    ``device``; each call ends with its device's synchronize (nothing on the CPU), so a time is
    the work done, not the work queued.
    """
    m, T_x, n_x, n_a = size
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n_x, m, T_x)).astype(np.float32)
    da = rng.standard_normal((n_a, m, T_x)).astype(np.float32)
    with backend.using(xp_name):
        xp = backend.xp_default()
        params = init_lstm_params(n_x, n_a, None, rng, dtype=np.float32)
        x_d, da_d = backend.to_device(x, xp), backend.to_device(da, xp)
        a0 = zeros((n_a, m), np.float32)
    sync_ours, sync_ref = synchronizer(xp_name), synchronizer(device)
    lstm = torch.nn.LSTM(n_x, n_a).to(device)                   # float32, rows (T_x, m, n_x)
    t_x = torch.tensor(x.transpose(2, 1, 0).copy(), device=device, requires_grad=True)
    t_da = torch.tensor(da.transpose(2, 1, 0).copy(), device=device)  # (T_x, m, n_a)

    def ours():
        _, _, _, cache = lstm_forward(x_d, a0, params)
        lstm_backward(da_d, cache)
        sync_ours()

    def ref():
        lstm.zero_grad(set_to_none=True)
        t_x.grad = None
        out, _ = lstm(t_x)
        (out * t_da).sum().backward()
        sync_ref()

    return ours, ref


def cases() -> list[Case]:
    out = []
    for m, T_x, n_x, n_a in SIZES:
        ours, ref = training_step((m, T_x, n_x, n_a))
        name = _name(m, T_x, n_x, n_a)
        _SIZE[name] = (m, T_x, n_x, n_a)
        out.append(Case(name, ours, ref, "torch.nn.LSTM CPU", units=m * T_x,
                        unit_name="tokens"))
        out.append(Case(name + ONEDNN_OFF, ours, _without_onednn(ref),
                        "torch.nn.LSTM CPU (ATen ops)", units=m * T_x, unit_name="tokens"))
    return out


def gemms_only(m: int, T_x: int, n_x: int, n_a: int):
    """A callable doing exactly the products of seqlab's training step and nothing else.

    The shapes, layouts and ``out=`` buffers of ``seqlab.rnn._lstm_seq``: per step the fused
    four-gate product W [a<t-1>; x<t>; 1] (forward) and W_aᵀ dz (backward), then dW and dX over
    all steps.
    """
    rng = np.random.default_rng(0)
    K1 = n_a + n_x + 1
    W = rng.standard_normal((4 * n_a, K1)).astype(np.float32)
    W_aT = np.ascontiguousarray(W[:, :n_a].T)
    H = rng.standard_normal((K1, T_x + 1, m)).astype(np.float32)
    G = np.empty((T_x, 4 * n_a, m), np.float32)
    dZ = rng.standard_normal((4 * n_a, T_x, m)).astype(np.float32)
    da_prev = np.empty((n_a, m), np.float32)

    def run():
        for t in range(T_x):
            np.matmul(W, H[:, t], out=G[t])
        for t in reversed(range(T_x)):
            np.matmul(W_aT, dZ[:, t], out=da_prev)
        dZ_flat = dZ.reshape(4 * n_a, T_x * m)
        _ = dZ_flat @ H[:, :T_x].reshape(K1, T_x * m).T, W[:, n_a:K1 - 1].T @ dZ_flat
    return run


def gemm_peak(n: int = 2048, repeats: int = 7) -> float:
    """NumPy's float32 GEMM throughput in GFLOP/s: the median of ``repeats`` n×n products."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    out = np.empty_like(a)
    return 2 * n**3 / median_time(lambda: np.matmul(a, b, out=out), repeats) / 1e9


def notes(results) -> list[str]:
    """For each case against fused torch: both sides' GEMM GFLOP/s against NumPy's GEMM peak,
    and the time of seqlab's GEMMs alone next to both whole steps."""
    peak = gemm_peak()
    lines = [f"LSTM: GEMM throughput (products only, median time); NumPy float32 GEMM peak "
             f"(2048×2048 matmul, same run): {peak:.0f} GFLOP/s", ""]
    for r in results:
        if r.name.endswith(ONEDNN_OFF):
            continue
        m, T_x, n_x, n_a = _SIZE[r.name]
        flops = 3 * 2 * (4 * n_a) * (n_x + n_a) * m * T_x      # GEMM flops of one step
        step, ref_step = statistics.median(r.seqlab_s), statistics.median(r.reference_s)
        floor = median_time(gemms_only(m, T_x, n_x, n_a))
        lines.append(f"- {r.name}: seqlab {flops / step / 1e9:.0f} GFLOP/s "
                     f"({100 * flops / step / 1e9 / peak:.0f}% of peak), torch "
                     f"{flops / ref_step / 1e9:.0f} GFLOP/s; {flops / 1e9:.2f} GFLOP per step; "
                     f"seqlab's GEMMs alone {1e3 * floor:.1f} ms of its {1e3 * step:.1f} ms, "
                     f"torch's whole step {1e3 * ref_step:.1f} ms")
    return lines
