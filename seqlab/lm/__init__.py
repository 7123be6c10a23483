"""Week 1, language models: vocabularies, training with truncated BPTT, scoring, sampling.

A :class:`Vocabulary` maps characters or words to ids (with ``<EOS>`` and ``<UNK>``); a
:class:`LanguageModel` is that vocabulary and a :class:`seqlab.rnn.RecurrentNetwork` (any cell,
any depth); :func:`train` fits it with Adam and clipping, on padded sequences or on windows of
one stream (truncated BPTT); :mod:`seqlab.lm.scoring` gives sentence probabilities, the loss
per token, perplexity and n-gram baselines; :func:`sample` draws novel sequences with a
temperature and top-k. :mod:`seqlab.lm.course` has the Dinosaurus Island functions in the
course's form; :mod:`seqlab.lm.connectivity` measures how much each earlier character moves a
prediction (∂ log ŷ<t>[y<t>] / ∂x<t'>, batched) and how fast that fades (notebook 27).
"""

from seqlab.lm import course
from seqlab.lm.batches import pad_batch, sequence_batches, stream, stream_windows
from seqlab.lm.model import LanguageModel
from seqlab.lm.pretrained import PRETRAINED, load_pretrained
from seqlab.lm.sampling import adjust_logits, draw, next_token_probs, sample
from seqlab.lm.scoring import (
    evaluate,
    ngram_baselines,
    perplexity,
    sequence_log_prob,
    token_log_probs,
)
from seqlab.lm.train import History, NonFiniteLossError, train
from seqlab.vocab.language import EOS, UNK, Vocabulary

__all__ = [
    "EOS",
    "PRETRAINED",
    "UNK",
    "History",
    "LanguageModel",
    "NonFiniteLossError",
    "Vocabulary",
    "adjust_logits",
    "course",
    "draw",
    "evaluate",
    "load_pretrained",
    "next_token_probs",
    "ngram_baselines",
    "pad_batch",
    "perplexity",
    "sample",
    "sequence_batches",
    "sequence_log_prob",
    "stream",
    "stream_windows",
    "token_log_probs",
    "train",
]
