"""The input contract (docs/input-contract.md), table-driven over every public callable.

Every function, class and method that a seqlab module lists in ``__all__`` has an entry in the
registry (tests/contract/cases_*.py): bad inputs of every kind that applies to it (ndim,
transposed, mismatched m/T, dtype int/float16/complex, empty, None, lists, missing or extra
keys, out-of-range ids and hyperparameters, NaN/inf) and the outcome each must have: the
promised error, with the words of its message, or a valid result. A name without cases is
exempted with its reason (no arguments; a record; accepts anything by design).

``python -m tests.contract.registry [class ...]`` prints the count of each outcome class and
the cases of the classes named (the survey of issue 17).
"""

from __future__ import annotations

import pytest

from tests.contract._harness import OK_CLASSES, outcome
from tests.contract.open_items import OPEN_CASES, UNREGISTERED
from tests.contract.registry import public_names, registry

REG = registry()
CASES = REG.all_cases()


def test_every_public_name_is_registered():
    names = public_names()
    covered = set(REG.cases) | set(REG.exempt)
    missing = sorted(set(names) - covered - UNREGISTERED)
    assert not missing, (f"{len(missing)} public names have no entry in tests/contract: add "
                         f"cases (or an exemption with its reason) for {missing}")


def test_every_registered_name_exists():
    known = set(public_names(required=False))
    stale = sorted((set(REG.cases) | set(REG.exempt)) - known)
    assert not stale, f"registry entries for names that are not public (renamed?): {stale}"


def test_exemptions_are_few_and_say_why():
    assert all(reason.strip() for reason in REG.exempt.values())
    assert len(REG.exempt) < 0.1 * len(public_names())


def test_the_table_is_large():
    assert len(CASES) > 600
    assert len({c.target for c in CASES}) > 0.9 * len(set(public_names()) - UNREGISTERED)


def test_the_open_lists_only_shrink():
    """Every open case still exists, every unregistered name is still public and unregistered."""
    assert OPEN_CASES <= {c.id for c in CASES}
    names = set(public_names())
    assert UNREGISTERED <= names - set(REG.cases) - set(REG.exempt)


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.xfail(
    strict=True, reason="open: the function does not keep the contract yet (open_items.py)"))
    if c.id in OPEN_CASES else c for c in CASES], ids=[c.id for c in CASES])
def test_case(case):
    kind, detail = outcome(case)
    assert kind in OK_CLASSES, f"{kind}: expected {case.expect.describe()}; {detail}"
