"""Graded assignments end to end with nbgrader (issue 18), on one small notebook per course week.

``tools/build_assignments.py`` writes an nbgrader course (one assignment per week) into a
temporary folder; ``nbgrader generate_assignment`` releases it; three learners hand it in:

- ``solution``: every exercise solved, which must get full marks;
- ``stub``: the released notebooks untouched, which must get 0, every grade cell saying
  "not done yet";
- ``wrong``: solved, but with one realistic mistake per assignment (a known mistake of the
  checker), which must lose exactly that exercise's points, no more.

``nbgrader autograde`` grades them and ``nbgrader generate_feedback`` writes the HTML a learner
gets back, which must show the diagnosis and no hidden test. Run time: 72 s of CPU, one
process at a time (about 75 s on a quiet machine; 118-158 s measured on the shared 2-core
machine at load average 2-5); 15 notebooks are autograded, 1-6 s each in the kernel.
"""

from __future__ import annotations

import html
import re
import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from seqlab.exercises import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_assignments as assignments  # noqa: E402 (tools/ is not a package)
from build_notebooks import BEGIN, END, versions  # noqa: E402

pytestmark = [pytest.mark.grading, pytest.mark.once]

# One quick notebook per week; 00, 01 and 10 have two exercises, so the wrong answer's
# neighbour shows that only the wrong exercise loses its points.
NOTEBOOKS = {"week0": "00_getting_started", "week1": "01_rnn_forward", "week2": "10_tsne",
             "week3": "13_seq2seq_basics", "week4": "23_self_attention"}
# notebook: (exercise, a line of the solution, what a learner wrote instead, known mistake)
WRONG = {
    "00_getting_started": ("softmax", "axis=0", "axis=1", "wrong axis"),
    "01_rnn_forward": ("rnn_cell_forward", 'params["W_ya"] @ a_t', 'params["W_ya"] @ a_prev',
                       "y from a<t-1>"),
    "10_tsne": ("conditional_row", "e[i] = 0.0 ", "pass       ", "self included"),
    "13_seq2seq_basics": ("sequence_log_probability", "log_probs, state = step_fn",
                          "log_probs, _ = step_fn", "state not carried"),
    "23_self_attention": ("scaled_dot_product_attention", " / np.sqrt(d_k)", "", "no scale"),
}
STUDENTS = ("solution", "stub", "wrong")


def _answer(solution_source: str, wrong: tuple | None) -> str:
    """A learner's cell: the solution without nbgrader's markers, with the wrong edit applied."""
    lines = [line for line in solution_source.splitlines() if line.strip() not in (BEGIN, END)]
    text = "\n".join(lines)
    if wrong is not None:
        _, old, new, _ = wrong
        assert old in text, f"the wrong answer's edit {old!r} is not in the solution"
        text = text.replace(old, new)
    return text


def _submission(released: Path, source: Path, student: str) -> nbformat.NotebookNode:
    nb, solutions = nbformat.read(released, 4), nbformat.read(source, 4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solutions.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    wrong = WRONG[released.stem] if student == "wrong" else None
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if student != "stub" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = _answer(answers[grade_id],
                                  wrong if wrong and wrong[0] == grade_id else None)
    return nb


def _execution_seconds(nb: nbformat.NotebookNode) -> float:
    """First cell's start to last cell's reply, from the timing nbclient records."""
    stamps = [c.metadata["execution"] for c in nb.cells if "execution" in c.metadata]
    first = datetime.fromisoformat(stamps[0]["iopub.execute_input"].replace("Z", "+00:00"))
    last = datetime.fromisoformat(stamps[-1]["shell.execute_reply"].replace("Z", "+00:00"))
    return (last - first).total_seconds()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    plan = assignments.load_plan()
    plan = {week: {nb: plan[week][nb]} for week, nb in NOTEBOOKS.items()}
    assignments.write_course(root, plan, secret="test-secret")
    start = time.perf_counter()
    assignments.nbgrader(root, "generate_assignment", "week*", "--force")
    for week, notebook in NOTEBOOKS.items():
        for student in STUDENTS:
            folder = root / "submitted" / student / week
            folder.mkdir(parents=True)
            nbformat.write(_submission(root / "release" / week / f"{notebook}.ipynb",
                                       root / "source" / week / f"{notebook}.ipynb", student),
                           folder / f"{notebook}.ipynb")
    autograde_start = time.perf_counter()
    assignments.nbgrader(root, "autograde", "week*", "--force")
    autograde = time.perf_counter() - autograde_start
    assignments.nbgrader(root, "generate_feedback", "week*", "--force")
    total = time.perf_counter() - start
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        grades = {(s, w): {g.name: (g.score, g.max_score)
                           for nb in gb.find_submission(w, s).notebooks for g in nb.grades}
                  for s in STUDENTS for w in NOTEBOOKS}
    seconds = {nb: _execution_seconds(nbformat.read(
        root / "autograded" / "solution" / week / f"{nb}.ipynb", 4))
        for week, nb in NOTEBOOKS.items()}
    print(f"\nnbgrader end to end: {total:.0f} s (autograde of {3 * len(NOTEBOOKS)} notebooks "
          f"{autograde:.0f} s); in the kernel, solution version: "
          + ", ".join(f"{nb[:2]} {s:.1f} s" for nb, s in seconds.items()))
    return root, plan, grades


def _graded(root, student, week) -> nbformat.NotebookNode:
    return nbformat.read(root / "autograded" / student / week / f"{NOTEBOOKS[week]}.ipynb", 4)


def _grade_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def _error_text(cell) -> str:
    return "\n".join("\n".join(o.get("traceback", [])) for o in cell.outputs
                     if o.output_type == "error")


def test_released_notebooks_are_the_learner_notebooks(course):
    root, plan, _ = course
    for week, notebook in NOTEBOOKS.items():
        released = nbformat.read(root / "release" / week / f"{notebook}.ipynb", 4)
        learner, _ = versions(assignments.SOURCES / f"{notebook}.py")
        assert [c.source for c in released.cells] == [c.source for c in learner.cells]
        text = (root / "release" / week / f"{notebook}.ipynb").read_text()
        assert "HIDDEN TESTS" not in text and "hidden_seeds" not in text, notebook
        # ... and the course's source has them, one per exercise
        source = (root / "source" / week / f"{notebook}.ipynb").read_text()
        assert source.count("### BEGIN HIDDEN TESTS") == len(plan[week][notebook])


def test_solution_gets_full_marks(course):
    _, plan, grades = course
    for week, notebook in NOTEBOOKS.items():
        points = plan[week][notebook]
        assert grades["solution", week] == {f"check_{e}": (p, p) for e, p in points.items()}


def test_released_stub_gets_zero_and_every_grade_cell_says_not_done(course):
    root, plan, grades = course
    for week, notebook in NOTEBOOKS.items():
        assert {g: s for g, (s, _) in grades["stub", week].items()} == {
            f"check_{e}": 0 for e in plan[week][notebook]}
        for cell in _grade_cells(_graded(root, "stub", week)):
            text = _error_text(cell)
            name = cell.metadata.nbgrader.grade_id.removeprefix("check_")
            assert "NotPassed" in text and f"… {name}: not done yet" in text, text


def test_one_wrong_answer_loses_exactly_its_points_with_its_diagnosis(course):
    root, plan, grades = course
    for week, notebook in NOTEBOOKS.items():
        exercise, _, _, mistake = WRONG[notebook]
        points = plan[week][notebook]
        expected = {f"check_{e}": (0 if e == exercise else p, p) for e, p in points.items()}
        assert grades["wrong", week] == expected, notebook
        message = next(m.message for m in REGISTRY[exercise].mistakes if m.name == mistake)
        cell = next(c for c in _grade_cells(_graded(root, "wrong", week))
                    if c.metadata.nbgrader.grade_id == f"check_{exercise}")
        assert f"✗ {exercise}: {message}" in _error_text(cell)


def test_feedback_shows_the_diagnosis_and_no_hidden_test(course):
    root, _, _ = course
    for week, notebook in NOTEBOOKS.items():
        exercise, _, _, mistake = WRONG[notebook]
        message = next(m.message for m in REGISTRY[exercise].mistakes if m.name == mistake)
        for student in STUDENTS:
            page = (root / "feedback" / student / week / f"{notebook}.html").read_text()
            for hidden in ("HIDDEN TESTS", "hidden_seeds", "seqlab.exercises.grade"):
                assert hidden not in page, (student, notebook, hidden)
        page = html.unescape((root / "feedback" / "wrong" / week / f"{notebook}.html").read_text())
        # the diagnosis is the grade cell's output, right under the autograder's one-line header
        shown = re.search(r"NotPassed: [^\n]*\n✗ " + re.escape(f"{exercise}: {message}"), page)
        assert shown, (notebook, message)
        assert "hidden ones. Well done!" in (
            root / "feedback" / "solution" / week / f"{notebook}.html").read_text()


def test_widgets_are_static_in_graded_notebooks(course):
    root, _, _ = course
    nb = _graded(root, "solution", "week0")       # notebook 00: the softmax temperature explorer
    mimes = {m for c in nb.cells if c.cell_type == "code" for o in c.outputs
             for m in o.get("data", {})}
    assert "application/vnd.plotly.v1+json" in mimes
    assert "application/vnd.jupyter.widget-view+json" not in mimes
    assert "widgets" not in nb.metadata
