"""Exercise checks for the notebooks: ``check_*`` functions, tiered ``hint`` and ``reveal``.

In a notebook::

    def softmax(z):
        ...                          # the learner's code
    check_softmax(softmax)           # ✓ / … still open / ✗ with a precise diagnosis
    hint("softmax")                  # the next hint each call; hint("softmax", 3) for the third
    reveal("softmax")                # the library's real source

An autograder calls ``grade("softmax", softmax, hidden_seeds=...)`` instead: the same check,
then hidden cases, raising ``AssertionError`` with the report unless all pass (``grading``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence

from seqlab._errors import MissingKeyError
from seqlab._validate import check_int, got, is_int
from seqlab.exercises.core import (
    Case,
    CheckInterrupted,
    CheckResult,
    Exercise,
    Mistake,
    check,
    progress,
)
from seqlab.exercises.grading import NotPassed, grade_exercise, run_check

# One module per notebook topic, each with an ``EXERCISES`` dict, found by name: every module of
# this package that defines ``EXERCISES`` registers its exercises, and ``check_<name>`` is made
# for each (``from seqlab.exercises import check_rnn_forward``). Modules starting with ``_``,
# ``core`` and ``grading`` are helpers.
_MODULES = tuple(sorted(info.name for info in pkgutil.iter_modules(__path__)
                        if not info.name.startswith("_") and info.name not in {"core", "grading"}))
REGISTRY: dict[str, Exercise] = {}
for _module in _MODULES:
    _exercises = getattr(importlib.import_module(f"seqlab.exercises.{_module}"), "EXERCISES", {})
    if set(_exercises) & set(REGISTRY):
        raise RuntimeError(f"exercise names registered twice: {set(_exercises) & set(REGISTRY)}")
    REGISTRY.update(_exercises)
_hint_level: dict[str, int] = {}


def get_exercise(name: str) -> Exercise:
    """The registered exercise called ``name``; a KeyError lists the known names."""
    return _exercise(name, "get_exercise")


def _exercise(name: str, fname: str) -> Exercise:
    """``REGISTRY[name]``, or an error naming ``fname(name)`` and the known exercises."""
    if not isinstance(name, str):
        raise TypeError(f"{fname}(name): expected an exercise name (a str), got {got(name)}")
    try:
        return REGISTRY[name]
    except KeyError:
        raise MissingKeyError(f"{fname}(name): expected one of {sorted(REGISTRY)}, got {name!r}"
                       ) from None


class Text(str):
    """A string that a notebook displays as plain text (no quotes, newlines kept)."""

    def __repr__(self) -> str:
        return str(self)


def hint(name: str, level: int | None = None) -> Text:
    """The next hint for exercise ``name`` (or hint number ``level``, from 1)."""
    hints = _exercise(name, "hint").hints
    if level is None:
        level = min(_hint_level.get(name, 0) + 1, len(hints))
    level = check_int(level, f"hint(level) for {name!r}", 1, len(hints))
    _hint_level[name] = level
    more = " (call hint again for the next one)" if level < len(hints) else " (last hint)"
    return Text(f"Hint {level}/{len(hints)} for {name}{more}:\n  {hints[level - 1]}")


def reveal(name: str):
    """The library's source for exercise ``name``, folded: the answer the tests check."""
    from seqlab.viz.source import show_source

    ex = _exercise(name, "reveal")
    return show_source(ex.source or ex.reference, collapsed=True,
                       title=f"{ex.library_name} (the library's answer)")


def grade(name: str, fn: Callable, hidden_seeds: Sequence[int] = ()) -> CheckResult:
    """Grade ``fn`` as exercise ``name``: its check, then its cases on each hidden seed's inputs.
    Raises :class:`~seqlab.exercises.grading.NotPassed` (an ``AssertionError`` carrying the
    check's report) unless all pass; see :mod:`seqlab.exercises.grading`."""
    ex = _exercise(name, "grade")
    if not isinstance(hidden_seeds, Sequence) or isinstance(hidden_seeds, str | bytes) or not all(
            is_int(s) for s in hidden_seeds):
        raise TypeError(f"grade(hidden_seeds): expected a sequence of int seeds, "
                        f"got {got(hidden_seeds)}")
    return grade_exercise(ex, fn, hidden_seeds)


def _make_check(name: str) -> Callable[[Callable], CheckResult]:
    def check_fn(fn: Callable, seed: int = 0) -> CheckResult:
        return run_check(REGISTRY[name], fn, seed)

    check_fn.__name__ = f"check_{name}"
    check_fn.__doc__ = f"Check your `{REGISTRY[name].signature}` against the library's."
    return check_fn


_CHECKS = {f"check_{name}": _make_check(name) for name in REGISTRY}


def __getattr__(attr: str) -> Callable[[Callable], CheckResult]:
    """``check_<exercise>`` for every registered exercise (PEP 562)."""
    try:
        return _CHECKS[attr]
    except KeyError:
        raise AttributeError(f"module 'seqlab.exercises' has no attribute {attr!r}") from None


__all__ = ["REGISTRY", "Case", "CheckInterrupted", "CheckResult", "Exercise", "Mistake",
           "NotPassed", "check", "get_exercise", "grade", "hint", "progress", "reveal", *_CHECKS]
