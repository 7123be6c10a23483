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

__all__ = ["WarmupSchedule", "transformer_lr"]


def transformer_lr(step: int, d_model: int, warmup_steps: int = 4000, factor: float = 1.0
                   ) -> float:
    """The learning rate (1) at update number ``step`` (>= 1)."""
    for name, v in (("step", step), ("d_model", d_model), ("warmup_steps", warmup_steps)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"transformer_lr({name}): expected an int >= 1, got {v!r}")
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
        transformer_lr(1, d_model, warmup_steps, factor)   # validates the arguments
        self.optimizer, self.d_model = optimizer, d_model
        self.warmup_steps, self.factor = warmup_steps, factor
        self.t, self.history = 0, []

    def step(self, params: dict, grads: dict) -> float:
        """One update with the scheduled rate; returns the rate used."""
        self.t += 1
        lr = transformer_lr(self.t, self.d_model, self.warmup_steps, self.factor)
        self.optimizer.lr = lr
        self.optimizer.step(params, grads)
        self.history.append(lr)
        return lr
