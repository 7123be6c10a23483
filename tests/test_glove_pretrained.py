"""The shipped GloVe result (seqlab/embeddings/pretrained/glove_corpus.npz, made by
tools/train_glove.py) is small and its claims hold: the vocabulary and the number of analogy
questions it covers follow from the corpus, the loss fell, the vectors are the top words'."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import seqlab
from seqlab.backend import to_numpy
from seqlab.data.corpus import build_vocab, load_corpus
from seqlab.data.glove import gensim_test_file
from seqlab.embeddings.evaluation import read_analogies
from seqlab.npz import load_arrays

PATH = Path(seqlab.__file__).parent / "embeddings" / "pretrained" / "glove_corpus.npz"


@pytest.fixture(scope="module")
def shipped():
    arrays, meta = load_arrays(PATH)
    return {k: to_numpy(v) for k, v in arrays.items()}, meta


def test_file_is_small_and_says_how_it_was_made(shipped):
    arrays, meta = shipped
    assert PATH.stat().st_size < 1_000_000
    assert meta["script"] == "tools/train_glove.py" and meta["seed"] == 0
    assert arrays["vectors"].shape == (meta["top"], meta["vector_size"])
    assert len(arrays["losses"]) == meta["epochs"]
    assert np.isfinite(arrays["vectors"].astype(np.float32)).all()


def test_loss_fell_every_epoch(shipped):
    losses = shipped[0]["losses"]
    assert np.all(np.diff(losses) < 0) and losses[-1] < 0.7 * losses[0]


def test_vocabulary_and_covered_questions_follow_from_the_corpus(shipped):
    arrays, meta = shipped
    sentences = load_corpus("both")
    words, counts = build_vocab(sentences, meta["min_count"])
    assert meta["tokens"] == int(counts.sum())          # the tokens of words kept (min_count)
    assert meta["vocab"] == len(words)
    assert list(arrays["words"]) == words[: meta["top"]]
    assert np.array_equal(arrays["counts"], counts[: meta["top"]])
    vocab = {w.upper() for w in words}
    questions = [q for _, qs in read_analogies(gensim_test_file("questions-words.txt"))
                 for _, q in qs]
    assert meta["analogy_questions"] == sum(all(w in vocab for w in q) for q in questions)
    assert 0 < meta["analogy_accuracy"] < 1
