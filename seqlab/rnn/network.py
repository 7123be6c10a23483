r"""A recurrent network as one object: token ids or features in, logits out, every gradient back.

The functional pairs of this package (:func:`deep_rnn_forward` / :func:`deep_rnn_backward`,
:func:`output_forward` / :func:`output_backward`) are what the lectures draw; a task (a language
model, a tagger, a classifier, music) wants them bundled with their configuration and params.
:class:`RecurrentNetwork` is that bundle and nothing more: the equations live in the functions
it calls, and its backward is theirs.

Shapes
------
=========  =====================================  ============================================
name       shape                                  meaning
=========  =====================================  ============================================
x          (n_x, m, T_x) float, or (m, T_x) int   features, or token ids (one-hot inside, n_x
                                                  = vocabulary size)
a0, c0     (L, n_dir·n_a, m)                      initial states per layer (c0: LSTM only)
logits     (n_y, m, T_x)                          z<t> = W_ya a^[L]<t> + b_y, before softmax
a_T, c_T   (L, n_a, m)                            last states (unidirectional), for the next
                                                  window of truncated BPTT
=========  =====================================  ============================================

Equations
---------
(1) x<t> = onehot(id<t>)                     when x holds token ids
(2) a^[L]<t> = deep RNN of x                 (:func:`seqlab.rnn.deep_rnn_forward`)
(3) z<t> = W_ya a^[L]<t> + b_y               (:func:`seqlab.rnn.output_forward`)
(4) dW_ya, db_y, da^[L] from dz              (:func:`seqlab.rnn.output_backward`)
(5) every recurrent gradient from da^[L]     (:func:`seqlab.rnn.deep_rnn_backward`)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from seqlab._validate import (
    as_array,
    check_bool,
    check_cache,
    check_choice,
    check_float_dtype,
    check_ids,
    check_int,
    check_lengths,
    check_path,
)
from seqlab.backend import get_array_module, to_device
from seqlab.npz import load_arrays, save_arrays
from seqlab.rnn._validate import check_shape
from seqlab.rnn.deep import (
    DeepRNNCache,
    _deep_forward,
    deep_rnn_backward,
    init_deep_rnn_params,
)
from seqlab.rnn.gru import gru_gates
from seqlab.rnn.lstm import lstm_gates, lstm_memory
from seqlab.rnn.rnn import output_backward, output_forward

__all__ = ["NetworkCache", "RecurrentNetwork", "last_step", "last_step_backward", "one_hot"]


class NetworkCache(NamedTuple):
    """What :meth:`RecurrentNetwork.backward` needs."""

    deep: DeepRNNCache   # the deep RNN's cache (every layer's states in ``deep.a``)
    lengths: Any         # (m,) int real steps, or None: all T_x


def one_hot(ids, n, dtype=np.float32):
    """x[k, i, t] = 1 where ids[i, t] == k (eq. 1): int ids (m, T_x) -> (n, m, T_x)."""
    n = check_int(n, "one_hot(n)", 1)
    ids = as_array(ids, "one_hot(ids)", "int", ndim=2, symbols="(m, T_x) of token ids")
    ids = check_ids(ids, n, "one_hot(ids)")
    return _one_hot(ids, n, check_float_dtype(dtype, "one_hot(dtype)"))


def _one_hot(ids, n: int, dtype):
    """:func:`one_hot` without the checks, for callers that checked the ids already."""
    xp = get_array_module(ids)
    return (xp.arange(n).reshape(n, 1, 1) == ids[None]).astype(dtype)


def last_step(z, lengths=None):
    """Many-to-one: z<L_i> of each example, (n, m, T_x) -> (n, m); L_i = lengths[i] or T_x."""
    z = as_array(z, "last_step(z)", ndim=3, symbols="(n, m, T_x)")
    xp = get_array_module(z)
    m, T = z.shape[1:]
    if lengths is None:
        return z[:, :, -1]
    lengths = to_device(check_lengths(lengths, m, T, "last_step(lengths)"), xp)
    return z[:, xp.arange(m), lengths - 1]


def last_step_backward(dz_last, shape, lengths=None):
    """The gradient of :func:`last_step`: dz_last (n, m) placed at each last step, zeros
    elsewhere, as an array of ``shape`` (n, m, T_x)."""
    if len(shape) != 3:
        raise ValueError(f"last_step_backward(shape): expected (n, m, T_x), got {shape!r}")
    n, m, T = (check_int(v, "last_step_backward(shape)", 0) for v in shape)
    dz_last = as_array(dz_last, "last_step_backward(dz_last)")
    check_shape(dz_last, (n, m), "(n, m)", "last_step_backward(dz_last)")
    xp = get_array_module(dz_last)
    dz = xp.zeros((n, m, T), dz_last.dtype)
    last = (xp.full((m,), T - 1) if lengths is None else
            to_device(check_lengths(lengths, m, T, "last_step_backward(lengths)"), xp) - 1)
    dz[:, xp.arange(m), last] = dz_last
    return dz


class RecurrentNetwork:
    """A deep (optionally bidirectional) RNN, GRU or LSTM with a dense output layer.

    Parameters
    ----------
    n_x : int, input size (the vocabulary size when fed token ids)
    n_a : int, hidden size of every layer and direction
    n_y : int, output size (logits per step)
    kind : "rnn", "gru" or "lstm"
    n_layers : int ≥ 1
    bidirectional : bool
    rng : int seed or numpy Generator, for the initial params
    dtype : float32 (default, fast) or float64 (gradient checks)
    variant, peephole, activation : the GRU's variant, the LSTM's peepholes, the RNN's
        activation (see :func:`seqlab.rnn.deep_rnn_forward`)
    """

    def __init__(self, n_x: int, n_a: int, n_y: int, kind: str = "lstm", n_layers: int = 1,
                 bidirectional: bool = False, *, rng=0, dtype=np.float32,
                 variant: str = "full", peephole: bool = False, activation: str = "tanh"):
        f = "RecurrentNetwork"
        n_x, n_a, n_y, n_layers = (check_int(v, f"{f}({name})", 1) for name, v in (
            ("n_x", n_x), ("n_a", n_a), ("n_y", n_y), ("n_layers", n_layers)))
        check_choice(kind, ("rnn", "gru", "lstm"), f"{f}(kind)")
        self.config = dict(n_x=n_x, n_a=n_a, n_y=n_y, kind=kind, n_layers=n_layers,
                           bidirectional=check_bool(bidirectional, f"{f}(bidirectional)"),
                           variant=variant, peephole=check_bool(peephole, f"{f}(peephole)"),
                           activation=activation)
        check_float_dtype(dtype, f"{f}(dtype)")
        self.params = init_deep_rnn_params(n_x, n_a, n_y, n_layers, kind, rng,
                                           bidirectional=bidirectional, variant=variant,
                                           peephole=peephole, dtype=dtype)

    def __getattr__(self, name: str):
        config = self.__dict__.get("config", {})
        if name in config:
            return config[name]
        raise AttributeError(f"'RecurrentNetwork' object has no attribute {name!r}")

    def __repr__(self) -> str:
        size = sum(int(v.size) for v in self.params.values())
        return (f"RecurrentNetwork({self.kind}, n_x={self.n_x}, n_a={self.n_a}, "
                f"n_y={self.n_y}, layers={self.n_layers}, "
                f"bidirectional={self.bidirectional}, {size:,} params)")

    @property
    def dtype(self):
        return self.params["W_ya"].dtype

    def _options(self) -> dict:
        return dict(bidirectional=self.bidirectional, activation=self.activation,
                    variant=self.variant, peephole=self.peephole)

    def forward(self, x, a0=None, c0=None, lengths=None):
        """Logits (n_y, m, T_x) for a batch (eqs. 1-3) and the cache for :meth:`backward`.

        ``x`` is (n_x, m, T_x) float features or (m, T_x) int token ids; ``a0``/``c0`` are
        (L, n_dir·n_a, m) or None; ``lengths`` (m,) real steps per example (padding at the end).
        Each may be on the host or the device: it is moved to the parameters' device (a batch
        read from a dataset works with a model on the GPU).
        """
        xp = get_array_module(*self.params.values())
        x = as_array(x, "RecurrentNetwork.forward(x)", "real")
        x, a0, c0, lengths = (None if v is None else to_device(v, xp) for v in (x, a0, c0, lengths))
        if getattr(x, "ndim", None) == 2 and x.dtype.kind in "iu":
            check_ids(x, self.n_x, "RecurrentNetwork.forward(x)")
            x = one_hot(x, self.n_x, self.dtype)                          # (1)
        elif getattr(x, "ndim", None) != 3:
            raise ValueError(f"RecurrentNetwork.forward(x): expected float features "
                             f"(n_x={self.n_x}, m, T_x) or int token ids (m, T_x), got "
                             f"{getattr(x, 'dtype', type(x).__name__)} "
                             f"{getattr(x, 'shape', '')}")
        o = self._options()
        a_top, _, deep = _deep_forward(x, self._recurrent(), self.kind, self.n_layers, a0, c0,
                                       lengths, o["bidirectional"], o["activation"],
                                       o["variant"], o["peephole"],
                                       "RecurrentNetwork.forward")                # (2)
        logits, _ = output_forward(a_top, self.params)                   # (3)
        return logits, NetworkCache(deep, lengths)

    def backward(self, dlogits, cache: NetworkCache) -> dict:
        """∂J/∂param for every key of :attr:`params`, from dlogits = ∂J/∂z (n_y, m, T_x)."""
        a_top = check_cache(cache, NetworkCache, "RecurrentNetwork.backward").deep.a[-1]
        check_shape(dlogits, (self.n_y, *a_top.shape[1:]), "(n_y, m, T_x)",
                    "RecurrentNetwork.backward(dlogits)")
        da_top, out_grads = output_backward(dlogits, a_top, self.params)  # (4)
        _, _, grads = deep_rnn_backward(da_top, cache.deep)              # (5)
        grads.update(out_grads)
        return grads

    def final_state(self, cache: NetworkCache):
        """(a_T, c_T), each (L, n_a, m), at each example's last real step; c_T is None
        unless the cell is an LSTM. Feed them as a0, c0 to the next window (truncated BPTT)."""
        check_cache(cache, NetworkCache, "RecurrentNetwork.final_state")
        if self.bidirectional:
            raise ValueError("RecurrentNetwork.final_state: a bidirectional network has no "
                             "single last state (its backward chain ends at t = 1)")
        xp = get_array_module(cache.deep.a[0])
        m, T = cache.deep.a[0].shape[1:]
        last = (xp.full((m,), T - 1) if cache.lengths is None
                else xp.asarray(cache.lengths) - 1)
        cols = xp.arange(m)
        a_T = xp.stack([a[:, cols, last] for a in cache.deep.a])
        if self.kind != "lstm":
            return a_T, None
        c_T = xp.stack([lstm_memory(layer.caches[0])[:, cols, last]
                        for layer in cache.deep.layers])
        return a_T, c_T

    def layer_states(self, cache: NetworkCache) -> list:
        """a^[l] for l = 1..L, each (n_dir·n_a, m, T_x)."""
        return list(check_cache(cache, NetworkCache, "RecurrentNetwork.layer_states").deep.a)

    def gates(self, cache: NetworkCache, layer: int = 1) -> dict:
        """Layer ``layer``'s gate values, each (n_a, m, T_x): Γ_f, Γ_u, Γ_o, c̃, c (LSTM) or
        Γ_u, Γ_r, c̃, c (GRU); unidirectional only."""
        if self.kind == "rnn" or self.bidirectional:
            raise ValueError("RecurrentNetwork.gates: only a unidirectional GRU or LSTM has gates")
        check_cache(cache, NetworkCache, "RecurrentNetwork.gates")
        layer = check_int(layer, "RecurrentNetwork.gates(layer)", 1, self.n_layers)
        seq_cache = cache.deep.layers[layer - 1].caches[0]
        return lstm_gates(seq_cache) if self.kind == "lstm" else gru_gates(seq_cache)

    def _recurrent(self) -> dict:
        return {k: v for k, v in self.params.items() if k not in ("W_ya", "b_y")}

    def save(self, path) -> None:
        """Params and config in one .npz (host arrays)."""
        save_arrays(check_path(path, "RecurrentNetwork.save(path)"), self.params, self.config)

    @classmethod
    def load(cls, path) -> RecurrentNetwork:
        """The network saved by :meth:`save`, on the default device."""
        params, config = load_arrays(check_path(path, "RecurrentNetwork.load(path)"))
        net = cls(**config, dtype=params["W_ya"].dtype)
        if set(params) != set(net.params):
            raise ValueError(f"RecurrentNetwork.load({path!r}): keys {sorted(params)} do not "
                             f"match the config's {sorted(net.params)}")
        net.params = params
        return net
