"""A CuPy-strict device double: run seqlab's CuPy paths on a CPU, with CuPy's boundary rules.

``tests.device_double.cupy`` stands in for ``cupy`` and ``tests.device_double.cupyx`` for
``cupyx``: device arrays are NumPy arrays behind CuPy 14.2.0's rules (no implicit conversion to
NumPy, no host arrays inside device operations, only CuPy's names and parameters, wrapping index
arrays, 0-d results, a random stream that refuses to draw); see ``_array.py`` for each rule and
``tests/test_device_double.py`` for the tests that pin them to CuPy's behaviour. It also counts
the copies across the boundary (``TRANSFERS``): on a GPU each device -> host copy (``float(x)``,
``bool(x)``, ``.get()``...) waits for the device, so a training step should make a few, not one
per parameter.

It is a test tool, not a seqlab feature. Three ways in:

- in a test, ``with device_double.active(): ...``: ``seqlab.backend`` treats the double as
  CuPy (``use("cupy")``, ``get_array_module``, ``to_numpy``, ``scatter_add``...) and gets its
  previous CuPy (a real one, or none) back afterwards;
- the fixture ``device`` (``from tests.device_double import device``): the test runs on the
  double, and again on CuPy where CuPy sees a GPU (``benchmarks/gpu_check.sh``);
- in another process (a notebook kernel), the environment: ``PYTHONPATH=<repo root>``,
  ``SEQLAB_CUPY_MODULE=tests.device_double.cupy`` (the module seqlab.backend imports as CuPy)
  and ``SEQLAB_BACKEND=cupy`` (the device every ``backend.use`` selects).
"""

from __future__ import annotations

import contextlib
import os

import pytest

from tests.device_double import cupy, cupyx
from tests.device_double._array import TRANSFERS  # copies across the boundary, by direction

ENV = {"SEQLAB_CUPY_MODULE": "tests.device_double.cupy", "SEQLAB_BACKEND": "cupy"}


@contextlib.contextmanager
def active():
    """Within the block, seqlab.backend's CuPy is the double (yields the ``cupy`` stand-in)."""
    from seqlab import backend

    saved = backend._cupy, backend._cupyx, backend._cupy_checked, backend._default
    backend._cupy, backend._cupyx, backend._cupy_checked = cupy, cupyx, True
    try:
        yield cupy
    finally:
        backend._cupy, backend._cupyx, backend._cupy_checked, backend._default = saved


@pytest.fixture(params=["double", "cupy"])
def device(request):
    """The device of ``backend.use("cupy")`` in a test: the double, then CuPy on a GPU."""
    from seqlab import backend

    if request.param == "double":
        with active():
            yield request.param
    elif not backend.cupy_available():
        pytest.skip("CuPy with a GPU is not available here")
    else:
        yield request.param


def env(root: str | os.PathLike) -> dict:
    """The environment of a process (a notebook kernel) whose CuPy is the double."""
    path = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, **ENV, "PYTHONPATH": path}


__all__ = ["ENV", "TRANSFERS", "active", "cupy", "cupyx", "device", "env"]
