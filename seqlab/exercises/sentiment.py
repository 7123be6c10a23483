"""Exercises of notebook 11 (sentiment classification): ``sentence_to_avg`` and V1's forward pass.

``sentence_to_avg(sentence, word_to_vec_map)`` has the course's semantics (lowercase, split on
spaces, skip unknown words, divide by the number of *known* words, the zero vector when there is
none); its reference is :func:`seqlab.tasks.sentiment.sentence_to_avg`.
``sentiment_forward(avg, W, b, y)`` is the forward pass of the course's ``model`` for a batch
in the column layout: ŷ = softmax(W avg + b) over the classes (axis 0) and each sentence's
cross-entropy -log ŷ[y_i, i] (an array (m,): the checker compares arrays with a tolerance, a
scalar cost would be compared exactly); its reference is
:func:`seqlab.tasks.sentiment.v1_forward` plus :func:`seqlab.functional.log_softmax`.
Each known mistake is the whole function written once with one bug switched on.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.functional import log_softmax
from seqlab.tasks.sentiment import sentence_to_avg, v1_forward

# ---------------------------------------------------------------------------- sentence_to_avg
_VOCAB = ("i", "a", "love", "this", "movie", "not", "good", "bad", "the", "food", "was", "is")


def _avg(sentence, word_to_vec_map, bug=None):
    """The course's sentence_to_avg in plain Python, with one known ``bug`` switched on."""
    words = sentence.split() if bug == "no lower" else sentence.lower().split()
    if bug == "characters":
        words = list(sentence.lower())
    avg = np.zeros(np.shape(next(iter(word_to_vec_map.values()))))
    count = 0
    for w in words:
        if bug == "key error" or w in word_to_vec_map:
            if bug == "overwrite":
                avg = word_to_vec_map[w].copy()
            else:
                avg = avg + word_to_vec_map[w]
            count += 1
    if bug == "sum":
        return avg
    if bug == "all words":
        count = len(words)
    with np.errstate(invalid="ignore", divide="ignore"):
        return avg / count if (count > 0 or bug == "zero division") else avg


def _avg_mistake(bug):
    return lambda sentence, word_to_vec_map: _avg(sentence, word_to_vec_map, bug)


def _avg_case(sentence, n_h=4):
    def make(r):
        return {"sentence": sentence,
                "word_to_vec_map": {w: r.normal(size=n_h) for w in _VOCAB}}
    return make


SENTENCE_TO_AVG = Exercise(
    name="sentence_to_avg",
    signature="sentence_to_avg(sentence, word_to_vec_map) -> avg",
    reference=sentence_to_avg,
    library_name="seqlab.tasks.sentiment.sentence_to_avg",
    week="2",
    output_names=("avg",),
    cases=[
        Case("'love this movie', every word known", _avg_case("love this movie")),
        Case("'the food was good' (n_h = 6)", _avg_case("the food was good", 6)),
        Case("capital letters: 'I Love This Movie'", _avg_case("I Love This Movie")),
        Case("an unknown word: 'this movie was zorgly good'",
             _avg_case("this movie was zorgly good")),
        Case("a repeated word: 'bad bad movie'", _avg_case("bad bad movie")),
        Case("one word: 'good'", _avg_case("good")),
        Case("no known word: 'zorgly blimp' (the answer is the zero vector)",
             _avg_case("zorgly blimp")),
    ],
    mistakes=[
        Mistake("no lower", _avg_mistake("no lower"),
                "GloVe's words are lowercase: split `sentence.lower()`, or 'I' and 'Love' are "
                "not found in word_to_vec_map."),
        Mistake("sum", _avg_mistake("sum"),
                "you returned the SUM of the word vectors: divide it by the number of words "
                "you added (eq. 1, avg = Σ e_w / L)."),
        Mistake("all words", _avg_mistake("all words"),
                "divide by the number of words FOUND in word_to_vec_map, not by len(words): an "
                "unknown word is skipped, so it must not count in the average."),
        Mistake("key error", _avg_mistake("key error"),
                "a word that is not in word_to_vec_map (here 'zorgly') must be skipped: test "
                "`if w in word_to_vec_map` before looking it up."),
        Mistake("zero division", _avg_mistake("zero division"),
                "when no word is known, count is 0 and avg / 0 gives NaN: divide only when "
                "count > 0 and return the zero vector otherwise."),
        Mistake("characters", _avg_mistake("characters"),
                "`for w in sentence` walks over the CHARACTERS ('i', 'a', ...); split the "
                "sentence into words first: `words = sentence.lower().split()`."),
        Mistake("overwrite", _avg_mistake("overwrite"),
                "avg must ACCUMULATE the vectors (avg += word_to_vec_map[w]); you replaced it "
                "with each new word's vector."),
    ],
    hints=[
        "Lowercase and split: words = sentence.lower().split(). Start from avg = np.zeros of "
        "the vectors' shape (any vector of the map tells it) and count = 0.",
        "For each word that is in word_to_vec_map, add its vector to avg and count it; unknown "
        "words are skipped. At the end divide by count, but only if count > 0.",
        "any_w = next(iter(word_to_vec_map)); avg = np.zeros(word_to_vec_map[any_w].shape); "
        "for w in words: if w in word_to_vec_map: avg += word_to_vec_map[w]; count += 1; "
        "then if count > 0: avg = avg / count; return avg",
    ],
)


# -------------------------------------------------------------------------- sentiment_forward
def _forward_reference(avg, W, b, y):
    y_hat, _ = v1_forward(avg, {"W": W, "b": b})                       # (2-3)
    # (4) per sentence: -log ŷ[y_i, i], the cross-entropy before the mean over the batch
    losses = -log_softmax(W @ avg + b, axis=0)[y, np.arange(avg.shape[1])]
    return y_hat, losses


def _forward(avg, W, b, y, bug=None):
    """ŷ and J in plain NumPy, with one known ``bug`` switched on."""
    z = W @ avg + (0 if bug == "no bias" else b)                       # (n_y, m)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if bug == "sigmoid":
            y_hat = 1 / (1 + np.exp(-z))
        else:
            axis = 1 if bug == "axis 1" else 0
            shift = 0 if bug == "no max" else z.max(axis=axis, keepdims=True)
            e = np.exp(z - shift)
            y_hat = e / e.sum(axis=axis, keepdims=True)
        m = avg.shape[1]
        log = np.log10 if bug == "log10" else np.log
        picked = log(y_hat[y, np.arange(m)])                           # log ŷ[y_i, i]  (m,)
        if bug == "all classes":
            losses = -np.sum(np.log(y_hat), axis=0)
        elif bug == "sign":
            losses = picked
        else:
            losses = -picked
    return y_hat, losses


def _forward_mistake(bug):
    return lambda avg, W, b, y: _forward(avg, W, b, y, bug)


def _forward_case(n_h, n_y, m, zero=(), large=False):
    def make(r):
        avg, W = r.normal(size=(n_h, m)) * 0.5, r.normal(size=(n_y, n_h))
        b = r.normal(size=(n_y, 1)) * 0.5
        if large:
            b = b + 720.0                     # z ≈ 720 in every class: exp(z) overflows, the
            #                                   softmax itself is ordinary (no 0 probability)
        W, b = (np.zeros_like(W) if "W" in zero else W), (np.zeros_like(b) if "b" in zero else b)
        y = r.integers(0, n_y, size=m)
        return {"avg": avg, "W": W, "b": b, "y": y}
    return make


SENTIMENT_FORWARD = Exercise(
    name="sentiment_forward",
    signature="sentiment_forward(avg, W, b, y) -> (y_hat, losses)",
    reference=_forward_reference,
    source=v1_forward,
    library_name="seqlab.tasks.sentiment.v1_forward",
    week="2",
    output_names=("y_hat", "losses"),
    steps=[("y_hat", "ŷ = softmax(W·avg + b) over the classes, axis 0 (2-3)."),
           ("losses", "ŷ is right, so the loss is not: sentence i's loss is -log ŷ[y_i, i], "
            "the natural log of its TRUE class's probability (4).")],
    cases=[
        Case("b = 0: only W·avg", _forward_case(5, 3, 4, zero=("b",)), isolates="W·avg"),
        Case("W = 0: only b", _forward_case(5, 3, 4, zero=("W",)), isolates="b"),
        Case("random, n_h=5, n_y=3, m=4", _forward_case(5, 3, 4)),
        Case("one sentence (m = 1), n_y = 2", _forward_case(6, 2, 1)),
        Case("large logits (z ≈ 720)", _forward_case(5, 3, 4, large=True)),
    ],
    mistakes=[
        Mistake("no bias", _forward_mistake("no bias"),
                "z = W·avg + b (2): the bias b is missing."),
        Mistake("axis 1", _forward_mistake("axis 1"),
                "the softmax normalises over the CLASSES, axis 0 (each column of ŷ sums to 1); "
                "you normalised over the sentences, axis 1."),
        Mistake("sigmoid", _forward_mistake("sigmoid"),
                "ŷ = softmax(z) (3), not the sigmoid: the classes compete, so divide exp(z) by "
                "its sum over the classes."),
        Mistake("no max", _forward_mistake("no max"),
                "exp(720) overflows to inf, and inf/inf is NaN: subtract each column's max "
                "before exp, e = np.exp(z - z.max(axis=0, keepdims=True)) (same softmax)."),
        Mistake("all classes", _forward_mistake("all classes"),
                "the loss of sentence i uses only the probability of its TRUE class, "
                "-log ŷ[y_i, i] (4), not the log of every class."),
        Mistake("sign", _forward_mistake("sign"),
                "the loss is -log ŷ[y_i, i] (4): the minus sign is missing (a loss is ≥ 0)."),
        Mistake("log10", _forward_mistake("log10"),
                "the cross-entropy uses the natural log, np.log, not np.log10."),
    ],
    hints=[
        "z = W @ avg + b has one column per sentence, (n_y, m); the softmax normalises each "
        "column: subtract the column max, exponentiate, divide by the column sum.",
        "The loss of sentence i is -log ŷ[y_i, i], the probability of its right class: "
        "y_hat[y, np.arange(m)] picks all m at once (the cost J is their mean).",
        "z = W @ avg + b; e = np.exp(z - z.max(axis=0, keepdims=True)); y_hat = e / "
        "e.sum(axis=0, keepdims=True); losses = -np.log(y_hat[y, np.arange(avg.shape[1])]); "
        "return y_hat, losses",
    ],
)

EXERCISES = {ex.name: ex for ex in (SENTENCE_TO_AVG, SENTIMENT_FORWARD)}
