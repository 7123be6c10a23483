"""seqlab.rnn.lstm_loop: the lecture's loop over the LSTM cells, against the fused sequence.

The loop pair (lstm_forward_loop / lstm_backward_loop) and the stacked-gate pair
(lstm_forward / lstm_backward) give the same a, ŷ, c, dx, da0, dc0 and every gradient in
float64, with and without peepholes, with zeros or a given c<0> and upstream ∂J/∂c<t>; the
loop backward matches finite differences; float32 stays float32; errors name the loop
functions.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.gradcheck import check_grads, numerical_gradient, relative_difference
from seqlab.rnn import (
    InitialStateGrad,
    lstm_backward,
    lstm_backward_loop,
    lstm_forward,
    lstm_forward_loop,
)
from tests.helpers.lstm_cases import PEEPHOLE, SIZES, TOL, max_abs, setup

AGREE = 1e-13   # loop vs fused, float64: measured at most 3.6e-15 on SIZES


@pytest.mark.parametrize("peephole", PEEPHOLE)
@pytest.mark.parametrize("sizes", SIZES)
def test_stacked_gate_sequence_equals_the_loop_over_cells(sizes, peephole):
    params, x, a0, da, _ = setup(*sizes, peephole, seed=4)
    a, y_hat, c, cache = lstm_forward(x, a0, params, peephole)
    a_ref, y_ref, c_ref, loop = lstm_forward_loop(x, a0, params, peephole)
    dx, (da0, dc0), grads = lstm_backward(da, cache)
    dx_ref, (da0_ref, dc0_ref), grads_ref = lstm_backward_loop(da, loop)
    for ours, ref in [(a, a_ref), (y_hat, y_ref), (c, c_ref), (dx, dx_ref), (da0, da0_ref),
                      (dc0, dc0_ref)]:
        assert max_abs(ours, ref) < AGREE
    assert list(grads) == list(grads_ref) == list(params)
    assert all(max_abs(grads[k], grads_ref[k]) < AGREE for k in params)


@pytest.mark.parametrize("peephole", PEEPHOLE)
@pytest.mark.parametrize("sizes", SIZES)
def test_given_c0_and_upstream_dc_equal_the_loop_over_cells(sizes, peephole):
    params, x, a0, da, dc = setup(*sizes, peephole, seed=14)
    c0 = np.random.default_rng(15).standard_normal(a0.shape)
    a, y_hat, c, cache = lstm_forward(x, a0, params, peephole, c0=c0)
    a_ref, y_ref, c_ref, loop = lstm_forward_loop(x, a0, params, peephole, c0=c0)
    dx, (da0, dc0), grads = lstm_backward(da, cache, dc)
    dx_ref, d0_ref, grads_ref = lstm_backward_loop(da, loop, dc)
    assert isinstance(d0_ref, InitialStateGrad)
    for ours, ref in [(a, a_ref), (y_hat, y_ref), (c, c_ref), (dx, dx_ref),
                      (da0, d0_ref.da0), (dc0, d0_ref.dc0)]:
        assert max_abs(ours, ref) < AGREE
    assert list(grads) == list(grads_ref) == list(params)
    assert all(max_abs(grads[k], grads_ref[k]) < AGREE for k in params)


@pytest.mark.parametrize("peephole", PEEPHOLE)
@pytest.mark.parametrize("sizes", SIZES)
def test_lstm_backward_loop_matches_finite_differences(sizes, peephole):
    """J = Σ da*a + Σ dc*c: x, both initial states and every parameter."""
    params, x, a0, da, dc = setup(*sizes, peephole, seed=33)
    c0 = np.random.default_rng(34).standard_normal(a0.shape)
    _, _, _, cache = lstm_forward_loop(x, a0, params, peephole, c0=c0)
    dx, (da0, dc0), grads = lstm_backward_loop(da, cache, dc)

    def loss(_=None):
        a, _, c, _ = lstm_forward_loop(x, a0, params, peephole, c0=c0)
        return float(np.sum(a * da) + np.sum(c * dc))

    for name, arr, ana in [("x", x, dx), ("a0", a0, da0), ("c0", c0, dc0)]:
        assert relative_difference(numerical_gradient(loss, arr), ana) < TOL, name
    result = check_grads(loss, params, grads)
    assert result.passed(TOL), result


@pytest.mark.parametrize("peephole", PEEPHOLE)
def test_float32_in_float32_out(peephole):
    params, x, a0, da, dc = setup(3, 4, 2, 2, 3, peephole, dtype=np.float32)
    a, y_hat, c, cache = lstm_forward_loop(x, a0, params, peephole, c0=dc[:, :, 0])
    dx, (da0, dc0), grads = lstm_backward_loop(da, cache, dc)
    arrays = [a, y_hat, c, dx, da0, dc0, *grads.values()]
    assert all(arr.dtype == np.float32 for arr in arrays)


def test_errors_name_the_loop_functions():
    params, x, a0, da, _ = setup(3, 5, None, 2, 4)
    with pytest.raises(ValueError, match=r"lstm_forward_loop\(x\): expected shape \(3, 2, 4\)"):
        lstm_forward_loop(x[:2], a0, params)
    with pytest.raises(KeyError, match=r"missing keys \['p_f', 'p_u', 'p_o'\]"):
        lstm_forward_loop(x, a0, params, peephole=True)
    _, _, _, cache = lstm_forward_loop(x, a0, params)
    with pytest.raises(ValueError, match=r"lstm_backward_loop\(da\): expected shape \(5, 2, 4\)"):
        lstm_backward_loop(da[:, :, 0], cache)
    with pytest.raises(ValueError, match=r"lstm_backward_loop\(dc\): expected shape \(5, 2, 4\)"):
        lstm_backward_loop(da, cache, dc=da[:, :, 0])
    with pytest.raises(TypeError, match="LSTMLoopCache"):
        lstm_backward_loop(da, lstm_forward(x, a0, params)[3])
