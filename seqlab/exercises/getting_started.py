"""Exercises of notebook 00 (getting started): a column softmax and a dense tanh layer.

Each exercise lists hand-built cases that isolate one term, and the known mistakes a learner
makes, each with the message the checker gives when the learner's output matches it.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.functional import softmax
from seqlab.layers.dense import dense_forward

# ---------------------------------------------------------------------------- softmax (column)


def _col_softmax(z):
    return softmax(z, axis=0)


def _softmax_wrong_axis(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _softmax_unstable(z):
    e = np.exp(z)
    return e / e.sum(axis=0, keepdims=True)


def _softmax_global_max(z):
    e = np.exp(z - z.max())
    return e / e.sum(axis=0, keepdims=True)


def _softmax_not_normalised(z):
    return np.exp(z - z.max(axis=0, keepdims=True))


def _softmax_global_sum(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum()


def _softmax_wrong_sign(z):
    e = np.exp(-z + z.min(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


SOFTMAX = Exercise(
    name="softmax",
    signature="softmax(z) -> s",
    reference=_col_softmax,
    source=softmax,
    library_name="seqlab.functional.softmax",
    output_names=("s",),
    cases=[
        Case("random logits, 4 classes x 3 examples", lambda r: {"z": r.normal(size=(4, 3))}),
        Case("square 3 x 3 logits", lambda r: {"z": r.normal(size=(3, 3)) * 2}),
        Case("one example (m = 1)", lambda r: {"z": r.normal(size=(5, 1))}),
        Case("large logits (1000)", lambda r: {"z": np.array([[1000.0, 2.0], [999.0, 1.0],
                                                              [998.0, 3.0]])}),
        Case("columns on very different scales", lambda r: {
            "z": np.array([[0.0, -1000.0], [1.0, -1001.0], [2.0, -1002.0]])}),
    ],
    mistakes=[
        Mistake("wrong axis", _softmax_wrong_axis,
                "normalised along the wrong axis. Each column z[:, i] is one example (column "
                "layout (n_y, m)), so sum over axis=0, the classes: every column must sum to 1."),
        Mistake("overflow", _softmax_unstable,
                "np.exp overflows for large logits (exp(1000) = inf, and inf/inf = NaN). "
                "Subtract each column's max first: softmax(z) = softmax(z - max), exactly."),
        Mistake("global max", _softmax_global_max,
                "subtract each column's own max (z.max(axis=0, keepdims=True)), not the max of "
                "the whole array: a column far below the global max underflows to 0/0 = NaN."),
        Mistake("not normalised", _softmax_not_normalised,
                "the exponentials are not normalised: divide by their sum over the classes "
                "(axis=0) so each column sums to 1."),
        Mistake("wrong sign", _softmax_wrong_sign,
                "the largest logit gets the smallest probability: use exp(+z), not exp(-z)."),
        Mistake("global sum", _softmax_global_sum,
                "you divided by the sum of the WHOLE array, so all the columns together sum to "
                "1: each column (one example) must sum to 1, e.sum(axis=0, keepdims=True)."),
    ],
    hints=[
        "softmax(z)_i = exp(z_i) / Σ_j exp(z_j), computed separately for every column.",
        "Shapes: z is (n_y, m); reduce over axis=0 with keepdims=True so the result is (1, m) "
        "and broadcasts over the rows.",
        "For stability subtract the column max first: e = np.exp(z - z.max(axis=0, "
        "keepdims=True)); then return e / e.sum(axis=0, keepdims=True).",
    ],
)

# ----------------------------------------------------------------------- dense layer a = tanh


def _dense(x, W, b):
    return dense_forward(x, W, b, "tanh")[0]


def _dense_no_bias(x, W, b):
    return np.tanh(W @ x)


def _dense_sigmoid(x, W, b):
    return 1 / (1 + np.exp(-(W @ x + b)))


def _dense_linear(x, W, b):
    return W @ x + b


def _dense_transposed(x, W, b):
    return np.tanh(W.T @ x + b)


def _dense_transposed_dot(x, W, b):
    return np.tanh(np.dot(W.T, x) + b)


def _dense_rows(x, W, b):
    return np.tanh(x.T @ W.T + b.T)


def _dense_elementwise(x, W, b):
    return np.tanh(W * x + b)


def _dense_minus_bias(x, W, b):
    return np.tanh(W @ x - b)


def _dense_inputs(n_x, n_a, m, w=True, b=True, x=True):
    def make(r):
        return {"x": r.normal(size=(n_x, m)) if x else np.zeros((n_x, m)),
                "W": r.normal(size=(n_a, n_x)) * 0.5 if w else np.zeros((n_a, n_x)),
                "b": r.normal(size=(n_a, 1)) if b else np.zeros((n_a, 1))}
    return make


DENSE = Exercise(
    name="dense_forward",
    signature="dense_forward(x, W, b) -> a",
    reference=_dense,
    source=dense_forward,
    library_name="seqlab.layers.dense_forward",
    output_names=("a",),
    cases=[
        Case("only the bias b is non-zero", _dense_inputs(3, 4, 2, w=False, x=False),
             isolates="b"),
        Case("only W x is non-zero (b = 0)", _dense_inputs(3, 4, 2, b=False), isolates="W"),
        Case("square W (n_x = n_a = 3)", _dense_inputs(3, 3, 5)),
        Case("random, n_x=5, n_a=2, m=4", _dense_inputs(5, 2, 4)),
        Case("one example (m = 1)", _dense_inputs(4, 3, 1)),
    ],
    mistakes=[
        Mistake("dropped bias", _dense_no_bias, "the bias b is missing: z = W x + b."),
        Mistake("sigmoid", _dense_sigmoid,
                "wrong activation: this layer uses tanh, you applied the sigmoid."),
        Mistake("no activation", _dense_linear,
                "the activation is missing: a = tanh(W x + b), not W x + b."),
        Mistake("transposed weight", _dense_transposed,
                "transposed weight: W has shape (n_a, n_x) and multiplies x on the left, "
                "z = W @ x (not W.T @ x).", variants=(_dense_transposed_dot,)),
        Mistake("row layout", _dense_rows,
                "your result is (m, n_a), the row layout: the course stacks examples as "
                "COLUMNS, so compute W @ x (n_a, m)."),
        Mistake("elementwise product", _dense_elementwise,
                "`W * x` is an element-wise product; the layer needs the matrix product W @ x."),
        Mistake("wrong sign", _dense_minus_bias, "wrong sign: z = W x + b, plus the bias."),
    ],
    hints=[
        "a = tanh(z) with z = W x + b, where x holds one example per column.",
        "Use the matrix product `W @ x` (n_a, m); the bias b (n_a, 1) broadcasts over the columns.",
        "return np.tanh(W @ x + b)",
    ],
)

EXERCISES = {ex.name: ex for ex in (SOFTMAX, DENSE)}
