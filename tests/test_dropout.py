"""seqlab.layers.dropout: inverted dropout, train/eval, finite differences, statistics."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.gradcheck import numerical_gradient_array, relative_difference
from seqlab.layers.dropout import dropout_backward, dropout_forward


def test_eval_and_p_zero_are_the_identity():
    x = np.random.default_rng(0).standard_normal((3, 4))
    for out, cache in (dropout_forward(x, 0.5, None, train=False), dropout_forward(x, 0.0, 1)):
        assert out is x and cache.keep is None
        assert dropout_backward(x, cache) is x


def test_kept_entries_are_scaled_and_the_mean_is_preserved():
    x = np.ones((200, 500))
    out, cache = dropout_forward(x, 0.3, np.random.default_rng(0))
    kept = out != 0
    np.testing.assert_allclose(out[kept], 1 / 0.7)                 # (2) x / (1 - p)
    assert abs(kept.mean() - 0.7) < 0.005                           # Bernoulli(1 - p)
    assert abs(out.mean() - 1.0) < 0.01                             # inverted: E[out] = x
    np.testing.assert_array_equal(kept, cache.keep)


def test_same_seed_same_mask():
    x = np.ones((5, 6))
    a, _ = dropout_forward(x, 0.5, 3)
    b, _ = dropout_forward(x, 0.5, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)


def test_backward_matches_finite_differences():
    g = np.random.default_rng(0)
    x, dout = g.standard_normal((4, 5)), g.standard_normal((4, 5))
    out, cache = dropout_forward(x, 0.4, 7)
    dx = dropout_backward(dout, cache)
    num = numerical_gradient_array(lambda _: dropout_forward(x, 0.4, 7)[0], x, dout)
    assert relative_difference(num, dx) < 1e-7
    assert np.all(dx[out == 0] == 0)


def test_float32_stays_float32():
    x = np.ones((3, 3), np.float32)
    out, cache = dropout_forward(x, 0.5, 0)
    assert out.dtype == np.float32 and dropout_backward(x, cache).dtype == np.float32


def test_bad_arguments_raise():
    x = np.ones((2, 2))
    with pytest.raises(ValueError, match=r"dropout_forward\(p\)"):
        dropout_forward(x, 1.0, 0)
    with pytest.raises(ValueError, match=r"dropout_forward\(rng\)"):
        dropout_forward(x, 0.5, None, train=True)
    _, cache = dropout_forward(x, 0.5, 0)
    with pytest.raises(ValueError, match=r"dropout_backward\(dout\)"):
        dropout_backward(np.ones((3, 2)), cache)
