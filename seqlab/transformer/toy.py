"""A toy task small enough to train in a notebook: reverse a sequence of digits.

Notebook 24 trains a small :class:`~seqlab.transformer.Transformer` on it in a few seconds, so
its heads have something to show: to write the output position t the decoder must read source
position T_x - 1 - t, an anti-diagonal in the cross-attention.

Shapes
------
==========  ==========  ====================================================
name        shape       meaning
==========  ==========  ====================================================
src         (m, T_x)    digit tokens, pad-padded on the right
tgt_in      (m, T_y)    bos, then the reversed digits
tgt_out     (m, T_y)    the reversed digits, then eos, pad-padded
==========  ==========  ====================================================

Tokens: 0 = pad, 1 = bos, 2 = eos, 3 + d for the digit d.
"""

from __future__ import annotations

from pathlib import Path

from seqlab._validate import (
    as_array,
    check_callable,
    check_ids,
    check_int,
    check_path,
    check_rng,
    check_str,
    got,
)
from seqlab.backend import to_device, to_numpy
from seqlab.transformer.schedule import WarmupSchedule

__all__ = ["BOS", "EOS", "PAD", "VOCAB", "decode_digits", "encode_digits", "reversal_batch",
           "load_reversal_model", "sequence_accuracy", "train_steps"]

PAD, BOS, EOS = 0, 1, 2
VOCAB = 13


def encode_digits(text: str):
    """"3 1 4" or "314" -> [6, 4, 7]; ValueError for anything but digits and spaces."""
    text = check_str(text, "encode_digits(text)", empty=True)
    digits = [c for c in text if not c.isspace()]
    if not digits or not all(c in "0123456789" for c in digits):
        raise ValueError(f"encode_digits(text): expected digits 0-9 (spaces allowed), got "
                         f"{text!r}")
    return [3 + int(c) for c in digits]


def decode_digits(tokens) -> str:
    """Tokens -> "3 1 4", stopping at eos, skipping pad and bos."""
    tokens = as_array(tokens, "decode_digits(tokens)", "int", ndim=1, symbols="(T,) of tokens")
    out = []
    for t in to_numpy(check_ids(tokens, VOCAB, "decode_digits(tokens)")).tolist():
        if t == EOS:
            break
        if t >= 3:
            out.append(str(t - 3))
    return " ".join(out)


def reversal_batch(m: int, rng, min_len: int = 3, max_len: int = 8):
    """A batch (src, tgt_in, tgt_out) of the reversal task, lengths uniform in [min, max]."""
    m, min_len = check_int(m, "reversal_batch(m)", 1), check_int(min_len,
                                                                  "reversal_batch(min_len)", 1)
    max_len = check_int(max_len, "reversal_batch(max_len) (>= min_len)", min_len)
    rng = check_rng(rng, "reversal_batch(rng)")
    src, tgt = [], []
    for n in rng.integers(min_len, max_len + 1, m):
        digits = [int(d) for d in rng.integers(3, VOCAB, int(n))]
        pad = [PAD] * (max_len - int(n))
        src.append(digits + pad)                              # (T_x = max_len,)
        tgt.append([BOS] + digits[::-1] + [EOS] + pad)        # (max_len + 2,)
    tgt = to_device(tgt)
    return to_device(src), tgt[:, :-1], tgt[:, 1:]            # teacher forcing: shift by one


def train_steps(model, optimizer: WarmupSchedule, steps: int, m: int, rng, callback=None):
    """``steps`` Adam updates on fresh reversal batches; returns the list of losses.

    ``callback(step, loss)`` is called after every update (a progress bar, a live plot).
    """
    f = "train_steps"
    _check_model(model, ("loss", "params"), f)
    if not hasattr(optimizer, "step"):
        raise TypeError(f"{f}(optimizer): expected an optimizer or WarmupSchedule (with .step), "
                        f"got {got(optimizer)}")
    steps, m = check_int(steps, f"{f}(steps)", 1), check_int(m, f"{f}(m)", 1)
    if callback is not None:
        check_callable(callback, f"{f}(callback)", "a callable callback(step, loss) or None")
    rng = check_rng(rng, f"{f}(rng)")
    losses = []
    for step in range(steps):
        loss, grads = model.loss(reversal_batch(m, rng), train=True)
        optimizer.step(model.params, grads)
        losses.append(loss)
        if callback is not None:
            callback(step, loss)
    return losses


def sequence_accuracy(model, m: int, rng, max_len: int = 8) -> float:
    """The fraction of m fresh examples that greedy decoding reverses exactly."""
    _check_model(model, ("greedy_decode",), "sequence_accuracy")
    m = check_int(m, "sequence_accuracy(m)", 1)
    max_len = check_int(max_len, "sequence_accuracy(max_len)", 3)
    src, _, tgt_out = reversal_batch(m, rng, max_len=max_len)
    pred = to_numpy(model.greedy_decode(src, BOS, EOS, max_len + 1))
    want = to_numpy(tgt_out)
    return sum(decode_digits(p) == decode_digits(w) for p, w in zip(pred, want, strict=True)) / m


PRETRAINED = Path(__file__).resolve().parent / "pretrained"


def load_reversal_model(path=None):
    """The shipped reversal Transformer (made by ``tools/train_transformer_toy.py``) and its
    metadata (config, seed, steps, accuracy)."""
    from seqlab.npz import load_arrays
    from seqlab.transformer.model import Transformer, TransformerConfig

    arrays, meta = load_arrays(check_path(path, "load_reversal_model(path)") if path is not None
                               else PRETRAINED / "reversal.npz")
    model = Transformer(TransformerConfig(**meta["config"]), seed=0, dtype="float32")
    missing = set(model.params) ^ set(arrays)
    if missing:
        raise ValueError(f"load_reversal_model: the file's arrays do not match the config: "
                         f"{sorted(missing)[:5]}")
    model.params = {k: to_device(arrays[k]) for k in model.params}
    return model, meta


def _check_model(model, methods: tuple, fname: str) -> None:
    if not all(hasattr(model, name) for name in methods):
        raise TypeError(f"{fname}(model): expected a Transformer (with {', '.join(methods)}), "
                        f"got {got(model)}")
