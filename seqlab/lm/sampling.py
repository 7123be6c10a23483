r"""Sampling novel sequences from a language model: temperature, top-k, ``<UNK>`` resampling.

*Sequence Models*, week 1, "Sampling novel sequences": feed the start token, draw y<1> from
ŷ<1>, feed it back as x<2>, draw y<2> from ŷ<2>, ... until ``<EOS>`` is drawn or a maximum
length is reached. To avoid generating ``<UNK>``, reject it and draw again (the lecture's
remark; eq. 4). Two standard knobs reshape ŷ before the draw: a temperature τ (eq. 1) and top-k
(eq. 2).

Shapes
------
===========  ===========  =======================================================
name         shape        meaning
===========  ===========  =======================================================
logits       (n_y, m)     z<t> for m sequences sampled in parallel
p            (n_y, m)     the distribution each column is drawn from (eqs. 1-2)
u            (m,)         one uniform number per column per draw (host RNG)
ids          (m,) int     the drawn tokens (eq. 3)
===========  ===========  =======================================================

Equations
---------
.. math::

    (1)\quad p = \mathrm{softmax}(z / \tau), \quad \tau > 0; \qquad
        \tau \to 0: \ p = \mathrm{onehot}(\arg\max z) \ \text{(greedy)}

    (2)\quad p_i \propto p_i \cdot \mathbf 1[\mathrm{rank}(z_i) \le k]
        \quad \text{(top-}k\text{)}

    (3)\quad \mathrm{id} = \#\{j : F_j \le u\}, \quad F_j = \frac{\sum_{i \le j} p_i}
        {\sum_i p_i}, \quad u \sim U[0, 1)

    (4)\quad P(w \mid w \ne \langle UNK\rangle) = \frac{p_w}{1 - p_{UNK}}
        \quad \text{(resampling } \langle UNK\rangle\text{: its logit set to } -\infty)

The draw (3) is inverse-CDF sampling and is exactly what
``numpy.random.Generator.choice(n_y, p=p)`` computes: with the same seed and float64
probabilities, :func:`draw` and ``rng.choice`` give the same ids, one uniform per draw.
Top-k keeps exactly k tokens: among equal logits the lower id wins.
"""

from __future__ import annotations

import numpy as np

from seqlab._validate import (
    NonFiniteError,
    as_array,
    check_int,
    check_number,
    check_rng,
    check_str,
    got,
)
from seqlab.arrays import asarray
from seqlab.backend import get_array_module, to_numpy
from seqlab.functional import softmax

__all__ = ["adjust_logits", "draw", "next_token_probs", "sample"]


def adjust_logits(logits, temperature: float = 1.0, top_k: int | None = None):
    """The distribution to draw from: softmax(z / τ) restricted to the top k (eqs. 1-2).

    Parameters
    ----------
    logits : array (n_y, m) (or (n_y,))
    temperature : float ≥ 0; 0 gives the argmax (a one-hot column)
    top_k : None, or int ≥ 1: keep the k largest logits of each column

    Returns
    -------
    p : float64 array of ``logits.shape``, columns summing to 1
    """
    temperature, top_k = _check_options(temperature, top_k, "adjust_logits")
    z = as_array(logits, "adjust_logits(logits)", ndim=(1, 2), symbols="(n_y, m)")
    xp = get_array_module(z)
    z = z.astype(np.float64)
    n_y = z.shape[0]
    if n_y == 0:
        raise ValueError(f"adjust_logits(logits): expected at least one class along axis 0, "
                         f"got shape {tuple(z.shape)}")
    if bool(xp.isnan(z).any()) or bool((z == xp.inf).any()):
        raise NonFiniteError("adjust_logits(logits): expected finite logits (-inf allowed: a "
                             "token ruled out), got NaN or +inf: there is no distribution to "
                             "draw from")
    if top_k is not None:
        if top_k < n_y:
            order = xp.argsort(-z, axis=0, kind="stable")                 # largest first
            rank = xp.argsort(order, axis=0, kind="stable")               # rank of each z_i
            z = xp.where(rank < top_k, z, -xp.inf)                        # (2) keep k exactly
    if temperature == 0:
        best = xp.argmax(z, axis=0)                                       # (1) τ → 0: argmax
        return (xp.arange(n_y).reshape((n_y,) + (1,) * (z.ndim - 1)) == best).astype(
            np.float64)
    return softmax(z / temperature, axis=0)                               # (1) softmax(z / τ)


def draw(p, rng) -> list[int]:
    """One id per column of ``p`` by inverse-CDF sampling (eq. 3), on the host.

    Parameters
    ----------
    p : array (n_y, m) of probabilities (columns need not be exactly normalised)
    rng : numpy Generator (``seqlab.arrays.host_rng(seed)``); m uniforms are drawn

    Returns
    -------
    ids : list of m ints; id j has probability p_j / Σ p, and p_j = 0 is never drawn
    """
    p = as_array(to_numpy(p), "draw(p)", ndim=2, symbols="(n_y, m) of probabilities")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"draw(rng): expected a numpy.random.Generator "
                        f"(seqlab.arrays.host_rng(seed)), got {got(rng)}")
    xp = get_array_module(p)
    p = p.astype(np.float64)
    if p.size and (bool(xp.isnan(p).any()) or bool((p < 0).any())
                   or bool((p.sum(axis=0) <= 0).any())):
        raise ValueError("draw(p): expected probabilities >= 0 with a positive sum in every "
                         "column, got NaN, a negative entry or a column of zeros")
    cdf = xp.cumsum(p, axis=0)                      # F_j (unnormalised)       (n_y, m)
    cdf = cdf / cdf[-1:]                            # (3) F_j = Σ_{i≤j} p_i / Σ p_i
    u = rng.random(p.shape[1])                      # u ~ U[0, 1), one per column   (m,)
    return [int(i) for i in (cdf <= u).sum(axis=0)]  # (3) #{j : F_j ≤ u}


def sample(model, n: int = 1, *, temperature: float = 1.0, top_k: int | None = None,
           seed=0, prefix: str = "", max_length: int = 50, resample_unk: bool = True,
           return_ids: bool = False) -> list:
    """Sample ``n`` sequences in parallel from a :class:`~seqlab.lm.model.LanguageModel`.

    Parameters
    ----------
    model : LanguageModel
    n : int ≥ 1, sequences to sample (one column each)
    temperature : float ≥ 0 (0: greedy argmax); top_k : None or int (eqs. 1-2)
    seed : int or Generator; the same seed gives the same sequences
    prefix : str, text every sequence starts with (fed to the model, then continued)
    max_length : int ≥ 1, tokens drawn at most per sequence, ``<EOS>`` included
    resample_unk : bool, never emit ``<UNK>`` (eq. 4: the distribution of drawing again until
        the draw is not ``<UNK>``, the lecture's remark)
    return_ids : bool, return the drawn ids (lists, ending with ``<EOS>`` if it was drawn)

    Returns
    -------
    texts : list of n str (prefix + decoded draws, without ``<EOS>``), or lists of ids
    """
    n = check_int(n, "sample(n)", 1)
    max_length = check_int(max_length, "sample(max_length)", 1)
    temperature, top_k = _check_options(temperature, top_k, "sample")
    _check_model(model, "sample")
    check_str(prefix, "sample(prefix)", empty=True)
    vocab, rng = model.vocab, check_rng(seed, "sample(seed)")
    eos, unk = vocab.eos_id, vocab.unk_id
    start = [eos] + vocab.encode(prefix, eos=False)          # x<1> = <EOS>, then the prefix
    x = asarray([start] * n, dtype=np.int64)                 # (n, T_prefix + 1)
    logits, _, state = model.forward(x)                      # teacher-forced prefix
    z = logits[:, :, -1]                                     # z of the first drawn token (n_y, n)
    drawn: list[list[int]] = [[] for _ in range(n)]
    done = [False] * n
    for _ in range(max_length):
        if resample_unk:
            z = _without(z, unk)                             # (4) P(<UNK>) = 0
        p = adjust_logits(z, temperature, top_k)             # (1)-(2)             (n_y, n)
        ids = draw(p, rng)                                   # (3)
        for i, token in enumerate(ids):
            if not done[i]:
                drawn[i].append(token)
                done[i] = token == eos
        if all(done):
            break
        x = asarray([[i] for i in ids], dtype=np.int64)      # x<t+1> = y<t>        (n, 1)
        logits, _, state = model.forward(x, state)
        z = logits[:, :, 0]                                  # (n_y, n)
    if return_ids:
        return drawn
    return [prefix + vocab.decode(ids) for ids in drawn]


def next_token_probs(model, prefix: str = "", temperature: float = 1.0,
                     top_k: int | None = None):
    """The distribution of the token after ``prefix`` (after the start token), eqs. 1-2.

    Returns
    -------
    p : host float64 array (n_y,), indexed by the vocabulary's ids
    """
    temperature, top_k = _check_options(temperature, top_k, "next_token_probs")
    _check_model(model, "next_token_probs")
    check_str(prefix, "next_token_probs(prefix)", empty=True)
    x = asarray([[model.vocab.eos_id] + model.vocab.encode(prefix, eos=False)], dtype=np.int64)
    logits, _, _ = model.forward(x)                          # (n_y, 1, T)
    return to_numpy(adjust_logits(logits[:, :, -1], temperature, top_k))[:, 0]


def _without(z, token: int):
    """Logits with ``token``'s set to -inf (its probability 0, the rest renormalised)."""
    xp = get_array_module(z)
    rows = xp.arange(z.shape[0]).reshape(-1, 1)             # (n_y, 1)
    return xp.where(rows == token, -xp.inf, z.astype(np.float64))


def _check_options(temperature, top_k, fname: str) -> tuple:
    """τ a finite number >= 0, top_k None or an int >= 1 (NumPy numbers accepted)."""
    temperature = check_number(temperature, f"{fname}(temperature)", 0)
    if top_k is not None:
        top_k = check_int(top_k, f"{fname}(top_k)", 1)
    return temperature, top_k


def _check_model(model, fname: str) -> None:
    if not (hasattr(model, "vocab") and hasattr(model, "forward")):
        raise TypeError(f"{fname}(model): expected a LanguageModel (with a vocab), got "
                        f"{got(model)}")
