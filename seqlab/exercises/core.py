"""The exercise checker: compare a learner's function with the library's, and say what is wrong.

An :class:`Exercise` is a reference implementation (the library's), a list of :class:`Case`
inputs (random and hand-built; some *isolate* one term by zeroing all others, as the course's
own tests do, so a failure reads "related to b?"), and a list of known :class:`Mistake` versions
(a dropped bias, a wrong axis, ...). :func:`check` runs the learner's function on every case and,
on the first failure, explains it:

1. an exception inside the learner's code: what was raised and on which line of *their* cell,
   matched against the known mistakes when one raises the same error;
2. ``NotImplementedError`` (the stub as shipped): the exercise is still *open*, not failed;
3. a wrong kind of result: ``None`` (forgotten ``return``), a tuple of the wrong length, a
   non-array, a wrong shape (named against the expected one), a changed input;
4. wrong values: the known mistake whose output equals the learner's gives its specific message;
   otherwise the isolated term of the failing case; otherwise the largest difference.

The checker never raises: whatever the learner's function does, the result is a
:class:`CheckResult` that shows itself as a short coloured report in a notebook.
"""

from __future__ import annotations

import copy as _copy
import html
import numbers
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from seqlab.backend import host_rng, to_numpy

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])
_results: dict[str, CheckResult] = {}  # the last result of each exercise in this kernel


@dataclass(frozen=True)
class Case:
    """One set of inputs. ``make(rng) -> dict`` of keyword arguments (NumPy arrays)."""

    name: str
    make: Callable[[np.random.Generator], dict]
    isolates: str | None = None  # the only non-zero term, e.g. "b": "related to b?"


@dataclass(frozen=True)
class Mistake:
    """A known wrong version of the function and what to tell a learner whose code matches it."""

    name: str
    fn: Callable
    message: str


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


def _clean_frames(exc: BaseException) -> list[str]:
    """Traceback lines from the learner's own code only (not seqlab, NumPy or the checker)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_PACKAGE_DIR) and "site-packages" not in f.filename
              and "/lib/python" not in f.filename]
    return [f"line {f.lineno}: {f.line}" for f in frames if f.line]


def _as_tuple(out: Any, n: int) -> tuple | None:
    """The outputs as a tuple of length n (a single output is wrapped); None if impossible."""
    if n == 1:
        return (out,)
    return tuple(out) if isinstance(out, tuple | list) and len(out) == n else None


def _call(fn: Callable, kwargs: dict, copy: bool = True) -> tuple[Any, BaseException | None]:
    """``fn(*kwargs.values())`` as (result, None) or (None, exception); on copies of the arrays
    unless ``copy=False`` (the learner's call, so that an in-place change is visible to the
    check). Positional, in the signature's order: a learner may name the parameters as the
    course does (``xt``, ``parameters``) or as the library does (``x_t``, ``params``)."""
    if copy:
        kwargs = _fresh(kwargs)
    try:
        return fn(*kwargs.values()), None
    except Exception as exc:  # the learner's code may raise anything
        return None, exc


def _fresh(kwargs: dict) -> dict:
    """Copies of the arguments: arrays, and dicts or lists of arrays (params, gradients), so
    that no function can change what the next one receives."""
    out = {}
    for k, v in kwargs.items():
        try:
            out[k] = _copy.deepcopy(v) if isinstance(v, np.ndarray | dict | list) else v
        except Exception:  # an argument that cannot be copied is passed as it is
            out[k] = v
    return out


def _kind(obj: Any) -> str:
    """'list of length 3', 'str', ...: what a learner returned, for a message."""
    return type(obj).__name__ + (f" of length {len(obj)}" if hasattr(obj, "__len__") else "")


def _is_real_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _same(a: Any, b: Any, rtol: float, atol: float) -> bool:
    """Equal values: arrays and real scalars allclose (NaN equal to NaN), dicts key by key,
    anything else (strings, token lists, booleans) by ==."""
    if isinstance(b, dict):
        return (isinstance(a, dict) and set(a) == set(b)
                and all(_same(a[k], b[k], rtol, atol) for k in b))
    try:
        a, b = to_numpy(a), to_numpy(b)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            return a.shape == b.shape and bool(np.allclose(a, b, rtol, atol, equal_nan=True))
        if _is_real_number(a) and _is_real_number(b):  # a float cost: 1e-16 apart is the same
            return bool(np.isclose(float(a), float(b), rtol, atol, equal_nan=True))
        return bool(a == b)
    except Exception:
        return False


def _same_outputs(outs: tuple, refs: tuple, ex: Exercise) -> bool:
    return all(_same(o, r, ex.rtol, ex.atol)
               for name, o, r in zip(ex.output_names, outs, refs, strict=True)
               if name not in ex.not_compared)


def _compared(ex: Exercise, outs: tuple, refs: tuple) -> list[tuple[str, Any, Any]]:
    """(name, learner's, reference) for every compared output, a dict's entries one by one
    (named like ``grads["dW_aa"]``)."""
    items = []
    for name, o, r in zip(ex.output_names, outs, refs, strict=True):
        if name in ex.not_compared:
            continue
        if isinstance(r, dict):
            items += [(f'{name}["{k}"]', o[k], r[k]) for k in r]
        else:
            items.append((name, o, r))
    return items


def _match_mistake(ex: Exercise, kwargs: dict, outs: tuple | None, exc: BaseException | None,
                   refs: tuple) -> Mistake | None:
    """The first known mistake that reproduces the learner's outputs (or exception)."""
    for mistake in ex.mistakes:
        m_out, m_exc = _call(mistake.fn, kwargs)
        if exc is not None or m_exc is not None:
            if (exc is not None and m_exc is not None and type(exc) is type(m_exc)
                    and str(exc) == str(m_exc)):
                return mistake
            continue
        m_outs = _as_tuple(m_out, len(ex.output_names))
        if m_outs is None or outs is None or _same_outputs(m_outs, refs, ex):
            continue  # a mistake that happens to be right on this case proves nothing
        if _same_outputs(outs, m_outs, ex):
            return mistake
    return None


def _numeric(x: np.ndarray) -> bool:
    return x.dtype.kind in "biufc"


def _short(x: np.ndarray) -> str:
    value = x.item() if x.ndim == 0 else x.tolist()
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _describe_value_error(ex: Exercise, case: Case, name: str, got: np.ndarray,
                          want: np.ndarray) -> tuple[str, list[str]]:
    details = []
    if not (_numeric(got) and _numeric(want)):  # a word, a token list: say what came back
        return (f"`{name}` is {_short(got)} on the case '{case.name}', expected "
                f"{_short(want)}."), details
    if got.shape != want.shape:
        return (f"`{name}` has shape/length {got.shape} on the case '{case.name}', expected "
                f"{want.shape}."), details
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        msg = (f"`{name}` contains NaN or inf on the case '{case.name}', where the right answer "
               "is finite: look for an overflow (exp of a large number) or a division by zero.")
        return msg, details
    diff = np.abs(got.astype(float) - want.astype(float))
    idx = np.unravel_index(int(np.nanargmax(diff)), diff.shape) if diff.size else ()
    where = f" at index {tuple(int(i) for i in idx)}" if idx else ""
    details.append(f"largest difference {float(np.nanmax(diff)):.3g}{where}: "
                   f"got {float(got[idx]):.6g}, expected {float(want[idx]):.6g}")
    if case.isolates:
        return (f"wrong values of `{name}` on the case '{case.name}', where every term but "
                f"`{case.isolates}` is zero: problem related to {case.isolates}?"), details
    return f"wrong values of `{name}` on the case '{case.name}'.", details


def _diagnose_outputs(ex: Exercise, case: Case, out: Any, refs: tuple
                      ) -> tuple[tuple | None, str | None, list[str]]:
    """Check the *kind* of result. Returns (outputs, message or None, details)."""
    n = len(ex.output_names)
    if out is None:
        return None, "your function returned None: did you forget the `return` statement?", []
    if n == 1 and isinstance(out, tuple):
        return None, (f"your function returned a tuple of {len(out)} values; it should return "
                      f"one array, `{ex.output_names[0]}`."), []
    outs = _as_tuple(out, n)
    if outs is None:
        return None, (f"expected {n} values ({', '.join(ex.output_names)}) returned as a "
                      f"tuple, got a {_kind(out)}."), []
    for name, o, r in zip(ex.output_names, outs, refs, strict=True):
        if name not in ex.not_compared and isinstance(r, dict):
            if not isinstance(o, dict):
                return None, (f"`{name}` should be a dict with keys {sorted(r)}, got a "
                              f"{_kind(o)}."), []
            if set(o) != set(r):
                missing, extra = sorted(set(r) - set(o)), sorted(set(o) - set(r))
                what = "; ".join(([f"missing {missing}"] if missing else [])
                                 + ([f"unexpected {extra}"] if extra else []))
                return None, f"`{name}` has the wrong keys: {what}.", []
    for name, o, r in _compared(ex, outs, refs):
        o_np = to_numpy(o)
        if isinstance(r, np.ndarray) and not isinstance(o_np, np.ndarray):
            return None, (f"`{name}` should be a NumPy array of shape {r.shape}, got a "
                          f"{_kind(o)}."), []
        if isinstance(r, np.ndarray) and o_np.shape != r.shape:
            hint = ""
            if o_np.shape == r.shape[::-1]:
                hint = " (the transpose: check the order of a matrix product)"
            elif o_np.size == r.size:
                hint = " (same number of entries: a reshape or a lost keepdims?)"
            elif len(o_np.shape) < len(r.shape):
                hint = " (an axis is missing: keepdims=True in a sum or max?)"
            return None, (f"`{name}` has shape {o_np.shape}, expected {r.shape}{hint} on the "
                          f"case '{case.name}'."), []
    return outs, None, []


def check(ex: Exercise, fn: Any, seed: int = 0) -> CheckResult:
    """Run the learner's ``fn`` on every case of ``ex`` and explain the first failure.

    Never raises. When ``fn`` has the exercise's name (the function the exercise cell defines),
    the result is remembered for :func:`progress`; other functions are try-outs.
    """
    try:
        result = _check(ex, fn, seed)
    except Exception as exc:  # a checker bug must never reach the learner as a traceback
        result = CheckResult(ex.name, "failed", f"the checker could not judge this answer "
                             f"({type(exc).__name__}: {exc}). Compare your output's type and "
                             f"shape with `{ex.signature}`; please report this message.")
    if getattr(fn, "__name__", None) == ex.name:  # the exercise cell's own function, not a demo
        _results[ex.name] = result
    return result


def _check(ex: Exercise, fn: Any, seed: int) -> CheckResult:
    total = len(ex.cases)
    if not callable(fn):
        return CheckResult(ex.name, "failed", f"expected your function `{ex.signature}`, got "
                           f"{type(fn).__name__} {str(fn)[:40]!r}.", 0, total)
    rng = host_rng(seed)
    for i, case in enumerate(ex.cases):
        kwargs = case.make(rng)
        ref_out, ref_exc = _call(ex.reference, kwargs)
        if ref_exc is not None:  # a bug in the exercise itself, never the learner's fault
            return CheckResult(ex.name, "failed", f"internal error in the reference on case "
                               f"'{case.name}': {ref_exc!r}. Please report it.", i, total)
        refs = _as_tuple(ref_out, len(ex.output_names))
        before = {k: v.copy() for k, v in kwargs.items() if isinstance(v, np.ndarray)}
        pristine = _fresh(kwargs)  # the known mistakes run on these, whatever the learner changes
        out, exc = _call(fn, kwargs, copy=False)
        for k, v in before.items():
            if not np.array_equal(v, kwargs[k], equal_nan=True):
                return CheckResult(ex.name, "failed", f"your function changed its input `{k}` "
                                   "in place (e.g. `z -= ...`); work on a copy instead.", i, total)
        if isinstance(exc, NotImplementedError):
            return CheckResult(ex.name, "open", f"not done yet: write `{ex.signature}` in the "
                               "cell above (replace `raise NotImplementedError()`). Until then "
                               f"the notebook uses the library's {ex.library_name}.", 0, total)
        if exc is not None:
            mistake = _match_mistake(ex, pristine, None, exc, refs)
            lines = _clean_frames(exc)
            details = [f"in your code, {lines[-1]}"] if lines else []
            msg = f"your function raised {type(exc).__name__}: {exc}"
            if isinstance(exc, KeyError):  # e.g. the course's "Wf" for the library's "W_f"
                msg += "; " + "; ".join(f"`{k}` has the keys {sorted(map(str, v))}"
                                        for k, v in pristine.items() if isinstance(v, dict))
            if mistake:
                msg = mistake.message + f" (It raised {type(exc).__name__}: {exc})"
            return CheckResult(ex.name, "failed", msg, i, total,
                               mistake.name if mistake else None, details)
        outs, msg, details = _diagnose_outputs(ex, case, out, refs)
        if msg is None and not _same_outputs(outs, refs, ex):
            for name, o, r in _compared(ex, outs, refs):
                if not _same(o, r, ex.rtol, ex.atol):
                    msg, details = _describe_value_error(
                        ex, case, name, np.asarray(to_numpy(o)), np.asarray(r))
                    break
        if msg is not None:
            mistake = _match_mistake(ex, pristine, outs, None, refs) if outs else None
            if mistake is None and outs is None:
                mistake = _match_mistake_by_shape(ex, pristine, out)
            if mistake is not None:
                msg = mistake.message
            return CheckResult(ex.name, "failed", msg, i, total,
                               mistake.name if mistake else None, details)
    return CheckResult(ex.name, "passed", f"all {total} test cases pass. Well done!",
                       total, total)


def _match_mistake_by_shape(ex: Exercise, kwargs: dict, out: Any) -> Mistake | None:
    """A known mistake whose output has the same (wrong) shape as the learner's."""
    shape = getattr(to_numpy(out), "shape", None)
    if shape is None:
        return None
    for mistake in ex.mistakes:
        m_out, m_exc = _call(mistake.fn, kwargs)
        if m_exc is None and getattr(to_numpy(m_out), "shape", None) == shape:
            if _same(out, m_out, ex.rtol, ex.atol):
                return mistake
    return None


def progress() -> str:
    """A one-line-per-exercise summary of this kernel's checks (shown by ``progress()``)."""
    if not _results:
        return "No exercise checked yet in this session."
    return "\n".join(repr(r).splitlines()[0] for r in _results.values())

