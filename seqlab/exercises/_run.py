"""One check's runs: the cases' inputs, and the reference's, the learner's and the known
mistakes' results on them, each computed once when first needed, under the time limit; and how
a learner's result is matched with a known mistake (:func:`match_mistake`).
"""

from __future__ import annotations

import copy as _copy
import numbers
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from seqlab.arrays import host_rng
from seqlab.backend import to_numpy
from seqlab.exercises._compare import is_real_number, low_precision, same
from seqlab.exercises._timelimit import TimeLimitExceeded, call_with_time_limit

if TYPE_CHECKING:
    from seqlab.exercises.core import Exercise, Mistake

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])
VERIFY_HANG_S = 0.3  # a known mistake "never stops" on a case if it runs this long


def clean_frames(exc: BaseException) -> list[str]:
    """Traceback lines from the learner's own code only (not seqlab, NumPy or the checker)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith(_PACKAGE_DIR) and "site-packages" not in f.filename
              and "/lib/python" not in f.filename]
    return [f"line {f.lineno}: {f.line}" for f in frames if f.line]


def as_tuple(out: Any, n: int) -> tuple | None:
    """The outputs as a tuple of length n (a single output is wrapped); None if impossible."""
    if n == 1:
        return (out,)
    return tuple(out) if isinstance(out, tuple | list) and len(out) == n else None


def fresh(kwargs: dict) -> dict:
    """Copies of the arguments (arrays, dicts, lists, a cache's arrays), so that no function
    can change what the next one receives; functions and what cannot be copied are shared."""
    memo: dict[int, Any] = {}
    return {k: _copied(v, memo) for k, v in kwargs.items()}


def _copied(v: Any, memo: dict[int, Any]) -> Any:
    """A copy of v as deepcopy makes it (an object shared by two places stays shared, as the
    params dict of every step of an RNN cache), but arrays by ndarray.copy and containers and
    named tuples (caches) element by element: 6x faster on a 300-word vocabulary."""
    if callable(v) or isinstance(v, str | bytes | numbers.Number | np.generic | None):
        return v
    if id(v) in memo:
        return memo[id(v)]
    if isinstance(v, np.ndarray):
        out = v.copy()
    elif isinstance(v, dict):
        out = {k: _copied(x, memo) for k, x in v.items()}
    elif isinstance(v, list):
        out = [_copied(x, memo) for x in v]
    elif isinstance(v, tuple):
        items = (_copied(x, memo) for x in v)
        out = type(v)(*items) if hasattr(v, "_fields") else tuple(items)
    else:
        try:
            out = _copy.deepcopy(v)
        except Exception:  # an argument that cannot be copied is passed as it is
            out = v
    memo[id(v)] = out
    return out


def _call(fn: Callable, kwargs: dict, copy: bool = True, limit: float | None = None
          ) -> tuple[Any, BaseException | None]:
    """``fn(*kwargs.values())`` as (result, None) or (None, exception), stopped after ``limit``
    seconds (TimeLimitExceeded); on copies of the arguments unless ``copy=False`` (the learner's
    call, so that an in-place change is visible to the check). Positional, in the signature's
    order: a learner may name the parameters as the course does (``xt``, ``parameters``) or as
    the library does (``x_t``, ``params``)."""
    if copy:
        kwargs = fresh(kwargs)
    try:
        return call_with_time_limit(fn, tuple(kwargs.values()), limit), None
    except (Exception, TimeLimitExceeded) as exc:  # the learner's code may raise anything
        return None, exc


def compared(ex: Exercise, outs: tuple, refs: tuple, by_steps: bool = True
             ) -> list[tuple[str, Any, Any]]:
    """(name, learner's, reference) for every compared output, a dict's entries one by one
    (named like ``grads["dW_aa"]``), in the order of ``ex.steps`` first (or as returned)."""
    items = []
    for name, o, r in zip(ex.output_names, outs, refs, strict=True):
        if name in ex.not_compared:
            continue
        if isinstance(r, dict):
            items += [(f'{name}["{k}"]', o.get(k) if isinstance(o, dict) else None, r[k])
                      for k in r]
        else:
            items.append((name, o, r))
    rank = {name: i for i, (name, _) in enumerate(ex.steps if by_steps else ())}
    return sorted(items, key=lambda item: rank.get(item[0], len(rank)))


def same_outputs(outs: tuple, refs: tuple, ex: Exercise, to_precision: bool = False) -> bool:
    return all(same(o, r, ex.rtol, ex.atol, to_precision)
               for name, o, r in zip(ex.output_names, outs, refs, strict=True)
               if name not in ex.not_compared)


class Run:
    """One check: the cases' inputs (drawn in order from one seed), and the reference's, the
    learner's and the known mistakes' results on them, each computed once when first needed."""

    def __init__(self, ex: Exercise, fn: Callable, seed: int):
        self.ex, self.fn = ex, fn
        rng = host_rng(seed)
        self.inputs = [case.make(rng) for case in ex.cases]
        self._refs: dict[int, tuple] = {}
        self._ref_s: dict[int, float] = {}
        self.learner: dict[int, tuple[Any, BaseException | None]] = {}
        self._mistakes: dict[tuple[str, int], tuple[Any, BaseException | None]] = {}
        self.case_name: str | None = None    # the case the learner's function is running on
        self.started = 0.0
        self.timed_out = False

    def ref(self, i: int) -> tuple:
        if i not in self._refs:
            start = time.perf_counter()
            out, exc = _call(self.ex.reference, self.inputs[i])
            self._ref_s[i] = time.perf_counter() - start
            if exc is not None:  # a bug in the exercise itself, never the learner's fault
                raise RuntimeError(f"internal error in the reference on case "
                                   f"'{self.ex.cases[i].name}': {exc!r}. Please report it.")
            self._refs[i] = as_tuple(out, len(self.ex.output_names))
        return self._refs[i]

    def ref_seconds(self, i: int) -> float:
        self.ref(i)
        return self._ref_s[i]

    def call_learner(self, i: int, kwargs: dict, copy: bool) -> tuple[Any, BaseException | None]:
        """The learner's function on case ``i``, under the time limit; once it has run out of
        time on some case, the other cases get VERIFY_HANG_S each (a function that never stops
        on one case costs the limit once, not once per case)."""
        self.case_name, self.started = self.ex.cases[i].name, time.perf_counter()
        limit = VERIFY_HANG_S if self.timed_out else self.ex.time_limit
        result = _call(self.fn, kwargs, copy=copy, limit=limit)
        self.timed_out = self.timed_out or isinstance(result[1], TimeLimitExceeded)
        self.case_name = None
        return result

    def learner_on(self, i: int) -> tuple[Any, BaseException | None]:
        if i not in self.learner:
            self.learner[i] = self.call_learner(i, self.inputs[i], copy=True)
        return self.learner[i]

    def mistake_on(self, m: Mistake, i: int, limit: float | None = None, version: int = 0):
        key = (m.name, i, version)
        if key not in self._mistakes:
            fn = m.fn if version == 0 else m.variants[version - 1]
            self._mistakes[key] = _call(fn, self.inputs[i], limit=limit or self.ex.time_limit)
        return self._mistakes[key]

    def passes(self, i: int) -> bool:
        out, exc = self.learner_on(i)
        outs = as_tuple(out, len(self.ex.output_names)) if exc is None else None
        return outs is not None and agrees(self.ex, outs, self.ref(i))

    def compare_with(self, m: Mistake, i: int) -> str:
        """What case ``i`` says about the learner having made mistake ``m``: "same" (their
        results are equal, or raise the same error), "silent" (``m`` is right on this case),
        "refuted" (the learner is right where ``m`` is wrong) or "differs" (both are wrong, in
        different ways: another bug on top, or another mistake)."""
        limit = VERIFY_HANG_S if m.hangs else None
        results = [self.mistake_on(m, i, limit, v) for v in range(1 + len(m.variants))]
        out, exc = self.learner_on(i)
        outs = as_tuple(out, len(self.ex.output_names)) if exc is None else None
        refs = self.ref(i)
        if any(_same_result(self.ex, (out, exc), r) for r in results):
            return "same"
        if any(e is None and (mo := as_tuple(o, len(refs))) is not None
               and same_outputs(mo, refs, self.ex) for o, e in results):
            return "silent"
        return "refuted" if outs is not None and agrees(self.ex, outs, refs) else "differs"


def _same_result(ex: Exercise, learner: tuple, mistake: tuple) -> bool:
    """The learner's (output, exception) equals a mistake's: the same exception type and text,
    or outputs of the same kinds (an array is not a list) with equal values."""
    (out, exc), (m_out, m_exc) = learner, mistake
    if exc is not None or m_exc is not None:
        return (exc is not None and m_exc is not None and type(exc) is type(m_exc)
                and str(exc) == str(m_exc))
    n = len(ex.output_names)
    outs, m_outs = as_tuple(out, n), as_tuple(m_out, n)
    if outs is None or m_outs is None:
        return outs is None and m_outs is None and same(out, m_out, ex.rtol, ex.atol, True)
    return (all(_kind(o) == _kind(mo) for name, o, mo in zip(ex.output_names, outs, m_outs,
                                                             strict=True)
                if name not in ex.not_compared)
            and same_outputs(outs, m_outs, ex, to_precision=True))


def _kind(x: Any) -> str:
    x = to_numpy(x)
    if isinstance(x, np.ndarray):
        return "array"
    return "number" if is_real_number(x) else type(x).__name__


def agrees(ex: Exercise, outs: tuple, refs: tuple) -> bool:
    """The learner's outputs are right: equal within the tolerances, or right to float32
    precision where the exercise accepts float32 (where it does not, float32 is never right)."""
    for _name, o, r in compared(ex, outs, refs):
        low = low_precision(o)
        if low is not None and not (ex.float32_ok and low == np.float32):
            return False
        if not same(o, r, ex.rtol, ex.atol, to_precision=low is not None):
            return False
    return True


def match_mistake(run: Run, i: int) -> Mistake | None:
    """The first known mistake that gives the learner's result on case ``i`` (outputs or
    exception), that no case refutes (the learner right where the mistake is wrong) and that
    agrees with the learner on at least as many of the other cases where it shows as it
    disagrees with (an output that happens to match, a short list of ints, proves little)."""
    for mistake in run.ex.mistakes:
        if run.compare_with(mistake, i) != "same":
            continue
        verdicts = [run.compare_with(mistake, j) for j in range(len(run.ex.cases)) if j != i]
        if "refuted" not in verdicts and verdicts.count("same") + 1 >= verdicts.count("differs"):
            return mistake
    return None


def hanging_mistake(run: Run, i: int) -> Mistake | None:
    """The first known mistake that never stops on case ``i`` either."""
    for mistake in run.ex.mistakes:
        if mistake.hangs:
            _, exc = run.mistake_on(mistake, i, limit=VERIFY_HANG_S)
            if isinstance(exc, TimeLimitExceeded):
                return mistake
    return None
