"""The beam-tree figure (seqlab.viz.beam), issue 16's screenshot of notebook 14: a legend names
every marker kind (the diamonds were never explained), the title counts finished candidates
(ended by eos) apart from prefixes cut at max_len (it called all of them finished), spaces get a
visible label, labels clear their markers and the plot's edges."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.functional import log_softmax
from seqlab.seq2seq.beam import beam_search
from seqlab.viz.beam import PRUNED_ROW, beam_explorer, beam_tree_figure, tree_layout

EOS, BOS, V = 0, 4, 5
LABELS = ["<eos>", " ", "a", "b", "<bos>"]


def table_step_fn(seed: int):
    """A decoder whose next-token log-probabilities depend on the last token only."""
    table = log_softmax(np.random.default_rng(seed).normal(size=(V, V)) * 1.5, axis=1)

    def step_fn(last, state):
        return table[np.asarray(last)], state
    return step_fn


def never_eos(last, state):
    return np.log(np.tile([1e-300, 0.4, 0.35, 0.25, 1e-300], (len(last), 1))), state


@pytest.fixture(scope="module")
def mixed():
    """A search with both finished candidates and cut prefixes (the seed is picked so)."""
    for seed in range(50):
        res = beam_search(table_step_fn(seed), None, BOS, EOS, beam_width=3, max_len=5)
        finished = sum(h.finished for h in res.hypotheses)
        if 0 < finished < len(res.hypotheses) and any(n.token == 1 and n.status != "pruned"
                                                      for n in res.tree):
            return res
    raise AssertionError("no seed gives both finished and cut candidates")


def test_title_counts_finished_and_cut_candidates_apart(mixed):
    finished = sum(h.finished for h in mixed.hypotheses)
    cut = len(mixed.hypotheses) - finished
    title = beam_tree_figure(mixed, LABELS).layout.title.text
    assert f"{finished} finished candidate" in title and f"{cut} cut at max_len" in title
    assert "nothing finished" not in title
    none = beam_search(never_eos, None, BOS, EOS, beam_width=2, max_len=3)
    title = beam_tree_figure(none, LABELS).layout.title.text
    assert "0 finished candidates (ended by eos), 2 cut at max_len" in title
    assert "nothing finished, the best is cut" in title


def test_legend_names_every_marker_kind_and_the_end_token(mixed):
    fig = beam_tree_figure(mixed, LABELS, eos=EOS)
    entries = {t.name: t for t in fig.data[4:]}
    assert list(entries) == ["kept in the beam", "finished: ended by '<eos>'",
                             "cut at max_len (not finished)", "pruned runner-up"]
    symbols = {t.marker.symbol for t in entries.values()}
    assert symbols == {"circle", "square", "diamond", "x"}        # the diamond is explained
    assert all(list(t.x) == [None] for t in entries.values())      # legend only, no points
    shown = [t.name for t in fig.data if t.showlegend is not False]
    assert shown == ["chosen output", *entries] and fig.layout.showlegend
    used = set(fig.data[2].marker.symbol)
    assert used <= symbols | {"circle"} and "diamond" in used and "square" in used
    assert "finished: ended by eos" in [t.name for t in beam_tree_figure(mixed).data[4:]]


def test_labels_are_visible_and_clear_the_markers_and_the_edges(mixed):
    fig = beam_tree_figure(mixed, LABELS)
    nodes = fig.data[2]
    for n, text, where, size in zip(mixed.tree, nodes.text, nodes.textposition,
                                    nodes.marker.size, strict=True):
        if n.status == "pruned":
            assert text == ""
            continue
        assert text.strip() == text and text                        # a space shows as ␣
        assert text == ("<bos>" if n.parent < 0 else "␣" if n.token == 1 else LABELS[n.token])
        assert where == ("middle left" if n.parent < 0 else "top center" if n.chosen
                         else "middle right")
        assert size == fig.data[3].marker.size if n.chosen else size < fig.data[3].marker.size
    assert "␣" in nodes.text and nodes.cliponaxis is False
    low, high = fig.layout.xaxis.range
    assert low <= -1 and high >= max(n.step for n in mixed.tree) + 1   # room for <bos>, <eos>


def test_pruned_leaves_take_a_fraction_of_a_row(mixed):
    pos = tree_layout(mixed)
    parents = {n.parent for n in mixed.tree[1:]}
    leaves = sorted((n for n in mixed.tree if n.id not in parents), key=lambda n: -pos[n.id][1])
    gaps = np.diff([-pos[n.id][1] for n in leaves])
    expected = [PRUNED_ROW if n.status == "pruned" else 1.0 for n in leaves[:-1]]
    np.testing.assert_allclose(gaps, expected)


def test_explorer_moves_keep_the_legend_and_refit_the_x_range():
    box = beam_explorer(table_step_fn(3), None, BOS, EOS, max_len=6, labels=LABELS,
                        beam_width=2, max_width=4)
    fig = box.figure
    legend = [t.to_plotly_json() for t in fig.data[4:]]
    box.update(beam_width=4, alpha=0.3)
    res = box.state["result"]
    assert [t.to_plotly_json() for t in fig.data[4:]] == legend
    assert fig.layout.xaxis.range[1] >= max(n.step for n in res.tree) + 1
    assert fig.layout.title.text == beam_tree_figure(res, LABELS).layout.title.text
    assert len(fig.data[2].x) == len(res.tree) and fig.data[4].name == "kept in the beam"
