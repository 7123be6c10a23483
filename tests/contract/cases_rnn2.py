"""Contract cases: seqlab.rnn's bidirectional and deep wrappers and RecurrentNetwork."""

from __future__ import annotations

import numpy as np

from seqlab import rnn as R
from tests.contract._harness import Registry
from tests.contract._kinds import INDEX, KEY, TYPE, VALUE, Fn

RNG = np.random.default_rng(4)
n_x, n_a, n_y, m, T = 3, 4, 2, 5, 6
X = RNG.standard_normal((n_x, m, T))
LENGTHS = np.array([6, 5, 1, 3, 6])


def wrappers(reg: Registry) -> None:
    p = "seqlab.rnn."
    bp = R.init_brnn_params(n_x, n_a, n_y, "gru", 0)
    f = Fn(reg, p + "bidirectional.brnn_forward", R.brnn_forward, X, bp, "gru")
    f.array("x", "ndim", "int", "complex", "none", "list", "empty", empty=(2, "refuse"),
            words={"empty": ("at least one",)})
    f.choice("kind", "transformer")
    f.params("params", missing="fwd/W_u", shape="bwd/W_u")
    f.bad("lengths: 0 steps", VALUE, "[1, 6]", lengths=np.array([6, 0, 1, 3, 6]))
    f.bad("lengths: 7 > T_x", VALUE, "[1, 6]", lengths=np.array([7, 5, 1, 3, 6]))
    f.bad("lengths: floats", TYPE, "int", lengths=LENGTHS.astype(float))
    f.bad("lengths: one too few", VALUE, lengths=LENGTHS[:4])
    f.ok("lengths: a list (converted)", same={"lengths": LENGTHS}, lengths=LENGTHS.tolist())
    f.bad("c0: given to a GRU", VALUE, c0=np.zeros((2 * n_a, m)))
    f.bad("a0: (n_a, m), one direction only", VALUE, a0=np.zeros((n_a, m)))
    f.bad("peephole: with kind='gru'", VALUE, peephole=True)
    a, _, cache = R.brnn_forward(X, bp, "gru")
    for name in ("brnn_backward",):
        f = Fn(reg, p + f"bidirectional.{name}", getattr(R, name), np.ones_like(a), cache)
        f.bad("da: n_a rows instead of 2 n_a", VALUE, da=np.ones((n_a, m, T)))
        f.bad("da: None", TYPE, "None", da=None)
        f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, p + "bidirectional.init_brnn_params", R.init_brnn_params, n_x, n_a, n_y, "lstm")
    f.ints("n_a", low=1)
    f.choice("kind", "GRU")
    f.bad("variant: with kind='lstm'", VALUE, variant="simplified")
    f.bad("n_x: 0", VALUE, n_x=0)
    dp = R.init_deep_rnn_params(n_x, n_a, n_y, 2, "lstm", 0)
    f = Fn(reg, p + "deep.deep_rnn_forward", R.deep_rnn_forward, X, dp, "lstm", 2)
    f.array("x", "ndim", "int", "complex", "none", "empty", empty=(2, "refuse"),
            words={"empty": ("at least one",)})
    f.ints("n_layers", low=1, floats=True, none=True, numpy=False)
    f.bad("n_layers: 3 for 2 layers of params", KEY, "missing", "'l3/", n_layers=3,
          arg="params", default_words=False)
    f.params("params", missing="l2/W_f", shape="l1/W_f")
    f.bad("a0: (n_a, m) without the layer axis", VALUE, a0=np.zeros((n_a, m)))
    f.bad("lengths: 0", VALUE, lengths=np.array([6, 0, 1, 3, 6]))
    f.bad("bidirectional: True with unidirectional params", KEY, "missing", "fwd/",
          bidirectional=True, arg="params", default_words=False)
    f.ok("n_layers: NumPy int", same={"n_layers": 2}, n_layers=np.int64(2))
    a, _, dcache = R.deep_rnn_forward(X, dp, "lstm", 2)
    for name in ("deep_rnn_backward",):
        f = Fn(reg, p + f"deep.{name}", getattr(R, name), np.ones_like(a), dcache)
        f.bad("da_top: (n_a, m)", VALUE, da_top=np.ones((n_a, m)))
        f.bad("da_top: None", TYPE, "None", da_top=None)
        f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, p + "deep.init_deep_rnn_params", R.init_deep_rnn_params, n_x, n_a, n_y, 2, "rnn")
    f.ints("n_layers", low=1)
    f.ints("n_a", low=1, floats=False, numpy=False)
    f.choice("kind", "cnn")
    f.bad("activation: 'relu' as variant of an rnn", VALUE, variant="relu")


def network(reg: Registry) -> None:
    p = "seqlab.rnn.network."
    ids = RNG.integers(0, 7, (m, T))
    f = Fn(reg, p + "one_hot", R.one_hot, ids, 7)
    f.bad("ids: 7 >= n", INDEX, "[0, 7)", ids=np.full((m, T), 7))
    f.bad("ids: -1", INDEX, "[0, 7)", ids=np.full((m, T), -1))
    f.bad("ids: floats", TYPE, "int", ids=ids.astype(float))
    f.bad("ids: None", TYPE, "None", ids=None)
    f.ints("n", low=1)
    f.ok("ids: a list (converted)", same={"ids": ids}, ids=ids.tolist())
    f.bad("dtype: int", TYPE, dtype=np.int64)
    z = RNG.standard_normal((2, m, T))
    f = Fn(reg, p + "last_step", R.last_step, z, LENGTHS)
    f.bad("z: 2-D", VALUE, z=z[:, :, 0])
    f.bad("z: None", TYPE, "None", z=None)
    f.bad("lengths: 0", VALUE, "[1, 6]", lengths=np.array([6, 0, 1, 3, 6]))
    f.bad("lengths: floats", TYPE, "int", lengths=LENGTHS.astype(float))
    f.ok("lengths: a list", same={"lengths": LENGTHS}, lengths=LENGTHS.tolist())
    f.ok("lengths: None (all T)", same={"lengths": np.full(m, T)}, lengths=None)
    f = Fn(reg, p + "last_step_backward", R.last_step_backward, np.ones((2, m)), z.shape,
           LENGTHS)
    f.bad("dz_last: wrong shape", VALUE, dz_last=np.ones((m, 2)))
    f.bad("shape: 2 numbers", VALUE, shape=(2, m))
    f.bad("lengths: T + 1", VALUE, lengths=np.full(m, T + 1))
    f.bad("dz_last: None", TYPE, "None", dz_last=None)

    net_args = (7, n_a, n_y)
    C = "seqlab.rnn.network.RecurrentNetwork"
    f = Fn(reg, C, R.RecurrentNetwork, *net_args, kind="gru")
    f.ints("n_a", low=1)
    f.ints("n_x", low=1, floats=False, numpy=False)
    f.bad("n_y: 0", VALUE, n_y=0)
    f.bad("n_y: None", TYPE, n_y=None)
    f.choice("kind", "transformer")
    f.bad("n_layers: 0", VALUE, n_layers=0)
    f.bad("dtype: int", TYPE, dtype=np.int32)
    f.bad("n_a: 2.5 (would be truncated to 2)", TYPE, n_a=2.5)
    net = R.RecurrentNetwork(*net_args, kind="gru", rng=0, dtype=np.float64)
    f = Fn(reg, C + ".forward", net.forward, ids, fname="RecurrentNetwork.forward")
    f.bad("x: token id 7 >= n_x", INDEX, "[0, 7)", x=np.full((m, T), 7), arg="x")
    f.bad("x: token id -1 (would wrap to the last id)", INDEX, "[0, 7)",
          x=np.full((m, T), -1), arg="x")
    f.bad("x: float ids (m, T)", VALUE, x=ids.astype(float))
    f.bad("x: features with n_x = 3 != 7", VALUE, x=X)
    f.bad("x: None", TYPE, "None", x=None)
    f.ok("x: a list of ids (converted)", same={"x": ids}, x=ids.tolist())
    f.bad("lengths: 0", VALUE, lengths=np.array([6, 0, 1, 3, 6]))
    f.bad("x: empty sequence T = 0", VALUE, "at least one", x=ids[:, :0])
    f.bad("c0: given to a GRU", VALUE, c0=np.zeros((1, n_a, m)))
    logits, cache = net.forward(ids)
    f = Fn(reg, C + ".backward", net.backward, np.ones_like(logits), cache,
           fname="RecurrentNetwork.backward")
    f.bad("dlogits: transposed", VALUE, dlogits=np.ones((n_y, T, m)))
    f.bad("dlogits: None", TYPE, "None", dlogits=None)
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, C + ".gates", net.gates, cache, 1, fname="RecurrentNetwork.gates")
    f.bad("layer: 0", VALUE, "[1, 1]", layer=0)
    f.bad("layer: -1 (would be the last layer)", VALUE, "[1, 1]", layer=-1)
    f.bad("layer: 2 of 1", VALUE, layer=2)
    f.ok("layer: NumPy int", same={"layer": 1}, layer=np.int64(1))
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, C + ".final_state", net.final_state, cache, fname="RecurrentNetwork.final_state")
    f.bad("cache: None", TYPE, "None", cache=None)
    f.bad("cache: a logits array", TYPE, cache=logits)
    f = Fn(reg, C + ".layer_states", net.layer_states, cache,
           fname="RecurrentNetwork.layer_states")
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, C + ".save", net.save, "/nonexistent-dir/net.npz", fname="RecurrentNetwork.save")
    f.bad("path: None", TYPE, path=None)
    f.bad("path: a directory that does not exist", (FileNotFoundError,), "/nonexistent-dir",
          default_words=False)
    f = Fn(reg, C + ".load", R.RecurrentNetwork.load, "/nonexistent/net.npz",
           fname="RecurrentNetwork.load")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/net.npz",
          default_words=False)
    f.bad("path: None", TYPE, path=None)


def register(reg: Registry) -> None:
    wrappers(reg)
    network(reg)
