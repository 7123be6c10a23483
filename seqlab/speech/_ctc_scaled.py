r"""CTC forward-backward in probability space, rescaled every K frames: ``ctc_loss``'s fast path.

:mod:`seqlab.speech.ctc` explains the lattice and runs it in log space (eqs. 2-8 there); this
module computes the same loss and posteriors with about 5 array operations per frame instead
of about 34, because time is a Python loop and, at the sizes of the course (m·L ≈ 1,000
nodes), every operation's call overhead costs more than its arithmetic.

Equations (0-based; ŷ_t(s) is ŷ<t> at the node's label l'_s, 0 off the lattice)
-----------------------------------------------------------------------------------
.. math::

    (S1)\quad \tilde\alpha_t(s) = \hat\alpha_{t-1}(s) + \hat\alpha_{t-1}(s-1)
        + [\text{skip}_s]\,\hat\alpha_{t-1}(s-2), \qquad \tilde\alpha_0 = [s \le 1]

    (S2)\quad c_t = \sum_s \tilde\alpha_t(s)\,\hat y_t(s) \ \text{every K-th frame, else 1},
        \qquad \hat\alpha_t(s) = \tilde\alpha_t(s)\,\hat y_t(s) / c_t

    (S3)\quad \log p(y \mid x) = \sum_{t < T_b} \log c_t
        + \log\big(\hat\alpha_{T_b-1}(L_b-1) + \hat\alpha_{T_b-1}(L_b-2)\big)

    (S4)\quad \beta_t(s) = \alpha^{\text{rev}}_{T_b-1-t}(L-1-s)

    (S5)\quad \gamma_t(s) = \hat\alpha_t(s)\,\tilde\beta_t(s) / Z_t, \qquad
        Z_t = \sum_s \hat\alpha_t(s)\,\tilde\beta_t(s)

    (S6)\quad \log p(y \mid x) = \log Z_t + \sum_{t' \le t} \log c_{t'}
        + \sum_{\tau < T_b-1-t} \log c^{\text{rev}}_\tau \quad \text{at every } t < T_b

(S1)-(S2) are Rabiner's scaling of the forward recursion: α̂_t = α_t / (c_0 ⋯ c_t) sums to 1
at every K-th frame (K = 4), so nothing underflows over 100+ frames, and the logs of the c_t
add up to the log-likelihood (S3). (S4): β is α of the *reversed* problem (each example's
own frames backwards, the labels flipped), because the skip rule (4) is symmetric
(l'_{s+2} ≠ _ iff l'_s ≠ _, labels and blanks alternate); so α and β run as ONE loop over a
batch of 2m.
(S5): β̃ is the reversed recursion's value *before* frame t's emission (β_t / ŷ_t(s), scaled);
every scale factor is the same for all s at one (t, b), so it cancels when γ_t is normalized
to sum 1 (each path is at exactly one node per frame).

Safety: (S6) holds at every frame in exact arithmetic. A product that underflows float64 (a
model confidently wrong by hundreds of nats, an impossible transcript) breaks it at some real
frame, or makes it NaN; an example where it does not hold to ``RTOL`` (or with no frames) is
flagged, and :func:`seqlab.speech.ctc.ctc_loss` recomputes it in log space.

References
----------
Rabiner, "A tutorial on hidden Markov models", Proc. IEEE 1989 (scaling, section V.A).
Graves, "Supervised sequence labelling with RNNs", 2012, section 7.3 (CTC with rescaling).
"""

from __future__ import annotations

from seqlab.backend import get_array_module, host, to_numpy
from seqlab.scratch import scratch

__all__ = ["scaled_posteriors"]

hp = host                 # NumPy: host-side index work (lengths, labels)

K = 4              # normalize the scaled α every K frames (S2); c_t = 1 in between
RTOL = 1e-9        # the identity (S6) must hold to this (relative to max(1, |log p|))


def _host_indices(ext_h, t_lens, x_lens, T, n_y, blank):
    """Gather indices, skips and starts of the stacked forward + reversed problems.

    Rows hold L + 2 columns, two zero "pad" columns first (s-1, s-2 at s = 0, 1), so that the
    recursion (S1) runs on one contiguous vector with shifts of 1 and 2.
    """
    m, L = ext_h.shape
    L_b = 2 * t_lens + 1                                              # (m,) real nodes
    lab_f = hp.where(hp.arange(L)[None, :] < L_b[:, None], ext_h, n_y)  # n_y: ŷ = 0, off
    lab = hp.full((2 * m, L + 2), n_y)
    lab[:m, 2:], lab[m:, 2:] = lab_f, lab_f[:, ::-1]                  # reversed: labels flipped
    skip = hp.zeros((2 * m, L + 2))
    skip[:, 4:] = (lab[:, 4:] != blank) & (lab[:, 4:] != lab[:, 2:-2])  # (4), symmetric
    init = hp.zeros((2 * m, L + 2))                                   # α̃_0 (S1)
    init[:m, 2:4] = 1.0                                               # forward: _ or y1
    rows = hp.arange(m)
    init[m + rows, L + 2 - L_b] = 1.0                                 # reversed: final _ ...
    two = L_b >= 2
    init[m + rows[two], L + 3 - L_b[two]] = 1.0                       # ... or the last label
    t_rev = hp.clip(x_lens[None, :] - 1 - hp.arange(T)[:, None], 0, max(T - 1, 0))  # (T, m)
    t_all = hp.concatenate([hp.broadcast_to(hp.arange(T)[:, None], (T, m)), t_rev], axis=1)
    flat = scratch("ctc.flat", (T, 2 * m, L + 2), hp.intp)            # into y (T, m, n_y + 1)
    hp.add((t_all * m + hp.tile(rows, 2)[None, :])[:, :, None] * (n_y + 1), lab[None],
           out=flat)
    beta_rows = t_rev * (2 * m) + m + rows[None, :]                   # reversed row at T_b-1-t
    onehot = (lab_f[:, :, None] == hp.arange(n_y)[None, None, :])     # (m, L, n_y)
    return flat, skip, init, onehot, t_rev, beta_rows


def scaled_posteriors(y, ext_h, t_lens, x_lens, blank: int):
    """Log-likelihoods and per-frame label posteriors by the scaled recursions (S1)-(S6).

    Parameters
    ----------
    y : (T, m, n_y + 1) float64 ŷ (softmax) with a last column of zeros, NumPy or CuPy
    ext_h : (m, L) int host extended labels; t_lens, x_lens : (m,) int host lengths
    blank : int

    Returns
    -------
    ll : (m,) float64 log p(y | x), valid where ``ok``
    post : (T, m, n_y) float64 Σ_{l'_s = k} γ_t(s), valid where ``ok``, any value past T_b;
        a scratch buffer (see :func:`seqlab.scratch.scratch`): use it before the next call
    ok : (m,) bool host; False: recompute that example in log space (see Safety)
    """
    xp = get_array_module(y)
    T, m, n_y = y.shape[0], y.shape[1], y.shape[2] - 1
    L = ext_h.shape[1]
    if T == 0:
        return xp.zeros(m), xp.zeros((0, m, n_y)), hp.zeros(m, bool)
    flat_h, skip_h, init_h, onehot_h, t_rev_h, beta_rows_h = _host_indices(
        ext_h, t_lens, x_lens, T, n_y, blank)
    N = 2 * m * (L + 2)
    E = scratch("ctc.E", (T, N), xp=xp)                               # ŷ_t(s), 0 at pads
    xp.take(y.reshape(-1), xp.asarray(flat_h).reshape(T, N), out=E)
    skip, init = (xp.asarray(a).reshape(-1) for a in (skip_h, init_h))
    A = scratch("ctc.A", (T, N), xp=xp)   # α̂, scaled (S2)
    pre = scratch("ctc.pre", (T, N), xp=xp)  # α̃ (S1), before the emission
    pre[:, :2] = 0.0                      # never written below; must stay finite
    C = xp.ones((T, 2 * m))               # c_t (S2); 1 where not normalized
    tmp = xp.zeros(N)
    with hp.errstate(divide="ignore", invalid="ignore", under="ignore"):
        for t in range(T):
            cur, pre_t = A[t], pre[t]
            if t == 0:
                pre_t[...] = init
            else:
                v = A[t - 1]
                xp.add(v[2:], v[1:-1], out=pre_t[2:])                  # (S1) s and s-1
                xp.multiply(v[:-2], skip[2:], out=tmp[2:])             #      [skip_s] s-2
                pre_t += tmp
            xp.multiply(pre_t, E[t], out=cur)                          # (S2) × ŷ_t(s)
            if t % K == K - 1 or t == 0:
                rows = cur.reshape(2 * m, L + 2)
                c = rows.sum(axis=1)
                xp.maximum(c, 1e-300, out=c)                           # an all-0 row stays 0
                C[t] = c
                rows *= (1.0 / c)[:, None]

        # (S4)-(S5): β̃ in forward coordinates: the reversed rows at T_b-1-t, labels flipped back
        beta = scratch("ctc.beta", (T, m, L + 2), xp=xp)
        xp.take(pre.reshape(T * 2 * m, L + 2), xp.asarray(beta_rows_h), axis=0, out=beta)
        gamma = scratch("ctc.gamma", (T, m, L), xp=xp)
        xp.multiply(A.reshape(T, 2 * m, L + 2)[:, :m, 2:], beta[:, :, :1:-1], out=gamma)
        Z = gamma.sum(axis=2)                                          # (T, m)
        gamma /= Z[:, :, None]
        log_c = xp.log(C)
        F = xp.cumsum(log_c[:, :m], axis=0)                            # forward scales
        R = xp.concatenate([xp.zeros((1, m)), xp.cumsum(log_c[:, m:], axis=0)])  # reversed
        ll_t = xp.log(Z) + F + R[xp.asarray(t_rev_h), xp.arange(m)[None, :]]  # (S6) each t
        t_last = xp.asarray(hp.maximum(x_lens - 1, 0))
        ll = ll_t[t_last, xp.arange(m)]                                # (S3)
        frames = hp.arange(T)[:, None] < x_lens[None, :]               # (T, m) real frames
        dev = to_numpy(xp.abs(ll_t - ll[None, :]) / xp.maximum(1.0, xp.abs(ll))[None, :])
        ok = (x_lens > 0) & hp.all(~frames | (dev <= RTOL), axis=0)    # NaN fails too
    if not ok.all():
        gamma[:, xp.asarray(~ok)] = 0.0
    post = scratch("ctc.post", (m, T, n_y), xp=xp)                     # Σ_{l'_s = k} γ_t(s)
    xp.matmul(gamma.transpose(1, 0, 2), xp.asarray(onehot_h, dtype=xp.float64), out=post)
    return ll, post.transpose(1, 0, 2), ok
