"""Token vocabularies for sequence-to-sequence tasks: ids 0 ``<pad>``, 1 ``<bos>``, 2 ``<eos>``.

*Sequence Models*, week 3, "Basic models": the decoder starts from a start token and stops
when it emits the end-of-sentence token; a batch of sequences of different lengths is padded
at the end (the loss masks the padding). A :class:`TokenVocab` maps tokens (characters of a
date, letters of a word, ARPAbet phonemes) to ids and pads batches.

Ids
---
=====  =========================================================
id     token
=====  =========================================================
0      ``<pad>``: padding after the end of a sequence (masked)
1      ``<bos>``: the decoder's first input y<0>
2      ``<eos>``: the decoder's last output, ends a hypothesis
3 ...  the tokens, in the order given
=====  =========================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from seqlab._validate import (
    IdError,
    MissingKeyError,
    as_array,
    check_int,
    check_sequence,
    check_words,
    got,
)
from seqlab.arrays import asarray

__all__ = ["BOS", "EOS", "PAD", "TokenVocab"]

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"


class TokenVocab:
    """Tokens <-> ids with the three specials first (module docstring).

    Parameters
    ----------
    tokens : sequence of str, the vocabulary without the specials (ids 3, 4, ...)
    """

    pad_id, bos_id, eos_id = 0, 1, 2

    def __init__(self, tokens: Sequence[str]):
        if isinstance(tokens, str) or (hasattr(tokens, "__iter__") and not isinstance(
                tokens, Sequence | dict)):
            tokens = list(tokens)                   # characters of a str, a set, a generator
        tokens = check_words(tokens, "TokenVocab(tokens)")
        if {PAD, BOS, EOS} & set(tokens):
            raise ValueError("TokenVocab(tokens): expected distinct tokens without the "
                             f"specials, got {sorted({PAD, BOS, EOS} & set(tokens))}")
        self.itos = [PAD, BOS, EOS, *tokens]
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenVocab) and self.itos == other.itos

    def __repr__(self) -> str:
        return f"TokenVocab({len(self)} ids: {' '.join(self.itos[3:13])} ...)"

    def encode(self, tokens: Iterable[str], eos: bool = False) -> list[int]:
        """Ids of ``tokens`` (a string is a sequence of characters), plus eos if asked."""
        if tokens is None or not hasattr(tokens, "__iter__"):
            raise TypeError(f"TokenVocab.encode(tokens): expected a sequence of str tokens, got "
                            f"{type(tokens).__name__}")
        ids = []
        for t in tokens:
            if t not in self.stoi:
                raise MissingKeyError(f"TokenVocab.encode(tokens): expected tokens of the "
                                      f"vocabulary, got {t!r}")
            ids.append(self.stoi[t])
        return ids + [self.eos_id] if eos else ids

    def decode(self, ids: Iterable[int]) -> list[str]:
        """Tokens of ``ids``, stopping at the first eos; pad and bos are dropped."""
        ids = as_array(ids, "TokenVocab.decode(ids)", "int", ndim=1, symbols="(T,) of token ids")
        ids = _in_vocab(ids.tolist(), len(self), "TokenVocab.decode(ids)")
        out = []
        for i in ids:
            if i == self.eos_id:
                break
            if i > self.eos_id:
                out.append(self.itos[i])
        return out

    def pad(self, seqs: Sequence[Sequence[int]], length: int | None = None):
        """(ids (m, T) int64 padded with 0, lengths (m,) int64) on the default device;
        T = the longest or ``length``."""
        seqs = check_sequence(seqs, "TokenVocab.pad(seqs)", "a list of id sequences", empty=False)
        if not all(isinstance(s, Sequence) or hasattr(s, "shape") for s in seqs):
            raise TypeError(f"TokenVocab.pad(seqs): expected a list of id sequences, got an item "
                            f"{got(next(s for s in seqs if not isinstance(s, Sequence)))}")
        seqs = [_in_vocab(as_array(s, "TokenVocab.pad(seqs)", "int", ndim=1,
                                   symbols="of id sequences, each (T_i,)").tolist(), len(self),
                          "TokenVocab.pad(seqs)") for s in seqs]
        lengths = [len(s) for s in seqs]
        T = max(lengths) if length is None else check_int(length, "TokenVocab.pad(length)", 1)
        if length is not None and max(lengths) > T:
            raise ValueError(f"TokenVocab.pad(length): expected at least the longest sequence's "
                             f"length {max(lengths)}, got {T}")
        if not lengths or min(lengths) < 1 or max(lengths) > T:
            raise ValueError(f"TokenVocab.pad(seqs): expected 1 <= len <= {T} for every "
                             f"sequence, got lengths {min(lengths, default=None)}.."
                             f"{max(lengths, default=None)}")
        ids = [list(s) + [self.pad_id] * (T - len(s)) for s in seqs]   # (m, T)
        return asarray(ids, dtype=np.int64), asarray(lengths, dtype=np.int64)

    def to_meta(self) -> list[str]:
        """The tokens without specials, JSON-able (see :meth:`from_meta`)."""
        return self.itos[3:]

    @classmethod
    def from_meta(cls, tokens: Sequence[str]) -> TokenVocab:
        return cls(check_words(tokens, "TokenVocab.from_meta(tokens)"))  # a JSON list


def _in_vocab(ids: list, V: int, where: str) -> list:
    bad = [i for i in ids if not 0 <= i < V]
    if bad:
        raise IdError(f"{where}: expected ids in [0, {V}), got out-of-range values {bad[:5]}")
    return ids
