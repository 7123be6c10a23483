"""seqlab.lm.connectivity: ∂ log ŷ<t>[y<t>] / ∂x<t'> for every (t, t'), batched, and half-lives.

- eq. (2), the upstream gradient, is the finite-difference gradient of log softmax at the target,
  in its column and step only;
- eq. (1): ``input_gradients`` equals float64 finite differences of log ŷ<t_i>[y<t_i>] with
  respect to every input entry, for every cell, two layers, on one-hot and on real inputs, and
  its log-probabilities are the network's own;
- ``connectivity`` (all rows, in blocks) equals one separate pass per output, is causal (zero
  above the diagonal), and its last row is ``last_step_influence``'s;
- ``memory_stats`` computes its half-lives and reach on hand-made profiles;
- the shipped sonnet models give the same statistics in float32 and float64, text by text (what
  notebook 27 prints does not depend on the last bits of a CPU's arithmetic).
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.data.text import sonnet_corpus
from seqlab.functional import log_softmax
from seqlab.gradcheck import numerical_gradient, rel_error
from seqlab.lm.connectivity import (
    connectivity,
    input_gradients,
    last_step_influence,
    log_prob_upstream,
    memory_stats,
    text_windows,
)
from seqlab.rnn import RecurrentNetwork, one_hot

V = 5


def _net(kind, n_layers=1, n_a=4, seed=0, **kw):
    return RecurrentNetwork(V, n_a, V, kind=kind, n_layers=n_layers, rng=seed,
                            dtype=np.float64, **kw)


def _log_probs(net, x, y, t):
    """Σ_i log ŷ<t_i>[y[i, t_i]] by the forward pass alone."""
    logits, _ = net.forward(x)
    cols = np.arange(x.shape[-2])
    return float(log_softmax(logits[:, cols, t], axis=0)[y[cols, t], cols].sum())


def test_upstream_is_the_gradient_of_log_softmax_at_the_target_in_its_column_only():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(V, 3, 4))
    y, t = rng.integers(0, V, size=(3, 4)), np.array([2, 0, 3])
    dz = log_prob_upstream(logits, y, t)
    assert dz.shape == logits.shape
    for i in range(3):
        z = logits[:, i, t[i]].copy()
        num = numerical_gradient(lambda v: log_softmax(v, axis=0)[y[i, t[i]]], z)  # noqa: B023
        assert rel_error(dz[:, i, t[i]], num) < 1e-8
        others = np.delete(dz[:, i, :], t[i], axis=1)
        assert not others.any()                              # zero at every other step
    assert np.allclose(dz.sum(axis=0), 0)                    # onehot - softmax sums to 0


@pytest.mark.parametrize("kind,n_layers", [("rnn", 1), ("gru", 1), ("lstm", 1), ("lstm", 2),
                                           ("gru", 2)])
@pytest.mark.parametrize("features", [False, True], ids=["one-hot", "real x"])
def test_input_gradients_match_finite_differences(kind, n_layers, features):
    rng = np.random.default_rng(1)
    net = _net(kind, n_layers, seed=3)
    m, T = 3, 5
    ids = rng.integers(0, V, size=(m, T))
    x = rng.normal(size=(V, m, T)) if features else one_hot(ids, V, np.float64)
    y, t = rng.integers(0, V, size=(m, T)), np.array([4, 2, 0])
    dx, log_prob = input_gradients(net, x, y, t)
    num = numerical_gradient(lambda v: _log_probs(net, v, y, t), x.copy(), h=1e-6)
    assert rel_error(dx, num) < 1e-6, rel_error(dx, num)
    assert np.isclose(float(log_prob.sum()), _log_probs(net, x, y, t))
    for i, ti in enumerate(t):                               # causal: nothing from the future
        assert not dx[:, i, ti + 1:].any()
        assert np.abs(dx[:, i, :ti + 1]).sum(axis=0).min() > 0


def test_input_gradients_refuse_a_bidirectional_network():
    net = _net("gru", bidirectional=True)
    with pytest.raises(ValueError, match=r"input_gradients\(net\): expected a unidirectional"):
        input_gradients(net, np.zeros((1, 3), int), np.zeros((1, 3), int), [2])


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("blocks", [1, 3, 50])
def test_connectivity_equals_one_pass_per_output(kind, blocks):
    rng = np.random.default_rng(2)
    net = _net(kind, n_a=6, seed=5)
    ids = rng.integers(0, V, size=12)
    T = len(ids) - 1
    G, log_prob = connectivity(net, ids, blocks=blocks)
    assert G.shape == (T, T) and log_prob.shape == (T,)
    for t in range(T):                                       # one pass per output, row by row
        dx, lp = input_gradients(net, ids[None, :-1], ids[None, 1:], [t])
        np.testing.assert_allclose(G[t], np.linalg.norm(dx[:, 0, :], axis=0), rtol=1e-12,
                                   atol=1e-15)
        assert np.isclose(log_prob[t], lp[0])
    assert not np.triu(G, 1).any() and (np.diag(G) > 0).all()
    np.testing.assert_allclose(last_step_influence(net, ids[None])[0], G[-1, ::-1],
                               rtol=1e-12)                   # column d - 1 = distance d


def test_connectivity_of_a_one_character_text_and_bad_ids():
    net = _net("lstm")
    G, _ = connectivity(net, [1, 2])
    assert G.shape == (1, 1) and G[0, 0] > 0
    with pytest.raises(ValueError, match=r"connectivity\(ids\)"):
        connectivity(net, [3])
    with pytest.raises(ValueError, match=r"connectivity\(ids\)"):
        connectivity(net, [[1, 2]])


def test_text_windows_are_evenly_spread():
    w = text_windows(np.arange(100), 4, 10)
    assert w.shape == (4, 10) and w[0, 0] == 0 and w[-1, -1] == 99
    assert (np.diff(w, axis=1) == 1).all()
    with pytest.raises(ValueError, match=r"text_windows\(length\)"):
        text_windows(np.arange(5), 2, 6)


def test_memory_stats_on_hand_made_profiles():
    P = np.array([[2.0, 1.6, 1.2, 0.8, 0.1, 0.03, 0.01],     # relative: 1 .8 .6 .4 .05 .015 .005
                  [1.0, 0.4, 0.9, 0.05, 0.02, 0.0, 0.0],     # halves at 2, last >= 1% at 5
                  [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]])      # never fades
    s = memory_stats(P)
    assert s.half_lives.tolist() == [4, 2, 8]                # D + 1 = 8 where it never halves
    assert s.reach.tolist() == [6, 5, 7]
    np.testing.assert_allclose(s.median, [1, 0.8, 0.9, 0.4, 0.05, 0.015, 0.005])
    assert s.half_life == 4
    assert memory_stats(P, max_distance=3).half_lives.tolist() == [4, 2, 4]
    with pytest.raises(ValueError, match=r"memory_stats\(profiles\)"):
        memory_stats(np.array([[0.0, 1.0]]))


def test_shipped_models_give_the_same_statistics_in_float32_and_float64():
    """What notebook 27 prints, from the shipped float32 weights, does not move when every
    rounding changes: float64 differs from float32 by up to 1.4e-4 relative here, far more than
    any two CPUs' float32 paths, and every half-life, every reach and every "leans >= 1% on the
    line's first character" of the 100 texts stays the same."""
    from seqlab.rnn.inspect import load_gate_model

    vocab, _, val = sonnet_corpus(0)
    ids = np.array([vocab.index(c) for c in val])
    windows = text_windows(ids, 100, 201)
    newline = vocab.index("\n")
    start = np.array([199 - np.flatnonzero(w[:200] == newline).max() for w in windows])
    rows, cols = np.flatnonzero(start >= 20), start[start >= 20] - 1
    for kind in ("rnn", "gru", "lstm"):
        net = load_gate_model(kind).net
        twin = RecurrentNetwork(**net.config, dtype=np.float64)
        twin.params = {k: v.astype(np.float64) for k, v in net.params.items()}
        s32, s64 = (memory_stats(last_step_influence(n, windows), 150) for n in (net, twin))
        assert s32.half_life == s64.half_life
        np.testing.assert_array_equal(s32.half_lives, s64.half_lives)
        np.testing.assert_array_equal(s32.reach, s64.reach)
        np.testing.assert_array_equal(s32.relative[rows, cols] >= 0.01,
                                      s64.relative[rows, cols] >= 0.01)
        gap = np.abs(s64.median - 0.5).min()                 # the median's closest approach
        assert gap > 1e-3, (kind, gap)                        # to the threshold
