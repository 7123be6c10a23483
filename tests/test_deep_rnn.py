"""seqlab.rnn.deep: the deep (stacked) RNN over the RNN, GRU and LSTM cells (eqs. 1-5).

Layers: one layer is the cell's sequence function (or the BRNN), layer l reads a^[l-1],
float64 finite differences of every backward (uni- and bidirectional, with lengths), a padded
batch against each example alone, parity with torch.nn.RNN / GRU / LSTM(num_layers=2) and
(num_layers=2, bidirectional=True) on every state and gradient, dtypes, init, error messages.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.gradcheck import check_grads, numerical_gradient, relative_difference
from seqlab.rnn import (
    InitialStateGrad,
    brnn_forward,
    deep_rnn_backward,
    deep_rnn_forward,
    init_brnn_params,
    init_deep_rnn_params,
    output_backward,
)
from tests.helpers.rnn_twins import (
    CASES,
    TORCH_CASES,
    assert_torch_grads,
    case_id,
    init_options,
    max_abs,
    params_from_torch,
    run_chain,
    run_torch,
    torch_model,
    torch_suffixes,
)

TOL = 1e-7
TORCH_TOL = 1e-10
SIZES = [(3, 4, 2, 1, 1), (2, 3, 3, 2, 3)]                     # (n_x, n_a, n_y, m, T_x)


def setup(kind, options, n_x, n_a, n_y, m, T, n_layers=2, bidirectional=False, seed=0,
          dtype=np.float64):
    """params with random non-zero biases, x, a0, c0 (LSTM, else None), da_top, dlogits."""
    g = np.random.default_rng(seed)
    params = init_deep_rnn_params(n_x, n_a, n_y, n_layers, kind, g, bidirectional=bidirectional,
                                  dtype=dtype, **init_options(options))
    for k in params:
        if k.rsplit("/", 1)[-1].startswith(("b_", "p_")):
            params[k] = (0.5 * g.standard_normal(params[k].shape)).astype(dtype)
    n_s = (1 + bidirectional) * n_a
    x = g.standard_normal((n_x, m, T)).astype(dtype)
    a0, c0 = (g.standard_normal((n_layers, n_s, m)).astype(dtype) for _ in range(2))
    da = g.standard_normal((n_s, m, T)).astype(dtype)
    dlogits = None if n_y is None else g.standard_normal((n_y, m, T)).astype(dtype)
    return params, x, a0, c0 if kind == "lstm" else None, da, dlogits


def layer(params, prefix):
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


# --------------------------------------------------------------------------- the lecture's picture
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_eq1_layer_l_is_the_cell_on_the_states_of_layer_l_minus_1(case):
    kind, options = case
    params, x, a0, c0, _, _ = setup(kind, options, 3, 4, 2, 2, 4, n_layers=3, seed=1)
    a_top, _, cache = deep_rnn_forward(x, params, kind, 3, a0, c0, **options)
    below = x
    for l in range(3):
        c0_l = None if c0 is None else c0[l]
        a_l = run_chain(kind, options, below, a0[l], c0_l, layer(params, f"l{l + 1}/"))
        np.testing.assert_allclose(cache.a[l], a_l, rtol=0, atol=1e-15)  # a^[l] from a^[l-1]
        below = a_l
    assert a_top is cache.a[-1]


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_one_bidirectional_layer_is_the_brnn(kind):
    g = np.random.default_rng(2)
    params = init_brnn_params(3, 4, 2, kind, g)
    deep = {("l1/" + k if "/" in k else k): v for k, v in params.items()}
    x, a0 = g.standard_normal((3, 2, 5)), g.standard_normal((8, 2))
    a, y_hat, _ = brnn_forward(x, params, kind, a0, lengths=[5, 3])
    a_deep, y_deep, _ = deep_rnn_forward(x, deep, kind, 1, a0[None], lengths=[5, 3],
                                         bidirectional=True)
    np.testing.assert_array_equal(a, a_deep)
    np.testing.assert_array_equal(y_hat, y_deep)


# --------------------------------------------------------------------------- finite differences
def gradient_check(forward, params, arrays, da, dlogits, **kw):
    """J = Σ da*a_top + Σ dlogits*logits; every backward output against finite differences."""

    def loss(_=None):
        a_top, _, cache = forward()
        return float(np.sum(a_top * da) + np.sum(cache.logits * dlogits))

    a_top, _, cache = forward()
    da_out, out_grads = output_backward(dlogits, a_top, params)
    dx, (da0, dc0), grads = deep_rnn_backward(da + da_out, cache)
    assert list(grads) == list(params)
    grads.update(out_grads)
    for name, ana in [("x", dx), ("a0", da0), ("c0", dc0)]:
        if arrays.get(name) is not None:
            assert relative_difference(numerical_gradient(loss, arrays[name]), ana) < TOL, name
    result = check_grads(loss, params, grads, **kw)
    assert result.passed(TOL), result


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("sizes", SIZES)
def test_deep_rnn_backward_eqs3_5_match_finite_differences(sizes, case, bidirectional):
    kind, options = case
    params, x, a0, c0, da, dlogits = setup(kind, options, *sizes, bidirectional=bidirectional,
                                           seed=3)
    gradient_check(lambda: deep_rnn_forward(x, params, kind, 2, a0, c0,
                                            bidirectional=bidirectional, **options),
                   params, {"x": x, "a0": a0, "c0": c0}, da, dlogits, max_elements=40)


@pytest.mark.parametrize("case", [("rnn", {}), ("gru", {}), ("lstm", {"peephole": True})],
                         ids=case_id)
def test_three_bidirectional_layers_with_lengths_match_finite_differences(case):
    kind, options = case
    params, x, a0, c0, da, dlogits = setup(kind, options, 2, 3, 2, 2, 3, n_layers=3,
                                           bidirectional=True, seed=4)
    gradient_check(lambda: deep_rnn_forward(x, params, kind, 3, a0, c0, [1, 3],
                                            bidirectional=True, **options),
                   params, {"x": x, "a0": a0, "c0": c0}, da, dlogits, max_elements=15)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_deep_rnn_backward_returns_every_layers_initial_state_grad(kind):
    params, x, a0, c0, da, _ = setup(kind, {}, 3, 4, 2, 2, 3, bidirectional=True, seed=5)
    _, _, cache = deep_rnn_forward(x, params, kind, 2, a0, c0, bidirectional=True)
    dx, d0, grads = deep_rnn_backward(da, cache)
    assert isinstance(d0, InitialStateGrad) and d0.da0.shape == a0.shape  # (L, 2 n_a, m)
    assert d0.dc0 is None if kind != "lstm" else d0.dc0.shape == c0.shape
    assert dx.shape == x.shape and list(grads) == list(params)
    assert not grads["W_ya"].any() and not grads["b_y"].any()  # from output_backward


# --------------------------------------------------------------------------- variable lengths
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_padded_batch_equals_each_example_run_alone(kind, bidirectional):
    params, x, a0, c0, da, _ = setup(kind, {}, 3, 4, 2, 3, 5, bidirectional=bidirectional,
                                     seed=6)
    lengths = [2, 5, 1]
    x[:, 0, 2:] = -50.0                                         # padding must not matter
    kw = {"bidirectional": bidirectional}
    _, _, cache = deep_rnn_forward(x, params, kind, 2, a0, c0, lengths, **kw)
    dx, (da0, _), grads = deep_rnn_backward(da, cache)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    for i, L in enumerate(lengths):
        one, real = (slice(None), slice(i, i + 1)), (slice(None), slice(i, i + 1), slice(L))
        c0_i = None if c0 is None else c0[:, :, i:i + 1]
        _, _, cache_i = deep_rnn_forward(x[real], params, kind, 2, a0[:, :, i:i + 1], c0_i,
                                         **kw)
        dx_i, (da0_i, _), grads_i = deep_rnn_backward(da[real], cache_i)
        for a_l, a_l_i in zip(cache.a, cache_i.a, strict=True):  # every layer's states
            assert max_abs(a_l[real], a_l_i) < 1e-14
            assert not a_l[one + (slice(L, None),)].any()
        assert max_abs(dx[real], dx_i) < 1e-13 and max_abs(da0[:, :, i:i + 1], da0_i) < 1e-13
        total = {k: total[k] + grads_i[k] for k in total}
    assert all(max_abs(grads[k], total[k]) < 1e-12 for k in params)


# --------------------------------------------------------------------------- PyTorch
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("case", TORCH_CASES, ids=case_id)
@pytest.mark.parametrize("sizes", SIZES + [(1, 2, 2, 3, 4)])
def test_deep_rnn_matches_torch_num_layers_2_states_and_every_gradient(torch, sizes, case,
                                                                        bidirectional):
    kind, options = case
    n_x, n_a, _, m, T = sizes
    n_s = (1 + bidirectional) * n_a
    model = torch_model(torch, kind, options, n_x, n_a, seed=7, num_layers=2,
                        bidirectional=bidirectional)
    suffixes = torch_suffixes(2, bidirectional, deep=True)
    params = params_from_torch(model, kind, n_a, suffixes)
    g = np.random.default_rng(8)
    x, a0, c0, da = (g.standard_normal(s) for s in ((n_x, m, T), (2, n_s, m), (2, n_s, m),
                                                    (n_s, m, T)))
    c0 = c0 if kind == "lstm" else None
    out, dx_t, dh0, dc0_t = run_torch(torch, model, kind, x, a0, c0, da, 1 + bidirectional)
    a_top, _, cache = deep_rnn_forward(x, params, kind, 2, a0, c0, bidirectional=bidirectional,
                                       **options)
    dx, (da0, dc0), grads = deep_rnn_backward(da, cache)
    assert max_abs(a_top, out) < TORCH_TOL
    assert max_abs(dx, dx_t) < TORCH_TOL and max_abs(da0, dh0) < TORCH_TOL
    assert dc0 is None or max_abs(dc0, dc0_t) < TORCH_TOL
    assert_torch_grads(model, kind, grads, n_a, suffixes)


@pytest.mark.parametrize("case", [("gru", {"variant": "cudnn"}), ("lstm", {})], ids=case_id)
def test_deep_bidirectional_lengths_match_torch_pack_padded_sequence(torch, case):
    kind, options = case
    n_x, n_a, m, T, lengths = 3, 4, 3, 5, [3, 5, 1]
    model = torch_model(torch, kind, options, n_x, n_a, seed=9, num_layers=3,
                        bidirectional=True)
    suffixes = torch_suffixes(3, True, deep=True)
    params = params_from_torch(model, kind, n_a, suffixes)
    g = np.random.default_rng(10)
    x, a0, c0, da = (g.standard_normal(s) for s in ((n_x, m, T), (3, 2 * n_a, m),
                                                    (3, 2 * n_a, m), (2 * n_a, m, T)))
    c0 = c0 if kind == "lstm" else None
    out, dx_t, dh0, dc0_t = run_torch(torch, model, kind, x, a0, c0, da, 2, lengths)
    a_top, _, cache = deep_rnn_forward(x, params, kind, 3, a0, c0, lengths, bidirectional=True,
                                       **options)
    dx, (da0, dc0), grads = deep_rnn_backward(da, cache)
    assert max_abs(a_top, out) < TORCH_TOL
    assert max_abs(dx, dx_t) < TORCH_TOL and max_abs(da0, dh0) < TORCH_TOL
    assert dc0 is None or max_abs(dc0, dc0_t) < TORCH_TOL
    assert_torch_grads(model, kind, grads, n_a, suffixes)


# --------------------------------------------------------------------------- dtypes, init, errors
@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_float32_in_float32_out(kind):
    params, x, a0, c0, da, _ = setup(kind, {}, 3, 4, 2, 2, 3, bidirectional=True,
                                     dtype=np.float32)
    a_top, y_hat, cache = deep_rnn_forward(x, params, kind, 2, a0, c0, [3, 1],
                                           bidirectional=True)
    dx, (da0, dc0), grads = deep_rnn_backward(da, cache)
    arrays = [a_top, y_hat, cache.logits, *cache.a, dx, da0, *grads.values()]
    assert all(arr.dtype == np.float32 for arr in arrays + ([dc0] if c0 is not None else []))


def test_init_deep_rnn_params_keys_and_shapes():
    shapes = {k: v.shape for k, v in init_deep_rnn_params(3, 4, 2, 2, "rnn", 0).items()}
    assert shapes == {"l1/W_aa": (4, 4), "l1/W_ax": (4, 3), "l1/b_a": (4, 1),
                      "l2/W_aa": (4, 4), "l2/W_ax": (4, 4), "l2/b_a": (4, 1),
                      "W_ya": (2, 4), "b_y": (2, 1)}
    params = init_deep_rnn_params(3, 4, None, 3, "lstm", 0, bidirectional=True)
    assert list(params)[:2] == ["l1/fwd/W_f", "l1/fwd/b_f"] and "W_ya" not in params
    assert params["l1/bwd/W_c"].shape == (4, 7) and params["l3/fwd/W_o"].shape == (4, 12)
    assert len(params) == 3 * 2 * 8


def test_errors_name_the_argument_and_the_keys():
    x = np.zeros((3, 2, 4))
    params = init_deep_rnn_params(3, 4, 2, 2, "rnn", 0)
    for bad, exc in ((0, ValueError), (1.5, TypeError), (True, TypeError)):
        with pytest.raises(exc, match=r"deep_rnn_forward\(n_layers\): expected an int"):
            deep_rnn_forward(x, params, "rnn", bad)
    with pytest.raises(KeyError, match=r"unexpected keys \['l2/W_aa', 'l2/W_ax', 'l2/b_a'\] "
                                       r"for kind='rnn', activation='tanh', n_layers=1"):
        deep_rnn_forward(x, params, "rnn", 1)
    with pytest.raises(KeyError, match=r"missing keys \['l1/fwd/W_aa'"):
        deep_rnn_forward(x, params, "rnn", 2, bidirectional=True)
    with pytest.raises(ValueError, match=r"deep_rnn_forward\(params\['l1/W_aa'\]\): expected"):
        deep_rnn_forward(x, dict(params, **{"l1/W_aa": np.zeros((4, 3))}), "rnn", 2)
    wide = init_deep_rnn_params(3, 4, 2, 2, "rnn", 0, bidirectional=True)
    mixed = dict(params, **{"l2/W_ax": wide["l2/fwd/W_ax"]})
    with pytest.raises(ValueError, match=r"layer l2 has \(n_a, n_x\) = \(4, 8\); expected "
                                         r"\(4, 4\)"):
        deep_rnn_forward(x, mixed, "rnn", 2)
    with pytest.raises(ValueError, match=r"deep_rnn_forward\(a0\): expected shape \(2, 4, 2\) "
                                         r"= \(n_layers, n_dir·n_a, m\), got \(4, 2\)"):
        deep_rnn_forward(x, params, "rnn", 2, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"deep_rnn_forward\(params\['W_ya'\]\): expected "
                                         r"shape \(2, 4\) = \(n_y, n_dir·n_a\), got \(2, 8\)"):
        deep_rnn_forward(x, dict(params, W_ya=np.zeros((2, 8))), "rnn", 2)
    with pytest.raises(ValueError, match=r"deep_rnn_forward\(lengths\): expected integers"):
        deep_rnn_forward(x, params, "rnn", 2, lengths=[5, 1])
    _, _, cache = deep_rnn_forward(x, params, "rnn", 2)
    with pytest.raises(ValueError, match=r"deep_rnn_backward\(da_top\): expected shape "
                                         r"\(4, 2, 4\) = \(n_dir·n_a, m, T_x\), got \(8, 2, 4\)"):
        deep_rnn_backward(np.zeros((8, 2, 4)), cache)
