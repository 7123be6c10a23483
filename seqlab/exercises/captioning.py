"""Exercise of notebook 18 (image captioning): from the image code v to the decoder's first
state, a<0> = tanh(W_a v + b_a) and c<0> = tanh(W_c v + b_c) (eq. 3 of
:mod:`seqlab.seq2seq.captioning`).

The reference is the library's :func:`seqlab.layers.dense.dense_forward`, as used by
:func:`seqlab.seq2seq.captioning.image_encoder_forward`. Each known mistake is the whole function
written once with one bug switched on.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.layers.dense import dense_forward
from seqlab.seq2seq.captioning import image_encoder_forward


def _reference(v, W_a, b_a, W_c, b_c):
    a0, _ = dense_forward(v, W_a, b_a, "tanh")      # (3) a<0> = tanh(W_a v + b_a)
    c0, _ = dense_forward(v, W_c, b_c, "tanh")      # (3) c<0> = tanh(W_c v + b_c)
    return a0, c0


def _state(v, W_a, b_a, W_c, b_c, bug=None):
    if bug == "shared weights":
        W_c, b_c = W_a, b_a
    if bug == "no bias":
        za, zc = W_a @ v, W_c @ v
    else:
        za, zc = W_a @ v + b_a, W_c @ v + b_c
    g = {"no tanh": lambda z: z, "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
         "relu": lambda z: np.maximum(z, 0)}.get(bug, np.tanh)
    a0, c0 = g(za), g(zc)
    if bug == "zero memory":
        c0 = np.zeros_like(a0)
    if bug == "swapped":
        a0, c0 = c0, a0
    return a0, c0


def _case(n_v, n_a, m, zero_w=False):
    def make(r):
        W_a, W_c = (r.normal(size=(n_a, n_v)) / np.sqrt(n_v) for _ in range(2))
        if zero_w:
            W_a, W_c = np.zeros_like(W_a), np.zeros_like(W_c)
        return {"v": np.abs(r.normal(size=(n_v, m))), "W_a": W_a,
                "b_a": r.normal(size=(n_a, 1)), "W_c": W_c, "b_c": r.normal(size=(n_a, 1))}
    return make


def _mistake(bug):
    return lambda *args: _state(*args, bug=bug)


IMAGE_TO_STATE = Exercise(
    name="image_to_state",
    signature="image_to_state(v, W_a, b_a, W_c, b_c) -> (a0, c0)",
    reference=_reference,
    source=image_encoder_forward,
    library_name="seqlab.seq2seq.captioning.image_encoder_forward",
    week="3",
    output_names=("a0", "c0"),
    steps=[("a0", "a<0> = tanh(W_a v + b_a) (3)."),
           ("c0", "a<0> is right, so c<0> = tanh(W_c v + b_c) (3) is not: its own weights "
            "W_c, b_c.")],
    cases=[
        Case("n_v = 6, n_a = 4, m = 3 images", _case(6, 4, 3)),
        Case("one image (m = 1)", _case(5, 3, 1)),
        Case("W_a = W_c = 0: only the biases", _case(4, 3, 2, zero_w=True), isolates="b"),
        Case("n_v = 16, n_a = 8, m = 5", _case(16, 8, 5)),
    ],
    mistakes=[
        Mistake("no tanh", _mistake("no tanh"),
                "a<0> = tanh(W_a v + b_a) (3): you returned the pre-activation; the decoder's "
                "states live in (-1, 1), so squash with np.tanh."),
        Mistake("sigmoid", _mistake("sigmoid"),
                "the activation is tanh, not the sigmoid: a<0> must be able to be negative, "
                "like every hidden state of the decoder."),
        Mistake("relu", _mistake("relu"),
                "the activation is tanh, not relu (the ConvNet uses relu; the state it feeds "
                "the RNN is a tanh, like the RNN's own states)."),
        Mistake("no bias", _mistake("no bias"),
                "you dropped the biases: a<0> = tanh(W_a v + b_a), c<0> = tanh(W_c v + b_c)."),
        Mistake("shared weights", _mistake("shared weights"),
                "c<0> has its own weights: c<0> = tanh(W_c v + b_c), not W_a, b_a again."),
        Mistake("zero memory", _mistake("zero memory"),
                "c<0> is not zero here: the image sets both the hidden state and the memory "
                "cell, c<0> = tanh(W_c v + b_c)."),
        Mistake("swapped", _mistake("swapped"),
                "you returned (c0, a0): the first output is a<0> (from W_a, b_a)."),
    ],
    hints=[
        "Two dense layers on the same image code v (n_v, m): one gives a<0>, the other c<0>, "
        "both (n_a, m) with a tanh.",
        "W_a @ v is (n_a, m); b_a (n_a, 1) broadcasts over the m columns.",
        "return np.tanh(W_a @ v + b_a), np.tanh(W_c @ v + b_c)",
    ],
)

EXERCISES = {ex.name: ex for ex in (IMAGE_TO_STATE,)}
