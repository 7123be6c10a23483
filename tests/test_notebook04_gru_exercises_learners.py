"""Learners' wrong answers to notebook 04's gru_cell_forward, written as learners write them
(np.vstack, np.dot, 1/(1+exp(-z)), their own names), each with the diagnosis the checker must
give: a known mistake's name, or words of the message. See tests/test_exercises.py; the
exercise's own tests are in tests/test_gru_exercises.py.
"""

from __future__ import annotations

import numpy as np

from tests.helpers.catalog import catalog_test, new_catalog

LEARNERS, learner = new_catalog()


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _gates(x_t, c_prev, p):
    stacked = np.vstack((c_prev, x_t))
    update = _sig(np.dot(p["W_u"], stacked) + p["b_u"])
    reset = _sig(np.dot(p["W_r"], stacked) + p["b_r"])
    return stacked, update, reset


@learner("gru_cell_forward", "update swapped")
def gru_keeps_with_the_update_gate(x_t, c_prev, parameters):
    _, update, reset = _gates(x_t, c_prev, parameters)
    cand = np.tanh(np.dot(parameters["W_c"], np.vstack((reset * c_prev, x_t))) + parameters["b_c"])
    return update * c_prev + (1 - update) * cand


@learner("gru_cell_forward", "no reset gate")
def gru_simplified(x_t, c_prev, parameters):
    stacked, update, _ = _gates(x_t, c_prev, parameters)
    cand = np.tanh(np.dot(parameters["W_c"], stacked) + parameters["b_c"])
    return update * cand + (1 - update) * c_prev


@learner("gru_cell_forward", "reset on candidate")
def gru_resets_the_candidate(x_t, c_prev, parameters):
    stacked, update, reset = _gates(x_t, c_prev, parameters)
    cand = reset * np.tanh(np.dot(parameters["W_c"], stacked) + parameters["b_c"])
    return update * cand + (1 - update) * c_prev


@learner("gru_cell_forward", "reset after product")
def gru_like_pytorch(x_t, c_prev, parameters):
    n_a = c_prev.shape[0]
    _, update, reset = _gates(x_t, c_prev, parameters)
    W_hc, W_xc = parameters["W_c"][:, :n_a], parameters["W_c"][:, n_a:]
    cand = np.tanh(W_xc @ x_t + parameters["b_c"] + reset * (W_hc @ c_prev))
    return update * cand + (1 - update) * c_prev


@learner("gru_cell_forward", "reset on the memory")
def gru_resets_the_old_memory(x_t, c_prev, parameters):
    stacked, update, reset = _gates(x_t, c_prev, parameters)
    cand = np.tanh(np.dot(parameters["W_c"], stacked) + parameters["b_c"])
    return update * cand + (1 - update) * (reset * c_prev)


@learner("gru_cell_forward", "concat order")
def gru_input_first(x_t, c_prev, parameters):
    p = parameters
    xc = np.concatenate((x_t, c_prev))
    update, reset = _sig(p["W_u"] @ xc + p["b_u"]), _sig(p["W_r"] @ xc + p["b_r"])
    cand = np.tanh(p["W_c"] @ np.concatenate((x_t, reset * c_prev)) + p["b_c"])
    return update * cand + (1 - update) * c_prev


@learner("gru_cell_forward", "gate tanh")
def gru_tanh_update_gate(x_t, c_prev, parameters):
    stacked, _, reset = _gates(x_t, c_prev, parameters)
    update = np.tanh(np.dot(parameters["W_u"], stacked) + parameters["b_u"])
    cand = np.tanh(np.dot(parameters["W_c"], np.vstack((reset * c_prev, x_t))) + parameters["b_c"])
    return update * cand + (1 - update) * c_prev


@learner("gru_cell_forward", "candidate sigmoid")
def gru_sigmoid_everywhere(x_t, c_prev, parameters):
    _, update, reset = _gates(x_t, c_prev, parameters)
    cand = _sig(np.dot(parameters["W_c"], np.vstack((reset * c_prev, x_t))) + parameters["b_c"])
    return update * cand + (1 - update) * c_prev


@learner("gru_cell_forward", "same weights")
def gru_copy_pasted_gate(x_t, c_prev, parameters):
    stacked = np.vstack((c_prev, x_t))
    gamma_u = _sig(np.dot(parameters["W_u"], stacked) + parameters["b_u"])
    gamma_r = _sig(np.dot(parameters["W_u"], stacked) + parameters["b_u"])   # not edited
    cand = np.tanh(np.dot(parameters["W_c"], np.vstack((gamma_r * c_prev, x_t)))
                   + parameters["b_c"])
    return gamma_u * cand + (1 - gamma_u) * c_prev


@learner("gru_cell_forward", "update reads reset")
def gru_one_stack_for_everything(x_t, c_prev, parameters):
    p = parameters
    reset = _sig(p["W_r"] @ np.vstack((c_prev, x_t)) + p["b_r"])
    stacked = np.vstack((reset * c_prev, x_t))                 # reused for the update gate
    update = _sig(p["W_u"] @ stacked + p["b_u"])
    cand = np.tanh(p["W_c"] @ stacked + p["b_c"])
    return update * cand + (1 - update) * c_prev


@learner("gru_cell_forward", "overflow")
def gru_sigmoid_as_exp_ratio(x_t, c_prev, parameters):
    p, stacked = parameters, np.vstack((c_prev, x_t))
    zu, zr = p["W_u"] @ stacked + p["b_u"], p["W_r"] @ stacked + p["b_r"]
    update, reset = np.exp(zu) / (1 + np.exp(zu)), np.exp(zr) / (1 + np.exp(zr))
    cand = np.tanh(p["W_c"] @ np.vstack((reset * c_prev, x_t)) + p["b_c"])
    return update * cand + (1 - update) * c_prev


@learner("gru_cell_forward", "related to b_r?")
def gru_without_the_reset_bias(x_t, c_prev, parameters):
    p, stacked = parameters, np.vstack((c_prev, x_t))
    update, reset = _sig(p["W_u"] @ stacked + p["b_u"]), _sig(p["W_r"] @ stacked)
    cand = np.tanh(p["W_c"] @ np.vstack((reset * c_prev, x_t)) + p["b_c"])
    return update * cand + (1 - update) * c_prev


@learner("gru_cell_forward", "never stopped")
def gru_waits_for_the_gate_to_settle(x_t, c_prev, parameters):
    stacked, update, reset = _gates(x_t, c_prev, parameters)
    cand = np.tanh(parameters["W_c"] @ np.vstack((reset * c_prev, x_t)) + parameters["b_c"])
    c_t = c_prev
    while not np.allclose(c_t, cand):               # "until the memory is updated": Γu < 1
        c_t = update * cand + (1 - update) * c_prev
    return c_t


test_a_learners_mistake_gets_its_diagnosis = catalog_test(LEARNERS)
