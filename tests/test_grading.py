"""Grading mode (seqlab.exercises.grading) and the graded course's plan (tools/build_assignments).

The end-to-end run through nbgrader is tests/test_nbgrader.py (marker ``grading``); these are
the fast parts: every exercise grades its reference as passed and a learner who memorised the
visible cases as failed; a failing grade carries the learner's own report; every notebook's
check cells become grade cells worth the points of notebooks/assignments.yml; under a grader,
warnings do not reach stderr and widgets show static figures.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from seqlab.about import under_grader
from seqlab.arrays import host_rng
from seqlab.exercises import REGISTRY, NotPassed, check, check_softmax, grade
from seqlab.exercises.grading import HIDDEN_NOTE

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_assignments as assignments  # noqa: E402 (tools/ is not a package)

EXERCISES = sorted(REGISTRY)
PLAN = assignments.load_plan()
SEEDS = (1234567, 7654321)


@pytest.fixture
def no_grader(monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("SEQLAB_GRADING", raising=False)


# ---------------------------------------------------------------------------- grade()

@pytest.mark.parametrize("name", EXERCISES)
def test_reference_passes_the_hidden_tests(name):
    result = grade(name, REGISTRY[name].reference, hidden_seeds=SEEDS)
    ex = REGISTRY[name]
    assert result.passed
    assert f"and {len(SEEDS) * (len(ex.cases) + len(ex.hidden_cases))} hidden ones" in repr(result)


def _fingerprint(args: tuple) -> str:
    try:
        return hashlib.sha1(pickle.dumps(args)).hexdigest()
    except Exception:  # a function or generator among the inputs: never equal twice
        return repr(args)


# Inputs holding a function or a generator, which a memorising cheat cannot recognise.
UNRECOGNISABLE = {"insert_audio_clip", "numerical_gradient", "sequence_log_probability"}


@pytest.mark.parametrize("name", EXERCISES)
def test_memorising_the_visible_cases_fails_the_hidden_tests(name):
    """A learner who returns the right outputs for the visible cases' inputs, and a known
    mistake's otherwise, passes the check they can see and fails the grader's."""
    ex = REGISTRY[name]
    rng = host_rng(0)
    seen = {}
    for case in ex.cases:
        kwargs = case.make(rng)
        seen[_fingerprint(tuple(kwargs.values()))] = ex.reference(*kwargs.values())

    def cheat(*args):
        key = _fingerprint(args)
        return seen[key] if key in seen else ex.mistakes[0].fn(*args)

    assert check(ex, cheat).passed == (name not in UNRECOGNISABLE)
    with pytest.raises(NotPassed) as caught:
        grade(name, cheat, hidden_seeds=SEEDS)
    if name not in UNRECOGNISABLE:
        assert HIDDEN_NOTE in str(caught.value)


@pytest.mark.parametrize("name", EXERCISES)
def test_hidden_seeds_draw_other_inputs(name):
    """Each hidden seed changes at least one case's inputs (hidden_cases where no case is
    random), so a hidden test is never the visible test again."""
    ex = REGISTRY[name]
    cases = [*ex.cases, *ex.hidden_cases]

    def inputs(seed):
        rng = host_rng(seed)
        return [_fingerprint(tuple(c.make(rng).values())) for c in cases]

    visible = inputs(0)
    for seed in SEEDS:
        assert inputs(seed) != visible


@pytest.mark.parametrize("name", EXERCISES)
def test_a_failed_grade_carries_the_learners_report(name):
    ex = REGISTRY[name]

    def stub(*args):
        raise NotImplementedError()

    for fn, status in ((stub, "open"), (ex.mistakes[0].fn, "failed")):
        seen = check(ex, fn)
        assert seen.status == status
        with pytest.raises(AssertionError) as caught:
            grade(name, fn, hidden_seeds=SEEDS)
        assert str(caught.value) == repr(seen)
    assert f"… {name}: not done yet" in repr(check(ex, stub))


def test_not_passed_shows_its_report_without_a_traceback():
    """IPython shows ``_render_traceback_()`` instead of the frames, whose source lines would
    be the grade cell's hidden tests."""
    with pytest.raises(NotPassed) as caught:
        grade("softmax", lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))
    lines = caught.value._render_traceback_()
    assert lines[0].startswith("NotPassed: ") and lines[1:] == str(caught.value).splitlines()
    assert lines[1].startswith("✗ softmax: normalised along the wrong axis")


# ------------------------------------------------------------------------ under a grader

def test_under_grader_reads_nbgraders_variable_and_ours(monkeypatch, no_grader):
    assert not under_grader()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert under_grader()
    monkeypatch.delenv("NBGRADER_EXECUTION")
    monkeypatch.setenv("SEQLAB_GRADING", "1")
    assert under_grader()
    monkeypatch.setenv("SEQLAB_GRADING", "0")
    assert not under_grader()


def _softmax_that_warns(z):
    with np.errstate(over="warn"):
        np.exp(np.array([1000.0]))                # an overflow that does not touch the answer
    warnings.warn("a learner's own warning", UserWarning, stacklevel=1)
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def test_checks_are_quiet_under_a_grader(monkeypatch, no_grader):
    """nbgrader scores a grade cell that writes to stderr as failed: a right answer that warns
    keeps its points under the grader, and the learner still sees the warning otherwise."""
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        assert check_softmax(_softmax_that_warns).passed
    assert {w.category for w in shown} == {RuntimeWarning, UserWarning}
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        assert check_softmax(_softmax_that_warns).passed
        assert grade("softmax", _softmax_that_warns, hidden_seeds=SEEDS).passed
    assert shown == []


def test_validate_reports_the_learners_unfinished_exercise(monkeypatch, no_grader):
    """nbgrader validate runs the released notebook (no hidden tests): there a check of the
    learner's own function raises unless it passes; demos of a mistake never raise."""
    def softmax(z):
        raise NotImplementedError()

    def softmax_by_rows(z):
        return np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)

    for mode in (None, "autograde", "validate"):
        if mode:
            monkeypatch.setenv("NBGRADER_EXECUTION", mode)
        assert check_softmax(softmax_by_rows).status == "failed"
        if mode == "validate":
            with pytest.raises(NotPassed, match="… softmax: not done yet"):
                check_softmax(softmax)
        else:
            assert check_softmax(softmax).status == "open"


def test_widgets_show_only_a_static_figure_under_a_grader(monkeypatch, no_grader):
    from seqlab.viz.widgets import softmax_temperature_explorer, widget_frontend_check

    box = softmax_temperature_explorer(np.array([2.0, 1.0, 0.1]), ["a", "b", "c"])
    view = "application/vnd.jupyter.widget-view+json"
    assert view in box._repr_mimebundle_()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    bundle = box._repr_mimebundle_()
    assert view not in bundle and "application/vnd.plotly.v1+json" in bundle
    assert set(widget_frontend_check()._repr_mimebundle_()) == {"text/plain"}


# ------------------------------------------------------------------- the course's plan

def test_plan_has_every_notebook_and_exercise_once_in_its_week():
    notebooks = [nb for week in PLAN.values() for nb in week]
    assert sorted(notebooks) == [p.stem for p in sorted(assignments.SOURCES.glob("*.py"))]
    graded = [(week, e) for week, nbs in PLAN.items() for pts in nbs.values() for e in pts]
    assert sorted(e for _, e in graded) == EXERCISES
    for week, exercise in graded:
        assert week == f"week{REGISTRY[exercise].week}", exercise


@pytest.mark.parametrize(("week", "notebook"),
                         [(w, nb) for w, nbs in PLAN.items() for nb in nbs])
def test_each_check_cell_becomes_a_grade_cell_with_its_points(week, notebook):
    points = PLAN[week][notebook]
    nb = assignments.source_notebook(notebook, points, secret="s")
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert {c.metadata.nbgrader.grade_id: c.metadata.nbgrader.points for c in cells} == {
        f"check_{e}": p for e, p in points.items()}
    for cell in cells:
        name = cell.metadata.nbgrader.grade_id.removeprefix("check_")
        visible, rest = cell.source.split("\n### BEGIN HIDDEN TESTS\n")
        hidden, after = rest.split("### END HIDDEN TESTS")
        assert visible == f"check_{name}({name})" and after == ""
        assert f"grade({name!r}, {name}, hidden_seeds=" in hidden
        assert cell.metadata.nbgrader.locked and not cell.metadata.nbgrader.solution


def test_source_notebook_wants_points_for_exactly_its_exercises():
    with pytest.raises(ValueError, match="'softmax', which has no points"):
        assignments.source_notebook("00_getting_started", {"dense_forward": 1}, "s")
    with pytest.raises(ValueError, match=r"no exercise \['clip'\]"):
        assignments.source_notebook("00_getting_started",
                                    {"softmax": 1, "dense_forward": 1, "clip": 1}, "s")


def test_hidden_seeds_come_from_the_secret():
    seeds = assignments.hidden_seeds("course secret", "softmax")
    assert seeds == assignments.hidden_seeds("course secret", "softmax")
    assert len(set(seeds)) == assignments.N_HIDDEN_SEEDS and all(0 < s < 2**31 for s in seeds)
    assert seeds != assignments.hidden_seeds("another secret", "softmax")
    assert seeds != assignments.hidden_seeds("course secret", "dense_forward")
