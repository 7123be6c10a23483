"""Notebook 12's exercises: neutralize and equalize (the course's W2A1 debiasing functions).

tests/test_exercises.py checks every registered exercise generically (the library passes, each
mistake gets its own message, the stub is "open"). Here: a learner's code written the course's
way, with one bug each, gets the registered diagnosis; the plain-NumPy versions behind the
mistakes equal the library with no bug switched on; a non-array answer never crashes the check.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, check_equalize, check_neutralize
from seqlab.exercises.debias import _equalize_bug, _neutralize_bug

NEUT, EQ = REGISTRY["neutralize"], REGISTRY["equalize"]


def learner_neutralize(word, g, word_to_vec_map, bug=""):
    """The course's cell: e_biascomponent = np.dot(e, g) / np.linalg.norm(g) ** 2 * g."""
    e = word_to_vec_map[word]
    if bug == "norm":
        e_biascomponent = np.dot(e, g) / np.linalg.norm(g) * g
    elif bug == "nodiv":
        e_biascomponent = np.dot(e, g) * g
    elif bug == "elementwise":
        e_biascomponent = (e * g) / np.linalg.norm(g) ** 2 * g
    else:
        e_biascomponent = np.dot(e, g) / np.linalg.norm(g) ** 2 * g
    if bug == "component":
        return e_biascomponent
    return e + e_biascomponent if bug == "plus" else e - e_biascomponent


@pytest.mark.parametrize(("bug", "mistake"), [
    ("norm", "norm not squared"), ("nodiv", "no division"), ("elementwise", "element-wise"),
    ("component", "returned bias component"), ("plus", "added"),
])
def test_learner_neutralize_variants_are_diagnosed(bug, mistake):
    def neutralize(word, g, word_to_vec_map):
        return learner_neutralize(word, g, word_to_vec_map, bug)

    result = check_neutralize(neutralize)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def learner_equalize(pair, bias_axis, word_to_vec_map, bug=""):
    """The course's cell, step by step, with np.linalg.norm(...) ** 2 denominators."""
    w1, w2 = pair
    e_w1, e_w2 = word_to_vec_map[w1], word_to_vec_map[w2]
    mu = (e_w1 + e_w2) / (1 if bug == "mu" else 2)
    nb2 = np.linalg.norm(bias_axis) ** 2
    mu_B = np.dot(mu, bias_axis) / nb2 * bias_axis
    mu_orth = mu - mu_B
    e_w1B = np.dot(e_w1, bias_axis) / nb2 * bias_axis
    e_w2B = np.dot(e_w2, bias_axis) / nb2 * bias_axis
    with np.errstate(invalid="ignore"):
        root = (np.sqrt(1 - np.linalg.norm(mu_orth) ** 2) if bug == "abs"
                else np.sqrt(np.abs(1 - np.linalg.norm(mu_orth) ** 2)))
    d1 = np.linalg.norm(e_w1B - mu_B) if bug == "denominator" else np.linalg.norm(
        (e_w1 - mu_orth) - mu_B)
    d2 = np.linalg.norm(e_w2B - mu_B) if bug == "denominator" else np.linalg.norm(
        (e_w2 - mu_orth) - mu_B)
    corrected_e_w1B = root * (e_w1B - mu_B) / d1
    corrected_e_w2B = root * (e_w2B - mu_B) / d2
    base = mu_B if bug == "base" else mu_orth
    e1, e2 = corrected_e_w1B + base, corrected_e_w2B + base
    return (e2, e1) if bug == "swap" else (e1, e2)


@pytest.mark.parametrize(("bug", "mistake"), [
    ("mu", "mu not halved"), ("abs", "no abs"), ("denominator", "wrong normaliser"),
    ("base", "mu_B for mu_orth"), ("swap", "swapped"),
])
def test_learner_equalize_variants_are_diagnosed(bug, mistake):
    def equalize(pair, bias_axis, word_to_vec_map):
        return learner_equalize(pair, bias_axis, word_to_vec_map, bug)

    result = check_equalize(equalize)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_correct_course_style_answers_pass():
    assert check_neutralize(lambda word, g, w2v: learner_neutralize(word, g, w2v)).passed
    assert check_equalize(lambda pair, b, w2v: learner_equalize(pair, b, w2v)).passed


@pytest.mark.parametrize("ex", [NEUT, EQ], ids=lambda e: e.name)
def test_plain_numpy_versions_equal_the_library_without_a_bug(ex):
    fn = _neutralize_bug if ex is NEUT else _equalize_bug
    rng = np.random.default_rng(3)
    for case in ex.cases:
        kwargs = case.make(rng)
        got, want = fn(*kwargs.values()), ex.reference(*kwargs.values())
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12, atol=1e-12)


def test_every_mistake_is_wrong_on_some_case_and_named_by_the_checker():
    for ex in (NEUT, EQ):
        for mistake in ex.mistakes:
            result = (check_neutralize if ex is NEUT else check_equalize)(mistake.fn)
            assert result.status == "failed" and result.mistake == mistake.name, (
                ex.name, mistake.name, repr(result))


@pytest.mark.parametrize("answer", [None, 3.0, "doctor", (1, 2, 3), np.zeros(3)])
def test_odd_answers_fail_with_a_message_never_a_traceback(answer):
    for check in (check_neutralize, check_equalize):
        result = check(lambda *args: answer)
        assert result.status == "failed" and result.message


def test_the_stub_is_open():
    def neutralize(word, g, word_to_vec_map):
        raise NotImplementedError()

    assert check_neutralize(neutralize).status == "open"
