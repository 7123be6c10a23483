"""The checker's messages: what kind of result came back, which value is wrong first, what a
raised exception means here. :mod:`seqlab.exercises.core` decides *when* to say something;
this module says it.

A wrong value is named as precisely as the exercise allows:

- several outputs (a backward pass: dz, then dW and db, then da_prev and dx): the first wrong one
  in the order the function computes them (``Exercise.steps``), with what that points to, and
  which ones are right;
- an output over time (``Exercise.time_axis``): the first wrong time step, in the order the
  learner's loop visits them ("right for t = 1..2, first wrong at t = 3");
- a case that isolates one term, when another case passes: "problem related to b?";
- otherwise the case and the largest difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from seqlab.backend import to_numpy
from seqlab.exercises._compare import same
from seqlab.exercises._run import as_tuple, compared


def kind(obj: Any) -> str:
    """'list of length 3', 'str', ...: what a learner returned, for a message."""
    return type(obj).__name__ + (f" of length {len(obj)}" if hasattr(obj, "__len__") else "")


def _short(x: np.ndarray) -> str:
    text = repr(x.item() if x.ndim == 0 else x.tolist())
    return text if len(text) <= 80 else text[:77] + "..."


# ---------------------------------------------------------------------------------- exceptions


def _named_tuples(kwargs: dict) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in kwargs.items() if isinstance(v, tuple) and hasattr(v, "_fields")]


def _dicts(kwargs: dict) -> list[tuple[str, dict]]:
    """The dicts among the arguments, and those one attribute deep in a cache (``cache.params``)."""
    found = [(k, v) for k, v in kwargs.items() if isinstance(v, dict)]
    for k, v in _named_tuples(kwargs):
        found += [(f"{k}.{f}", getattr(v, f)) for f in v._fields
                  if isinstance(getattr(v, f), dict)]
    return found


def _plain(key: str) -> str:
    return key.replace("_", "").lower()


def exception_message(exc: BaseException, kwargs: dict) -> str:
    """'your function raised KeyError: 'Wf'. ...' with what the arguments really hold."""
    msg = f"your function raised {type(exc).__name__}: {exc}"
    notes = []
    if isinstance(exc, KeyError) and exc.args:
        key, dicts = exc.args[0], _dicts(kwargs)
        for label, d in dicts:
            ours = [k for k in d if isinstance(key, str) and isinstance(k, str)
                    and _plain(k) == _plain(key) and k != key]
            if ours:
                notes.append(f"`{label}` uses the library's key names: {ours[0]!r} for the "
                             f"course's {key!r}")
        notes += [f"`{label}` has the keys {sorted(map(str, d))}" for label, d in dicts]
    text = str(exc)
    if ("indices must be integers" in text or "values to unpack" in text
            or "not subscriptable" in text):
        notes += [f"`{k}` is the library's {type(v).__name__}, a named tuple with the fields "
                  f"({', '.join(v._fields)}) in this order: read them by name, "
                  f"{k}.{v._fields[0]}" for k, v in _named_tuples(kwargs)]
    if isinstance(exc, ValueError | IndexError) and any(
            w in text for w in ("shape", "dimension", "broadcast", "aligned", "matmul")):
        shapes = [f"{k} {v.shape}" for k, v in kwargs.items() if isinstance(v, np.ndarray)]
        if shapes:
            notes.append("the arrays on this case have the shapes " + ", ".join(shapes))
    if not notes:
        return msg + "."
    text = "; ".join(notes)
    return f"{msg}. {text[0].upper()}{text[1:]}."


# --------------------------------------------------------------------------- kinds of result


def kind_problem(ex, case, out: Any, refs: tuple) -> tuple[tuple | None, str | None]:
    """Check the *kind* of result. Returns (outputs as a tuple, None) or (None, message)."""
    n = len(ex.output_names)
    if out is None:
        return None, "your function returned None: did you forget the `return` statement?"
    if n == 1 and isinstance(out, tuple):
        return None, (f"your function returned a tuple of {len(out)} values; it should return "
                      f"one array, `{ex.output_names[0]}`.")
    outs = as_tuple(out, n)
    if outs is None:
        return None, (f"expected {n} values ({', '.join(ex.output_names)}) returned as a "
                      f"tuple, got a {kind(out)}.")
    for name, o, r in zip(ex.output_names, outs, refs, strict=True):
        if name not in ex.not_compared and isinstance(r, dict):
            if not isinstance(o, dict):
                return None, f"`{name}` should be a dict with keys {sorted(r)}, got a {kind(o)}."
            if set(o) != set(r):
                missing, extra = sorted(set(r) - set(o)), sorted(set(o) - set(r))
                what = "; ".join(([f"missing {missing}"] if missing else [])
                                 + ([f"unexpected {extra}"] if extra else []))
                return None, f"`{name}` has the wrong keys: {what}."
    for name, o, r in compared(ex, outs, refs):
        o_np = to_numpy(o)
        if isinstance(r, np.ndarray) and not isinstance(o_np, np.ndarray):
            return None, f"`{name}` should be a NumPy array of shape {r.shape}, got a {kind(o)}."
        if isinstance(r, np.ndarray) and o_np.shape != r.shape:
            hint = ""
            if o_np.shape == r.shape[::-1]:
                hint = " (the transpose: check the order of a matrix product)"
            elif o_np.size == r.size:
                hint = " (same number of entries: a reshape or a lost keepdims?)"
            elif len(o_np.shape) < len(r.shape):
                hint = " (an axis is missing: keepdims=True in a sum or max?)"
            return None, (f"`{name}` has shape {o_np.shape}, expected {r.shape}{hint} on the "
                          f"case '{case.name}'.")
    return outs, None


# ---------------------------------------------------------------------------------- values


def _largest_difference(got: np.ndarray, want: np.ndarray) -> str:
    diff = np.abs(got.astype(float) - want.astype(float))
    if diff.size and np.all(np.isnan(diff)):
        return "every entry differs (NaN or inf on one side)"
    idx = np.unravel_index(int(np.nanargmax(diff)), diff.shape) if diff.size else ()
    where = f" at index {tuple(int(i) for i in idx)}" if idx else ""
    return (f"largest difference {float(np.nanmax(diff)):.3g}{where}: got "
            f"{float(got[idx]):.6g}, expected {float(want[idx]):.6g}")


def first_difference(ex, outs: tuple | None, refs: tuple) -> list[str]:
    """The largest difference of the first wrong output, in the order the function returns
    them ([] where nothing numeric can be compared): the detail a known mistake's message
    comes with."""
    for _name, o, r in (compared(ex, outs, refs, by_steps=False) if outs else ()):
        if same(o, r, ex.rtol, ex.atol, to_precision=True):
            continue
        got, want = np.asarray(to_numpy(o)), np.asarray(r)
        if (got.dtype.kind in "biufc" and want.dtype.kind in "biufc" and got.shape == want.shape
                and (np.all(np.isfinite(got)) or not np.all(np.isfinite(want)))):
            return [_largest_difference(got, want)]
        return []
    return []


def _step_text(ex, case, name: str, got: np.ndarray, want: np.ndarray) -> str | None:
    """'`a` is right for t = 1..2 and first wrong at t = 3 (a[:, :, 2]) ...', or None."""
    axis = ex.time_axis.get(name.split("[")[0])
    if axis is None or got.shape != want.shape or got.ndim <= axis:
        return None
    T = want.shape[axis]
    order = list(range(T))[::-1] if ex.backward_in_time else list(range(T))
    wrong = [t for t in order if not same(np.take(got, t, axis), np.take(want, t, axis),
                                          ex.rtol, ex.atol, to_precision=True)]
    if not wrong:
        return None
    first = wrong[0]
    index = ", ".join(str(first) if d == axis else ":" for d in range(want.ndim))
    right = order[:order.index(first)]
    loop = "your loop's first step" if not right else f"step {len(right) + 1} of your loop"
    done = ""
    if right:
        steps = (f"t = {right[0] + 1}" if len(right) == 1
                 else f"t = {right[0] + 1}..{right[-1] + 1}")
        first_done = ("" if not ex.backward_in_time else " (the step your loop does first)"
                      if len(right) == 1 else " (the steps your loop does first)")
        done = f"right for {steps}{first_done} and "
    every = (" (and at every step your loop does after it)"
             if len(wrong) == len(order) - len(right) > 1 else "")
    return (f"`{name}` is {done}first wrong at t = {first + 1}, {name}[{index}]{every}, on the "
            f"case '{case.name}': check {loop}, t = {first + 1}"
            + (", and what it takes from the step before." if right else "."))


def value_message(ex, case, wrong: list[tuple[str, Any, Any]], right: list[str],
                  isolated: bool) -> tuple[str, list[str]]:
    """The message for wrong values: ``wrong`` are (name, got, expected) in the order the
    function computes them, ``right`` the names of the right ones; ``isolated``: another case
    passes, so a failure on a case that isolates one term points to that term."""
    name, o, r = wrong[0]
    got, want = np.asarray(to_numpy(o)), np.asarray(r)
    details = []
    numeric = got.dtype.kind in "biufc" and want.dtype.kind in "biufc"
    if not numeric:                                  # a word, a token list: say what came back
        return (f"`{name}` is {_short(got)} on the case '{case.name}', expected "
                f"{_short(want)}."), details
    if got.shape != want.shape:
        return (f"`{name}` has shape/length {got.shape} on the case '{case.name}', expected "
                f"{want.shape}."), details
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        return (f"`{name}` contains NaN or inf on the case '{case.name}', where the right "
                "answer is finite: look for an overflow (exp of a large number) or a division "
                "by zero."), details
    if len(wrong) + len(right) > 1:
        if right:
            details.append("right: " + ", ".join(right))
        if len(wrong) > 1:
            details.append("also wrong: " + ", ".join(w[0] for w in wrong[1:]))
    details.append(_largest_difference(got, want))
    steps = _step_text(ex, case, name, got, want)
    if steps:
        return steps, details
    parts = []
    if case.isolates and isolated:
        parts.append(f"wrong values of `{name}` on the case '{case.name}', where every term but "
                     f"`{case.isolates}` is zero: problem related to {case.isolates}?")
    if len(wrong) + len(right) > 1:
        meaning = dict(ex.steps).get(name)
        if callable(meaning):                        # what it points to depends on the others
            meaning = meaning(set(right))
        first = (f"the first wrong value, in the order your function computes them, is `{name}`"
                 + ("" if parts else f" on the case '{case.name}'")
                 + (f": {meaning}" if meaning else "."))
        parts.append(first[0].upper() + first[1:] if parts else first)
    if not parts:
        parts.append(f"wrong values of `{name}` on the case '{case.name}'.")
    return " ".join(parts), details


def dtype_message(case, name: str, dtype: np.dtype) -> str:
    return (f"`{name}` is right to {dtype} precision on the case '{case.name}', but it is "
            f"{dtype}: this exercise needs float64, NumPy's default (a gradient is checked "
            "against finite differences, which need float64's 16 digits). Remove the "
            f".astype(np.{dtype}) or dtype=np.{dtype}.")


def timeout_message(case, limit_s: float, ref_s: float) -> str:
    return (f"your function never stopped: it was still running after {limit_s:g} s on the case "
            f"'{case.name}' (the library's answer takes {1000 * ref_s:.0f} ms), so the check "
            "stopped it. A loop that never stops? Check that every `while` condition becomes "
            "False (or that the loop breaks) on this case.")


def interrupted_message(ex, case_name: str | None, seconds: float, lines: list[str]) -> str:
    where = (f" while your function ran on the case '{case_name}' ({seconds:.1f} s)"
             if case_name else "")
    at = ""
    if lines:
        number, _, code = lines[-1].partition(": ")
        at = f" It was at {number}: `{code}`."
    return (f"✗ {ex.name}: check stopped by you (KeyboardInterrupt){where}; nothing was "
            f"judged.{at} The check stops a function that runs longer than {ex.time_limit:g} s "
            "by itself and tells you where it was.")


