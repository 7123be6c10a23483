"""Plots and widgets: the ONLY part of seqlab that imports plotly or ipywidgets (STYLE section 9).

- :mod:`seqlab.viz.plots`: NumPy arrays in, a ``plotly.graph_objects.Figure`` out (testable
  headless by reading ``fig.data``).
- :mod:`seqlab.viz.widgets`: ipywidgets controls composed with those plots and library calls;
  figures update in place (no rebuild per slider move); a static figure shows where no widget
  front end is running.
- :mod:`seqlab.viz.source`: the library's real source, highlighted.
"""

from seqlab.viz.plots import activation_curves, probability_bars
from seqlab.viz.source import Source, show_source
from seqlab.viz.widgets import FigureBox, softmax_temperature_explorer, widget_frontend_check

__all__ = ["FigureBox", "Source", "activation_curves", "probability_bars", "show_source",
           "softmax_temperature_explorer", "widget_frontend_check"]
