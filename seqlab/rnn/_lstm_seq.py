r"""The LSTM over a whole sequence, fast: the kernels under :func:`seqlab.rnn.lstm_forward`.

:mod:`seqlab.rnn.lstm` holds the lecture's page (equations (1)-(12), the cell pair, the public
sequence functions); this private module computes the same equations over T_x steps the way a
BLAS wants them. The tests check it against the loop over ``lstm_cell_forward/backward`` and
against ``torch.nn.LSTM``.

Layout (internal; the public shapes stay the lecture's (n, m, T_x))
---------------------------------------------------------------------
=========  ==========================  ====================================================
buffer     shape                       holds
=========  ==========================  ====================================================
H          (n_a + n_x + 1, T_x + 1, m)  H[:, t] = [a<t>; x<t+1>; 1], what step t+1 reads
C          (n_a, T_x + 1, m)            C[:, t] = c<t> (C[:, 0] = c<0>)
G          (T_x, 4 n_a, m)              G[t] = [Γf; Γu; Γo; c̃] of step t+1 (STACK order)
tanh_C     (T_x, n_a, m)                tanh_C[t] = tanh c<t+1>
dZ         (4 n_a, T_x, m)              dZ[:, t] = [dz_f; dz_u; dz_o; dz_c] of step t+1
=========  ==========================  ====================================================

Why this layout: H, C and dZ keep the lecture's feature axis first, so going to and from
(n, m, T_x) swaps only the two small trailing axes (a cheap copy), and (n, T_x, m) flattens to
(n, T_x·m) for the GEMMs over all steps. G and tanh_C, read only inside the loops, are
time-major: each step's gates are one contiguous (4n_a, m) block.

Speed (float32 and float64 alike: every buffer has the inputs' dtype, so nothing is upcast):

- forward, one GEMM per step for all four gates, inputs and biases:
  z = [W_a | W_x | b] [a<t-1>; x<t>; 1], (4n_a, n_a + n_x + 1)(n_a + n_x + 1, m), written
  straight into G[t]; the column of ones in H carries the bias, so db comes out of dW too;
- backward, one GEMM per step for the recurrence only, W_aᵀ dz (n_a, 4n_a)(4n_a, m); after the
  reversed loop dW = Σ_t dz [a<t-1>; x<t>; 1]ᵀ for all gates and steps is one GEMM,
  (4n_a, T_x·m)(T_x·m, n_a + n_x + 1), and dx = W_xᵀ dz one more;
- element-wise work in place in preallocated buffers (``out=``); the σ gates use
  σ(z) = (1 + tanh(z/2))/2 with the σ rows of W halved once (exact: a power of two), so one
  tanh call covers all four gates.
"""

from __future__ import annotations

from seqlab.backend import get_array_module

STACK = ("f", "u", "o", "c")  # row blocks of the stacked gates: the three σ gates, then c̃


def stacked(xp, params: dict, peephole: bool, dtype):
    """W (4n_a, n_a + n_x + 1) = [W_a | W_x | b] in STACK order; P (3, n_a, 1) or None."""
    W = xp.concatenate([xp.concatenate([params[f"W_{g}"], params[f"b_{g}"]], axis=1)
                        for g in STACK]).astype(dtype, copy=False)  # (4n_a, n_a + n_x + 1)
    P = xp.stack([params[f"p_{g}"] for g in STACK[:3]]).astype(dtype) if peephole else None
    return W, P


def seq_forward(x, a0, c0, params: dict, peephole: bool, dtype):
    """Eqs. (1)-(6) for t = 1..T_x; returns the buffers H, C, G, tanh_C (module docstring).

    x (n_x, m, T_x), a0 (n_a, m), c0 (n_a, m) or None for zeros.
    """
    xp = get_array_module(x, a0, c0, params["W_c"])
    n_x, m, T_x = x.shape
    n_a = a0.shape[0]
    s, K = 3 * n_a, n_a + n_x                                   # σ-gate rows; [a; x] rows
    W, P = stacked(xp, params, peephole, dtype)                 # a new array: ours to scale
    W[:s] *= 0.5                                                # σ(z) = (1 + tanh(z/2))/2:
    P = None if P is None else 0.5 * P                          # z/2 exactly (a power of two)

    H = xp.empty((K + 1, T_x + 1, m), dtype)                    # H[:, t] = [a<t>; x<t+1>; 1]
    H[:n_a, 0] = a0                                             # a<0>
    H[n_a:K, :T_x] = x.transpose(0, 2, 1)                       # x<t+1> (n_x, T_x, m)
    H[n_a:K, T_x] = 0                                           # no x<T_x + 1>
    H[K] = 1                                                    # the bias input
    C = xp.empty((n_a, T_x + 1, m), dtype)                      # C[:, t] = c<t>
    c_prev, c_t = xp.empty((n_a, m), dtype), xp.empty((n_a, m), dtype)
    c_prev[...] = 0 if c0 is None else c0                       # c<0> = 0 unless given
    C[:, 0] = c_prev
    G = xp.empty((T_x, 4 * n_a, m), dtype)
    tanh_C = xp.empty((T_x, n_a, m), dtype)
    tmp = xp.empty((n_a, m), dtype)
    for t in range(T_x):
        z = G[t]                                                # (4n_a, m), becomes the gates
        xp.matmul(W, H[:, t], out=z)                            # (1)-(4) W[a<t-1>; x<t>] + b
        if peephole:                                            # (2)-(4) + p_g*c<t-1>
            z[:s] += (P * c_prev).reshape(s, m)
        xp.tanh(z, out=z)                                       # (1) c̃; tanh(z/2) for the σ rows
        z[:s] *= 0.5
        z[:s] += 0.5                                            # (2)-(4) Γ = (1 + tanh(z/2))/2
        gamma_f, gamma_u, gamma_o, c_tilde = (z[i * n_a:(i + 1) * n_a] for i in range(4))
        xp.multiply(gamma_u, c_tilde, out=c_t)                  # (5) Γu*c̃
        xp.multiply(gamma_f, c_prev, out=tmp)
        c_t += tmp                                              # (5) c<t> = Γu*c̃ + Γf*c<t-1>
        C[:, t + 1] = c_t
        xp.tanh(c_t, out=tanh_C[t])                             # tanh c<t>
        xp.multiply(gamma_o, tanh_C[t], out=H[:n_a, t + 1])     # (6) a<t> = Γo*tanh c<t>
        c_prev, c_t = c_t, c_prev                               # c<t> is the next step's c<t-1>
    return H, C, G, tanh_C


def seq_backward(da, dc, H, C, G, tanh_C, params: dict, peephole: bool):
    """BPTT, eqs. (8)-(12), over the buffers of :func:`seq_forward`.

    da (n_a, m, T_x) and dc (n_a, m, T_x) or None: ∂J/∂a<t>, ∂J/∂c<t> from outside.
    Returns dx (n_x, m, T_x), da0 (n_a, m), dc0 (n_a, m), grads (dict: W_g, b_g [, p_g]).
    """
    xp = get_array_module(da, dc, H)
    K1, T_x, m = H.shape[0], H.shape[1] - 1, H.shape[2]
    n_a, dtype = C.shape[0], G.dtype
    s, K = 3 * n_a, K1 - 1                                      # σ-gate rows; [a; x] rows
    W, P = stacked(xp, params, peephole, dtype)
    W_aT = xp.ascontiguousarray(W[:, :n_a].T)                   # (n_a, 4n_a) on a<t-1>
    dA = xp.ascontiguousarray(da.transpose(0, 2, 1))            # (n_a, T_x, m)
    dC = None if dc is None else xp.ascontiguousarray(dc.transpose(0, 2, 1))
    dZ = xp.empty((4 * n_a, T_x, m), dtype)                     # dZ[:, t] = dz of step t+1
    dgate = xp.empty((4 * n_a, m), dtype)                       # dΓf, dΓu, dΓo, dc̃ of a step
    da_t, da_prev = xp.empty((n_a, m), dtype), xp.zeros((n_a, m), dtype)
    dc_t = xp.zeros((n_a, m), dtype)                            # nothing from step T_x + 1
    tmp = xp.empty((n_a, m), dtype)
    tmp3 = xp.empty((s, m), dtype)
    for t in reversed(range(T_x)):
        tanh_c, dz, gates = tanh_C[t], dZ[:, t], G[t]           # (n_a, m), (4n_a, m), (4n_a, m)
        gamma_f, gamma_u, gamma_o, c_tilde = (gates[i * n_a:(i + 1) * n_a] for i in range(4))
        dgamma_f, dgamma_u, dgamma_o, dc_tilde = (dgate[i * n_a:(i + 1) * n_a] for i in range(4))
        xp.add(dA[:, t], da_prev, out=da_t)                     # total ∂J/∂a<t>
        if dC is not None:
            dc_t += dC[:, t]                                    # + upstream ∂J/∂c<t>
        xp.multiply(tanh_c, tanh_c, out=tmp)
        xp.subtract(1, tmp, out=tmp)                            # tanh' = 1 - tanh² c<t>
        tmp *= gamma_o
        tmp *= da_t
        dc_t += tmp                                             # (8) dc = dc + da*Γo*(1-tanh²c)
        xp.multiply(da_t, tanh_c, out=dgamma_o)                 # (8) dΓo = da*tanh c<t>
        xp.multiply(dc_t, C[:, t], out=dgamma_f)                # (9) dΓf = dc*c<t-1>
        xp.multiply(dc_t, c_tilde, out=dgamma_u)                # (9) dΓu = dc*c̃
        xp.multiply(dc_t, gamma_u, out=dc_tilde)                # (9) dc̃ = dc*Γu
        xp.subtract(1, gates[:s], out=tmp3)
        tmp3 *= gates[:s]                                       # σ' = Γ(1 - Γ)
        xp.multiply(dgate[:s], tmp3, out=dz[:s])                # (10) dz_g = dΓg*Γg(1-Γg)
        xp.multiply(c_tilde, c_tilde, out=tmp)
        xp.subtract(1, tmp, out=tmp)
        xp.multiply(dc_tilde, tmp, out=dz[s:])                  # (10) dz_c = dc̃*(1 - c̃²)
        dc_t *= gamma_f                                         # (9) ∂c<t>/∂c<t-1> = Γf
        if peephole:                                            # (9) + Σ_g p_g*dz_g
            dc_t += (P * dz[:s].reshape(3, n_a, m)).sum(axis=0)
        xp.matmul(W_aT, dz, out=da_prev)                        # (12) Σ_g W_gᵀ dz_g, a rows
    dZ_flat = dZ.reshape(4 * n_a, T_x * m)                      # (4n_a, T_x·m), a view
    dW = dZ_flat @ H[:, :T_x].reshape(K1, T_x * m).T            # (11) Σ_t dz [a<t-1>; x<t>; 1]ᵀ
    dX = W[:, n_a:K].T @ dZ_flat                                # (12) the x<t> rows (n_x, T_x·m)
    dx = xp.ascontiguousarray(dX.reshape(K - n_a, T_x, m).transpose(0, 2, 1))  # (n_x, m, T_x)
    grads = {}
    for i, g in enumerate(STACK):
        rows = slice(i * n_a, (i + 1) * n_a)
        grads[f"W_{g}"] = xp.ascontiguousarray(dW[rows, :K])    # (n_a, n_a + n_x)
        grads[f"b_{g}"] = xp.ascontiguousarray(dW[rows, K:])    # (11) Σ_t Σ_columns dz (n_a, 1)
    if peephole:                                                # (11) dp_g = Σ dz_g*c<t-1>
        dP = (dZ[:s].reshape(3, n_a, T_x, m) * C[:, :T_x]).sum(axis=(2, 3))
        grads.update({f"p_{g}": dP[i, :, None] for i, g in enumerate(STACK[:3])})
    return dx, da_prev, dc_t, grads
