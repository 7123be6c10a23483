"""Notebook 27's exercise: log_prob_upstream (eq. 2 of seqlab.lm.connectivity).

tests/test_exercises.py checks for every registered exercise that the library passes, that each
registered mistake gets its own message and that the stub is "open". Here: the plain-NumPy
function behind the mistakes equals the library with no bug switched on (so each mistake is one
bug); a learner's code written another way (a loop over columns, np.eye for the one-hot,
scipy-free log-sum-exp) passes or gets the same diagnosis as the registered mistake; what the
upstream gradient is for: fed to the network's backward pass it gives the connectivity rows.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, check_log_prob_upstream
from seqlab.exercises.memory import _upstream
from seqlab.lm.connectivity import input_gradients, log_prob_upstream
from seqlab.rnn import RecurrentNetwork

EX = REGISTRY["log_prob_upstream"]


def learner(logits, y, t, bug=""):
    """A learner's answer, one column at a time with np.eye for the one-hot."""
    n_y, m, T = logits.shape
    dz = np.zeros(logits.shape)
    for i in range(m):
        s = i if bug == "diag" else t[i]
        z = logits[:, i, s]
        if bug == "exp":
            p = np.exp(z) / np.exp(z).sum()
        else:
            p = np.exp(z - np.max(z)) / np.sum(np.exp(z - np.max(z)))
        g = np.eye(n_y)[y[i, s]] - p
        if bug == "sign":
            g = -g
        elif bug == "onehot":
            g = np.eye(n_y)[y[i, s]]
        elif bug == "prob":
            g = p[y[i, s]] * g
        if bug == "every step":
            for u in range(T):
                zu = logits[:, i, u]
                pu = np.exp(zu - zu.max()) / np.exp(zu - zu.max()).sum()
                dz[:, i, u] = np.eye(n_y)[y[i, u]] - pu
        else:
            dz[:, i, s] = g
    return dz


def test_the_plain_numpy_function_without_a_bug_is_the_library():
    r = np.random.default_rng(0)
    for case in EX.cases:
        kw = case.make(r)
        np.testing.assert_allclose(_upstream(**kw), log_prob_upstream(**kw), rtol=1e-12,
                                   atol=1e-15)


def test_a_loop_over_columns_passes():
    assert check_log_prob_upstream(learner).passed


@pytest.mark.parametrize(("bug", "mistake"), [
    ("sign", "loss gradient"), ("onehot", "no softmax term"), ("prob", "probability, not its log"),
    ("diag", "column i is output i"), ("every step", "all steps"), ("exp", "overflow"),
])
def test_learner_variants_are_diagnosed(bug, mistake):
    def log_prob_upstream(logits, y, t):
        return learner(logits, y, t, bug)

    with np.errstate(over="ignore", invalid="ignore"):
        result = check_log_prob_upstream(log_prob_upstream)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_a_forgotten_return_and_a_two_dimensional_answer_are_explained():
    assert "None" in check_log_prob_upstream(lambda logits, y, t: None).message
    result = check_log_prob_upstream(lambda logits, y, t: logits[:, :, 0])
    assert result.status == "failed" and "shape" in result.message


def test_the_upstream_fed_backward_gives_one_output_per_column():
    """What the exercise's function is for: fed to the network's backward pass, the batch of
    upstream gradients gives in column i exactly the gradient of output t_i alone."""
    r = np.random.default_rng(1)
    net = RecurrentNetwork(5, 4, 5, kind="gru", rng=0, dtype=np.float64)
    ids = r.integers(0, 5, size=(1, 7))
    x, y = np.repeat(ids[:, :-1], 3, axis=0), np.repeat(ids[:, 1:], 3, axis=0)
    t = np.array([5, 1, 3])
    dx = input_gradients(net, x, y, t).dx
    for i in range(3):
        alone = input_gradients(net, x[i:i + 1], y[i:i + 1], t[i:i + 1]).dx[:, 0]
        np.testing.assert_allclose(dx[:, i], alone, rtol=1e-12, atol=1e-15)
