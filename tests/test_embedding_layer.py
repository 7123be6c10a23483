"""The embedding layer: e_w = E·o_w (1) as a column lookup, and its scatter-add backward (2)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqlab.gradcheck import numerical_gradient_array, rel_error
from seqlab.layers.embedding import embedding_backward, embedding_forward


def test_lookup_equals_the_one_hot_product():
    """(1) e_w = E o_w: the lookup is exactly the lecture's matrix product, column by column."""
    rng = np.random.default_rng(0)
    E = rng.normal(size=(5, 9))
    ids = np.array([3, 0, 8, 3])
    O = np.eye(9)[:, ids]                       # one-hot columns o_w (V, m)
    e, _ = embedding_forward(ids, E)
    assert e.shape == (5, 4)
    np.testing.assert_array_equal(e, E @ O)


@pytest.mark.parametrize("shape", [(1,), (6,), (3, 4), (1, 1)])
def test_backward_matches_finite_differences_with_repeats(shape):
    rng = np.random.default_rng(1)
    E = rng.normal(size=(4, 5))
    ids = rng.integers(0, 3, size=shape)         # only 3 of 5 words: repeats guaranteed
    e, cache = embedding_forward(ids, E)
    assert e.shape == (4, *shape)
    de = rng.normal(size=e.shape)
    dE = embedding_backward(de, cache)
    num = numerical_gradient_array(lambda E_: embedding_forward(ids, E_)[0], E, de)
    assert rel_error(dE, num) < 1e-9
    assert np.all(dE[:, 3:] == 0)                # unused words get no gradient


def test_repeated_word_accumulates_both_gradients():
    E = np.zeros((2, 3))
    _, cache = embedding_forward(np.array([1, 1]), E)
    dE = embedding_backward(np.array([[1.0, 2.0], [3.0, 4.0]]), cache)
    np.testing.assert_array_equal(dE[:, 1], [3.0, 7.0])   # not [2, 4] (a[idx] += v)


def test_matches_torch_embedding_float64():
    rng = np.random.default_rng(2)
    E = rng.normal(size=(6, 10))
    ids = rng.integers(0, 10, size=(4, 7))
    de = rng.normal(size=(6, 4, 7))
    e, cache = embedding_forward(ids, E)
    dE = embedding_backward(de, cache)
    W = torch.tensor(E.T.copy(), requires_grad=True)      # torch stores words as rows
    out = torch.nn.functional.embedding(torch.tensor(ids), W)    # (4, 7, 6)
    (out * torch.tensor(de.transpose(1, 2, 0))).sum().backward()
    assert rel_error(e, out.detach().numpy().transpose(2, 0, 1)) < 1e-12
    assert rel_error(dE, W.grad.numpy().T) < 1e-12


def test_bad_inputs_name_the_argument():
    E = np.zeros((3, 4))
    with pytest.raises(IndexError, match="embedding_forward\\(ids\\)"):
        embedding_forward(np.array([4]), E)
    with pytest.raises(TypeError, match="ids"):
        embedding_forward(np.array([0.5]), E)
    with pytest.raises(ValueError, match="E"):
        embedding_forward(np.array([0]), np.zeros(3))
    _, cache = embedding_forward(np.array([0, 1]), E)
    with pytest.raises(ValueError, match="embedding_backward\\(de\\)"):
        embedding_backward(np.zeros((3, 3)), cache)
