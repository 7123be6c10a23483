"""The exercise checkers' test helpers: a fast variant of an exercise, and the learner
catalogs (tests/test_*_exercises_learners.py: wrong answers as learners write them, each with
the diagnosis it must get)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, Exercise, check


def fast(name: str) -> Exercise:
    """The exercise with a 0.5 s time limit: a known mistake that never stops costs 0.5 s, not
    3 (the slowest wrong answer of the catalogs takes 5 ms a call at load 4.5)."""
    return dataclasses.replace(REGISTRY[name], time_limit=0.5)


def assert_gets(name: str, fn: Callable, expected: str) -> None:
    """The learner's wrong function fails, with the known mistake ``expected`` (its name) or a
    message containing ``expected``; and it fails on another seed's inputs too."""
    ex = fast(name)
    hangs = any(m.hangs and m.name == expected for m in ex.mistakes)
    with np.errstate(all="ignore"):
        result = check(ex, fn)
        assert hangs or not check(ex, fn, seed=1).passed   # a loop that never stops never passes
    assert result.status == "failed", repr(result)
    if expected in {m.name for m in ex.mistakes}:
        assert result.mistake == expected, repr(result)
    else:
        assert result.mistake is None and expected in repr(result), repr(result)


def new_catalog() -> tuple[list, Callable]:
    """A catalog module's list of learners' answers and the decorator that adds one:
    ``@learner("softmax", "wrong axis")`` above the learner's function."""
    learners: list[tuple[str, Callable, str]] = []

    def learner(exercise: str, expected: str) -> Callable:
        def register(fn: Callable) -> Callable:
            learners.append((exercise, fn, expected))
            return fn
        return register
    return learners, learner


def catalog_test(learners: list) -> Callable:
    """The test of a catalog module: each answer gets its diagnosis (assign it to a name
    starting with test_ at the end of the module, once every answer is registered)."""
    @pytest.mark.parametrize(("exercise", "fn", "expected"), learners,
                             ids=[f"{e}-{f.__name__}" for e, f, _ in learners])
    def test_a_learners_mistake_gets_its_diagnosis(exercise, fn, expected):
        assert_gets(exercise, fn, expected)
    return test_a_learners_mistake_gets_its_diagnosis
