"""A minibatch training loop for the seq2seq models (Adam, gradient-norm clipping, float32).

Used by ``tools/train_g2p.py`` and ``tools/train_dates.py``; small enough for a notebook.
Batches are drawn by a seeded host RNG, so one seed gives one run.
"""

from __future__ import annotations

import statistics
import time

from seqlab._validate import check_callable, check_int, check_number, check_paired, check_rng
from seqlab.optim import Adam, clip_by_norm

__all__ = ["train_seq2seq"]


def train_seq2seq(model, sources, targets, *, steps: int = 1000, batch_size: int = 64,
                  lr: float = 3e-3, clip: float = 5.0, seed: int = 0,
                  time_limit: float | None = None,
                  evaluate=None, eval_every: int = 500, log=print, lr_decay_at: float = 0.7,
                  freeze_encoder: int = 0):
    """Train ``model`` in place on (source, target) pairs; returns the history.

    Parameters
    ----------
    model : EncoderDecoder or AttentionSeq2Seq (anything with ``batch`` and ``loss``)
    sources, targets : sequences of str / token lists (targets without eos)
    steps : int, Adam steps (minibatches)
    batch_size : int
    lr : float, Adam's learning rate (divided by 3 after ``lr_decay_at`` of the steps)
    clip : float, max global gradient norm (:func:`seqlab.optim.clip_by_norm`)
    seed : int, draws the minibatches
    time_limit : float seconds or None; stop early when exceeded
    evaluate : callable(model) -> dict of metrics, called every ``eval_every`` steps and at the end
    log : callable(str), progress lines, or None for none
    freeze_encoder : int, for the first ``freeze_encoder`` steps the encoder's parameters
        (keys "enc/...") get a zero gradient, so they keep their initial values while the
        attention and the decoder learn (notebook 17: this is what makes the date model's
        attention align; Adam's moments of those keys stay 0, so they do not move at all)

    Returns
    -------
    dict with "loss" (per step), "evals" (list of (step, metrics)), "steps" (taken), "seconds"
    """
    f = "train_seq2seq"
    for name in ("batch", "loss", "params"):
        if not hasattr(model, name):
            raise TypeError(f"{f}(model): expected a seq2seq model (with batch, loss and "
                            f"params), got {type(model).__name__}")
    sources, targets = check_paired(sources, targets, f, ("sources", "targets"),
                                    "a list of str or token lists", "targets")
    steps = check_int(steps, f"{f}(steps)", 1)
    batch_size = check_int(batch_size, f"{f}(batch_size)", 1)
    eval_every = check_int(eval_every, f"{f}(eval_every)", 1)
    lr = check_number(lr, f"{f}(lr)", 0, low_open=True)
    clip = check_number(clip, f"{f}(clip) (inf: no clipping)", 0, low_open=True, allow_inf=True)
    lr_decay_at = check_number(lr_decay_at, f"{f}(lr_decay_at) (a fraction of the steps)", 0, 1)
    freeze_encoder = check_int(freeze_encoder, f"{f}(freeze_encoder)", 0)
    if freeze_encoder and not any(k.startswith("enc/") for k in model.params):
        raise ValueError(f"{f}(freeze_encoder): expected a model with encoder parameters "
                         f"('enc/...' keys) to freeze, got keys {sorted(model.params)[:6]}")
    if time_limit is not None:
        check_number(time_limit, f"{f}(time_limit)", 0, low_open=True, allow_inf=True)
    if evaluate is not None:
        check_callable(evaluate, f"{f}(evaluate)", "a callable evaluate(model) -> dict")
    log = check_callable(log, f"{f}(log)", "a callable log(str) or None") if log is not None \
        else (lambda line: None)
    rng = check_rng(seed, f"{f}(seed)")
    opt = Adam(lr=lr)
    n = len(sources)
    history = {"loss": [], "evals": []}
    start = time.perf_counter()
    step = 0
    for step in range(1, steps + 1):
        if step == int(lr_decay_at * steps):
            opt.lr = lr / 3
        idx = rng.choice(n, size=min(batch_size, n), replace=False)
        batch = model.batch([sources[i] for i in idx], [targets[i] for i in idx])
        J, grads = model.loss(batch)
        if step <= freeze_encoder:                       # the encoder keeps its initial values
            grads = {k: g * 0 if k.startswith("enc/") else g for k, g in grads.items()}
        grads, _ = clip_by_norm(grads, clip)
        opt.step(model.params, grads)
        history["loss"].append(float(J))
        if step % 100 == 0:
            log(f"step {step}: loss {statistics.fmean(history['loss'][-100:]):.4f} "
                f"({time.perf_counter() - start:.0f} s)")
        if evaluate is not None and step % eval_every == 0:
            history["evals"].append((step, evaluate(model)))
            log(f"  eval {history['evals'][-1]}")
        if time_limit is not None and time.perf_counter() - start > time_limit:
            log(f"time limit reached at step {step}")
            break
    if evaluate is not None and (not history["evals"] or history["evals"][-1][0] != step):
        history["evals"].append((step, evaluate(model)))
    history["steps"] = step
    history["seconds"] = time.perf_counter() - start
    return history
