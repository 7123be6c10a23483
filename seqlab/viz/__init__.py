"""Plots and widgets: the ONLY part of seqlab that imports plotly or ipywidgets (STYLE section 9).

- :mod:`seqlab.viz.plots`: NumPy arrays in, a ``plotly.graph_objects.Figure`` out (testable
  headless by reading ``fig.data``).
- :mod:`seqlab.viz.widgets`: ipywidgets controls composed with those plots and library calls;
  figures update in place (no rebuild per slider move); a static figure shows where no widget
  front end is running.
- :mod:`seqlab.viz.source`: the library's real source, highlighted.
- week 1: :mod:`~seqlab.viz.bptt` (the BPTT stepper), :mod:`~seqlab.viz.rnn_plots`,
  :mod:`~seqlab.viz.lm` (live loss curve, sampling widget), :mod:`~seqlab.viz.gates` (the gate
  explorer), :mod:`~seqlab.viz.tasks` (long-range and tagging figures), :mod:`~seqlab.viz.music`
  (piano roll, audio).
"""

from seqlab.viz.bptt import BPTTTrace, bptt_problem, bptt_stepper, bptt_trace
from seqlab.viz.gates import gate_explorer, gate_figure, gate_trace, load_gate_model
from seqlab.viz.lm import live_loss_curve, sampling_explorer, token_logprob_bars
from seqlab.viz.music import audio, compare_histograms, loss_curves, piano_roll
from seqlab.viz.plots import activation_curves, probability_bars
from seqlab.viz.rnn_plots import hidden_state_heatmap, norm_curves
from seqlab.viz.source import Source, show_source
from seqlab.viz.tasks import (
    accuracy_vs_gap_figure,
    layer_states_figure,
    load_long_range_results,
    name_probability_figure,
    tagging_comparison_figure,
    tagging_explorer,
)
from seqlab.viz.widgets import FigureBox, softmax_temperature_explorer, widget_frontend_check

__all__ = ["BPTTTrace", "FigureBox", "Source", "accuracy_vs_gap_figure", "activation_curves",
           "audio", "bptt_problem", "bptt_stepper", "bptt_trace", "compare_histograms",
           "gate_explorer", "gate_figure", "gate_trace", "hidden_state_heatmap",
           "layer_states_figure", "live_loss_curve", "load_gate_model",
           "load_long_range_results", "loss_curves", "name_probability_figure", "norm_curves",
           "piano_roll", "probability_bars", "sampling_explorer", "show_source",
           "softmax_temperature_explorer", "tagging_comparison_figure", "tagging_explorer",
           "token_logprob_bars", "widget_frontend_check"]
