"""The attention step (seqlab.seq2seq.attention) and the attention seq2seq model."""

import numpy as np
import pytest
import torch

from seqlab.gradcheck import check_grads, random_direction_check, rel_error
from seqlab.seq2seq.attention import (
    attention_step_backward,
    attention_step_forward,
    init_attention_params,
)
from seqlab.seq2seq.attention_model import AttentionSeq2Seq
from seqlab.vocab.tokens import TokenVocab


def _inputs(score, m=3, T_x=5, n_a2=4, n_s=4, seed=0, lengths=(5, 2, 4)):
    rng = np.random.default_rng(seed)
    s_prev = rng.standard_normal((n_s, m))
    a = rng.standard_normal((n_a2, m, T_x))
    params = init_attention_params(n_s, n_a2, score, n_e=6, rng=seed + 1)
    for k in params:
        params[k] = params[k] + 0.3 * rng.standard_normal(params[k].shape)
    mask = None if lengths is None else np.arange(T_x)[None] < np.array(lengths)[:, None]
    return s_prev, a, params, mask


def _torch_step(s_prev, a, params, score, mask, act):
    """The same equations written with torch ops, float64, autograd for the backward."""
    T_x = a.shape[2]
    if score == "additive":
        s_rep = s_prev[:, :, None].expand(-1, -1, T_x)
        concat = torch.cat([s_rep, a], 0)                                  # [s; a]
        h = torch.tanh(torch.einsum("ek,kmt->emt", params["W_e1"], concat)
                       + params["b_e1"][:, :, None])
        e = torch.einsum("oe,emt->omt", params["W_e2"], h)[0] + params["b_e2"][0, 0]
        energy = torch.relu(e) if act == "relu" else e
    elif score == "dot":
        energy = torch.einsum("km,kmt->mt", s_prev, a)
    else:
        energy = torch.einsum("km,kj,jmt->mt", s_prev, params["W_a"], a)
    if mask is not None:
        energy = energy.masked_fill(~torch.as_tensor(mask), -1e30)
    alpha = torch.softmax(energy, dim=1)
    return (a * alpha[None]).sum(2), alpha


@pytest.mark.parametrize("score,act", [("additive", "relu"), ("additive", "identity"),
                                       ("dot", "relu"), ("general", "relu")])
@pytest.mark.parametrize("lengths", [None, (5, 2, 4)])
def test_attention_step_matches_torch_autograd(score, act, lengths):
    s_prev, a, params, mask = _inputs(score, lengths=lengths)
    context, alpha, cache = attention_step_forward(s_prev, a, params, score, mask, act)
    dcontext = np.random.default_rng(7).standard_normal(context.shape)
    ds, da, grads = attention_step_backward(dcontext, cache)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    ts, ta = torch.tensor(s_prev, requires_grad=True), torch.tensor(a, requires_grad=True)
    tc, talpha = _torch_step(ts, ta, t, score, mask, act)
    (tc * torch.tensor(dcontext)).sum().backward()
    assert rel_error(context, tc.detach().numpy()) < 1e-10
    assert rel_error(alpha, talpha.detach().numpy()) < 1e-10
    assert np.abs(ds - ts.grad.numpy()).max() < 1e-10
    assert np.abs(da - ta.grad.numpy()).max() < 1e-10
    assert set(grads) == set(params)
    for k in params:
        assert np.abs(grads[k] - t[k].grad.numpy()).max() < 1e-10, k


def test_alpha_rows_sum_to_one_and_zero_on_padding():
    s_prev, a, params, mask = _inputs("additive")
    context, alpha, cache = attention_step_forward(s_prev, a, params, "additive", mask)
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0, atol=1e-12)
    assert np.all(alpha[~mask] == 0)
    np.testing.assert_allclose(context, np.einsum("kmt,mt->km", a, alpha), atol=1e-12)
    assert cache.alpha is alpha


@pytest.mark.parametrize("score", ["additive", "dot", "general"])
def test_attention_step_backward_elementwise_gradcheck(score):
    s_prev, a, params, mask = _inputs(score)
    up = np.random.default_rng(3).standard_normal((a.shape[0], a.shape[1]))

    def f():
        c, _, _ = attention_step_forward(s_prev, a, params, score, mask, "identity")
        return float((c * up).sum())

    _, _, cache = attention_step_forward(s_prev, a, params, score, mask, "identity")
    ds, da, grads = attention_step_backward(up, cache)
    keys = ["s_prev", "a", *(k for k in params if k != "b_e2")]
    res = check_grads(f, {"s_prev": s_prev, "a": a, **params}, {"s_prev": ds, "a": da, **grads},
                      keys=keys)
    assert max(res.errors.values()) < 1e-7, res.errors
    if score == "additive":  # a linear energy's bias shifts every e<t,t'> alike: softmax ignores it
        assert abs(float(grads["b_e2"][0, 0])) < 1e-12


def test_attention_bad_inputs_raise():
    s_prev, a, params, mask = _inputs("additive")
    with pytest.raises(ValueError, match="score"):
        attention_step_forward(s_prev, a, params, "cosine")
    with pytest.raises(ValueError, match=r"s_prev.*\(n_s, m\)"):
        attention_step_forward(s_prev[:, :2], a, params)
    with pytest.raises(ValueError, match="mask"):
        attention_step_forward(s_prev, a, params, mask=mask[:, :3])
    with pytest.raises(ValueError, match="W_e1"):
        attention_step_forward(s_prev, a, {**params, "W_e1": params["W_e1"][:, :3]})
    with pytest.raises(ValueError, match="dot"):
        attention_step_forward(np.zeros((3, 3)), a, {}, "dot")


SRC, TGT = TokenVocab("abcd"), TokenVocab("xyz")
SOURCES, TARGETS = ["abca", "d", "bb"], [list("xy"), list("zzzx"), []]


@pytest.mark.parametrize("score,feed,act", [("additive", False, "relu"),
                                            ("additive", True, "identity"),
                                            ("dot", True, "relu"), ("general", False, "relu")])
def test_attention_model_gradient_random_directions(score, feed, act):
    model = AttentionSeq2Seq(SRC, TGT, n_a=3, n_s=6, n_e=4, score=score, feed_previous=feed,
                             energy_activation=act, rng=1, dtype=np.float64)
    batch = model.batch(SOURCES, TARGETS)
    J, grads = model.loss(batch)
    assert set(grads) == set(model.params)
    res = random_direction_check(lambda: model.loss(batch)[0], model.params, grads,
                                 n_directions=4, per_key=False)
    assert res.errors["(all)"] < 1e-6


def test_attention_model_log_prob_equals_loss_and_greedy_matches_steps():
    model = AttentionSeq2Seq(SRC, TGT, n_a=3, n_s=5, feed_previous=True, rng=2,
                             dtype=np.float64)
    x_ids, x_len, y_ids, y_len = model.batch(SOURCES, TARGETS)
    J, _ = model.loss((x_ids, x_len, y_ids, y_len))
    lp = model.log_prob(x_ids, [TGT.encode(t) for t in TARGETS], x_len)
    assert abs(-lp.sum() / y_len.sum() - float(J)) < 1e-12
    outs, alphas = model.attention_map(x_ids, x_len, max_len=6)
    assert outs == model.greedy(x_ids, x_len, max_len=6)
    for i, al in enumerate(alphas):
        assert al.shape == (len(outs[i]), x_ids.shape[1])
        np.testing.assert_allclose(al.sum(axis=1), 1.0, atol=1e-12)
        assert np.all(al[:, x_len[i]:] == 0)


def test_attention_model_forward_returns_alpha_of_every_step():
    model = AttentionSeq2Seq(SRC, TGT, n_a=3, n_s=5, rng=2, dtype=np.float64)
    x_ids, x_len, y_ids, _ = model.batch(SOURCES, TARGETS)
    logits, cache = model.forward(x_ids, x_len, y_ids)
    assert logits.shape == (len(TGT), 3, y_ids.shape[1])
    assert cache.alpha.shape == (3, y_ids.shape[1], x_ids.shape[1])
    np.testing.assert_allclose(cache.alpha.sum(axis=2), 1.0, atol=1e-12)


def test_attention_model_save_load_roundtrip(tmp_path):
    model = AttentionSeq2Seq(SRC, TGT, n_a=3, n_s=5, score="general", rng=4)
    model.save(tmp_path / "m.npz", seed=4)
    back = AttentionSeq2Seq.load(tmp_path / "m.npz")
    assert back.config == model.config and back.meta["seed"] == 4
    x_ids, x_len = model.batch(SOURCES)
    assert back.greedy(x_ids, x_len, 5) == model.greedy(x_ids, x_len, 5)
