"""seqlab.transformer blocks and model: finite differences of every backward, the whole
encoder-decoder against a PyTorch twin built from nn.MultiheadAttention / LayerNorm / Linear
with copied weights, label smoothing against torch's cross_entropy, decoding with beam_search.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.arrays import host_rng
from seqlab.gradcheck import (
    numerical_gradient_array,
    random_direction_check,
    relative_difference,
)
from seqlab.transformer import (
    Transformer,
    TransformerConfig,
    decoder_layer_backward,
    decoder_layer_forward,
    decoder_mask,
    encoder_layer_backward,
    encoder_layer_forward,
    feed_forward_backward,
    feed_forward_forward,
    init_decoder_layer,
    init_encoder_layer,
    label_smoothed_cross_entropy,
    padding_mask,
)
from tests.helpers.transformer_twin import TorchTwin

TOL = 1e-7
TORCH_TOL = 1e-10


def randomise(params, g):
    """Non-trivial biases and layer-norm parameters, so no term hides."""
    for k in params:
        if k.split(".")[-1] in ("gamma", "beta") or ".b_" in k or k.startswith("b_"):
            params[k] = params[k] + 0.3 * g.standard_normal(params[k].shape)
    return params


def tokens(g, m, T, V, pad_from=None):
    t = g.integers(1, V, (m, T))
    if pad_from:
        for i, start in enumerate(pad_from):
            t[i, start:] = 0
    return t


# --------------------------------------------------------------------------- blocks
def test_feed_forward_backward_matches_finite_differences():
    g = np.random.default_rng(0)
    p = {"W_1": g.standard_normal((4, 6)), "b_1": g.standard_normal(6),
         "W_2": g.standard_normal((6, 4)), "b_2": g.standard_normal(4)}
    x, dout = g.standard_normal((2, 3, 4)), g.standard_normal((2, 3, 4))
    _, cache = feed_forward_forward(x, p)
    dx, grads = feed_forward_backward(dout, cache)
    f = lambda _: feed_forward_forward(x, p)[0]  # noqa: E731
    assert relative_difference(numerical_gradient_array(f, x, dout), dx) < TOL
    for k in p:
        assert relative_difference(numerical_gradient_array(f, p[k], dout), grads[k]) < TOL, k


@pytest.mark.parametrize("train", [False, True])
def test_encoder_layer_backward_matches_finite_differences(train):
    g = np.random.default_rng(1)
    params = randomise(init_encoder_layer(8, 12, g), g)
    x, dout = g.standard_normal((2, 5, 8)), g.standard_normal((2, 5, 8))
    mask = padding_mask(tokens(g, 2, 5, 9, pad_from=[3, None]))

    def f(_):
        return encoder_layer_forward(x, params, 2, mask, 0.3, host_rng(4), train)[0]
    _, _, cache = encoder_layer_forward(x, params, 2, mask, 0.3, host_rng(4), train)
    dx, grads = encoder_layer_backward(dout, cache)
    assert set(grads) == set(params)
    assert relative_difference(numerical_gradient_array(f, x, dout), dx) < TOL
    for k in params:
        if k != "mha.b_k":   # the softmax ignores q·b_k: its gradient is exactly 0
            assert relative_difference(numerical_gradient_array(f, params[k], dout),
                                       grads[k]) < TOL, k


def test_decoder_layer_backward_matches_finite_differences():
    g = np.random.default_rng(2)
    params = randomise(init_decoder_layer(8, 10, g), g)
    y, enc, dout = (g.standard_normal(s) for s in ((2, 4, 8), (2, 5, 8), (2, 4, 8)))
    tgt = tokens(g, 2, 4, 9, pad_from=[None, 3])
    tgt[:, 0] = 1
    self_mask, cross_mask = decoder_mask(tgt), padding_mask(tokens(g, 2, 5, 9, [4, None]))

    def f(_):
        return decoder_layer_forward(y, enc, params, 4, self_mask, cross_mask)[0]
    _, (w_self, w_cross), cache = decoder_layer_forward(y, enc, params, 4, self_mask, cross_mask)
    assert w_self.shape == (2, 4, 4, 4) and w_cross.shape == (2, 4, 4, 5)
    assert np.all(np.triu(w_self[0, 0], 1) == 0)            # no peeking at the future
    dy, denc, grads = decoder_layer_backward(dout, cache)
    assert relative_difference(numerical_gradient_array(f, y, dout), dy) < TOL
    assert relative_difference(numerical_gradient_array(f, enc, dout), denc) < TOL
    for k in params:
        if not k.endswith("b_k"):
            assert relative_difference(numerical_gradient_array(f, params[k], dout),
                                       grads[k]) < TOL, k


# --------------------------------------------------------------------------- whole model
CONFIG = TransformerConfig(src_vocab=11, tgt_vocab=13, d_model=16, n_heads=4, d_ff=24,
                           n_layers=2, max_len=12, dropout=0.0, label_smoothing=0.1)


def batch(g, m=3, T_x=6, T_y=5):
    src = tokens(g, m, T_x, CONFIG.src_vocab, pad_from=[4, None, 2][:m])
    tgt = tokens(g, m, T_y + 1, CONFIG.tgt_vocab, pad_from=[None, 3, 5][:m])
    tgt[:, 0] = 1
    return src, tgt[:, :-1], tgt[:, 1:]


def model64(config=CONFIG, seed=0):
    model = Transformer(config, seed, "float64")
    randomise(model.params, np.random.default_rng(seed + 10))
    return model


@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_model_gradients_random_directions(dropout):
    model = model64(TransformerConfig(**{**CONFIG.__dict__, "dropout": dropout}))
    b = batch(np.random.default_rng(3))

    def loss_fn():
        model.rng = host_rng(9)          # the same dropout masks at every evaluation
        return model.loss(b, train=True)[0]
    model.rng = host_rng(9)
    _, grads = model.loss(b, train=True)
    keys = [k for k in model.params if not k.endswith("b_k")]
    res = random_direction_check(loss_fn, model.params, grads, n_directions=3, keys=keys,
                                 per_key=False)
    assert res.passed(1e-7), res


def test_model_gradients_per_parameter_group():
    model = model64()
    b = batch(np.random.default_rng(4), m=2, T_x=4, T_y=3)
    _, grads = model.loss(b)
    keys = ["src_emb", "tgt_emb", "W_out", "b_out", "enc.0.mha.W_q", "enc.1.ffn.W_1",
            "dec.0.cross.W_k", "dec.1.self.W_v", "dec.0.ln2.gamma", "enc.0.ln1.beta"]
    res = random_direction_check(lambda: model.loss(b)[0], model.params, grads,
                                 n_directions=2, keys=keys)
    assert res.passed(1e-7), res


@pytest.mark.parametrize("seed", [0, 1])
def test_model_equals_torch_twin(seed):
    torch = pytest.importorskip("torch")
    model = model64(seed=seed)
    src, tgt_in, tgt_out = batch(np.random.default_rng(seed + 5))
    logits, _ = model.forward(src, tgt_in)
    loss, grads = model.loss((src, tgt_in, tgt_out))
    twin = TorchTwin(torch, model)
    t_logits = twin.logits(src, tgt_in)
    t_loss = torch.nn.functional.cross_entropy(
        t_logits.reshape(-1, CONFIG.tgt_vocab), torch.tensor(tgt_out).reshape(-1),
        ignore_index=0, label_smoothing=CONFIG.label_smoothing)
    t_loss.backward()
    assert np.abs(logits - t_logits.detach().numpy()).max() < TORCH_TOL
    assert abs(loss - t_loss.item()) < TORCH_TOL
    t_grads = twin.grads()
    assert set(t_grads) == set(grads)
    for k, v in t_grads.items():
        assert np.abs(grads[k] - v).max() < TORCH_TOL, k


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_label_smoothing_equals_torch_cross_entropy(smoothing):
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(0)
    logits = 2 * g.standard_normal((3, 4, 7))
    y = g.integers(0, 7, (3, 4))
    y[0, 2:] = 0
    loss, dlogits = label_smoothed_cross_entropy(logits, y, smoothing, ignore_id=0)
    t = torch.tensor(logits, requires_grad=True)
    t_loss = torch.nn.functional.cross_entropy(t.reshape(-1, 7), torch.tensor(y).reshape(-1),
                                               ignore_index=0, label_smoothing=smoothing)
    t_loss.backward()
    assert abs(loss - t_loss.item()) < TORCH_TOL
    assert np.abs(dlogits - t.grad.numpy()).max() < TORCH_TOL
    assert np.all(dlogits[y == 0] == 0)


# --------------------------------------------------------------------------- decoding
def test_decode_step_equals_the_full_forward_and_works_with_beam_search():
    model = model64()
    src = np.array([3, 5, 7, 2, 0, 0])
    state = model.init_decoder_state(src)
    prefix = [1, 4, 6]
    for tok in prefix:
        log_probs, state = model.decode_step(np.array([tok]), state)
    logits, _ = model.forward(src[None], np.array([prefix]))
    lp = logits[0, -1] - np.log(np.exp(logits[0, -1]).sum())
    np.testing.assert_allclose(log_probs[0], lp, atol=1e-12)
    beam = pytest.importorskip("seqlab.seq2seq.beam")
    res = beam.beam_search(model.decode_step, model.init_decoder_state(src), bos=1, eos=2,
                           beam_width=3, max_len=5, alpha=0.7)
    greedy = beam.beam_search(model.decode_step, model.init_decoder_state(src), bos=1, eos=2,
                              beam_width=1, max_len=5, alpha=0.0)
    ours = model.greedy_decode(src[None], bos=1, eos=2, max_len=5)[0].tolist()
    assert greedy.best == [t for t in ours[:len(greedy.best)]]
    assert res.best_score >= greedy.rerank(0.7).best_score - 1e-12


def test_config_errors():
    with pytest.raises(ValueError, match="divisible"):
        TransformerConfig(5, 5, d_model=10, n_heads=4)
    with pytest.raises(ValueError, match=r"TransformerConfig\(n_layers\)"):
        TransformerConfig(5, 5, n_layers=0)
    model = Transformer(CONFIG)
    with pytest.raises(ValueError, match="max_len"):
        model.forward(np.ones((1, 20), int), np.ones((1, 3), int))


def test_reversal_batch_and_digits():
    from seqlab.transformer.toy import BOS, EOS, decode_digits, encode_digits, reversal_batch
    src, tgt_in, tgt_out = reversal_batch(5, 0, min_len=2, max_len=6)
    assert src.shape == (5, 6) and tgt_in.shape == tgt_out.shape == (5, 7)
    assert np.all(tgt_in[:, 0] == BOS)
    np.testing.assert_array_equal(tgt_in[:, 1:], tgt_out[:, :-1])   # shifted by one
    for s, t in zip(src, tgt_out, strict=True):
        assert decode_digits(t) == " ".join(reversed(decode_digits(s).split()))
        assert EOS in t.tolist()
    assert encode_digits("3 1") == [6, 4]
    with pytest.raises(ValueError, match=r"encode_digits\(text\)"):
        encode_digits("3a")
