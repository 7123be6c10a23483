"""seqlab.vocab.language and seqlab.lm.batches: ids with <EOS> and <UNK>, padded batches, streams.

The vocabulary round trip, <UNK> for unseen tokens, min_count and max_size, word-level
tokenization, saving; batches: x<1> = <EOS> and x<t> = y<t-1> (eq. 1), the mask, the stream cut
into contiguous rows and windows (eq. 2).
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.lm import EOS, UNK, Vocabulary, pad_batch, sequence_batches, stream, stream_windows


def test_char_vocabulary_round_trip_with_eos():
    vocab = Vocabulary.build(["mary", "anna", "zoe"])
    assert vocab.itos[:2] == [EOS, UNK] and vocab.eos_id == 0 and vocab.unk_id == 1
    assert vocab.itos[2:] == sorted(set("maryannazoe"))        # characters in sorted order
    for name in ["mary", "anna", "zoe", "my"]:
        ids = vocab.encode(name)
        assert ids[-1] == vocab.eos_id and len(ids) == len(name) + 1
        assert vocab.decode(ids) == name
    assert vocab.decode(vocab.encode("zoe"), stop_at_eos=False) == "zoe<EOS>"
    assert vocab.encode("zoe", eos=False) == vocab.encode("zoe")[:-1]


def test_unknown_characters_become_unk():
    vocab = Vocabulary.build(["abc"])
    assert vocab.encode("abxc", eos=False) == [2, 3, 1, 4]
    assert vocab.decode(vocab.encode("abxc")) == "ab<UNK>c"
    assert vocab.unknown("abxyc") == ["x", "y"]
    assert "a" in vocab and "x" not in vocab and len(vocab) == 5


def test_min_count_and_max_size_choose_the_most_frequent_tokens():
    texts = ["aaaa", "bbb", "cc", "d"]
    assert Vocabulary.build(texts, min_count=2).itos[2:] == ["a", "b", "c"]
    assert Vocabulary.build(texts, max_size=4).itos[2:] == ["a", "b"]
    vocab = Vocabulary.build(texts, min_count=3)
    assert vocab.counts == {"a": 4, "b": 3}
    assert vocab.encode("dc", eos=False) == [vocab.unk_id, vocab.unk_id]
    with pytest.raises(ValueError, match="min_count"):
        Vocabulary.build(texts, min_count=0)
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.build(texts, max_size=2)


def test_word_vocabulary_orders_by_count_and_tokenizes_punctuation():
    text = "The apple and the pear. The pear's salad!"
    vocab = Vocabulary.build(text, level="word", lowercase=True)
    assert vocab.tokenize("The pear's salad!") == ["the", "pear's", "salad", "!"]
    # "the" 3 times, then the words seen once, ties in alphabetical order
    assert vocab.itos[2:] == ["the", "!", ".", "and", "apple", "pear", "pear's", "salad"]
    assert vocab.counts["the"] == 3
    ids = vocab.encode("the apple and the kiwi")
    assert ids[-2] == vocab.unk_id and ids[-1] == vocab.eos_id
    assert vocab.decode(ids) == "the apple and the <UNK>"


def test_lowercase_and_meta_round_trip():
    vocab = Vocabulary.build(["Mary", "ANNA"], lowercase=True)
    assert vocab.encode("MARY") == vocab.encode("mary")
    again = Vocabulary.from_meta(vocab.to_meta())
    assert again == vocab and again.itos == vocab.itos and again.lowercase
    assert repr(vocab) == ("Vocabulary(char, 7 tokens: ['<EOS>', '<UNK>', 'a', 'm', 'n', "
                           "'r', 'y'])")


def test_vocabulary_rejects_bad_input():
    with pytest.raises(ValueError, match="level"):
        Vocabulary(["a"], level="byte")
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary(["a", "a"])
    with pytest.raises(ValueError, match="distinct"):
        Vocabulary([EOS])
    with pytest.raises(ValueError, match="length 1"):
        Vocabulary(["ab"])
    with pytest.raises(TypeError, match="str"):
        Vocabulary(["a"]).encode(["a"])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        Vocabulary(["a"]).decode([5])


def test_pad_batch_shifts_targets_into_inputs_and_masks_padding():
    seqs = [[5, 6, 0], [7, 0]]                 # "ab<EOS>", "c<EOS>" as ids
    x, y, mask = pad_batch(seqs)
    assert x.tolist() == [[0, 5, 6], [0, 7, 0]]          # x<1> = <EOS>, x<t> = y<t-1>
    assert y.tolist() == [[5, 6, 0], [7, 0, 0]]
    assert mask.tolist() == [[True, True, True], [True, True, False]]
    assert x.dtype == np.int64 and mask.dtype == bool
    with pytest.raises(ValueError, match="non-empty"):
        pad_batch([[1, 0], []])


def test_sequence_batches_cover_every_sequence_once_and_shuffle_by_seed():
    seqs = [[i, 0] for i in range(2, 12)]
    def firsts(seed):
        return [int(v) for x, y, m in sequence_batches(seqs, 3, seed) for v in y[:, 0]]
    assert firsts(None) == list(range(2, 12))
    assert sorted(firsts(1)) == list(range(2, 12)) and firsts(1) == firsts(1)
    assert firsts(1) != firsts(2)
    assert [x.shape[0] for x, _, _ in sequence_batches(seqs, 3)] == [3, 3, 3, 1]
    with pytest.raises(ValueError, match="batch_size"):
        next(sequence_batches(seqs, 0))


def test_stream_windows_are_contiguous_rows_cut_in_time():
    tokens = stream([[2, 3, 0], [4, 0], [5, 6, 7, 0]])     # <EOS> first: 10 tokens
    assert tokens == [0, 2, 3, 0, 4, 0, 5, 6, 7, 0]
    windows = stream_windows(tokens, 2, 3)                 # L = (10 - 1) // 2 = 4 per row
    assert [w[0].shape for w in windows] == [(2, 3), (2, 1)]
    x = np.concatenate([w[0] for w in windows], axis=1)
    y = np.concatenate([w[1] for w in windows], axis=1)
    assert x.tolist() == [tokens[0:4], tokens[4:8]]        # row i: s_{iL+1..(i+1)L}
    assert y.tolist() == [tokens[1:5], tokens[5:9]]        # the next tokens
    with pytest.raises(ValueError, match="rows"):
        stream_windows([0, 1], 3, 2)
    with pytest.raises(ValueError, match="window"):
        stream_windows(tokens, 2, 0)
