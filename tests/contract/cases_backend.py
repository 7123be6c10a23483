"""Contract cases: seqlab.backend with the modules split from it (arrays, scatter, scratch, npz,
threads) and seqlab.exercises (whose check_* functions never raise on
a learner's function: they report, and their report must say what was expected)."""

from __future__ import annotations

import numpy as np

from seqlab import arrays, npz, scatter, scratch, threads
from seqlab import backend as B
from seqlab import exercises as ex
from seqlab.exercises import error_analysis as exa
from tests.contract._harness import Registry
from tests.contract._kinds import INDEX, KEY, TYPE, VALUE, Fn

P = "seqlab.backend."
NOARGS = "takes no argument"


def backend(reg: Registry) -> None:
    f = Fn(reg, "seqlab.arrays.asarray", arrays.asarray, [1.0, 2.0])
    f.bad("dtype: not a dtype", TYPE, "dtype", dtype="nonsense")
    f.bad("x: ragged lists", VALUE, x=[[1.0], [2.0, 3.0]])
    f = Fn(reg, "seqlab.arrays.zeros", arrays.zeros, (2, 3))
    f.bad("shape: negative", VALUE, shape=(-1, 3))
    f.bad("shape: a float", TYPE, shape=(2.5, 3))
    f.bad("dtype: not a dtype", TYPE, "dtype", dtype="nonsense")
    f.ok("shape: NumPy ints", same={"shape": (2, 3)}, shape=(np.int64(2), np.int64(3)))
    f = Fn(reg, "seqlab.arrays.host_rng", arrays.host_rng, 0)
    f.bad("seed: a str", TYPE, "str", seed="abc")
    f.bad("seed: a float", TYPE, seed=1.5)
    f.bad("seed: negative", VALUE, seed=-1)
    f.ok("seed: NumPy int", check=None, seed=np.int64(3))
    f = Fn(reg, "seqlab.arrays.randn", arrays.randn, np.random.default_rng(0), (2, 3))
    f.bad("rng: an int seed", TYPE, "Generator", rng=0)
    f.bad("shape: negative", VALUE, shape=(-1,))
    f.bad("dtype: int", TYPE, dtype=np.int64)
    f.number("scale", float("nan"), "1")
    f = Fn(reg, "seqlab.scatter.check_indices", scatter.check_indices, np.array([0, 2]), 3)
    f.bad("indices: 3 >= size", INDEX, "[0, 3)", indices=np.array([0, 3]), arg="indices")
    f.bad("indices: -1", INDEX, "[0, 3)", indices=np.array([-1]), arg="indices")
    f.bad("indices: floats", TYPE, "float", indices=np.array([0.0]), arg="indices")
    f.ints("size", low=1, none=True, numpy=True)
    f.ok("indices: a list", same={"indices": [0, 2]}, indices=[0, 2])
    target = np.zeros((4, 2))
    f = Fn(reg, "seqlab.scatter.scatter_add", scatter.scatter_add, target, np.array([0, 3]),
           np.ones((2, 2)))
    f.bad("indices: 4", INDEX, "[0, 4)", indices=np.array([0, 4]))
    f.bad("values: wrong shape", VALUE, values=np.ones((3, 2)))
    f.bad("axis: 2", VALUE, axis=2)
    f.bad("target: None", TYPE, "None", target=None)
    f.bad("values: None", TYPE, "None", values=None)
    f = Fn(reg, "seqlab.scratch.scratch", scratch.scratch, "contract.test", (2, 2))
    f.bad("shape: negative", VALUE, shape=(-1,))
    f.bad("name: None", TYPE, "None", name=None)
    f = Fn(reg, P + "use", B.use, "numpy")
    f.choice("name", "torch")
    f.bad("name: None", VALUE, name=None)
    f = Fn(reg, P + "using", B.using, "numpy")
    f.choice("name", "jax")
    f = Fn(reg, "seqlab.threads.blas_threads", threads.blas_threads, 1)
    f.bad("n: 0", VALUE, n=0)
    f.bad("n: a str", TYPE, n="2")
    f = Fn(reg, "seqlab.npz.save_arrays", npz.save_arrays, "/nonexistent-dir/a.npz",
           {"a": np.ones(2)})
    f.bad("arrays: the reserved key", VALUE, "'__meta__'", arrays={"__meta__": np.ones(1)},
          default_words=False)
    f.bad("arrays: a list", TYPE, arrays=[np.ones(2)])
    f.bad("meta: not JSON-able", TYPE, meta={"a": object()})
    f.bad("path: a missing directory", (FileNotFoundError,), "/nonexistent-dir",
          default_words=False)
    f = Fn(reg, "seqlab.npz.load_arrays", npz.load_arrays, "/nonexistent/a.npz")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/a.npz", default_words=False)
    f.bad("path: None", TYPE, path=None)
    f = Fn(reg, P + "to_device", B.to_device, np.ones(2))
    f.bad("xp: not an array module", TYPE, xp="numpy")
    for name in ("cupy_available", "cupyx", "device_name", "xp_default"):
        reg.no_input(P + name, NOARGS)
    for name in ("cpu_quota", "match_cpu_quota"):
        reg.no_input("seqlab.threads." + name, NOARGS)
    reg.no_input("seqlab.scatter.row_sums", "the fast path of scatter_add, which checks for it")
    for name in ("to_numpy", "is_cupy", "get_array_module"):
        reg.no_input(P + name, "accepts any value by design (non-arrays pass through)")


def _status(want):
    def check(result):
        assert result.status == want, f"status {result.status!r}"
        assert "expected" in result.message or want != "failed", result.message
    return check


def exercises(reg: Registry) -> None:
    p = "seqlab.exercises."
    for name in sorted(ex.REGISTRY):
        fn = getattr(ex, f"check_{name}")
        f = Fn(reg, p + f"check_{name}", fn, None)
        f.ok("fn: None (reported as failed, naming the expected function)",
             check=_status("failed"))

        def stub(*args, **kwargs):
            raise NotImplementedError()
        stub.__name__ = name
        f.ok("fn: the unanswered stub (reported as still open)", check=_status("open"),
             fn=stub)
    f = Fn(reg, p + "get_exercise", ex.get_exercise, "softmax")
    f.bad("name: unknown", KEY, "get_exercise(name", "'sofmax'", name="sofmax",
          default_words=False)
    f.bad("name: None", TYPE, "None", name=None)
    f = Fn(reg, p + "hint", ex.hint, "softmax")
    f.bad("name: unknown", KEY, "'sofmax'", name="sofmax", default_words=False, arg="name")
    f.bad("level: 99", VALUE, level=99)
    f.bad("level: 0", VALUE, level=0)
    f.bad("level: 1.5", TYPE, level=1.5)
    f = Fn(reg, p + "reveal", ex.reveal, "softmax")
    f.bad("name: unknown", KEY, "'sofmax'", name="sofmax", default_words=False, arg="name")
    if hasattr(ex, "grade"):
        f = Fn(reg, p + "grade", ex.grade, "softmax", None)
        f.bad("name: unknown", KEY, "'sofmax'", name="sofmax", default_words=False, arg="name")
        f.bad("hidden_seeds: a str", TYPE, hidden_seeds="12")
    f = Fn(reg, p + "core.check", ex.check, ex.get_exercise("softmax"), None)
    f.bad("ex: a name", TYPE, "Exercise", ex="softmax")
    f.ok("fn: None (reported)", check=_status("failed"))
    reg.no_input(p + "core.progress", NOARGS)
    for rec in ("Case", "CheckResult", "Exercise", "Mistake"):
        reg.no_input(p + f"core.{rec}", "a record the checkers are built from")
    f = Fn(reg, p + "error_analysis.search_at_fault", exa.search_at_fault, -3.0, -4.0, 3, 3, 0.7)
    f.bad("T_ref: 0", VALUE, T_ref=0)
    f.bad("log_p_hat: positive", VALUE, log_p_hat=0.5)
    f.bad("log_p_ref: NaN", VALUE, log_p_ref=float("nan"))
    f.number("alpha", -1.0)
    f.bad("T_hat: 1.5", TYPE, T_hat=1.5)


def register(reg: Registry) -> None:
    backend(reg)
    exercises(reg)
