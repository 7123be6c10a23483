"""BLEU against sacrebleu (tokenize="none") to 1e-12, on real text (Wikipedia summaries,
Shakespeare's sonnets) with several references per sentence and perturbed hypotheses, on short
hypotheses where some orders have no match, and for every smoothing."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

sacrebleu = pytest.importorskip("sacrebleu")

from seqlab.data.synthetic import perturb_tokens  # noqa: E402
from seqlab.data.text import load_sonnets, load_wiki  # noqa: E402
from seqlab.seq2seq.bleu import (  # noqa: E402
    bleu_explain,
    closest_ref_length,
    corpus_bleu,
    sentence_bleu,
)

SMOOTHS = ["none", "floor", "add-k", "exp"]


def _sentences():
    try:
        text = " ".join(load_wiki()[:60])
    except Exception:  # the optional wiki package is missing: the sonnets
        text = " ".join(load_sonnets()[:60])
    sents = [s.lower().split() for s in re.split(r"(?<=[.!?])\s+", text)]
    return [s for s in sents if 4 <= len(s) <= 40][:300]


def _corpus(seed=0, max_refs=3, rate=0.3):
    r = np.random.default_rng(seed)
    sents = _sentences()
    vocab = sorted({t for s in sents for t in s})
    hyps, refs = [], []
    for s in sents:
        n_refs = int(r.integers(1, max_refs + 1))
        refs.append([s] + [perturb_tokens(s, r, vocab, 0.2) for _ in range(n_refs - 1)])
        hyps.append(perturb_tokens(s, r, vocab, rate))
    return hyps, refs


def _sacre(hyps, refs, smooth, effective=False, value=None):
    n = max(len(x) for x in refs)
    streams = [[" ".join(x[j]) if j < len(x) else None for x in refs] for j in range(n)]
    return sacrebleu.corpus_bleu([" ".join(h) for h in hyps], streams, smooth_method=smooth,
                                 smooth_value=value, tokenize="none", force=True,
                                 use_effective_order=effective)


def test_corpus_has_real_text_and_several_references():
    hyps, refs = _corpus()
    assert len(hyps) >= 100 and max(len(x) for x in refs) == 3 and min(map(len, refs)) == 1


@pytest.mark.parametrize("smooth", SMOOTHS)
@pytest.mark.parametrize("seed, rate", [(0, 0.3), (1, 0.6), (2, 1.5)])
def test_corpus_bleu_equals_sacrebleu(smooth, seed, rate):
    hyps, refs = _corpus(seed, rate=rate)
    ours, ref = corpus_bleu(hyps, refs, smooth=smooth), _sacre(hyps, refs, smooth)
    assert 0 < ours.score < 1
    assert abs(ours.score - ref.score / 100) <= 1e-12
    assert ours.counts == ref.counts[:1] + ours.counts[1:] if smooth == "add-k" else \
        ours.counts == ref.counts
    assert ours.totals == ref.totals or smooth == "add-k"
    assert (ours.hyp_len, ours.ref_len) == (ref.sys_len, ref.ref_len)
    assert abs(ours.brevity_penalty - ref.bp) <= 1e-15
    np.testing.assert_allclose(np.array(ours.precisions) * 100, ref.precisions, rtol=1e-12)


@pytest.mark.parametrize("smooth", SMOOTHS)
@pytest.mark.parametrize("effective", [False, True])
def test_short_hypotheses_with_orders_without_matches(smooth, effective):
    hyps = [["a", "cat"], ["the"], ["on", "the", "mat", "x"], ["dog", "the", "cat"]]
    refs = [[["a", "cat", "sat"]], [["the", "cat"], ["a", "the", "x", "y"]],
            [["on", "a", "mat", "x", "y"]], [["the", "dog", "cat", "z"]]]
    ours = corpus_bleu(hyps, refs, smooth=smooth, effective_order=effective)
    ref = _sacre(hyps, refs, smooth, effective)
    assert abs(ours.score - ref.score / 100) <= 1e-12
    assert ours.counts[2:] == [0, 0] or smooth == "add-k"   # no 3-gram, 4-gram match
    for h, r in zip(hyps, refs, strict=True):
        s = sentence_bleu(h, r, smooth=smooth, effective_order=effective)
        ref_s = sacrebleu.sentence_bleu(" ".join(h), [" ".join(x) for x in r],
                                        smooth_method=smooth, tokenize="none",
                                        use_effective_order=effective)
        assert abs(s.score - ref_s.score / 100) <= 1e-12


def test_sentence_bleu_defaults_are_sacrebleus():
    hyps, refs = _corpus(3)
    for h, r in list(zip(hyps, refs, strict=True))[:40]:
        ref = sacrebleu.sentence_bleu(" ".join(h), [" ".join(x) for x in r], tokenize="none")
        assert abs(sentence_bleu(h, r).score - ref.score / 100) <= 1e-12


@pytest.mark.parametrize("smooth, value", [("floor", 0.3), ("add-k", 2)])
def test_smooth_values(smooth, value):
    hyps, refs = _corpus(4, rate=1.0)
    hyps = [h[:3] for h in hyps[:50]]
    ours = corpus_bleu(hyps, refs[:50], smooth=smooth, smooth_value=value)
    assert abs(ours.score - _sacre(hyps, refs[:50], smooth, value=value).score / 100) <= 1e-12


def test_course_example_clipping_and_brevity_penalty():
    # the lecture's "the the the the the the the" against two references: p1 = 2/7
    hyp = ["the"] * 7
    refs = [["the", "cat", "is", "on", "the", "mat"], ["there", "is", "a", "cat", "on", "the",
                                                       "mat"]]
    r = corpus_bleu([hyp], [refs], max_n=1)
    assert r.counts == [2] and r.totals == [7] and math.isclose(r.precisions[0], 2 / 7)
    assert r.brevity_penalty == 1.0 and math.isclose(r.score, 2 / 7)
    short = corpus_bleu([["the", "cat"]], [refs], max_n=2)
    assert short.ref_len == 6 and math.isclose(short.brevity_penalty, math.exp(1 - 6 / 2))
    assert math.isclose(short.score, math.exp(1 - 3) * 1.0)


def test_closest_reference_length_takes_the_shorter_on_ties():
    assert closest_ref_length(5, [7, 3, 9]) == 3 and closest_ref_length(5, [6, 4]) == 4


def test_identical_corpus_scores_one_and_disjoint_scores_zero():
    hyps, refs = _corpus(5)
    assert corpus_bleu([x[0] for x in refs], refs).score == pytest.approx(1.0, abs=1e-15)
    assert corpus_bleu([["zzz"] * 5], [[["a", "b"]]]).score == 0.0


def test_bleu_explain_positions_and_clipping():
    hyp = "the cat the cat on the mat".split()
    refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    ex = bleu_explain(hyp, refs)
    o1, o2 = ex.orders[0], ex.orders[1]
    assert o1.clip[("the",)] == (3, 2, 2) and o1.clip[("cat",)] == (2, 1, 1)
    assert [o.matched for o in o1.occurrences] == [True, True, True, False, True, False, True]
    assert [o.clipped for o in o1.occurrences] == [False, False, False, True, False, True, False]
    assert o2.clip[("the", "cat")] == (2, 1, 1) and o2.occurrences[2].matched is False
    assert ex.orders[3].matched == ex.bleu.counts[3]
    assert [o.matched for o in ex.orders] == ex.bleu.counts
    assert o1.ref_starts[0] == [0, 1, 3, 4, 5] and ex.ref_len == 7   # |ŷ| = 7: closest


@pytest.mark.parametrize("call, match", [
    (lambda: corpus_bleu(["the cat"], [[["the", "cat"]]]), r"corpus_bleu\(hypotheses\)"),
    (lambda: corpus_bleu([["a"]], [[["a"]], [["b"]]]), r"equal length"),
    (lambda: corpus_bleu([["a"]], [["a"]]), r"wrap a single reference"),
    (lambda: corpus_bleu([["a"]], [[["a"]]], smooth="laplace"), r"corpus_bleu\(smooth\)"),
    (lambda: corpus_bleu([["a"]], [[["a"]]], max_n=0), r"corpus_bleu\(max_n\)"),
])
def test_bad_input_raises_naming_the_argument(call, match):
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_bleu_explainer_html_highlights_and_updates():
    from seqlab.viz.bleu import bleu_explainer

    hyp = "the cat the cat on the mat".split()
    refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    box = bleu_explainer(hyp, refs)
    html1 = box.html.value
    assert html1.count("#aceebb") >= 5 + 5 and "#ffd8a8" in html1   # matched and clipped
    box.update(n=2)
    assert box.html.value != html1 and "p<sub>2</sub> = 4/6 ◀" in box.html.value
    assert f"{box.explanation.bleu.score:.4f}" in box.html.value


def test_bleu_explainer_bars_follow_the_slider_in_place():
    import time

    from seqlab.viz.bleu import bleu_bars, bleu_explainer
    from seqlab.viz.widgets import FigureBox

    hyp = "the cat the cat on the mat".split()
    refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    box = bleu_explainer(hyp, refs, max_n=4, n=2)
    assert isinstance(box, FigureBox)
    slider = box.controls[0]
    assert slider.description == "n-gram order" and box.children[0] is slider
    bar = box.figure.data[0]
    ex = box.explanation
    assert list(bar.x) == ["p_1", "p_2", "p_3", "p_4", "BP", "BLEU"]
    assert np.allclose(bar.y, [o.matched / o.total for o in ex.orders]
                       + [ex.brevity_penalty, ex.bleu.score])
    assert list(bar.text[:4]) == ["5/7", "4/6", "2/5", "1/4"]
    colours = list(bar.marker.color)
    assert colours[1] != colours[0] == colours[2] == colours[3]      # order 2 highlighted
    trace = box.figure.data[0]
    start = time.perf_counter()
    slider.value = 4                                                 # what a slider move does
    elapsed = time.perf_counter() - start
    assert box.figure.data[0] is trace                               # updated, not rebuilt
    new = list(box.figure.data[0].marker.color)
    assert new[3] == colours[1] and new[1] == colours[0] and new[4:] == colours[4:]
    assert "p<sub>4</sub> = 1/4 ◀" in box.html.value and "p_4 = 1/4" in \
        box.figure.layout.title.text
    assert elapsed < 0.2, f"a slider move took {1000 * elapsed:.0f} ms"
    with pytest.raises(ValueError, match=r"bleu_bars\(n\)"):
        bleu_bars(ex, 5)
    bundle = box._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.plotly.v1+json" in data                  # a static copy too
