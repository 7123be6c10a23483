r"""Scoring text with a language model: sentence probability, loss per token, perplexity,
and the unigram and bigram baselines a trained model must beat.

*Sequence Models*, week 1, "Language model and sequence generation": a speech recognizer
choosing between "The apple and pair salad" and "The apple and pear salad" asks a language
model which sentence is more probable. The model gives each token's conditional probability,
``<EOS>`` included, and the sentence's probability is their product (eq. 1).

Shapes
------
=================  ===========  ===========================================================
name               shape        meaning
=================  ===========  ===========================================================
texts              list of str  sequences (names, sentences), scored independently
token log-probs    (T_y,)       log P(y<t> | y<1..t-1>) per token, <EOS> last (host array)
C(v, w)            pairs        number of times w follows v in the training stream (sparse)
=================  ===========  ===========================================================

Equations
---------
.. math::

    (1)\quad \log P(y^{\langle 1\rangle}, \dots, y^{\langle T_y\rangle})
        = \sum_{t=1}^{T_y} \log P(y^{\langle t\rangle} \mid y^{\langle 1\rangle}, \dots,
          y^{\langle t-1\rangle}), \qquad y^{\langle T_y\rangle} = \langle EOS\rangle

    (2)\quad \bar{\mathcal L} = -\frac{1}{N} \sum_{\text{tokens}} \log P(y^{\langle t\rangle}
        \mid \dots) \quad \text{(loss per token, nats)}, \qquad
    (3)\quad \mathrm{perplexity} = e^{\bar{\mathcal L}}

    (4)\quad P_{\text{uniform}}(w) = 1/V, \qquad
    (5)\quad P_{\text{unigram}}(w) = \frac{C(w) + \alpha}{N + \alpha V}, \qquad
    (6)\quad P_{\text{bigram}}(w \mid v) = \frac{C(v, w) + \alpha}{C(v) + \alpha V}

Notes
-----
The baselines are counted on the same (previous token, next token) pairs the network is
trained and scored on: the start token ``<EOS>`` before each sequence's first token, and
``<EOS>`` as each sequence's last target. α = 1 is add-one (Laplace) smoothing, so a pair
never seen in training still has a finite loss.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from seqlab._validate import check_instance, check_int, check_number, check_sequence, check_str
from seqlab.arrays import asarray
from seqlab.backend import get_array_module, to_numpy
from seqlab.functional import log_softmax
from seqlab.lm.batches import pad_batch, stream, stream_windows

__all__ = ["evaluate", "ngram_baselines", "perplexity", "sequence_log_prob",
           "token_log_probs"]


def token_log_probs(model, texts: Sequence[str], batch_size: int = 256) -> list:
    """log P(y<t> | y<1..t-1>) of every token of every text, ``<EOS>`` included (eq. 1).

    Parameters
    ----------
    model : LanguageModel
    texts : list of str
    batch_size : int, texts per forward pass

    Returns
    -------
    log_probs : list of host float64 arrays, one (T_y,) per text (T_y = tokens + 1)
    """
    if isinstance(texts, str):
        raise TypeError("token_log_probs(texts): expected a list of str, got one str (wrap "
                        "it in a list)")
    texts = _texts(texts, "token_log_probs(texts)")
    batch_size = check_int(batch_size, "token_log_probs(batch_size)", 1)
    out = []
    for start in range(0, len(texts), batch_size):
        encoded = [model.vocab.encode(t) for t in texts[start:start + batch_size]]
        x, y, _ = pad_batch(encoded, model.vocab.eos_id)
        logits, _, _ = model.forward(x)                        # (n_y, m, T)
        xp = get_array_module(logits)
        log_p = log_softmax(logits, axis=0)                     # log ŷ<t>       (n_y, m, T)
        picked = xp.take_along_axis(log_p, y[None], axis=0)[0]  # log ŷ<t>_y<t>  (m, T)
        picked = to_numpy(picked).astype(np.float64)
        out += [picked[i, :len(e)] for i, e in enumerate(encoded)]
    return out


def sequence_log_prob(model, text: str) -> float:
    """log P(text) = Σ_t log P(y<t> | y<1..t-1>), ``<EOS>`` included (eq. 1), in nats."""
    check_str(text, "sequence_log_prob(text)", empty=True)
    return float(token_log_probs(model, [text])[0].sum())


def evaluate(model, data, window: int | None = None, batch_size: int = 256) -> float:
    """Mean loss per token (eq. 2) of ``data``, in nats, without gradients.

    Parameters
    ----------
    model : LanguageModel
    data : list of str (sequences, padded and masked), or one str / a list with ``window``
        (one stream, windows of truncated BPTT with the state carried, as in training)
    window : None, or int T for a stream
    batch_size : int, sequences per batch, or rows of the stream (its last (N - 1) mod m
        tokens are not scored)

    Returns
    -------
    loss : float, nats per token; :func:`perplexity` turns it into a perplexity
    """
    vocab = model.vocab
    texts = [data] if isinstance(data, str) else _texts(data, "evaluate(data)")
    if window is not None:
        window = check_int(window, "evaluate(window)", 1)
    batch_size = check_int(batch_size, "evaluate(batch_size)", 1)
    encoded = [vocab.encode(t) for t in texts]
    total, count = 0.0, 0
    if window is None and not isinstance(data, str):
        for start in range(0, len(encoded), batch_size):
            x, y, mask = pad_batch(encoded[start:start + batch_size], vocab.eos_id)
            J, _, _ = model.loss(x, y, mask, grads=False)
            n = int(to_numpy(mask).sum())
            total, count = total + J * n, count + n
        return total / count
    tokens = stream(encoded, vocab.eos_id)
    T = window or 100
    m = max(1, min(batch_size, (len(tokens) - 1) // T))      # rows of at least T tokens
    state = None
    for x, y in stream_windows(tokens, m, T):
        J, _, state = model.loss(x, y, None, state, grads=False)
        total, count = total + J * y.size, count + int(y.size)
    return total / count


def perplexity(mean_loss: float) -> float:
    """e^(mean loss per token) (eq. 3): the model is as unsure as a uniform choice among this
    many tokens."""
    mean_loss = check_number(mean_loss, "perplexity(mean_loss)", 0)
    if mean_loss > 700:
        raise ValueError(f"perplexity(mean_loss): expected a loss per token of at most 700 "
                         f"nats (e^700 is near the largest float), got {mean_loss}")
    return math.exp(mean_loss)


def ngram_baselines(vocab, train: Sequence[str], val: Sequence[str], alpha: float = 1.0
                    ) -> dict:
    """Loss per token on ``val`` of the uniform, unigram and bigram models counted on
    ``train`` (eqs. 4-6), on the same tokens the network is scored on.

    Parameters
    ----------
    vocab : Vocabulary
    train, val : list of str (or one str each)
    alpha : float > 0, add-α smoothing

    Returns
    -------
    losses : dict "uniform", "unigram", "bigram" -> nats per token on ``val``
    """
    from seqlab.vocab.language import Vocabulary

    alpha = check_number(alpha, "ngram_baselines(alpha)", 0, low_open=True)
    check_instance(vocab, Vocabulary, "ngram_baselines(vocab)")
    for name, texts in (("train", train), ("val", val)):
        if not isinstance(texts, str):
            _texts(texts, f"ngram_baselines({name})")
    V = len(vocab)
    prev_tr, next_tr = _pairs(vocab, train)
    prev_va, next_va = _pairs(vocab, val)
    xp = get_array_module(prev_tr)
    f64 = np.float64
    unigram = xp.bincount(next_tr, minlength=V).astype(f64)             # C(w)       (V,)
    p_uni = (unigram + alpha) / (unigram.sum() + alpha * V)             # (5)        (V,)
    context = xp.bincount(prev_tr, minlength=V).astype(f64)             # C(v)       (V,)
    pair_tr, pair_va = prev_tr * V + next_tr, prev_va * V + next_va     # pair codes v·V + w
    seen, seen_counts = xp.unique(pair_tr, return_counts=True)          # sparse C(v, w)
    pos = xp.minimum(xp.searchsorted(seen, pair_va), seen.shape[0] - 1)
    C_va = xp.where(seen[pos] == pair_va, seen_counts[pos], 0).astype(f64)  # C(v, w) per val
    p_bi = (C_va + alpha) / (context[prev_va] + alpha * V)              # (6)        (N_val,)
    return {"uniform": math.log(V),                                     # (4)
            "unigram": float(-xp.log(p_uni[next_va]).mean()),           # (2) with (5)
            "bigram": float(-xp.log(p_bi).mean())}                      # (2) with (6)


def _pairs(vocab, texts):
    """(previous, next) token ids of the stream of ``texts`` (int arrays (N,))."""
    texts = [texts] if isinstance(texts, str) else texts
    tokens = asarray(stream([vocab.encode(t) for t in texts], vocab.eos_id), dtype=np.int64)
    return tokens[:-1], tokens[1:]


def _texts(texts, where: str) -> list:
    """A non-empty list of str."""
    texts = check_sequence(texts, where, "a list of str", empty=False)
    for t in texts:
        check_str(t, where, empty=True)
    return texts
