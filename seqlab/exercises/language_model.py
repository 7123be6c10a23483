"""Exercises of notebook 03 (language model and sampling): the Dinosaurus Island trio.

``clip``, ``sample`` and ``optimize`` in the course's form, checked against
:mod:`seqlab.lm.course`. Each known mistake is the whole function written once (``_sample``,
``_optimize``) with one bug switched on, so the message names exactly what differs: a state or
input never fed back, the zero vector as x<1>, the argmax instead of a draw, a generator made
at every step, ``<EOS>`` not returned, one index too many, the mean instead of the sum, the
update before the clipping, a<T-1> returned as the last state, targets X instead of Y.

The sampler returns a NumPy int array (not the course's list) so that a sequence of the wrong
length is reported as a shape, and the generator is made inside from an int ``seed`` (the
checker copies arrays, not generators).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.functional import softmax
from seqlab.lm import course
from seqlab.losses import temporal_cross_entropy
from seqlab.optim import clip_by_value
from seqlab.rnn import output_backward, rnn_backward, rnn_forward

KEYS = course.COURSE_KEYS


def _params(r, n_x, n_a, scale=0.8, zero=()):
    shapes = {"W_aa": (n_a, n_a), "W_ax": (n_a, n_x), "b_a": (n_a, 1),
              "W_ya": (n_x, n_a), "b_y": (n_x, 1)}
    return {k: np.zeros(s) if k in zero else r.normal(size=s) * scale for k, s in shapes.items()}


# --------------------------------------------------------------------------------------- clip


def _clip(gradients, max_value):
    return course.clip({k: v.copy() for k, v in gradients.items()}, max_value)


def _clip_with(gradients, max_value, lo=None, hi=None, skip_biases=False):
    lo = -max_value if lo is None else lo
    hi = max_value if hi is None else hi
    return {k: (g.copy() if skip_biases and k.startswith("b") else np.clip(g, lo, hi))
            for k, g in gradients.items()}


def _clip_by_norm(gradients, max_value):
    norm = np.sqrt(sum(float((g ** 2).sum()) for g in gradients.values()))
    factor = min(1.0, max_value / norm)
    return {k: g * factor for k, g in gradients.items()}


def _grads_input(scale, max_value, only=None, sign=0):
    def make(r):
        grads = {k: v * 0 if only and k != only else v
                 for k, v in _params(r, 8, 6, scale).items()}
        if sign:
            grads = {k: -np.abs(v) if sign < 0 else np.abs(v) for k, v in grads.items()}
        return {"gradients": grads, "max_value": max_value}
    return make


CLIP = Exercise(
    name="clip",
    signature="clip(gradients, max_value) -> gradients",
    reference=_clip,
    source=clip_by_value,
    library_name="seqlab.optim.clip_by_value",
    week="1",
    output_names=("gradients",),
    float32_ok=False,
    cases=[
        Case("random gradients, many beyond ±5", _grads_input(6.0, 5.0)),
        Case("only b_y is non-zero (beyond ±1)", _grads_input(4.0, 1.0, only="b_y"),
             isolates="b_y"),
        Case("every entry negative, max_value = 2", _grads_input(4.0, 2.0, sign=-1)),
        Case("every entry within the bound: nothing changes", _grads_input(0.5, 10.0)),
        Case("max_value = 0.1", _grads_input(1.0, 0.1)),
    ],
    mistakes=[
        Mistake("biases skipped", partial(_clip_with, skip_biases=True),
                "the biases (b_a, b_y) were not clipped: loop over every key of gradients."),
        Mistake("upper bound only", partial(_clip_with, lo=-np.inf),
                "only the upper bound was applied: entries below -max_value must become "
                "-max_value too (np.clip(g, -max_value, max_value))."),
        Mistake("lower bound only", partial(_clip_with, hi=np.inf),
                "only the lower bound was applied: entries above max_value must become "
                "max_value too."),
        Mistake("lower bound zero", partial(_clip_with, lo=0.0),
                "the interval is [-max_value, max_value]: you clipped to [0, max_value], "
                "which turns every negative gradient into 0."),
        Mistake("clip by norm", _clip_by_norm,
                "you rescaled all gradients by their global norm (clipping by norm); this "
                "exercise clips each entry by value to [-max_value, max_value]."),
        Mistake("not stored", lambda gradients, max_value: gradients,
                "nothing was clipped: `g = np.clip(g, ...)` inside a loop only rebinds the name "
                "g. Store the result (gradients[key] = np.clip(...)) or clip in place with "
                "np.clip(g, -max_value, max_value, out=g)."),
    ],
    hints=[
        "Clip every entry of every gradient to the interval [-max_value, max_value], then "
        "return the dict.",
        "Loop over the keys: `for key, g in gradients.items():` and use np.clip with both "
        "bounds.",
        "for key in gradients: gradients[key] = np.clip(gradients[key], -max_value, max_value)"
        "; then return gradients.",
    ],
)

# ------------------------------------------------------------------------------------ sample


def _sample_ref(params, seed, eos_index=0, max_length=50):
    return np.array(course.sample(params, seed, eos_index, max_length), dtype=np.int64)


def _sample(params, seed, eos_index=0, max_length=50, *, feed_x=True, carry_a=True,
            zero_start=False, greedy=False, rng_each_step=False, keep_eos=True, extra=0,
            clear_x=True, stop=True):
    """The sampling loop with one bug switched on (see the Mistakes below)."""
    rng = np.random.default_rng(seed)
    n_a, n_x = params["W_ax"].shape
    start = np.zeros((n_x, 1))
    if not zero_start:
        start[eos_index] = 1
    x, a_prev, indices = start, np.zeros((n_a, 1)), []
    while len(indices) < max_length + extra or not stop:
        a = np.tanh(params["W_ax"] @ x + params["W_aa"] @ a_prev + params["b_a"])
        y = softmax(params["W_ya"] @ a + params["b_y"])
        if rng_each_step:
            rng = np.random.default_rng(seed)
        idx = int(np.argmax(y)) if greedy else int(rng.choice(n_x, p=y.ravel()))
        if idx == eos_index and not keep_eos:
            break
        indices.append(idx)
        if idx == eos_index:
            break
        if feed_x:
            if clear_x:
                x = np.zeros((n_x, 1))
            x[idx] = 1
        if carry_a:
            a_prev = a
    return np.array(indices, dtype=np.int64)


def _sample_input(seed, eos_index=0, max_length=50, eos_bias=0.0, n_x=6, n_a=5):
    def make(r):
        params = _params(r, n_x, n_a, scale=0.7)
        params["b_y"][eos_index] += eos_bias
        return {"params": params, "seed": seed, "eos_index": eos_index,
                "max_length": max_length}
    return make


SAMPLE = Exercise(
    name="sample",
    signature="sample(params, seed, eos_index=0, max_length=50) -> indices",
    reference=_sample_ref,
    source=course.sample,
    library_name="seqlab.lm.course.sample",
    week="1",
    output_names=("indices",),
    cases=[
        Case("random RNN, seed 0", _sample_input(0, eos_bias=-1.0)),
        Case("random RNN, seed 7, <EOS> = index 3", _sample_input(7, eos_index=3, eos_bias=-1)),
        Case("<EOS> likely: short sequences", _sample_input(2, eos_bias=0.8)),
        Case("<EOS> never drawn: stops at max_length = 8",
             _sample_input(3, max_length=8, eos_bias=-40.0)),
        Case("a larger vocabulary (n_x = 12)", _sample_input(5, eos_bias=-2.0, n_x=12)),
    ],
    mistakes=[
        Mistake("x not fed back", partial(_sample, feed_x=False),
                "x<t+1> must be the one-hot of the index you just sampled: you keep feeding "
                "the start token x<1>."),
        Mistake("a not carried", partial(_sample, carry_a=False),
                "a<t-1> is not carried from step to step: set a_prev = a after each step "
                "(you restart from a<0> = 0 every time)."),
        Mistake("zero start", partial(_sample, zero_start=True),
                "x<1> must be the one-hot of <EOS> (x[eos_index] = 1), the start token the "
                "model was trained with, not the zero vector."),
        Mistake("argmax", partial(_sample, greedy=True),
                "you always took the most likely index: draw it instead, "
                "rng.choice(n_y, p=y_hat.ravel())."),
        Mistake("generator each step", partial(_sample, rng_each_step=True),
                "make the generator once, before the loop: re-creating "
                "np.random.default_rng(seed) at every step repeats the same random number."),
        Mistake("eos not returned", partial(_sample, keep_eos=False),
                "append the sampled index first, then stop if it is <EOS>: the indices must "
                "end with eos_index when it was drawn."),
        Mistake("one too many", partial(_sample, extra=1),
                "at most max_length indices: stop when len(indices) == max_length (you "
                "return one more)."),
        Mistake("x not reset", partial(_sample, clear_x=False),
                "x<t+1> must be the one-hot of the sampled index ALONE: you set x[idx] = 1 on "
                "the previous x, so the ones pile up. Start from a fresh x = np.zeros((n_x, 1)) "
                "before x[idx] = 1."),
        Mistake("no max_length stop", partial(_sample, stop=False),
                "your loop never stopped: on this case <EOS> is (almost) never drawn, so a loop "
                "that stops only at <EOS> runs forever. Did you stop at max_length? "
                "while idx != eos_index and len(indices) < max_length: ...", hangs=True),
    ],
    hints=[
        "Make rng = np.random.default_rng(seed) once. Start with x = one-hot of eos_index and "
        "a_prev = 0; loop: a = tanh(W_ax x + W_aa a_prev + b_a), y = softmax(W_ya a + b_y), "
        "draw an index, append it, stop at <EOS> or max_length.",
        "The draw is idx = rng.choice(n_y, p=y.ravel()). Then x = one-hot of idx (a fresh "
        "zeros((n_x, 1))) and a_prev = a for the next step.",
        "while len(indices) < max_length: ... indices.append(idx); if idx == eos_index: break"
        " ... and at the end return np.array(indices).",
    ],
)

# ---------------------------------------------------------------------------------- optimize


def _optimize(X, Y, a_prev, params, learning_rate=0.01, max_value=5.0, *, mean=False,
              clip=True, update_before_clip=False, sign=-1, last=-1, zero_a0=False,
              targets_x=False, no_output_grads=False):
    """The optimization step with one bug switched on (see the Mistakes below)."""
    n_x = params["W_ax"].shape[1]
    x = np.eye(n_x)[:, X]                                        # (n_x, m, T_x)
    a0 = np.zeros_like(a_prev) if zero_a0 else a_prev
    a, _, cache = rnn_forward(x, a0, params)
    loss, dlogits = temporal_cross_entropy(cache.logits, X if targets_x else Y,
                                           reduction="mean" if mean else "sum")
    da, out_grads = output_backward(dlogits, a, params)
    _, _, grads = rnn_backward(da, cache)
    if not no_output_grads:
        grads.update(out_grads)
    raw = {k: g.copy() for k, g in grads.items()}
    if clip:
        grads = {k: np.clip(g, -max_value, max_value) for k, g in grads.items()}
    used = raw if update_before_clip else grads
    new = {k: params[k] + sign * learning_rate * used[k] for k in params}
    return loss, grads, a[:, :, last], new


def _opt_input(m, T, max_value=5.0, lr=0.01, scale=0.8, zero=(), n_x=5, n_a=4):
    def make(r):
        return {"X": r.integers(0, n_x, (m, T)), "Y": r.integers(0, n_x, (m, T)),
                "a_prev": r.normal(size=(n_a, m)) * 0.5,
                "params": _params(r, n_x, n_a, scale, zero), "learning_rate": lr,
                "max_value": max_value}
    return make


OPTIMIZE = Exercise(
    name="optimize",
    signature="optimize(X, Y, a_prev, params, learning_rate=0.01, max_value=5.0) -> "
              "(loss, gradients, a_last, params)",
    reference=course.optimize,
    library_name="seqlab.lm.course.optimize",
    week="1",
    output_names=("loss", "gradients", "a_last", "params"),
    float32_ok=False,
    cases=[
        Case("one name (m = 1, T_x = 6)", _opt_input(1, 6, lr=0.05)),
        Case("a batch of 3 sequences, T_x = 4", _opt_input(3, 4, lr=0.1)),
        Case("gradients beyond max_value = 0.3: clipping matters", _opt_input(2, 5, 0.3, 0.5)),
        Case("only the output layer is non-zero", _opt_input(2, 3, zero=("W_aa", "W_ax", "b_a")),
             isolates="W_ya, b_y"),
        Case("one step (T_x = 1)", _opt_input(2, 1, lr=0.1)),
    ],
    mistakes=[
        Mistake("mean loss", partial(_optimize, mean=True),
                "the course's loss is the SUM of -log ŷ<t>_y<t> over all steps and examples, "
                "not the mean: temporal_cross_entropy(..., reduction='sum')."),
        Mistake("targets X", partial(_optimize, targets_x=True),
                "the targets are Y (y<t> = x<t+1>, the NEXT character), not the inputs X."),
        Mistake("zero a0", partial(_optimize, zero_a0=True),
                "the forward pass must start from a_prev (the state carried from the previous "
                "batch), not from zeros."),
        Mistake("a<T-1>", partial(_optimize, last=-2),
                "off by one in time: a_last is a<T_x>, the state after the LAST step "
                "(a[:, :, -1]), not a<T_x-1>."),
        Mistake("no output grads", partial(_optimize, no_output_grads=True),
                "dW_ya and db_y are missing (zeros): they come from output_backward, add them "
                "to the gradients (gradients.update(...))."),
        Mistake("no clipping", partial(_optimize, clip=False),
                "the gradients were not clipped to [-max_value, max_value] before the update."),
        Mistake("update before clip", partial(_optimize, update_before_clip=True),
                "update the params with the CLIPPED gradients: clip first, then "
                "W := W - learning_rate · dW."),
        Mistake("wrong sign", partial(_optimize, sign=+1),
                "gradient DEscent: W := W - learning_rate · dW (you added the gradient)."),
    ],
    hints=[
        "Four steps: forward (rnn_forward on the one-hot X from a_prev), loss and dlogits "
        "(temporal_cross_entropy with reduction='sum'), backward (output_backward, then "
        "rnn_backward), clip, update. Return loss, gradients, a<T_x>, the new params.",
        "x = one_hot(X, n_x) has shape (n_x, m, T_x); rnn_forward returns a, y_hat, cache and "
        "cache.logits feeds the loss; rnn_backward(da, cache) returns dx, (da0, dc0), "
        "gradients (dc0 is None: no memory cell): add the output layer's gradients to them.",
        "gradients = clip(gradients, max_value); new = {k: params[k] - learning_rate * "
        "gradients[k] for k in params}; return loss, gradients, a[:, :, -1], new",
    ],
)

EXERCISES = {ex.name: ex for ex in (CLIP, SAMPLE, OPTIMIZE)}
