"""Beam search (week 3): width 1 is greedy search, a wide beam finds the exhaustive optimum of
log P / T_y^α, both against brute-force enumeration written here, on random tiny conditional
language models whose next-token table depends on the whole prefix (so the decoder state must
be gathered correctly)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from seqlab.seq2seq import (
    beam_search,
    exhaustive_search,
    greedy_decode,
    sequence_log_prob,
    token_log_probs,
)
from seqlab.seq2seq.beam import gather_states
from tests.helpers.toy_lm import BOS, EOS, Model


def brute_force(model, max_len, alpha):
    """All finished outputs: eos at the end within max_len tokens."""
    cands = []
    for T in range(1, max_len + 1):
        for body in itertools.product(range(1, model.V), repeat=T - 1):
            for last in [EOS]:
                y = [*body, last]
                logp = sum(model.row(y[:t])[y[t]] for t in range(T))
                cands.append((logp / T ** alpha, logp, y))
    return max(cands, key=lambda c: c[0])


def greedy_reference(model, max_len):
    y, total = [], 0.0
    for _ in range(max_len):
        row = model.row(y)
        v = int(np.argmax(row))
        y, total = y + [v], total + row[v]
        if v == EOS:
            break
    return y, total


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("max_len", [1, 3, 4])
def test_width_1_is_exactly_greedy_search(seed, max_len):
    m = Model(V=4, seed=seed)
    ref_y, ref_logp = greedy_reference(m, max_len)
    res = beam_search(m.step_fn, m.init(), BOS, EOS, beam_width=1, max_len=max_len, alpha=0.7)
    assert res.best == ref_y and math.isclose(res.best_log_prob, ref_logp, rel_tol=1e-12)
    g = greedy_decode(m.step_fn, m.init(), BOS, EOS, max_len=max_len)
    assert g.tokens == ref_y and math.isclose(g.log_prob, ref_logp, rel_tol=1e-12)


@pytest.mark.parametrize("seed", range(15))
@pytest.mark.parametrize("alpha", [0.0, 0.7, 1.0])
@pytest.mark.parametrize("nested", [True, False])
def test_wide_beam_finds_the_exhaustive_optimum(seed, alpha, nested):
    V, max_len = 4, 4
    m = Model(V=V, seed=seed, scale=1.0, nested=nested)
    score, logp, y = brute_force(m, max_len, alpha)
    res = beam_search(m.step_fn, m.init(), BOS, EOS, beam_width=V ** max_len, max_len=max_len,
                      alpha=alpha)
    assert res.best == y
    assert math.isclose(res.best_score, score, rel_tol=1e-12)
    assert math.isclose(res.best_log_prob, logp, rel_tol=1e-12)
    assert math.isclose(res.best_score, res.best_log_prob / len(res.best) ** alpha)
    ex = exhaustive_search(m.step_fn, m.init(), BOS, EOS, max_len=max_len, alpha=alpha)
    assert ex[0].tokens == y and math.isclose(ex[0].score, score, rel_tol=1e-12)
    n_finished = sum((V - 1) ** (T - 1) for T in range(1, max_len + 1))
    assert len(ex) == n_finished == sum(h.finished for h in res.hypotheses)
    assert len(res.hypotheses) == n_finished + (V - 1) ** max_len   # + the ones cut off


def test_one_step_fn_call_per_time_step_for_all_hypotheses():
    m = Model(V=5, seed=3, scale=0.5)
    res = beam_search(m.step_fn, m.init(), BOS, EOS, beam_width=3, max_len=6, alpha=0.7)
    assert m.calls == res.step_calls <= 6
    assert m.widths[0] == 1 and max(m.widths) == 3   # all live hypotheses in one call


@pytest.mark.parametrize("seed", range(8))
def test_beam_is_never_worse_than_greedy_and_rerank_equals_a_new_search(seed):
    m = Model(V=5, seed=seed, scale=1.5)
    greedy = beam_search(m.step_fn, m.init(), BOS, EOS, beam_width=1, max_len=6, alpha=0.0)
    wide = beam_search(m.step_fn, m.init(), BOS, EOS, beam_width=6, max_len=6, alpha=0.0)
    assert wide.best_log_prob >= greedy.best_log_prob - 1e-12
    for alpha in (0.3, 0.7, 1.0):
        direct = beam_search(m.step_fn, m.init(), BOS, EOS, beam_width=6, max_len=6,
                             alpha=alpha)
        again = wide.rerank(alpha)
        assert direct.best == again.best and math.isclose(direct.best_score, again.best_score)
        assert [n.chosen for n in direct.tree] == [n.chosen for n in again.tree]


def test_tree_records_every_kept_hypothesis_and_the_chosen_path():
    m = Model(V=5, seed=1, scale=1.0)
    res = beam_search(m.step_fn, m.init(), BOS, EOS, beam_width=3, max_len=5, alpha=0.7)
    tree = res.tree
    assert tree[0].parent == -1 and tree[0].status == "root"
    paths = {0: []}
    for n in tree[1:]:
        parent = tree[n.parent]
        assert n.step == parent.step + 1 and parent.status in ("root", "live")
        prefix = paths[n.parent]
        assert math.isclose(n.log_prob, parent.log_prob + m.row(prefix)[n.token], abs_tol=1e-12)
        assert math.isclose(n.score, n.log_prob / n.step ** 0.7)
        paths[n.id] = prefix + [n.token]
    for step in range(1, res.steps + 1):
        kept = [n for n in tree if n.step == step and n.status != "pruned"]
        pruned = [n for n in tree if n.step == step and n.status == "pruned"]
        assert 1 <= len(kept) <= 3 and len(pruned) <= 3
        if pruned:   # every runner-up is less probable than every kept extension
            assert max(p.log_prob for p in pruned) <= min(k.log_prob for k in kept)
    chosen = [n for n in tree if n.chosen]
    assert paths[chosen[-1].id] == res.best and len(chosen) == len(res.best) + 1
    fin = [h.score for h in res.hypotheses if h.finished]
    assert fin == sorted(fin, reverse=True)
    assert [h.finished for h in res.hypotheses] == sorted((h.finished for h in res.hypotheses),
                                                          reverse=True)   # finished first
    assert all(h.tokens[-1] == EOS for h in res.hypotheses if h.finished)


def test_sequence_log_prob_by_teacher_forcing():
    m = Model(V=4, seed=5)
    y = [2, 3, 1, EOS]
    lp = token_log_probs(m.step_fn, m.init(), BOS, y)
    assert lp.shape == (4,)
    np.testing.assert_allclose(lp, [m.row(y[:t])[y[t]] for t in range(4)], rtol=1e-12)
    assert math.isclose(sequence_log_prob(m.step_fn, m.init(), BOS, y), lp.sum())


def test_gather_states_takes_rows_of_every_leaf():
    s = {"a": (np.arange(6).reshape(3, 2), None), "b": [np.arange(3.0)]}
    g = gather_states(s, [2, 2, 0])
    assert g["a"][0].tolist() == [[4, 5], [4, 5], [0, 1]] and g["a"][1] is None
    assert g["b"][0].tolist() == [2.0, 2.0, 0.0]


def _lp(k):
    return np.log(np.tile([0.1, 0.45, 0.45], (k, 1)))   # eos (0) least likely: 2 stay live


@pytest.mark.parametrize("kwargs, match, error", [
    ({"beam_width": 0}, r"beam_search\(beam_width\): expected an int >= 1, got 0", ValueError),
    ({"beam_width": 2.5}, r"beam_width", TypeError),      # the input contract: not an int
    ({"max_len": 0}, r"beam_search\(max_len\)", ValueError),
    ({"alpha": -1}, r"beam_search\(alpha\)", ValueError),
    ({"eos": -1}, r"beam_search\(eos\)", ValueError),
    ({"eos": 7}, r"eos.*< V = 3", ValueError),
])
def test_bad_arguments_raise_naming_them(kwargs, match, error):
    args = {"beam_width": 2, "max_len": 3, "alpha": 0.7, "eos": 0}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        beam_search(lambda last, s: (_lp(len(last)), None), None, 1, **args)


@pytest.mark.parametrize("step_fn, match", [
    (lambda last, s: (_lp(1), None), r"log_probs of shape \(2, 3\)"),
    (lambda last, s: _lp(len(last)), r"return a tuple"),
    (lambda last, s: (np.exp(_lp(len(last))), None), r"log-probabilities"),
    (lambda last, s: (_lp(len(last)), np.zeros((1, 4))), r"leading axis of size k = 2"),
])
def test_step_fn_returning_wrong_things_raises_clearly(step_fn, match):
    with pytest.raises((ValueError, TypeError), match=match):
        beam_search(step_fn, None, 1, 0, beam_width=2, max_len=3, alpha=0.0)


def test_init_state_needs_a_leading_axis_of_one():
    with pytest.raises(ValueError, match=r"init_state.*size k = 1"):
        beam_search(lambda last, s: (_lp(len(last)), s), np.zeros((2, 4)), 1, 0, 2, 3, 0.0)


def test_cut_hypotheses_win_only_when_nothing_finished():
    V = 4
    never_eos = lambda last, s: (np.log(np.tile([1e-300, 0.5, 0.3, 0.2], (len(last), 1))), None)  # noqa: E731
    res = beam_search(never_eos, None, BOS, EOS, beam_width=2, max_len=3, alpha=1.0)
    assert res.best == [1, 1, 1] and not res.hypotheses[0].finished
    m = Model(V=V, seed=2)
    res = beam_search(m.step_fn, m.init(), BOS, EOS, beam_width=16, max_len=3, alpha=1.0)
    assert res.best[-1] == EOS and res.hypotheses[0].finished


def test_beam_explorer_updates_within_200_ms_on_a_trained_model():
    import time

    from seqlab import lm
    from seqlab.functional import log_softmax
    from seqlab.viz.beam import beam_explorer

    wiki = lm.load_pretrained("wiki-char")
    ids = [0] + wiki.vocab.encode("in 1066 the", eos=False)
    _, _, (a, c) = wiki.forward(np.array([ids[:-1]]))

    def step_fn(last, states):
        a, c = (s.transpose(1, 2, 0) for s in states)
        logits, _, (a, c) = wiki.forward(np.asarray(last)[:, None], (a, c))
        return log_softmax(logits[:, :, 0], axis=0).T, (a.transpose(2, 0, 1),
                                                        c.transpose(2, 0, 1))

    box = beam_explorer(step_fn, (a.transpose(2, 0, 1), c.transpose(2, 0, 1)), ids[-1],
                        wiki.vocab.stoi["."], max_len=30, labels=wiki.vocab.itos)
    times = {}
    for key, kwargs in (("width 10 (decode)", {"beam_width": 10}), ("alpha", {"alpha": 0.2}),
                        ("width 3 (cached)", {"beam_width": 3})):
        start = time.perf_counter()
        box.update(**kwargs)
        times[key] = time.perf_counter() - start
    print({k: f"{1000 * v:.0f} ms" for k, v in times.items()})
    assert max(times.values()) < 0.2, times
    res = box.state["result"]
    assert res.beam_width == 3 and res.alpha == 0.2
    chosen = [n for n in res.tree if n.chosen]
    assert len(box.figure.data[3].x) == len(chosen) == len(res.best) + 1
