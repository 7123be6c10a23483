"""seqlab.backend: the array-module idiom, device moves, scatter-add, host RNG, index checks."""

from __future__ import annotations

import os

import numpy as np
import pytest

from seqlab import arrays, backend, scatter, scratch, threads


def test_get_array_module_is_numpy_for_numpy_and_scalars():
    assert backend.get_array_module(np.ones(2), None, 3.0) is np
    assert backend.get_array_module() is np


def test_to_numpy_and_to_device_round_trip_containers():
    grads = {"W": np.ones((2, 2)), "b": [np.zeros(1), np.ones(1)]}
    out = backend.to_numpy(grads)
    assert out["W"] is grads["W"] and isinstance(out["b"], list)
    moved = backend.to_device({"W": [[1.0, 2.0]]}, np)
    assert isinstance(moved["W"], np.ndarray) and moved["W"].shape == (1, 2)


def test_use_rejects_unknown_backend_and_reports_device():
    with pytest.raises(ValueError, match="use\\(name\\)"):
        backend.use("jax")
    assert backend.use("numpy").startswith("numpy")
    assert backend.xp_default() is np


@pytest.mark.skipif(backend.cupy_available(), reason="CuPy is present here")
def test_use_cupy_without_a_gpu_says_how_to_get_one():
    with pytest.raises(RuntimeError, match="seqlab\\[gpu\\]"):
        backend.use("cupy")
    assert backend.xp_default() is np  # unchanged after the failed switch


def test_using_restores_the_previous_default():
    with backend.using("numpy") as name:
        assert name.startswith("numpy")
    assert backend.xp_default() is np


def test_scatter_add_accumulates_repeated_indices():
    # the embedding backward: word 1 appears twice, so it gets both gradients
    dE = np.zeros((4, 3))
    idx = np.array([1, 3, 1])
    dvals = np.arange(9, dtype=float).reshape(3, 3)
    scatter.scatter_add(dE, idx, dvals)
    np.testing.assert_array_equal(dE[1], dvals[0] + dvals[2])
    np.testing.assert_array_equal(dE[3], dvals[1])
    np.testing.assert_array_equal(dE[[0, 2]], 0)
    naive = np.zeros((4, 3))
    naive[idx] += dvals  # the trap: keeps only one of the repeated rows
    assert not np.array_equal(naive, dE)


def test_scatter_add_along_columns_course_layout():
    # E is (n_e, V) in the course; a lookup takes columns
    dE = np.zeros((2, 5))
    scatter.scatter_add(dE, np.array([4, 4]), np.ones((2, 2)), axis=1)
    np.testing.assert_array_equal(dE[:, 4], [2.0, 2.0])


@pytest.mark.parametrize("axis", [0, 1])
def test_scatter_add_sorted_path_equals_add_at_on_many_repeated_indices(axis):
    # >= 64 indices take the sort + reduceat path; it must add exactly what np.add.at adds
    rng = np.random.default_rng(0)
    target = rng.standard_normal((30, 7) if axis == 0 else (7, 30))
    idx = rng.zipf(1.5, 500) % 30                            # heavy repeats, like word counts
    values = rng.standard_normal((500, 7) if axis == 0 else (7, 500))
    expected = target.copy()
    np.add.at(np.moveaxis(expected, axis, 0), idx, np.moveaxis(values, axis, 0))
    out = scatter.scatter_add(target, idx, values, axis=axis)
    assert out is target
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("V", [5, 70_000])  # 16-bit radix-sort keys, and wider ones
def test_scatter_add_sorted_path_with_small_and_large_targets(V):
    r = np.random.default_rng(6)
    idx = r.integers(0, min(V, 50), 400)
    vals = r.normal(size=(400, 3))
    a, b = np.zeros((V, 3)), np.zeros((V, 3))
    scatter.scatter_add(a, idx, vals)
    np.add.at(b, idx, vals)
    assert np.abs(a - b).max() < 1e-12


@pytest.mark.parametrize("size", [7, None])  # 16-bit radix keys, and the plain sort
def test_row_sums_are_the_per_index_sums_of_a_scatter_add(size):
    r = np.random.default_rng(0)
    rows, vals = r.integers(0, 7, 50), r.normal(size=(50, 4))
    unique, (sums, col) = scatter.row_sums(rows, vals, vals[:, 0], size=size)
    dense = np.zeros((7, 4))
    np.add.at(dense, rows, vals)
    assert np.array_equal(unique, np.unique(rows))
    assert np.allclose(sums, dense[unique], rtol=1e-13, atol=1e-13)
    assert np.allclose(col, dense[unique, 0], rtol=1e-13, atol=1e-13)


def test_scatter_add_errors_name_the_argument():
    with pytest.raises(IndexError, match="scatter_add\\(indices\\).*\\[0, 4\\).*\\[7\\]"):
        scatter.scatter_add(np.zeros((4, 2)), np.array([7]), np.ones((1, 2)))
    with pytest.raises(ValueError, match="scatter_add\\(values\\): expected shape \\(2, 2\\)"):
        scatter.scatter_add(np.zeros((4, 2)), np.array([0, 1]), np.ones((3, 2)))
    with pytest.raises(TypeError, match="integer indices"):
        scatter.check_indices(np.array([0.5]), 3, "idx")


def test_host_rng_is_seeded_and_passes_generators_through():
    a = arrays.randn(arrays.host_rng(7), (3, 2), scale=0.1)
    b = arrays.randn(arrays.host_rng(7), (3, 2), scale=0.1)
    np.testing.assert_array_equal(a, b)
    g = np.random.default_rng(1)
    assert arrays.host_rng(g) is g
    assert arrays.randn(g, 4, dtype=np.float32).dtype == np.float32
    with pytest.raises(TypeError, match="host_rng\\(seed\\)"):
        arrays.host_rng("seed")


def test_zeros_follow_like_or_default():
    assert arrays.zeros((2, 3), like=np.ones(1)).shape == (2, 3)
    assert arrays.zeros(4, dtype=np.float32).dtype == np.float32


def test_blas_threads_limits_inside_and_restores_after():
    from threadpoolctl import threadpool_info

    def blas():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas()
    with threads.blas_threads(1):
        assert all(n == 1 for n in blas())
    assert blas() == before
    assert 1 <= threads.cpu_quota() <= (os.cpu_count() or 1)


def test_scratch_reuses_one_buffer_per_name_shape_and_thread():
    import threading

    a = scratch.scratch("test.a", (3, 4))
    assert a.shape == (3, 4) and a.dtype == np.float64 and np.all(a == 0)
    a[...] = 7.0
    assert scratch.scratch("test.a", (3, 4)) is a                    # kept, contents too
    assert scratch.scratch("test.b", (3, 4)) is not a                # another name
    b = scratch.scratch("test.a", 5, np.int64)                       # another shape: new
    assert b.shape == (5,) and b.dtype == np.int64 and np.all(b == 0)
    other = []
    thread = threading.Thread(target=lambda: other.append(scratch.scratch("test.a", 5,
                                                                          np.int64)))
    thread.start()
    thread.join()
    assert other[0] is not b                                         # one set per thread


def test_importing_seqlab_changes_nothing_about_threads_or_the_environment():
    """``import seqlab`` (every package) leaves BLAS threads and os.environ as they were: a
    notebook asks for its threads with ``threads.match_cpu_quota()``."""
    import json
    import subprocess
    import sys

    code = """
import json, os
import numpy
from threadpoolctl import threadpool_info
def blas():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
before, env = blas(), dict(os.environ)
import seqlab, seqlab.rnn, seqlab.lm, seqlab.embeddings, seqlab.seq2seq, seqlab.speech
import seqlab.transformer, seqlab.tasks, seqlab.viz, seqlab.exercises
print(json.dumps([before, blas(), env == dict(os.environ)]))
"""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    before, after, same_env = json.loads(out.stdout.strip().splitlines()[-1])
    assert before and after == before and same_env
