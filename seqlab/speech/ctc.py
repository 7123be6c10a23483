r"""Connectionist temporal classification (CTC): the loss, by forward-backward in log space.

*Sequence Models*, week 3, "Speech recognition": the network emits one distribution
ŷ<t> over the characters and a *blank* "_" per input frame (T_x of them, many more than the
T_y characters of the transcript). An alignment π is one symbol per frame; the lecture's rule
"collapse repeated characters not separated by blank" maps it to a labelling B(π)
("ttt_h_eee___ ___qqq" → "the q"). The loss of a transcript y sums over *every* alignment
that collapses to it, so no one has to say which frame says which character.

The sum is computed on the **extended label sequence** l' = (_, y1, _, y2, ..., _, yS, _) of
length L = 2S + 1: α_t(s) is the (log) probability of all alignment prefixes π<1..t> that
end in l'_s and have produced l'_1..s; β_t(s) the same for the suffixes from t on.

Shapes
------
==================  ====================  ==================================================
name                shape                 meaning
==================  ====================  ==================================================
logits              (n_y, m, T_x)         z<t> before the softmax (RNN column layout)
targets             (m, S) int, or list   padded transcripts (no blank), or m sequences
input_lengths       (m,) int              real frames T_b ≤ T_x of each example
target_lengths      (m,) int              real labels S_b ≤ S of each example
ext                 (m, L) int            extended labels l', L = 2S + 1 (blank-padded)
log_alpha/log_beta  (m, L, T_x)           log α_t(s), log β_t(s); -inf where impossible
losses              (m,)                  -log p(y | x) per example
dlogits             (n_y, m, T_x)         ∂ Σ losses / ∂ logits, zero past T_b
==================  ====================  ==================================================

Equations
---------
.. math::

    (1)\quad p(y \mid x) = \sum_{\pi \in \mathcal B^{-1}(y)} \prod_{t=1}^{T_x}
        \hat y^{\langle t\rangle}_{\pi_t}, \qquad \mathcal L = -\log p(y \mid x)

    (2)\quad \log\alpha_1(1) = \log\hat y^{\langle 1\rangle}_{\_}, \quad
        \log\alpha_1(2) = \log\hat y^{\langle 1\rangle}_{y_1}, \quad
        \log\alpha_1(s) = -\infty \ (s > 2)

    (3)\quad \log\alpha_t(s) = \log\hat y^{\langle t\rangle}_{l'_s} + \mathrm{logsumexp}\big(
        \log\alpha_{t-1}(s),\ \log\alpha_{t-1}(s-1),\ [\text{skip}_s]\,\log\alpha_{t-1}(s-2)
        \big)

    (4)\quad \text{skip}_s \iff l'_s \ne \_ \ \text{and}\ l'_s \ne l'_{s-2}
        \quad \text{(a blank is needed between equal labels: "aa" is "a_a")}

    (5)\quad \log\beta_{T}(L) = \log\hat y^{\langle T\rangle}_{\_}, \quad
        \log\beta_{T}(L-1) = \log\hat y^{\langle T\rangle}_{y_S}, \quad
        \log\beta_t(s) = \log\hat y^{\langle t\rangle}_{l'_s} + \mathrm{logsumexp}\big(
        \log\beta_{t+1}(s),\ \log\beta_{t+1}(s+1),\ [\text{skip}_{s+2}]\,\log\beta_{t+1}(s+2)
        \big)

    (6)\quad \log p(y \mid x) = \mathrm{logsumexp}\big(\log\alpha_T(L),
        \log\alpha_T(L-1)\big)

    (7)\quad \gamma_t(s) = \exp\big(\log\alpha_t(s) + \log\beta_t(s)
        - \log\hat y^{\langle t\rangle}_{l'_s} - \log p(y \mid x)\big)
        \quad \text{(the posterior of being at } l'_s \text{ at frame } t)

    (8)\quad \frac{\partial \mathcal L}{\partial z^{\langle t\rangle}_k} = \hat y^{\langle t
        \rangle}_k - \sum_{s:\ l'_s = k} \gamma_t(s)

Notes
-----
Differs from the lecture: the lecture names the rule only; (2)-(8) are Graves et al.'s
forward-backward, in log space so that 100+ frames of products do not underflow. Indices are
1-based above, 0-based in the code. The recursions are vectorized over the batch and the
extended labels: only time is a Python loop. Inside the loop impossible states hold a large
negative *finite* number (``_NEG`` = -1e30) instead of -inf, so that the max-shifted logsumexp
never computes -inf - (-inf); the returned lattices show -inf there.

:func:`ctc_loss` runs the same sums in *probability* space, rescaled every 4 frames (Rabiner's
scaling), α and β as one loop over a batch of 2m (β is α of the reversed problem): about 5
array operations per frame instead of 34, which is what decides the speed at course sizes
(0.94-0.99x torch's in ``benchmarks/bench_ctc.py``). See :mod:`seqlab.speech._ctc_scaled`.
An example whose products underflow there (a model that is confidently wrong by hundreds of
nats) is recomputed by the log-space code in this module, which :func:`ctc_lattice` (the
pictures) always uses.

An **impossible** transcript (more labels, plus the blanks its repeats need, than frames) has
p(y | x) = 0: its loss is +inf and its gradient NaN, as ``torch.nn.functional.ctc_loss``;
``zero_infinity=True`` makes both 0 (as torch's option), so one bad example does not spoil a
batch.

References
----------
Graves, Fernández, Gomez, Schmidhuber, "Connectionist temporal classification", ICML 2006.
Hannun, "Sequence modeling with CTC", Distill 2017.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import (
    CLIP_ADVICE,
    IdError,
    as_array,
    check_bool,
    check_finite,
    check_int,
    check_shape,
)
from seqlab.backend import get_array_module, host, to_numpy
from seqlab.functional import log_softmax
from seqlab.scratch import scratch
from seqlab.speech._ctc_inputs import (
    check_fits,
    check_input_lengths,
    extend_labels,
    prepare_targets,
)
from seqlab.speech._ctc_scaled import scaled_posteriors

__all__ = ["CTCLattice", "ctc_alpha_step", "ctc_lattice", "ctc_loss", "extend_labels",
           "prepare_targets"]

hp = host                 # NumPy: host-side work (lengths, labels, search, data)

_NEG = -1e30  # "log 0" inside the recursions (finite: see Notes)


class CTCLattice(NamedTuple):
    """Everything the forward-backward computed (a picture needs all of it)."""

    log_probs: Any        # (n_y, m, T_x) log ŷ<t> (log-softmax of the logits)
    ext: Any              # (m, L) int, extended labels l' (blank past 2·S_b + 1)
    log_alpha: Any        # (m, L, T_x) log α_t(s), -inf where impossible (eqs. 2-3)
    log_beta: Any         # (m, L, T_x) log β_t(s), -inf where impossible (eq. 5)
    log_likelihood: Any   # (m,) log p(y | x), -inf for an impossible transcript (eq. 6)
    gamma: Any            # (m, L, T_x) posterior of each lattice node (eq. 7)
    posteriors: Any       # (n_y, m, T_x) Σ_{s: l'_s = k} γ_t(s): per-frame label posteriors
    input_lengths: Any    # (m,) int
    target_lengths: Any   # (m,) int


def ctc_alpha_step(log_alpha_prev, log_y_t, ext, blank: int = 0):
    """One frame of the forward recursion (eq. 3) for ONE utterance, as the lecture draws it.

    :func:`ctc_loss` runs the same step for the whole batch at once (with a finite "log 0").

    Parameters
    ----------
    log_alpha_prev : (L,) log α_{t-1}(s) (-inf where impossible)
    log_y_t : (n_y,) log ŷ<t>, ext : (L,) int extended labels l', blank : int

    Returns
    -------
    log_alpha_t : (L,)
    """
    f = "ctc_alpha_step"
    a = as_array(log_alpha_prev, f"{f}(log_alpha_prev)", ndim=1, symbols="(L,)")
    xp = get_array_module(a)
    a = a.astype(float)
    log_y_t = as_array(log_y_t, f"{f}(log_y_t)", ndim=1, symbols="(n_y,)")
    ext = as_array(ext, f"{f}(ext)", "int", ndim=1, symbols="(L,) of extended labels")
    check_shape(a, ext.shape, "(L,), one per extended label", f"{f}(log_alpha_prev)")
    host = to_numpy(ext)
    if host.size and (host.min() < 0 or host.max() >= log_y_t.shape[0]):
        raise IdError(f"{f}(ext): expected labels in [0, {log_y_t.shape[0]}), got "
                      f"{sorted(set(host.tolist()))[:10]}")
    blank = check_int(blank, f"{f}(blank)", 0, log_y_t.shape[0] - 1)
    L = a.shape[0]
    ninf = xp.full(2, -xp.inf)
    from_s1 = xp.concatenate([ninf[:1], a[:-1]])[:L]                  # α_{t-1}(s-1)
    from_s2 = xp.concatenate([ninf, a[:-2]])[:L]                      # α_{t-1}(s-2)
    before = xp.concatenate([xp.full(2, blank), ext[:-2]])[:L]        # l'_{s-2}
    skip = (ext != blank) & (ext != before) & (xp.arange(L) >= 2)     # (4)
    total = xp.logaddexp(xp.logaddexp(a, from_s1), xp.where(skip, from_s2, -xp.inf))
    return total + xp.asarray(log_y_t)[ext]                           # (3) × ŷ<t>_{l'_s}


def _exp_(x, xp):
    """e^x in place for x ≤ 0. float64 exp is ~40x slower where it underflows (x < -745),
    so x is first raised to -700 there: e^-700 ≈ 1e-304, nothing next to the 1 of the max."""
    if x.dtype.itemsize == 8:
        xp.maximum(x, -700.0, out=x)
    return xp.exp(x, out=x)


def _lse3(a, b, c, xp):
    """logsumexp of three finite arrays, element-wise (max-shifted)."""
    mx = xp.maximum(a, b)
    xp.maximum(mx, c, out=mx)
    total = _exp_(a - mx, xp)                # e^(a - max)
    total += _exp_(b - mx, xp)               # + e^(b - max)
    total += _exp_(c - mx, xp)               # + e^(c - max)
    xp.log(total, out=total)
    total += mx
    return total


def _prepare(logits, targets, input_lengths, target_lengths, blank, name, zero_infinity=False):
    """Check the arguments; return (logits as floats, xp, blank, padded targets, target and
    input lengths). An impossible transcript is refused unless ``zero_infinity``."""
    logits = as_array(logits, f"{name}(logits)", ndim=3, symbols="(n_y, m, T_x)")
    xp = get_array_module(logits)
    n_y, m, T = logits.shape
    given = len(targets) if isinstance(targets, list | tuple) else getattr(targets, "shape",
                                                                           (m,))[0]
    if given != m and given == n_y:              # (m, T_x, n_y): the batch axis came first
        raise ValueError(f"{name}(logits): expected (n_y, m, T_x) with m = {given} examples "
                         f"(one per target), got shape {tuple(logits.shape)}: classes go first")
    blank = check_int(blank, f"{name}(blank) (in [0, n_y={n_y}))", 0, n_y - 1)
    tgt, t_lens = prepare_targets(targets, target_lengths, m, n_y, blank, name)
    x_lens = check_input_lengths(input_lengths, m, T, name)
    check_fits(tgt, t_lens, x_lens, name, zero_infinity)
    return logits, xp, blank, tgt, t_lens, x_lens


def _forward_backward(lp, tgt, t_lens, x_lens, blank):
    """Eqs. (2)-(6) in log space for lp = log ŷ as (T, m, n_y); host targets and lengths."""
    xp = get_array_module(lp)
    T, m, n_y = lp.shape
    ext_h = extend_labels(tgt, t_lens, blank)                        # (m, L) host
    L = ext_h.shape[1]
    valid_h = hp.arange(L)[None, :] < (2 * t_lens + 1)[:, None]      # (m, L) real nodes
    skip_h = hp.zeros((m, L), bool)                                  # (4) s-2 -> s allowed
    skip_h[:, 2:] = (ext_h[:, 2:] != blank) & (ext_h[:, 2:] != ext_h[:, :-2])
    ext, valid = xp.asarray(ext_h), xp.asarray(valid_h)
    skip_add = xp.asarray(hp.where(skip_h, 0.0, _NEG).astype(lp.dtype))  # (m, L)

    e = lp[:, xp.arange(m)[:, None], ext]                            # (T, m, L) log ŷ_{l'_s}
    e = xp.where(valid[None], xp.maximum(e, _NEG), _NEG)            # finite "log 0" off-lattice

    # forward (2)-(3): A holds log α with two "log 0" columns in front (s-1, s-2 at s = 0, 1)
    A = xp.full((T, m, L + 2), _NEG, dtype=lp.dtype)
    if T:
        A[0, :, 2:4] = e[0, :, :2]                                   # (2) start: _ or y1
    for t in range(1, T):
        prev = A[t - 1]
        xp.add(e[t], _lse3(prev[:, 2:], prev[:, 1:-1], prev[:, :-2] + skip_add, xp),
               out=A[t, :, 2:])
    # backward (5): B holds log β with two "log 0" columns behind (s+1, s+2 at s = L-2, L-1)
    B = xp.full((T + 1, m, L + 2), _NEG, dtype=lp.dtype)
    skip_next = xp.concatenate([skip_add[:, 2:], xp.full((m, 2), _NEG, lp.dtype)],
                               axis=1)[:, :L]                        # (m, L): s -> s+2 allowed
    last = 2 * t_lens                                                # (m,) index of final _
    end_h = hp.full((m, L), _NEG)
    end_h[hp.arange(m), last] = 0.0
    end_h[hp.arange(m)[t_lens > 0], last[t_lens > 0] - 1] = 0.0
    end = xp.asarray(end_h.astype(lp.dtype))                         # (m, L): 0 at the 2 ends
    starts = xp.asarray(x_lens - 1)[:, None]                         # (m, 1) last real frame
    start_times = set((x_lens - 1).tolist())
    for t in range(T - 1, -1, -1):
        nxt = B[t + 1]
        rec = _lse3(nxt[:, :L], nxt[:, 1:L + 1], nxt[:, 2:] + skip_next, xp)
        if t in start_times:                                         # (5) β_T at T_b - 1
            rec = xp.where(starts == t, end, rec)
        xp.add(e[t], rec, out=B[t, :, :L])
    log_alpha, log_beta = A[:, :, 2:], B[:T, :, :L]                  # (T, m, L)

    # (6) log p(y|x) at each example's last real frame
    rows = xp.arange(m)
    t_last = xp.asarray(hp.maximum(x_lens - 1, 0))
    a_end = log_alpha[t_last, rows] if T else xp.full((m, L), _NEG, lp.dtype)  # (m, L)
    end_pair = xp.where(xp.asarray(end_h == 0.0), a_end, _NEG)
    mx = end_pair.max(axis=1, keepdims=True)
    ll = (mx + xp.log(xp.exp(end_pair - mx).sum(axis=1, keepdims=True)))[:, 0]   # (m,)
    zero_frames = xp.asarray(x_lens == 0)
    empty_ll = xp.asarray(hp.where(t_lens == 0, 0.0, _NEG).astype(lp.dtype))
    ll = xp.where(zero_frames, empty_ll, ll)                         # no frames: p = [S_b = 0]
    impossible = ll < _NEG / 2
    ll = xp.where(impossible, -xp.inf, ll).astype(lp.dtype)
    return dict(xp=xp, lp=lp, e=e, ext=ext, log_alpha=log_alpha, log_beta=log_beta, ll=ll,
                impossible=impossible, x_lens=x_lens, t_lens=t_lens, n_y=n_y)


def _posteriors(r):
    """γ (7) as (T, m, L) and the per-class posteriors Σ_{l'_s = k} γ as (T, m, n_y)."""
    xp, ll = r["xp"], r["ll"]
    finite_ll = xp.where(r["impossible"], 0.0, ll).astype(r["e"].dtype)
    log_gamma = r["log_alpha"] + r["log_beta"]
    log_gamma -= r["e"]
    log_gamma -= finite_ll[None, :, None]
    off = (log_gamma < -700.0) | r["impossible"][None, :, None]
    gamma = xp.where(off, 0.0, _exp_(log_gamma, xp))                # (7)
    onehot = (r["ext"][:, :, None] == xp.arange(r["n_y"])[None, None, :]).astype(gamma.dtype)
    post = xp.matmul(gamma.transpose(1, 0, 2), onehot)              # (m, T, L)@(m, L, n_y)
    return gamma, post.transpose(1, 0, 2)                           # (T, m, n_y)


def ctc_loss(logits, targets, input_lengths=None, target_lengths=None, blank: int = 0,
             zero_infinity: bool = False):
    """CTC loss of each example and its gradient with respect to the logits (eqs. 1-8).

    Parameters
    ----------
    logits : (n_y, m, T_x) float, before the softmax (float64 for gradient checks)
    targets : (m, S) int, padded, or a list of m int sequences; labels in [0, n_y), ≠ blank
    input_lengths : (m,) int in [0, T_x], or None: all T_x
    target_lengths : (m,) int in [0, S], or None: all S (or the lengths of the list)
    blank : int, the index of the blank in [0, n_y)
    zero_infinity : bool, give impossible transcripts loss 0 and gradient 0

    Returns
    -------
    losses : (m,) -log p(y | x) (0 for an impossible transcript with zero_infinity)
    dlogits : (n_y, m, T_x) ∂ Σ losses / ∂ logits, zero at t ≥ T_b (and for an impossible
        transcript with zero_infinity)

    Raises
    ------
    ValueError / TypeError : bad shapes, lengths, a label equal to the blank or out of range,
    an impossible transcript without ``zero_infinity`` (torch would return +inf and NaN
    gradients), NaN or inf logits (a NonFiniteError).
    """
    zero_infinity = check_bool(zero_infinity, "ctc_loss(zero_infinity)")
    logits, xp, blank, tgt, t_lens, x_lens = _prepare(logits, targets, input_lengths,
                                                      target_lengths, blank, "ctc_loss",
                                                      zero_infinity)
    check_finite(logits, "ctc_loss(logits)", "logits", f"so the loss would not be finite "
                 f"({CLIP_ADVICE})", sep=", ")
    y, y_tm = _softmax_both_layouts(logits)                          # (n_y, m, T), padded
    m, T = y.shape[1:]
    ll, post, ok = scaled_posteriors(y_tm, extend_labels(tgt, t_lens, blank), t_lens, x_lens,
                                     blank)                          # the fast path
    bad = xp.zeros(m, bool)
    if not ok.all():                                                 # underflow: log space
        idx = hp.flatnonzero(~ok)
        lp = _time_major_log_softmax(logits[:, xp.asarray(idx)], xp.float64)
        r = _forward_backward(lp, tgt[idx], t_lens[idx], x_lens[idx], blank)
        ll[xp.asarray(idx)] = r["ll"]
        post[:, xp.asarray(idx)] = _posteriors(r)[1]
        bad[xp.asarray(idx)] = r["impossible"]
    grad = y                                                         # (8) in place:
    grad -= post.transpose(2, 1, 0)                                  # ŷ - Σ_{l'_s = k} γ
    frames = xp.asarray(hp.arange(T)[None, :] < x_lens[:, None])[None]  # (1, m, T)
    xp.copyto(grad, 0.0, where=~frames)                              # zero past T_b
    losses = -ll
    if bad.any():                                                    # impossible transcripts
        xp.copyto(grad, 0.0 if zero_infinity else xp.nan, where=frames & bad[None, :, None])
        if zero_infinity:
            losses = xp.where(bad, 0.0, losses)
    return losses.astype(logits.dtype), grad.astype(logits.dtype)


def _softmax_both_layouts(logits):
    """ŷ = softmax(z) as (n_y, m, T) and as (T, m, n_y + 1) with a last column of zeros
    (the gather's "off the lattice" class), float64 scratch buffers."""
    xp = get_array_module(logits)
    n_y, m, T = logits.shape
    y = scratch("ctc.y", (n_y, m, T), xp=xp)
    y[...] = logits
    y -= y.max(axis=0)
    xp.exp(y, out=y)
    y *= 1.0 / y.sum(axis=0)
    padded = scratch("ctc.y_tm", (T, m, n_y + 1), xp=xp)
    padded[:, :, :n_y] = y.transpose(2, 1, 0)
    padded[:, :, n_y] = 0.0
    return y, padded


def _time_major_log_softmax(logits, dtype):
    """log ŷ as (T, m, n_y) from (n_y, m, T) logits."""
    xp = get_array_module(logits)
    return log_softmax(xp.ascontiguousarray(logits.transpose(2, 1, 0), dtype=dtype), axis=-1)


def ctc_lattice(logits, targets, input_lengths=None, target_lengths=None,
                blank: int = 0) -> CTCLattice:
    """The forward-backward lattice for pictures: α, β, γ over (extended labels × time).

    Same arguments as :func:`ctc_loss`. Log values that are impossible (off the lattice,
    past the input length) are -inf. Returns a :class:`CTCLattice` (shapes in its fields).
    """
    logits, xp, blank, tgt, t_lens, x_lens = _prepare(logits, targets, input_lengths,
                                                      target_lengths, blank, "ctc_lattice")
    r = _forward_backward(_time_major_log_softmax(logits, logits.dtype), tgt, t_lens, x_lens,
                          blank)
    gamma, post = _posteriors(r)
    T = logits.shape[2]
    inside = xp.asarray(hp.arange(T)[:, None] < r["x_lens"][None, :])[:, :, None]

    def clean(v):  # (T, m, L) finite "log 0" -> (m, L, T) with -inf
        return xp.where(inside & (v > _NEG / 2), v, -xp.inf).transpose(1, 2, 0)

    return CTCLattice(r["lp"].transpose(2, 1, 0), r["ext"], clean(r["log_alpha"]),
                      clean(r["log_beta"]), r["ll"], (gamma * inside).transpose(1, 2, 0),
                      (post * inside).transpose(2, 1, 0), r["x_lens"], r["t_lens"])
