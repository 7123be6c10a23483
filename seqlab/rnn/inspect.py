"""Inside a trained character RNN: every unit's gates and memory cell per character.

What the gate explorer of notebook 04 shows (in the spirit of LSTMVis, Strobelt et al., 2018)
and what the memory view of notebook 27 reads: :func:`load_gate_model` loads one of the
shipped sonnet models (RNN, GRU, LSTM; ``tools/train_gate_models.py`` made them),
:func:`gate_trace` runs it over a text from zero states and keeps every gate, and
:func:`unit_profile` / :func:`unit_correlations` say what one unit does. Analysis on the host
(NumPy, named ``host``): the pictures are in :mod:`seqlab.viz.gates`.

=================  ===================================================================
panels             what they hold, each (n_a units, T characters)
=================  ===================================================================
LSTM               Γf forget, Γu update, Γo output (in [0, 1]) and the memory cell c<t>
GRU                Γu update, Γr reset (in [0, 1]), the candidate c̃<t> and c<t> = a<t>
=================  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from seqlab._validate import check_choice, check_instance, check_int, check_str
from seqlab.backend import host, to_numpy
from seqlab.npz import load_arrays
from seqlab.rnn.network import RecurrentNetwork

__all__ = ["KINDS", "PANELS", "GateModel", "GateTrace", "gate_trace", "load_gate_model",
           "unit_correlations", "unit_profile"]

PRETRAINED = Path(__file__).resolve().parents[1] / "data" / "pretrained"
PANELS = {"lstm": ("gamma_f", "gamma_u", "gamma_o", "c"),
          "gru": ("gamma_u", "gamma_r", "c_tilde", "c")}
MAX_CHARS = 20_000      # gate_trace: enough for a few sonnets at once
@dataclass
class GateModel:
    """A trained character model: the network, its vocabulary and how it was trained."""

    net: RecurrentNetwork
    vocab: str
    meta: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.net.kind

    def encode(self, text: str, max_chars: int, fname: str) -> tuple[host.ndarray, str, int]:
        """(ids (T,), the text as read, how many characters were replaced): a character outside
        the vocabulary reads as a space. ``fname`` names the caller in the error for a text
        that is not a str of 1 to ``max_chars`` characters."""
        check_str(text, f"{fname}(text)")
        if not 1 <= len(text) <= max_chars:
            raise ValueError(f"{fname}(text): expected a str of 1 to {max_chars} characters, "
                             f"got a str of {len(text)}")
        index = {ch: i for i, ch in enumerate(self.vocab)}
        fallback = index.get(" ", 0)
        ids = host.array([index.get(ch, fallback) for ch in text], dtype=host.int64)
        return ids, "".join(self.vocab[i] for i in ids), int(sum(ch not in index for ch in text))


KINDS = ("rnn", "gru", "lstm")  # the shipped sonnet models; the gate explorer shows GRU and LSTM


def load_gate_model(kind: str, path=None) -> GateModel:
    """The shipped sonnet model ``kind`` ("rnn", "gru" or "lstm"), or the file ``path``.

    Made by ``python tools/train_gate_models.py``; its metadata holds the network's config, the
    vocabulary, the measured train and validation losses and the command that made it.
    """
    if path is None:
        path = PRETRAINED / f"sonnets_{check_choice(kind, KINDS, 'load_gate_model(kind)')}.npz"
    params, meta = load_arrays(path)
    net = RecurrentNetwork(**meta["config"], dtype=params["W_ya"].dtype)
    if set(params) != set(net.params):
        raise ValueError(f"load_gate_model(path): {path} holds {sorted(params)}, expected "
                         f"{sorted(net.params)}")
    net.params = params
    return GateModel(net, meta["vocab"], meta)


@dataclass
class GateTrace:
    """Every unit's gates on one text: ``values[name]`` is (n_a, T), one column per character."""

    kind: str
    text: str                 # the characters read (unknown ones replaced by a space)
    values: dict
    replaced: int = 0         # how many characters were not in the vocabulary

    @property
    def n_a(self) -> int:
        return self.values["c"].shape[0]


def gate_trace(model: GateModel, text: str, max_chars: int = MAX_CHARS) -> GateTrace:
    """One forward pass of ``model`` over ``text`` from zero states; keeps every gate.

    Parameters
    ----------
    model : GateModel (a unidirectional one-layer GRU or LSTM over characters)
    text : str, 1..max_chars characters; characters outside the vocabulary read as a space
    max_chars : int, the longest text accepted (the widget shows at most WIDGET_CHARS)

    Returns
    -------
    GateTrace with values[name] (n_a, T) for the panels of ``model.kind`` and "c"
    """
    check_instance(model, GateModel, "gate_trace(model)", "a GateModel (load_gate_model)")
    ids, shown, replaced = model.encode(text, max_chars, "gate_trace")
    _, cache = model.net.forward(ids[None])                         # one example (1, T)
    gates = model.net.gates(cache)                                  # each (n_a, 1, T)
    values = {k: host.asarray(to_numpy(v))[:, 0, :].astype(float) for k, v in gates.items()}
    return GateTrace(model.kind, shown, values, replaced)


def unit_profile(trace: GateTrace, unit: int, k: int = 5) -> dict:
    """One unit on the text: its values per character and where its memory switches.

    Returns
    -------
    dict with "values" {name: (T,)} for the panels, "dc" (T,) = c<t> - c<t-1> (c<0> = 0), and
    "switches": the k positions of the largest |Δc<t>|, largest first
    """
    check_instance(trace, GateTrace, "unit_profile(trace)", "a GateTrace (gate_trace)")
    unit = check_int(unit, "unit_profile(unit)", low=0, high=trace.n_a - 1)
    check_int(k, "unit_profile(k)", low=1)
    c = trace.values["c"][unit]
    dc = host.diff(c, prepend=0.0)                                  # c<t> - c<t-1>, c<0> = 0
    order = host.argsort(-host.abs(dc), kind="stable")[:k]
    return {"values": {n: trace.values[n][unit] for n in PANELS[trace.kind]}, "dc": dc,
            "switches": [int(i) for i in order]}


def unit_correlations(trace: GateTrace, features: dict, state: str = "c") -> dict:
    """For each named feature (T,) of the text, the unit whose ``state`` correlates most.

    Returns
    -------
    dict name -> (unit, Pearson r of that unit's state with the feature), |r| largest
    """
    check_instance(trace, GateTrace, "unit_correlations(trace)", "a GateTrace (gate_trace)")
    check_choice(state, sorted(trace.values), "unit_correlations(state)")
    check_instance(features, dict, "unit_correlations(features)", "a dict name -> (T,) values")
    X = trace.values[state]                                         # (n_a, T)
    out = {}
    for name, f in features.items():
        f = host.asarray(f, dtype=float)
        if f.shape != (X.shape[1],):
            raise ValueError(f"unit_correlations(features[{name!r}]): expected shape "
                             f"({X.shape[1]},), one value per character, got {f.shape}")
        Xc, fc = X - X.mean(axis=1, keepdims=True), f - f.mean()
        denom = host.sqrt((Xc ** 2).sum(axis=1) * (fc ** 2).sum()) + 1e-12
        r = (Xc @ fc) / denom                                       # (n_a,) Pearson r
        best = int(host.argmax(host.abs(r)))
        out[name] = (best, float(r[best]))
    return out
