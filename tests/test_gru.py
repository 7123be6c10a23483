"""seqlab.rnn.gru: the lecture's full and simplified GRU and the cuDNN variant (eqs. 1-11).

Layers: term isolation (gates forced shut or open), float64 finite differences of every
backward, the lecture GRU against the same equations differentiated by torch autograd, the
cuDNN variant against torch.nn.GRU with copied weights, dtypes, error messages.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.gradcheck import check_grads, numerical_gradient_array, relative_difference
from seqlab.rnn import (
    gru_backward,
    gru_cell_backward,
    gru_cell_forward,
    gru_forward,
    init_gru_params,
)

TOL = 1e-7
TORCH_TOL = 1e-10
SIZES = [(3, 4, 2, 1, 1), (2, 3, 4, 2, 3), (4, 5, 3, 3, 4), (1, 2, 2, 1, 5)]
VARIANTS = ["full", "simplified", "cudnn"]


def setup(n_x, n_a, n_y, m, T, variant="full", seed=0, dtype=np.float64):
    """params with random non-zero biases, x, c0 and an upstream gradient dc."""
    g = np.random.default_rng(seed)
    params = init_gru_params(n_x, n_a, n_y, g, variant=variant, dtype=dtype)
    for k in params:
        if k.startswith("b_"):
            params[k] = (0.5 * g.standard_normal(params[k].shape)).astype(dtype)
    x = g.standard_normal((n_x, m, T)).astype(dtype)
    c0 = g.standard_normal((n_a, m)).astype(dtype)
    dc = g.standard_normal((n_a, m, T)).astype(dtype)
    return params, x, c0, dc


def isolated(variant, n_x=3, n_a=4, **nonzero):
    """All-zero params of ``variant`` except the given keys."""
    params = init_gru_params(n_x, n_a, None, 0, variant=variant)
    return {k: nonzero.get(k, np.zeros_like(v)) for k, v in params.items()}


def max_abs(ours, theirs) -> float:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape
    return float(np.max(np.abs(ours - theirs)))


# --------------------------------------------------------------------------- term isolation
@pytest.mark.parametrize("variant", VARIANTS)
def test_eq4_only_b_c_gives_half_candidate_half_memory(variant):
    g = np.random.default_rng(1)
    x_t, c_prev, b_c = g.standard_normal((3, 5)), g.standard_normal((4, 5)), g.standard_normal(
        (4, 1))
    c_t, y_hat_t, _ = gru_cell_forward(x_t, c_prev, isolated(variant, b_c=b_c), variant)
    np.testing.assert_allclose(c_t, 0.5 * np.tanh(b_c) + 0.5 * c_prev, rtol=1e-15)  # Γu = σ(0)
    assert y_hat_t is None


@pytest.mark.parametrize("variant", VARIANTS)
def test_eq4_update_gate_open_overwrites_and_shut_remembers(variant):
    g = np.random.default_rng(2)
    x_t, c_prev = g.standard_normal((3, 5)), g.standard_normal((4, 5))
    W_c, b_c = g.standard_normal((4, 7)), g.standard_normal((4, 1))
    _, _, cache = gru_cell_forward(x_t, c_prev, isolated(variant, W_c=W_c, b_c=b_c), variant)
    b_open, b_shut = np.full((4, 1), 40.0), np.full((4, 1), -40.0)
    c_open = gru_cell_forward(x_t, c_prev, isolated(variant, W_c=W_c, b_c=b_c, b_u=b_open),
                              variant)[0]
    c_shut = gru_cell_forward(x_t, c_prev, isolated(variant, W_c=W_c, b_c=b_c, b_u=b_shut),
                              variant)[0]
    np.testing.assert_array_equal(c_open, cache.c_tilde)       # Γu = 1: c<t> = c̃<t>
    np.testing.assert_allclose(c_shut, c_prev, rtol=0, atol=1e-15)  # Γu = 0: c<t> = c<t-1>


@pytest.mark.parametrize("variant", ["full", "cudnn"])
def test_eq2_reset_gate_shut_makes_the_candidate_ignore_c_prev(variant):
    g = np.random.default_rng(3)
    x_t, W_c, b_c = g.standard_normal((3, 5)), g.standard_normal((4, 7)), g.standard_normal(
        (4, 1))
    p = isolated(variant, W_c=W_c, b_c=b_c, b_r=np.full((4, 1), -40.0))
    if variant == "cudnn":
        p["b_cc"] = g.standard_normal((4, 1))                   # also multiplied by Γr ≈ 0
    tildes = [gru_cell_forward(x_t, g.standard_normal((4, 5)), p, variant)[2].c_tilde
              for _ in range(2)]
    np.testing.assert_allclose(tildes[0], np.tanh(W_c[:, 4:] @ x_t + b_c), atol=1e-15)
    np.testing.assert_allclose(tildes[0], tildes[1], atol=1e-15)


def test_with_the_reset_gate_open_all_three_variants_agree():
    params, x, c0, _ = setup(3, 4, 2, 2, 3, "full", seed=4)
    params["W_r"][...] = 0
    params["b_r"][...] = 40.0                                   # Γr = 1
    simple = {k: v for k, v in params.items() if k not in ("W_r", "b_r")}
    cudnn = dict(params, b_cc=np.zeros((4, 1)))
    c_full = gru_forward(x, c0, params, "full")[0]
    np.testing.assert_allclose(gru_forward(x, c0, simple, "simplified")[0], c_full, atol=1e-15)
    np.testing.assert_allclose(gru_forward(x, c0, cudnn, "cudnn")[0], c_full, atol=1e-15)


@pytest.mark.parametrize("variant", VARIANTS)
def test_gru_forward_is_the_cell_at_every_step(variant):
    params, x, c0, _ = setup(3, 4, 2, 2, 3, variant, seed=5)
    c, y_hat, _ = gru_forward(x, c0, params, variant)
    c_t = c0
    for t in range(3):
        c_t, y_hat_t, _ = gru_cell_forward(x[:, :, t], c_t, params, variant)
        np.testing.assert_array_equal(c[:, :, t], c_t)
        np.testing.assert_allclose(y_hat[:, :, t], y_hat_t, rtol=1e-14, atol=1e-15)


# --------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("sizes", SIZES)
def test_gru_cell_backward_eqs7_11_match_finite_differences(sizes, variant):
    params, x, c0, dc = setup(*sizes, variant, seed=6)
    x_t, dc_t = x[:, :, 0].copy(), dc[:, :, 0].copy()
    _, _, cache = gru_cell_forward(x_t, c0, params, variant)
    dx_t, dc_prev, grads = gru_cell_backward(dc_t, cache)
    assert list(grads) == list(params)

    def f(_):
        return gru_cell_forward(x_t, c0, params, variant)[0]

    for name, arr, ana in [("x_t", x_t, dx_t), ("c_prev", c0, dc_prev)] + [
            (k, params[k], grads[k]) for k in params]:
        num = numerical_gradient_array(f, arr, dc_t)
        assert relative_difference(num, ana) < TOL, name


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("sizes", SIZES)
def test_gru_backward_bptt_matches_finite_differences(sizes, variant):
    params, x, c0, dc = setup(*sizes, variant, seed=7)
    _, _, cache = gru_forward(x, c0, params, variant)
    dx, (dc0, _), grads = gru_backward(dc, cache)

    def f(_):
        return gru_forward(x, c0, params, variant)[0]

    assert relative_difference(numerical_gradient_array(f, x, dc), dx) < TOL
    assert relative_difference(numerical_gradient_array(f, c0, dc), dc0) < TOL
    result = check_grads(lambda: float(np.sum(f(None) * dc)), params, grads)
    assert result.passed(TOL), result


# --------------------------------------------------------------------------- PyTorch
def torch_lecture_gru(torch, x, c0, p, variant):
    """Eqs. (1)-(4) written in torch, for autograd: c (n_a, m, T)."""
    c, out = c0, []
    for t in range(x.shape[2]):
        x_t = x[:, :, t]
        concat = torch.cat([c, x_t], 0)
        gamma_u = torch.sigmoid(p["W_u"] @ concat + p["b_u"])
        if variant == "simplified":
            c_tilde = torch.tanh(p["W_c"] @ concat + p["b_c"])
        else:
            gamma_r = torch.sigmoid(p["W_r"] @ concat + p["b_r"])
            c_tilde = torch.tanh(p["W_c"] @ torch.cat([gamma_r * c, x_t], 0) + p["b_c"])
        c = gamma_u * c_tilde + (1 - gamma_u) * c
        out.append(c)
    return torch.stack(out, dim=2)


@pytest.mark.parametrize("variant", ["full", "simplified"])
@pytest.mark.parametrize("sizes", SIZES)
def test_lecture_gru_matches_torch_autograd_of_the_same_equations(torch, sizes, variant):
    params, x, c0, dc = setup(*sizes, variant, seed=8)
    t_params = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    x_t, c0_t = torch.tensor(x, requires_grad=True), torch.tensor(c0, requires_grad=True)
    c_torch = torch_lecture_gru(torch, x_t, c0_t, t_params, variant)
    (c_torch * torch.tensor(dc)).sum().backward()

    c, _, cache = gru_forward(x, c0, params, variant)
    dx, (dc0, _), grads = gru_backward(dc, cache)
    assert max_abs(c, c_torch) < TORCH_TOL
    assert max_abs(dx, x_t.grad) < TORCH_TOL and max_abs(dc0, c0_t.grad) < TORCH_TOL
    for k in params:
        grad = t_params[k].grad if t_params[k].grad is not None else torch.zeros_like(t_params[k])
        assert max_abs(grads[k], grad) < TORCH_TOL, k


def params_from_torch_gru(gru, n_a):
    """torch rows [r | z | n] onto the course's keys; Γu = 1 - z (module docstring)."""
    W_ih, W_hh, b_ih, b_hh = (getattr(gru, f"{n}_l0").detach().numpy()
                              for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    r, z, n = (slice(i * n_a, (i + 1) * n_a) for i in range(3))
    return {"W_u": -np.hstack([W_hh[z], W_ih[z]]), "b_u": -(b_ih[z] + b_hh[z])[:, None],
            "W_r": np.hstack([W_hh[r], W_ih[r]]), "b_r": (b_ih[r] + b_hh[r])[:, None],
            "W_c": np.hstack([W_hh[n], W_ih[n]]), "b_c": b_ih[n][:, None],
            "b_cc": b_hh[n][:, None]}


@pytest.mark.parametrize("sizes", SIZES)
def test_cudnn_variant_matches_torch_nn_gru_states_and_every_gradient(torch, sizes):
    n_x, n_a, _, m, T = sizes
    g = np.random.default_rng(9)
    gru = torch.nn.GRU(n_x, n_a, dtype=torch.float64)
    with torch.no_grad():
        for p in gru.parameters():
            p.copy_(torch.from_numpy(0.7 * g.standard_normal(tuple(p.shape))))
    params = params_from_torch_gru(gru, n_a)
    x, c0, dc = (g.standard_normal(s) for s in ((n_x, m, T), (n_a, m), (n_a, m, T)))
    x_torch = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)    # (T, m, n_x)
    h0 = torch.tensor(c0.T[None], requires_grad=True)                    # (1, m, n_a)
    out, _ = gru(x_torch, h0)                                            # (T, m, n_a)
    (out * torch.tensor(dc.transpose(2, 1, 0))).sum().backward()

    c, _, cache = gru_forward(x, c0, params, "cudnn")
    dx, (dc0, _), grads = gru_backward(dc, cache)
    assert max_abs(c, out.permute(2, 1, 0)) < TORCH_TOL
    assert max_abs(dx, x_torch.grad.permute(2, 1, 0)) < TORCH_TOL
    assert max_abs(dc0, h0.grad[0].T) < TORCH_TOL
    # our gradients in torch's layout: rows [r | z | n], z = -u
    d_hh = np.vstack([grads["W_r"][:, :n_a], -grads["W_u"][:, :n_a], grads["W_c"][:, :n_a]])
    d_ih = np.vstack([grads["W_r"][:, n_a:], -grads["W_u"][:, n_a:], grads["W_c"][:, n_a:]])
    d_bih = np.concatenate([grads["b_r"], -grads["b_u"], grads["b_c"]])[:, 0]
    d_bhh = np.concatenate([grads["b_r"], -grads["b_u"], grads["b_cc"]])[:, 0]
    assert max_abs(d_hh, gru.weight_hh_l0.grad) < TORCH_TOL
    assert max_abs(d_ih, gru.weight_ih_l0.grad) < TORCH_TOL
    assert max_abs(d_bih, gru.bias_ih_l0.grad) < TORCH_TOL
    assert max_abs(d_bhh, gru.bias_hh_l0.grad) < TORCH_TOL


# --------------------------------------------------------------------------- dtypes, init, errors
@pytest.mark.parametrize("variant", VARIANTS)
def test_float32_in_float32_out(variant):
    params, x, c0, dc = setup(3, 4, 2, 2, 3, variant, dtype=np.float32)
    c_t, y_hat_t, cache_t = gru_cell_forward(x[:, :, 0], c0, params, variant)
    dx_t, dc_prev, grads_t = gru_cell_backward(dc[:, :, 0], cache_t)
    c, y_hat, cache = gru_forward(x, c0, params, variant)
    dx, (dc0, _), grads = gru_backward(dc, cache)
    arrays = [c_t, y_hat_t, dx_t, dc_prev, c, y_hat, cache.logits, dx, dc0,
              *grads_t.values(), *grads.values()]
    assert all(arr.dtype == np.float32 for arr in arrays)


def test_init_gru_params_keys_per_variant():
    shapes = {k: v.shape for k, v in init_gru_params(3, 4, 2, 0, variant="cudnn").items()}
    assert shapes == {"W_u": (4, 7), "b_u": (4, 1), "W_r": (4, 7), "b_r": (4, 1),
                      "W_c": (4, 7), "b_c": (4, 1), "b_cc": (4, 1), "W_ya": (2, 4),
                      "b_y": (2, 1)}
    assert list(init_gru_params(3, 4, None, 0, variant="simplified")) == [
        "W_u", "b_u", "W_c", "b_c"]


def test_errors_name_the_argument_the_variant_and_the_keys():
    simple = init_gru_params(3, 5, None, 0, variant="simplified")
    with pytest.raises(KeyError, match=r"missing keys \['W_r', 'b_r'\] for variant='full'"):
        gru_cell_forward(np.zeros((3, 2)), np.zeros((5, 2)), simple, "full")
    cudnn = init_gru_params(3, 5, None, 0, variant="cudnn")
    with pytest.raises(KeyError, match=r"unexpected keys \['b_cc'\] for variant='full'"):
        gru_forward(np.zeros((3, 2, 4)), np.zeros((5, 2)), cudnn, "full")
    with pytest.raises(ValueError, match=r"gru_forward\(variant\): expected one of"):
        gru_forward(np.zeros((3, 2, 4)), np.zeros((5, 2)), simple, "minimal")
    msg = r"gru_cell_forward\(c_prev\): expected shape \(5, 2\) = \(n_a, m\), got \(2, 5\)"
    with pytest.raises(ValueError, match=msg):
        gru_cell_forward(np.zeros((3, 2)), np.zeros((2, 5)), simple, "simplified")
    bad = dict(simple, W_u=np.zeros((5, 9)))
    with pytest.raises(ValueError, match=r"\(params\['W_u'\]\): expected shape \(5, 8\) = "
                                         r"\(n_a, n_a \+ n_x\), got \(5, 9\)"):
        gru_forward(np.zeros((3, 2, 4)), np.zeros((5, 2)), bad, "simplified")
    _, _, cache = gru_forward(np.zeros((3, 2, 4)), np.zeros((5, 2)), simple, "simplified")
    with pytest.raises(ValueError, match=r"gru_backward\(dc\): expected shape \(5, 2, 4\)"):
        gru_backward(np.zeros((5, 4, 2)), cache)
