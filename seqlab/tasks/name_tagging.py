r"""Name tagging: is this word part of a person's name? A unidirectional vs a bidirectional RNN.

*Sequence Models*, week 1: "Bidirectional RNN". In "He said, Teddy Roosevelt was a great
President" and "He said, Teddy bears are on sale" the words up to "Teddy" are the same, so a
network that reads left to right must give "Teddy" the same tag in both; only the word after
it decides. :func:`seqlab.data.synthetic.name_tagging_batch` builds sentences where this is the
whole difficulty: the ambiguous first words (teddy, april, rose, ...) are names in exactly half
of their sentences, and nothing before them says which. A bidirectional RNN sees a→<t> (the
words up to t) and a←<t> (the words from t on) at every step (eq. 1), so it can be right.

:func:`train_name_tagger` trains a many-to-many :class:`~seqlab.rnn.RecurrentNetwork` with
``bidirectional`` either way and the same budget; :func:`evaluate_name_tagger` reports the
per-word accuracy over all words, over the ambiguous words and over the others.

Equations
---------
(1) ŷ<t> = softmax(W_y [a→<t>, a←<t>] + b_y)          (bidirectional; uni: W_y a→<t>)
(2) P(name | x<1..t>) for "teddy" is the same whatever x<t+1> is      (unidirectional)
(3) best unidirectional accuracy on the ambiguous words = 1/2 when the two readings are
    equally likely given x<1..t>
(4) accuracy = Σ [argmax ŷ<t> = tag<t>] / (number of words counted)
"""

from __future__ import annotations

from typing import NamedTuple

from seqlab.backend import host_rng, to_numpy
from seqlab.data.synthetic import TAGGING_VOCAB, TaggingBatch, name_tagging_batch
from seqlab.rnn.network import RecurrentNetwork
from seqlab.tasks.training import TrainHistory, fit, predict_proba, tagger_step, tagging_accuracy

__all__ = ["TaggerRun", "evaluate_name_tagger", "name_probabilities",
           "train_name_tagger"]

class TaggerRun(NamedTuple):
    """One trained tagger."""

    net: RecurrentNetwork
    history: TrainHistory


def train_name_tagger(bidirectional: bool, seed: int = 0, *, kind: str = "gru", n_a: int = 16,
                      n_layers: int = 1, m: int = 64, n_steps: int = 150, lr: float = 0.02,
                      clip: float = 1.0, progress: bool = False) -> TaggerRun:
    """Train a name tagger on fresh batches of :func:`name_tagging_batch`; the defaults are the
    budget notebook 05 gives every tagger (under a second each on one core).

    Parameters
    ----------
    bidirectional : bool, read the sentence both ways (eq. 1) or left to right only
    seed : int, seeds the initial params (``seed``) and the training stream (``40_000 + seed``)
    kind, n_a, n_layers : the network (n_a per direction)
    m, n_steps, lr, clip : batch size, steps, Adam's learning rate, gradient-norm bound

    Returns
    -------
    TaggerRun(net, history)
    """
    net = RecurrentNetwork(len(TAGGING_VOCAB), n_a, 2, kind, n_layers, bidirectional, rng=seed)
    stream = host_rng(40_000 + seed)

    def batch(i):
        b = name_tagging_batch(m, stream)
        return b.ids, b.tags, b.lengths

    history = fit(net, tagger_step, batch, n_steps, lr=lr, clip=clip, progress=progress,
                  desc="bidirectional" if bidirectional else "unidirectional")
    return TaggerRun(net, history)


def evaluate_name_tagger(net: RecurrentNetwork, batch: TaggingBatch) -> dict:
    """Per-word accuracy (eq. 4): "overall", "ambiguous" (the ambiguous first words only) and
    "other" (every other word), each a float in [0, 1]."""
    args = (net, batch.ids, batch.tags, batch.lengths)
    return {"overall": tagging_accuracy(*args),
            "ambiguous": tagging_accuracy(*args, select=batch.ambiguous),
            "other": tagging_accuracy(*args, select=~batch.ambiguous)}


def name_probabilities(net: RecurrentNetwork, batch: TaggingBatch):
    """P(name) for every word: host float array (m, T), 0 on padding."""
    p = to_numpy(predict_proba(net, batch.ids, batch.lengths)[1])    # (m, T) ŷ<t>_name
    return p * batch.mask
