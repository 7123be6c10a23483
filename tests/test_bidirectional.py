"""seqlab.rnn.bidirectional: the BRNN over the RNN, GRU and LSTM cells (eqs. 1-9).

Layers: the two chains are the cell's sequence functions (the backward one on flipped x),
a→<t> sees only the past and a←<t> only the future, float64 finite differences of every
backward (with and without lengths), a padded batch against each example alone, parity with
torch.nn.RNN / GRU / LSTM(bidirectional=True) on every state and gradient (also against
pack_padded_sequence), dtypes, init, error messages.

The torch helpers here (``torch_model``, ``params_from_torch``, ``assert_torch_grads``,
``run_torch``) are shared with tests/test_deep_rnn.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.functional import softmax
from seqlab.gradcheck import check_grads, numerical_gradient, relative_difference
from seqlab.rnn import (
    InitialStateGrad,
    brnn_backward,
    brnn_forward,
    init_brnn_params,
    output_backward,
)
from tests.helpers.rnn_twins import (
    CASES,
    TORCH_CASES,
    assert_torch_grads,
    case_id,
    chain,
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
SIZES = [(3, 4, 2, 1, 1), (2, 3, 4, 2, 3), (1, 2, 3, 3, 4)]    # (n_x, n_a, n_y, m, T_x)


def setup(kind, options, n_x, n_a, n_y, m, T, seed=0, dtype=np.float64):
    """params with random non-zero biases, x, a0, c0 (LSTM, else None), da, dlogits."""
    g = np.random.default_rng(seed)
    params = init_brnn_params(n_x, n_a, n_y, kind, g, dtype=dtype, **init_options(options))
    for k in params:
        if k.rsplit("/", 1)[-1].startswith(("b_", "p_")):
            params[k] = (0.5 * g.standard_normal(params[k].shape)).astype(dtype)
    x = g.standard_normal((n_x, m, T)).astype(dtype)
    a0, c0 = (g.standard_normal((2 * n_a, m)).astype(dtype) for _ in range(2))
    da = g.standard_normal((2 * n_a, m, T)).astype(dtype)
    dlogits = None if n_y is None else g.standard_normal((n_y, m, T)).astype(dtype)
    return params, x, a0, c0 if kind == "lstm" else None, da, dlogits


# --------------------------------------------------------------------------- the lecture's picture
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_eqs1_3_two_chains_of_the_cell_and_the_output_on_both(case):
    kind, options = case
    params, x, a0, c0, _, _ = setup(kind, options, 3, 4, 2, 2, 5, seed=1)
    a, y_hat, cache = brnn_forward(x, params, kind, a0, c0, **options)
    c0_fwd, c0_bwd = (None, None) if c0 is None else (c0[:4], c0[4:])
    a_fwd = run_chain(kind, options, x, a0[:4], c0_fwd, chain(params, "fwd/"))     # (1)
    a_bwd = run_chain(kind, options, x[:, :, ::-1], a0[4:], c0_bwd, chain(params, "bwd/"))
    np.testing.assert_allclose(a[:4], a_fwd, rtol=0, atol=1e-15)
    np.testing.assert_allclose(a[4:], a_bwd[:, :, ::-1], rtol=0, atol=1e-15)      # (2), (4)
    logits = np.einsum("ya,amt->ymt", params["W_ya"], a) + params["b_y"][:, :, None]
    np.testing.assert_allclose(cache.logits, logits, rtol=1e-13, atol=1e-14)       # (3)
    np.testing.assert_allclose(y_hat, softmax(logits), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_forward_chain_sees_the_past_backward_chain_the_future(kind):
    params, x, a0, c0, _, _ = setup(kind, {}, 3, 4, None, 2, 6, seed=2)
    a = brnn_forward(x, params, kind, a0, c0)[0]
    x2 = x.copy()
    x2[:, :, 3] += 1.0                                          # change x<4> only
    a2 = brnn_forward(x2, params, kind, a0, c0)[0]
    np.testing.assert_array_equal(a2[:4, :, :3], a[:4, :, :3])  # a→<1..3>: before x<4>
    np.testing.assert_array_equal(a2[4:, :, 4:], a[4:, :, 4:])  # a←<5..6>: after x<4>
    assert np.all(np.abs(a2[:4, :, 3:] - a[:4, :, 3:]).max(axis=(0, 1)) > 0)
    assert np.all(np.abs(a2[4:, :, :4] - a[4:, :, :4]).max(axis=(0, 1)) > 0)


# --------------------------------------------------------------------------- finite differences
def gradient_check(forward, backward, params, arrays, da, dlogits, **kw):
    """J = Σ da*a + Σ dlogits*logits; every backward output against finite differences."""

    def loss(_=None):
        a, _, cache = forward()
        return float(np.sum(a * da) + np.sum(cache.logits * dlogits))

    a, _, cache = forward()
    da_out, out_grads = output_backward(dlogits, a, params)     # (9)
    dx, (da0, dc0), grads = backward(da + da_out, cache)
    assert list(grads) == list(params)
    grads.update(out_grads)
    for name, ana in [("x", dx), ("a0", da0), ("c0", dc0)]:
        if arrays.get(name) is not None:
            assert relative_difference(numerical_gradient(loss, arrays[name]), ana) < TOL, name
    result = check_grads(loss, params, grads, **kw)
    assert result.passed(TOL), result


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("sizes", SIZES)
def test_brnn_backward_eqs6_9_match_finite_differences(sizes, case):
    kind, options = case
    params, x, a0, c0, da, dlogits = setup(kind, options, *sizes, seed=3)
    gradient_check(lambda: brnn_forward(x, params, kind, a0, c0, **options), brnn_backward,
                   params, {"x": x, "a0": a0, "c0": c0}, da, dlogits)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_brnn_backward_with_lengths_matches_finite_differences(case):
    kind, options = case
    params, x, a0, c0, da, dlogits = setup(kind, options, 2, 3, 2, 4, 5, seed=4)
    lengths = np.array([5, 2, 1, 4])
    gradient_check(lambda: brnn_forward(x, params, kind, a0, c0, lengths, **options),
                   brnn_backward, params, {"x": x, "a0": a0, "c0": c0}, da, dlogits)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_brnn_backward_returns_the_initial_state_grad_dc0_only_for_the_lstm(case):
    kind, options = case
    params, x, a0, c0, da, _ = setup(kind, options, 3, 4, 2, 2, 3, seed=5)
    _, _, cache = brnn_forward(x, params, kind, a0, c0, **options)
    dx, d0, grads = brnn_backward(da, cache)
    assert isinstance(d0, InitialStateGrad) and d0.da0.shape == a0.shape
    assert d0.dc0 is None if kind != "lstm" else d0.dc0.shape == c0.shape
    assert dx.shape == x.shape and list(grads) == list(params)
    assert not grads["W_ya"].any() and not grads["b_y"].any()  # from output_backward


# --------------------------------------------------------------------------- variable lengths
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_padded_batch_equals_each_example_run_alone(case):
    kind, options = case
    params, x, a0, c0, da, _ = setup(kind, options, 3, 4, 2, 4, 6, seed=6)
    lengths = [6, 3, 1, 4]
    x[:, 1, 3:] = 99.0                                          # padding must not matter
    a, y_hat, cache = brnn_forward(x, params, kind, a0, c0, lengths, **options)
    dx, (da0, dc0), grads = brnn_backward(da, cache)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    for i, L in enumerate(lengths):
        one = (slice(None), slice(i, i + 1))
        c0_i = None if c0 is None else c0[one]
        a_i, y_i, cache_i = brnn_forward(x[one + (slice(L),)], params, kind, a0[one], c0_i,
                                         **options)
        dx_i, (da0_i, dc0_i), grads_i = brnn_backward(da[one + (slice(L),)], cache_i)
        assert max_abs(a[one + (slice(L),)], a_i) < 1e-14
        assert max_abs(y_hat[one + (slice(L),)], y_i) < 1e-14
        assert max_abs(dx[one + (slice(L),)], dx_i) < 1e-13
        assert max_abs(da0[one], da0_i) < 1e-13
        assert dc0 is None or max_abs(dc0[one], dc0_i) < 1e-13
        assert not a[one + (slice(L, None),)].any()             # (5) zero states on padding
        assert not dx[one + (slice(L, None),)].any()            # and no gradient into it
        total = {k: total[k] + grads_i[k] for k in total}
    assert all(max_abs(grads[k], total[k]) < 1e-12 for k in params)


def test_full_lengths_equal_no_lengths():
    params, x, a0, c0, da, _ = setup("lstm", {"peephole": True}, 3, 4, 2, 3, 4, seed=7)
    a, _, cache = brnn_forward(x, params, "lstm", a0, c0, peephole=True)
    a_l, _, cache_l = brnn_forward(x, params, "lstm", a0, c0, [4, 4, 4], peephole=True)
    np.testing.assert_array_equal(a, a_l)
    (dx, (da0, dc0), _), (dx_l, (da0_l, dc0_l), _) = (brnn_backward(da, cache),
                                                      brnn_backward(da, cache_l))
    for ours, ref in [(dx, dx_l), (da0, da0_l), (dc0, dc0_l)]:
        np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize("case", TORCH_CASES, ids=case_id)
@pytest.mark.parametrize("sizes", SIZES)
def test_brnn_matches_torch_bidirectional_states_and_every_gradient(torch, sizes, case):
    kind, options = case
    n_x, n_a, _, m, T = sizes
    model = torch_model(torch, kind, options, n_x, n_a, seed=8, bidirectional=True)
    suffixes = torch_suffixes(1, True, deep=False)
    params = params_from_torch(model, kind, n_a, suffixes)
    g = np.random.default_rng(9)
    x, a0, c0, da = (g.standard_normal(s) for s in ((n_x, m, T), (2 * n_a, m), (2 * n_a, m),
                                                    (2 * n_a, m, T)))
    c0 = c0 if kind == "lstm" else None
    out, dx_t, dh0, dc0_t = run_torch(torch, model, kind, x, a0[None],
                                      None if c0 is None else c0[None], da, 2)
    a, _, cache = brnn_forward(x, params, kind, a0, c0, **options)
    dx, (da0, dc0), grads = brnn_backward(da, cache)
    assert max_abs(a, out) < TORCH_TOL
    assert max_abs(dx, dx_t) < TORCH_TOL and max_abs(da0, dh0[0]) < TORCH_TOL
    assert dc0 is None or max_abs(dc0, dc0_t[0]) < TORCH_TOL
    assert_torch_grads(model, kind, grads, n_a, suffixes)


@pytest.mark.parametrize("case", TORCH_CASES, ids=case_id)
def test_brnn_lengths_match_torch_pack_padded_sequence(torch, case):
    kind, options = case
    n_x, n_a, m, T = 3, 4, 4, 5
    lengths = [5, 2, 1, 3]
    model = torch_model(torch, kind, options, n_x, n_a, seed=10, bidirectional=True)
    suffixes = torch_suffixes(1, True, deep=False)
    params = params_from_torch(model, kind, n_a, suffixes)
    g = np.random.default_rng(11)
    x, a0, c0, da = (g.standard_normal(s) for s in ((n_x, m, T), (2 * n_a, m), (2 * n_a, m),
                                                    (2 * n_a, m, T)))
    c0 = c0 if kind == "lstm" else None
    out, dx_t, dh0, dc0_t = run_torch(torch, model, kind, x, a0[None],
                                      None if c0 is None else c0[None], da, 2, lengths)
    a, _, cache = brnn_forward(x, params, kind, a0, c0, lengths, **options)
    dx, (da0, dc0), grads = brnn_backward(da, cache)
    assert max_abs(a, out) < TORCH_TOL
    assert max_abs(dx, dx_t) < TORCH_TOL and max_abs(da0, dh0[0]) < TORCH_TOL
    assert dc0 is None or max_abs(dc0, dc0_t[0]) < TORCH_TOL
    assert_torch_grads(model, kind, grads, n_a, suffixes)


# --------------------------------------------------------------------------- dtypes, init, errors
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_float32_in_float32_out(case):
    kind, options = case
    params, x, a0, c0, da, _ = setup(kind, options, 3, 4, 2, 2, 3, dtype=np.float32)
    a, y_hat, cache = brnn_forward(x, params, kind, a0, c0, [3, 2], **options)
    dx, (da0, dc0), grads = brnn_backward(da, cache)
    arrays = [a, y_hat, cache.logits, dx, da0, *grads.values()] + ([dc0] if c0 is not None
                                                                   else [])
    assert all(arr.dtype == np.float32 for arr in arrays)
    assert brnn_forward(x, params, kind, **options)[0].dtype == np.float32  # a0 = 0 made too


def test_init_brnn_params_keys_and_shapes():
    shapes = {k: v.shape for k, v in init_brnn_params(3, 4, 2, "rnn", 0).items()}
    assert shapes == {"fwd/W_aa": (4, 4), "fwd/W_ax": (4, 3), "fwd/b_a": (4, 1),
                      "bwd/W_aa": (4, 4), "bwd/W_ax": (4, 3), "bwd/b_a": (4, 1),
                      "W_ya": (2, 8), "b_y": (2, 1)}
    keys = list(init_brnn_params(3, 4, None, "gru", 0, variant="cudnn"))
    assert keys == [f"{d}/{k}" for d in ("fwd", "bwd")
                    for k in ("W_u", "b_u", "W_r", "b_r", "W_c", "b_c", "b_cc")]
    params = init_brnn_params(3, 4, None, "lstm", 0, peephole=True)
    assert params["bwd/p_o"].shape == (4, 1) and np.all(params["bwd/b_f"] == 1)
    assert not np.array_equal(params["fwd/W_u"], params["bwd/W_u"])  # two draws


def test_errors_name_the_argument_the_kind_and_the_keys():
    x, a0 = np.zeros((3, 2, 4)), np.zeros((8, 2))
    params = init_brnn_params(3, 4, 2, "rnn", 0)
    with pytest.raises(ValueError, match=r"brnn_forward\(kind\): expected one of \('rnn', "):
        brnn_forward(x, params, "lstmm")
    with pytest.raises(ValueError, match=r"brnn_forward\(peephole\): applies to kind='lstm' "
                                         r"only, got peephole=True with kind='rnn'"):
        brnn_forward(x, params, "rnn", peephole=True)
    with pytest.raises(ValueError, match=r"brnn_forward\(variant\): expected one of"):
        brnn_forward(x, init_brnn_params(3, 4, 2, "gru", 0), "gru", variant="minimal")
    with pytest.raises(KeyError, match=r"brnn_forward\(params\): missing keys \['bwd/W_aa'\] "
                                       r"for kind='rnn', activation='tanh'"):
        brnn_forward(x, {k: v for k, v in params.items() if k != "bwd/W_aa"}, "rnn")
    with pytest.raises(KeyError, match=r"missing keys \['fwd/W_r', 'fwd/b_r', 'bwd/W_r'"):
        brnn_forward(x, init_brnn_params(3, 4, 2, "gru", 0, variant="simplified"), "gru")
    with pytest.raises(ValueError, match=r"brnn_forward\(params\['bwd/W_aa'\]\): expected "
                                         r"shape \(4, 4\) = \(n_a, n_a\), got \(4, 5\)"):
        brnn_forward(x, dict(params, **{"bwd/W_aa": np.zeros((4, 5))}), "rnn")
    bad = dict(params, **{k: v for k, v in init_brnn_params(3, 5, 2, "rnn", 0).items()
                          if k.startswith("bwd/")})
    with pytest.raises(ValueError, match=r"the bwd/\* chain has \(n_a, n_x\) = \(5, 3\) but "
                                         r"the fwd/\* chain has \(4, 3\)"):
        brnn_forward(x, bad, "rnn")
    with pytest.raises(ValueError, match=r"brnn_forward\(params\['W_ya'\]\): expected shape "
                                         r"\(2, 8\) = \(n_y, 2 n_a\), got \(2, 4\)"):
        brnn_forward(x, dict(params, W_ya=np.zeros((2, 4))), "rnn")
    with pytest.raises(ValueError, match=r"brnn_forward\(x\): expected shape \(3, 2, 4\) = "
                                         r"\(n_x, m, T_x\), got \(4, 2, 4\)"):
        brnn_forward(np.zeros((4, 2, 4)), params, "rnn")
    with pytest.raises(ValueError, match=r"brnn_forward\(a0\): expected shape \(8, 2\) = "
                                         r"\(2 n_a, m\), got \(4, 2\)"):
        brnn_forward(x, params, "rnn", np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"brnn_forward\(c0\): only kind='lstm'"):
        brnn_forward(x, params, "rnn", a0, np.zeros((8, 2)))
    with pytest.raises(TypeError, match=r"brnn_forward\(lengths\): expected a 1-D integer"):
        brnn_forward(x, params, "rnn", lengths=[2.0, 3.0])
    for lengths in ([4, 5], [0, 4]):
        with pytest.raises(ValueError, match=r"brnn_forward\(lengths\): expected integers in "
                                             r"\[1, T_x\] = \[1, 4\]"):
            brnn_forward(x, params, "rnn", lengths=lengths)
    with pytest.raises(ValueError, match=r"brnn_forward\(lengths\): expected shape \(2,\)"):
        brnn_forward(x, params, "rnn", lengths=[4, 4, 4])
    _, _, cache = brnn_forward(x, params, "rnn")
    with pytest.raises(ValueError, match=r"brnn_backward\(da\): expected shape \(8, 2, 4\) = "
                                         r"\(2 n_a, m, T_x\), got \(4, 2, 4\)"):
        brnn_backward(np.zeros((4, 2, 4)), cache)
