"""The synthetic tasks of seqlab.data.synthetic: deterministic, balanced, and answerable only
from the one place that should decide (the early noun; the word after an ambiguous name)."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.data.synthetic import (
    AGREEMENT_VOCAB,
    AMBIGUOUS,
    FILLER,
    NAMES,
    PREFIXES,
    TAGGING_VOCAB,
    agreement_batch,
    agreement_label,
    decode,
    name_tagging_batch,
    perturb_tokens,
    tag_sentence,
)

FILLER_IDS = [AGREEMENT_VOCAB.index(w) for w in FILLER]


# ------------------------------------------------------------------ agreement across a gap
@pytest.mark.parametrize("gap", [2, 3, 17])
def test_agreement_batch_is_deterministic_and_shaped(gap):
    ids, y = agreement_batch(10, gap, rng=3)
    ids2, y2 = agreement_batch(10, gap, rng=3)
    np.testing.assert_array_equal(ids, ids2)
    np.testing.assert_array_equal(y, y2)
    assert ids.shape == (10, gap + 2) and ids.dtype == np.int64 and y.dtype == np.int64
    assert [decode(ids[0, [0, 2, -1]], AGREEMENT_VOCAB)] == [["the", "which", ","]]
    assert np.isin(ids[:, 3:-1], FILLER_IDS).all()
    other, _ = agreement_batch(10, gap, rng=4)
    assert not np.array_equal(ids, other)


@pytest.mark.parametrize("m", [1, 2, 7, 64, 501])
def test_agreement_classes_are_balanced(m):
    _, y = agreement_batch(m, 5, rng=m)
    assert abs(int(y.sum()) - (m - y.sum())) <= 1       # m/2 each, ±1 for odd m


def test_agreement_label_is_read_off_the_noun_only():
    ids, y = agreement_batch(200, 12, rng=0)
    np.testing.assert_array_equal(agreement_label(ids), y)
    nouns = decode(ids[:, 1], AGREEMENT_VOCAB)
    assert {n for n, lab in zip(nouns, y, strict=True) if lab == 1} <= {
        "cats", "dogs", "children", "keys", "boxes", "men"}


def test_flipping_the_answer_changes_only_the_noun_so_the_filler_carries_nothing():
    _, y = agreement_batch(64, 20, rng=5)
    a, ya = agreement_batch(64, 20, rng=5, y=y)
    b, yb = agreement_batch(64, 20, rng=5, y=1 - y)
    np.testing.assert_array_equal(ya, 1 - yb)
    np.testing.assert_array_equal(np.delete(a, 1, axis=1), np.delete(b, 1, axis=1))
    assert (a[:, 1] != b[:, 1]).all()
    np.testing.assert_array_equal(agreement_label(a), y)
    np.testing.assert_array_equal(agreement_label(b), 1 - y)


def test_new_filler_keeps_every_label():
    _, y = agreement_batch(32, 9, rng=1)
    for seed in range(5):
        ids, labels = agreement_batch(32, 9, rng=seed, y=y)
        np.testing.assert_array_equal(labels, y)
        np.testing.assert_array_equal(agreement_label(ids), y)


def test_filler_word_frequencies_do_not_depend_on_the_label():
    ids, y = agreement_batch(6000, 12, rng=2)
    filler = ids[:, 3:-1]
    freq = [np.bincount(filler[y == c].ravel(), minlength=len(AGREEMENT_VOCAB))[FILLER_IDS]
            / filler[y == c].size for c in (0, 1)]
    # 30 words at 1/30 each, 30,000 draws per class: sd of a difference ≈ 0.0015
    assert np.abs(freq[0] - freq[1]).max() < 0.006
    assert np.abs(freq[0] - 1 / len(FILLER)).max() < 0.006


@pytest.mark.parametrize("kwargs,name,error", [
    (dict(m=0, gap=5), "m", ValueError), (dict(m=4, gap=1), "gap", ValueError),
    (dict(m=4, gap=2.5), "gap", TypeError),          # a wrong type: docs/input-contract.md
    (dict(m=4, gap=5, y=np.array([0, 1, 2, 0])), "y", ValueError),
    (dict(m=4, gap=5, y=np.zeros(3, int)), "y", ValueError),
])
def test_agreement_batch_rejects_bad_arguments(kwargs, name, error):
    with pytest.raises(error, match=rf"agreement_batch\({name}\)"):
        agreement_batch(**kwargs)


def test_agreement_label_rejects_a_non_noun():
    ids, _ = agreement_batch(3, 4, rng=0)
    ids[1, 1] = AGREEMENT_VOCAB.index("which")
    with pytest.raises(ValueError, match=r"agreement_label\(ids\)"):
        agreement_label(ids)


# ------------------------------------------------------------------ name tagging
def test_tagging_batch_is_deterministic_padded_and_shaped():
    b = name_tagging_batch(40, rng=7)
    b2 = name_tagging_batch(40, rng=7)
    for x, x2 in zip(b, b2, strict=True):
        np.testing.assert_array_equal(x, x2)
    m, T = b.ids.shape
    assert m == 40 and T == b.lengths.max() and b.tags.shape == b.ambiguous.shape == (m, T)
    assert (b.ids[~b.mask] == 0).all() and (b.tags[~b.mask] == 0).all()
    assert (b.ids[b.mask] > 0).all()                     # id 0 is only padding
    assert not b.ambiguous[~b.mask].any()


def test_tagging_mix_is_exact_and_ambiguous_words_are_balanced():
    b = name_tagging_batch(400, rng=0)
    has_ambiguous = b.ambiguous.any(axis=1)
    assert has_ambiguous.sum() == 200                  # half the sentences
    assert b.ambiguous.sum() == 200                    # one ambiguous word in each
    assert b.tags[b.ambiguous].sum() == 100            # a name in half of them
    first = np.array([TAGGING_VOCAB[i] for i in b.ids[b.ambiguous]])
    assert set(first) <= set(AMBIGUOUS)
    tagged = [TAGGING_VOCAB[i] for i in b.ids[b.tags == 1]]
    names = sum(w in NAMES for w in tagged)
    assert names == 100                                # a quarter: unambiguous names


def test_the_next_word_decides_an_ambiguous_tag_and_the_words_before_do_not():
    b = name_tagging_batch(2000, rng=1)
    prefixes = {0: [], 1: []}
    for i, t in zip(*np.nonzero(b.ambiguous), strict=True):
        first, nxt = TAGGING_VOCAB[b.ids[i, t]], TAGGING_VOCAB[b.ids[i, t + 1]]
        assert b.tags[i, t] == b.tags[i, t + 1] == int(nxt in AMBIGUOUS[first][0])
        assert not b.tags[i, :t].any()
        prefixes[int(b.tags[i, t])].append(" ".join(decode(b.ids[i, :t])))
    # the prefix is drawn independently of the tag: the same prefixes, at similar rates
    options = [" ".join(p) for p in PREFIXES]
    rates = [np.array([ps.count(o) for o in options]) / len(ps) for ps in prefixes.values()]
    assert set(prefixes[0]) == set(prefixes[1]) == set(options)
    assert np.abs(rates[0] - rates[1]).max() < 0.07    # 500 each: sd of a difference ≈ 0.02
    # and the ambiguous word itself does not decide either: each one is a name at ~1/2
    words = np.array([TAGGING_VOCAB[i] for i in b.ids[b.ambiguous]])
    for w in AMBIGUOUS:
        assert 0.3 < b.tags[b.ambiguous][words == w].mean() < 0.7


def test_tag_sentence_follows_the_generators_rule():
    b = tag_sentence("He said, Teddy Roosevelt was a great President")
    assert decode(b.ids[0]) == ["he", "said", ",", "teddy", "roosevelt", "was", "a", "great",
                                "president"]
    assert b.tags[0].tolist() == [0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert b.ambiguous[0].tolist() == [False] * 3 + [True] + [False] * 5
    bears = tag_sentence("He said, Teddy bears are on sale")
    assert bears.tags[0].tolist() == [0] * 8
    generated = name_tagging_batch(60, rng=3)
    for i in range(60):
        words = decode(generated.ids[i], length=generated.lengths[i])
        again = tag_sentence(" ".join(words))
        np.testing.assert_array_equal(again.tags[0], generated.tags[i, : len(words)])
        np.testing.assert_array_equal(again.ambiguous[0], generated.ambiguous[i, : len(words)])


def test_tagging_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"name_tagging_batch\(m\)"):
        name_tagging_batch(0)
    with pytest.raises(ValueError, match=r"tag_sentence\(sentence\).*zebra"):
        tag_sentence("he said zebra")


def test_perturb_tokens_is_seeded_edits_from_the_vocabulary_and_keeps_the_input():
    tokens, vocab = "the cat sat on the mat".split(), ["a", "b"]
    kept = list(tokens)
    a = perturb_tokens(tokens, np.random.default_rng(3), vocab, rate=0.5)
    assert a == perturb_tokens(tokens, np.random.default_rng(3), vocab, rate=0.5)
    assert tokens == kept and a != tokens
    assert set(a) <= set(tokens) | set(vocab)
    assert abs(len(a) - len(tokens)) <= int(0.5 * len(tokens)) + 1   # one token per edit at most
    assert perturb_tokens([], np.random.default_rng(0), vocab) == []
