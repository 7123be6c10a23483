"""Notebook 20's exercises: ctc_collapse and ctc_alpha_step.

tests/test_exercises.py already checks, for every registered exercise, that the library passes,
that each registered mistake gets its own message and that the stub is "open". Here: learner
code written differently from the registered mistakes gets the same diagnosis; the plain-NumPy
step behind the mistakes equals the library when no bug is on; the library's one-utterance step
reproduces the batched lattice of ctc_loss; every case's α is finite (so differences are clean).
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, check_ctc_alpha_step, check_ctc_collapse
from seqlab.exercises.ctc import _alpha
from seqlab.speech import ctc_alpha_step, ctc_lattice

COLLAPSE, ALPHA = REGISTRY["ctc_collapse"], REGISTRY["ctc_alpha_step"]


def learner_collapse(path, blank, bug=""):
    """A learner's loop, the way many write it."""
    out = []
    prev = None
    for ch in path:
        if bug == "no_merge":
            if ch != blank:
                out.append(ch)
            continue
        if bug == "blank_first" and ch == blank:
            continue
        if ch != prev and (ch != blank or bug == "keep_blank"):
            out.append(ch)
        prev = ch
    if bug == "set":
        return sorted(set(out), key=out.index)
    return out


@pytest.mark.parametrize(("bug", "mistake"), [("no_merge", "no merge"),
                                              ("blank_first", "blanks first"),
                                              ("keep_blank", "blanks kept"),
                                              ("set", "unique")])
def test_learner_collapse_variants_are_diagnosed(bug, mistake):
    def ctc_collapse(path, blank):
        return learner_collapse(path, blank, bug)

    result = check_ctc_collapse(ctc_collapse)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_correct_learner_collapse_passes_also_returning_an_array():
    assert check_ctc_collapse(lambda path, blank: learner_collapse(path, blank)).passed
    assert check_ctc_collapse(lambda path, blank: np.array(learner_collapse(path, blank),
                                                           dtype=int)).passed


def learner_alpha(log_alpha_prev, log_y_t, ext, blank, bug=""):
    """A learner's loop over s with np.logaddexp."""
    L = len(ext)
    out = np.empty(L)
    for s in range(L):
        terms = [log_alpha_prev[s]] if bug != "stay" else []
        if s >= 1:
            terms.append(log_alpha_prev[s - 1])
        skip_ok = s >= 2 and ext[s] != blank and (ext[s] != ext[s - 2] or bug == "equal")
        if skip_ok and bug != "noskip":
            terms.append(log_alpha_prev[s - 2])
        acc = -np.inf
        for x in terms:
            acc = max(acc, x) if bug == "viterbi" else np.logaddexp(acc, x)
        out[s] = acc + log_y_t[ext[s]]
    return out


@pytest.mark.parametrize(("bug", "mistake"), [("noskip", "no skip"), ("equal", "skip equal"),
                                              ("stay", "no stay"), ("viterbi", "max")])
def test_learner_alpha_variants_are_diagnosed(bug, mistake):
    def ctc_alpha_step(log_alpha_prev, log_y_t, ext, blank):
        return learner_alpha(log_alpha_prev, log_y_t, ext, blank, bug)

    result = check_ctc_alpha_step(ctc_alpha_step)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_correct_learner_alpha_passes():
    assert check_ctc_alpha_step(learner_alpha).passed


def test_plain_alpha_without_bug_equals_library_and_cases_are_finite():
    rng = np.random.default_rng(0)
    for case in ALPHA.cases:
        kw = case.make(rng)
        assert np.all(np.isfinite(kw["log_alpha_prev"])), case.name
        np.testing.assert_allclose(_alpha(**kw), ctc_alpha_step(**kw), atol=1e-12)


def test_library_step_reproduces_the_batched_lattice():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(5, 2, 9))
    lat = ctc_lattice(z, [[1, 1, 3], [2, 4]], blank=0)
    for b, L in ((0, 7), (1, 5)):
        ext = lat.ext[b, :L]
        for t in range(1, 9):
            step = ctc_alpha_step(lat.log_alpha[b, :L, t - 1], lat.log_probs[:, b, t], ext, 0)
            np.testing.assert_allclose(step, lat.log_alpha[b, :L, t], atol=1e-10)


def test_alpha_cases_include_a_repeat_and_a_non_zero_blank():
    rng = np.random.default_rng(0)
    kws = [c.make(rng) for c in ALPHA.cases]
    assert any(kw["blank"] != 0 for kw in kws)
    assert any(np.any((kw["ext"][2:] == kw["ext"][:-2]) & (kw["ext"][2:] != kw["blank"]))
               for kw in kws)
    assert len(ALPHA.mistakes) >= 5 and len(COLLAPSE.mistakes) >= 5
    assert len(ALPHA.hints) == 3 and len(COLLAPSE.hints) == 3
