"""Plot functions: NumPy arrays in, a plotly ``Figure`` out. No model math here.

Every function converts its inputs with :func:`seqlab.backend.to_numpy`, so CuPy arrays can be
passed too, and returns a ``go.Figure`` whose ``data`` a test can read.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale, unlabel_rgb

from seqlab._validate import as_array, check_dict, check_sequence
from seqlab.backend import to_numpy

TEMPLATE = "plotly_white"
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")


def visible(label: str) -> str:
    """A token or character as a figure can show it: a space as "␣", a newline as "↵", a tab as
    "⇥", an empty string as "∅" (in a label, a blank is indistinguishable from no label)."""
    return {" ": "␣", "\n": "↵", "\t": "⇥", "": "∅"}.get(label, label)


def styled(fig: go.Figure, title: str = "", height: int = 340, **layout) -> go.Figure:
    """Apply the house layout (template, margins, height, title) and return ``fig``."""
    fig.update_layout(template=TEMPLATE, height=height, title=title or None,
                      margin=dict(l=50, r=20, t=70 if title else 20, b=40),
                      title_y=0.95 if title else None, **layout)
    return fig


def activation_curves(z, curves: Mapping[str, object], title: str = "",
                      dashed: Sequence[str] = ()) -> go.Figure:
    """Line plot of several functions of the same ``z`` (1-D), e.g. σ(z) and σ'(z).

    Parameters
    ----------
    z : array (n,)
    curves : mapping name -> array (n,), in legend order
    dashed : names drawn dashed (derivatives, say)
    """
    z = np.asarray(to_numpy(as_array(z, "activation_curves(z)", "real", symbols="(n,)"))).ravel()
    check_dict(curves, "activation_curves(curves)", "a dict of name -> array (n,)")
    fig = go.Figure()
    for i, (name, y) in enumerate(curves.items()):
        y = np.asarray(to_numpy(y)).ravel()
        if y.shape != z.shape:
            raise ValueError(f"activation_curves(curves[{name!r}]): expected shape {z.shape}, "
                             f"got {y.shape}")
        fig.add_trace(go.Scatter(x=z, y=y, name=name, mode="lines",
                                 line=dict(color=COLOURS[i % len(COLOURS)],
                                           dash="dash" if name in dashed else "solid")))
    return styled(fig, title, xaxis_title="z", yaxis_title="value")


def probability_bars(labels: Sequence[str], probs, title: str = "",
                     y_title: str = "probability") -> go.Figure:
    """Bar chart of one probability distribution over ``labels``.

    Parameters
    ----------
    labels : n class names
    probs : array (n,) or (n, 1), non-negative
    """
    labels = check_sequence(labels, "probability_bars(labels)", "a list of labels")
    p = np.asarray(to_numpy(as_array(probs, "probability_bars(probs)", symbols="(n,)")),
                   dtype=float).ravel()
    if p.shape[0] != len(labels):
        raise ValueError(f"probability_bars(probs): expected {len(labels)} values (one per "
                         f"label), got shape {np.shape(to_numpy(probs))}")
    fig = go.Figure(go.Bar(x=list(labels), y=p, marker_color=COLOURS[0],
                           text=[f"{v:.2f}" for v in p], textposition="outside"))
    return styled(fig, title, yaxis=dict(range=[0, 1.1], title=y_title))


def colour_image(z, colorscale: str, zmin: float, zmax: float) -> np.ndarray:
    """A 2-D array (H, W) through a plotly colour scale: (H, W, 3) uint8, zmin and below the
    scale's first colour, zmax and above its last (NaN as zmin)."""
    z = np.asarray(to_numpy(z), dtype=float)
    lut = np.array([unlabel_rgb(c) for c in sample_colorscale(colorscale,
                                                              np.linspace(0, 1, 256))])
    level = np.nan_to_num((z - zmin) / (zmax - zmin), nan=0.0).clip(0, 1)
    return lut[(level * 255).round().astype(int)].round().astype(np.uint8)


def png_data_uri(rgb) -> str:
    """(H, W, 3) uint8 as a PNG data URI, for ``go.Image(source=...)``: plotly.js shows it as one
    <image> element, and redraws it far faster than a ``go.Heatmap`` of the same size (three
    172 × 172 maps in Chromium: 15-20 ms against 40-50 ms when a marker moves; an Image of z
    took 230 ms). Written with zlib, so no imaging library is needed."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"png_data_uri(rgb): expected shape (H, W, 3), got {rgb.shape}")
    h, w, _ = rgb.shape
    rows = np.concatenate([np.zeros((h, 1), np.uint8), rgb.reshape(h, 3 * w)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:  # length, type, data, CRC of type + data
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows.tobytes())) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
