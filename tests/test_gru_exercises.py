"""Notebook 04's exercise gru_cell_forward (the full GRU cell as the lecture writes it).

tests/test_exercises.py checks for every registered exercise that the library passes, that each
registered mistake gets its own message and that the stub is "open"; the learners' catalog is
tests/test_notebook04_gru_exercises_learners.py. Here: the plain-NumPy cell behind the mistakes
equals the library with no bug switched on (so each mistake is one bug); the mistakes differ
from each other on the cases (each can be told apart); the isolating cases do isolate; a
learner's right answer passes under the course's names.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, check_gru_cell_forward
from seqlab.exercises.gru import _forward
from seqlab.rnn import gru_cell_forward as library_cell

EX = REGISTRY["gru_cell_forward"]


@pytest.mark.parametrize("case", range(len(EX.cases)))
def test_the_plain_cell_without_a_bug_is_the_library(case):
    kw = EX.cases[case].make(np.random.default_rng(case))
    np.testing.assert_allclose(_forward(**kw), EX.reference(**kw), rtol=1e-12, atol=1e-14)


def test_the_reference_is_the_lectures_full_gru_not_cudnns():
    kw = EX.cases[4].make(np.random.default_rng(0))
    cudnn = {**kw["params"], "b_cc": np.zeros_like(kw["params"]["b_c"])}
    c_cudnn, _, _ = library_cell(kw["x_t"], kw["c_prev"], cudnn, variant="cudnn")
    assert not np.allclose(EX.reference(**kw), c_cudnn)
    np.testing.assert_allclose(_forward(**kw, bug="reset after product"), c_cudnn, rtol=1e-12)


def test_no_two_mistakes_agree_on_every_case():
    r = np.random.default_rng(0)
    inputs = [case.make(r) for case in EX.cases]
    fns = {m.name: fn for m in EX.mistakes for fn in (m.fn, *m.variants)}
    with np.errstate(all="ignore"):
        outs = {name: [fn(**kw) for kw in inputs] for name, fn in fns.items()}
    for a, b in itertools.combinations(outs, 2):
        assert not all(np.allclose(x, y, equal_nan=True) for x, y in zip(outs[a], outs[b],
                                                                        strict=True)), (a, b)


@pytest.mark.parametrize("bias", ["b_u", "b_r", "b_c"])
def test_dropping_one_bias_fails_only_where_that_bias_is_non_zero(bias):
    def gru_cell_forward(x_t, c_prev, params):
        return _forward(x_t, c_prev, {**params, bias: np.zeros_like(params[bias])})

    result = check_gru_cell_forward(gru_cell_forward)
    assert result.status == "failed" and f"related to {bias}?" in result.message, repr(result)


def test_a_right_answer_with_the_courses_names_passes():
    def gru_cell_forward(xt, c_prev, parameters):
        concat = np.vstack((c_prev, xt))
        gu = 1 / (1 + np.exp(-(np.dot(parameters["W_u"], concat) + parameters["b_u"])))
        gr = 1 / (1 + np.exp(-(np.dot(parameters["W_r"], concat) + parameters["b_r"])))
        cct = np.tanh(np.dot(parameters["W_c"], np.vstack((gr * c_prev, xt))) + parameters["b_c"])
        return gu * cct + (1 - gu) * c_prev

    with np.errstate(over="ignore"):
        assert check_gru_cell_forward(gru_cell_forward).passed


def test_the_stub_is_open_and_a_tuple_is_explained():
    def gru_cell_forward(x_t, c_prev, params):
        raise NotImplementedError()

    assert check_gru_cell_forward(gru_cell_forward).status == "open"
    result = check_gru_cell_forward(lambda x_t, c_prev, params: library_cell(x_t, c_prev, params))
    assert result.status == "failed" and "tuple" in result.message, repr(result)
