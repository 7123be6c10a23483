"""seqlab.lm.sampling and seqlab.lm.course: drawing novel sequences, and the assignment's form.

Inverse-CDF draws equal ``Generator.choice`` (eq. 3); temperature (τ → 0 is the argmax) and
top-k (never outside the k largest) reshape the distribution (eqs. 1-2); sampling is
deterministic by seed; <UNK> is resampled; the prefix and max_length are honoured. The
course-form ``sample`` reproduces the library's draws and a learner-style ``rng.choice`` loop;
``optimize`` returns finite-difference-exact gradients of the summed loss, clipped, and the
updated params.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.functional import softmax
from seqlab.gradcheck import check_grads
from seqlab.lm import (
    LanguageModel,
    Vocabulary,
    adjust_logits,
    course,
    draw,
    next_token_probs,
    sample,
)
from seqlab.rnn import rnn_forward

NAMES = ["anna", "bob", "carla", "dave", "eve", "nora", "otto", "ada"]


def model_for(kind="rnn", dtype=np.float64, seed=0, n_a=8, bias=None):
    vocab = Vocabulary.build(NAMES)
    model = LanguageModel(vocab, n_a, kind, rng=seed, dtype=dtype)
    g = np.random.default_rng(seed)
    model.params["W_ya"][...] = (2.0 * g.standard_normal(model.params["W_ya"].shape))
    if bias is not None:
        model.params["b_y"][...] = np.asarray(bias, dtype=dtype).reshape(-1, 1)
    return model


def test_draw_is_generator_choice():
    g = np.random.default_rng(3)
    p = softmax(g.standard_normal((7, 40)), axis=0)
    rng_a, rng_b = np.random.default_rng(11), np.random.default_rng(11)
    for _ in range(5):
        ids = draw(p[:, :1], rng_a)
        assert ids == [int(rng_b.choice(7, p=p[:, 0]))]
    # m columns at once use m uniforms, in order
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    assert draw(p, rng_a) == [int(rng_b.choice(7, p=p[:, i])) for i in range(40)]


def test_draw_never_picks_a_zero_probability_and_follows_the_distribution():
    p = np.array([[0.0], [0.25], [0.0], [0.75], [0.0]])
    rng = np.random.default_rng(0)
    ids = [draw(p, rng)[0] for _ in range(4000)]
    assert set(ids) == {1, 3}
    assert abs(ids.count(3) / 4000 - 0.75) < 0.03


def test_temperature_one_is_the_softmax_and_zero_the_argmax():
    z = np.array([[1.0, -2.0], [3.0, 0.5], [2.0, 0.4]])
    assert np.allclose(adjust_logits(z, 1.0), softmax(z, axis=0))
    assert np.allclose(adjust_logits(z, 0.5), softmax(2 * z, axis=0))
    assert adjust_logits(z, 0).tolist() == [[0, 0], [1, 1], [0, 0]]
    assert np.allclose(adjust_logits(z, 1e-3), adjust_logits(z, 0))
    flat = adjust_logits(z, 1e6)
    assert np.allclose(flat, 1 / 3, atol=1e-5)
    with pytest.raises(ValueError, match="temperature"):
        adjust_logits(z, -1.0)


def test_top_k_keeps_exactly_the_k_largest_even_with_ties():
    z = np.array([[1.0], [5.0], [3.0], [3.0], [-1.0]])
    p = adjust_logits(z, 1.0, top_k=2)
    assert np.count_nonzero(p) == 2 and p[1, 0] > 0 and p[2, 0] > 0   # tie: the lower id
    assert np.isclose(p.sum(), 1.0)
    assert np.allclose(adjust_logits(z, 1.0, top_k=5), softmax(z, axis=0))
    assert adjust_logits(z, 0, top_k=1).ravel().tolist() == [0, 1, 0, 0, 0]
    with pytest.raises(ValueError, match="top_k"):
        adjust_logits(z, 1.0, top_k=0)


def test_temperature_and_top_k_match_torch():
    torch = pytest.importorskip("torch")
    z = np.random.default_rng(1).standard_normal((9, 5))
    for tau, k in [(0.7, 3), (1.5, 9), (1.0, 1)]:
        t = torch.tensor(z.T)                                   # (m, n_y) rows for torch
        kth = torch.topk(t, k, dim=1).values[:, -1:]            # k-th largest per row
        expected = torch.softmax(torch.where(t >= kth, t, -torch.inf) / tau, dim=1)
        assert np.allclose(adjust_logits(z, tau, top_k=k), expected.numpy().T, atol=1e-15)


def test_sampling_is_deterministic_by_seed():
    model = model_for("gru")
    a = sample(model, 6, seed=4)
    assert a == sample(model, 6, seed=4)
    assert a != sample(model, 6, seed=5)
    assert sample(model, 1, seed=np.random.default_rng(4)) == sample(model, 1, seed=4)


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_temperature_zero_is_the_greedy_argmax_sequence(kind):
    model = model_for(kind)
    greedy = sample(model, 3, temperature=0, seed=1, max_length=12, return_ids=True,
                    resample_unk=False)
    assert greedy[0] == greedy[1] == greedy[2]     # no randomness left
    # step by step: feed the argmax back
    ids, state, prev = [], None, model.vocab.eos_id
    for _ in range(12):
        logits, _, state = model.forward(np.array([[prev]]), state)
        prev = int(np.argmax(logits[:, 0, 0]))
        ids.append(prev)
        if prev == model.vocab.eos_id:
            break
    assert greedy[0] == ids
    assert sample(model, 3, temperature=1e-4, seed=1, max_length=12, return_ids=True,
                  resample_unk=False) == greedy
    # with <UNK> excluded, the argmax over the other tokens
    for seq in sample(model, 1, temperature=0, max_length=12, return_ids=True):
        assert model.vocab.unk_id not in seq


def test_top_k_never_emits_a_token_outside_the_top_k():
    model = model_for("lstm")
    k = 3
    for seq in sample(model, 20, top_k=k, temperature=2.0, seed=0, return_ids=True,
                      resample_unk=False):
        prev = [model.vocab.eos_id]
        for token in seq:
            logits, _, _ = model.forward(np.array([prev]))
            top = np.argsort(-logits[:, 0, -1], kind="stable")[:k]
            assert token in top
            prev.append(token)


def test_unk_is_resampled_when_asked():
    bias = np.zeros(len(Vocabulary.build(NAMES)))
    bias[1] = 3.0                                    # <UNK> likely
    model = model_for("rnn", bias=bias)
    unk = model.vocab.unk_id
    with_unk = sample(model, 20, seed=0, resample_unk=False, return_ids=True)
    assert any(unk in s for s in with_unk)
    without = sample(model, 20, seed=0, resample_unk=True, return_ids=True)
    assert not any(unk in s for s in without)
    bias[:] = -50.0
    bias[1] = 50.0                                   # <UNK> almost certain: still excluded
    forced = model_for("rnn", bias=bias)
    assert unk not in sample(forced, 2, seed=0, max_length=3, return_ids=True)[0]
    assert unk not in sample(forced, 2, temperature=0, top_k=1, return_ids=True)[0]


def test_prefix_max_length_and_eos():
    bias = np.zeros(len(Vocabulary.build(NAMES)))
    bias[0] = -100.0                                 # <EOS> never drawn
    model = model_for("gru", bias=bias)
    out = sample(model, 4, seed=0, max_length=7, return_ids=True)
    assert all(len(s) == 7 and 0 not in s for s in out)
    texts = sample(model, 4, seed=0, prefix="an", max_length=7)
    assert all(t.startswith("an") and len(t) == 9 for t in texts)
    bias[0] = 100.0                                  # <EOS> always drawn first
    model = model_for("gru", bias=bias)
    assert sample(model, 2, return_ids=True) == [[0], [0]]
    assert sample(model, 2) == ["", ""]
    with pytest.raises(ValueError, match="max_length"):
        sample(model, 1, max_length=0)


def test_next_token_probs_is_the_softmax_after_the_prefix():
    model = model_for("lstm")
    p = next_token_probs(model, "an")
    logits, _, _ = model.forward(np.array([[0] + model.vocab.encode("an", eos=False)]))
    assert np.allclose(p, softmax(logits[:, 0, -1:], axis=0)[:, 0])
    assert np.isclose(next_token_probs(model, "an", 0.5, top_k=2).sum(), 1.0)


# ------------------------------------------------------------------ the course's form
def learner_style_sample(params, seed, eos_index=0, max_length=50):
    """Written as a learner would, with rng.choice: must give the same draws."""
    rng = np.random.default_rng(seed)
    n_a, n_x = params["W_ax"].shape
    x = np.zeros((n_x, 1))
    x[eos_index] = 1
    a_prev = np.zeros((n_a, 1))
    indices = []
    while len(indices) < max_length:
        a = np.tanh(params["W_ax"] @ x + params["W_aa"] @ a_prev + params["b_a"])
        z = params["W_ya"] @ a + params["b_y"]
        y = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        idx = int(rng.choice(range(len(y)), p=y.ravel()))
        indices.append(idx)
        if idx == eos_index:
            break
        x = np.zeros((n_x, 1))
        x[idx] = 1
        a_prev = a
    return indices


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_course_sample_equals_the_library_sampler_and_rng_choice(seed):
    model = model_for("rnn")
    params = course.course_params(model)
    ids = course.sample(params, seed)
    assert ids == sample(model, 1, seed=seed, resample_unk=False, return_ids=True)[0]
    assert ids == learner_style_sample(params, seed)
    assert course.sample(params, seed, max_length=2) == ids[:2]


def test_course_params_need_a_one_layer_tanh_rnn():
    with pytest.raises(ValueError, match="one-layer tanh RNN"):
        course.course_params(model_for("lstm"))


def test_course_optimize_gradients_clip_and_update():
    g = np.random.default_rng(0)
    n_x, n_a, m, T = 5, 4, 2, 3
    params = {"W_aa": g.standard_normal((n_a, n_a)) * 0.5,
              "W_ax": g.standard_normal((n_a, n_x)) * 0.5, "b_a": g.standard_normal((n_a, 1)),
              "W_ya": g.standard_normal((n_x, n_a)), "b_y": g.standard_normal((n_x, 1))}
    X, Y = g.integers(0, n_x, (m, T)), g.integers(0, n_x, (m, T))
    a_prev = g.standard_normal((n_a, m)) * 0.3
    before = {k: v.copy() for k, v in params.items()}
    loss, grads, a_last, new = course.optimize(X, Y, a_prev, params, 0.1, max_value=1e9)
    assert all(np.array_equal(params[k], before[k]) for k in params)   # not modified

    def summed_loss():
        return course.optimize(X, Y, a_prev, params, 0.0, max_value=1e9)[0]

    assert check_grads(summed_loss, params, grads).passed(1e-7)
    a, _, _ = rnn_forward(np.eye(n_x)[:, X], a_prev, params)
    assert np.allclose(a_last, a[:, :, -1])
    assert all(np.allclose(new[k], params[k] - 0.1 * grads[k]) for k in params)
    _, clipped, _, new = course.optimize(X, Y, a_prev, params, 0.1, max_value=0.05)
    assert max(np.abs(v).max() for v in clipped.values()) <= 0.05
    assert all(np.allclose(clipped[k], np.clip(grads[k], -0.05, 0.05)) for k in grads)
    assert all(np.allclose(new[k], params[k] - 0.1 * clipped[k]) for k in params)
