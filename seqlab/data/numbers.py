"""Number words -> digits: "two thousand, three hundred and forty-one" -> "2341", made with
num2words, deterministically.

Week 4's harder task for the Transformer (notebook 26). Unlike a date, the output's length is
not fixed and its digits are not spelled one by one: "two million and five" -> "2000005" asks
the model to *count* the missing places and write zeros for them, and to read "hundred",
"thousand", "million" as positions. The source is a sequence of *words* (tokens), the target a
sequence of digits.

Tokens
------
:func:`tokenize_words` lowercases and splits on spaces; hyphens and commas are tokens of their
own: "forty-one," -> ["forty", "-", "one", ","]. The source vocabulary
(:func:`number_vocabs`) holds every word num2words writes for 0 .. 10^12 - 1 in the language.

Sampling and splits
-------------------
A number is drawn by first choosing its digit count uniformly in 1..``max_digits``, then the
number uniformly among those of the split with that many digits (so "7" is as likely a length as
"123456789": uniform numbers below 10^9 would almost all have 9 digits). Splits are by *number*:
from 1000 on, CRC-32 of its decimal string mod 20 == 0 -> test, == 1 -> val, else train, so no
test number >= 1000 is ever seen in training. The 1000 numbers below 1000 are "shared": they
belong to every split, since they are the words the larger numbers are built from (holding out
"six" or "forty" would test a word never seen alone, not the model); per-digit-count results
tell the two apart. Examples are drawn by ``random.Random(f"{split}-{seed}")``.

Uniform digits rarely give runs of zeros: "ninety million and one" (90000001) or "four million,
seventeen thousand and one" almost never occur, and a model trained on uniform digits may fail
on them while acing a uniform test set (a 5000-step Transformer of notebook 26 trained without
them scored 99.6 % on uniform test numbers and wrote 90001 for "ninety million and one").
``zeros`` mixes in zero-rich numbers (each digit after the first kept with probability 1/4,
else 0); test on them separately.
"""

from __future__ import annotations

import random
import re
import zlib
from functools import lru_cache

from num2words import num2words

from seqlab._validate import check_choice, check_instance, check_int, check_number
from seqlab.vocab.tokens import TokenVocab

__all__ = ["LANGS", "load_numbers", "number_vocabs", "number_words", "sample_number",
           "split_of_number", "tokenize_words"]

LANGS = ("en", "fr")
SPLITS = ("train", "val", "test")
MAX_DIGITS = 12
TARGET_CHARS = "0123456789"
_TOKEN = re.compile(r"[^\s,\-]+|,|-")


def _check_lang(lang, fname):
    check_choice(lang, LANGS, f"{fname}(lang)")


def number_words(n: int, lang: str = "en") -> str:
    """num2words(n, lang): 2341 -> "two thousand, three hundred and forty-one" (en),
    "deux mille trois cent quarante et un" (fr). ``n`` an int in [0, 10^12)."""
    _check_lang(lang, "number_words")
    n = check_int(n, f"number_words(n) (< 10^{MAX_DIGITS})", 0, 10 ** MAX_DIGITS - 1)
    return num2words(n, lang=lang)


def tokenize_words(text: str) -> list[str]:
    """Lowercase, split on spaces; "-" and "," are tokens: "Forty-one," -> [forty, -, one, ,]."""
    if not isinstance(text, str):
        raise TypeError(f"tokenize_words(text): expected a str, got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


def split_of_number(n: int) -> str:
    """'shared' below 1000, else 'test' (CRC-32 of str(n) mod 20 == 0), 'val' (== 1) or
    'train'."""
    n = check_int(n, "split_of_number(n)", 0)
    if n < 1000:
        return "shared"
    h = zlib.crc32(str(int(n)).encode()) % 20
    return "test" if h == 0 else "val" if h == 1 else "train"


def sample_number(rng: random.Random, max_digits: int = 9) -> int:
    """A number with a uniform digit count in 1..max_digits, uniform within that count."""
    check_instance(rng, random.Random, "sample_number(rng)", "a random.Random")
    max_digits = check_int(max_digits, "sample_number(max_digits)", 1, MAX_DIGITS)
    k = rng.randint(1, max_digits)
    return rng.randint(0 if k == 1 else 10 ** (k - 1), 10 ** k - 1)


def _draw(rng: random.Random, digits: int, zeros: float) -> int:
    """A number with ``digits`` digits; zero-rich with probability ``zeros`` (each digit after
    the first kept with probability 1/4, else 0: "ninety million and one")."""
    k = rng.randint(0 if digits == 1 else 10 ** (digits - 1), 10 ** digits - 1)
    if zeros and digits > 1 and rng.random() < zeros:
        s = str(k)
        k = int(s[0] + "".join(c if rng.random() < 0.25 else "0" for c in s[1:]))
    return k


def load_numbers(split: str = "train", n: int = 10000, seed: int = 0, max_digits: int = 9,
                 lang: str = "en", with_numbers: bool = False, zeros: float = 0.0):
    """``n`` (words, digits) pairs of one split (module docstring), drawn with
    ``random.Random(f"{split}-{seed}")``; numbers may repeat within a split. ``zeros``: the
    share of zero-rich numbers ("ninety million and one"), which uniform digits almost never
    give (0: none, the default; a model trained without them fails on them).

    Returns
    -------
    words : list of str, num2words' text ("two thousand, three hundred and forty-one")
    digits : list of str ("2341")
    numbers : list of int, only with ``with_numbers=True``
    """
    check_choice(split, SPLITS, "load_numbers(split)")
    n = check_int(n, "load_numbers(n)", 1)
    max_digits = check_int(max_digits, "load_numbers(max_digits)", 1, MAX_DIGITS)
    _check_lang(lang, "load_numbers")
    zeros = check_number(zeros, "load_numbers(zeros) (a probability)", 0, 1)
    rng = random.Random(f"{split}-{seed}")
    numbers = []
    for _ in range(n):
        digits = rng.randint(1, max_digits)                       # uniform digit count
        k = _draw(rng, digits, zeros)
        while split_of_number(k) not in (split, "shared"):        # rejection within the count
            k = _draw(rng, digits, zeros)
        numbers.append(k)
    words = [number_words(k, lang) for k in numbers]
    digits = [str(k) for k in numbers]
    return (words, digits, numbers) if with_numbers else (words, digits)


@lru_cache(maxsize=len(LANGS))
def _source_tokens(lang: str) -> tuple[str, ...]:
    """Every token num2words writes below 10^12: 0..999 give the small words, and one
    example per power of 1000 (singular and plural, with "and"/commas) the rest."""
    tokens = set()
    samples = list(range(1000))
    for p in range(1, MAX_DIGITS // 3):
        samples += [10 ** (3 * p), 2 * 10 ** (3 * p) + 1, 21 * 10 ** (3 * p) + 101]
    for k in samples:
        tokens.update(tokenize_words(number_words(k, lang)))
    return tuple(sorted(tokens))


def number_vocabs(lang: str = "en") -> tuple[TokenVocab, TokenVocab]:
    """(word-token vocabulary of ``lang``, digit vocabulary "0".."9")."""
    _check_lang(lang, "number_vocabs")
    return TokenVocab(_source_tokens(lang)), TokenVocab(TARGET_CHARS)
