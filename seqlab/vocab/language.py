r"""Vocabulary: tokens ↔ integer ids, with the lecture's ``<EOS>`` and ``<UNK>``.

*Sequence Models*, week 1, "Language model and sequence generation": tokenize the training
corpus, map each token to an index in a vocabulary (the 10,000 most common words, say), add
``<EOS>`` to mark where a sentence ends, and replace every word outside the vocabulary by
``<UNK>``. "Sampling novel sequences": a character-level model uses the characters as its
vocabulary instead, so (almost) nothing is unknown, at the price of much longer sequences.

Ids
---
=========  =========================================================================
id         token
=========  =========================================================================
0          ``<EOS>``: appended to every sequence; also the start token x<1> (below)
1          ``<UNK>``: any token outside the vocabulary
2 ...      the tokens: characters in sorted order (``level="char"``, as the course's
           '\n', 'a'..'z'), words by decreasing count (``level="word"``: letters and
           punctuation split apart; ``level="space"``: tokens already separated by
           whitespace, e.g. the notes "G4:1.5 A4:0.5" of a melody)
=========  =========================================================================

Notes
-----
Differs from the lecture: the first input x<1> is the one-hot of ``<EOS>`` rather than the
zero vector, so that a network fed token ids (one-hot inside) has a start signal; ``<EOS>`` as
an *input* means "a new sequence starts here". ``min_count`` and ``max_size`` choose the
vocabulary (the lecture's "10,000 most common words"); both count occurrences in the texts
given to :meth:`Vocabulary.build`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from seqlab._validate import (
    IdError,
    check_choice,
    check_int,
    check_keys,
    check_sequence,
    got,
    is_int,
)

__all__ = ["EOS", "LEVELS", "UNK", "Vocabulary"]

EOS, UNK = "<EOS>", "<UNK>"
LEVELS = ("char", "word", "space")
_WORD = re.compile(r"\w+(?:'\w+)*|[^\w\s]")  # words (with inner apostrophes), or one symbol


class Vocabulary:
    """A list of tokens and its inverse: ``encode`` text to ids, ``decode`` ids to text.

    Parameters
    ----------
    tokens : the vocabulary without the specials, in id order (ids 2, 3, ...)
    level : "char", "word" or "space" (whitespace-separated tokens)
    lowercase : bool, lowercase every text before tokenizing

    Attributes
    ----------
    itos : list of str, id -> token (``itos[0] == "<EOS>"``, ``itos[1] == "<UNK>"``)
    stoi : dict, token -> id
    eos_id, unk_id : 0, 1
    """

    eos_id, unk_id = 0, 1

    def __init__(self, tokens: Sequence[str], level: str = "char", lowercase: bool = False):
        check_choice(level, LEVELS, "Vocabulary(level)")
        tokens = check_sequence(tokens, "Vocabulary(tokens)", "a list of str tokens")
        bad = [t for t in tokens if not isinstance(t, str) or t in (EOS, UNK)]
        if bad or len(set(tokens)) != len(tokens):
            raise ValueError(f"Vocabulary(tokens): expected distinct strings other than "
                             f"{EOS} and {UNK}, got {bad[:5] or 'repeated tokens'}")
        if level == "char" and any(len(t) != 1 for t in tokens):
            raise ValueError(f"Vocabulary(tokens): expected tokens of length 1 for "
                             f"level='char', got {[t for t in tokens if len(t) != 1][:5]}")
        self.level, self.lowercase = level, bool(lowercase)
        self.itos = [EOS, UNK, *tokens]
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        self.counts: dict[str, int] = {}   # training counts of the tokens (from build)

    @classmethod
    def build(cls, texts: Iterable[str], level: str = "char", min_count: int = 1,
              max_size: int | None = None, lowercase: bool = False) -> Vocabulary:
        """The vocabulary of a corpus: every token seen ``min_count`` times or more, the
        ``max_size - 2`` most frequent of them at most (ties broken alphabetically).

        Parameters
        ----------
        texts : iterable of str (one name, sentence or document each), or one str
        level : "char", "word" or "space" (whitespace-separated tokens)
        min_count : int ≥ 1, rarer tokens become ``<UNK>``
        max_size : int ≥ 3 or None, the largest vocabulary, ``<EOS>`` and ``<UNK>`` included
        lowercase : bool
        """
        f = "Vocabulary.build"
        texts = [texts] if isinstance(texts, str) else check_sequence(texts, f"{f}(texts)",
                                                                      "a list of str")
        min_count = check_int(min_count, f"{f}(min_count)", 1)
        if max_size is not None:
            max_size = check_int(max_size, f"{f}(max_size) (the two specials and a token)", 3)
        check_choice(level, LEVELS, f"{f}(level)")
        probe = cls([], level, lowercase)
        counts = Counter(t for text in texts for t in probe._tokens(text, f"{f}(texts)"))
        kept = sorted((t for t, c in counts.items() if c >= min_count),
                      key=lambda t: (-counts[t], t))        # most frequent first
        if max_size is not None:
            kept = kept[: max_size - 2]
        if level == "char":
            kept = sorted(kept)                             # '\n', ' ', ..., 'a', ..., 'z'
        vocab = cls(kept, level, lowercase)
        vocab.counts = {t: counts[t] for t in kept}
        return vocab

    # ---------------------------------------------------------------- text <-> ids
    def tokenize(self, text: str) -> list[str]:
        """Characters, or words and punctuation marks ("pear's salad." -> pear's, salad, .)."""
        return self._tokens(text, "Vocabulary.tokenize(text)")

    def _tokens(self, text: str, where: str) -> list[str]:
        if not isinstance(text, str):
            raise TypeError(f"{where}: expected a str, got {got(text)}")
        if self.lowercase:
            text = text.lower()
        if self.level == "space":
            return text.split()
        return list(text) if self.level == "char" else _WORD.findall(text)

    def encode(self, text: str, eos: bool = True) -> list[int]:
        """Token ids of ``text``, unknown tokens as ``<UNK>`` (1), then ``<EOS>`` (0)."""
        ids = [self.stoi.get(t, self.unk_id) for t in self._tokens(text, "Vocabulary.encode(text)")]
        return ids + [self.eos_id] if eos else ids

    def decode(self, ids: Iterable[int], stop_at_eos: bool = True) -> str:
        """Text of token ids: stops at the first ``<EOS>`` (or shows it), ``<UNK>`` shown."""
        tokens = []
        for i in check_sequence(ids, "Vocabulary.decode(ids)", "a list of int ids"):
            if not is_int(i):
                raise TypeError(f"Vocabulary.decode(ids): expected int ids, got {got(i)}")
            if not 0 <= i < len(self.itos):
                raise IdError(f"Vocabulary.decode(ids): expected ids in [0, {len(self)}), "
                              f"got {i}")
            if i == self.eos_id and stop_at_eos:
                break
            tokens.append(self.itos[i])
        return ("" if self.level == "char" else " ").join(tokens)

    def unknown(self, text: str) -> list[str]:
        """The tokens of ``text`` that would be encoded as ``<UNK>``."""
        return [t for t in self._tokens(text, "Vocabulary.unknown(text)") if t not in self.stoi]

    # ---------------------------------------------------------------- container protocol
    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Vocabulary) and self.itos == other.itos
                and self.level == other.level and self.lowercase == other.lowercase)

    def __repr__(self) -> str:
        shown = ", ".join(repr(t) for t in self.itos[:12])
        more = ", ..." if len(self) > 12 else ""
        return f"Vocabulary({self.level}, {len(self)} tokens: [{shown}{more}])"

    def to_meta(self) -> dict:
        """A JSON-able description, for saving with a model."""
        return {"tokens": self.itos[2:], "level": self.level, "lowercase": self.lowercase}

    @classmethod
    def from_meta(cls, meta: dict) -> Vocabulary:
        check_keys(meta, ("tokens", "level", "lowercase"), "Vocabulary.from_meta(meta)", extra=True)
        return cls(meta["tokens"], meta["level"], meta["lowercase"])
