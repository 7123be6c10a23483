"""Contract cases: seqlab.functional, seqlab.losses, seqlab.optim, seqlab.gradcheck."""

from __future__ import annotations

import numpy as np

from seqlab import functional as F
from seqlab import gradcheck as G
from seqlab import losses as L
from seqlab import optim as O
from tests.contract._harness import Registry, no_nan
from tests.contract._kinds import INDEX, KEY, NONFINITE, TYPE, VALUE, Fn, Fresh

RNG = np.random.default_rng(0)
Z = RNG.standard_normal((4, 3))        # (n_y, m)
Z3 = RNG.standard_normal((4, 3, 2))    # (n_y, m, T)
DY = RNG.standard_normal((4, 3))


def _empty(result):
    assert np.asarray(result).size == 0, f"shape {np.asarray(result).shape}"


def _shape(shape):
    def check(result):
        assert np.asarray(result).shape == shape, f"shape {np.asarray(result).shape}"
    return check


def functional(reg: Registry) -> None:
    p = "seqlab.functional."
    for name in ("sigmoid", "tanh", "log_sigmoid"):
        f = Fn(reg, p + name, getattr(F, name), Z)
        f.array("z", "int", "f16", "complex", "none", "list", "str", "empty",
                empty=(1, _shape((4, 0))))
    for name in ("softmax", "log_softmax", "logsumexp"):
        f = Fn(reg, p + name, getattr(F, name), Z, axis=0)
        f.array("z", "int", "f16", "complex", "none", "list", "str", "empty",
                empty=(0, "refuse"), words={"empty": ("at least one",)})
        f.ok("z: empty batch axis (handled)", z=np.zeros((4, 0)), check=_empty)
        f.bad("axis: 2 for a 2-D z", VALUE, axis=2)
        f.bad("axis: a float", TYPE, axis=0.0)
        f.bad("axis: None", TYPE, axis=None)
        f.ok("axis: NumPy int64", same={"axis": 1}, axis=np.int64(1))
        masked = Z.copy()
        masked[3] = -np.inf
        f.ok("z: -inf entries (masked scores), a finite one per slice", z=masked,
             check=no_nan)
    for name, dname, other in (("sigmoid_backward", "da", "a"), ("tanh_backward", "da", "a"),
                               ("log_sigmoid_backward", "dy", "y_log"),
                               ("softmax_backward", "dy", "y"),
                               ("log_softmax_backward", "dy", "y_log")):
        y = F.softmax(Z) if "softmax" in name else np.tanh(Z) * 0.5
        if name == "log_softmax_backward":
            y = F.log_softmax(Z)
        f = Fn(reg, p + name, getattr(F, name), DY, y)
        f.bad(f"{dname}: transposed", VALUE, **{dname: DY.T.copy()})
        f.bad(f"{dname}: None", TYPE, "None", **{dname: None})
        f.bad(f"{other}: None", TYPE, "None", **{other: None})
        f.bad(f"{dname}: complex", TYPE, "complex", **{dname: DY.astype(complex)})
        f.ok(f"{dname}: int (promoted)", same={dname: np.round(DY)},
             **{dname: np.round(DY).astype(int)})
        f.ok(f"{dname}: nested lists (converted)", same={dname: DY}, **{dname: DY.tolist()})
    lse = F.logsumexp(Z)
    f = Fn(reg, p + "logsumexp_backward", F.logsumexp_backward, np.ones(3), Z, lse)
    f.bad("lse: keepdims shape without keepdims", VALUE, "keepdims", dy=np.ones((1, 3)),
          lse=lse[None], arg="lse")
    f.bad("dy: of z's shape", VALUE, dy=np.ones((4, 3)))
    f.bad("z: None", TYPE, "None", z=None)
    f.bad("axis: 5", VALUE, axis=5)
    f.ok("axis: NumPy int", same={"axis": 0}, axis=np.int64(0))


def losses(reg: Registry) -> None:
    p = "seqlab.losses."
    y = np.array([0, 3, 1])
    f = Fn(reg, p + "cross_entropy", L.cross_entropy, Z, y)
    f.bad("logits: transposed (reported against the labels' shape)", VALUE, "(m,) = (4,)",
          logits=Z.T.copy(), arg="y")
    f.array("logits", "int", "f16", "complex", "none", "list", "nan", "inf", "empty",
            nan="refuse", empty=(0, "refuse"), words={"nan": ("clip", "learning rate"),
                                                      "empty": ("at least one",)})
    f.bad("logits: 1-D", VALUE, logits=Z[:, 0])
    f.bad("y: float labels", TYPE, "float64", y=y.astype(float))
    f.bad("y: label 4 >= n_y = 4", INDEX, "[0, 4)", y=np.array([0, 4, 1]), arg="y",
          default_words=False)
    f.bad("y: label -1", INDEX, "cross_entropy(y)", "[0, 4)", y=np.array([0, -1, 1]),
          default_words=False)
    f.bad("y: one label too many", VALUE, y=np.array([0, 1, 2, 3]))
    f.bad("y: None", TYPE, "None", y=None)
    f.ok("y: a list of ints (converted)", same={"y": y}, y=[0, 3, 1])
    f.bad("mask: 2 in a 0/1 mask", VALUE, mask=np.array([1, 2, 0]))
    f.bad("mask: wrong shape", VALUE, mask=np.ones(4))
    f.bad("mask: all masked with mean", VALUE, "masked", mask=np.zeros(3))
    f.choice("reduction", "avg")
    f.bad("axis: 2", VALUE, axis=2)
    f.ok("axis: NumPy int", same={"axis": 0}, axis=np.int64(0))
    f.bad("logits: NaN at a masked position (refused too, documented)", NONFINITE, "finite",
          logits=np.where(np.arange(3)[None] == 2, np.nan, Z), mask=np.array([1, 1, 0]),
          arg="logits")
    yt = RNG.integers(0, 4, (3, 2))
    f = Fn(reg, p + "temporal_cross_entropy", L.temporal_cross_entropy, Z3, yt)
    f.array("logits", "ndim", "int", "complex", "none", "nan", "empty", nan="refuse",
            empty=(0, "refuse"), words={"nan": ("clip",), "empty": ("at least one",)})
    f.bad("y: transposed (T, m)", VALUE, "(m, T)", y=yt.T.copy())
    f.bad("y: id >= n_y", INDEX, "temporal_cross_entropy(y)", "[0, 4)",
          y=np.full((3, 2), 4), default_words=False)
    f.bad("mask: transposed", VALUE, mask=np.ones((2, 3)))
    f.ok("mask: bool", same={"mask": np.ones((3, 2))}, mask=np.ones((3, 2), bool))
    yb = (Z > 0).astype(float)
    f = Fn(reg, p + "binary_cross_entropy", L.binary_cross_entropy, Z, yb)
    f.array("logits", "int", "complex", "none", "list", "nan", "inf", nan="refuse",
            words={"nan": ("clip",)})
    f.bad("y: 1.5 outside [0, 1]", VALUE, "[0, 1]", y=yb + 0.5)
    f.bad("y: transposed", VALUE, y=yb.T.copy())
    f.bad("y: NaN target", NONFINITE, "binary_cross_entropy(y)", "finite",
          y=np.where(yb > 0, np.nan, 0.0), default_words=False)
    f.ok("y: bool targets", same={"y": yb}, y=yb.astype(bool))
    f.choice("reduction", "none")


def _pg(dtype=np.float64):
    g = np.random.default_rng(1)
    params = {"W": g.standard_normal((3, 2)).astype(dtype), "b": np.zeros((3, 1), dtype)}
    grads = {"W": g.standard_normal((3, 2)).astype(dtype), "b": np.ones((3, 1), dtype)}
    return params, grads


def _unchanged(params):
    before = {k: v.copy() for k, v in params.items()}

    def check(_):
        for k in before:
            assert np.array_equal(before[k], params[k], equal_nan=True), f"{k} changed"
    return check


def optim(reg: Registry) -> None:
    p = "seqlab.optim."
    for cls, kwargs, hyper in ((O.SGD, {"lr": 0.1}, {}), (O.Momentum, {"lr": 0.1}, {"beta": 1.0}),
                               (O.Adagrad, {"lr": 0.1}, {"eps": 0.0}),
                               (O.Adam, {"lr": 0.1}, {"beta1": 1.0, "beta2": -0.1,
                                                      "eps": -1.0})):
        name = cls.__name__
        c = Fn(reg, p + name, cls, **kwargs)
        c.number("lr", 0.0, -0.01, float("nan"), float("inf"), "0.1", None)
        for k, v in hyper.items():
            c.number(k, v)
        c.ok("lr: NumPy float32", check=None, lr=np.float32(0.1))
        params, grads = _pg()
        st = Fn(reg, p + f"{name}.step", lambda params, grads, _c=cls, _k=kwargs:
                _c(**_k).step(params, grads), Fresh(lambda: _pg()[0]), grads,
                fname=f"{name}.step")
        st.bad("grads: a key missing", VALUE, "missing", grads={"W": grads["W"]},
               arg="grads")
        st.bad("grads: transposed W", VALUE, "'W'", grads={**grads, "W": grads["W"].T},
               arg="grads")
        st.bad("params: a list", TYPE, "list", params=list(params.values()))
        st.bad("grads: None", TYPE, "None", grads=None)
        st.bad("grads: a list as a value", TYPE, "'b'", grads={**grads, "b": [1.0, 1.0, 1.0]},
               arg="grads")
        for bad in (np.nan, np.inf):
            q, g = _pg()
            g["W"][0, 0] = bad
            st.reg.add(st.target, f"grads: {bad} in W leaves params unchanged", st.call(
                params=q, grads=g), _raises_and(NONFINITE, (f"{name}.step(grads", "'W'",
                                                            "finite", "clip", "learning rate"),
                                                _unchanged(q)))
        q, g = _pg(np.int64)
        st.bad("params: int arrays (cannot be updated in place)", TYPE, "int",
               params=q, grads={k: v.astype(float) for k, v in g.items()}, arg="params")
    params, grads = _pg()
    for name, fn, arg in (("clip_by_value", O.clip_by_value, "max_value"),
                          ("clip_by_norm", O.clip_by_norm, "max_norm")):
        f = Fn(reg, p + name, fn, Fresh(lambda: _pg()[1]), 1.0)
        f.number(arg, 0.0, -1.0, float("nan"), "5", None)
        f.ok(f"{arg}: NumPy float", same={arg: 1.0}, **{arg: np.float64(1.0)})
        f.bad("grads: a list", TYPE, "list", grads=list(grads.values()))
        f.bad("grads: None as a value", TYPE, "'W'", grads={"W": None}, arg="grads")
        g = {k: v.copy() for k, v in grads.items()}
        g["W"][0, 0] = np.nan
        f.bad("grads: NaN", NONFINITE, "'W'", "finite", grads=g)


def _raises_and(classes, words, check):
    """Raises, and afterwards ``check(None)`` holds (the parameters did not change)."""
    from tests.contract._harness import Raises

    class RaisesAndKeeps(Raises):
        def matches(self, exc):
            if not super().matches(exc):
                return False
            try:
                check(None)
            except AssertionError:
                return False
            return True
    return RaisesAndKeeps(classes, words)


def gradcheck(reg: Registry) -> None:
    p = "seqlab.gradcheck."
    x = np.array([1.0, 2.0, 3.0])
    f = Fn(reg, p + "numerical_gradient", G.numerical_gradient, lambda v: float(np.sum(v ** 2)),
           x.copy())
    f.bad("x: int array (cannot be perturbed)", TYPE, "int", x=np.array([1, 2, 3]))
    f.bad("x: None", TYPE, "None", x=None)
    f.bad("h: 0", VALUE, h=0.0)
    f.bad("h: -1e-5", VALUE, h=-1e-5)
    f.bad("f: not callable", TYPE, "callable", f=3.0)
    f.bad("f: returns an array", TYPE, "scalar", f=lambda v: v, arg="f")
    f = Fn(reg, p + "numerical_gradient_array", G.numerical_gradient_array, lambda v: 2 * v,
           x.copy(), np.ones(3))
    f.bad("df: wrong shape", VALUE, df=np.ones(4))
    f.bad("x: list (cannot be perturbed in place)", TYPE, "list", x=[1.0, 2.0])
    f.bad("h: 0", VALUE, h=0)
    f.bad("df: None", TYPE, "None", df=None)
    for name, fn in (("rel_error", G.rel_error), ("relative_difference",
                                                  G.relative_difference)):
        f = Fn(reg, p + name, fn, x, x + 1e-9)
        f.bad("y: other shape", VALUE, y=np.ones(4))
        f.bad("x: None", TYPE, "None", x=None)
        f.ok("y: a list (converted)", same={"y": x + 1e-9}, y=(x + 1e-9).tolist())
        f.bad("x: complex", TYPE, "complex", x=x.astype(complex))
    f = Fn(reg, p + "rel_error", G.rel_error, x, x)
    f.number("floor", 0.0, -1.0)
    params = {"w": np.array([1.0, 2.0])}
    grads = {"w": 2 * params["w"]}

    def loss():
        return float(np.sum(params["w"] ** 2))
    for name, fn in (("check_grads", G.check_grads), ("random_direction_check",
                                                      G.random_direction_check)):
        f = Fn(reg, p + name, fn, loss, params, grads)
        f.bad("keys: unknown key", KEY, "'v'", keys=["v"], arg="keys", default_words=False)
        f.bad("keys: empty", VALUE, keys=[])
        f.bad("grads: other shape", VALUE, grads={"w": np.ones(3)})
        f.bad("params: int array", TYPE, "int", params={"w": np.array([1, 2])},
              grads={"w": np.array([2, 4])}, arg="params")
        f.bad("h: 0", VALUE, h=0.0)
        f.bad("params: a list", TYPE, "list", params=[params["w"]])
        f.bad("f: not callable", TYPE, "callable", **{next(iter(f.values)): None})
    f = Fn(reg, p + "random_direction_check", G.random_direction_check, loss, params, grads)
    f.ints("n_directions", low=1)
    f = Fn(reg, p + "check_grads", G.check_grads, loss, params, grads, max_elements=1)
    f.ints("max_elements", low=1, none=False)
    r = G.check_grads(loss, params, grads)
    f = Fn(reg, p + "GradCheckResult.passed", r.passed, 1e-7, fname="GradCheckResult.passed")
    f.number("tol", -1.0, float("nan"), "1e-7")
    f = Fn(reg, p + "GradCheckResult", G.GradCheckResult, {"w": 1e-9}, "element-wise", 1e-5)
    f.bad("errors: empty", VALUE, errors={})
    f.bad("errors: a list", TYPE, "list", errors=[1e-9])


def register(reg: Registry) -> None:
    functional(reg)
    losses(reg)
    optim(reg)
    gradcheck(reg)
