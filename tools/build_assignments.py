"""Build the graded course: an nbgrader course directory with one assignment per course week.

``make assignments`` runs this. From ``notebooks/assignments.yml`` (which notebooks make each
week's assignment, and the points of every exercise) and the notebooks' py:percent sources it
writes ``build/nbgrader/``::

    nbgrader_config.py                 course settings (see CONFIG below)
    source/week0/00_getting_started.ipynb
    source/week1/01_rnn_forward.ipynb  ... one folder per assignment, its notebooks
    release/week1/01_rnn_forward.ipynb ... written by `nbgrader generate_assignment`

A source notebook is :func:`build_notebooks.versions`'s solution version (solution cells marked
for nbgrader) in which each exercise's check cell, ``check_<name>(<name>)``, becomes a locked
grade cell worth the exercise's points, with a hidden test after the line the learner sees::

    check_softmax(softmax)
    ### BEGIN HIDDEN TESTS
    ... seqlab.exercises.grade("softmax", softmax, hidden_seeds=(...))
    ### END HIDDEN TESTS

The hidden seeds come from the course's grader secret (``SEQLAB_GRADER_SECRET``, or the file
``build/nbgrader/grader_secret``, made on the first build and kept): they are nowhere in this
repository, so no learner can know the hidden inputs. The released notebooks (hidden tests and
solutions removed by nbgrader) have the learner notebooks' cells exactly.

Usage::

    python tools/build_assignments.py                  # all weeks, then generate_assignment
    python tools/build_assignments.py week1 week3      # only these assignments
    python tools/build_assignments.py --no-generate    # write the sources only
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import nbformat
import yaml
from build_notebooks import BEGIN, ROOT, SOURCES, exercise_id, versions

PLAN = ROOT / "notebooks" / "assignments.yml"
COURSE = ROOT / "build" / "nbgrader"
N_HIDDEN_SEEDS = 2
CONFIG = '''\
# Written by tools/build_assignments.py (make assignments); rebuilt by every run.
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

c = get_config()  # noqa: F821 (nbgrader's config loader defines it)
c.CourseDirectory.course_id = "seqlab"  # run nbgrader in this folder: it is the course root
# A cell may run up to the whole notebook's budget (60 s); widget state is not stored in the
# graded notebooks (seqlab's widgets show static figures under nbgrader anyway).
c.Execute.timeout = 60
c.Execute.store_widget_state = False
# Feedback shows each grade cell without its hidden tests (nbgrader shows them by default).
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
'''


def load_plan(path: Path = PLAN) -> dict[str, dict[str, dict[str, int]]]:
    """{assignment: {notebook: {exercise: points}}} from ``notebooks/assignments.yml``."""
    plan = yaml.safe_load(path.read_text())
    for assignment, notebooks in plan.items():
        for notebook, points in notebooks.items():
            if not (SOURCES / f"{notebook}.py").exists():
                raise ValueError(f"{path.name}: {assignment} lists {notebook!r}, which has no "
                                 f"source {SOURCES.relative_to(ROOT)}/{notebook}.py")
            bad = {k: v for k, v in points.items() if not (isinstance(v, int) and v > 0)}
            if bad:
                raise ValueError(f"{path.name}: points must be positive integers, got {bad} "
                                 f"in {notebook}")
    return plan


def hidden_seeds(secret: str, exercise: str, n: int = N_HIDDEN_SEEDS) -> tuple[int, ...]:
    """``n`` seeds for ``exercise``'s hidden tests, derived from the grader secret."""
    digests = (hashlib.sha256(f"{secret}/{exercise}/{k}".encode()).digest() for k in range(n))
    return tuple(1 + int.from_bytes(d[:4], "big") % (2**31 - 1) for d in digests)


def grade_cell_source(exercise: str, seeds: tuple[int, ...]) -> str:
    """The check line the learner sees, then the hidden test that grades (raises unless all
    pass; shows the check's report when they do)."""
    return (f"check_{exercise}({exercise})\n"
            "### BEGIN HIDDEN TESTS\n"
            "import IPython.display, seqlab.exercises  # AssertionError unless all pass\n"
            f"IPython.display.display(seqlab.exercises.grade({exercise!r}, {exercise}, "
            f"hidden_seeds={seeds!r}))\n"
            "### END HIDDEN TESTS")


def source_notebook(notebook: str, points: dict[str, int], secret: str
                    ) -> nbformat.NotebookNode:
    """The nbgrader source version of one notebook: solutions marked, check cells graded."""
    _, nb = versions(SOURCES / f"{notebook}.py")
    graded: list[str] = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or BEGIN not in cell.source:
            continue
        name = exercise_id(cell.source)
        after = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        if after is None or not re.fullmatch(rf"check_{name}\({name}\)\s*", after.source):
            raise ValueError(f"{notebook}: the solution cell of {name!r} must be followed by a "
                             f"cell holding only `check_{name}({name})`")
        if name not in points:
            raise ValueError(f"{PLAN.name}: {notebook} has the exercise {name!r}, which has no "
                             f"points; give it some")
        after.source = grade_cell_source(name, hidden_seeds(secret, name))
        after.metadata["nbgrader"] = {
            "grade": True, "grade_id": f"check_{name}", "locked": True,
            "points": points[name], "schema_version": 3, "solution": False, "task": False}
        graded.append(name)
    extra = sorted(set(points) - set(graded))
    if extra:
        raise ValueError(f"{PLAN.name}: {notebook} has no exercise {extra} (it has {graded})")
    return nb


def grader_secret(course: Path) -> str:
    """``SEQLAB_GRADER_SECRET``, else the course's own secret file (made once, then kept so a
    rebuild grades with the same hidden inputs)."""
    if os.environ.get("SEQLAB_GRADER_SECRET"):
        return os.environ["SEQLAB_GRADER_SECRET"]
    path = course / "grader_secret"
    if not path.exists():
        course.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(16) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def write_course(course: Path, plan: dict, secret: str) -> list[str]:
    """Write ``nbgrader_config.py`` and ``source/<assignment>/*.ipynb``; returns the
    assignments written."""
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(CONFIG)
    for assignment, notebooks in plan.items():
        folder = course / "source" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for stale in set(folder.glob("*.ipynb")) - {folder / f"{n}.ipynb" for n in notebooks}:
            stale.unlink()
        for notebook, points in notebooks.items():
            nbformat.write(source_notebook(notebook, points, secret),
                           folder / f"{notebook}.ipynb")
    return list(plan)


def nbgrader(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader *args`` in the course directory, with this Python's bin/ first on PATH
    (nbgrader runs ``alembic`` from there to set up its gradebook)."""
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.run([str(bin_dir / "nbgrader"), *args], cwd=course, env=env, check=check,
                          capture_output=True, text=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="build only these (default: all)")
    parser.add_argument("--course", type=Path, default=COURSE, help="the course directory")
    parser.add_argument("--no-generate", action="store_true",
                        help="write the sources; do not run nbgrader generate_assignment")
    args = parser.parse_args(argv)
    plan = load_plan()
    unknown = sorted(set(args.assignments) - set(plan))
    if unknown:
        print(f"no assignment {unknown} in {PLAN.relative_to(ROOT)}; known: {sorted(plan)}",
              file=sys.stderr)
        return 1
    plan = {a: plan[a] for a in (args.assignments or plan)}
    for assignment in write_course(args.course, plan, grader_secret(args.course)):
        total = sum(sum(p.values()) for p in plan[assignment].values())
        n = len(plan[assignment])
        print(f"{assignment}: {n} notebook{'s' * (n != 1)}, {total} points")
        if not args.no_generate:
            nbgrader(args.course, "generate_assignment", assignment, "--force")
    where = args.course / ("source" if args.no_generate else "release")
    print(f"wrote {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
