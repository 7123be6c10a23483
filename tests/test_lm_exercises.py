"""The notebook-03 exercises (clip, sample, optimize) on answers written as learners write them.

The registry tests (tests/test_exercises.py) check the library passes and each registered
mistake gets its message; here independently written answers: the course's in-place style
passes, a list instead of an array is named, common bugs get their diagnosis, and nothing
raises inside the checker.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises import check_clip, check_optimize, check_sample
from seqlab.functional import softmax
from seqlab.losses import temporal_cross_entropy
from seqlab.rnn import output_backward, rnn_backward, rnn_forward


# ------------------------------------------------------------------------------------ clip
def clip(gradients, max_value):           # the course's answer: in place, with out=
    for g in gradients.values():
        np.clip(g, -max_value, max_value, out=g)
    return gradients


def test_course_style_in_place_clip_passes():
    assert check_clip(clip).passed


def test_clip_learner_variants_are_diagnosed():
    def rebinds(gradients, max_value):
        for g in gradients.values():
            g = np.clip(g, -max_value, max_value)  # noqa: F841 - the bug
        return gradients

    def only_weights(gradients, max_value):
        for k in ("W_aa", "W_ax", "W_ya"):
            gradients[k] = np.clip(gradients[k], -max_value, max_value)
        return gradients

    def minimum(gradients, max_value):
        return {k: np.minimum(g, max_value) for k, g in gradients.items()}

    assert check_clip(rebinds).mistake == "not stored"
    assert check_clip(only_weights).mistake == "biases skipped"
    assert check_clip(minimum).mistake == "upper bound only"


# ---------------------------------------------------------------------------------- sample
def _course_loop(params, seed, eos_index, max_length, as_array=True, global_rng=False):
    rng = np.random.default_rng(seed)
    W_aa, W_ax, b_a, W_ya, b_y = (params[k] for k in ("W_aa", "W_ax", "b_a", "W_ya", "b_y"))
    vocab_size, n_a = W_ya.shape
    x = np.zeros((vocab_size, 1))
    x[eos_index] = 1
    a_prev = np.zeros((n_a, 1))
    indices, idx, counter = [], -1, 0
    while idx != eos_index and counter != max_length:
        a = np.tanh(np.dot(W_ax, x) + np.dot(W_aa, a_prev) + b_a)
        y = softmax(np.dot(W_ya, a) + b_y)
        draw = np.random.choice if global_rng else rng.choice
        idx = draw(list(range(vocab_size)), p=y.ravel())
        indices.append(idx)
        x = np.zeros((vocab_size, 1))
        x[idx] = 1
        a_prev = a
        counter += 1
    return np.array(indices) if as_array else indices


def test_course_style_sample_passes_and_a_list_is_named():
    def sample(params, seed, eos_index=0, max_length=50):
        return _course_loop(params, seed, eos_index, max_length)

    assert check_sample(sample).passed

    def sample_list(params, seed, eos_index=0, max_length=50):
        return _course_loop(params, seed, eos_index, max_length, as_array=False)

    result = check_sample(sample_list)
    assert result.status == "failed" and "should be a NumPy array" in result.message


def test_sample_with_the_global_random_state_fails_without_crashing():
    def sample(params, seed, eos_index=0, max_length=50):
        return _course_loop(params, seed, eos_index, max_length, global_rng=True)

    result = check_sample(sample)
    assert result.status == "failed" and "indices" in result.message, repr(result)


def test_sample_that_never_stops_is_reported_as_a_shape():
    def sample(params, seed, eos_index=0, max_length=50):
        rng = np.random.default_rng(seed)
        n_x = params["W_ax"].shape[1]
        return np.array([rng.integers(n_x) for _ in range(max_length + 3)])

    result = check_sample(sample)
    assert result.status == "failed" and "shape" in result.message, repr(result)


# -------------------------------------------------------------------------------- optimize
def _course_optimize(X, Y, a_prev, params, learning_rate, max_value, in_place, mean=False):
    x = np.eye(params["W_ax"].shape[1])[:, X]
    a, _, cache = rnn_forward(x, a_prev, params)
    loss, dlogits = temporal_cross_entropy(cache.logits, Y,
                                           reduction="mean" if mean else "sum")
    da, out = output_backward(dlogits, a, params)
    _, _, gradients = rnn_backward(da, cache)
    gradients.update(out)
    gradients = clip(gradients, max_value)
    if in_place:
        for k in params:
            params[k] -= learning_rate * gradients[k]
        return loss, gradients, a[:, :, -1], params
    return loss, gradients, a[:, :, -1], {k: params[k] - learning_rate * gradients[k]
                                          for k in params}


def test_optimize_passes_in_place_or_with_new_params():
    def optimize(X, Y, a_prev, params, learning_rate=0.01, max_value=5.0):
        return _course_optimize(X, Y, a_prev, params, learning_rate, max_value, False)

    assert check_optimize(optimize).passed

    def optimize_in_place(X, Y, a_prev, params, learning_rate=0.01, max_value=5.0):
        return _course_optimize(X, Y, a_prev, params, learning_rate, max_value, True)

    assert check_optimize(optimize_in_place).passed


def test_optimize_with_a_mean_loss_is_diagnosed():
    def optimize(X, Y, a_prev, params, learning_rate=0.01, max_value=5.0):
        return _course_optimize(X, Y, a_prev, params, learning_rate, max_value, False, True)

    assert check_optimize(optimize).mistake == "mean loss"


def test_optimize_returning_three_values_like_the_course_is_told():
    def optimize(X, Y, a_prev, params, learning_rate=0.01, max_value=5.0):
        return _course_optimize(X, Y, a_prev, params, learning_rate, max_value, True)[:3]

    result = check_optimize(optimize)
    assert result.status == "failed" and "expected 4 values" in result.message
