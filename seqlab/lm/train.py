r"""Training a language model: Adam, gradient clipping, truncated BPTT, a clear error on NaN.

*Sequence Models*, week 1: "Language model and sequence generation" (the loss), "Vanishing
gradients with RNNs" (exploding gradients and clipping), and the Dinosaurus Island
assignment's loop: forward, loss, backward, clip, update. One step of :func:`train`:

.. math::

    (1)\quad J, \{dW\} = \text{loss and gradients of a batch (or window)}

    (2)\quad dW := dW \cdot \min(1, c / \lVert g \rVert) \ \text{(clip by norm)} \quad
        \text{or} \quad dW := \min(\max(dW, -c), c) \ \text{(clip by value)}

    (3)\quad W := \mathrm{Adam}(W, dW)

    (4)\quad a^{\langle 0\rangle}_{k+1} = a^{\langle T\rangle}_k \ \text{(truncated BPTT: the
        state crosses windows, the gradient does not)}

Shapes
------
=================  =====================  ==================================================
name               type                   meaning
=================  =====================  ==================================================
train, val         list of str, or str    sequences (one per row, padded), or a stream
window             None or int            None: sequences; T: windows of a stream
History.step       list of int            the step of each entry of ``train_loss``
History.val_loss   list of float          loss per token on ``val`` at ``val_step``
=================  =====================  ==================================================

Notes
-----
Differs from the lecture: the loss is the mean per token (see :mod:`seqlab.lm.model`), and the
optimizer is Adam rather than the assignment's plain gradient descent. A loss that stops being
finite raises :class:`NonFiniteLossError` naming the step and the remedies, instead of
training on NaN.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from tqdm.auto import tqdm

from seqlab import threads
from seqlab._validate import (
    CLIP_ADVICE,
    NonFiniteError,
    check_callable,
    check_int,
    check_number,
    check_sequence,
    check_str,
    got,
)
from seqlab.lm.batches import sequence_batches, stream, stream_windows
from seqlab.lm.scoring import evaluate
from seqlab.optim import Adam, clip_by_norm, clip_by_value

__all__ = ["History", "NonFiniteLossError", "train"]


class NonFiniteLossError(NonFiniteError):
    """The training loss (or a gradient) became NaN or infinite: the model diverged."""


@dataclass
class History:
    """What :func:`train` measured. Losses are nats per token (e^loss is the perplexity)."""

    step: list = field(default_factory=list)        # 1, 2, ...: one entry per step
    train_loss: list = field(default_factory=list)  # the batch's loss per token
    grad_norm: list = field(default_factory=list)   # ‖g‖ before clipping
    val_step: list = field(default_factory=list)    # steps where val was evaluated
    val_loss: list = field(default_factory=list)    # loss per token on val
    tokens: int = 0                                 # training tokens seen
    seconds: float = 0.0                            # wall time of training

    def smoothed(self, span: int = 20) -> list:
        """The running mean of ``train_loss`` over the last ``span`` steps (for plots)."""
        span = check_int(span, "History.smoothed(span)", 1)
        out, total = [], 0.0
        for i, value in enumerate(self.train_loss):
            total += value - (self.train_loss[i - span] if i >= span else 0.0)
            out.append(total / min(i + 1, span))
        return out


def train(model, train_data, val_data=None, *, epochs: int = 1, steps: int | None = None,
          batch_size: int = 64, window: int | None = None, lr: float = 1e-2,
          clip_norm: float | None = 5.0, clip_value: float | None = None, optimizer=None,
          seed: int = 0, callback: Callable | None = None, every: int = 20,
          eval_every: int | None = None, progress: bool = True, desc: str = "training",
          blas_threads: int | None = 1) -> History:
    """Train ``model`` in place with Adam and clipping; return the :class:`History`.

    Parameters
    ----------
    model : LanguageModel
    train_data, val_data : list of str (one sequence per row: names, sentences), or one str
        (a stream); ``val_data`` None skips validation
    epochs : int, passes over ``train_data`` (ignored when ``steps`` is given)
    steps : int or None, stop after this many steps
    batch_size : int, sequences per batch, or rows of the stream
    window : None (sequences), or int T: cut the stream into windows of T steps and carry the
        state from one window to the next (truncated BPTT, eq. 4); required for a str
    lr : float, Adam's learning rate (when ``optimizer`` is None)
    clip_norm : float or None, the largest global gradient norm (eq. 2, left)
    clip_value : float or None, the largest |dW| entry (eq. 2, right), after ``clip_norm``
    optimizer : an object with ``step(params, grads)`` (default ``Adam(lr)``)
    seed : int, shuffles the sequences each epoch (streams keep their order)
    callback : ``callback(history)`` every ``every`` steps and at the end (a live plot)
    eval_every : int or None, evaluate ``val_data`` every so many steps (None: each epoch end)
    progress : bool, show a tqdm progress bar
    blas_threads : int or None, BLAS threads while training (None: leave as set). The default
        1 is fastest for course-sized models: on a busy 2-core machine the names RNN of
        notebook 03 trains in about 2 s with one thread and 47 s with OpenBLAS's 2, which
        spin-wait for each other on every small matrix product.

    Raises
    ------
    NonFiniteLossError
        (a FloatingPointError and a ValueError) when the loss or a gradient is NaN or inf.
    """
    _check_train(model, train_data, val_data, epochs, steps, batch_size, window, lr, clip_norm,
                 clip_value, optimizer, callback, every, eval_every)
    with threads.blas_threads(blas_threads):
        return _train(model, train_data, val_data, epochs, steps, batch_size, window, lr,
                      clip_norm, clip_value, optimizer, seed, callback, every, eval_every,
                      progress, desc)


def _train(model, train_data, val_data, epochs, steps, batch_size, window, lr, clip_norm,
           clip_value, optimizer, seed, callback, every, eval_every, progress, desc):
    """The body of :func:`train` (same arguments)."""
    if isinstance(train_data, str) and window is None:
        raise ValueError("train(window): a str is one stream; give window=T (e.g. 100) to "
                         "cut it into windows of T steps, or pass a list of sequences "
                         "(expected an int window for a str, got None)")
    vocab = model.vocab
    encoded = [vocab.encode(t) for t in ([train_data] if isinstance(train_data, str)
                                         else train_data)]
    if not encoded:
        raise ValueError("train(train_data): expected at least one sequence, got none")
    windows = (stream_windows(stream(encoded, vocab.eos_id), batch_size, window)
               if window is not None else None)
    per_epoch = len(windows) if windows is not None else math.ceil(len(encoded) / batch_size)
    total = steps if steps is not None else epochs * per_epoch
    optimizer = optimizer or Adam(lr)
    lr = getattr(optimizer, "lr", lr)                           # for the divergence message
    history, start, step = History(), time.perf_counter(), 0
    # a text is scored as one stream in windows; a list of sequences one sequence per row, each
    # from its start (scored as a stream, each window would start from a zero state)
    val_window = window if isinstance(val_data, str) else None

    def validate() -> None:
        if val_data is not None and (not history.val_step or history.val_step[-1] != step):
            history.val_step.append(step)
            history.val_loss.append(evaluate(model, val_data, val_window, 256))

    bar = tqdm(total=total, desc=desc, disable=not progress, leave=True)
    epoch = 0
    while step < total:
        batches = (((x, y, None) for x, y in windows) if windows is not None
                   else sequence_batches(encoded, batch_size, seed + epoch, vocab.eos_id))
        state = None
        for x, y, mask in batches:
            step += 1
            J, norm, state = _step(model, optimizer, x, y, mask, state, clip_norm,
                                   clip_value, step, lr)
            if windows is None:
                state = None                                    # sequences start from zeros
            history.step.append(step)
            history.train_loss.append(J)
            history.grad_norm.append(norm)
            history.tokens += int(y.size if mask is None else mask.sum())
            bar.update(1)
            if step % every == 0 or step == 1:
                bar.set_postfix(loss=f"{J:.3f}")
            if eval_every and step % eval_every == 0:
                validate()
            if callback is not None and step % every == 0:
                callback(history)
            if step >= total:
                break
        epoch += 1
        if not eval_every:
            validate()
    bar.close()
    validate()
    history.seconds = time.perf_counter() - start
    if callback is not None:
        callback(history)
    return history


def _step(model, optimizer, x, y, mask, state, clip_norm, clip_value, step, lr):
    """Eqs. (1)-(3) for one batch; any NaN or inf becomes a NonFiniteLossError."""
    try:
        with warnings.catch_warnings():        # overflow warnings: reported below instead
            warnings.simplefilter("ignore", RuntimeWarning)
            J, grads, state = model.loss(x, y, mask, state)                 # (1)
            if not math.isfinite(J):
                raise FloatingPointError(f"the loss is {J}")
            norm = clip_by_norm(grads, clip_norm if clip_norm else math.inf)[1]  # (2) ‖g‖
            if clip_value:
                clip_by_value(grads, clip_value)                            # (2) by value
            optimizer.step(model.params, grads)                             # (3)
    except FloatingPointError as exc:
        clipping = (f"clip_norm={clip_norm}" if clip_norm else "no clipping by norm") + (
            f", clip_value={clip_value}" if clip_value else "")
        cause = str(exc).replace(f" ({CLIP_ADVICE})", "")      # the advice follows, in full
        raise NonFiniteLossError(
            f"training diverged: the loss became non-finite at step {step} ({cause}; lr={lr}, "
            f"{clipping}). Exploding gradients: clip the gradients by norm, e.g. "
            f"train(..., clip_norm=5.0), and/or use a smaller learning rate (lr={lr / 10:g}; "
            f"Adam moves each weight by about lr per step whatever the gradient's size)."
        ) from exc
    return J, norm, state


def _check_train(model, train_data, val_data, epochs, steps, batch_size, window, lr,
                 clip_norm, clip_value, optimizer, callback, every, eval_every) -> None:
    """The arguments of :func:`train`, before any step (clip_norm=0 would turn clipping off)."""
    if not (hasattr(model, "vocab") and hasattr(model, "loss")):
        raise TypeError(f"train(model): expected a LanguageModel, got {got(model)}")
    for name, data in (("train_data", train_data), ("val_data", val_data)):
        if data is not None and not isinstance(data, str):
            for text in check_sequence(data, f"train({name})", "a list of str or one str",
                                       empty=name == "val_data"):
                check_str(text, f"train({name})", empty=True)
    if train_data is None:
        raise TypeError("train(train_data): expected a list of str or one str, got None")
    check_int(epochs, "train(epochs)", 1)
    check_int(batch_size, "train(batch_size)", 1)
    check_int(every, "train(every)", 1)
    for name, v in (("steps", steps), ("window", window), ("eval_every", eval_every)):
        if v is not None:
            check_int(v, f"train({name})", 1)
    if optimizer is None:
        check_number(lr, "train(lr)", 0, low_open=True)
    for name, v in (("clip_norm", clip_norm), ("clip_value", clip_value)):
        if v is not None:          # None turns clipping off; 0 would too, silently
            check_number(v, f"train({name}) (None turns clipping off)", 0, low_open=True)
    if callback is not None:
        check_callable(callback, "train(callback)", "a callable callback(history) or None")
