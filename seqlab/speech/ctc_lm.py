r"""Character language models for CTC prefix beam search: a scorer ``lm_score(prefix, c)``.

Prefix beam search (:func:`seqlab.speech.ctc_prefix_beam_search`) adds α log P_LM(c | ℓ) + β
for every character c it appends to a prefix ℓ. Two sources for P_LM:

- :func:`char_lm_scorer`: a trained :class:`seqlab.lm.LanguageModel` (week 1) at character
  level; each prefix is one step of the network from its parent's state (cached).
- :class:`CharNGramLM`: an add-k smoothed character n-gram model counted from texts, for
  when no trained network fits the alphabet (eq. 1).

Both map the CTC output ids to characters through ``labels`` (``labels[k]`` is the character of
output k; the blank's entry is never asked for).

Equations
---------
.. math::

    (1)\quad P(c \mid h) = \frac{C(h\,c) + k}{C(h) + k V}, \qquad h = \text{the last } n-1
        \text{ characters (padded with the start symbol)}
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from seqlab._validate import (
    MissingKeyError,
    check_int,
    check_number,
    check_sequence,
    check_str,
    check_words,
    got,
)
from seqlab.backend import host, to_numpy
from seqlab.functional import log_softmax

__all__ = ["CharNGramLM", "char_lm_scorer"]

hp = host                 # NumPy: host-side work (lengths, labels, search, data)

_START = "\x02"  # the start-of-text symbol of the n-gram model


class CharNGramLM:
    """Add-k character n-gram model (eq. 1) over ``alphabet``, with a start symbol.

    Parameters
    ----------
    texts : the training texts (characters outside the alphabet are dropped)
    alphabet : the characters the model predicts
    n : int ≥ 1, order (n = 1: unigram), k : float > 0, the add-k smoothing
    """

    def __init__(self, texts: Iterable[str], alphabet: Sequence[str], n: int = 3,
                 k: float = 0.5):
        n = check_int(n, "CharNGramLM(n)", 1)
        k = check_number(k, "CharNGramLM(k)", 0, low_open=True)
        if isinstance(texts, str) or not hasattr(texts, "__iter__"):
            raise TypeError(f"CharNGramLM(texts): expected an iterable of str texts, got "
                            f"{got(texts)}")
        alphabet = check_words(list(alphabet) if isinstance(alphabet, str) else alphabet,
                               "CharNGramLM(alphabet)")
        if not alphabet:
            raise ValueError("CharNGramLM(alphabet): expected at least one character, got none")
        self.alphabet, self.n, self.k = list(alphabet), n, float(k)
        known = set(self.alphabet)
        self.counts: Counter = Counter()          # C(h c) for every history h, |h| = n - 1
        self.context: Counter = Counter()         # C(h)
        for text in texts:
            chars = _START * (n - 1) + "".join(ch for ch in text if ch in known)
            for i in range(n - 1, len(chars)):
                h = chars[i - n + 1:i]
                self.counts[h + chars[i]] += 1
                self.context[h] += 1

    def log_prob(self, history: str, char: str) -> float:
        """log P(char | the last n - 1 characters of history) (eq. 1)."""
        history = check_str(history, "CharNGramLM.log_prob(history)", empty=True)
        char = check_str(char, "CharNGramLM.log_prob(char)")
        if len(char) != 1:
            raise ValueError(f"CharNGramLM.log_prob(char): expected one character, got {char!r}")
        if char not in self.alphabet:
            raise MissingKeyError(f"CharNGramLM.log_prob(char): expected a character of the "
                                  f"alphabet, got {char!r}")
        h = (_START * (self.n - 1) + history)[-(self.n - 1):] if self.n > 1 else ""
        V = len(self.alphabet)
        return math.log((self.counts[h + char] + self.k) / (self.context[h] + self.k * V))

    def scorer(self, labels: Sequence[str]) -> Callable[[Sequence[int], int], float]:
        """``lm_score(prefix ids, c) -> log P`` for prefix beam search; labels[k] = char."""
        labels = _labels(labels, "CharNGramLM.scorer(labels)")

        def lm_score(prefix, c):
            return self.log_prob("".join(labels[i] for i in prefix), labels[c])
        return lm_score


def char_lm_scorer(model, labels: Sequence[str]) -> Callable[[Sequence[int], int], float]:
    """``lm_score(prefix ids, c) -> log P(labels[c] | prefix)`` from a character LanguageModel.

    The network reads the start token ``<EOS>`` then the prefix's characters; each prefix's
    next-character log-probabilities and state are cached, so a new prefix costs one step.
    A character outside the model's vocabulary is scored as ``<UNK>``.
    """
    if not hasattr(model, "vocab") or not hasattr(model, "forward"):
        raise TypeError(f"char_lm_scorer(model): expected a character LanguageModel, got "
                        f"{got(model)}")
    labels = _labels(labels, "char_lm_scorer(labels)")
    vocab = model.vocab
    if getattr(vocab, "level", None) != "char":
        raise ValueError(f"char_lm_scorer(model): expected a character-level language model, "
                         f"got level {getattr(vocab, 'level', None)!r}")
    to_id = [vocab.stoi.get(ch.lower() if vocab.lowercase else ch, vocab.unk_id)
             for ch in labels]
    cache: dict[tuple, tuple[np.ndarray, object]] = {}

    def next_log_probs(prefix: tuple):
        if prefix not in cache:
            if prefix:
                _, state = next_log_probs(prefix[:-1])
                x = hp.array([[to_id[prefix[-1]]]], dtype=np.int64)
            else:
                state, x = None, hp.array([[vocab.eos_id]], dtype=np.int64)
            logits, _, new_state = model.forward(x, state)           # (n_y, 1, 1)
            lp = hp.asarray(to_numpy(log_softmax(logits[:, 0, 0], axis=0)), np.float64)
            cache[prefix] = (lp, new_state)
        return cache[prefix]

    def lm_score(prefix, c):
        return float(next_log_probs(tuple(int(i) for i in prefix))[0][to_id[c]])
    return lm_score


def _labels(labels, where: str) -> list:
    """labels[k]: the character of class k, a list (a str would be its characters, but the
    blank's name may be longer than one character, so a list is asked for)."""
    return check_sequence(labels, where, "a list of the classes' characters")
