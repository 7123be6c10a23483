r"""The warm-up learning-rate schedule of "Attention Is All You Need" (section 5.3).

The rate grows linearly for the first ``warmup_steps`` steps (Adam's second-moment estimates are
still poor and post-LN Transformers diverge with a large early step), then decays as 1/√step.

Shapes
------
All scalars: ``step`` is the 1-based number of the update about to be taken.

Equations
---------
.. math::

    (1)\quad \mathrm{lrate}(s) = f \cdot d_{model}^{-0.5}\,
        \min\big(s^{-0.5},\; s \cdot \mathrm{warmup}^{-1.5}\big)

The two branches meet at s = warmup, where the rate peaks at f / √(d_model · warmup).

Notes
-----
The paper uses f = 1, warmup = 4000 and Adam(β1 = 0.9, β2 = 0.98, ε = 1e-9); small models on
small data train faster with a larger factor and a shorter warm-up.
"""

from __future__ import annotations

from seqlab._validate import check_int, check_number, renamed

__all__ = ["WarmupSchedule", "transformer_lr"]


def transformer_lr(step: int, d_model: int, warmup_steps: int = 4000, factor: float = 1.0
                   ) -> float:
    """The learning rate (1) at update number ``step`` (>= 1)."""
    step, d_model, warmup_steps, factor = _check(step, d_model, warmup_steps, factor,
                                                 "transformer_lr")
    return factor * d_model ** -0.5 * min(step ** -0.5, step * warmup_steps ** -1.5)   # (1)


class WarmupSchedule:
    """Sets ``optimizer.lr`` by (1) before each update: call :meth:`step` instead of
    ``optimizer.step``.

    Parameters
    ----------
    optimizer : an optimizer of :mod:`seqlab.optim` (it has an ``lr`` attribute), e.g. Adam
    d_model, warmup_steps, factor : as in :func:`transformer_lr`

    Attributes
    ----------
    t : int, the updates taken; history : list of the rates used
    """

    def __init__(self, optimizer, d_model: int, warmup_steps: int = 4000, factor: float = 1.0):
        if not hasattr(optimizer, "lr") or not hasattr(optimizer, "step"):
            raise TypeError(f"WarmupSchedule(optimizer): expected an optimizer with .lr and "
                            f".step, got {type(optimizer).__name__}")
        _, d_model, warmup_steps, factor = _check(1, d_model, warmup_steps, factor,
                                                  "WarmupSchedule")
        self.optimizer, self.d_model = optimizer, d_model
        self.warmup_steps, self.factor = warmup_steps, factor
        self.t, self.history = 0, []

    def step(self, params: dict, grads: dict) -> float:
        """One update with the scheduled rate; returns the rate used. A refused update (the
        optimizer's checks: keys, shapes, NaN gradients) changes nothing, not even ``t``."""
        lr = transformer_lr(self.t + 1, self.d_model, self.warmup_steps, self.factor)
        old, self.optimizer.lr = self.optimizer.lr, lr
        try:
            self.optimizer.step(params, grads)
        except (TypeError, ValueError) as e:      # the optimizer refused: name this method
            self.optimizer.lr = old
            raise renamed(e, f"{type(self.optimizer).__name__}.step(",
                          "WarmupSchedule.step(") from None
        self.t += 1
        self.history.append(lr)
        return lr


def _check(step, d_model, warmup_steps, factor, fname: str) -> tuple:
    """(step, d_model, warmup_steps) ints >= 1 and factor > 0, named for ``fname``."""
    step, d_model, warmup_steps = (check_int(v, f"{fname}({n})", 1) for n, v in (
        ("step", step), ("d_model", d_model), ("warmup_steps", warmup_steps)))
    return step, d_model, warmup_steps, check_number(factor, f"{fname}(factor)", 0,
                                                     low_open=True)
