"""seqlab.layers.layer_norm: eqs. 1-7, finite differences, parity with torch.nn.LayerNorm."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.gradcheck import numerical_gradient_array, relative_difference
from seqlab.layers.layer_norm import layer_norm_backward, layer_norm_forward

SHAPES = [(2, 3, 5), (1, 1, 4), (4, 6), (7,), (2, 2, 2, 3)]


def setup(shape, seed=0):
    g = np.random.default_rng(seed)
    d = shape[-1]
    return (3 * g.standard_normal(shape) + 1, 1 + 0.5 * g.standard_normal(d),
            0.5 * g.standard_normal(d), g.standard_normal(shape))


@pytest.mark.parametrize("shape", SHAPES)
def test_rows_are_normalised_before_the_scale_and_shift(shape):
    x, _, _, _ = setup(shape)
    d = shape[-1]
    y, cache = layer_norm_forward(x, np.ones(d), np.zeros(d), eps=1e-12)
    np.testing.assert_allclose(y.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(-1), 1, atol=1e-9)
    y2, _ = layer_norm_forward(x, np.full(d, 2.0), np.full(d, 3.0), eps=1e-12)
    np.testing.assert_allclose(y2, 2 * y + 3, atol=1e-12)   # (4) γ x̂ + β


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_matches_finite_differences(shape):
    x, gamma, beta, dy = setup(shape)
    _, cache = layer_norm_forward(x, gamma, beta)
    dx, grads = layer_norm_backward(dy, cache)
    arrays = {"x": (x, dx), "gamma": (gamma, grads["gamma"]), "beta": (beta, grads["beta"])}
    for name, (arr, ana) in arrays.items():
        num = numerical_gradient_array(lambda _: layer_norm_forward(x, gamma, beta)[0], arr, dy)
        assert relative_difference(num, ana) < 1e-7, name


@pytest.mark.parametrize("eps", [1e-5, 1e-6])
@pytest.mark.parametrize("shape", SHAPES)
def test_equals_torch_layer_norm(shape, eps):
    torch = pytest.importorskip("torch")
    x, gamma, beta, dy = setup(shape)
    y, cache = layer_norm_forward(x, gamma, beta, eps)
    dx, grads = layer_norm_backward(dy, cache)
    ln = torch.nn.LayerNorm(shape[-1], eps=eps, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.tensor(gamma))
        ln.bias.copy_(torch.tensor(beta))
    tx = torch.tensor(x, requires_grad=True)
    ty = ln(tx)
    (ty * torch.tensor(dy)).sum().backward()
    assert np.abs(y - ty.detach().numpy()).max() < 1e-10
    assert np.abs(dx - tx.grad.numpy()).max() < 1e-10
    assert np.abs(grads["gamma"] - ln.weight.grad.numpy()).max() < 1e-10
    assert np.abs(grads["beta"] - ln.bias.grad.numpy()).max() < 1e-10


def test_float32_stays_float32():
    x, gamma, beta, dy = (a.astype(np.float32) for a in setup((2, 3, 4)))
    y, cache = layer_norm_forward(x, gamma, beta)
    dx, grads = layer_norm_backward(dy, cache)
    assert y.dtype == dx.dtype == grads["gamma"].dtype == np.float32


def test_bad_inputs_raise():
    x, gamma, beta, dy = setup((2, 3, 4))
    with pytest.raises(ValueError, match=r"layer_norm_forward\(gamma\): expected shape \(4,\)"):
        layer_norm_forward(x, gamma[:3], beta)
    with pytest.raises(ValueError, match=r"eps"):
        layer_norm_forward(x, gamma, beta, eps=0)
    _, cache = layer_norm_forward(x, gamma, beta)
    with pytest.raises(ValueError, match=r"layer_norm_backward\(dy\)"):
        layer_norm_backward(dy[:1], cache)
