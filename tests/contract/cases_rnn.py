"""Contract cases: seqlab.layers and seqlab.rnn (week 1's cells, BRNN, deep RNN, network)."""

from __future__ import annotations

import numpy as np

from seqlab import layers as Ly
from seqlab import rnn as R
from seqlab.layers import conv1d as c1d
from seqlab.layers import conv2d as c2d
from tests.contract._harness import Registry, finite
from tests.contract._kinds import INDEX, KEY, TYPE, VALUE, Fn

RNG = np.random.default_rng(3)
n_x, n_a, n_y, m, T = 3, 4, 2, 5, 6
X = RNG.standard_normal((n_x, m, T))
XT = X[:, :, 0]
A0 = RNG.standard_normal((n_a, m)) * 0.1


def layers(reg: Registry) -> None:
    p = "seqlab.layers."
    x = RNG.standard_normal((3, 5))
    W, b = RNG.standard_normal((4, 3)), np.zeros((4, 1))
    f = Fn(reg, p + "dense.dense_forward", Ly.dense_forward, x, W, b)
    f.array("x", "ndim", "T", "int", "f16", "complex", "none", "list", "empty",
            empty=(1, lambda r: r[0].shape == (4, 0) or _fail("shape")))
    f.array("W", "T", "none", "complex")
    f.bad("b: (n_a,) instead of (n_a, 1)", VALUE, b=np.zeros(4))
    f.choice("activation", "softmax")
    a, cache = Ly.dense_forward(x, W, b)
    f = Fn(reg, p + "dense.dense_backward", Ly.dense_backward, np.ones_like(a), cache)
    f.bad("da: transposed", VALUE, da=np.ones_like(a).T)
    f.bad("cache: None", TYPE, "None", cache=None)
    f.bad("da: None", TYPE, "None", da=None)
    xd = RNG.standard_normal((4, 6))
    f = Fn(reg, p + "dropout.dropout_forward", Ly.dropout_forward, xd, 0.5, rng=0)
    f.number("p", 1.0, 1.5, -0.1, float("nan"), "0.5", None)
    f.ok("p: NumPy float", same={"p": 0.5}, p=np.float64(0.5))
    f.bad("rng: None at training time", VALUE, rng=None)
    f.bad("rng: a string", TYPE, rng="seed")
    f.array("x", "none", "complex")
    f.ok("x: int (promoted)", check=lambda r: r[0].dtype.kind == "f" or _fail("dtype"),
         x=np.ones((4, 6), int))
    out, dcache = Ly.dropout_forward(xd, 0.5, rng=0)
    f = Fn(reg, p + "dropout.dropout_backward", Ly.dropout_backward, np.ones_like(xd), dcache)
    f.bad("dout: transposed", VALUE, dout=np.ones((6, 4)))
    f.bad("cache: None", TYPE, "None", cache=None)
    E = RNG.standard_normal((5, 10))
    ids = np.array([[1, 2, 3], [4, 5, 9]])
    f = Fn(reg, p + "embedding.embedding_forward", Ly.embedding_forward, ids, E)
    f.bad("ids: 10 >= V", INDEX, "[0, 10)", ids=np.array([[1, 10]]))
    f.bad("ids: -1 (would wrap to the last word)", INDEX, "[0, 10)", ids=np.array([[-1, 2]]))
    f.bad("ids: floats", TYPE, "float", ids=ids.astype(float))
    f.bad("ids: None", TYPE, "None", ids=None)
    f.ok("ids: a list of ints (converted)", same={"ids": ids}, ids=ids.tolist())
    f.ok("ids: a NumPy int scalar", same={"ids": np.array(3)}, ids=np.int64(3))
    f.ok("ids: int32", same={"ids": ids}, ids=ids.astype(np.int32))
    f.bad("E: 1-D", VALUE, E=E[0])
    f.bad("E: None", TYPE, "None", E=None)
    f.bad("E: complex", TYPE, "complex", E=E.astype(complex))
    e, ecache = Ly.embedding_forward(ids, E)
    f = Fn(reg, p + "embedding.embedding_backward", Ly.embedding_backward, np.ones_like(e),
           ecache)
    f.bad("de: wrong shape", VALUE, de=np.ones((5, 3, 2)))
    f.bad("de: None", TYPE, "None", de=None)
    xl = RNG.standard_normal((2, 3, 4))
    f = Fn(reg, p + "layer_norm.layer_norm_forward", Ly.layer_norm_forward, xl, np.ones(4),
           np.zeros(4))
    f.array("x", "int", "f16", "complex", "none", "list", "empty",
            empty=(0, lambda r: r[0].shape == (0, 3, 4) or _fail("shape")))
    f.bad("x: last axis empty (d = 0)", VALUE, x=np.zeros((2, 0)), gamma=np.ones(0),
          beta=np.zeros(0), arg="x")
    f.bad("gamma: (d, 1)", VALUE, gamma=np.ones((4, 1)))
    f.bad("beta: None", TYPE, "None", beta=None)
    f.number("eps", 0.0, -1e-5, "1e-5")
    y, lcache = Ly.layer_norm_forward(xl, np.ones(4), np.zeros(4))
    f = Fn(reg, p + "layer_norm.layer_norm_backward", Ly.layer_norm_backward, np.ones_like(y),
           lcache)
    f.bad("dy: wrong shape", VALUE, dy=np.ones((2, 4)))
    f.bad("cache: None", TYPE, "None", cache=None)
    x1 = RNG.standard_normal((3, 2, 10))
    W1, b1 = RNG.standard_normal((4, 3, 3)), np.zeros((4, 1))
    f = Fn(reg, p + "conv1d.conv1d_forward", Ly.conv1d_forward, x1, W1, b1, stride=2)
    f.array("x", "ndim", "int", "complex", "none")
    f.bad("x: n_x = 2 for W's 3 channels", VALUE, x=x1[:2])
    f.bad("x: shorter than the kernel", VALUE, x=x1[:, :, :2])
    f.ints("stride", low=1)
    f.ints("pad", low=0, numpy=True)
    f.bad("b: (n_f,)", VALUE, b=np.zeros(4))
    f.bad("W: None", TYPE, "None", W=None)
    z1, c1 = Ly.conv1d_forward(x1, W1, b1, stride=2)
    f = Fn(reg, p + "conv1d.conv1d_backward", Ly.conv1d_backward, np.ones_like(z1), c1)
    f.bad("dz: wrong shape", VALUE, dz=np.ones((4, 2, 3)))
    f.bad("cache: None", TYPE, "None", cache=None)
    for name, fn, n in (("conv1d.conv1d_output_length", c1d.conv1d_output_length, "T_x"),
                        ("conv2d.conv_output_size", c2d.conv_output_size, "n")):
        f = Fn(reg, p + name, fn, 10, 3, 2, 0)          # the output size along one axis
        for arg, low in ((n, 1), ("k", 1), ("stride", 1), ("pad", 0)):
            f.ints(arg, low=low)
        f.bad(f"k: longer than {n} + 2 pad", VALUE, k=11, arg="k")
    f = Fn(reg, p + "conv1d.im2col_1d", c1d.im2col_1d, x1, 3, 2)
    f.bad("x_p: 2-D", VALUE, x_p=x1[0])
    f.ints("k", low=1)
    f.ints("stride", low=1)
    f.bad("k: longer than T_p", VALUE, k=11)
    cols = c1d.im2col_1d(x1, 3, 2)
    f = Fn(reg, p + "conv1d.col2im_1d", c1d.col2im_1d, cols, x1.shape, 3, 2)
    f.bad("dcols: wrong shape", VALUE, dcols=cols[:, :-1])
    f.bad("x_p_shape: 2 numbers", VALUE, x_p_shape=(3, 2))
    f.ints("stride", low=1)
    x2 = RNG.standard_normal((2, 3, 6, 6))
    W2, b2 = RNG.standard_normal((4, 3, 3, 3)), np.zeros(4)
    f = Fn(reg, p + "conv2d.conv2d_forward", Ly.conv2d_forward, x2, W2, b2, stride=1, pad=1)
    f.array("x", "ndim", "int", "complex", "none")
    f.bad("x: channels-last (m, H, W, C)", VALUE, x=x2.transpose(0, 2, 3, 1).copy())
    f.ints("stride", low=1)
    f.ints("pad", low=0)
    f.bad("b: (F, 1)", VALUE, b=np.zeros((4, 1)))
    f.bad("x: smaller than the kernel", VALUE, x=x2[:, :, :1, :1], pad=0)
    z2, c2 = Ly.conv2d_forward(x2, W2, b2, stride=1, pad=1)
    f = Fn(reg, p + "conv2d.conv2d_backward", Ly.conv2d_backward, np.ones_like(z2), c2)
    f.bad("dz: wrong shape", VALUE, dz=np.ones((2, 4, 5, 5)))
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, p + "conv2d.im2col", c2d.im2col, x2, 3, 3, 1)
    f.bad("x_p: 3-D", VALUE, x_p=x2[0])
    f.ints("k_h", low=1)
    f.ints("stride", low=1)
    cols2 = c2d.im2col(x2, 3, 3, 1)
    f = Fn(reg, p + "conv2d.col2im", c2d.col2im, cols2, x2.shape, 3, 3, 1)
    f.bad("dcols: wrong shape", VALUE, dcols=cols2[:-1])
    f.ints("k_w", low=1)


def _fail(what):
    raise AssertionError(what)


CELLS = {
    "rnn": (R.init_rnn_params, R.rnn_cell_forward, R.rnn_cell_backward, R.rnn_forward,
            R.rnn_backward, "W_aa", {}),
    "gru": (R.init_gru_params, R.gru_cell_forward, R.gru_cell_backward, R.gru_forward,
            R.gru_backward, "W_u", {}),
    "lstm": (R.init_lstm_params, R.lstm_cell_forward, R.lstm_cell_backward, R.lstm_forward,
             R.lstm_backward, "W_f", {}),
}


def cells(reg: Registry) -> None:
    for kind, (init, cell_f, cell_b, seq_f, seq_b, key, _) in CELLS.items():
        mod = f"seqlab.rnn.{kind}."
        params = init(n_x, n_a, n_y, 0)
        f = Fn(reg, mod + init.__name__, init, n_x, n_a, n_y, 0)
        f.ints("n_a", low=1)
        f.ints("n_x", low=1, floats=False, none=False, numpy=False)
        f.bad("n_y: 0", VALUE, n_y=0)
        f.ok("n_y: NumPy int", same={"n_y": n_y}, n_y=np.int64(n_y))
        f.bad("rng: a string", TYPE, rng="seed")
        f.bad("dtype: int", TYPE, dtype=np.int64)
        f.bad("dtype: complex", TYPE, dtype=np.complex128)
        states = (A0, A0) if kind == "lstm" else (A0,)
        f = Fn(reg, mod + cell_f.__name__, cell_f, XT, *states, params)
        f.array("x_t", "ndim", "T", "int", "f16", "complex", "none", "list")
        first = "c_prev" if kind == "gru" else "a_prev"
        f.array(first, "T", "none", "int")
        empty_states = {first: A0[:, :0]} if kind != "lstm" else {"a_prev": A0[:, :0],
                                                                  "c_prev": A0[:, :0]}
        f.ok("x_t: empty batch m = 0 (handled)", check=finite, x_t=XT[:, :0], **empty_states)
        f.params("params", missing=key, shape=key)
        f.bad("params: complex W", TYPE, "complex",
              params={**params, key: params[key].astype(complex)}, arg="params")
        out = cell_f(XT, *states, params)
        cache = out[-1]
        if kind == "lstm":
            f = Fn(reg, mod + cell_b.__name__, cell_b, np.ones_like(A0), np.ones_like(A0), cache)
            f.bad("dc_t: transposed", VALUE, dc_t=np.ones_like(A0).T)
        else:
            f = Fn(reg, mod + cell_b.__name__, cell_b, np.ones_like(A0), cache)
        dname = next(iter(f.values))
        f.bad(f"{dname}: transposed", VALUE, **{dname: np.ones_like(A0).T})
        f.bad(f"{dname}: None", TYPE, "None", **{dname: None})
        f.bad("cache: a sequence cache's tuple", TYPE, "cache", cache=(1, 2), arg="cache")
        f = Fn(reg, mod + seq_f.__name__, seq_f, X, A0, params)
        f.array("x", "ndim", "int", "f16", "complex", "none", "list", "empty",
                empty=(2, "refuse"), words={"empty": ("at least one",)})
        f.bad("x: (m, n_x, T) axes swapped", VALUE, x=X.transpose(1, 0, 2).copy())
        f.bad("x: batch of another size than a0 (reported on the state)", VALUE,
              x=X[:, :3], arg="c0" if kind == "gru" else "a0")
        first = "c0" if kind == "gru" else "a0"
        f.array(first, "T", "none")
        f.params("params", missing=key, shape=key)
        f.ok("x: empty batch m = 0 (handled)", check=finite, x=X[:, :0],
             **{first: A0[:, :0]})
        out = seq_f(X, A0, params)
        a, cache = out[0], out[-1]
        f = Fn(reg, mod + seq_b.__name__, seq_b, np.ones_like(a), cache)
        dname = next(iter(f.values))
        f.bad(f"{dname}: (n_a, m) without T", VALUE, **{dname: np.ones_like(a)[..., 0]})
        f.bad(f"{dname}: None", TYPE, "None", **{dname: None})
        f.bad("cache: None", TYPE, "None", cache=None)
        f.ok(f"{dname}: int (promoted)", same={dname: np.ones_like(a)},
             **{dname: np.ones(a.shape, int)})
    R_params = R.init_rnn_params(n_x, n_a, n_y, 0)
    a, _ = R.rnn_forward(X, A0, R_params)[0], None
    f = Fn(reg, "seqlab.rnn.rnn.rnn_forward", R.rnn_forward, X, A0, R_params)
    f.choice("activation", "sigmoid")
    f.bad("params: W_ya without b_y", KEY, "rnn_forward(params", "missing", "'b_y'",
          params={k: v for k, v in R_params.items() if k != "b_y"}, default_words=False)
    f = Fn(reg, "seqlab.rnn.rnn.output_forward", R.output_forward, a, R_params)
    f.bad("a: n_a rows transposed", VALUE, a=a.transpose(1, 0, 2).copy())
    f.params("params", missing="W_ya", extra=False)
    f.bad("a: None", TYPE, "None", a=None)
    logits, _ = R.output_forward(a, R_params)
    f = Fn(reg, "seqlab.rnn.rnn.output_backward", R.output_backward, np.ones_like(logits), a,
           R_params)
    f.bad("dlogits: wrong shape", VALUE, dlogits=np.ones((n_y + 1, m, T)))
    f.bad("dlogits: None", TYPE, "None", dlogits=None)
    G_params = R.init_gru_params(n_x, n_a, None, 0)
    f = Fn(reg, "seqlab.rnn.gru.gru_forward", R.gru_forward, X, A0, G_params)
    f.choice("variant", "minimal")
    f = Fn(reg, "seqlab.rnn.gru.init_gru_params", R.init_gru_params, n_x, n_a, None)
    f.choice("variant", "lstm")
    cache = R.gru_forward(X, A0, G_params)[-1]
    f = Fn(reg, "seqlab.rnn.gru.gru_gates", R.gru_gates, cache)
    f.bad("cache: an LSTM cache", TYPE, "GRUCache",
          cache=R.lstm_forward(X, A0, R.init_lstm_params(n_x, n_a, None))[-1])
    f.bad("cache: None", TYPE, "None", cache=None)
    L_params = R.init_lstm_params(n_x, n_a, None, 0)
    lcache = R.lstm_forward(X, A0, L_params)[-1]
    for name in ("lstm_gates", "lstm_memory"):
        f = Fn(reg, f"seqlab.rnn.lstm.{name}", getattr(R, name), lcache)
        f.bad("cache: a GRU cache", TYPE, "LSTMCache", cache=cache)
        f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, "seqlab.rnn.lstm.lstm_forward", R.lstm_forward, X, A0, L_params)
    f.bad("c0: transposed", VALUE, c0=A0.T.copy())
    f.bad("peephole: True without p_* keys", KEY, "missing", "'p_f'", peephole=True,
          arg="params", default_words=False)
    f.bad("peephole: a string", TYPE, peephole="yes")
    a_l = R.lstm_forward(X, A0, L_params)[0]
    f = Fn(reg, "seqlab.rnn.lstm.lstm_backward", R.lstm_backward, np.ones_like(a_l), lcache)
    f.bad("dc: (n_a, m)", VALUE, dc=np.ones((n_a, m)))
    f.bad("dc: transposed", VALUE, dc=np.ones((m, n_a, T)))
    f.bad("da: None", TYPE, "None", da=None)
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, "seqlab.rnn.lstm_loop.lstm_forward_loop", R.lstm_forward_loop, X, A0, L_params)
    f.bad("x: transposed", VALUE, x=X.transpose(1, 0, 2).copy())
    f.bad("c0: transposed", VALUE, c0=A0.T.copy())
    f.bad("peephole: True without p_* keys", KEY, "missing", "'p_f'", peephole=True,
          arg="params", default_words=False)
    f.bad("peephole: a string", TYPE, peephole="yes")
    f.bad("x: None", TYPE, "None", x=None)
    loop_cache = R.lstm_forward_loop(X, A0, L_params)[-1]
    f = Fn(reg, "seqlab.rnn.lstm_loop.lstm_backward_loop", R.lstm_backward_loop,
           np.ones_like(a_l), loop_cache)
    f.bad("dc: (n_a, m)", VALUE, dc=np.ones((n_a, m)))
    f.bad("da: None", TYPE, "None", da=None)
    f.bad("cache: the fused LSTMCache", TYPE, "LSTMLoopCache", cache=lcache)
    f.bad("cache: None", TYPE, "None", cache=None)
    reg.no_input("seqlab.rnn.state.complete_grads", "the helper every backward of seqlab.rnn "
                 "calls on dicts it has checked; it reads only the keys of params")


def register(reg: Registry) -> None:
    layers(reg)
    cells(reg)
    from tests.contract.cases_rnn2 import register as more
    more(reg)
