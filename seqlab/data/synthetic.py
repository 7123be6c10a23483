"""Synthetic sequence tasks for week 1, deterministic: one seed, one batch.

Two generators, each built so that exactly one thing decides the answer:

- :func:`agreement_batch`, long-range dependencies ("Vanishing gradients with RNNs"): "the cat,
  which ... , was" / "the cats, which ... , were". The sentence is the subject (one of six noun
  pairs, singular or plural), "which", ``gap - 2`` filler words drawn uniformly from a word
  list that says nothing about number, and ","; the label is the verb that follows, 0 = "was"
  (singular) and 1 = "were" (plural). The filler is drawn from its own random stream, so for
  one seed the two classes get *the same* filler: only the noun, ``gap`` words before the
  verb, tells them apart. Classes are balanced (m/2 each for even m): chance is 50 %.
- :func:`name_tagging_batch`, the bidirectional RNN's motivation ("Bidirectional RNN"): "he
  said, teddy roosevelt was a great president" / "he said, teddy bears are on sale". One tag
  per word, 1 = part of a person's name. Each sentence is a prefix (drawn independently of
  everything else), one two-word phrase, then an ending that fits the phrase. Half of the
  phrases start with an *ambiguous* word (teddy, april, rose, ...): the word after it, a
  surname or a noun, decides its tag, each with probability 1/2. The rest are unambiguous
  names (emma watson) or common phrases (green apples). A left-to-right model can only guess
  the ambiguous word (50 %); a model that reads the next word can be right every time.

Shapes
------
==============  ===========  ===================================================
name            shape        meaning
==============  ===========  ===================================================
ids             (m, T)       int64 token ids (agreement: T = gap + 2)
y               (m,)         int64 agreement label: 0 "was", 1 "were"
tags            (m, T)       int64 tag per word: 1 name, 0 other (0 on padding)
lengths         (m,)         int64 real words per sentence (padding id 0 after them)
ambiguous       (m, T)       bool, True on the ambiguous first word of a phrase
==============  ===========  ===================================================
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from seqlab._validate import (
    IdError,
    MissingKeyError,
    as_array,
    check_int,
    check_number,
    check_rng,
    check_sequence,
    check_str,
)

__all__ = ["AGREEMENT_VOCAB", "AMBIGUOUS", "TAGGING_VOCAB", "TaggingBatch", "agreement_batch",
           "agreement_label", "decode", "encode", "name_tagging_batch", "perturb_tokens",
           "tag_sentence"]

# ---------------------------------------------------------------- agreement (many-to-one)
NOUNS = (("cat", "cats"), ("dog", "dogs"), ("child", "children"), ("key", "keys"),
         ("box", "boxes"), ("man", "men"))
FILLER = ("already", "ate", "a", "lot", "of", "food", "and", "then", "slept", "on", "warm",
          "sofa", "near", "window", "after", "long", "walk", "in", "park", "with", "friend",
          "quietly", "yesterday", "under", "old", "tree", "by", "river", "some", "fish")
AGREEMENT_VOCAB = ("the", "which", ",", *(n for pair in NOUNS for n in pair), *FILLER)
VERBS = ("was", "were")                       # label 0, label 1
_ID = {w: i for i, w in enumerate(AGREEMENT_VOCAB)}
_NOUN_IDS = np.array([[_ID[s], _ID[p]] for s, p in NOUNS])        # (6, 2): [singular, plural]
_FILLER_IDS = np.array([_ID[w] for w in FILLER])
_PLURAL = {int(_NOUN_IDS[k, n]): n for k in range(len(NOUNS)) for n in (0, 1)}


def agreement_batch(m: int, gap: int, rng=0, y=None):
    """m sentences "the NOUN which <gap - 2 fillers> ," and their verbs' number.

    Parameters
    ----------
    m : int ≥ 1, batch size
    gap : int ≥ 2, words between the noun and the verb ("which", fillers, ",")
    rng : int seed or numpy Generator; three child streams draw labels, nouns and filler
    y : optional int array (m,) of labels to use instead of drawing them (the filler and the
        choice of noun pair are the same whatever ``y`` is)

    Returns
    -------
    ids : int64 (m, gap + 2), token ids into :data:`AGREEMENT_VOCAB`
    y : int64 (m,), 0 = singular ("was"), 1 = plural ("were"); balanced when drawn
    """
    m = check_int(m, "agreement_batch(m)", 1)
    gap = check_int(gap, 'agreement_batch(gap) ("which" and "," are always between noun and '
                    'verb)', 2)
    r_label, r_noun, r_filler = check_rng(rng, "agreement_batch(rng)").spawn(3)
    if y is None:
        y = r_label.permutation(np.arange(m) % 2)            # balanced: m/2 of each class
    y = np.asarray(y)
    if y.shape != (m,) or y.dtype.kind not in "iub" or not np.isin(y, (0, 1)).all():
        raise ValueError(f"agreement_batch(y): expected {m} labels in {{0, 1}}, got "
                         f"{y.dtype} array of shape {y.shape}")
    pair = r_noun.integers(0, len(NOUNS), m)                  # which noun, whatever y is
    ids = np.empty((m, gap + 2), np.int64)
    ids[:, 0] = _ID["the"]
    ids[:, 1] = _NOUN_IDS[pair, y]                            # the only clue: singular/plural
    ids[:, 2] = _ID["which"]
    ids[:, 3:-1] = _FILLER_IDS[r_filler.integers(0, len(FILLER), (m, gap - 2))]
    ids[:, -1] = _ID[","]
    return ids, y.astype(np.int64)


def agreement_label(ids) -> np.ndarray:
    """The correct verb (0 "was", 1 "were") read off the noun at position 1: int64 (m,)."""
    ids = np.asarray(as_array(ids, "agreement_label(ids)", "int", ndim=2, symbols="(m, T ≥ 2)"))
    if ids.shape[1] < 2:
        raise ValueError(f"agreement_label(ids): expected (m, T ≥ 2), got shape {ids.shape}")
    _ids(ids, len(AGREEMENT_VOCAB), "agreement_label(ids)")
    try:
        return np.array([_PLURAL[int(i)] for i in ids[:, 1]], np.int64)
    except KeyError as err:
        raise ValueError(f"agreement_label(ids): expected a noun at position 1, got id {err}") \
            from None


# ---------------------------------------------------------------- name tagging (many-to-many)
# Ambiguous first words: (surnames after which they are a name, nouns after which they are not)
AMBIGUOUS = {
    "teddy": (("roosevelt", "sheringham"), ("bears", "boys")),
    "april": (("ludgate", "jones"), ("showers", "fools")),
    "rose": (("parks", "tyler"), ("petals", "bushes")),
    "grace": (("hopper", "kelly"), ("notes", "periods")),
    "summer": (("glau", "phoenix"), ("holidays", "camps")),
    "ruby": (("wax", "bridges"), ("slippers", "rings")),
    "holly": (("hunter", "willoughby"), ("berries", "bushes")),
    "jack": (("london", "white"), ("rabbits", "knives")),
    "lily": (("allen", "james"), ("pads", "ponds")),
    "amber": (("heard", "valletta"), ("lights", "beads")),
}
NAMES = {"emma": ("watson", "stone"), "barack": ("obama",), "ada": ("lovelace",),
         "alan": ("turing",), "marie": ("curie",), "nelson": ("mandela",),
         "frida": ("kahlo",), "isaac": ("newton",)}
PHRASES = (("green", "apples"), ("the", "weather"), ("new", "shoes"), ("old", "books"),
           ("fresh", "bread"), ("the", "trains"), ("cheap", "tickets"), ("the", "elections"))
PREFIXES = (("he", "said", ","), ("she", "said", ","), ("i", "think"), ("they", "told", "me"),
            ("we", "know", "that"), ("everyone", "says"), ("apparently",))
ENDINGS = {1: (("was", "a", "great", "president"), ("is", "here"), ("won", "the", "prize"),
               ("will", "visit", "us")),
           0: (("are", "on", "sale"), ("were", "lovely"), ("look", "nice"),
               ("are", "everywhere"))}


def _tagging_vocab() -> tuple[str, ...]:
    words = [w for ws in (*PREFIXES, *ENDINGS[0], *ENDINGS[1], *PHRASES) for w in ws]
    for first, (surnames, nouns) in AMBIGUOUS.items():
        words += [first, *surnames, *nouns]
    for first, surnames in NAMES.items():
        words += [first, *surnames]
    return ("<pad>", *sorted(set(words)))


TAGGING_VOCAB = _tagging_vocab()                  # id 0 is padding
_TAG_ID = {w: i for i, w in enumerate(TAGGING_VOCAB)}
_AMBIGUOUS_ITEMS = tuple(AMBIGUOUS.items())
_NAME_ITEMS = tuple(NAMES.items())


class TaggingBatch(NamedTuple):
    """A padded batch of tagged sentences (shapes in the module docstring)."""

    ids: np.ndarray         # (m, T) int64, 0 = <pad> after each sentence
    tags: np.ndarray        # (m, T) int64, 1 = name, 0 = other or padding
    lengths: np.ndarray     # (m,) int64
    ambiguous: np.ndarray   # (m, T) bool, the ambiguous first words

    @property
    def mask(self) -> np.ndarray:
        """(m, T) bool, True on real words."""
        return np.arange(self.ids.shape[1])[None, :] < self.lengths[:, None]


def _sentence(rng: np.random.Generator, kind: int, is_name: int):
    """One sentence: words, tags, index of its ambiguous word (or -1)."""
    prefix = PREFIXES[rng.integers(len(PREFIXES))]
    ambiguous = -1
    if kind == 0:                                              # ambiguous first word
        first, (surnames, nouns) = _AMBIGUOUS_ITEMS[rng.integers(len(_AMBIGUOUS_ITEMS))]
        options = surnames if is_name else nouns
        phrase, phrase_tags = (first, options[rng.integers(len(options))]), (is_name,) * 2
        ambiguous = len(prefix)
    elif kind == 1:                                            # always a name
        first, surnames = _NAME_ITEMS[rng.integers(len(_NAME_ITEMS))]
        phrase, phrase_tags, is_name = (first, surnames[rng.integers(len(surnames))]), (1, 1), 1
    else:                                                      # never a name
        phrase, phrase_tags, is_name = PHRASES[rng.integers(len(PHRASES))], (0, 0), 0
    ending = ENDINGS[is_name][rng.integers(len(ENDINGS[is_name]))]
    words = (*prefix, *phrase, *ending)
    tags = (0,) * len(prefix) + phrase_tags + (0,) * len(ending)
    return words, tags, ambiguous


def name_tagging_batch(m: int, rng=0) -> TaggingBatch:
    """m tagged sentences: half with an ambiguous first word (half of those names), a quarter
    unambiguous names, a quarter common phrases.

    Parameters
    ----------
    m : int ≥ 1, batch size
    rng : int seed or numpy Generator

    Returns
    -------
    TaggingBatch, padded to the longest sentence of the batch
    """
    m = check_int(m, "name_tagging_batch(m)", 1)
    rng = check_rng(rng, "name_tagging_batch(rng)")
    kinds = rng.permutation(np.array([0, 0, 1, 2])[np.arange(m) % 4])  # 1/2, 1/4, 1/4
    is_name = np.zeros(m, np.int64)
    amb = np.flatnonzero(kinds == 0)
    is_name[amb] = rng.permutation(np.arange(amb.size) % 2)     # balanced on ambiguous words
    rows = [_sentence(rng, int(k), int(n)) for k, n in zip(kinds, is_name, strict=True)]
    T = max(len(words) for words, _, _ in rows)
    batch = TaggingBatch(np.zeros((m, T), np.int64), np.zeros((m, T), np.int64),
                         np.zeros(m, np.int64), np.zeros((m, T), bool))
    for i, (words, tags, a) in enumerate(rows):
        batch.ids[i, : len(words)] = [_TAG_ID[w] for w in words]
        batch.tags[i, : len(words)] = tags
        batch.lengths[i] = len(words)
        if a >= 0:
            batch.ambiguous[i, a] = True
    return batch


def tag_sentence(sentence: str) -> TaggingBatch:
    """One sentence (words of :data:`TAGGING_VOCAB`, split on spaces) as a batch of one; its
    tags follow the generator's rule (a word before a surname, or a known name, is a name)."""
    words = check_str(sentence, "tag_sentence(sentence)").lower().replace(",", " , ").split()
    unknown = [w for w in words if w not in _TAG_ID or w == "<pad>"]
    if unknown:
        raise MissingKeyError(f"tag_sentence(sentence): expected words of TAGGING_VOCAB, got "
                              f"{unknown[0]!r}")
    if not words:
        raise ValueError("tag_sentence(sentence): expected at least one word, got none")
    surnames = {s for ss, _ in AMBIGUOUS.values() for s in ss} | {
        s for ss in NAMES.values() for s in ss}
    tags = [0] * len(words)
    ambiguous = [False] * len(words)
    for t, w in enumerate(words):
        nxt = words[t + 1] if t + 1 < len(words) else None
        if w in AMBIGUOUS:
            ambiguous[t] = True
            if nxt in AMBIGUOUS[w][0]:
                tags[t] = tags[t + 1] = 1
        elif w in NAMES and nxt in NAMES[w]:
            tags[t] = tags[t + 1] = 1
        elif w in surnames and t > 0 and tags[t - 1] == 1:
            tags[t] = 1
    return TaggingBatch(np.array([[_TAG_ID[w] for w in words]], np.int64),
                        np.array([tags], np.int64), np.array([len(words)], np.int64),
                        np.array([ambiguous]))


def encode(words, vocab=TAGGING_VOCAB) -> np.ndarray:
    """Words -> int64 ids (n,) in ``vocab``."""
    index = {w: i for i, w in enumerate(vocab)}
    words = check_sequence(words, "encode(words)", "a list of words")
    unknown = [w for w in words if w not in index]
    if unknown:
        raise MissingKeyError(f"encode(words): expected words of the vocabulary, got "
                              f"{unknown[0]!r}")
    return np.array([index[w] for w in words], np.int64)


def decode(ids, vocab=TAGGING_VOCAB, length=None) -> list[str]:
    """Ids (n,) -> words, the first ``length`` of them (all when None)."""
    ids = np.asarray(as_array(ids, "decode(ids)", "int", symbols="of token ids")).ravel()
    _ids(ids, len(vocab), "decode(ids)")
    if length is not None:
        ids = ids[:check_int(length, "decode(length) (or None)", 0)]
    return [vocab[int(i)] for i in ids]


def perturb_tokens(tokens, rng, vocab, rate: float = 0.3) -> list:
    """A noisy copy of a token list, like a system output or another reference for BLEU:
    ``int(rate·len) + 1`` random edits, each a deletion, a substitution or an insertion of a
    ``vocab`` word, or a swap of two neighbours. ``rng`` is a numpy Generator or an int seed."""
    f = "perturb_tokens"
    out = check_sequence(tokens, f"{f}(tokens)", "a list of tokens")
    rng = check_rng(rng, f"{f}(rng)")
    vocab = check_sequence(vocab, f"{f}(vocab)", "a list of words to insert", empty=False)
    rate = check_number(rate, f"{f}(rate) (edits per token)", 0)
    for _ in range(int(rate * len(out)) + 1):
        op = rng.integers(4)
        if not out:
            break
        i = int(rng.integers(len(out)))
        if op == 0 and len(out) > 1:
            del out[i]
        elif op == 1:
            out[i] = vocab[int(rng.integers(len(vocab)))]
        elif op == 2 and i + 1 < len(out):
            out[i], out[i + 1] = out[i + 1], out[i]
        else:
            out.insert(i, vocab[int(rng.integers(len(vocab)))])
    return out


def _ids(ids, V: int, where: str) -> None:
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= V):
        raise IdError(f"{where}: expected ids in [0, {V}), got out-of-range values "
                      f"{ids[(ids < 0) | (ids >= V)].ravel()[:5].tolist()}")
