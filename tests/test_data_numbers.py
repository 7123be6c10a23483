"""seqlab.data.numbers: number words -> digits from num2words, deterministic, held-out splits."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from num2words import num2words

from seqlab.data.numbers import (
    load_numbers,
    number_vocabs,
    number_words,
    sample_number,
    split_of_number,
    tokenize_words,
)


def test_the_example_of_the_brief():
    assert number_words(2341) == "two thousand, three hundred and forty-one"
    assert tokenize_words(number_words(2341)) == ["two", "thousand", ",", "three", "hundred",
                                                  "and", "forty", "-", "one"]
    assert tokenize_words("Deux mille trois cent quarante et un") == [
        "deux", "mille", "trois", "cent", "quarante", "et", "un"]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pairs_are_num2words_and_the_digits(lang):
    words, digits, numbers = load_numbers("train", 300, seed=3, lang=lang, with_numbers=True)
    for w, d, n in zip(words, digits, numbers, strict=True):
        assert w == num2words(n, lang=lang) and d == str(n) and int(d) == n


def test_deterministic_and_seed_dependent():
    assert load_numbers("test", 200, seed=1) == load_numbers("test", 200, seed=1)
    assert load_numbers("test", 200, seed=1) != load_numbers("test", 200, seed=2)


def test_splits_hold_out_numbers_from_1000_on():
    _, _, train = load_numbers("train", 5000, seed=0, with_numbers=True)
    _, _, test = load_numbers("test", 1000, seed=0, with_numbers=True)
    _, _, val = load_numbers("val", 1000, seed=0, with_numbers=True)
    big = lambda ns: {n for n in ns if n >= 1000}                     # noqa: E731
    assert big(test) and not big(test) & big(train) and not big(val) & big(train)
    assert not big(test) & big(val)
    assert all(split_of_number(n) == "test" for n in big(test))
    assert all(split_of_number(n) == "shared" for n in test if n < 1000)
    # the CRC split puts about 5 % of the numbers in test
    shares = Counter(split_of_number(n) for n in range(10 ** 6, 10 ** 6 + 20000))
    assert 0.04 < shares["test"] / 20000 < 0.06 and 0.04 < shares["val"] / 20000 < 0.06


def test_digit_counts_are_uniform_in_every_split():
    for split in ("train", "test"):
        _, digits = load_numbers(split, 4500, seed=0, max_digits=9)
        counts = Counter(len(d) for d in digits)
        assert sorted(counts) == list(range(1, 10))
        assert all(400 < c < 600 for c in counts.values()), counts   # 500 expected each


def test_zero_rich_numbers():
    """zeros=1: every number of 2+ digits keeps each later digit with probability 1/4."""
    _, digits = load_numbers("test", 2000, seed=0, zeros=1.0)
    long = [d for d in digits if len(d) >= 5]
    share = sum(c == "0" for d in long for c in d[1:]) / sum(len(d) - 1 for d in long)
    assert 0.7 < share < 0.8                                   # 3/4 zeroed (+ random zeros)
    _, uniform = load_numbers("test", 2000, seed=0)
    share_u = sum(c == "0" for d in uniform if len(d) >= 5 for c in d[1:]) / sum(
        len(d) - 1 for d in uniform if len(d) >= 5)
    assert 0.07 < share_u < 0.13                               # 1/10 by chance
    assert load_numbers("train", 50, seed=4) == load_numbers("train", 50, seed=4, zeros=0.0)
    assert all(split_of_number(int(d)) in ("test", "shared") for d in digits)


def test_sample_number_range():
    rng = random.Random(0)
    xs = [sample_number(rng, 3) for _ in range(3000)]
    assert min(xs) == 0 and max(xs) <= 999 and any(x >= 100 for x in xs)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_vocabulary_covers_every_number_below_10_to_the_12(lang):
    src, tgt = number_vocabs(lang)
    assert tgt.itos[3:] == list("0123456789")
    rng = random.Random(1)
    for _ in range(3000):
        k = sample_number(rng, 12)
        ids = src.encode(tokenize_words(number_words(k, lang)))     # raises on an unknown word
        assert len(ids) >= 1
    assert "and" in src.stoi if lang == "en" else "et" in src.stoi


@pytest.mark.parametrize(("call", "match"), [
    (lambda: load_numbers("dev"), "load_numbers\\(split\\)"),
    (lambda: load_numbers("train", 0), "load_numbers\\(n\\)"),
    (lambda: load_numbers("train", 5, max_digits=13), "load_numbers\\(max_digits\\)"),
    (lambda: load_numbers("train", 5, lang="de"), "load_numbers\\(lang\\)"),
    (lambda: load_numbers("train", 5, zeros=1.5), "load_numbers\\(zeros\\)"),
    (lambda: number_words(-1), "number_words\\(n\\)"),
    (lambda: number_words(10 ** 12), "number_words\\(n\\)"),
    (lambda: number_vocabs("xx"), "number_vocabs\\(lang\\)"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_tokenize_rejects_non_strings():
    with pytest.raises(TypeError, match="tokenize_words\\(text\\)"):
        tokenize_words(["two"])
