"""seqlab.transformer.attention / multi_head: scaled dot-product and multi-head attention.

Layers: course-style checks (rows of α sum to 1, masked keys get 0, term isolation), float64
finite differences of every backward, parity with torch.nn.functional.scaled_dot_product_attention
and torch.nn.MultiheadAttention (copied weights) on outputs, weights and all gradients, errors.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.gradcheck import numerical_gradient_array, relative_difference
from seqlab.transformer import (
    init_multi_head_params,
    look_ahead_mask,
    multi_head_attention_backward,
    multi_head_attention_forward,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
)

TOL = 1e-7
TORCH_TOL = 1e-10
SHAPES = [((2, 3), 4, 5, 3, 2), ((1,), 1, 1, 2, 2), ((3, 2), 5, 4, 4, 6), ((), 3, 3, 2, 1)]


def qkv(lead, T_q, T_k, d_k, d_v, seed=0):
    g = np.random.default_rng(seed)
    return (g.standard_normal((*lead, T_q, d_k)), g.standard_normal((*lead, T_k, d_k)),
            g.standard_normal((*lead, T_k, d_v)), g.standard_normal((*lead, T_q, d_v)))


def random_mask(shape, seed=1, keep_rows=True):
    g = np.random.default_rng(seed)
    mask = g.random(shape) < 0.6
    if keep_rows:
        mask[..., 0] = True          # every query may attend to at least one key
    return mask


# --------------------------------------------------------------------------- course-style
def test_weights_rows_sum_to_one_and_masked_keys_get_zero():
    Q, K, V, _ = qkv((2,), 3, 5, 4, 2)
    mask = random_mask((2, 3, 5))
    out, w, _ = scaled_dot_product_attention(Q, K, V, mask)
    assert out.shape == (2, 3, 2) and w.shape == (2, 3, 5)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=0, atol=1e-12)
    assert np.all(w[~mask] == 0)
    np.testing.assert_allclose(out, w @ V, rtol=0, atol=1e-12)


def test_equal_keys_give_uniform_weights_and_the_mean_value():
    """Isolation: all keys equal -> α uniform -> out is the mean of V (the 1/√d_k irrelevant)."""
    g = np.random.default_rng(0)
    Q, V = g.standard_normal((3, 4)), g.standard_normal((5, 2))
    K = np.tile(g.standard_normal((1, 4)), (5, 1))
    out, w, _ = scaled_dot_product_attention(Q, K, V)
    np.testing.assert_allclose(w, 0.2, atol=1e-12)
    np.testing.assert_allclose(out, np.tile(V.mean(0), (3, 1)), atol=1e-12)


def test_the_scale_is_one_over_sqrt_dk():
    Q, K, V, _ = qkv((), 2, 3, 4, 2)
    _, w, _ = scaled_dot_product_attention(Q, K, V)
    e = Q @ K.T / 2.0                                             # √4 = 2
    ref = np.exp(e - e.max(1, keepdims=True))
    np.testing.assert_allclose(w, ref / ref.sum(1, keepdims=True), atol=1e-12)


def test_look_ahead_mask_makes_the_first_query_copy_the_first_value():
    Q, K, V, _ = qkv((1,), 4, 4, 3, 2)
    out, w, _ = scaled_dot_product_attention(Q, K, V, look_ahead_mask(4))
    np.testing.assert_allclose(out[0, 0], V[0, 0], atol=1e-12)
    assert np.all(np.triu(w[0], 1) == 0)


def test_fully_masked_row_gives_zeros_not_nan():
    Q, K, V, dout = qkv((2,), 3, 4, 2, 3)
    mask = random_mask((2, 3, 4))
    mask[1, 2] = False
    out, w, cache = scaled_dot_product_attention(Q, K, V, mask)
    assert np.all(np.isfinite(out)) and np.all(w[1, 2] == 0) and np.all(out[1, 2] == 0)
    dQ, dK, dV = scaled_dot_product_attention_backward(dout, cache)
    assert np.all(np.isfinite(dQ)) and np.all(dQ[1, 2] == 0)


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("use_mask", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_attention_backward_matches_finite_differences(shape, use_mask):
    lead, T_q, T_k, d_k, d_v = shape
    Q, K, V, dout = qkv(lead, T_q, T_k, d_k, d_v)
    mask = random_mask((*lead, T_q, T_k)) if use_mask else None
    _, _, cache = scaled_dot_product_attention(Q, K, V, mask)
    grads = dict(zip("QKV", scaled_dot_product_attention_backward(dout, cache), strict=True))
    arrays = {"Q": Q, "K": K, "V": V}
    for name, x in arrays.items():
        def f(_x, name=name):
            args = {**arrays}
            return scaled_dot_product_attention(args["Q"], args["K"], args["V"], mask)[0]
        num = numerical_gradient_array(f, x, dout)
        assert relative_difference(num, grads[name]) < TOL, name


def mha_setup(m=2, T_q=4, T_k=5, d_model=6, h=3, seed=0):
    g = np.random.default_rng(seed)
    params = init_multi_head_params(d_model, g)
    for k in params:
        if k.startswith("b_"):
            params[k] = 0.3 * g.standard_normal(params[k].shape)
    return (params, g.standard_normal((m, T_q, d_model)), g.standard_normal((m, T_k, d_model)),
            g.standard_normal((m, T_q, d_model)))


@pytest.mark.parametrize("size", [(2, 4, 5, 6, 3), (1, 1, 1, 4, 1), (3, 3, 2, 8, 4)])
@pytest.mark.parametrize("use_mask", [False, True])
def test_multi_head_backward_matches_finite_differences(size, use_mask):
    m, T_q, T_k, d, h = size
    params, q_in, kv_in, dout = mha_setup(m, T_q, T_k, d, h)
    mask = random_mask((m, T_q, T_k)) if use_mask else None
    _, _, cache = multi_head_attention_forward(q_in, kv_in, params, h, mask)
    dq, dkv, grads = multi_head_attention_backward(dout, cache)
    assert set(grads) == set(params)

    def f(_):
        return multi_head_attention_forward(q_in, kv_in, params, h, mask)[0]
    # b_k adds q·b_k to every score of a query row: the softmax ignores it, so db_k = 0
    assert np.abs(grads["b_k"]).max() < 1e-12
    for name, x, dx in [("q_in", q_in, dq), ("kv_in", kv_in, dkv),
                        *[(k, params[k], grads[k]) for k in params if k != "b_k"]]:
        assert relative_difference(numerical_gradient_array(f, x, dout), dx) < TOL, name


# --------------------------------------------------------------------------- PyTorch parity
@pytest.mark.parametrize("use_mask", [None, "random", "causal", "broadcast"])
@pytest.mark.parametrize("shape", SHAPES[:3])
def test_attention_equals_torch_sdpa(torch, shape, use_mask):
    F = torch.nn.functional
    lead, T_q, T_k, d_k, d_v = shape
    if use_mask == "causal" and T_q != T_k:
        T_k = T_q
    Q, K, V, dout = qkv(lead, T_q, T_k, d_k, d_v)
    mask = {None: None, "random": random_mask((*lead, T_q, T_k)),
            "causal": look_ahead_mask(T_q)[0], "broadcast": random_mask((1, T_k))}[use_mask]
    out, _, cache = scaled_dot_product_attention(Q, K, V, mask)
    ours = scaled_dot_product_attention_backward(dout, cache)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    t_out = F.scaled_dot_product_attention(
        tq, tk, tv, attn_mask=None if mask is None else torch.tensor(mask))
    (t_out * torch.tensor(dout)).sum().backward()
    assert np.abs(out - t_out.detach().numpy()).max() < TORCH_TOL
    for mine, t in zip(ours, (tq, tk, tv), strict=True):
        assert np.abs(mine - t.grad.numpy()).max() < TORCH_TOL


def test_fully_masked_row_equals_torch_sdpa(torch):
    Q, K, V, dout = qkv((2,), 3, 4, 2, 3)
    mask = random_mask((2, 3, 4))
    mask[0, 1] = False
    out, _, cache = scaled_dot_product_attention(Q, K, V, mask)
    ours = scaled_dot_product_attention_backward(dout, cache)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    t_out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv,
                                                             attn_mask=torch.tensor(mask))
    (t_out * torch.tensor(dout)).sum().backward()
    assert np.abs(out - t_out.detach().numpy()).max() < TORCH_TOL
    for mine, t in zip(ours, (tq, tk, tv), strict=True):
        assert np.abs(mine - t.grad.numpy()).max() < TORCH_TOL


def torch_mha(torch, params, d_model, h):
    """nn.MultiheadAttention holding our weights: torch computes x Wᵀ, so it stores Wᵀ."""
    mha = torch.nn.MultiheadAttention(d_model, h, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.tensor(np.concatenate(
            [params["W_q"].T, params["W_k"].T, params["W_v"].T])))   # (3 d_model, d_model)
        mha.in_proj_bias.copy_(torch.tensor(np.concatenate(
            [params["b_q"], params["b_k"], params["b_v"]])))
        mha.out_proj.weight.copy_(torch.tensor(params["W_o"].T))
        mha.out_proj.bias.copy_(torch.tensor(params["b_o"]))
    return mha


def torch_mha_grads(mha, d):
    gw, gb = mha.in_proj_weight.grad.numpy(), mha.in_proj_bias.grad.numpy()
    return {"W_q": gw[:d].T, "W_k": gw[d:2 * d].T, "W_v": gw[2 * d:].T, "b_q": gb[:d],
            "b_k": gb[d:2 * d], "b_v": gb[2 * d:], "W_o": mha.out_proj.weight.grad.numpy().T,
            "b_o": mha.out_proj.bias.grad.numpy()}


@pytest.mark.parametrize("masks", [None, "key_padding", "attn", "both"])
@pytest.mark.parametrize("average", [True, False])
@pytest.mark.parametrize("size", [(2, 4, 5, 8, 2), (3, 3, 3, 6, 3), (1, 1, 2, 4, 4)])
def test_multi_head_equals_torch_multihead_attention(torch, size, masks, average):
    m, T_q, T_k, d, h = size
    params, q_in, kv_in, dout = mha_setup(m, T_q, T_k, d, h)
    g = np.random.default_rng(5)
    pad = g.random((m, T_k)) < 0.7                # True = a real key (may attend)
    pad[:, 0] = True
    allowed = g.random((T_q, T_k)) < 0.7          # True = may attend
    allowed[:, 0] = True
    ours_mask, kpm, am = None, None, None
    if masks in ("key_padding", "both"):
        ours_mask, kpm = pad[:, None, :], torch.tensor(~pad)      # torch: True = ignore
    if masks in ("attn", "both"):
        ours_mask = allowed if ours_mask is None else ours_mask & allowed
        am = torch.tensor(~allowed)
    out, w, cache = multi_head_attention_forward(q_in, kv_in, params, h, ours_mask)
    dq, dkv, grads = multi_head_attention_backward(dout, cache)

    mha = torch_mha(torch, params, d, h)
    tq, tkv = torch.tensor(q_in, requires_grad=True), torch.tensor(kv_in, requires_grad=True)
    t_out, t_w = mha(tq, tkv, tkv, key_padding_mask=kpm, attn_mask=am, need_weights=True,
                     average_attn_weights=average)
    (t_out * torch.tensor(dout)).sum().backward()
    assert np.abs(out - t_out.detach().numpy()).max() < TORCH_TOL
    ours_w = w.mean(axis=1) if average else w
    assert np.abs(ours_w - t_w.detach().numpy()).max() < TORCH_TOL
    assert np.abs(dq - tq.grad.numpy()).max() < TORCH_TOL
    assert np.abs(dkv - tkv.grad.numpy()).max() < TORCH_TOL
    for k, v in torch_mha_grads(mha, d).items():
        assert np.abs(grads[k] - v).max() < TORCH_TOL, k


def test_self_attention_gradient_is_the_sum_of_both_paths(torch):
    params, x, _, dout = mha_setup(2, 4, 4, 6, 2)
    _, _, cache = multi_head_attention_forward(x, x, params, 2)
    dq, dkv, _ = multi_head_attention_backward(dout, cache)
    mha = torch_mha(torch, params, 6, 2)
    tx = torch.tensor(x, requires_grad=True)
    (mha(tx, tx, tx)[0] * torch.tensor(dout)).sum().backward()
    assert np.abs(dq + dkv - tx.grad.numpy()).max() < TORCH_TOL


# --------------------------------------------------------------------------- errors
def test_bad_shapes_raise_clear_errors():
    Q, K, V, _ = qkv((2,), 3, 4, 2, 3)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention\(K\)"):
        scaled_dot_product_attention(Q, K[..., :1], V)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention\(V\)"):
        scaled_dot_product_attention(Q, K, V[:, :2])
    with pytest.raises(ValueError, match=r"does not broadcast"):
        scaled_dot_product_attention(Q, K, V, np.ones((3, 5), bool))
    with pytest.raises(TypeError, match="boolean"):
        scaled_dot_product_attention(Q, K, V, np.ones((3, 4)))
    params, q_in, kv_in, _ = mha_setup(2, 4, 5, 6, 3)
    with pytest.raises(ValueError, match=r"n_heads.*dividing d_model=6"):
        multi_head_attention_forward(q_in, kv_in, params, 4)
    with pytest.raises(ValueError, match=r"kv_in"):
        multi_head_attention_forward(q_in, kv_in[..., :4], params, 3)
    with pytest.raises(ValueError, match=r"mask"):
        multi_head_attention_forward(q_in, kv_in, params, 3, np.ones((2, 4, 4), bool))
    with pytest.raises(ValueError, match=r"params\['W_o'\]"):
        multi_head_attention_forward(q_in, kv_in, {**params, "W_o": params["W_o"][:, :3]}, 3)
