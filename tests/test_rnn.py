"""seqlab.rnn.rnn: the RNN cell (eqs. 1-2), BPTT (eqs. 3-8) and the output layer (eqs. 9-11).

Layers: term isolation (zero all but one term), float64 finite differences of every backward
(element-wise), float64 parity with torch.nn.RNN (tanh and relu) on hidden states and every
gradient, a whole model with cross-entropy, dtypes, error messages.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.functional import softmax
from seqlab.gradcheck import (
    check_grads,
    numerical_gradient_array,
    random_direction_check,
    relative_difference,
)
from seqlab.losses import temporal_cross_entropy
from seqlab.rnn import (
    init_rnn_params,
    output_backward,
    output_forward,
    rnn_backward,
    rnn_cell_backward,
    rnn_cell_forward,
    rnn_forward,
)

TOL = 1e-7        # eq. (3) of seqlab.gradcheck, the lecture's "great"
TORCH_TOL = 1e-10  # max |seqlab - torch| in float64
# (n_x, n_a, n_y, m, T_x), including T_x = 1 and m = 1
SIZES = [(3, 4, 2, 1, 1), (2, 3, 4, 2, 3), (4, 5, 3, 3, 4), (1, 2, 2, 1, 5)]
ACTIVATIONS = ["tanh", "relu"]


def setup(n_x, n_a, n_y, m, T, seed=0, dtype=np.float64):
    """params with random (non-zero) biases, x, a0 and an upstream gradient da."""
    g = np.random.default_rng(seed)
    params = init_rnn_params(n_x, n_a, n_y, g, dtype=dtype)
    for k in ("b_a", "b_y") if n_y else ("b_a",):
        params[k] = (0.5 * g.standard_normal(params[k].shape)).astype(dtype)
    x = g.standard_normal((n_x, m, T)).astype(dtype)
    a0 = g.standard_normal((n_a, m)).astype(dtype)
    da = g.standard_normal((n_a, m, T)).astype(dtype)
    return params, x, a0, da


def zero_params(n_x=3, n_a=4, n_y=2):
    return {"W_aa": np.zeros((n_a, n_a)), "W_ax": np.zeros((n_a, n_x)),
            "b_a": np.zeros((n_a, 1)), "W_ya": np.zeros((n_y, n_a)), "b_y": np.zeros((n_y, 1))}


def max_abs(ours, theirs) -> float:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape
    return float(np.max(np.abs(ours - theirs)))


# --------------------------------------------------------------------------- term isolation
def test_eq1_only_b_a_gives_tanh_b_a_broadcast_and_eq2_only_b_y_gives_softmax_b_y():
    g = np.random.default_rng(1)
    p = zero_params()
    p["b_a"], p["b_y"] = g.standard_normal((4, 1)), g.standard_normal((2, 1))
    a_t, y_hat_t, _ = rnn_cell_forward(g.standard_normal((3, 5)), g.standard_normal((4, 5)), p)
    np.testing.assert_array_equal(a_t, np.tanh(p["b_a"]) * np.ones((1, 5)))
    np.testing.assert_allclose(y_hat_t, softmax(p["b_y"]) * np.ones((1, 5)), rtol=1e-15)


def test_eq1_only_W_ax_or_only_W_aa_and_relu():
    g = np.random.default_rng(2)
    x_t, a_prev = g.standard_normal((3, 5)), g.standard_normal((4, 5))
    p = zero_params()
    p["W_ax"] = g.standard_normal((4, 3))
    np.testing.assert_allclose(rnn_cell_forward(x_t, a_prev, p)[0], np.tanh(p["W_ax"] @ x_t))
    relu = rnn_cell_forward(x_t, a_prev, p, activation="relu")[0]
    np.testing.assert_allclose(relu, np.maximum(p["W_ax"] @ x_t, 0))
    p = zero_params()
    p["W_aa"] = g.standard_normal((4, 4))
    np.testing.assert_allclose(rnn_cell_forward(x_t, a_prev, p)[0], np.tanh(p["W_aa"] @ a_prev))


def test_without_W_aa_there_is_no_memory_and_no_gradient_flows_back_eq7():
    params, x, a0, _ = setup(3, 4, 2, 2, 4, seed=3)
    params["W_aa"][...] = 0
    a, _, cache = rnn_forward(x, a0, params)
    for t in range(4):  # a<t> depends on x<t> only
        np.testing.assert_allclose(a[:, :, t], np.tanh(params["W_ax"] @ x[:, :, t] + params["b_a"]))
    da = np.zeros_like(a)
    da[:, :, -1] = 1.0
    dx, (da0, _), _ = rnn_backward(da, cache)
    assert np.all(dx[:, :, :-1] == 0) and np.all(da0 == 0) and np.any(dx[:, :, -1] != 0)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_rnn_forward_is_the_cell_at_every_step(activation):
    params, x, a0, _ = setup(3, 4, 2, 2, 3, seed=4)
    a, y_hat, cache = rnn_forward(x, a0, params, activation)
    a_t = a0
    for t in range(3):
        a_t, y_hat_t, _ = rnn_cell_forward(x[:, :, t], a_t, params, activation)
        np.testing.assert_array_equal(a[:, :, t], a_t)
        np.testing.assert_allclose(y_hat[:, :, t], y_hat_t, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(softmax(cache.logits), y_hat, rtol=1e-15)


def test_output_layer_is_optional():
    params, x, a0, da = setup(3, 4, None, 2, 3)
    assert set(params) == {"W_aa", "W_ax", "b_a"}
    a, y_hat, cache = rnn_forward(x, a0, params)
    assert y_hat is None and cache.logits is None
    _, _, grads = rnn_backward(da, cache)
    assert list(grads) == list(params)


# --------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sizes", SIZES)
def test_rnn_cell_backward_eqs3_8_match_finite_differences(sizes, activation):
    params, x, a0, da = setup(*sizes, seed=5)
    x_t, da_t = x[:, :, 0].copy(), da[:, :, 0].copy()
    _, _, cache = rnn_cell_forward(x_t, a0, params, activation)
    dx_t, da_prev, grads = rnn_cell_backward(da_t, cache)
    assert list(grads) == list(params)
    assert np.all(grads["W_ya"] == 0) and np.all(grads["b_y"] == 0)

    def f(_):
        return rnn_cell_forward(x_t, a0, params, activation)[0]

    for name, arr, ana in [("x_t", x_t, dx_t), ("a_prev", a0, da_prev)] + [
            (k, params[k], grads[k]) for k in params]:
        num = numerical_gradient_array(f, arr, da_t)
        assert relative_difference(num, ana) < TOL, name


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sizes", SIZES)
def test_rnn_backward_bptt_matches_finite_differences(sizes, activation):
    params, x, a0, da = setup(*sizes, seed=6)
    _, _, cache = rnn_forward(x, a0, params, activation)
    dx, (da0, _), grads = rnn_backward(da, cache)

    def f(_):
        return rnn_forward(x, a0, params, activation)[0]

    assert relative_difference(numerical_gradient_array(f, x, da), dx) < TOL
    assert relative_difference(numerical_gradient_array(f, a0, da), da0) < TOL
    result = check_grads(lambda: float(np.sum(f(None) * da)), params, grads)
    assert result.passed(TOL), result


@pytest.mark.parametrize("sizes", SIZES)
def test_output_backward_eqs9_11_match_finite_differences(sizes):
    params, x, a0, _ = setup(*sizes, seed=7)
    a = rnn_forward(x, a0, params)[0]
    dlogits = np.random.default_rng(8).standard_normal((sizes[2],) + a.shape[1:])
    da, grads = output_backward(dlogits, a, params)

    def f(_):
        return output_forward(a, params)[0]

    assert relative_difference(numerical_gradient_array(f, a, dlogits), da) < TOL
    for k in ("W_ya", "b_y"):
        assert relative_difference(numerical_gradient_array(f, params[k], dlogits), grads[k]) < TOL
    da_t, grads_t = output_backward(dlogits[:, :, 0], a[:, :, 0], params)  # one step (n_y, m)
    np.testing.assert_allclose(da_t, da[:, :, 0], rtol=1e-13)


@pytest.mark.parametrize("sizes", SIZES[1:3])
def test_whole_model_with_temporal_cross_entropy_random_directions(sizes):
    """The usage of the module docstring: rnn + output layer + loss, all params at once."""
    params, x, a0, _ = setup(*sizes, seed=9)
    y = np.random.default_rng(10).integers(0, sizes[2], size=sizes[3:])

    def loss_fn():
        a, _, cache = rnn_forward(x, a0, params)
        loss, dlogits = temporal_cross_entropy(cache.logits, y)
        da, out_grads = output_backward(dlogits, a, params)
        _, _, grads = rnn_backward(da, cache)
        grads.update(out_grads)
        return loss, grads

    _, grads = loss_fn()
    assert random_direction_check(loss_fn, params, grads, n_directions=4).passed(TOL)
    assert check_grads(loss_fn, params, grads).passed(TOL)


# --------------------------------------------------------------------------- PyTorch parity
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("sizes", SIZES)
def test_rnn_matches_torch_nn_rnn_states_and_every_gradient(torch, sizes, activation):
    n_x, n_a, _, m, T = sizes
    g = np.random.default_rng(11)
    rnn = torch.nn.RNN(n_x, n_a, nonlinearity=activation, dtype=torch.float64)
    with torch.no_grad():
        for p in rnn.parameters():
            p.copy_(torch.from_numpy(0.7 * g.standard_normal(tuple(p.shape))))
    params = {"W_aa": rnn.weight_hh_l0.detach().numpy().copy(),
              "W_ax": rnn.weight_ih_l0.detach().numpy().copy(),
              "b_a": (rnn.bias_ih_l0 + rnn.bias_hh_l0).detach().numpy()[:, None]}
    x, a0, da = g.standard_normal((n_x, m, T)), g.standard_normal((n_a, m)), g.standard_normal(
        (n_a, m, T))
    x_torch = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)   # (T, m, n_x)
    h0 = torch.tensor(a0.T[None], requires_grad=True)                   # (1, m, n_a)
    out, _ = rnn(x_torch, h0)                                           # (T, m, n_a)
    (out * torch.tensor(da.transpose(2, 1, 0))).sum().backward()

    a, _, cache = rnn_forward(x, a0, params, activation)
    dx, (da0, _), grads = rnn_backward(da, cache)
    assert max_abs(a, out.permute(2, 1, 0)) < TORCH_TOL
    assert max_abs(dx, x_torch.grad.permute(2, 1, 0)) < TORCH_TOL
    assert max_abs(da0, h0.grad[0].T) < TORCH_TOL
    assert max_abs(grads["W_aa"], rnn.weight_hh_l0.grad) < TORCH_TOL
    assert max_abs(grads["W_ax"], rnn.weight_ih_l0.grad) < TORCH_TOL
    assert max_abs(grads["b_a"], rnn.bias_ih_l0.grad[:, None]) < TORCH_TOL


def test_output_layer_matches_torch_linear_softmax(torch):
    params, x, a0, _ = setup(3, 4, 5, 2, 3, seed=12)
    a = rnn_forward(x, a0, params)[0]
    dy = np.random.default_rng(13).standard_normal((5, 2, 3))
    W, b = (torch.tensor(params[k], requires_grad=True) for k in ("W_ya", "b_y"))
    a_torch = torch.tensor(a, requires_grad=True)
    logits_torch = torch.einsum("ya,amt->ymt", W, a_torch) + b[:, :, None]
    (logits_torch * torch.tensor(dy)).sum().backward()
    logits, y_hat = output_forward(a, params)
    da, grads = output_backward(dy, a, params)
    assert max_abs(logits, logits_torch) < TORCH_TOL
    assert max_abs(y_hat, torch.softmax(logits_torch, dim=0)) < TORCH_TOL
    assert max_abs(da, a_torch.grad) < TORCH_TOL
    assert max_abs(grads["W_ya"], W.grad) < TORCH_TOL and max_abs(grads["b_y"], b.grad) < TORCH_TOL


# --------------------------------------------------------------------------- dtypes, init, errors
def test_float32_in_float32_out():
    params, x, a0, da = setup(3, 4, 2, 2, 3, dtype=np.float32)
    a_t, y_hat_t, cache_t = rnn_cell_forward(x[:, :, 0], a0, params)
    dx_t, da_prev, grads_t = rnn_cell_backward(da[:, :, 0], cache_t)
    a, y_hat, cache = rnn_forward(x, a0, params, "relu")
    dx, (da0, _), grads = rnn_backward(da, cache)
    da_out, out_grads = output_backward(cache.logits, a, params)
    arrays = [a_t, y_hat_t, dx_t, da_prev, a, y_hat, cache.logits, dx, da0, da_out,
              *grads_t.values(), *grads.values(), *out_grads.values()]
    assert all(arr.dtype == np.float32 for arr in arrays)


def test_init_rnn_params_is_seeded_and_shaped():
    p1, p2 = init_rnn_params(3, 4, 2, 0), init_rnn_params(3, 4, 2, np.random.default_rng(0))
    assert {k: v.shape for k, v in p1.items()} == {
        "W_aa": (4, 4), "W_ax": (4, 3), "b_a": (4, 1), "W_ya": (2, 4), "b_y": (2, 1)}
    assert all(np.array_equal(p1[k], p2[k]) for k in p1)
    assert init_rnn_params(3, 4, 2, 0, dtype=np.float32)["W_aa"].dtype == np.float32


def test_shape_mistakes_name_the_argument_and_both_shapes():
    params = init_rnn_params(3, 5, 2, 0)
    x_t = np.zeros((3, 10))
    msg = r"rnn_cell_forward\(a_prev\): expected shape \(5, 10\) = \(n_a, m\), got \(10, 5\)"
    with pytest.raises(ValueError, match=msg):
        rnn_cell_forward(x_t, np.zeros((10, 5)), params)
    with pytest.raises(ValueError, match=r"rnn_cell_forward\(x_t\): expected shape \(3, 10\)"):
        rnn_cell_forward(np.zeros((4, 10)), np.zeros((5, 10)), params)
    with pytest.raises(ValueError, match=r"rnn_forward\(x\): expected a 3-D array"):
        rnn_forward(x_t, np.zeros((5, 10)), params)
    bad = dict(params, b_a=np.zeros((5,)))
    with pytest.raises(ValueError, match=r"\(params\['b_a'\]\): expected shape \(5, 1\) = \(n_a"):
        rnn_cell_forward(x_t, np.zeros((5, 10)), bad)
    _, _, cache = rnn_forward(np.zeros((3, 10, 4)), np.zeros((5, 10)), params)
    with pytest.raises(ValueError, match=r"rnn_backward\(da\): expected shape \(5, 10, 4\)"):
        rnn_backward(np.zeros((5, 10, 3)), cache)
    with pytest.raises(ValueError, match=r"rnn_forward\(activation\)"):
        rnn_forward(np.zeros((3, 10, 4)), np.zeros((5, 10)), params, activation="sigmoid")
    msg = r"output_backward\(dlogits\): expected shape \(2, 10, 4\) = \(n_y, m, T_x\)"
    with pytest.raises(ValueError, match=msg):
        output_backward(np.zeros((2, 4, 10)), np.zeros((5, 10, 4)), params)


def test_missing_keys_are_listed():
    params = init_rnn_params(3, 5, 2, 0)
    with pytest.raises(KeyError, match=r"missing keys \['W_aa', 'b_a'\]"):
        rnn_cell_forward(np.zeros((3, 1)), np.zeros((5, 1)),
                         {k: v for k, v in params.items() if k not in ("W_aa", "b_a")})
    with pytest.raises(KeyError, match=r"missing keys \['b_y'\]"):  # W_ya without b_y
        rnn_forward(np.zeros((3, 1, 2)), np.zeros((5, 1)),
                    {k: v for k, v in params.items() if k != "b_y"})
    with pytest.raises(KeyError, match=r"unexpected keys \['W_u'\]"):
        rnn_forward(np.zeros((3, 1, 2)), np.zeros((5, 1)), dict(params, W_u=params["W_aa"]))
