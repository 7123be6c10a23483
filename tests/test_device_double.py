"""The device double's rules, each asserted against CuPy 14.2.0's behaviour.

Each test names where CuPy does it (``cupy/_core/core.pyx`` and friends at tag v14.2.0), so a
rule here that disagreed with CuPy would be a bug in the double, not in seqlab. The three
failure kinds of CuPy code (issue 20) each have a test that shows the double rejects them:
mixing host and device arrays, implicit conversion to NumPy, NumPy-only functions and semantics.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from seqlab import arrays, backend, scatter
from tests import device_double
from tests.device_double import _random, cupyx
from tests.device_double import cupy as cp

ROOT = Path(__file__).resolve().parents[1]
API = json.loads((ROOT / "tests" / "device_double" / "cupy_api.json").read_text())
IMPLICIT = r"Implicit conversion to a NumPy array is not allowed"


@pytest.fixture
def x():
    return cp.asarray(np.arange(6.0).reshape(2, 3))


# ------------------------------------------------------------- failure kind 1: mixing
def test_rejects_host_arrays_inside_device_operations(x):
    # _kernel.pyx _preprocess_arg -> _scalar.CScalar: an operand is a cupy array, a Python
    # scalar or a NumPy scalar; anything else is "Unsupported type"
    host = np.ones(3)
    for op in (lambda: x + host, lambda: host + x, lambda: x * host, lambda: x @ host,
               lambda: np.add(host, x), lambda: cp.where(host > 0, x, 0.0),
               lambda: cp.concatenate([x, host[None]]), lambda: cp.exp(host),
               lambda: cp.maximum(x, host), lambda: x + np.array(2.0),   # 0-d too
               lambda: x + [1.0, 2.0, 3.0]):
        with pytest.raises(TypeError, match="Unsupported type|NotImplemented"):
            op()
    with pytest.raises(TypeError, match="Unsupported type"):
        x += host
    y = x + np.float64(2.0) + 1                     # NumPy and Python scalars are fine
    assert isinstance(y, cp.ndarray) and float(y[0, 0]) == 3.0
    assert bool((x < np.array(3.0))[0, 0])          # comparisons take a 0-d host array
    with pytest.raises(TypeError, match="Unsupported type"):
        _ = x < host                                # but not a 1-d one


def test_assignment_and_indexing_take_host_indices_but_not_host_blocks(x):
    # _routines_indexing.pyx: index arrays are copied to the device (_prepare_slice_list);
    # x[basic] = value goes through fill(), which refuses a non-scalar host array (gh-2079);
    # x[index_array] = value copies the value (core.array)
    np.testing.assert_array_equal(x[np.array([1, 0])].get(), [[3, 4, 5], [0, 1, 2]])
    np.testing.assert_array_equal(x[[1]].get(), [[3, 4, 5]])
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray cannot be used for fill"):
        x[0] = np.zeros(3)
    x[0] = np.float64(7.0)
    x[np.array([1])] = np.full((1, 3), 9.0)
    np.testing.assert_array_equal(x.get(), [[7, 7, 7], [9, 9, 9]])


# ------------------------------------------------------- failure kind 2: implicit conversion
def test_rejects_implicit_conversion_to_numpy(x):
    # core.pyx __array__ raises; no __index__, no __round__, unhashable
    for op in (lambda: np.asarray(x), lambda: np.array(x, dtype=float),
               lambda: np.testing.assert_allclose(x, 0)):
        with pytest.raises(TypeError, match=IMPLICIT):
            op()
    zero_d = x.sum()
    with pytest.raises(TypeError):
        range(zero_d)
    with pytest.raises(TypeError):
        [1, 2][zero_d[()].astype(int)]
    with pytest.raises(TypeError):
        round(zero_d, 2)
    with pytest.raises(TypeError):
        hash(zero_d)


def test_explicit_crossings_work_as_on_cupy(x):
    # core.pyx: get(), item(), tolist(), __float__/__int__ through get(), __bool__ for one
    # element, __format__/__repr__ of get(), iteration yields device arrays; cupy.asnumpy
    host = x.get()
    assert isinstance(host, np.ndarray) and host is not x._a and host.tolist() == x.tolist()
    total = x.sum()
    assert isinstance(total, cp.ndarray) and total.shape == ()    # reductions stay 0-d arrays
    assert float(total) == 15.0 and int(total) == 15 and total.item() == 15.0
    assert f"{total:.1f}" == "15.0" and repr(x) == repr(host)
    if total > 10:                                  # bool() of one element
        rows = list(x)
    assert all(isinstance(r, cp.ndarray) for r in rows) and len(x) == 2
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x)
    with pytest.raises(TypeError, match="iteration over a 0-d array"):
        iter(total)
    assert isinstance(cp.asnumpy(x), np.ndarray) and cp.asnumpy([1, 2]).tolist() == [1, 2]
    assert cp.asarray(x) is x and cp.get_array_module(x) is cp and cp.get_array_module(host) is np


# --------------------------------------------- failure kind 3: NumPy-only names, semantics
def test_rejects_numpy_only_functions_arguments_and_semantics(x):
    with pytest.raises(AttributeError, match="errstate"):
        _ = cp.errstate                             # cupyx.errstate, not cupy.errstate
    with pytest.raises(TypeError, match="initial"):
        x.max(initial=0.0)                          # core.pyx: max(axis, out, keepdims)
    with pytest.raises(TypeError, match="where"):
        cp.sum(x, where=x > 0)                      # _math/sumprod.py: no where=
    with pytest.raises(NotImplementedError, match="accumulate"):
        cp.maximum.accumulate(x)                    # _kernel.pyx: add and multiply only
    with pytest.raises(NotImplementedError, match="reduce"):
        cp.logaddexp.reduce(x)
    with pytest.raises(ValueError, match="Unsupported dtype"):
        cp.asarray(np.array(["word"]))              # _dtype.pyx: no string arrays
    # out-of-range entries of index arrays wrap (_take_kernel_core: indices % index_range);
    # NumPy would raise; a Python int out of range raises on both
    assert x[np.array([3])].tolist() == [[3.0, 4.0, 5.0]]
    assert cp.take(x[0], [4, -4]).tolist() == [1.0, 2.0]
    with pytest.raises(IndexError):
        x[5]


def test_namespace_is_exactly_the_pinned_cupy_names():
    public = {n for n in vars(cp) if not n.startswith("_")}
    assert public == set(API["cupy"]) | {"lib"}     # lib: cupy.lib.stride_tricks
    assert len(API["cupy"]) > 450 and "v14.2.0" in API["source"]
    for name in ("linalg", "fft", "random"):
        mod = getattr(cp, name)
        assert {n for n in vars(mod) if not n.startswith("_")} >= set(API[f"cupy.{name}"])
    assert {n for n in vars(cp.random) if not n.startswith("_")} == set(API["cupy.random"])
    assert {n for n in vars(cupyx) if not n.startswith("_")} == set(API["cupyx"])
    assert {n for n in dir(cp.ndarray) if not n.startswith("_")} <= set(API["cupy.ndarray"])
    with pytest.raises(NotImplementedError, match="does not simulate"):
        cp.ElementwiseKernel("T x", "T y", "y = x", "copy")


def test_numpy_functions_dispatch_to_cupy_and_out_is_honoured(x):
    # core.pyx __array_ufunc__ / __array_function__: NumPy's functions on device arrays run
    # CuPy's and return device arrays
    assert isinstance(np.exp(x), cp.ndarray) and isinstance(np.sum(x), cp.ndarray)
    out = cp.zeros_like(x)
    assert cp.add(x, 1.0, out=out) is out and out.tolist()[0] == [1.0, 2.0, 3.0]
    cp.matmul(x, x.T, out=cp.zeros((2, 2)))
    with pytest.raises(TypeError, match="Unsupported type"):
        cp.exp(x, out=np.zeros((2, 3)))


def test_scatter_add_counts_repeated_indices_and_wraps():
    # cupyx/_scatter.py: atomicAdd per index (repeats accumulate), indices wrap
    a = cp.zeros((4, 2))
    cupyx.scatter_add(a, np.array([1, 1, 5]), cp.ones((3, 2)))
    assert a.tolist() == [[0, 0], [3, 3], [0, 0], [0, 0]]   # 5 wraps to 1
    b = cp.zeros(3, dtype=np.int32)
    cp.add.at(b, cp.asarray([0, 0, 2]), 1)
    assert b.tolist() == [2, 0, 1]


def test_device_random_refuses_to_draw_and_otherwise_is_not_numpys_stream():
    with pytest.raises(_random._DeviceRandomError, match="host_rng"):
        cp.random.standard_normal(3)
    _random._STRICT = False
    try:
        drawn = cp.random.default_rng(0).standard_normal(4)
        assert isinstance(drawn, cp.ndarray)
        assert not np.allclose(drawn.get(), np.random.default_rng(0).standard_normal(4))
    finally:
        _random._STRICT = True


# ------------------------------------------------------------------ through seqlab.backend
def test_backend_treats_the_double_as_cupy_and_restores_its_cupy():
    before = backend._cupy
    with device_double.active():
        line = backend.use("cupy")
        assert "device double" in line and "not a GPU" in line
        d = backend.to_device(np.arange(3))
        assert backend.is_cupy(d) and backend.get_array_module(d) is cp
        assert isinstance(backend.to_numpy({"a": [d]})["a"][0], np.ndarray)
        with pytest.raises(IndexError, match=r"\[0, 3\)"):
            scatter.check_indices(cp.asarray([3]), 3)   # the double would wrap it; seqlab not
        t = scatter.scatter_add(arrays.zeros((3, 2)), np.array([2, 2]), cp.ones((2, 2)))
        assert t.tolist() == [[0, 0], [0, 0], [2, 2]]
    assert backend._cupy is before and backend.xp_default() is np


def test_environment_pins_the_backend_for_a_notebook_kernel():
    code = ("from seqlab import backend; import numpy as np; print(backend.use('numpy')); "
            "from seqlab.arrays import zeros; print(backend.is_cupy(zeros(2)))")
    env = device_double.env(ROOT)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.splitlines()
    assert out[0].endswith("(SEQLAB_BACKEND=cupy overrides use('numpy'))") and out[1] == "True"
    bad = subprocess.run([sys.executable, "-c", "import seqlab.backend"], capture_output=True,
                         text=True, env={**os.environ, "SEQLAB_BACKEND": "gpu"}, cwd=ROOT)
    assert bad.returncode != 0 and "SEQLAB_BACKEND: expected 'numpy' or 'cupy'" in bad.stderr


def test_a_training_step_waits_for_the_device_a_few_times_not_once_per_parameter():
    """float(x) or bool(x) of a device array copies it to the host and waits for the GPU. The
    optimizer's finite-gradient check and clip_by_norm made two such copies per parameter
    array per step (47 per step for a 1-layer LSTM LM, 128 for the attention model); they now
    make one each, so the count per step does not grow with the number of layers."""
    from seqlab.lm import LanguageModel, Vocabulary, train

    words = ["abba", "baab", "cab", "a", "bacca", "abc", "cc"] * 5

    def per_step(n_layers):
        counts = []
        for steps in (2, 4):
            with device_double.active(), backend.using("cupy"):
                model = LanguageModel(Vocabulary.build(words), 8, "lstm", n_layers, rng=0)
                device_double.TRANSFERS["to_host"] = 0
                train(model, words, None, steps=steps, batch_size=2, progress=False, every=100)
                counts.append(device_double.TRANSFERS["to_host"])
        return (counts[1] - counts[0]) / 2

    one, three = per_step(1), per_step(3)
    assert one == three and one <= 20, (one, three)       # measured: 10 each
