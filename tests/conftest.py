"""Fixtures shared by the test files (the repository's root conftest.py holds the suite-wide
hooks: the notebook budget table, the CPU-matrix leg's name).

- ``torch``: PyTorch, the test-only reference (``torch==2.13.0``); a test that asks for it is
  skipped where it is not installed.
- ``device``: the strict CuPy double, then real CuPy where a GPU is present
  (``tests/device_double``).
"""

from __future__ import annotations

import pytest

from tests.device_double import device  # noqa: F401 - the fixture, for every test file


@pytest.fixture(scope="session")
def torch():
    return pytest.importorskip("torch")
