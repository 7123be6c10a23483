"""seqlab.tasks (training steps, the loop, the two experiments) and their figures in
seqlab.viz.tasks, including the shipped long-range result file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seqlab.data.synthetic import AGREEMENT_VOCAB, agreement_batch, name_tagging_batch
from seqlab.gradcheck import check_grads
from seqlab.losses import cross_entropy
from seqlab.rnn import RecurrentNetwork
from seqlab.tasks import (
    EXPERIMENT,
    classifier_step,
    classify,
    fit,
    gap_sweep,
    tagger_step,
    tagging_accuracy,
    train_agreement,
)
from seqlab.tasks.name_tagging import (
    evaluate_name_tagger,
    name_probabilities,
    train_name_tagger,
)
from seqlab.viz.tasks import (
    LONG_RANGE_RESULTS,
    accuracy_vs_gap_figure,
    layer_states_figure,
    load_long_range_results,
    name_probability_figure,
    tagging_comparison_figure,
    tagging_explorer,
)


# ------------------------------------------------------------------ loss steps
@pytest.mark.parametrize("kind,bidirectional", [("rnn", False), ("lstm", True)])
def test_classifier_step_gradient_matches_finite_differences(kind, bidirectional):
    rng = np.random.default_rng(0)
    net = RecurrentNetwork(6, 3, 2, kind, 1, bidirectional, rng=1, dtype=np.float64)
    ids, y, lengths = rng.integers(0, 6, (4, 5)), np.array([0, 1, 1, 0]), np.array([5, 3, 1, 4])
    loss, grads = classifier_step(net, ids, y, lengths)
    assert set(grads) == set(net.params)
    result = check_grads(lambda: classifier_step(net, ids, y, lengths)[0], net.params, grads)
    assert max(result.errors.values()) < 1e-7, result.errors


def test_classifier_step_reads_only_each_examples_last_real_step():
    rng = np.random.default_rng(1)
    net = RecurrentNetwork(6, 3, 2, "gru", rng=2, dtype=np.float64)
    ids, y, lengths = rng.integers(0, 6, (3, 6)), np.array([1, 0, 1]), np.array([6, 2, 4])
    logits, _ = net.forward(ids, lengths=lengths)
    expected = cross_entropy(logits[:, [0, 1, 2], lengths - 1], y)[0]
    assert classifier_step(net, ids, y, lengths)[0] == pytest.approx(float(expected), rel=1e-12)
    ids2 = ids.copy()
    ids2[1, 2:] = (ids2[1, 2:] + 1) % 6                 # change only example 1's padding
    assert classifier_step(net, ids2, y, lengths)[0] == pytest.approx(
        classifier_step(net, ids, y, lengths)[0], rel=1e-12)


def test_tagger_step_gradient_matches_finite_differences_and_ignores_padding():
    net = RecurrentNetwork(7, 3, 2, "gru", 2, True, rng=3, dtype=np.float64)
    b = name_tagging_batch(3, rng=0)
    ids, tags, lengths = b.ids % 7, b.tags, b.lengths
    loss, grads = tagger_step(net, ids, tags, lengths)
    result = check_grads(lambda: tagger_step(net, ids, tags, lengths)[0], net.params, grads,
                         max_elements=20)
    assert max(result.errors.values()) < 1e-7, result.errors
    tags2 = np.where(b.mask, tags, 1 - tags)            # flip every padded tag
    assert tagger_step(net, ids, tags2, lengths)[0] == pytest.approx(loss, rel=1e-12)


# ------------------------------------------------------------------ the loop
def test_fit_learns_a_trivial_task_and_stops_on_its_check():
    net = RecurrentNetwork(len(AGREEMENT_VOCAB), 8, 2, "gru", rng=0)
    stream = np.random.default_rng(9)
    ids_val, y_val = agreement_batch(200, 2, rng=99)
    checks = []

    def learned(net):
        checks.append(len(checks))
        return (classify(net, ids_val) == y_val).mean() == 1.0

    history = fit(net, classifier_step, lambda i: agreement_batch(32, 2, stream), 400, lr=0.03,
                  stop=learned, check_every=10)
    assert history["steps"] == 10 * len(checks) < 400
    assert history["losses"][-1] < history["losses"][0]
    ids, y = agreement_batch(500, 2, rng=100)
    assert (classify(net, ids) == y).mean() == 1.0


def test_fit_and_tagging_accuracy_reject_bad_arguments():
    net = RecurrentNetwork(5, 2, 2, "rnn", rng=0)
    with pytest.raises(ValueError, match=r"fit\(n_steps\)"):
        fit(net, classifier_step, lambda i: None, 0)
    b = name_tagging_batch(2, rng=0)
    with pytest.raises(ValueError, match=r"tagging_accuracy\(select\)"):
        tagging_accuracy(net, b.ids % 5, b.tags, b.lengths, select=np.zeros_like(b.ambiguous))


# ------------------------------------------------------------------ the experiments
def test_train_agreement_gated_cell_learns_a_short_gap():
    run = train_agreement("gru", 4, seed=0, n_steps=300, lr=0.03, n_test=400)
    assert run.accuracy >= 0.98
    assert run.history["steps"] < 300                   # stopped by the validation check


def test_gap_sweep_fills_its_grid_and_checks_keywords():
    res = gap_sweep(("rnn", "gru"), (2, 3), (0,), progress=False, n_steps=20, n_test=50,
                    stop_at=None)
    assert res["kinds"] == ["rnn", "gru"] and res["gaps"] == [2, 3] and res["seeds"] == [0]
    acc = np.array(res["accuracy"])
    assert acc.shape == (2, 2, 1) and ((acc >= 0) & (acc <= 1)).all()
    assert np.array(res["steps"]).tolist() == [[[20], [20]], [[20], [20]]]
    again = train_agreement("gru", 3, 0, **{**res["config"], "n_steps": 20})
    assert again.accuracy == res["accuracy"][1][1][0]   # one seed, one result
    with pytest.raises(TypeError, match=r"gap_sweep\(\*\*train\).*n_layers"):  # as Python does
        gap_sweep(("rnn",), (2,), (0,), n_layers=2)


def test_bidirectional_tagger_solves_the_ambiguous_words_and_unidirectional_cannot():
    test = name_tagging_batch(800, rng=50_000)
    uni = evaluate_name_tagger(train_name_tagger(False, 0).net, test)
    bi_run = train_name_tagger(True, 0)
    bi = evaluate_name_tagger(bi_run.net, test)
    assert uni["other"] > 0.97 and bi["other"] > 0.97
    assert 0.35 < uni["ambiguous"] < 0.65                # chance: the next word is unseen
    assert bi["ambiguous"] > 0.97
    p = name_probabilities(bi_run.net, test)
    assert p.shape == test.ids.shape and (p[~test.mask] == 0).all()
    assert ((p[test.ambiguous] > 0.5) == test.tags[test.ambiguous].astype(bool)).mean() > 0.97


# ------------------------------------------------------------------ figures and the result file
def test_shipped_long_range_result_loads_matches_the_experiment_and_shows_the_effect():
    assert LONG_RANGE_RESULTS.stat().st_size < 100_000
    res = load_long_range_results()
    K, G, S = len(res["kinds"]), len(res["gaps"]), len(res["seeds"])
    assert res["kinds"] == list(EXPERIMENT["kinds"])
    assert res["gaps"].tolist() == list(EXPERIMENT["gaps"])
    assert res["seeds"].tolist() == list(EXPERIMENT["seeds"])
    config = {k: v for k, v in EXPERIMENT.items() if k not in ("kinds", "gaps", "seeds")}
    assert res["config"] == json.loads(json.dumps(config)), "rerun the tools script"
    for key in ("accuracy", "steps", "seconds"):
        assert res[key].shape == (K, G, S)
    mean = dict(zip(res["kinds"], res["accuracy"].mean(axis=2), strict=True))
    long = (mean["rnn"] < 0.6) & (mean["gru"] > 0.95) & (mean["lstm"] > 0.95)
    assert long.any(), "no gap where the RNN is at chance and both gated cells are right"
    assert (mean["rnn"][:2] > 0.95).all()                # and the RNN can learn short gaps


def test_accuracy_vs_gap_figure_draws_the_band_the_means_and_every_seed():
    """Notebook 04 promises "the band from the worst to the best seed": the first K traces are
    those bands, closed outlines from each gap's best seed to its worst."""
    rng = np.random.default_rng(0)
    res = {"kinds": ["rnn", "gru"], "gaps": [2, 10, 30], "accuracy": rng.uniform(size=(2, 3, 4))}
    fig = accuracy_vs_gap_figure(res)
    assert len(fig.data) == 6
    for k in range(2):
        band, mean, seeds = fig.data[k], fig.data[2 + 2 * k], fig.data[2 + 2 * k + 1]
        assert band.fill == "toself" and band.showlegend is False
        assert list(band.x) == [2, 10, 30, 30, 10, 2]
        np.testing.assert_allclose(band.y[:3], res["accuracy"][k].max(axis=1))
        np.testing.assert_allclose(band.y[3:], res["accuracy"][k].min(axis=1)[::-1])
        np.testing.assert_allclose(mean.y, res["accuracy"][k].mean(axis=1))
        np.testing.assert_allclose(seeds.y, res["accuracy"][k].ravel())
        assert list(mean.x) == res["gaps"] and band.legendgroup == mean.legendgroup
    assert fig.data[2].name == "RNN" and fig.data[4].name == "GRU"
    assert "band: worst to best seed" in fig.layout.title.text
    shipped = load_long_range_results()
    fig = accuracy_vs_gap_figure(shipped)
    np.testing.assert_allclose(fig.data[-2].y, shipped["accuracy"][-1].mean(axis=1), rtol=1e-6)
    with pytest.raises(ValueError, match="accuracy"):
        accuracy_vs_gap_figure({**res, "accuracy": res["accuracy"][:, :2]})


def test_tagging_figures_hold_the_numbers_they_are_given():
    scores = {"uni": {"overall": 0.9, "ambiguous": 0.5, "other": 1.0},
              "bi": {"overall": 1.0, "ambiguous": 0.99, "other": 1.0}}
    fig = tagging_comparison_figure(scores)
    assert [list(t.y) for t in fig.data] == [[0.9, 0.5, 1.0], [1.0, 0.99, 1.0]]
    sentences = [["he", "said", "teddy", "bears"], ["teddy", "roosevelt", "won"]]
    probs = {"uni": [np.array([0, 0, 0.4, 0]), np.array([0.4, 1, 0])],
             "bi": [np.array([0, 0, 0.02, 0]), np.array([0.98, 1, 0])]}
    fig = name_probability_figure(sentences, probs)
    np.testing.assert_allclose(fig.data[1].z, [[0.4, 1, 0], [0.98, 1, 0]])
    box = tagging_explorer(sentences, probs)
    np.testing.assert_allclose(box.figure.data[0].z, [[0, 0, 0.4, 0], [0, 0, 0.02, 0]])
    box.controls[0].value = 1                           # what a slider move does
    np.testing.assert_allclose(box.figure.data[0].z, [[0.4, 1, 0], [0.98, 1, 0]])
    assert list(box.figure.layout.xaxis.ticktext) == sentences[1]
    assert box.controls[0].max == 1


def test_layer_states_figure_shows_each_layer_of_one_example():
    net = RecurrentNetwork(5, 3, 2, "gru", 3, True, rng=0)
    ids = np.array([[1, 2, 3, 4], [4, 3, 2, 1]])
    _, cache = net.forward(ids)
    states = net.layer_states(cache)
    fig = layer_states_figure(states, ["a", "b", "c", "d"], example=1, bidirectional=True)
    assert len(fig.data) == 3 and len(fig.layout.shapes) == 3   # a line between a→ and a←
    assert fig.layout.shapes[0].y0 == 2.5
    assert list(fig.data[0].customdata[:, 0]) == ["→1", "→2", "→3", "←1", "←2", "←3"]
    for l in range(3):
        np.testing.assert_allclose(fig.data[l].z, states[l][:, 1, :])
    with pytest.raises(ValueError, match="words"):
        layer_states_figure(states, ["a", "b"])
