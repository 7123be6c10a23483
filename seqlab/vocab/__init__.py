"""Vocabularies: tokens <-> integer ids, below the data and the models that use them.

- :mod:`seqlab.vocab.language`: :class:`Vocabulary`, a language model's vocabulary (week 1):
  ids 0 ``<EOS>``, 1 ``<UNK>``, then characters or words, built from a corpus;
- :mod:`seqlab.vocab.tokens`: :class:`TokenVocab`, a sequence-to-sequence vocabulary (week 3):
  ids 0 ``<pad>``, 1 ``<bos>``, 2 ``<eos>``, then the tokens given, with padded batches.

A dataset yields texts and a vocabulary; whatever trains a model on it composes the two, so
the data modules know no model (``tests/test_architecture.py`` checks the floors).
"""

from seqlab.vocab.language import Vocabulary
from seqlab.vocab.tokens import TokenVocab

__all__ = ["TokenVocab", "Vocabulary"]
