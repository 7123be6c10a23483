"""Notebook 28's exercise, attention_backward: the reference is torch autograd's gradient, every
known mistake gets its own message (tests/test_exercises.py checks that for all exercises; here
the same slips written other ways), right answers written other ways pass, the stub is open."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqlab.exercises import REGISTRY, check_attention_backward, hint, reveal

EX = REGISTRY["attention_backward"]
T = lambda a: np.swapaxes(a, -1, -2)  # noqa: E731


def test_reference_is_torch_autograd():
    rng = np.random.default_rng(0)
    for case in EX.cases:
        kw = case.make(rng)
        Q, K, V = (torch.tensor(kw[n], requires_grad=True) for n in "QKV")
        e = Q @ K.transpose(-1, -2) / np.sqrt(kw["Q"].shape[-1])
        w = torch.tensor(kw["weights"])
        mask = w > 0                      # the cases' masked keys are exactly α = 0
        alpha = torch.softmax(e.masked_fill(~mask, -torch.inf), -1)
        assert np.abs(alpha.detach().numpy() - kw["weights"]).max() < 1e-12
        (alpha @ V).backward(torch.tensor(kw["dout"]))
        for got, want in zip(EX.reference(**kw), (Q.grad, K.grad, V.grad), strict=True):
            np.testing.assert_allclose(got, want.numpy(), rtol=1e-10, atol=1e-12)


def einsum_jacobian(dout, Q, K, V, weights):
    """Right, the long way: the softmax's full Jacobian diag(α) - α αᵀ per row."""
    dV = np.einsum("...qk,...qv->...kv", weights, dout)
    dw = np.einsum("...qv,...kv->...qk", dout, V)
    eye = np.eye(weights.shape[-1])
    jac = np.einsum("...qk,kl->...qkl", weights, eye) - np.einsum("...qk,...ql->...qkl",
                                                                  weights, weights)
    de = np.einsum("...qkl,...ql->...qk", jac, dw) / np.sqrt(Q.shape[-1])
    return de @ K, np.einsum("...qk,...qd->...kd", de, Q), dV


def scaled_first(dout, Q, K, V, weights):
    """Right: the 1/√d_k folded into de first, as the library does."""
    dw = dout @ T(V)
    de = weights * (dw - np.sum(dw * weights, axis=-1, keepdims=True))
    de = de / np.sqrt(K.shape[-1])
    return np.matmul(de, K), np.matmul(T(de), Q), np.matmul(T(weights), dout)


@pytest.mark.parametrize("fn", [einsum_jacobian, scaled_first])
def test_right_answers_written_other_ways_pass(fn):
    assert check_attention_backward(fn).passed


def no_row_sum_einsum(dout, Q, K, V, weights):
    dw = np.einsum("...qv,...kv->...qk", dout, V)
    de = np.einsum("...qk,...qk->...qk", weights, dw) / np.sqrt(Q.shape[-1])
    return de @ K, T(de) @ Q, T(weights) @ dout


def sigmoid_slope(dout, Q, K, V, weights):
    dw = dout @ T(V)
    de = dw * (weights - weights ** 2) / np.sqrt(Q.shape[-1])
    return de @ K, T(de) @ Q, T(weights) @ dout


def transpose_021(dout, Q, K, V, weights):
    """Right for 3-D arrays only: the 2-D case fails, with the learner's line named."""
    dw = dout @ V.transpose(0, 2, 1)
    de = weights * (dw - (dw * weights).sum(-1, keepdims=True)) / np.sqrt(Q.shape[-1])
    return de @ K, de.transpose(0, 2, 1) @ Q, weights.transpose(0, 2, 1) @ dout


def no_scale_at_all(dout, Q, K, V, weights):
    dw = dout @ T(V)
    de = weights * (dw - (dw * weights).sum(-1, keepdims=True))
    return de @ K, T(de) @ Q, T(weights) @ dout


@pytest.mark.parametrize(("fn", "mistake"), [
    (no_row_sum_einsum, "no row sum"), (sigmoid_slope, "sigmoid derivative"),
    (no_scale_at_all, "no scale")])
def test_the_same_slip_written_otherwise_gets_its_message(fn, mistake):
    res = check_attention_backward(fn)
    assert res.status == "failed" and res.mistake == mistake, repr(res)


def test_a_3d_only_transpose_fails_with_the_learners_line():
    res = check_attention_backward(transpose_021)
    assert res.status == "failed" and res.cases_passed == 0
    assert "transpose" in " ".join([res.message, *res.details]), repr(res)


def test_wrong_shapes_and_stub():
    res = check_attention_backward(lambda dout, Q, K, V, weights: (Q, K))
    assert res.status == "failed"

    def stub(dout, Q, K, V, weights):
        raise NotImplementedError()
    assert check_attention_backward(stub).status == "open"


def test_nine_mistakes_three_hints_and_the_reveal_is_the_library_source():
    assert len(EX.mistakes) == 9 and len({m.message for m in EX.mistakes}) == 9
    assert "Hint 1/3" in hint("attention_backward", 1)
    assert "denergy = weights * (dweights" in repr(reveal("attention_backward"))
