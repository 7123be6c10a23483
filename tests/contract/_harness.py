"""The machinery of the input-contract table (docs/input-contract.md).

A :class:`Case` calls one public function (or method) with one bad (or borderline valid)
input and says what must happen:

- :class:`Raises`: the promised error, an instance of the given class whose message contains
  the words (by default ``fname(arg``, ``expected`` and ``got``: the function, the argument,
  what was expected and what came);
- :class:`Accepts`: a valid input the function must take, and give the right result (``same``:
  equal to the result for a reference input, e.g. the float64 copy of an int array).

:func:`outcome` runs a case and names its class of outcome, the same classes the survey of
issue 17 counted: ``promised`` (the promised error), ``other error`` (the library raised a
message naming the function, but another class or other words), ``raw`` (an exception from
inside NumPy or Python), ``silent`` (bad input, a result and no error), ``accepted`` (valid
input, right result), ``wrong result`` and ``refused valid``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

OK_CLASSES = ("promised", "accepted")
# timings in result dicts: never compared
VOLATILE = {"seconds", "words_per_second", "seconds_total", "cpu_seconds"}


@dataclass
class Raises:
    """The promised error: an instance of every class in ``classes`` (a refused id is an
    IndexError and a ValueError) whose message contains every word."""

    classes: tuple
    words: tuple = ()

    def matches(self, exc: BaseException) -> bool:
        return (all(isinstance(exc, c) for c in self.classes)
                and all(w in str(exc) for w in self.words))

    def describe(self) -> str:
        return f"{'+'.join(c.__name__ for c in self.classes)} {list(self.words)}"


@dataclass
class Accepts:
    """A valid input: the call returns, and ``check(result)`` raises nothing.

    ``same``: a thunk whose result the call's must equal (arrays to ``rtol``/``atol``,
    element-wise through tuples, lists and dicts).
    """

    same: Callable[[], Any] | None = None
    check: Callable[[Any], Any] | None = None
    rtol: float = 1e-7
    atol: float = 1e-10

    def describe(self) -> str:
        return "accepted"


@dataclass
class Case:
    target: str                 # registry key, e.g. "seqlab.functional.softmax"
    label: str                  # what is wrong, e.g. "z: empty class axis"
    call: Callable[[], Any]
    expect: Raises | Accepts
    fname: str = ""             # the name messages must use (the words of Raises)

    @property
    def id(self) -> str:
        return f"{self.target.removeprefix('seqlab.')}: {self.label}"


@dataclass
class Registry:
    """Cases per public name; ``exempt`` maps a name to the reason it has no bad input."""

    cases: dict[str, list[Case]] = field(default_factory=dict)
    exempt: dict[str, str] = field(default_factory=dict)

    def add(self, target: str, label: str, call: Callable[[], Any], expect) -> None:
        self.cases.setdefault(target, []).append(Case(target, label, call, expect))

    def no_input(self, target: str, reason: str) -> None:
        self.exempt[target] = reason

    def merge(self, other: Registry) -> None:
        for k, v in other.cases.items():
            self.cases.setdefault(k, []).extend(v)
        self.exempt.update(other.exempt)

    def all_cases(self) -> list[Case]:
        return [c for cases in self.cases.values() for c in cases]


# --------------------------------------------------------------------------- outcomes
def outcome(case: Case) -> tuple[str, str]:
    """(class of outcome, detail) for one case; see the module docstring."""
    exp = case.expect
    fname = case.target.rsplit(".", 1)[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = case.call()
        except Exception as exc:  # noqa: BLE001 - every exception is an outcome here
            msg = f"{type(exc).__name__}: {exc}"
            if isinstance(exp, Accepts):
                return "refused valid", msg
            if exp.matches(exc):
                return "promised", msg
            named = isinstance(exc, ValueError | TypeError | LookupError | ArithmeticError |
                               RuntimeError) and fname.split(".")[-1] in str(exc)
            return ("other error" if named else "raw"), msg
    if isinstance(exp, Raises):
        return "silent", f"returned {_short(result)}"
    try:
        if exp.same is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reference = exp.same()
            assert_same(result, reference, exp.rtol, exp.atol)
        if exp.check is not None:
            exp.check(result)
    except AssertionError as err:
        return "wrong result", str(err)[:300]
    return "accepted", ""


def _short(x: Any) -> str:
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return f"array {tuple(x.shape)} {x.dtype}"
    try:
        text = repr(x)
    except Exception as exc:  # noqa: BLE001 - a broken result is reported, not raised
        text = f"{type(x).__name__} whose repr raises {type(exc).__name__}"
    return text if len(text) < 80 else text[:77] + "..."


def assert_same(a: Any, b: Any, rtol: float, atol: float, path: str = "result") -> None:
    """Equal values: arrays (shape, then values, NaN equal to NaN), element-wise through
    tuples, lists and dicts; other objects by ``==`` when they define it."""
    if isinstance(b, Mapping):
        assert isinstance(a, Mapping) and set(a) == set(b), f"{path}: keys differ"
        for k in set(b) - VOLATILE:
            assert_same(a[k], b[k], rtol, atol, f"{path}[{k!r}]")
        return
    if isinstance(b, list | tuple) and not isinstance(b, str):
        assert isinstance(a, list | tuple) and len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, rtol, atol, f"{path}[{i}]")
        return
    if hasattr(b, "shape") or isinstance(b, float | np.floating):
        x, y = np.asarray(a), np.asarray(b)
        assert x.shape == y.shape, f"{path}: shape {x.shape} != {y.shape}"
        if y.dtype.kind in "fc" or x.dtype.kind in "fc":
            kind = complex if "c" in (x.dtype.kind + y.dtype.kind) else float   # stft: complex
            assert np.allclose(x.astype(kind), y.astype(kind), rtol=rtol, atol=atol,
                               equal_nan=True), f"{path}: values differ"
        else:
            assert np.array_equal(x, y), f"{path}: values differ"
        return
    if isinstance(b, int | str | bool | type(None)):
        assert a == b, f"{path}: {a!r} != {b!r}"


def _arrays(result: Any):
    """Every float array and float in a result (arrays, tuples, lists, dicts)."""
    if isinstance(result, Mapping):
        result = list(result.values())
    if isinstance(result, list | tuple):
        for v in result:
            yield from _arrays(v)
    elif (hasattr(result, "dtype") and result.dtype.kind == "f") or isinstance(result, float):
        yield np.asarray(result)


def no_nan(result: Any) -> None:
    """A check: no NaN anywhere in the result (-inf, a masked log-probability, is fine)."""
    assert not any(np.isnan(a).any() for a in _arrays(result)), "NaN in the result"


def finite(result: Any) -> None:
    """A check: every float in the result (arrays, tuples, dicts) is finite."""
    assert all(np.isfinite(a).all() for a in _arrays(result)), "non-finite values in the result"
