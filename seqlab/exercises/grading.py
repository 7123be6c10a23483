"""Grading mode: the exercise checker as an autograder test (nbgrader's grade cells).

In an assignment built by ``tools/build_assignments.py`` each exercise's check cell is an
nbgrader grade cell. The learner sees the usual line; the grader also runs the part between
nbgrader's hidden-test markers, which the released notebook does not contain::

    check_softmax(softmax)
    ### BEGIN HIDDEN TESTS
    display(grade("softmax", softmax, hidden_seeds=(7305, 1186)))
    ### END HIDDEN TESTS

:func:`grade_exercise` runs the check the learner ran (seed 0, the exercise's cases), then, for
each hidden seed, the same cases and the exercise's ``hidden_cases`` on inputs drawn from that
seed. Unless every run passes it raises :class:`NotPassed`, an ``AssertionError`` whose text is
the report the learner would have seen ("not done yet: ..." for the stub, the diagnosis for a
wrong answer), and nbgrader gives the cell no points. A learner who hard-codes the answers of
the visible cases fails the hidden ones.

The learner's ``check_<name>`` calls go through :func:`run_check`. Under a grader
(:func:`seqlab.about.under_grader`) they run with warnings silenced: nbgrader scores a grade
cell that writes to stderr as failed, and a NumPy warning from a right answer (an overflow in
``exp`` that does not change the result) must not cost its points. Under ``nbgrader validate``
(the Validate button of a learner's assignment list, which runs the released notebook, without
the hidden tests) a check of the learner's own function that does not pass raises
:class:`NotPassed`, so that validation reports the exercise instead of "passes all the tests".
"""

from __future__ import annotations

import dataclasses
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from seqlab.about import under_grader
from seqlab.exercises.core import CheckResult, Exercise, check

HIDDEN_NOTE = ("(a hidden test: the exercise's cases on inputs you have not seen; your function "
               "passed the visible ones)")


class NotPassed(AssertionError):  # noqa: N818 (an AssertionError named for what it says)
    """A graded exercise that did not pass; its text is the checker's report.

    It shows as that text alone, without a traceback: a traceback prints the lines of the grade
    cell around the failing call, that is the hidden tests, into the learner's feedback.
    """

    def _render_traceback_(self) -> list[str]:  # IPython's hook for a custom traceback
        return [f"{type(self).__name__}: this exercise's check did not pass",
                *str(self).splitlines()]


@contextmanager
def quietly() -> Iterator[None]:
    """Warnings (Python's and NumPy's floating-point ones) silenced; values are unchanged."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def run_check(ex: Exercise, fn: Callable, seed: int = 0) -> CheckResult:
    """What ``check_<name>(fn)`` does: :func:`~seqlab.exercises.core.check`, quietly under a
    grader; under ``nbgrader validate`` a check of the exercise's own function (not a demo of
    a mistake) that does not pass raises :class:`NotPassed`."""
    if not under_grader():
        return check(ex, fn, seed)
    with quietly():
        result = check(ex, fn, seed)
    own = getattr(fn, "__name__", None) == ex.name
    if own and not result.passed and os.environ.get("NBGRADER_EXECUTION") == "validate":
        raise NotPassed(repr(result))
    return result


def grade_exercise(ex: Exercise, fn: Callable, hidden_seeds: Sequence[int] = ()) -> CheckResult:
    """Check ``fn`` as the learner's check does, then on each hidden seed; raise
    :class:`NotPassed` with the report of the first run that does not pass."""
    with quietly():
        result = check(ex, fn, seed=0)
        if not result.passed:
            raise NotPassed(repr(result))
        graded = dataclasses.replace(ex, cases=[*ex.cases, *ex.hidden_cases])
        for seed in hidden_seeds:
            hidden = check(graded, fn, seed=seed)
            if not hidden.passed:
                raise NotPassed(f"{hidden!r}\n  {HIDDEN_NOTE}")
    n_hidden = len(hidden_seeds) * len(graded.cases)
    return CheckResult(ex.name, "passed", f"all {len(ex.cases)} test cases pass, and "
                       f"{n_hidden} hidden ones. Well done!", result.cases_total,
                       result.cases_total)
