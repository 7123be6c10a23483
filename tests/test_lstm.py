"""seqlab.rnn.lstm: the LSTM cell (eqs. 1-7), its backward (eqs. 8-12) and the fast sequence.

Layers: term isolation (gates forced shut or open), float64 finite differences of every
backward (the stacked-gate sequence against the loop over the cells: tests/test_lstm_loop.py),
parity with torch.nn.LSTM (and with torch autograd of the lecture's peephole equations) on
every state and gradient, dtypes, error messages.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.functional import sigmoid
from seqlab.gradcheck import (
    check_grads,
    numerical_gradient,
    numerical_gradient_array,
    relative_difference,
)
from seqlab.rnn import (
    InitialStateGrad,
    init_lstm_params,
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
    lstm_forward_loop,
    lstm_gates,
)
from tests.helpers.lstm_cases import PEEPHOLE, SIZES, TOL, max_abs, setup

TORCH_TOL = 1e-10


def isolated(n_x=3, n_a=4, peephole=False, **nonzero):
    params = init_lstm_params(n_x, n_a, None, 0, peephole=peephole)
    return {k: nonzero.get(k, np.zeros_like(v)) for k, v in params.items()}


# --------------------------------------------------------------------------- term isolation
def test_eqs5_6_only_b_c_gives_half_candidate_half_memory():
    g = np.random.default_rng(1)
    x_t, a_prev, c_prev, b_c = (g.standard_normal(s) for s in ((3, 5), (4, 5), (4, 5), (4, 1)))
    a_t, c_t, y_hat_t, _ = lstm_cell_forward(x_t, a_prev, c_prev, isolated(b_c=b_c))
    np.testing.assert_allclose(c_t, 0.5 * np.tanh(b_c) + 0.5 * c_prev, rtol=1e-15)  # Γ = σ(0)
    np.testing.assert_allclose(a_t, 0.5 * np.tanh(c_t), rtol=1e-15)
    assert y_hat_t is None


def test_eq5_forget_gate_shut_overwrites_open_remembers_and_eq6_output_gate_hides():
    g = np.random.default_rng(2)
    x_t, a_prev, c_prev = (g.standard_normal(s) for s in ((3, 5), (4, 5), (4, 5)))
    W_c, big = g.standard_normal((4, 7)), np.full((4, 1), 40.0)
    p = isolated(W_c=W_c, b_u=big, b_f=-big)
    _, c_t, _, cache = lstm_cell_forward(x_t, a_prev, c_prev, p)
    np.testing.assert_allclose(c_t, cache.c_tilde, atol=1e-15)  # Γu = 1, Γf = 0
    _, c_t, _, _ = lstm_cell_forward(x_t, a_prev, c_prev, isolated(W_c=W_c, b_u=-big, b_f=big))
    np.testing.assert_allclose(c_t, c_prev, atol=1e-15)         # Γu = 0, Γf = 1
    a_t = lstm_cell_forward(x_t, a_prev, c_prev, isolated(W_c=W_c, b_o=-big))[0]
    np.testing.assert_allclose(a_t, 0, atol=1e-15)              # Γo = 0


def test_peephole_only_p_f_makes_the_forget_gate_read_c_prev():
    g = np.random.default_rng(3)
    x_t, a_prev, c_prev, p_f = (g.standard_normal(s) for s in ((3, 5), (4, 5), (4, 5), (4, 1)))
    _, c_t, _, cache = lstm_cell_forward(x_t, a_prev, c_prev, isolated(peephole=True, p_f=p_f),
                                         peephole=True)
    np.testing.assert_allclose(cache.gamma_f, sigmoid(p_f * c_prev), rtol=1e-15)
    np.testing.assert_allclose(c_t, sigmoid(p_f * c_prev) * c_prev, rtol=1e-15)  # c̃ = 0


def test_c0_and_dc_default_to_zeros_and_the_initial_state_grad_is_a_named_pair():
    params, x, a0, da, dc = setup(3, 4, 2, 2, 3, seed=16)
    a, _, c, cache = lstm_forward(x, a0, params)
    a_zero, _, c_zero, _ = lstm_forward(x, a0, params, c0=np.zeros_like(a0))
    np.testing.assert_array_equal(a, a_zero)
    np.testing.assert_array_equal(c, c_zero)
    (dx, d0, grads), (dx_z, d0_z, grads_z) = lstm_backward(da, cache), lstm_backward(
        da, cache, 0 * dc)
    assert isinstance(d0, InitialStateGrad) and d0._fields == ("da0", "dc0")
    assert d0.da0.shape == d0.dc0.shape == a0.shape
    for ours, ref in [(dx, dx_z), (d0.da0, d0_z.da0), (d0.dc0, d0_z.dc0)]:
        np.testing.assert_array_equal(ours, ref)
    assert all(np.array_equal(grads[k], grads_z[k]) for k in params)


@pytest.mark.parametrize("peephole", PEEPHOLE)
@pytest.mark.parametrize("sizes", SIZES)
def test_lstm_gates_are_the_cells_gates_at_every_step_as_fresh_copies(sizes, peephole):
    params, x, a0, _, c0 = setup(*sizes, peephole, seed=20)
    a, _, c, cache = lstm_forward(x, a0, params, peephole, c0=c0[:, :, 0])
    caches = lstm_forward_loop(x, a0, params, peephole, c0=c0[:, :, 0])[3].steps
    gates = lstm_gates(cache)
    assert sorted(gates) == ["a", "c", "c_tilde", "gamma_f", "gamma_o", "gamma_u"]
    for name in ("gamma_f", "gamma_u", "gamma_o", "c_tilde"):
        ref = np.stack([getattr(cell, name) for cell in caches], axis=2)  # (n_a, m, T_x)
        assert max_abs(gates[name], ref) < 1e-13, name       # shape checked in max_abs
    np.testing.assert_array_equal(gates["a"], a)
    np.testing.assert_array_equal(gates["c"], c)
    before = {k: v.copy() for k, v in gates.items()}
    for v in gates.values():
        assert v.flags.c_contiguous and v.flags.owndata
        v[...] = np.nan                                         # writing leaves the cache alone
    assert all(np.array_equal(lstm_gates(cache)[k], before[k]) for k in before)


# --------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize("peephole", PEEPHOLE)
@pytest.mark.parametrize("sizes", SIZES)
def test_lstm_cell_backward_eqs8_12_match_finite_differences(sizes, peephole):
    params, x, a0, da, dc = setup(*sizes, peephole, seed=5)
    x_t, c_prev = x[:, :, 0].copy(), dc[:, :, -1].copy()
    d_out = np.concatenate([da[:, :, 0], dc[:, :, 0]])          # upstream for [a<t>; c<t>]
    _, _, _, cache = lstm_cell_forward(x_t, a0, c_prev, params, peephole)
    dx_t, da_prev, dc_prev, grads = lstm_cell_backward(da[:, :, 0], dc[:, :, 0], cache)
    assert list(grads) == list(params)

    def f(_):
        a_t, c_t, _, _ = lstm_cell_forward(x_t, a0, c_prev, params, peephole)
        return np.concatenate([a_t, c_t])

    checks = [("x_t", x_t, dx_t), ("a_prev", a0, da_prev), ("c_prev", c_prev, dc_prev)]
    for name, arr, ana in checks + [(k, params[k], grads[k]) for k in params]:
        num = numerical_gradient_array(f, arr, d_out)
        assert relative_difference(num, ana) < TOL, name


@pytest.mark.parametrize("peephole", PEEPHOLE)
@pytest.mark.parametrize("sizes", SIZES)
def test_lstm_backward_bptt_matches_finite_differences(sizes, peephole):
    params, x, a0, da, _ = setup(*sizes, peephole, seed=6)
    _, _, _, cache = lstm_forward(x, a0, params, peephole)
    dx, (da0, _), grads = lstm_backward(da, cache)

    def f(_):
        return lstm_forward(x, a0, params, peephole)[0]

    assert relative_difference(numerical_gradient_array(f, x, da), dx) < TOL
    assert relative_difference(numerical_gradient_array(f, a0, da), da0) < TOL
    result = check_grads(lambda: float(np.sum(f(None) * da)), params, grads)
    assert result.passed(TOL), result


@pytest.mark.parametrize("peephole", PEEPHOLE)
@pytest.mark.parametrize("sizes", SIZES)
def test_c0_and_dc_gradients_match_finite_differences(sizes, peephole):
    """J = Σ da*a + Σ dc*c, so every c<t> and c<0> carry gradient (an encoder's hand-off)."""
    params, x, a0, da, dc = setup(*sizes, peephole, seed=17)
    c0 = np.random.default_rng(18).standard_normal(a0.shape)
    _, _, _, cache = lstm_forward(x, a0, params, peephole, c0=c0)
    dx, (da0, dc0), grads = lstm_backward(da, cache, dc)

    def loss(_=None):
        a, _, c, _ = lstm_forward(x, a0, params, peephole, c0=c0)
        return float(np.sum(a * da) + np.sum(c * dc))

    for name, arr, ana in [("x", x, dx), ("a0", a0, da0), ("c0", c0, dc0)]:
        assert relative_difference(numerical_gradient(loss, arr), ana) < TOL, name
    result = check_grads(loss, params, grads)
    assert result.passed(TOL), result


# --------------------------------------------------------------------------- PyTorch
def params_from_torch_lstm(lstm, n_a):
    """torch rows [i | f | g | o] = [Γu | Γf | c̃ | Γo], W = [W_hh | W_ih] (a<t-1> first)."""
    W_ih, W_hh, b_ih, b_hh = (getattr(lstm, f"{n}_l0").detach().numpy()
                              for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    params = {}
    for i, gate in enumerate("ufco"):
        rows = slice(i * n_a, (i + 1) * n_a)
        params[f"W_{gate}"] = np.hstack([W_hh[rows], W_ih[rows]])
        params[f"b_{gate}"] = (b_ih[rows] + b_hh[rows])[:, None]
    return params


@pytest.mark.parametrize("sizes", SIZES)
def test_lstm_matches_torch_nn_lstm_states_and_every_gradient(torch, sizes):
    n_x, n_a, _, m, T = sizes
    g = np.random.default_rng(7)
    lstm = torch.nn.LSTM(n_x, n_a, dtype=torch.float64)
    with torch.no_grad():
        for p in lstm.parameters():
            p.copy_(torch.from_numpy(0.7 * g.standard_normal(tuple(p.shape))))
    params = params_from_torch_lstm(lstm, n_a)
    x, a0, da = (g.standard_normal(s) for s in ((n_x, m, T), (n_a, m), (n_a, m, T)))
    x_torch = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)    # (T, m, n_x)
    h0 = torch.tensor(a0.T[None], requires_grad=True)                    # (1, m, n_a)
    out, (_, c_n) = lstm(x_torch, (h0, torch.zeros_like(h0)))           # (T, m, n_a)
    (out * torch.tensor(da.transpose(2, 1, 0))).sum().backward()

    a, _, c, cache = lstm_forward(x, a0, params)
    dx, (da0, _), grads = lstm_backward(da, cache)
    assert max_abs(a, out.permute(2, 1, 0)) < TORCH_TOL
    assert max_abs(c[:, :, -1], c_n[0].T) < TORCH_TOL
    assert max_abs(dx, x_torch.grad.permute(2, 1, 0)) < TORCH_TOL
    assert max_abs(da0, h0.grad[0].T) < TORCH_TOL
    d_hh = np.vstack([grads[f"W_{gate}"][:, :n_a] for gate in "ufco"])
    d_ih = np.vstack([grads[f"W_{gate}"][:, n_a:] for gate in "ufco"])
    d_b = np.concatenate([grads[f"b_{gate}"] for gate in "ufco"])[:, 0]
    assert max_abs(d_hh, lstm.weight_hh_l0.grad) < TORCH_TOL
    assert max_abs(d_ih, lstm.weight_ih_l0.grad) < TORCH_TOL
    assert max_abs(d_b, lstm.bias_ih_l0.grad) < TORCH_TOL
    assert max_abs(d_b, lstm.bias_hh_l0.grad) < TORCH_TOL


@pytest.mark.parametrize("sizes", SIZES)
def test_lstm_with_h0_c0_matches_torch_including_dc0_and_a_gradient_on_c_n(torch, sizes):
    n_x, n_a, _, m, T = sizes
    g = np.random.default_rng(19)
    lstm = torch.nn.LSTM(n_x, n_a, dtype=torch.float64)
    with torch.no_grad():
        for p in lstm.parameters():
            p.copy_(torch.from_numpy(0.7 * g.standard_normal(tuple(p.shape))))
    params = params_from_torch_lstm(lstm, n_a)
    x, a0, c0, da, dc_n = (g.standard_normal(s) for s in ((n_x, m, T), (n_a, m), (n_a, m),
                                                          (n_a, m, T), (n_a, m)))
    x_torch = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)    # (T, m, n_x)
    h0 = torch.tensor(a0.T[None], requires_grad=True)                    # (1, m, n_a)
    c0_torch = torch.tensor(c0.T[None], requires_grad=True)              # (1, m, n_a)
    out, (_, c_n) = lstm(x_torch, (h0, c0_torch))
    ((out * torch.tensor(da.transpose(2, 1, 0))).sum()
     + (c_n[0] * torch.tensor(dc_n.T)).sum()).backward()

    dc = np.zeros((n_a, m, T))
    dc[:, :, -1] = dc_n                                                  # only c<T_x> is read
    a, _, c, cache = lstm_forward(x, a0, params, c0=c0)
    dx, (da0, dc0), grads = lstm_backward(da, cache, dc)
    assert max_abs(a, out.permute(2, 1, 0)) < TORCH_TOL
    assert max_abs(c[:, :, -1], c_n[0].T) < TORCH_TOL
    assert max_abs(dx, x_torch.grad.permute(2, 1, 0)) < TORCH_TOL
    assert max_abs(da0, h0.grad[0].T) < TORCH_TOL
    assert max_abs(dc0, c0_torch.grad[0].T) < TORCH_TOL
    d_hh = np.vstack([grads[f"W_{gate}"][:, :n_a] for gate in "ufco"])
    d_ih = np.vstack([grads[f"W_{gate}"][:, n_a:] for gate in "ufco"])
    d_b = np.concatenate([grads[f"b_{gate}"] for gate in "ufco"])[:, 0]
    assert max_abs(d_hh, lstm.weight_hh_l0.grad) < TORCH_TOL
    assert max_abs(d_ih, lstm.weight_ih_l0.grad) < TORCH_TOL
    assert max_abs(d_b, lstm.bias_ih_l0.grad) < TORCH_TOL


def test_peephole_lstm_matches_torch_autograd_of_the_lecture_equations(torch):
    params, x, a0, da, _ = setup(3, 4, None, 2, 4, peephole=True, seed=8)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    x_t, a0_t = torch.tensor(x, requires_grad=True), torch.tensor(a0, requires_grad=True)
    a_t, c_t, out = a0_t, torch.zeros_like(a0_t), []
    for t in range(4):
        concat = torch.cat([a_t, x_t[:, :, t]], 0)
        gate = {g: torch.sigmoid(p[f"W_{g}"] @ concat + p[f"b_{g}"] + p[f"p_{g}"] * c_t)
                for g in "ufo"}
        c_t = gate["u"] * torch.tanh(p["W_c"] @ concat + p["b_c"]) + gate["f"] * c_t
        a_t = gate["o"] * torch.tanh(c_t)
        out.append(a_t)
    (torch.stack(out, dim=2) * torch.tensor(da)).sum().backward()

    a, _, _, cache = lstm_forward(x, a0, params, peephole=True)
    dx, (da0, _), grads = lstm_backward(da, cache)
    assert max_abs(a, torch.stack(out, dim=2)) < TORCH_TOL
    assert max_abs(dx, x_t.grad) < TORCH_TOL and max_abs(da0, a0_t.grad) < TORCH_TOL
    assert all(max_abs(grads[k], p[k].grad) < TORCH_TOL for k in params)


# --------------------------------------------------------------------------- dtypes, init, errors
@pytest.mark.parametrize("peephole", PEEPHOLE)
def test_float32_in_float32_out(peephole):
    params, x, a0, da, dc = setup(3, 4, 2, 2, 3, peephole, dtype=np.float32)
    cell = lstm_cell_forward(x[:, :, 0], a0, dc[:, :, 0], params, peephole)
    cell_back = lstm_cell_backward(da[:, :, 0], dc[:, :, 0], cell[3])
    a, y_hat, c, cache = lstm_forward(x, a0, params, peephole, c0=dc[:, :, 0])
    dx, (da0, dc0), grads = lstm_backward(da, cache, dc)
    arrays = [*cell[:3], *cell_back[:3], a, y_hat, c, cache.logits, dx, da0, dc0,
              *cell_back[3].values(), *grads.values()]
    assert all(arr.dtype == np.float32 for arr in arrays)


@pytest.mark.parametrize("peephole", PEEPHOLE)
def test_float32_sequence_stays_float32_inside_and_matches_float64_to_1e_4(peephole):
    """No upcast in any buffer of the fast path; float32 rounding stays small over 30 steps."""
    params, x, a0, da, dc = setup(6, 9, None, 5, 30, peephole, seed=22)
    out = {}
    for dtype in (np.float32, np.float64):
        p = {k: v.astype(dtype) for k, v in params.items()}
        a, _, c, cache = lstm_forward(x.astype(dtype), a0.astype(dtype), p, peephole,
                                      c0=0.5 * dc[:, :, 0].astype(dtype))
        dx, (da0, dc0), grads = lstm_backward(da.astype(dtype), cache, dc.astype(dtype))
        arrays = [v for v in cache if hasattr(v, "dtype")] + list(lstm_gates(cache).values())
        assert all(v.dtype == dtype for v in arrays + [a, c, dx, da0, dc0, *grads.values()])
        out[dtype] = {"a": a, "c": c, "dx": dx, "da0": da0, "dc0": dc0, **grads}
    for k, ref in out[np.float64].items():
        assert np.linalg.norm(out[np.float32][k] - ref) / np.linalg.norm(ref) < 1e-4, k


def test_init_lstm_params_keys_and_forget_bias():
    params = init_lstm_params(3, 4, 2, 0, peephole=True)
    assert list(params) == ["W_f", "b_f", "W_u", "b_u", "W_c", "b_c", "W_o", "b_o",
                            "p_f", "p_u", "p_o", "W_ya", "b_y"]
    assert params["W_u"].shape == (4, 7) and params["p_o"].shape == (4, 1)
    assert np.all(params["b_f"] == 1) and np.all(params["b_u"] == 0)


def test_errors_name_the_argument_and_the_keys():
    params = init_lstm_params(3, 5, None, 0)
    with pytest.raises(KeyError, match=r"missing keys \['p_f', 'p_u', 'p_o'\] for peephole=True"):
        lstm_forward(np.zeros((3, 2, 4)), np.zeros((5, 2)), params, peephole=True)
    with pytest.raises(KeyError, match=r"missing keys \['W_o'\]"):
        lstm_forward(np.zeros((3, 2, 4)), np.zeros((5, 2)),
                     {k: v for k, v in params.items() if k != "W_o"})
    msg = r"lstm_cell_forward\(c_prev\): expected shape \(5, 2\) = \(n_a, m\), got \(5, 3\)"
    with pytest.raises(ValueError, match=msg):
        lstm_cell_forward(np.zeros((3, 2)), np.zeros((5, 2)), np.zeros((5, 3)), params)
    with pytest.raises(ValueError, match=r"lstm_forward\(x\): expected shape \(3, 2, 4\) = "
                                         r"\(n_x, m, T_x\), got \(4, 2, 4\)"):
        lstm_forward(np.zeros((4, 2, 4)), np.zeros((5, 2)), params)
    _, _, _, cache = lstm_forward(np.zeros((3, 2, 4)), np.zeros((5, 2)), params)
    with pytest.raises(ValueError, match=r"lstm_backward\(da\): expected shape \(5, 2, 4\)"):
        lstm_backward(np.zeros((5, 2)), cache)
    with pytest.raises(ValueError, match=r"lstm_forward\(c0\): expected shape \(5, 2\) = "
                                         r"\(n_a, m\), got \(2, 5\)"):
        lstm_forward(np.zeros((3, 2, 4)), np.zeros((5, 2)), params, c0=np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r"lstm_backward\(dc\): expected shape "
                                         r"\(5, 2, 4\) = \(n_a, m, T_x\), got \(5, 2\)"):
        lstm_backward(np.zeros((5, 2, 4)), cache, dc=np.zeros((5, 2)))
