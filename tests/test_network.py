"""RecurrentNetwork: the bundle of deep RNN + output layer that every task trains.

Its backward is checked against finite differences in float64 for each cell, bidirectional and
with padded lengths; token ids equal explicit one-hot features; carrying the final state into
the next window (truncated BPTT) reproduces the whole sequence; save/load round-trips.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.gradcheck import check_grads
from seqlab.losses import temporal_cross_entropy
from seqlab.rnn import RecurrentNetwork, deep_rnn_forward, one_hot, output_forward


def _batch(rng, V=5, m=3, T=6):
    return rng.integers(0, V, size=(m, T)), rng.integers(0, V, size=(m, T))


@pytest.mark.parametrize("kind,n_layers,bidirectional", [
    ("rnn", 1, False), ("gru", 2, False), ("lstm", 2, False), ("lstm", 1, True),
    ("gru", 2, True)])
def test_backward_matches_finite_differences_float64(kind, n_layers, bidirectional):
    rng = np.random.default_rng(0)
    net = RecurrentNetwork(5, 4, 5, kind, n_layers, bidirectional, rng=1, dtype=np.float64)
    x, y = _batch(rng)
    lengths = np.array([6, 4, 2])
    mask = np.arange(6)[None, :] < lengths[:, None]

    def loss():
        logits, cache = net.forward(x, lengths=lengths)
        return temporal_cross_entropy(logits, y, mask=mask)[0]

    logits, cache = net.forward(x, lengths=lengths)
    _, dlogits = temporal_cross_entropy(logits, y, mask=mask)
    grads = net.backward(dlogits, cache)
    assert set(grads) == set(net.params)
    result = check_grads(loss, net.params, grads)
    assert max(result.errors.values()) < 1e-7, result.errors


def test_token_ids_equal_explicit_one_hot_and_the_functional_model():
    rng = np.random.default_rng(1)
    net = RecurrentNetwork(6, 3, 4, "lstm", 2, rng=2, dtype=np.float64)
    ids = rng.integers(0, 6, size=(2, 5))
    x = one_hot(ids, 6, np.float64)
    assert x.shape == (6, 2, 5) and np.all(x.sum(axis=0) == 1)
    assert x[ids[1, 3], 1, 3] == 1
    logits_ids, _ = net.forward(ids)
    logits_x, _ = net.forward(x)
    np.testing.assert_array_equal(logits_ids, logits_x)
    a_top, _, _ = deep_rnn_forward(x, {k: v for k, v in net.params.items()
                                       if k not in ("W_ya", "b_y")}, "lstm", 2)
    np.testing.assert_allclose(logits_ids, output_forward(a_top, net.params)[0], rtol=1e-12)


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_carrying_the_final_state_reproduces_the_whole_sequence(kind):
    rng = np.random.default_rng(2)
    net = RecurrentNetwork(5, 4, 5, kind, 2, rng=3, dtype=np.float64)
    x, _ = _batch(rng, T=8)
    whole, _ = net.forward(x)
    first, cache = net.forward(x[:, :5])
    a_T, c_T = net.final_state(cache)
    assert a_T.shape == (2, 4, 3) and (c_T is None) == (kind != "lstm")
    second, _ = net.forward(x[:, 5:], a0=a_T, c0=c_T)
    np.testing.assert_allclose(np.concatenate([first, second], axis=2), whole, rtol=1e-12)


def test_final_state_is_taken_at_each_examples_last_real_step():
    rng = np.random.default_rng(3)
    net = RecurrentNetwork(5, 4, 5, "lstm", 1, rng=4, dtype=np.float64)
    x, _ = _batch(rng, m=2, T=6)
    _, cache = net.forward(x, lengths=np.array([6, 3]))
    a_T, c_T = net.final_state(cache)
    _, short = net.forward(x[1:, :3])
    a_short, c_short = net.final_state(short)
    np.testing.assert_allclose(a_T[:, :, 1], a_short[:, :, 0], rtol=1e-12)
    np.testing.assert_allclose(c_T[:, :, 1], c_short[:, :, 0], rtol=1e-12)


def test_save_and_load_round_trip(tmp_path):
    net = RecurrentNetwork(7, 3, 7, "gru", 2, rng=5, variant="simplified")
    net.save(tmp_path / "net.npz")
    back = RecurrentNetwork.load(tmp_path / "net.npz")
    assert back.config == net.config and back.dtype == np.float32
    for k, v in net.params.items():
        np.testing.assert_array_equal(back.params[k], v)
    ids = np.random.default_rng(0).integers(0, 7, size=(2, 4))
    np.testing.assert_array_equal(back.forward(ids)[0], net.forward(ids)[0])


def test_float32_network_computes_in_float32():
    net = RecurrentNetwork(5, 4, 5, "lstm", 1, rng=0)
    logits, cache = net.forward(np.zeros((2, 3), dtype=np.int64))
    assert logits.dtype == np.float32
    grads = net.backward(np.ones_like(logits), cache)
    assert all(g.dtype == np.float32 for g in grads.values())


def test_bad_inputs_name_the_argument():
    net = RecurrentNetwork(5, 4, 3, "rnn", 1, rng=0)
    with pytest.raises(ValueError, match=r"forward\(x\).*\(m, T_x\)"):
        net.forward(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"RecurrentNetwork.forward\(x\).*\[0, 5\)"):
        net.forward(np.full((2, 3), 5))
    logits, cache = net.forward(np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match=r"backward\(dlogits\)"):
        net.backward(np.zeros((5, 2, 3)), cache)
    bi = RecurrentNetwork(5, 4, 3, "gru", 1, True, rng=0)
    with pytest.raises(ValueError, match="bidirectional"):
        bi.final_state(bi.forward(np.zeros((2, 3), dtype=int))[1])
    assert "RecurrentNetwork(rnn, n_x=5, n_a=4, n_y=3" in repr(net)


def test_many_to_one_last_step_and_its_gradient():
    from seqlab.gradcheck import numerical_gradient_array
    from seqlab.rnn import last_step, last_step_backward

    rng = np.random.default_rng(4)
    net = RecurrentNetwork(5, 4, 2, "gru", 1, rng=6, dtype=np.float64)
    x, _ = _batch(rng, m=3, T=5)
    lengths = np.array([5, 2, 3])
    logits, cache = net.forward(x, lengths=lengths)
    z = last_step(logits, lengths)
    np.testing.assert_array_equal(z[:, 1], logits[:, 1, 1])
    np.testing.assert_array_equal(last_step(logits), logits[:, :, -1])
    w = rng.normal(size=z.shape)
    dz = last_step_backward(w, logits.shape, lengths)
    num = numerical_gradient_array(lambda L: last_step(L, lengths), logits.copy(), w)
    np.testing.assert_allclose(dz, num, atol=1e-8)
    with pytest.raises(ValueError, match=r"last_step\(lengths\).*\[1, 5\]"):
        last_step(logits, np.array([0, 2, 3]))


def test_lstm_memory_is_the_gates_c_without_a_copy():
    from seqlab.rnn import lstm_gates, lstm_memory

    net = RecurrentNetwork(5, 4, 5, "lstm", 1, rng=7, dtype=np.float64)
    _, cache = net.forward(np.random.default_rng(5).integers(0, 5, size=(3, 6)))
    seq = cache.deep.layers[0].caches[0]
    np.testing.assert_array_equal(lstm_memory(seq), lstm_gates(seq)["c"])
    assert np.shares_memory(lstm_memory(seq), seq.C)
