"""The registry of the input-contract table: every public callable of seqlab and its cases.

:func:`public_names` lists what must be registered: every function and class named in the
``__all__`` of a seqlab module (by the module that defines it) and every public method of
those classes. NamedTuples (caches, results) and exception classes are records, not entry
points. A name without cases must be exempted with its reason (``reg.no_input``: it takes
no argument, or accepts any value by design).

``python -m tests.contract.registry`` prints the counts of outcome classes (the survey).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections import Counter
from functools import cache

from tests.contract._harness import OK_CLASSES, Registry, outcome

CASE_MODULES = ("cases_core", "cases_rnn", "cases_lm", "cases_embeddings", "cases_seq2seq",
                "cases_transformer", "cases_speech", "cases_tasks", "cases_data", "cases_viz",
                "cases_backend")


@cache
def registry() -> Registry:
    reg = Registry()
    for name in CASE_MODULES:
        importlib.import_module(f"tests.contract.{name}").register(reg)
    return reg


def _is_record(obj) -> bool:
    return inspect.isclass(obj) and (
        (issubclass(obj, tuple) and hasattr(obj, "_fields")) or issubclass(obj, BaseException))


def _private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split(".")[1:])


def public_names(required: bool = True) -> dict[str, object]:
    """{"seqlab.module.name": obj} for every public function, class and method.

    A name counts where a public module (no ``_`` in its path) lists it in ``__all__``; it is
    keyed by the module that defines it (``seqlab.seq2seq.beam.beam_search``), or by the
    listing module for generated functions (``seqlab.exercises.check_softmax``). Methods are
    keyed by the class that defines them. ``required=False`` also returns what only private
    modules list (cases for them are allowed, not required).
    """
    import seqlab

    names: dict[str, object] = {}
    for info in pkgutil.walk_packages(seqlab.__path__, "seqlab."):
        if required and _private(info.name):
            continue
        module = importlib.import_module(info.name)
        for attr in getattr(module, "__all__", ()):
            obj = getattr(module, attr)
            if inspect.ismodule(obj) or not callable(obj) or _is_record(obj):
                continue
            home = getattr(obj, "__module__", None) or info.name
            if not home.startswith("seqlab"):
                continue
            qual = obj.__qualname__
            key = f"{info.name}.{attr}" if "<locals>" in qual else f"{home}.{qual}"
            names[key] = obj
            if inspect.isclass(obj):
                names.update(_methods(obj))
    return names


def _methods(cls) -> dict[str, object]:
    """The public methods of ``cls`` and of its seqlab base classes, by defining class."""
    out = {}
    for klass in cls.__mro__:
        if not klass.__module__.startswith("seqlab"):
            continue
        for meth, value in vars(klass).items():
            if meth.startswith("_") or isinstance(value, property):
                continue
            if callable(value) or isinstance(value, staticmethod | classmethod):
                out[f"{klass.__module__}.{klass.__qualname__}.{meth}"] = value
    return out


def survey(cases=None) -> Counter:
    """Run every case; print and return the count of each outcome class."""
    reg = registry()
    cases = reg.all_cases() if cases is None else cases
    counts: Counter = Counter()
    rows = []
    for case in cases:
        kind, detail = outcome(case)
        counts[kind] += 1
        rows.append((kind, case.id, detail))
    return counts, rows


if __name__ == "__main__":
    args = sys.argv[1:]
    only = [a.split("=", 1)[1] for a in args if a.startswith("--only=")]
    show = {a for a in args if not a.startswith("--")}
    reg = registry()
    chosen = [c for c in reg.all_cases()
              if not only or any(c.target.startswith("seqlab." + o) for o in only)]
    counts, rows = survey(chosen)
    for kind, cid, detail in rows:
        if kind in show or ("bad" in show and kind not in OK_CLASSES) or "all" in show:
            print(f"[{kind}] {cid}\n    {detail[:400]}")
    names = public_names()
    covered = set(reg.cases) | set(reg.exempt)
    for name in sorted(set(names) - covered):
        print("unregistered:", name)
    print(f"cases {sum(counts.values())}, names with cases {len(reg.cases)}, "
          f"exempt {len(reg.exempt)}, public names {len(names)}, "
          f"unregistered {len(set(names) - covered)}")
    for kind, n in counts.most_common():
        print(f"  {kind:14} {n}")
