"""seqlab.optim: SGD, Momentum, Adagrad, Adam, clip_by_value, clip_by_norm.

Layers: several steps in float64 against torch.optim on the same parameters and gradients,
the lecture's momentum (eq. 2) against a hand computation and its relation to torch's
convention, clipping against torch.nn.utils, in-place/state/dtype contracts, error messages.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.optim import SGD, Adagrad, Adam, Momentum, clip_by_norm, clip_by_value

N_STEPS = 6
SHAPES = {"W_aa": (4, 4), "W_ax": (4, 3), "b_a": (4, 1), "W_ya": (2, 4), "b_y": (2, 1),
          "a0": (1, 1)}


def make_params(seed=0, dtype=np.float64):
    g = np.random.default_rng(seed)
    return {k: g.standard_normal(s).astype(dtype) for k, s in SHAPES.items()}


def make_grads_sequence(seed=1, n=N_STEPS, dtype=np.float64):
    g = np.random.default_rng(seed)
    return [{k: g.standard_normal(s).astype(dtype) for k, s in SHAPES.items()}
            for _ in range(n)]


def run_ours(optimizer, params, grads_sequence):
    for grads in grads_sequence:
        optimizer.step(params, {k: v.copy() for k, v in grads.items()})
    return params


def run_torch(torch, make_optimizer, params, grads_sequence):
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    opt = make_optimizer(list(tensors.values()))
    for grads in grads_sequence:
        for k, t in tensors.items():
            t.grad = torch.from_numpy(grads[k].copy())
        opt.step()
    return {k: t.detach().numpy() for k, t in tensors.items()}


def assert_params_close(ours, theirs, rtol=1e-12):
    assert ours.keys() == theirs.keys()
    for k in ours:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=rtol, atol=1e-14, err_msg=k)


# --------------------------------------------------------------------------- PyTorch parity
@pytest.mark.parametrize("lr", [0.1, 0.01])
def test_sgd_eq1_matches_torch(torch, lr):
    params, grads = make_params(), make_grads_sequence()
    theirs = run_torch(torch, lambda p: torch.optim.SGD(p, lr=lr), make_params(), grads)
    assert_params_close(run_ours(SGD(lr), params, grads), theirs)


@pytest.mark.parametrize(("lr", "eps"), [(0.1, 1e-10), (0.5, 1e-6)])
def test_adagrad_eqs4_5_match_torch(torch, lr, eps):
    params, grads = make_params(), make_grads_sequence()
    theirs = run_torch(torch, lambda p: torch.optim.Adagrad(p, lr=lr, eps=eps), make_params(),
                       grads)
    assert_params_close(run_ours(Adagrad(lr, eps=eps), params, grads), theirs)


@pytest.mark.parametrize(("lr", "beta1", "beta2", "eps"),
                         [(1e-3, 0.9, 0.999, 1e-8), (0.05, 0.5, 0.9, 1e-6),
                          (0.01, 0.0, 0.99, 1e-8)])
def test_adam_eqs6_10_with_bias_correction_match_torch(torch, lr, beta1, beta2, eps):
    params, grads = make_params(), make_grads_sequence()
    theirs = run_torch(torch, lambda p: torch.optim.Adam(p, lr=lr, betas=(beta1, beta2), eps=eps),
                       make_params(), grads)
    assert_params_close(run_ours(Adam(lr, beta1, beta2, eps), params, grads), theirs)


@pytest.mark.parametrize(("lr", "beta"), [(0.1, 0.9), (0.05, 0.5)])
def test_momentum_is_torch_sgd_with_lr_scaled_by_one_minus_beta(torch, lr, beta):
    """v = βv + (1-β)dW is (1-β) times torch's buf = β buf + dW, so the steps coincide."""
    params, grads = make_params(), make_grads_sequence()
    theirs = run_torch(torch, lambda p: torch.optim.SGD(p, lr=lr * (1 - beta), momentum=beta),
                       make_params(), grads)
    assert_params_close(run_ours(Momentum(lr, beta), params, grads), theirs)


def test_momentum_eq2_eq3_matches_a_hand_computation():
    lr, beta = 0.1, 0.9
    W = np.array([[1.0, -2.0]])
    dWs = [np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]]), np.array([[-1.0, 1.0]])]
    opt = Momentum(lr, beta)
    params = {"W": W}
    expected_W, v = W.copy(), np.zeros_like(W)
    for dW in dWs:
        opt.step(params, {"W": dW})
        v = beta * v + (1 - beta) * dW              # (2)
        expected_W = expected_W - lr * v            # (3)
        np.testing.assert_allclose(opt.v["W"], v, rtol=1e-15)
        np.testing.assert_allclose(params["W"], expected_W, rtol=1e-15)
    # v after step 1 is (1-β) dW: the lecture's average starts at 0 (no bias correction)
    np.testing.assert_allclose(expected_W[0, 0], 1 - 0.1 * (0.1 + 0.09 + (0.081 - 0.1)))


@pytest.mark.parametrize("max_norm", [0.5, 2.0, 1e3])
def test_clip_by_norm_eqs12_13_match_torch_clip_grad_norm(torch, max_norm):
    grads = make_grads_sequence(n=1)[0]
    tensors = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES.values()]
    for t, g in zip(tensors, grads.values(), strict=True):
        t.grad = torch.from_numpy(g.copy())
    total_ref = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    clipped, total = clip_by_norm(grads, max_norm)
    assert clipped is grads
    np.testing.assert_allclose(total, total_ref.item(), rtol=1e-14)
    for t, g in zip(tensors, grads.values(), strict=True):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-14)


def test_clip_by_value_eq11_in_place_matches_torch(torch):
    grads = {k: 3 * v for k, v in make_grads_sequence(n=1)[0].items()}
    tensors = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES.values()]
    for t, g in zip(tensors, grads.values(), strict=True):
        t.grad = torch.from_numpy(g.copy())
    torch.nn.utils.clip_grad_value_(tensors, 1.5)
    arrays = list(grads.values())
    assert clip_by_value(grads, 1.5) is grads
    for t, g, same in zip(tensors, grads.values(), arrays, strict=True):
        assert g is same                            # the course's clip acts in place
        np.testing.assert_array_equal(g, t.grad.numpy())


# --------------------------------------------------------------------------- contracts
@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: Momentum(0.1), lambda: Adagrad(0.1),
                                  lambda: Adam(0.1)], ids=["SGD", "Momentum", "Adagrad", "Adam"])
def test_step_updates_in_place_and_keeps_float32(make):
    params = make_params(dtype=np.float32)
    arrays = dict(params)
    before = {k: v.copy() for k, v in params.items()}
    opt = make()
    run_ours(opt, params, make_grads_sequence(dtype=np.float32))
    for k, W in params.items():
        assert W is arrays[k] and W.dtype == np.float32
        assert not np.array_equal(W, before[k])
    for state in ("v", "s", "G"):
        if hasattr(opt, state):                    # state keyed by parameter name
            assert set(getattr(opt, state)) == set(SHAPES)
            assert all(s.dtype == np.float32 for s in getattr(opt, state).values())


def test_adam_counts_steps_for_bias_correction():
    opt = Adam()
    run_ours(opt, make_params(), make_grads_sequence(n=3))
    assert opt.t == 3


def test_adam_first_step_moves_every_entry_by_about_lr():
    """After bias correction, step 1 is lr · dW/(|dW| + ε) ≈ lr · sign(dW), whatever |dW|."""
    params, grads = make_params(), make_grads_sequence(n=1)
    before = {k: v.copy() for k, v in params.items()}
    run_ours(Adam(lr=0.01), params, grads)
    for k in params:
        dW = grads[0][k]
        np.testing.assert_allclose(before[k] - params[k], 0.01 * dW / (np.abs(dW) + 1e-8),
                                   rtol=1e-12)


def test_clip_by_norm_does_not_overflow_float32_exploding_gradients():
    grads = {"W_aa": np.full((3, 3), 1e30, dtype=np.float32), "b_a": np.zeros((3, 1), np.float32)}
    clipped, total = clip_by_norm(grads, 5.0)       # 1e30² would overflow float32
    np.testing.assert_allclose(total, 3e30, rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(clipped["W_aa"]), 5.0, rtol=1e-5)
    assert clipped["W_aa"].dtype == np.float32


def test_clip_by_norm_leaves_small_gradients_unchanged():
    grads = {"W": np.array([[0.3, 0.4]])}
    _, total = clip_by_norm(grads, 1.0)
    assert total == pytest.approx(0.5)
    np.testing.assert_array_equal(grads["W"], [[0.3, 0.4]])


# --------------------------------------------------------------------------- errors
def test_grads_with_other_keys_are_refused_naming_the_keys():
    params = make_params()
    grads = make_grads_sequence(n=1)[0]
    grads["W_q"] = grads.pop("b_y")
    with pytest.raises(ValueError, match=r"Adam\.step\(grads\).*missing \['b_y'\], "
                                         r"unexpected \['W_q'\]"):
        Adam().step(params, grads)


def test_grads_of_the_wrong_shape_are_refused_naming_the_key():
    params = make_params()
    grads = make_grads_sequence(n=1)[0]
    grads["b_a"] = grads["b_a"].T
    with pytest.raises(ValueError, match=r"SGD\.step\(grads\): grads\['b_a'\] .* \(4, 1\), "
                                         r"got \(1, 4\)"):
        SGD(0.1).step(params, grads)


@pytest.mark.parametrize(("call", "names"), [
    (lambda: SGD(0), "SGD(lr)"),
    (lambda: SGD(-0.1), "SGD(lr)"),
    (lambda: Momentum(0.1, beta=1.0), "Momentum(beta)"),
    (lambda: Adagrad(0.1, eps=0), "Adagrad(eps)"),
    (lambda: Adam(beta1=1.5), "Adam(beta1)"),
    (lambda: Adam(beta2=-0.1), "Adam(beta2)"),
    (lambda: Adam(lr="0.1"), "Adam(lr)"),
    (lambda: clip_by_value({}, 0), "clip_by_value(max_value)"),
    (lambda: clip_by_norm({}, -1), "clip_by_norm(max_norm)"),
    (lambda: SGD(0.1).step([], {}), "SGD.step(params)"),
])
def test_error_messages_name_the_argument(call, names):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert names in str(info.value)


def test_clip_by_norm_refuses_nan_gradients_naming_the_key():
    grads = {"W_aa": np.ones((2, 2)), "b_a": np.array([[np.nan], [0.0]])}
    with pytest.raises(FloatingPointError, match=r"\['b_a'\]"):
        clip_by_norm(grads, 1.0)
