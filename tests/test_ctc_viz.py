"""CTC widgets (seqlab.viz.ctc): what the figures show, and how fast a control move is."""

from __future__ import annotations

import time

import numpy as np
import pytest

from seqlab.speech import ctc_collapse, ctc_count_alignments, ctc_lattice
from seqlab.viz.ctc import (
    alignment_explorer,
    collapse_rows,
    collapse_typer,
    lattice_explorer,
    lattice_figure,
    lattice_panels,
)


def test_collapse_typer_shows_the_lecture_example_and_updates():
    box = collapse_typer("ttt_h_eee___ ___qqq")
    assert "“the q”" in box.figure.layout.title.text
    assert list(box.figure.data[0].text[0])[:3] == ["t", "t", "t"]
    assert list(box.figure.data[0].text[1]).count("t") == 1        # one t kept for the run
    box.update(alignment="aa_a")
    assert "“aa”" in box.figure.layout.title.text
    parity, kept = collapse_rows("aa_a")
    assert parity == [0, 0, 1, 0] and kept == ["a", "", "", "a"]
    start = time.perf_counter()
    for text in ("h", "he", "hel", "hell", "hell_", "hell_o"):
        box.update(alignment=text)
    assert (time.perf_counter() - start) / 6 < 0.2
    assert "“helo”" in box.figure.layout.title.text


def test_alignment_explorer_counts_and_lists_valid_alignments():
    box = alignment_explorer("cat", 6)
    n = ctc_count_alignments("cat", 6, "_")
    assert f"{n:,} alignments" in box.figure.layout.title.text
    rows = ["".join(r) for r in box.figure.data[0].text]
    assert rows and all(ctc_collapse(r, "_") == "cat" for r in rows)
    box.update(target="aa", T=2)
    assert box.figure.layout.title.text.startswith("0 alignments")
    start = time.perf_counter()
    box.update(T=20)
    assert time.perf_counter() - start < 0.2


def test_lattice_figure_and_explorer():
    rng = np.random.default_rng(0)
    labels = ["_", "a", "b", "c"]
    z = rng.normal(size=(4, 2, 10))
    lat = ctc_lattice(z, [[1, 2, 2], [3]], np.array([10, 6]))
    p = lattice_panels(lat, 1, labels)
    assert np.shape(p["log_alpha"]) == (3, 6) and p["ext_names"] == ["_", "c", "_"]
    assert ctc_collapse(list(p["path_symbols"]), 0) == [3]
    fig = lattice_figure(lat, 0, labels, spectrogram=rng.random((8, 10)))
    assert len(fig.data) == 6 and np.shape(fig.data[1].z) == (7, 10)
    assert fig.data[1].z[6][0] is None                                # impossible: blank cell
    assert fig.data[1].z[0][0] is not None
    box = lattice_explorer(lat, labels)
    start = time.perf_counter()
    box.update(b=1)
    assert time.perf_counter() - start < 0.2
    assert np.asarray(box.figure.data[0].z).shape == (3, 6)


def test_lattice_colour_scales_have_bars_and_a_floor_that_shows_the_band():
    """Issue 16: log α and log β had no colour bars, and a scale over all their values (down to
    -120 nats) hid the band around the path. Now one scale LOG_FLOOR..0 with a bar per panel."""
    from seqlab.viz.ctc import LOG_FLOOR
    labels = ["_", "a", "b", "c"]
    T, target = 16, [1, 2, 3]
    frames = [0, 1, 1, 1, 0, 0, 2, 2, 2, 0, 0, 3, 3, 3, 0, 0]       # a confident model's path
    z = np.full((4, 1, T), -6.0)
    z[frames, 0, np.arange(T)] = 6.0
    lat = ctc_lattice(z, [target], np.array([T]))
    fig = lattice_figure(lat, 0, labels, spectrogram=np.zeros((5, T)))
    alpha, beta, post = fig.data[1], fig.data[3], fig.data[5]
    for heat, axis in ((alpha, "yaxis2"), (beta, "yaxis3"), (post, "yaxis4")):
        assert heat.showscale is not False and heat.colorbar.x > 1
        low, high = fig.layout[axis].domain
        assert heat.colorbar.len == pytest.approx(high - low)       # beside its own panel
        assert heat.colorbar.y == pytest.approx((low + high) / 2)
    assert fig.data[0].showscale is False                           # the spectrogram: none
    for heat in (alpha, beta):
        assert (heat.zmin, heat.zmax) == (LOG_FLOOR, 0.0)
        assert heat.colorbar.ticktext[-1] == f"≤ {LOG_FLOOR:g}"
        values = np.array([[np.nan if v is None else v for v in row] for row in heat.z])
        reachable = values[np.isfinite(values)]
        assert reachable.min() < 3 * LOG_FLOOR                       # a scale over all: no band
        band = reachable > LOG_FLOOR
        assert 0.1 < band.mean() < 0.7                               # a band, not everything
    p = lattice_panels(lat, 0, labels)
    on_path = [p["log_alpha"][s][t] for t, s in enumerate(p["path"])]
    assert min(on_path) > LOG_FLOOR / 4                              # the path is dark
