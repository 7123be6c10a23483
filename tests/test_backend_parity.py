"""NumPy / CuPy parity: one seed, one model; forward and backward agree on both backends.

Each test runs twice: on the device double (``tests/device_double``: NumPy behind CuPy 14.2's
boundary rules, so a host array inside a device operation, an implicit conversion or a function
CuPy lacks fails here as on a GPU; always runs), and on CuPy (only where CuPy sees a GPU). Every
case builds its inputs on the host from a seeded generator, runs once with the inputs on NumPy
and once with the same inputs moved to the device (parameters drawn by the library's own
``init_*`` under ``backend.using("cupy")``), and compares everything that comes back, converted
with ``to_numpy``.

Tolerances: float64 to 1e-10 (the only difference is the order of the sums inside BLAS and
cuBLAS, ~1e-16 per operation). float32 to rtol 1e-4 / atol 1e-5: unit roundoff is 6e-8, a
product of inner dimension n sums n roundings (n <= 256 here: ~1.5e-5 relative), and BPTT over
T_x = 12 steps compounds them a few times more.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab import backend, rnn
from seqlab.backend import to_device, to_numpy

pytestmark = pytest.mark.usefixtures("device")
TOL = {np.float64: (1e-10, 1e-10), np.float32: (1e-4, 1e-5)}
OTHER = "cupy"  # the backend compared with NumPy


def _flat(out, prefix="") -> dict:
    """Every array in a nest of tuples/lists/dicts/NamedTuples, by path: (its array module's
    name, a host copy)."""
    if isinstance(out, dict):
        return {k: v for key, val in out.items() for k, v in _flat(val, f"{prefix}{key}.").items()}
    if isinstance(out, list | tuple):
        return {k: v for i, val in enumerate(out) for k, v in _flat(val, f"{prefix}{i}.").items()}
    if hasattr(out, "shape"):
        where = "cupy" if backend.is_cupy(out) else "numpy"
        return {prefix.rstrip("."): (where, np.asarray(to_numpy(out)))}
    return {}


def _both(run, dtype=np.float64):
    """run(xp_name, put) -> results, on NumPy then CuPy; compared leaf by leaf."""
    results = {}
    for name in ("numpy", OTHER):
        with backend.using(name):
            xp = backend.xp_default()
            results[name] = _flat(run(lambda a, xp=xp: to_device(np.asarray(a), xp)))
    results["cupy"] = results.pop(OTHER) if OTHER != "numpy" else results["numpy"]
    assert results["numpy"].keys() == results["cupy"].keys()
    rtol, atol = TOL[dtype]
    for key, (where_want, want) in results["numpy"].items():
        where, got = results["cupy"][key]
        assert (where_want, where) == ("numpy", "cupy"), f"{key} came back on the wrong device"
        assert got.dtype == want.dtype, key
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=key)
    return results


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_seed_gives_the_same_parameters_on_both_backends(dtype):
    def run(put):
        return (rnn.init_lstm_params(5, 7, 3, rng=0, dtype=dtype),
                rnn.init_gru_params(5, 7, 3, rng=0, dtype=dtype),
                rnn.init_rnn_params(5, 7, 3, rng=0, dtype=dtype))
    _both(run, dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["rnn", "gru-full", "gru-simplified", "gru-cudnn", "lstm",
                                  "lstm-peephole"])
def test_cell_sequences_forward_and_bptt(kind, dtype):
    n_x, n_a, n_y, m, T_x = 5, 7, 3, 4, 12
    r = np.random.default_rng(1)
    x, a0 = r.normal(size=(n_x, m, T_x)), r.normal(size=(n_a, m))
    da = r.normal(size=(n_a, m, T_x))

    def run(put):
        xs, a0s, das = (put(v.astype(dtype)) for v in (x, a0, da))
        if kind == "rnn":
            p = rnn.init_rnn_params(n_x, n_a, n_y, rng=0, dtype=dtype)
            out = rnn.rnn_forward(xs, a0s, p)
            return out[:2], rnn.rnn_backward(das, out[2])
        if kind.startswith("gru"):
            variant = kind.split("-")[1]
            p = rnn.init_gru_params(n_x, n_a, n_y, rng=0, variant=variant, dtype=dtype)
            out = rnn.gru_forward(xs, a0s, p, variant=variant)
            return out[:2], rnn.gru_backward(das, out[2])
        peephole = kind == "lstm-peephole"
        p = rnn.init_lstm_params(n_x, n_a, n_y, rng=0, peephole=peephole, dtype=dtype)
        out = rnn.lstm_forward(xs, a0s, p, peephole=peephole)
        return out[:3], rnn.lstm_backward(das, out[3])
    _both(run, dtype)


def test_recurrent_network_with_ids_lengths_and_a_masked_loss():
    from seqlab.losses import cross_entropy

    r = np.random.default_rng(2)
    ids = r.integers(0, 11, (3, 9))
    lengths = np.array([9, 5, 2])
    mask = np.arange(9)[None, :] < lengths[:, None]

    def run(put):
        net = rnn.RecurrentNetwork(11, 8, 11, kind="lstm", n_layers=2, bidirectional=True,
                                   rng=0)
        logits, cache = net.forward(put(ids), lengths=put(lengths))
        loss, dlogits = cross_entropy(logits, put(ids), mask=put(mask))
        return logits, loss, net.backward(dlogits, cache)
    _both(run)


def test_embedding_scatter_add_with_repeated_ids_and_index_checks():
    from seqlab.layers import embedding_backward, embedding_forward

    r = np.random.default_rng(3)
    E, ids = r.normal(size=(6, 20)), np.array([[1, 1, 4], [19, 1, 0]])
    de = r.normal(size=(6, 2, 3))

    def run(put):
        e, cache = embedding_forward(put(ids), put(E))
        return e, embedding_backward(put(de), cache)
    _both(run)
    with backend.using("cupy"), pytest.raises(IndexError, match=r"\[0, 20\)"):
        embedding_forward(to_device(np.array([20])), to_device(E))  # CuPy would wrap it


def test_layer_norm_conv2d_and_dropout():
    from seqlab.layers import (
        conv2d_backward,
        conv2d_forward,
        dropout_backward,
        dropout_forward,
        layer_norm_backward,
        layer_norm_forward,
    )

    r = np.random.default_rng(4)
    x, dy = r.normal(size=(2, 3, 8)), r.normal(size=(2, 3, 8))
    g, b = r.normal(size=8), r.normal(size=8)
    img, W, bc = r.normal(size=(2, 3, 9, 9)), r.normal(size=(4, 3, 3, 3)), r.normal(size=4)

    def run(put):
        y, c1 = layer_norm_forward(put(x), put(g), put(b))
        z, c2 = conv2d_forward(put(img), put(W), put(bc), stride=2, pad=1)
        d, c3 = dropout_forward(put(x), 0.3, rng=5)   # the mask is drawn on the host: equal
        return (y, layer_norm_backward(put(dy), c1), z, conv2d_backward(z, c2), d,
                dropout_backward(put(dy), c3))
    _both(run)


def test_attention_step_and_multi_head_attention():
    from seqlab.seq2seq.attention import (
        attention_step_backward,
        attention_step_forward,
        init_attention_params,
    )
    from seqlab.transformer.multi_head import (
        init_multi_head_params,
        multi_head_attention_backward,
        multi_head_attention_forward,
    )

    r = np.random.default_rng(5)
    s, a, mask = r.normal(size=(6, 3)), r.normal(size=(8, 3, 7)), np.arange(7) < np.array(
        [[7], [4], [2]])
    q, kv, dout = r.normal(size=(2, 5, 8)), r.normal(size=(2, 6, 8)), r.normal(size=(2, 5, 8))

    def run(put):
        p = to_device(init_attention_params(6, 8, rng=0))
        context, alpha, cache = attention_step_forward(put(s), put(a), p, mask=put(mask))
        mp = to_device(init_multi_head_params(8, np.random.default_rng(0)))
        out, weights, mcache = multi_head_attention_forward(put(q), put(kv), mp, n_heads=2)
        return (context, alpha, attention_step_backward(context, cache), out, weights,
                multi_head_attention_backward(put(dout), mcache))
    _both(run)


def test_ctc_loss_negative_sampling_and_glove():
    from seqlab.embeddings.glove_model import glove_backward, glove_forward, init_glove_params
    from seqlab.embeddings.negative_sampling import (
        negative_sampling_backward,
        negative_sampling_forward,
    )
    from seqlab.speech import ctc_loss

    r = np.random.default_rng(6)
    logits = r.normal(size=(6, 3, 15))
    targets, in_len, tgt_len = np.array([[1, 1, 2], [3, 4, 0], [5, 0, 0]]), [15, 11, 6], [3, 2, 1]
    e_c, th_t, th_n = r.normal(size=(5, 4)), r.normal(size=(5, 4)), r.normal(size=(5, 4, 3))
    i, j, xij = np.array([0, 1, 1, 3]), np.array([2, 2, 0, 1]), np.array([1.0, 4.0, 0.5, 30.0])

    def run(put):
        losses, dlogits = ctc_loss(put(logits), put(targets), put(in_len), put(tgt_len))
        out = negative_sampling_forward(put(e_c), put(th_t), put(th_n))
        gp = to_device(init_glove_params(4, 5, rng=0))
        gout = glove_forward(gp, put(i), put(j), put(xij))
        return (losses, dlogits, out[:-1], negative_sampling_backward(out[-1]), gout[:-1],
                glove_backward(gout[-1]))
    _both(run)
