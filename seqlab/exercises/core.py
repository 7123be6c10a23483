"""The exercise checker: compare a learner's function with the library's, and say what is wrong.

An :class:`Exercise` is a reference implementation (the library's), a list of :class:`Case`
inputs (random and hand-built; some *isolate* one term by zeroing all others, as the course's
own tests do, so a failure reads "related to b?"), and a list of known :class:`Mistake` versions
(a dropped bias, a wrong axis, ...). :func:`check` runs the learner's function on every case,
each call under a time limit (:mod:`~seqlab.exercises._timelimit`), and on the first failure
explains it (:mod:`~seqlab.exercises._explain`):

1. a call that does not finish in time: the known mistake that never stops on that case ("did
   you stop at max_length?"), or the learner's line that was running;
2. an exception inside the learner's code: what was raised and on which line of *their* cell,
   what the arguments really hold (a cache's fields, a dict's keys), or the known mistake that
   raises the same error;
3. ``NotImplementedError`` (the stub as shipped): the exercise is still *open*, not failed;
4. a wrong kind of result: ``None`` (forgotten ``return``), a tuple of the wrong length, a
   non-array, a wrong shape (named against the expected one), a changed input;
5. wrong values: the known mistake whose outputs equal the learner's on this case, that no
   other case refutes (the learner right where the mistake is wrong) and that agrees with the
   learner on at least as many other cases as it disagrees (a short output that happens to
   match proves little); otherwise the first wrong output in the order the function computes
   them, the first wrong time step, or the isolated term when another case passes.

The checker never raises, except :class:`CheckInterrupted` when the learner stops it (Ctrl-C),
which a notebook shows as a two-line report: whatever the learner's function does, the result
is a :class:`CheckResult` that shows itself as a short coloured report in a notebook.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from seqlab._validate import check_instance
from seqlab.exercises import _explain
from seqlab.exercises._compare import low_precision, same
from seqlab.exercises._run import (
    Run,
    agrees,
    as_tuple,
    clean_frames,
    compared,
    fresh,
    hanging_mistake,
    match_mistake,
    same_outputs,
)
from seqlab.exercises._timelimit import TIME_LIMIT_S, TimeLimitExceeded

_results: dict[str, CheckResult] = {}  # the last result of each exercise in this kernel
_same, _as_tuple, _same_outputs = same, as_tuple, same_outputs  # the names the tests know


@dataclass(frozen=True)
class Case:
    """One set of inputs. ``make(rng) -> dict`` name -> value (NumPy arrays) in the signature's
    order: the checker passes the values positionally (``_run._call``), so a learner may name the
    parameters as the course does or as the library does."""

    name: str
    make: Callable[[np.random.Generator], dict]
    isolates: str | None = None  # the only non-zero term, e.g. "b": "related to b?"


@dataclass(frozen=True)
class Mistake:
    """A known wrong version of the function and what to tell a learner whose code matches it.
    ``hangs``: it never returns on some case (a loop without its stop): it is matched when the
    learner's function runs out of time on a case where this one does too. ``variants``: the
    same slip written in other ways that differ on some case (``e + (1 - mask) * -1e9`` and
    ``np.where(mask, e, -1e9)`` differ on a fully masked row); a learner matches any of them."""

    name: str
    fn: Callable
    message: str
    hangs: bool = False
    variants: Sequence[Callable] = ()  # other ways learners write the same slip


@dataclass
class Exercise:
    """Everything :func:`check` needs to grade one function."""

    name: str                                  # the learner's function name, e.g. "softmax"
    signature: str                             # e.g. "softmax(z) -> s"
    reference: Callable                        # the library's answer, same signature
    cases: Sequence[Case]
    mistakes: Sequence[Mistake] = ()
    hidden_cases: Sequence[Case] = ()          # graded only, after `cases` (grading.py)
    hints: Sequence[str] = ()
    source: Callable | None = None             # what `reveal` shows (default: reference)
    library_name: str = ""                     # e.g. "seqlab.functional.softmax"
    week: str = "0"
    output_names: Sequence[str] = ("output",)  # names of the returned values, for messages
    not_compared: Sequence[str] = ()           # outputs returned but not compared (a cache)
    rtol: float = 1e-7
    atol: float = 1e-9
    steps: Sequence[tuple[str, Any]] = ()      # (output, what it points to if first wrong: a
    #                                            str, or f(names of the right outputs) -> str),
    #                                            in the order the function computes them
    time_axis: Mapping[str, int] = field(default_factory=dict)  # output -> its axis of time
    backward_in_time: bool = False             # the loop visits t = T_x first (BPTT)
    float32_ok: bool = True                    # a float32 answer right to float32 precision
    time_limit: float = TIME_LIMIT_S           # seconds per call of the learner's function


@dataclass
class CheckResult:
    """What a check found. ``status`` is "passed", "open" or "failed"."""

    exercise: str
    status: str
    message: str
    cases_passed: int = 0
    cases_total: int = 0
    mistake: str | None = None  # the name of the matched known mistake, if any
    details: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        mark = {"passed": "✓", "open": "…", "failed": "✗"}[self.status]
        lines = [f"{mark} {self.exercise}: {self.message}"]
        lines += [f"  {d}" for d in self.details]
        if self.cases_total:
            lines.append(f"  ({self.cases_passed} of {self.cases_total} test cases passed)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = {"passed": "#1a7f37", "open": "#9a6700", "failed": "#cf222e"}[self.status]
        body = "<br>".join(html.escape(line) for line in repr(self).splitlines())
        return (f'<div style="border-left:4px solid {colour};padding:4px 10px;'
                f'font-family:monospace;white-space:pre-wrap">{body}</div>')


class CheckInterrupted(KeyboardInterrupt):
    """The learner stopped a check (Ctrl-C, the notebook's stop button). Raised, so that
    "Run All" stops as asked; a notebook shows its text alone, without the checker's frames."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for a custom traceback
        return str(self).splitlines()


def check(ex: Exercise, fn: Any, seed: int = 0) -> CheckResult:
    """Run the learner's ``fn`` on every case of ``ex`` and explain the first failure.

    Never raises on the learner's answer, except :class:`CheckInterrupted` when the learner
    interrupts it (a TypeError if ``ex`` is not an Exercise: a caller's mistake). When ``fn``
    has the exercise's name (the function the exercise cell defines), the result is remembered
    for :func:`progress`; other functions are try-outs.
    """
    check_instance(ex, Exercise, "check(ex)", "an Exercise (get_exercise(name))")
    run = None
    try:
        if not callable(fn):
            return CheckResult(ex.name, "failed", f"expected your function `{ex.signature}`, "
                               f"got {type(fn).__name__} {str(fn)[:40]!r}.", 0, len(ex.cases))
        run = Run(ex, fn, seed)
        result = _check(run)
    except KeyboardInterrupt as exc:
        in_learner = run is not None and run.case_name is not None
        seconds = time.perf_counter() - run.started if in_learner else 0.0
        raise CheckInterrupted(_explain.interrupted_message(
            ex, run.case_name if in_learner else None, seconds, clean_frames(exc))) from None
    except Exception as exc:  # a checker bug must never reach the learner as a traceback
        message = str(exc) if "internal error" in str(exc) else (
            f"the checker could not judge this answer ({type(exc).__name__}: {exc}). Compare "
            f"your output's type and shape with `{ex.signature}`; please report this message.")
        result = CheckResult(ex.name, "failed", message)
    if getattr(fn, "__name__", None) == ex.name:  # the exercise cell's own function, not a demo
        _results[ex.name] = result
    return result


def _check(run: Run) -> CheckResult:
    ex, total = run.ex, len(run.ex.cases)
    for i, case in enumerate(ex.cases):
        pristine, refs = run.inputs[i], run.ref(i)
        kwargs = fresh(pristine)
        out, exc = run.call_learner(i, kwargs, copy=False)
        run.learner[i] = (out, exc)
        for k, v in pristine.items():
            if isinstance(v, np.ndarray) and not np.array_equal(v, kwargs[k], equal_nan=True):
                return CheckResult(ex.name, "failed", f"your function changed its input `{k}` "
                                   "in place (e.g. `z -= ...`); work on a copy instead.", i, total)
        if isinstance(exc, NotImplementedError):
            return CheckResult(ex.name, "open", f"not done yet: write `{ex.signature}` in the "
                               "cell above (replace `raise NotImplementedError()`). Until then "
                               f"the notebook uses the library's {ex.library_name}.", 0, total)
        if isinstance(exc, TimeLimitExceeded):
            lines = clean_frames(exc)
            details = [f"it was at {lines[-1]}"] if lines else []
            mistake = hanging_mistake(run, i)
            msg = (mistake.message if mistake else
                   _explain.timeout_message(case, ex.time_limit, run.ref_seconds(i)))
            return CheckResult(ex.name, "failed", msg, i, total,
                               mistake.name if mistake else None, details)
        if exc is not None:
            mistake = match_mistake(run, i)
            lines = clean_frames(exc)
            details = [f"in your code, {lines[-1]}"] if lines else []
            msg = _explain.exception_message(exc, pristine)
            if mistake:
                msg = mistake.message + f" (It raised {type(exc).__name__}: {exc})"
            return CheckResult(ex.name, "failed", msg, i, total,
                               mistake.name if mistake else None, details)
        outs, msg = _explain.kind_problem(ex, case, out, refs)
        details: list[str] = []
        if msg is None and not agrees(ex, outs, refs):
            msg, details = _value_problem(run, i, outs, refs)
        if msg is not None:
            mistake = match_mistake(run, i)
            if mistake is not None:               # its message says it all, and one number
                msg, details = mistake.message, _explain.first_difference(ex, outs, refs)
            return CheckResult(ex.name, "failed", msg, i, total,
                               mistake.name if mistake else None, details)
    return CheckResult(ex.name, "passed", f"all {total} test cases pass. Well done!",
                       total, total)


def _value_problem(run: Run, i: int, outs: tuple, refs: tuple) -> tuple[str, list[str]]:
    """Wrong values first (the first in the order they are computed), then a right answer in
    a precision the exercise does not take."""
    ex, case = run.ex, run.ex.cases[i]
    wrong, right, dtypes = [], [], []
    for name, o, r in compared(ex, outs, refs):
        low = low_precision(o)
        if not same(o, r, ex.rtol, ex.atol, to_precision=True):
            wrong.append((name, o, r))
        elif low is None or (ex.float32_ok and low == np.float32):
            right.append(name)
        else:
            dtypes.append((name, low))
    if not wrong:
        return _explain.dtype_message(case, *dtypes[0]), []
    isolated = bool(case.isolates) and any(run.passes(j) for j in range(len(ex.cases)) if j != i)
    return _explain.value_message(ex, case, wrong, right + [n for n, _ in dtypes], isolated)


def progress() -> str:
    """A one-line-per-exercise summary of this kernel's checks (shown by ``progress()``)."""
    if not _results:
        return "No exercise checked yet in this session."
    return "\n".join(repr(r).splitlines()[0] for r in _results.values())
