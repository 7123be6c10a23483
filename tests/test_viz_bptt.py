"""The BPTT stepper (seqlab.viz.bptt) and week 1's static RNN plots (seqlab.viz.rnn_plots).

bptt_trace: the per-step quantities are the true ones (torch autograd of the same model in
float64, the library's rnn_backward), the lecture's bound ‖∂J/∂a<t>‖ ≤ ρ^(T-t) ‖∂J/∂a<T>‖ holds
for an orthogonal-times-ρ W_aa, gradients vanish below ρ = 1 and explode above, clipping obeys
its threshold. bptt_stepper: the time slider (first control) restyles the same figure without
recomputing, ρ and clipping recompute once per setting and are cached, no NaN reaches the JSON.
"""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

import seqlab.viz.bptt as bptt_module
from seqlab.losses import cross_entropy
from seqlab.rnn import output_backward, output_forward, rnn_backward, rnn_forward
from seqlab.viz.bptt import BPTTTrace, bptt_problem, bptt_stepper, bptt_trace
from seqlab.viz.rnn_plots import hidden_state_heatmap, norm_curves
from seqlab.viz.widgets import FigureBox

SMALL = dict(n_x=3, n_a=5, n_y=3, m=2, T_x=7)


# ------------------------------------------------------------------------------ bptt_trace
@pytest.mark.parametrize("rho", [0.5, 1.0, 2.5])
def test_trace_matches_torch_autograd_step_by_step(torch, rho):
    params, Q, x, y = bptt_problem(3, **SMALL)
    tr = bptt_trace(rho, problem=(params, Q, x, y))
    t = {k: torch.tensor(v, requires_grad=True) for k, v in {**params, "W_aa": rho * Q}.items()}
    a_prev, states = torch.zeros((SMALL["n_a"], SMALL["m"]), dtype=torch.float64), []
    for step in range(SMALL["T_x"]):
        a_prev = torch.tanh(t["W_aa"] @ a_prev + t["W_ax"] @ torch.tensor(x[:, :, step])
                            + t["b_a"])
        a_prev.retain_grad()
        states.append(a_prev)
    logits = t["W_ya"] @ a_prev + t["b_y"]                              # (n_y, m)
    loss = torch.nn.functional.cross_entropy(logits.T, torch.tensor(y))  # mean over m
    loss.backward()
    assert abs(tr.loss - loss.item()) < 1e-12
    da_torch = np.stack([s.grad.numpy() for s in states], axis=2)       # (n_a, m, T_x)
    np.testing.assert_allclose(tr.da, da_torch, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(tr.da_norm, np.linalg.norm(da_torch, axis=(0, 1)), rtol=1e-10)
    for k in params:
        np.testing.assert_allclose(tr.grads[k], t[k].grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(tr.grads["W_aa"], t["W_aa"].grad.numpy(), rtol=1e-10, atol=1e-14)


def test_steps_add_up_to_the_library_bptt_and_a0_zero_makes_step_one_contribute_nothing():
    problem = bptt_problem(1, **SMALL)
    params, Q, x, y = problem
    tr = bptt_trace(1.3, problem=problem)
    full = {**params, "W_aa": 1.3 * Q}
    a, _, cache = rnn_forward(x, np.zeros((SMALL["n_a"], SMALL["m"])), full)
    _, dlogits = cross_entropy(output_forward(a[:, :, -1], full)[0], y)
    da = np.zeros_like(a)
    da[:, :, -1], _ = output_backward(dlogits, a[:, :, -1], full)
    _, _, grads = rnn_backward(da, cache)
    np.testing.assert_allclose(tr.dW_step.sum(axis=0), grads["W_aa"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(tr.dW_sum[0], grads["W_aa"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(tr.dW_sum[-1], tr.dW_step[-1], rtol=1e-12)
    assert np.all(tr.dW_step[0] == 0) and tr.dW_step_norm[0] == 0   # dz<1> a<0>ᵀ, a<0> = 0
    assert np.all(np.diff(tr.grad_norm) != 0)


@pytest.mark.parametrize("rho", [0.3, 0.5, 0.9, 1.0])
def test_lecture_bound_holds_for_rho_times_orthogonal(rho):
    tr = bptt_trace(rho)
    T = tr.T_x
    bound = rho ** (T - np.arange(1, T + 1)) * tr.da_norm[-1]          # ρ^(T-t) ‖da<T>‖
    assert np.all(tr.da_norm <= bound * (1 + 1e-12))


def test_gradients_vanish_below_one_and_explode_above():
    ratios = [bptt_trace(rho).ratio for rho in (0.5, 1.0, 1.5, 2.0, 3.0)]
    assert ratios[0] < 1e-8                                  # ≈ 0.5^29 = 1.9e-9
    assert 1e-2 < ratios[1] < 1                              # tanh' < 1 only
    assert ratios[2] > 10 and ratios[4] > 1e3                # exploding
    assert ratios == sorted(ratios)


def test_clipping_by_norm_keeps_the_direction_and_by_value_bounds_every_entry():
    off, by_norm, by_value = (bptt_trace(3.0, clip, 0.5) for clip in ("off", "norm", "value"))
    np.testing.assert_array_equal(off.grad_norm, by_norm.grad_norm)
    big = off.grad_norm > 0.5
    assert big[0] and np.all(by_norm.clipped_norm[big] <= 0.5 * (1 + 1e-9))
    np.testing.assert_allclose(by_norm.clipped_norm[~big], off.grad_norm[~big])
    scale = np.linalg.norm(by_norm.dW_sum[0]) / np.linalg.norm(off.dW_sum[0])
    np.testing.assert_allclose(by_norm.dW_sum[0], scale * off.dW_sum[0], rtol=1e-10)
    assert all(np.abs(g).max() <= 0.5 for g in by_value.grads.values())
    assert np.abs(by_value.dW_sum).max() == 0.5
    np.testing.assert_array_equal(off.clipped_norm, off.grad_norm)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(rho=0.0), r"bptt_trace\(rho\): expected a spectral radius > 0, got 0.0"),
    (dict(rho=float("nan")), r"bptt_trace\(rho\)"),
    (dict(clip="max"), r"bptt_trace\(clip\): expected one of \('off', 'norm', 'value'\)"),
    (dict(threshold=-1.0), r"bptt_trace\(threshold\): expected a number > 0, got -1.0"),
    (dict(T_x=0), r"bptt_problem\(T_x\): expected an int >= 1, got 0"),
    (dict(n_y=1), r"bptt_problem\(n_y\): expected an int >= 2, got 1"),
])
def test_bad_arguments_name_themselves(kwargs, match):
    with pytest.raises(ValueError, match=match):
        bptt_trace(**kwargs)


# ---------------------------------------------------------------------------- bptt_stepper
def test_time_slider_is_first_starts_at_T_and_restyles_without_recomputing(monkeypatch):
    calls = []
    real = bptt_module.bptt_trace
    monkeypatch.setattr(bptt_module, "bptt_trace", lambda *a, **k: calls.append(a) or real(*a, **k))
    box = bptt_stepper(rho=1.5, T_x=12)
    assert isinstance(box, FigureBox) and len(calls) == 1
    t_slider = box.controls[0]
    assert (t_slider.min, t_slider.max, t_slider.value) == (1, 12, 12)
    fig = box.figure
    before = [np.array(fig.data[i].y if i < 4 else fig.data[i].z) for i in (1, 3, 5)]
    t_slider.value = 7                                        # a keyboard move in the browser
    assert box.figure is fig and len(calls) == 1              # restyled, not recomputed
    tr = next(iter(box.traces.values()))
    assert list(fig.data[1].x) == list(range(7, 13))
    np.testing.assert_allclose(fig.data[1].y, tr.da_norm[6:])
    np.testing.assert_allclose(fig.data[3].y, [tr.da_norm[6]])
    np.testing.assert_allclose(fig.data[4].z, tr.da[:, 0, 6:])
    np.testing.assert_allclose(fig.data[5].z, tr.dW_step[6])
    np.testing.assert_allclose(fig.data[6].z, tr.dW_sum[6])
    assert not np.allclose(before[2], fig.data[5].z)
    assert "step t = 7 of 12" in fig.layout.title.text


def test_radius_and_clipping_recompute_once_per_setting_and_are_cached(monkeypatch):
    calls = []
    real = bptt_module.bptt_trace
    monkeypatch.setattr(bptt_module, "bptt_trace", lambda *a, **k: calls.append(a[:3])
                        or real(*a, **k))
    box = bptt_stepper(rho=1.0, T_x=10)
    box.controls[0].value = 4
    box.controls[1].value = 2.0
    assert calls[-1] == (2.0, "off", 1.0) and len(calls) == 2
    assert "ρ = 2.00, step t = 4" in box.figure.layout.title.text    # t is kept
    np.testing.assert_allclose(box.figure.data[0].y, box.traces[(2.0, "off", 1.0)].da_norm)
    box.controls[2].value = "norm"
    assert "clipped by norm" in box.figure.layout.title.text and len(calls) == 3
    box.controls[1].value = 1.0
    box.controls[2].value = "off"
    box.controls[1].value = 2.0
    assert len(calls) == 4                                    # (1.0, norm) new; others cached
    top = float(np.abs(box.traces[(2.0, "off", 1.0)].dW_step[3:]).max())   # steps 10..4
    assert box.figure.data[5].zmax == pytest.approx(top)      # the largest walked so far


def test_colour_ranges_fit_the_steps_walked_symmetric_and_widen_only_when_values_grow():
    """Each heatmap's range is ± the largest |value| over steps T_x..t: at t = T_x it fits the
    first column (the old per-setting range, ±1.23 at ρ = 1.5, left it blank at ≤ 0.15), walking
    back it never shrinks, so a vanishing step fades while an exploding one widens the range."""
    box = bptt_stepper(rho=1.5)
    tr = box.traces[(1.5, "off", 1.0)]
    fig, T = box.figure, tr.T_x
    assert np.abs(tr.da[:, 0, :]).max() > 5 * np.abs(tr.da[:, 0, -1]).max()  # the reported case
    for rho in (1.5, 0.5, 3.0):
        box.update(rho=rho)
        tr = box.traces[(rho, "off", 1.0)]
        previous = np.zeros(3)
        for t in range(T, 0, -1):
            box.update(t=t)
            shown = (fig.data[4].z, fig.data[5].z, fig.data[6].z)
            ranges = np.array([fig.data[k].zmax for k in (4, 5, 6)])
            assert all(fig.data[k].zmin == -fig.data[k].zmax for k in (4, 5, 6))
            walked = (tr.da[:, 0, t - 1:], tr.dW_step[t - 1:], tr.dW_sum[t - 1:])
            expected = [np.abs(w).max() or 1.0 for w in walked]
            np.testing.assert_allclose(ranges, expected, rtol=1e-12)
            assert all(np.abs(z).max() <= r for z, r in zip(shown, ranges, strict=True))
            assert np.all(ranges >= previous)
            previous = ranges
    box.update(rho=1.5, t=T)
    assert np.abs(fig.data[4].z).max() == fig.data[4].zmax  # the first frame fills its scale


def test_log_axis_ticks_are_powers_of_ten_covering_the_data_and_zero_is_not_drawn():
    box = bptt_stepper(rho=0.5)
    fig = box.figure
    for rho in (0.5, 1.0, 3.0):
        box.update(rho=rho, t=1)
        axis = fig.layout.yaxis
        assert axis.type == "log" and axis.exponentformat == "power" and axis.dtick >= 1
        assert float(axis.dtick).is_integer()                  # 10^k only: no "2, 5" minors
        low, high = axis.range
        ys = np.concatenate([fig.data[0].y, fig.data[2].y])
        assert 10 ** low <= ys.min() and ys.max() <= 10 ** high and high - low >= 1
        assert 1 not in list(fig.data[2].x) and np.all(np.asarray(fig.data[2].y) > 0)


def test_colour_bars_sit_between_their_heatmap_and_the_next_panel_and_the_legend_under_its_plot():
    fig = bptt_stepper(rho=1.0, T_x=6).figure
    for k, axis in ((4, "xaxis2"), (5, "xaxis3"), (6, "xaxis4")):
        own_end = fig.layout[axis].domain[1]
        assert own_end < fig.data[k].colorbar.x < own_end + 0.05
        assert fig.data[k].colorbar.xanchor == "left"
    assert fig.layout.xaxis3.domain[1] + 0.15 < fig.layout.xaxis4.domain[0]   # room for it
    legend, top_left = fig.layout.legend, (fig.layout.xaxis.domain, fig.layout.yaxis.domain)
    assert legend.x == top_left[0][0] and legend.yanchor == "top"
    assert top_left[1][0] - 0.1 < legend.y < top_left[1][0]   # just under the top-left plot
    assert fig.layout.yaxis3.domain[1] < legend.y - 0.1        # above the next row


def test_update_rejects_unknown_controls_and_the_static_snapshot_is_json_without_nan():
    box = bptt_stepper(rho=0.5, T_x=6)
    with pytest.raises(ValueError, match="unknown controls \\['rho_'\\]"):
        box.update(rho_=1.0)
    box.update(t=2)
    bundle = box._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    text = json.dumps(data["application/vnd.plotly.v1+json"], allow_nan=False)
    assert "static snapshot" in data["text/plain"] and len(text) > 100


def test_trace_properties():
    tr = bptt_trace(0.8, problem=bptt_problem(0, **SMALL))
    assert isinstance(tr, BPTTTrace) and tr.T_x == SMALL["T_x"]
    assert tr.ratio == pytest.approx(tr.da_norm[0] / tr.da_norm[-1])
    assert tr.a.shape == tr.da.shape == (SMALL["n_a"], SMALL["m"], SMALL["T_x"])


# -------------------------------------------------------------------------------- rnn_plots
def test_hidden_state_heatmap_shows_one_example_with_word_labels():
    a = np.tanh(np.random.default_rng(0).normal(size=(4, 3, 5)))
    fig = hidden_state_heatmap(a, labels=list("abcde"), example=2, title="t")
    assert isinstance(fig, go.Figure)
    np.testing.assert_allclose(fig.data[0].z, a[:, 2, :])
    assert list(fig.data[0].x) == ["1: a", "2: b", "3: c", "4: d", "5: e"]
    assert (fig.data[0].zmin, fig.data[0].zmax) == (-1, 1)
    with pytest.raises(ValueError, match=r"hidden_state_heatmap\(labels\): expected 5"):
        hidden_state_heatmap(a, labels=["x"])
    with pytest.raises(ValueError, match=r"hidden_state_heatmap\(example\)"):
        hidden_state_heatmap(a, example=3)
    with pytest.raises(ValueError, match=r"hidden_state_heatmap\(a\): expected shape"):
        hidden_state_heatmap(a[:, 0, :])


def test_norm_curves_one_trace_per_curve_on_a_log_axis():
    fig = norm_curves({"p": np.array([1.0, 0.1, 0.01]), "q": np.ones(3)}, dashed=["q"])
    assert [tr.name for tr in fig.data] == ["p", "q"] and fig.layout.yaxis.type == "log"
    assert list(fig.data[0].x) == [1, 2, 3] and fig.data[1].line.dash == "dash"
    assert norm_curves({"p": np.ones(2)}, log=False).layout.yaxis.type == "linear"
