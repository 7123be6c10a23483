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

from seqlab._validate import (
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_number,
    named_as,
)
from seqlab.arrays import host_rng
from seqlab.backend import to_numpy
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
    f = "train_name_tagger"
    bidirectional = check_bool(bidirectional, f"{f}(bidirectional)")
    check_choice(kind, ("rnn", "gru", "lstm"), f"{f}(kind)")
    n_a, n_layers, m, n_steps = (check_int(v, f"{f}({k})", 1) for k, v in (
        ("n_a", n_a), ("n_layers", n_layers), ("m", m), ("n_steps", n_steps)))
    lr = check_number(lr, f"{f}(lr)", 0, low_open=True)
    clip = check_number(clip, f"{f}(clip) (inf: no clipping)", 0, low_open=True, allow_inf=True)
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
    args = (net, _batch(batch, "evaluate_name_tagger").ids, batch.tags, batch.lengths)
    with _named("evaluate_name_tagger"):
        return {"overall": tagging_accuracy(*args),
                "ambiguous": tagging_accuracy(*args, select=batch.ambiguous),
                "other": tagging_accuracy(*args, select=~batch.ambiguous)}


def name_probabilities(net: RecurrentNetwork, batch: TaggingBatch):
    """P(name) for every word: host float array (m, T), 0 on padding."""
    with _named("name_probabilities"):
        p = to_numpy(predict_proba(net, _batch(batch, "name_probabilities").ids,
                                   batch.lengths)[1])          # (m, T) ŷ<t>_name
    return p * batch.mask


def _batch(batch, fname: str) -> TaggingBatch:
    return check_instance(batch, TaggingBatch, f"{fname}(batch)",
                          "a TaggingBatch (name_tagging_batch)")


def _named(fname: str):
    """Errors of the prediction, with its ids coming from the batch, reported as fname's."""
    return named_as({"predict_proba(ids)": f"{fname}(net) (its vocabulary does not cover the "
                     f"batch's ids)", "tagging_accuracy(ids)": f"{fname}(net) (its vocabulary "
                     f"does not cover the batch's ids)", "predict_proba(": f"{fname}(",
                     "tagging_accuracy(": f"{fname}("})
