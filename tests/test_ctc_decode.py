"""CTC decoding (seqlab.speech.ctc_decode, ctc_align, ctc_lm) against brute-force enumeration.

Brute force: every alignment π in n_y^T, its probability Π_t ŷ<t>_{π_t}, summed per labelling
B(π). Prefix beam search with a beam that keeps every prefix must give each labelling's exact
probability (so its best is the most probable labelling); greedy gives B(argmax path), which
differs from it on a constructed case.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np
import pytest

from seqlab.lm import LanguageModel, Vocabulary, next_token_probs
from seqlab.speech import (
    CharNGramLM,
    char_lm_scorer,
    ctc_alignments,
    ctc_best_path,
    ctc_collapse,
    ctc_count_alignments,
    ctc_forced_alignment,
    ctc_greedy_decode,
    ctc_loss,
    ctc_prefix_beam_search,
)


def _log_softmax(z):
    return z - np.logaddexp.reduce(z, axis=0)


def _labelling_probs(lp, blank):
    """{labelling: log p} by enumerating all n_y^T alignments."""
    n_y, T = lp.shape
    probs = defaultdict(float)
    for path in itertools.product(range(n_y), repeat=T):
        probs[tuple(ctc_collapse(list(path), blank))] += np.exp(sum(lp[k, t]
                                                                    for t, k in enumerate(path)))
    return {k: np.log(v) for k, v in probs.items()}


@pytest.mark.parametrize("collapse", [
    ("ttt_h_eee___ ___qqq", "_", "the q"), ("aa_a", "_", "aa"), ("a__a", "_", "aa"),
    ("aaaa", "_", "a"), ("____", "_", ""), ("", "_", ""), ("_b_bb_", "_", "bb"),
])
def test_collapse_rule_on_strings(collapse):
    path, blank, want = collapse
    assert ctc_collapse(path, blank) == want


def test_collapse_on_ids_with_any_blank():
    assert ctc_collapse([1, 1, 0, 1, 2, 2, 0], 0) == [1, 1, 2]
    assert ctc_collapse(np.array([0, 0, 2, 0, 0]), 2) == [0, 0]      # blank 2: 0 is a label
    assert ctc_collapse([], 0) == []
    with pytest.raises(TypeError, match=r"ctc_collapse\(path\)"):
        ctc_collapse(np.array([0.5, 1.0]))
    with pytest.raises(TypeError, match=r"ctc_collapse\(blank\)"):
        ctc_collapse("ab_", 0)


@pytest.mark.parametrize(("n_y", "T", "blank", "seed"), [(3, 5, 0, 0), (3, 6, 1, 1),
                                                          (4, 4, 3, 2), (2, 7, 0, 3)])
def test_prefix_beam_search_with_a_wide_beam_gives_exact_labelling_probabilities(n_y, T,
                                                                                  blank, seed):
    lp = _log_softmax(np.random.default_rng(seed).normal(size=(n_y, T)) * 1.5)
    exact = _labelling_probs(lp, blank)
    res = ctc_prefix_beam_search(lp, beam_width=10_000, blank=blank)
    assert set(res.labels) == set(exact)
    for lab, lpr in zip(res.labels, res.log_probs, strict=True):
        assert lpr == pytest.approx(exact[lab], abs=1e-10)
        # and equal to exp(-CTC loss) of that labelling
        loss, _ = ctc_loss(lp[:, None, :], [list(lab)], blank=blank)
        assert -loss[0] == pytest.approx(lpr, abs=1e-10)
    assert res.best == max(exact, key=exact.get)


def test_greedy_differs_from_the_most_probable_labelling_on_a_constructed_case():
    # two frames, P(_) = 0.6, P(a) = 0.4: the best path "__" gives "" (p = 0.36), but "a"
    # has three alignments, aa, a_, _a: p = 0.16 + 0.24 + 0.24 = 0.64
    lp = np.log(np.array([[0.6, 0.6], [0.4, 0.4]]))
    assert ctc_greedy_decode(lp[:, None, :]) == [[]]
    exact = _labelling_probs(lp, 0)
    assert exact[(1,)] == pytest.approx(np.log(0.64)) and exact[()] == pytest.approx(
        np.log(0.36))
    assert ctc_prefix_beam_search(lp, beam_width=2).best == (1,)
    assert ctc_prefix_beam_search(lp, beam_width=1).best == ()      # B = 1 drops "a" at t=1


def test_greedy_decode_is_collapse_of_argmax_path_batched_with_lengths():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(5, 3, 9))
    lens = np.array([9, 4, 0])
    paths, lps = ctc_best_path(z, lens)
    assert paths.shape == (3, 9) and np.all(paths[1, 4:] == -1) and np.all(paths[2] == -1)
    lp = _log_softmax(z)
    assert lps[0] == pytest.approx(lp.max(axis=0)[0].sum()) and lps[2] == 0
    out = ctc_greedy_decode(z, lens, blank=0)
    assert out[0] == ctc_collapse(list(z[:, 0].argmax(0)), 0) and out[2] == []
    assert out[1] == ctc_collapse(list(z[:, 1, :4].argmax(0)), 0)
    # the best path is the most probable alignment: brute force on a tiny case
    lp2 = _log_softmax(rng.normal(size=(3, 5)))
    best = max(itertools.product(range(3), repeat=5),
               key=lambda p: sum(lp2[k, t] for t, k in enumerate(p)))
    assert list(ctc_best_path(lp2[:, None, :])[0][0]) == list(best)


def test_beam_search_with_a_language_model_equals_brute_force_rescoring():
    # every labelling scored by log p_ctc + α Σ_i log P_LM(y_i | y_<i) + β·|y|, by enumeration
    lp = _log_softmax(np.random.default_rng(6).normal(size=(3, 5)))
    exact = _labelling_probs(lp, 0)

    def lm_score(prefix, c):                 # an LM that likes alternation "1 2 1 2"
        return np.log(0.8) if (not prefix and c == 2) or (prefix and prefix[-1] != c) \
            else np.log(0.2)
    for alpha, beta in [(0.0, 0.0), (1.0, 0.0), (2.0, 0.5), (0.5, -1.0)]:
        def total(lab, alpha=alpha, beta=beta):
            lm = sum(lm_score(lab[:i], c) for i, c in enumerate(lab))
            return exact[lab] + alpha * lm + beta * len(lab)
        res = ctc_prefix_beam_search(lp, beam_width=10_000, lm_score=lm_score, alpha=alpha,
                                     beta=beta)
        assert res.best == max(exact, key=total)
        assert res.scores[0] == pytest.approx(total(res.best), abs=1e-10)
        assert res.log_probs[0] == pytest.approx(exact[res.best], abs=1e-10)
    plain = ctc_prefix_beam_search(lp, beam_width=10_000)
    assert ctc_prefix_beam_search(lp, beam_width=10_000, lm_score=lm_score,
                                  alpha=3.0).best != plain.best      # the LM changed the answer
    with pytest.raises(ValueError, match=r"\(beam_width\): expected an int >= 1, got 0"):
        ctc_prefix_beam_search(lp, beam_width=0)
    with pytest.raises(ValueError, match=r"log distribution"):
        ctc_prefix_beam_search(np.exp(lp) * 2)
    with pytest.raises(ValueError, match=r"needs lm_score"):
        ctc_prefix_beam_search(lp, alpha=0.5)


def test_char_ngram_lm_is_a_distribution_and_counts():
    alphabet = list("ab ")
    lm = CharNGramLM(["ab ab ab", "ba"], alphabet, n=2, k=0.5)
    for h in ["", "a", "ab", "b "]:
        total = sum(np.exp(lm.log_prob(h, c)) for c in alphabet)
        assert total == pytest.approx(1.0)
    assert lm.log_prob("a", "b") > lm.log_prob("a", "a")
    # C(ab) = 3, C(a) = 3 (the a's followed by something): (3 + .5) / (3 + 1.5)
    assert np.exp(lm.log_prob("a", "b")) == pytest.approx(3.5 / 4.5)
    score = lm.scorer(["_", "a", "b", " "])
    assert score((1,), 2) == pytest.approx(lm.log_prob("a", "b"))


def test_char_lm_scorer_equals_the_language_models_next_token_probs():
    vocab = Vocabulary(list("abc"))
    model = LanguageModel(vocab, n_a=8, kind="gru", rng=0, dtype=np.float64)
    labels = ["_", "a", "b", "c"]
    score = char_lm_scorer(model, labels)
    for prefix in [(), (1,), (1, 3), (1, 3, 2)]:
        p = next_token_probs(model, "".join(labels[i] for i in prefix))
        for c in (1, 2, 3):
            assert score(prefix, c) == pytest.approx(np.log(p[vocab.stoi[labels[c]]]),
                                                     abs=1e-10)


@pytest.mark.parametrize(("target", "T"), [("ab", 4), ("aa", 4), ("abc", 6), ("a", 1),
                                           ("", 3), ("aab", 5), ("aa", 2)])
def test_alignment_count_and_list_match_brute_force(target, T):
    symbols = sorted(set(target) | {"_"})
    brute = ["".join(p) for p in itertools.product(symbols, repeat=T)
             if ctc_collapse("".join(p), "_") == target]
    assert ctc_count_alignments(target, T, "_") == len(brute)
    listed = ["".join(a) for a in ctc_alignments(target, T, "_", limit=10_000)]
    assert sorted(listed) == sorted(brute)
    assert len(ctc_alignments(target, T, "_", limit=3)) == min(3, len(brute))


def test_forced_alignment_is_the_most_probable_alignment_of_the_target():
    rng = np.random.default_rng(5)
    lp = _log_softmax(rng.normal(size=(3, 6)))
    for target in ([1, 2], [1, 1], [2]):
        fa = ctc_forced_alignment(lp, target)
        brute = [p for p in itertools.product(range(3), repeat=6)
                 if ctc_collapse(list(p), 0) == target]
        best = max(brute, key=lambda p: sum(lp[k, t] for t, k in enumerate(p)))
        assert list(fa.symbols) == list(best)
        assert fa.log_prob == pytest.approx(sum(lp[k, t] for t, k in enumerate(best)))
        assert ctc_collapse(list(fa.symbols), 0) == target
    with pytest.raises(ValueError, match=r"ctc_forced_alignment\(target\): expected a target "
                       r"that fits in T = 6 frames, got one needing 7"):
        ctc_forced_alignment(lp, [1, 1, 1, 1])       # no path: refused (the input contract)
