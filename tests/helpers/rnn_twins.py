"""The RNN family's shared test helpers: the bidirectional/deep cases, running one chain of
cells, and the torch twins (``torch.nn.RNN/GRU/LSTM`` with our weights, their gradients in our
keys). Used by tests/test_bidirectional.py and tests/test_deep_rnn.py."""

from __future__ import annotations

import numpy as np

from seqlab.rnn import gru_forward, lstm_forward, rnn_forward

TORCH_TOL = 1e-10   # our float64 states and gradients against torch's float64 twin

CASES = [("rnn", {}), ("rnn", {"activation": "relu"}), ("gru", {}),
         ("gru", {"variant": "simplified"}), ("gru", {"variant": "cudnn"}), ("lstm", {}),
         ("lstm", {"peephole": True})]
TORCH_CASES = [("rnn", {}), ("rnn", {"activation": "relu"}), ("gru", {"variant": "cudnn"}),
               ("lstm", {})]


def case_id(case) -> str:
    kind, options = case
    return "-".join([kind, *map(str, options.values())])


def init_options(options: dict) -> dict:
    return {k: v for k, v in options.items() if k != "activation"}  # activation: forward only


def chain(params, prefix):
    return {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}


def run_chain(kind, options, x, a0, c0, p):
    """One chain by the cell's own sequence function."""
    if kind == "lstm":
        return lstm_forward(x, a0, p, options.get("peephole", False), c0=c0)[0]
    if kind == "gru":
        return gru_forward(x, a0, p, options.get("variant", "full"))[0]
    return rnn_forward(x, a0, p, options.get("activation", "tanh"))[0]


def max_abs(ours, theirs) -> float:
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    return float(np.max(np.abs(ours - theirs))) if ours.size else 0.0

# --------------------------------------------------------------------------- PyTorch

def torch_model(torch, kind, options, n_x, n_a, seed, **kw):
    """torch.nn.RNN / GRU / LSTM in float64 with weights 0.7 N(0, 1)."""
    cls = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[kind]
    extra = {"nonlinearity": options.get("activation", "tanh")} if kind == "rnn" else {}
    model = cls(n_x, n_a, dtype=torch.float64, **extra, **kw)
    g = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(0.7 * g.standard_normal(tuple(p.shape))))
    return model


def torch_suffixes(n_layers: int, bidirectional: bool, deep: bool) -> dict:
    """torch's parameter suffix ("_l0", "_l0_reverse", ...) -> our key prefix."""
    out = {}
    for l in range(n_layers):
        for d, name in enumerate(["fwd/", "bwd/"][:1 + bidirectional]):
            prefix = (f"l{l + 1}/" if deep else "") + (name if bidirectional else "")
            out[f"_l{l}" + ("_reverse" if d else "")] = prefix
    return out


def params_from_torch(model, kind, n_a, suffixes) -> dict:
    """Each torch chain's [W_ih, W_hh, b_ih, b_hh] on the cell's keys (cell modules' Notes)."""
    params = {}
    for suffix, prefix in suffixes.items():
        W_ih, W_hh, b_ih, b_hh = (getattr(model, n + suffix).detach().numpy().copy()
                                  for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        rows = [slice(i * n_a, (i + 1) * n_a) for i in range(4)]
        if kind == "rnn":
            p = {"W_aa": W_hh, "W_ax": W_ih, "b_a": (b_ih + b_hh)[:, None]}
        elif kind == "lstm":                                    # [i | f | g | o] = [u f c o]
            p = {}
            for gate, r in zip("ufco", rows, strict=True):
                p[f"W_{gate}"] = np.hstack([W_hh[r], W_ih[r]])
                p[f"b_{gate}"] = (b_ih[r] + b_hh[r])[:, None]
        else:                                                   # [r | z | n], Γu = 1 - z
            r, z, n = rows[:3]
            p = {"W_u": -np.hstack([W_hh[z], W_ih[z]]), "b_u": -(b_ih[z] + b_hh[z])[:, None],
                 "W_r": np.hstack([W_hh[r], W_ih[r]]), "b_r": (b_ih[r] + b_hh[r])[:, None],
                 "W_c": np.hstack([W_hh[n], W_ih[n]]), "b_c": b_ih[n][:, None],
                 "b_cc": b_hh[n][:, None]}
        params.update({prefix + k: v for k, v in p.items()})
    return params


def assert_torch_grads(model, kind, grads, n_a, suffixes) -> None:
    """Our grads, in torch's layout, equal torch's for every parameter of every chain."""
    for suffix, prefix in suffixes.items():
        g = {k[len(prefix):]: v for k, v in grads.items() if k.startswith(prefix)
             and "/" not in k[len(prefix):]}
        if kind == "rnn":
            d_ih, d_hh, d_bih, d_bhh = g["W_ax"], g["W_aa"], g["b_a"], g["b_a"]
        else:
            sign = {"u": -1.0} if kind == "gru" else {}         # z = 1 - Γu
            gates = "ufco" if kind == "lstm" else "ruc"
            d_hh = np.vstack([sign.get(q, 1.0) * g[f"W_{q}"][:, :n_a] for q in gates])
            d_ih = np.vstack([sign.get(q, 1.0) * g[f"W_{q}"][:, n_a:] for q in gates])
            d_bih = np.concatenate([sign.get(q, 1.0) * g[f"b_{q}"] for q in gates])
            d_bhh = d_bih if kind == "lstm" else np.concatenate(
                [g["b_r"], -g["b_u"], g["b_cc"]])
        for name, ours in [("weight_ih", d_ih), ("weight_hh", d_hh), ("bias_ih", d_bih),
                           ("bias_hh", d_bhh)]:
            theirs = getattr(model, name + suffix).grad
            assert max_abs(ours.reshape(theirs.shape), theirs) < TORCH_TOL, name + suffix


def run_torch(torch, model, kind, x, a0, c0, da, n_dir, lengths=None):
    """torch forward + backward of Σ da*out; a0, c0 (L, n_dir·n_a, m) as ours.

    Returns out (n_dir·n_a, m, T), dx, dh0, dc0 (c0 None: None) in our layout.
    """
    L, _, m = a0.shape
    to_h = (lambda s: torch.tensor(s.reshape(L, n_dir, -1, m).transpose(0, 1, 3, 2)
                                   .reshape(L * n_dir, m, -1), requires_grad=True))
    x_t = torch.tensor(x.transpose(2, 1, 0), requires_grad=True)   # (T, m, n_x)
    h0, c0_t = to_h(a0), (to_h(c0) if c0 is not None else None)
    inputs = x_t
    if lengths is not None:
        inputs = torch.nn.utils.rnn.pack_padded_sequence(x_t, torch.tensor(lengths),
                                                         enforce_sorted=False)
    out, _ = model(inputs, (h0, c0_t) if kind == "lstm" else h0)
    if lengths is not None:
        out = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=x.shape[2])[0]
    (out * torch.tensor(da.transpose(2, 1, 0))).sum().backward()
    from_h = (lambda t: t.grad.detach().numpy().reshape(L, n_dir, m, -1).transpose(0, 1, 3, 2)
              .reshape(L, -1, m))
    dc0 = from_h(c0_t) if c0_t is not None else None
    return (out.detach().numpy().transpose(2, 1, 0), x_t.grad.numpy().transpose(2, 1, 0),
            from_h(h0), dc0)
