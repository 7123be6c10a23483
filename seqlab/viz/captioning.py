"""Image captioning pictures: images with their generated captions, and a caption explorer.

- :func:`caption_grid`: a grid of images, each titled with its captions (greedy, beam, ...);
- :func:`caption_explorer`: one test image at a time (slider), its references, and the beam
  search's finished candidates ranked by the length-normalized score, updated in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from seqlab._validate import as_array, check_int
from seqlab.backend import to_numpy
from seqlab.seq2seq._checks import check_scenes
from seqlab.seq2seq.captioning import ImageCaptioner
from seqlab.viz.widgets import FigureBox

__all__ = ["caption_explorer", "caption_grid", "image_rgb", "training_curve"]


def image_rgb(image) -> np.ndarray:
    """(3, H, W) floats in [0, 1] -> (H, W, 3) uint8, what ``go.Image`` shows."""
    img = np.asarray(to_numpy(as_array(image, "image_rgb(image)", ndim=3, symbols="(3, H, W)")),
                     dtype=float)
    if img.ndim != 3 or img.shape[0] != 3:
        raise ValueError(f"image_rgb(image): expected (3, H, W), got {img.shape}")
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8).transpose(1, 2, 0)


def _wrap(text: str, width: int = 30) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "<br>".join([*lines, line])


def caption_grid(images, captions: Sequence[Sequence[str]], labels: Sequence[str] = (),
                 cols: int = 4, scale: int = 150) -> go.Figure:
    """Images (m, 3, H, W) in a grid, image i titled by ``captions[i]`` (one line per entry,
    e.g. greedy and beam), each line prefixed with ``labels[j]``."""
    images = np.asarray(to_numpy(as_array(images, "caption_grid(images)", ndim=4,
                                          symbols="(m, 3, H, W)")))
    cols = check_int(cols, "caption_grid(cols)", 1)
    m = images.shape[0]
    if len(captions) != m:
        raise ValueError(f"caption_grid(captions): expected {m} entries, one per image, got "
                         f"{len(captions)}")
    rows = -(-m // cols)
    titles = ["<br>".join(f"{labels[j] + ': ' if j < len(labels) else ''}{_wrap(c)}"
                          for j, c in enumerate(caps)) for caps in captions]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles,
                        horizontal_spacing=0.02, vertical_spacing=0.28 / rows)
    for i in range(m):
        fig.add_trace(go.Image(z=image_rgb(images[i]), hoverinfo="skip"), i // cols + 1,
                      i % cols + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_annotations(font_size=10)
    n_lines = max(t.count("<br>") + 1 for t in titles)
    fig.update_layout(height=rows * (scale + 14 * n_lines) + 40, width=cols * (scale + 40),
                      margin=dict(l=10, r=10, t=14 * n_lines + 20, b=10))
    return fig


def caption_explorer(model, scenes, index: int = 0, beam_width: int = 3, alpha: float = 0.7,
                     max_len: int = 16, top: int = 5) -> FigureBox:
    """A slider over the images of ``scenes`` (a :class:`seqlab.data.scenes.SceneSet`) and a
    beam-width slider: the image, its references, the greedy caption and the beam search's
    best ``top`` finished candidates as bars of their score (1/T_y^α) Σ log P."""
    check_scenes(model, scenes, "caption_explorer", ImageCaptioner)
    images, refs = scenes.images, scenes.refs
    index = check_int(index, "caption_explorer(index)", 0, len(refs) - 1)
    fig = go.FigureWidget(make_subplots(rows=1, cols=2, column_widths=[0.3, 0.7],
                                        horizontal_spacing=0.35))
    fig.add_trace(go.Image(z=image_rgb(images[index]), hoverinfo="skip"), 1, 1)
    fig.add_trace(go.Bar(x=[0.0], y=[""], orientation="h", marker_color="#4c72b0",
                         hovertemplate="%{y}<br>score %{x:.3f}<extra></extra>"), 1, 2)
    fig.update_xaxes(visible=False, row=1, col=1)
    fig.update_yaxes(visible=False, row=1, col=1)
    fig.update_yaxes(autorange="reversed", row=1, col=2)
    fig.update_xaxes(title_text="score = (1/T_y^α) Σ log P(y<t> | x, y<1..t-1>)", row=1, col=2)
    fig.update_layout(height=340, width=900, margin=dict(l=10, r=10, t=90, b=40),
                      showlegend=False, title_font_size=12)
    state = {}
    index_slider = widgets.IntSlider(value=index, min=0, max=len(refs) - 1,
                                     description="image", continuous_update=False)
    width_slider = widgets.IntSlider(value=beam_width, min=1, max=10, description="beam width",
                                     continuous_update=False,
                                     style={"description_width": "initial"})

    def update(index: int | None = None, beam_width: int | None = None) -> None:
        i = index_slider.value if index is None else int(index)
        B = width_slider.value if beam_width is None else int(beam_width)
        index_slider.value, width_slider.value = i, B
        res = model.beam(images[i], beam_width=B, alpha=alpha, max_len=max_len)
        greedy = model.caption(images[i], beam_width=1, max_len=max_len)[0]
        cands = [h for h in res.hypotheses if h.finished][:top] or res.hypotheses[:top]
        names = [" ".join(model.vocab.decode(h.tokens)) for h in cands]
        ref_text = " | ".join(" ".join(r) for r in refs[i])
        state.update(result=res, greedy=greedy, index=i, beam_width=B)
        with fig.batch_update():
            fig.data[0].z = image_rgb(images[i])
            fig.data[1].x = [h.score for h in cands]
            fig.data[1].y = names
            fig.data[1].marker.color = ["#c44e52" if k == 0 else "#4c72b0"
                                        for k in range(len(cands))]
            fig.layout.title.text = (f"image {i}: references: {ref_text}<br>greedy: "
                                     f"{' '.join(greedy)}<br>beam (B = {B}, α = {alpha}): "
                                     f"{' '.join(model.vocab.decode(res.best))}")

    update(index, beam_width)
    index_slider.observe(lambda c: update(index=c["new"]), names="value")
    width_slider.observe(lambda c: update(beam_width=c["new"]), names="value")
    box = FigureBox([index_slider, width_slider], fig, update)
    box.state = state
    return box


def training_curve(losses: Sequence[float], window: int = 20,
                   title: str = "masked cross-entropy per token") -> go.Figure:
    """The loss per step and its running mean over ``window`` steps."""
    y = np.asarray(to_numpy(as_array(losses, "training_curve(losses)", ndim=1,
                                     symbols="(steps,)")), dtype=float)
    window = check_int(window, "training_curve(window)", 1)
    mean = np.convolve(y, np.ones(window) / window, mode="valid") if len(y) >= window else y
    steps = np.arange(1, len(y) + 1)
    fig = go.Figure([go.Scatter(x=steps, y=y.round(4), mode="lines", name="per step",
                                line=dict(color="#c8d3e6")),
                     go.Scatter(x=steps[len(y) - len(mean):], y=mean.round(4), mode="lines",
                                name=f"mean of {window}", line=dict(color="#4c72b0"))])
    fig.update_layout(title=title, xaxis_title="Adam step", yaxis_title="nats per token",
                      height=300, width=700, margin=dict(l=50, r=10, t=40, b=40))
    return fig
