"""The BPTT stepper: walk an RNN's backward pass right to left; gradients vanish or explode.

:func:`bptt_trace` (no widgets, testable headless) runs a many-to-one tanh RNN forward, puts
the loss on ŷ<T_x>, and walks BPTT with the library's ``rnn_cell_backward`` from t = T_x down
to 1, recording at every step the total ∂J/∂a<t>, the step's contribution dz<t> a<t-1>ᵀ to
dW_aa, and the gradient accumulated so far (clipped, if asked, with ``seqlab.optim``).
:func:`bptt_stepper` shows it: a time slider (moves only restyle the figure: every setting's
walk is computed once and cached), a slider for the spectral radius ρ of W_aa, and clipping.

W_aa = ρ Q with Q orthogonal, so every eigenvalue of W_aa has modulus ρ (spectral radius ρ)
and every singular value is ρ: one step back multiplies ‖da‖ by at most ρ · max tanh'.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import check_int
from seqlab.arrays import host_rng
from seqlab.losses import cross_entropy
from seqlab.optim import clip_by_norm, clip_by_value
from seqlab.rnn import (
    init_rnn_params,
    output_backward,
    output_forward,
    rnn_cell_backward,
    rnn_forward,
)
from seqlab.viz.widgets import FigureBox

CLIP_MODES = ("off", "norm", "value")


@dataclass(frozen=True)
class BPTTTrace:
    """One backward pass, step by step (index i holds time step t = i + 1).

    Attributes
    ----------
    rho, clip, threshold : the setting (clip in "off", "norm", "value")
    loss : float, J = cross-entropy of ŷ<T_x>
    a : (n_a, m, T_x), the forward pass's hidden states (tanh' = 1 - a²)
    da : (n_a, m, T_x), the total ∂J/∂a<t> (its own loss plus what flows back from t+1)
    da_norm : (T_x,), ‖∂J/∂a<t>‖ (Frobenius, over units and examples)
    dW_step : (T_x, n_a, n_a), step t's contribution dz<t> a<t-1>ᵀ to dW_aa
    dW_step_norm : (T_x,), its norm
    dW_sum : (T_x, n_a, n_a), Σ_{t' ≥ t} dz<t'> a<t'-1>ᵀ: dW_aa after walking back to t,
        clipped together with the other gradients when ``clip`` is not "off"
    grad_norm, clipped_norm : (T_x,), the global norm of all gradients accumulated back to t,
        before and after clipping
    grads : dict, the final gradients (all params: W_aa, W_ax, b_a, W_ya, b_y), clipped
    """

    rho: float
    clip: str
    threshold: float
    loss: float
    a: np.ndarray
    da: np.ndarray
    da_norm: np.ndarray
    dW_step: np.ndarray  # noqa: N815 (the lecture's name)
    dW_step_norm: np.ndarray  # noqa: N815 (the lecture's name)
    dW_sum: np.ndarray  # noqa: N815 (the lecture's name)
    grad_norm: np.ndarray
    clipped_norm: np.ndarray
    grads: dict = field(repr=False)

    @property
    def T_x(self) -> int:
        return self.da_norm.size

    @property
    def ratio(self) -> float:
        """‖∂J/∂a<1>‖ / ‖∂J/∂a<T_x>‖: ≪ 1 vanishing, ≫ 1 exploding."""
        return float(self.da_norm[0] / self.da_norm[-1])


def bptt_problem(seed: int = 0, n_x: int = 4, n_a: int = 16, n_y: int = 3, m: int = 4,
                 T_x: int = 30, x_scale: float = 0.1):
    """The fixed task the stepper walks: params (W_aa left out), Q, inputs x, labels y.

    Returns
    -------
    params : dict W_ax (n_a, n_x), b_a, W_ya (n_y, n_a), b_y from ``init_rnn_params``
    Q : (n_a, n_a) orthogonal; W_aa = ρ Q
    x : (n_x, m, T_x), N(0, x_scale²) inputs;  y : (m,) labels of ŷ<T_x>
    """
    n_x, n_a, n_y, m, T_x = (check_int(value, f"bptt_problem({name})", 2 if name == "n_y" else 1)
                             for name, value in (("n_x", n_x), ("n_a", n_a), ("n_y", n_y),
                                                 ("m", m), ("T_x", T_x)))
    rng = host_rng(seed)
    params = init_rnn_params(n_x, n_a, n_y, rng=rng)
    Q, _ = np.linalg.qr(rng.standard_normal((n_a, n_a)))   # (n_a, n_a) orthogonal
    x = rng.standard_normal((n_x, m, T_x)) * x_scale         # (n_x, m, T_x)
    y = rng.integers(0, n_y, size=m)                         # (m,)
    return params, Q, x, y


def _check_setting(rho, clip, threshold, fname: str) -> None:
    """ρ > 0 (finite), a clipping mode of CLIP_MODES, a threshold > 0."""
    if isinstance(rho, bool) or not isinstance(rho, int | float) or not 0 < rho < math.inf:
        raise ValueError(f"{fname}(rho): expected a spectral radius > 0, got {rho!r}")
    if clip not in CLIP_MODES:
        raise ValueError(f"{fname}(clip): expected one of {CLIP_MODES}, got {clip!r}")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold <= 0:
        raise ValueError(f"{fname}(threshold): expected a number > 0, got {threshold!r}")


def bptt_trace(rho: float = 1.0, clip: str = "off", threshold: float = 1.0,
               problem: tuple | None = None, **problem_kwargs) -> BPTTTrace:
    """Run the many-to-one RNN with W_aa = ρ Q and walk BPTT from t = T_x down to 1.

    Parameters
    ----------
    rho : float > 0, the spectral radius of W_aa
    clip : "off", "norm" (``clip_by_norm``: one factor for all gradients) or "value"
        (``clip_by_value``: every entry into [-threshold, threshold])
    threshold : float > 0, the clipping bound
    problem : the tuple from :func:`bptt_problem`; made from ``problem_kwargs`` if None

    Returns
    -------
    BPTTTrace
    """
    _check_setting(rho, clip, threshold, "bptt_trace")
    params, Q, x, y = problem if problem is not None else bptt_problem(**problem_kwargs)
    params = {**params, "W_aa": rho * Q}
    n_a, m, T_x = Q.shape[0], x.shape[1], x.shape[2]

    a, _, cache = rnn_forward(x, np.zeros((n_a, m)), params)
    logits, _ = output_forward(a[:, :, -1], params)           # (n_y, m) at t = T_x only
    loss, dlogits = cross_entropy(logits, y)
    da_out, out_grads = output_backward(dlogits, a[:, :, -1], params)

    da = np.zeros((n_a, m, T_x))
    dW_step, dW_sum = np.zeros((T_x, n_a, n_a)), np.zeros((T_x, n_a, n_a))
    grad_norm, clipped_norm = np.zeros(T_x), np.zeros(T_x)
    acc = {k: np.zeros_like(v) for k, v in params.items()}
    acc.update(out_grads)                                      # W_ya, b_y: known at t = T_x
    da_next = np.zeros((n_a, m))
    for t in reversed(range(T_x)):
        da[:, :, t] = da_next + (da_out if t == T_x - 1 else 0)   # total ∂J/∂a<t>
        _, da_next, step = rnn_cell_backward(da[:, :, t], cache.steps[t])
        dW_step[t] = step["W_aa"]                              # dz<t> a<t-1>ᵀ
        for k, g in step.items():
            acc[k] = acc[k] + g                                # Σ over the steps walked
        shown = _clipped({k: v.copy() for k, v in acc.items()}, clip, threshold)
        grad_norm[t] = math.sqrt(sum(float(np.sum(v * v)) for v in acc.values()))
        clipped_norm[t] = math.sqrt(sum(float(np.sum(v * v)) for v in shown.values()))
        dW_sum[t] = shown["W_aa"]
    return BPTTTrace(float(rho), clip, float(threshold), float(loss), a, da,
                     np.sqrt(np.sum(da * da, axis=(0, 1))), dW_step,
                     np.sqrt(np.sum(dW_step * dW_step, axis=(1, 2))), dW_sum, grad_norm,
                     clipped_norm, shown)


def _clipped(grads: dict, clip: str, threshold: float) -> dict:
    if clip == "norm":
        clip_by_norm(grads, threshold)
    elif clip == "value":
        clip_by_value(grads, threshold)
    return grads


# ------------------------------------------------------------------------------------ the widget
def bptt_stepper(rho: float = 1.0, clip: str = "off", threshold: float = 1.0,
                 t: int | None = None, seed: int = 0, **problem_kwargs) -> FigureBox:
    """The stepper: a time slider walks the backward pass, ρ and clipping change the setting.

    Parameters
    ----------
    rho, clip, threshold : the starting setting (see :func:`bptt_trace`)
    t : the starting step (default T_x, where the backward pass starts)
    seed, problem_kwargs : passed to :func:`bptt_problem` (n_a, T_x, ...)

    Returns
    -------
    FigureBox whose controls are [time slider, ρ slider, clipping buttons, threshold slider];
    ``box.update(t=..., rho=..., clip=..., threshold=...)`` redraws like a control move.
    """
    _check_setting(rho, clip, threshold, "bptt_stepper")
    problem = bptt_problem(seed, **problem_kwargs)
    T_x = problem[2].shape[2]
    if t is not None:
        t = check_int(t, "bptt_stepper(t) (a step)", 1, T_x)
    cache: dict[tuple, BPTTTrace] = {}
    state = {"rho": float(rho), "clip": clip, "threshold": float(threshold),
             "t": T_x if t is None else int(t)}

    def current() -> BPTTTrace:
        key = (round(state["rho"], 9), state["clip"], round(state["threshold"], 9))
        if key not in cache:
            cache[key] = bptt_trace(state["rho"], state["clip"], state["threshold"], problem)
        return cache[key]

    fig = go.FigureWidget(_empty_figure(T_x, problem[1].shape[0]))
    draw_setting, draw_step = _painters(fig, current, state)
    draw_setting()
    draw_step()

    t_slider = widgets.IntSlider(value=state["t"], min=1, max=T_x, step=1,
                                 description="backward step t", continuous_update=True,
                                 style={"description_width": "initial"},
                                 layout=widgets.Layout(width="520px"))
    rho_slider = widgets.FloatSlider(value=rho, min=0.3, max=3.0, step=0.05,
                                     description="spectral radius ρ of W_aa",
                                     continuous_update=False, readout_format=".2f",
                                     style={"description_width": "initial"},
                                     layout=widgets.Layout(width="520px"))
    clip_buttons = widgets.ToggleButtons(options=[("no clipping", "off"), ("clip by norm", "norm"),
                                                  ("clip by value", "value")],
                                         value=clip, description="gradient clipping",
                                         style={"description_width": "initial"})
    threshold_slider = widgets.FloatLogSlider(value=threshold, base=10, min=-2, max=2, step=0.25,
                                              description="threshold c", readout_format=".2g",
                                              continuous_update=False,
                                              style={"description_width": "initial"})

    def update(**values) -> None:
        unknown = set(values) - {"t", "rho", "clip", "threshold"}
        if unknown:
            raise ValueError(f"bptt_stepper.update: unknown controls {sorted(unknown)}; "
                             "expected t, rho, clip, threshold")
        setting_changed = any(k != "t" for k in values)
        state.update(values)
        if setting_changed:
            current()                                      # compute (or fetch) before drawing
            draw_setting()
        draw_step()

    t_slider.observe(lambda c: update(t=c["new"]), names="value")
    rho_slider.observe(lambda c: update(rho=c["new"]), names="value")
    clip_buttons.observe(lambda c: update(clip=c["new"]), names="value")
    threshold_slider.observe(lambda c: update(threshold=c["new"]), names="value")
    box = FigureBox([t_slider, rho_slider, clip_buttons, threshold_slider], fig, update)
    box.traces = cache                                     # tests and notebooks read the walks
    return box


def _empty_figure(T_x: int, n_a: int) -> go.Figure:
    # Short titles and wide gaps: at JupyterLab's ~700 px each panel is ~250 px wide, and a
    # colour bar needs ~60 px beside its own heatmap before the next panel's axis title.
    fig = make_subplots(rows=2, cols=2, horizontal_spacing=0.2, vertical_spacing=0.25,
                        subplot_titles=("‖∂J/∂a⟨t⟩‖ and ‖dW_aa⟨t⟩‖ (log)",
                                        "∂J/∂a⟨t⟩, example 1, steps walked",
                                        "step t's part of dW_aa: dz⟨t⟩ a⟨t-1⟩ᵀ",
                                        "dW_aa summed over steps T_x..t"))
    fig.update_annotations(font_size=13)                         # the subplot titles
    grey, blue, red = "#b0b0b0", "#1f77b4", "#d62728"
    fig.add_trace(go.Scatter(name="‖∂J/∂a⟨t⟩‖, every step", line=dict(color=grey, dash="dot"),
                             mode="lines"), 1, 1)
    fig.add_trace(go.Scatter(name="‖∂J/∂a⟨t⟩‖, steps walked", line=dict(color=blue),
                             mode="lines+markers", marker=dict(size=4)), 1, 1)
    fig.add_trace(go.Scatter(name="‖dW_aa⟨t⟩‖, step t's part", line=dict(color=red),
                             mode="lines+markers", marker=dict(size=4)), 1, 1)
    fig.add_trace(go.Scatter(name="step t", mode="markers", showlegend=False,
                             marker=dict(size=12, color=blue, line=dict(width=2, color="black"))),
                  1, 1)
    units = np.arange(1, n_a + 1)
    for row, col in ((1, 2), (2, 1), (2, 2)):
        x_end = fig.get_subplot(row, col).xaxis.domain[1]
        y0, y1 = fig.get_subplot(row, col).yaxis.domain
        bar = dict(x=x_end + 0.01, xanchor="left", y=(y0 + y1) / 2, len=y1 - y0, thickness=10,
                   exponentformat="power", nticks=5)             # beside its own heatmap
        fig.add_trace(go.Heatmap(x=units, y=units, colorscale="RdBu", reversescale=True, zmid=0,
                                 colorbar=bar), row, col)
    fig.update_yaxes(type="log", dtick=1, exponentformat="power", row=1, col=1)  # 10^k only
    fig.update_xaxes(range=[0.5, T_x + 0.5], title=dict(text="t", standoff=4), row=1, col=1)
    fig.update_xaxes(range=[0.5, T_x + 0.5], title_text="t", row=1, col=2)
    fig.update_yaxes(title_text="unit of a⟨t⟩", autorange="reversed", row=1, col=2)
    for col in (1, 2):
        fig.update_xaxes(title_text="unit j of a⟨t-1⟩", row=2, col=col)
        fig.update_yaxes(title_text="unit i of a⟨t⟩", autorange="reversed", row=2, col=col)
    top_left = fig.get_subplot(1, 1)
    fig.update_layout(template="plotly_white", height=760, margin=dict(l=60, r=60, t=100, b=40),
                      title=dict(font_size=13),
                      legend=dict(x=top_left.xaxis.domain[0], xanchor="left", yanchor="top",
                                  y=top_left.yaxis.domain[0] - 0.075, font_size=11,
                                  bgcolor="rgba(0,0,0,0)"))      # right under its plot
    return fig


def _painters(fig: go.FigureWidget, current: Callable[[], BPTTTrace], state: dict):
    """(draw_setting, draw_step): redraw what depends on (ρ, clipping), then on t only."""
    tops: dict[int, np.ndarray] = {}

    def draw_setting() -> None:
        tr = current()
        steps = np.arange(1, tr.T_x + 1)
        # Colour range of each heatmap at step t: ± the largest |value| over the steps walked
        # so far (T_x..t), a running maximum. A range fixed per setting (the largest over all
        # 30 steps) left the first frames blank when gradients explode (±1.23 against values
        # <= 0.15 at t = 30); a range fitted to step t alone would paint a vanishing gradient
        # as strong as the first. With the running maximum the first frame fills the scale,
        # a smaller later step fades (vanishing), a larger one widens the scale (exploding:
        # the colour bar's numbers grow), and the columns of ∂J/∂a share one scale.
        per_step = (np.max(np.abs(tr.da[:, 0, :]), axis=0),
                    np.max(np.abs(tr.dW_step), axis=(1, 2)), np.max(np.abs(tr.dW_sum), axis=(1, 2)))
        for k, top in enumerate(per_step, start=4):
            running = np.maximum.accumulate(top[::-1])[::-1]    # max over steps t..T_x
            tops[k] = np.where(running > 0, running, 1.0)       # an all-zero walk: ±1
        positive = np.concatenate([tr.da_norm, tr.dW_step_norm])
        positive = positive[positive > 0]
        low, high = math.floor(np.log10(positive.min())), math.ceil(np.log10(positive.max()))
        high = max(high, low + 1)                               # at least two powers of ten
        with fig.batch_update():
            fig.data[0].x, fig.data[0].y = steps, tr.da_norm
            fig.update_yaxes(range=[low - 0.1, high + 0.1], row=1, col=1,
                             dtick=max(1, math.ceil((high - low) / 5)))   # <= 6 labels

    def draw_step() -> None:
        tr, t = current(), state["t"]
        i = t - 1                                             # index of step t
        walked = np.arange(t, tr.T_x + 1)                     # the steps T_x..t done so far
        nonzero = tr.dW_step_norm[i:] > 0                     # 0 at t = 1 (a<0> = 0): no log
        clipping = {"off": "(not clipped)",
                    "norm": f"→ {tr.clipped_norm[i]:.2e} clipped by norm (c = {tr.threshold:.2g})",
                    "value": f"→ {tr.clipped_norm[i]:.2e} clipped by value (c = {tr.threshold:.2g})"
                    }[tr.clip]
        with fig.batch_update():
            fig.data[1].x, fig.data[1].y = walked, tr.da_norm[i:]
            fig.data[2].x, fig.data[2].y = walked[nonzero], tr.dW_step_norm[i:][nonzero]
            fig.data[3].x, fig.data[3].y = [t], [tr.da_norm[i]]
            fig.data[4].x, fig.data[4].z = walked, tr.da[:, 0, i:]   # (n_a, T_x - t + 1)
            fig.data[5].z = tr.dW_step[i]
            fig.data[6].z = tr.dW_sum[i]
            for k in (4, 5, 6):
                fig.data[k].zmin, fig.data[k].zmax = -tops[k][i], tops[k][i]
            fig.layout.title.text = (
                f"ρ = {tr.rho:.2f}, step t = {t} of {tr.T_x}: ‖∂J/∂a⟨{t}⟩‖ = "
                f"{tr.da_norm[i]:.2e} (‖∂J/∂a⟨1⟩‖ / ‖∂J/∂a⟨{tr.T_x}⟩‖ = {tr.ratio:.1e})<br>"
                f"norm of all gradients summed over steps {tr.T_x}..{t}: "
                f"{tr.grad_norm[i]:.2e} {clipping}")

    return draw_setting, draw_step
