r"""Optimizers and gradient clipping on ``params`` / ``grads`` dicts.

Every model keeps its parameters in a dict ``params`` and returns a dict ``grads`` with exactly
the same keys, ``grads[k]`` = ∂J/∂params[k] with ``params[k]``'s shape (STYLE section 3), so
one optimizer serves every model. The update rules are the ones taught in *Improving Deep
Neural Networks*, week 2 (gradient descent with momentum, Adam); clipping is the remedy for
exploding gradients from *Sequence Models*, week 1 ("Vanishing gradients with RNNs") and
the Dinosaurus Island assignment.

Shapes
------
=================  ==================  =====================================================
name               shape               meaning
=================  ==================  =====================================================
params[k]          any, e.g. (n_a, 1)  a parameter W, updated in place by ``step``
grads[k]           params[k].shape     dW = ∂J/∂W
v[k], s[k], G[k]   params[k].shape     optimizer state, keyed by the parameter's name
total_norm         float               the global norm of all gradients, before clipping
=================  ==================  =====================================================

Equations
---------
For every key, with learning rate α and t the number of steps taken so far (t = 1 first):

.. math::

    (1)\quad W := W - \alpha\, dW                                 \quad\text{(SGD)}

    (2)\quad v_{dW} := \beta\, v_{dW} + (1 - \beta)\, dW           \quad\text{(momentum)}

    (3)\quad W := W - \alpha\, v_{dW}

    (4)\quad G_{dW} := G_{dW} + dW^2                               \quad\text{(Adagrad)}

    (5)\quad W := W - \alpha\, \frac{dW}{\sqrt{G_{dW}} + \varepsilon}

    (6)\quad v_{dW} := \beta_1 v_{dW} + (1 - \beta_1)\, dW          \quad\text{(Adam)}

    (7)\quad s_{dW} := \beta_2 s_{dW} + (1 - \beta_2)\, dW^2

    (8)\quad v^{corrected}_{dW} = \frac{v_{dW}}{1 - \beta_1^t}, \qquad
    (9)\quad s^{corrected}_{dW} = \frac{s_{dW}}{1 - \beta_2^t}

    (10)\quad W := W - \alpha\, \frac{v^{corrected}_{dW}}{\sqrt{s^{corrected}_{dW}} + \varepsilon}

    (11)\quad dW := \min(\max(dW, -c), c)                           \quad\text{(clip by value)}

    (12)\quad \|g\| = \sqrt{\textstyle\sum_k \|dW_k\|_F^2}, \qquad
    (13)\quad dW_k := dW_k \cdot \frac{c}{\|g\| + 10^{-6}} \ \text{ if } \|g\| > c
        \quad\text{(clip by norm)}

Notes
-----
Momentum is the lecture's exponentially weighted average (2), not PyTorch's
``buf = β buf + dW``: the two differ by the factor (1 - β), so ``Momentum(lr, β)`` takes the
same steps as ``torch.optim.SGD(lr=lr * (1 - β), momentum=β)``. Adagrad's default ε = 1e-10
and (13)'s 1e-6 are PyTorch's, so the results agree with ``torch.optim.Adagrad`` and
``torch.nn.utils.clip_grad_norm_``.

Input contract (``docs/input-contract.md``): a ``step`` checks everything before it changes
anything. Keys or shapes that differ, a parameter that is not a floating array (it could not
be updated in place) or a gradient with NaN or inf raises, and then no parameter has moved;
the last is a :class:`~seqlab._validate.NonFiniteError` naming the keys and suggesting
clipping or a lower learning rate. Hyperparameters must be finite numbers in their range.

References
----------
Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", 2013.
"""

from __future__ import annotations

import math
from typing import Any

from seqlab._validate import (
    CLIP_ADVICE,
    NonFiniteError,
    check_dict,
    check_float_params,
    check_number,
    got,
)
from seqlab.backend import get_array_module, to_numpy

__all__ = ["SGD", "Adagrad", "Adam", "Momentum", "clip_by_norm", "clip_by_value"]


class SGD:
    """Plain gradient descent, W := W - α dW (eq. 1).

    Parameters
    ----------
    lr : float > 0, the learning rate α
    """

    def __init__(self, lr: float):
        self.lr = _positive(lr, "SGD(lr)")

    def step(self, params: dict, grads: dict) -> None:
        """Update every ``params[k]`` in place from ``grads[k]`` (same keys, same shapes)."""
        _check_pair(params, grads, "SGD.step")
        for k, W in params.items():
            W -= self.lr * grads[k]                     # (1) W := W - α dW

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr})"


class Momentum:
    """Gradient descent with momentum, the lecture's exponentially weighted average (eqs. 2-3).

    Parameters
    ----------
    lr : float > 0, the learning rate α
    beta : float in [0, 1), the averaging weight β (0.9 averages about the last 10 gradients)

    Attributes
    ----------
    v : dict, v_dW for every parameter name, created as zeros on the first step
    """

    def __init__(self, lr: float, beta: float = 0.9):
        self.lr = _positive(lr, "Momentum(lr)")
        self.beta = _unit(beta, "Momentum(beta)")
        self.v: dict[str, Any] = {}

    def step(self, params: dict, grads: dict) -> None:
        """Update every ``params[k]`` in place; the velocity is kept in ``self.v[k]``."""
        _check_pair(params, grads, "Momentum.step")
        for k, W in params.items():
            dW = grads[k]
            v = self.v.setdefault(k, get_array_module(W).zeros_like(W))
            v *= self.beta
            v += (1 - self.beta) * dW                   # (2) v := β v + (1 - β) dW
            W -= self.lr * v                            # (3) W := W - α v

    def __repr__(self) -> str:
        return f"Momentum(lr={self.lr}, beta={self.beta})"


class Adagrad:
    """Adagrad: per-entry step sizes shrinking with the sum of squared gradients (eqs. 4-5).

    Parameters
    ----------
    lr : float > 0, the learning rate α
    eps : float > 0, ε in (5), added to √G for stability (PyTorch's default)

    Attributes
    ----------
    G : dict, the running sum of dW² for every parameter name
    """

    def __init__(self, lr: float, eps: float = 1e-10):
        self.lr = _positive(lr, "Adagrad(lr)")
        self.eps = _positive(eps, "Adagrad(eps)")
        self.G: dict[str, Any] = {}

    def step(self, params: dict, grads: dict) -> None:
        """Update every ``params[k]`` in place; the sums are kept in ``self.G[k]``."""
        _check_pair(params, grads, "Adagrad.step")
        for k, W in params.items():
            xp = get_array_module(W)
            dW = grads[k]
            G = self.G.setdefault(k, xp.zeros_like(W))
            G += dW * dW                                # (4) G := G + dW²
            W -= self.lr * dW / (xp.sqrt(G) + self.eps)  # (5) W := W - α dW / (√G + ε)

    def __repr__(self) -> str:
        return f"Adagrad(lr={self.lr}, eps={self.eps})"


class Adam:
    """Adam: momentum (6) plus RMSprop (7), both bias-corrected (eqs. 6-10).

    Parameters
    ----------
    lr : float > 0, the learning rate α
    beta1 : float in [0, 1), β1 of the first moment v
    beta2 : float in [0, 1), β2 of the second moment s
    eps : float > 0, ε in (10)

    Attributes
    ----------
    v, s : dict, v_dW and s_dW for every parameter name
    t : int, the number of steps taken (the exponent in the bias corrections 8-9)
    """

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.lr = _positive(lr, "Adam(lr)")
        self.beta1 = _unit(beta1, "Adam(beta1)")
        self.beta2 = _unit(beta2, "Adam(beta2)")
        self.eps = _positive(eps, "Adam(eps)")
        self.v: dict[str, Any] = {}
        self.s: dict[str, Any] = {}
        self.t = 0

    def step(self, params: dict, grads: dict) -> None:
        """Update every ``params[k]`` in place; t counts calls, one per iteration."""
        _check_pair(params, grads, "Adam.step")
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for k, W in params.items():
            xp = get_array_module(W)
            dW = grads[k]
            v = self.v.setdefault(k, xp.zeros_like(W))
            s = self.s.setdefault(k, xp.zeros_like(W))
            v *= b1
            v += (1 - b1) * dW                          # (6) v := β1 v + (1 - β1) dW
            s *= b2
            s += (1 - b2) * (dW * dW)                   # (7) s := β2 s + (1 - β2) dW²
            v_corrected = v / (1 - b1 ** self.t)        # (8) v / (1 - β1^t)
            s_corrected = s / (1 - b2 ** self.t)        # (9) s / (1 - β2^t)
            W -= self.lr * v_corrected / (xp.sqrt(s_corrected) + self.eps)  # (10)

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"


# --------------------------------------------------------------------------- clipping
def clip_by_value(grads: dict, max_value: float) -> dict:
    """Clip every entry of every gradient to [-max_value, max_value], in place (eq. 11).

    As the course's ``clip(gradients, maxValue)``: it acts on the arrays themselves.

    Parameters
    ----------
    grads : dict of arrays, any shapes; modified in place
    max_value : float > 0, the bound c (inf: no clipping)

    Returns
    -------
    grads : the same dict (and the same arrays), for chaining
    """
    c = check_number(max_value, "clip_by_value(max_value)", 0, low_open=True, allow_inf=True)
    _check_grads(grads, "clip_by_value(grads)")
    for dW in grads.values():
        get_array_module(dW).clip(dW, -c, c, out=dW)  # (11) dW := min(max(dW, -c), c)
    return grads


def clip_by_norm(grads: dict, max_norm: float) -> tuple[dict, float]:
    """Rescale all gradients together so their global norm is at most max_norm (eqs. 12-13).

    The same rule as ``torch.nn.utils.clip_grad_norm_``: one factor for all arrays, so the
    direction of the full gradient is kept (unlike :func:`clip_by_value`).

    Parameters
    ----------
    grads : dict of arrays, any shapes; rescaled in place
    max_norm : float > 0, the bound c (inf: no clipping, only the norm is measured)

    Returns
    -------
    grads : the same dict (and the same arrays)
    total_norm : float, ‖g‖ *before* clipping (plot it to see gradients explode)

    Raises
    ------
    NonFiniteError (a FloatingPointError and a ValueError)
        when a gradient contains NaN or inf (no finite factor can repair it); names the keys.
    """
    c = check_number(max_norm, "clip_by_norm(max_norm)", 0, low_open=True, allow_inf=True)
    _check_grads(grads, "clip_by_norm(grads)")
    norms = _frobenius_norms(list(grads.values()))
    total_norm = math.hypot(*norms)                     # (12) ‖g‖ = √(Σ_k ‖dW_k‖²)
    if not math.isfinite(total_norm):                   # finite entries, overflowing norm
        raise NonFiniteError(f"clip_by_norm(grads): expected gradients of finite norm, got "
                             f"norm {total_norm} ({CLIP_ADVICE})")
    factor = c / (total_norm + 1e-6)                    # (13) c / (‖g‖ + 1e-6)
    if factor < 1:
        for dW in grads.values():
            dW *= factor                                # (13) dW_k := dW_k · factor
    return grads, total_norm


# --------------------------------------------------------------------------- helpers
def _frobenius_norms(arrays: list) -> list[float]:
    """‖dW‖_F of each array as Python floats, each scaled by max|dW| first so float32 squares
    cannot overflow. Computed where the arrays are, then one copy to the host (on a GPU a
    float() per array would wait for the device once per parameter, every step)."""
    arrays = [dW for dW in arrays if dW.size]
    if not arrays:
        return []
    xp = get_array_module(*arrays)
    pairs = []
    for dW in arrays:
        largest = xp.max(xp.abs(dW))                    # max|dW| (0-d, on the device)
        scaled = dW / xp.where(largest > 0, largest, 1)
        pairs.append(xp.stack([largest, xp.sum(scaled * scaled)]).astype(xp.float64))
    host = to_numpy(xp.stack(pairs)).tolist()           # [[max|dW|, Σ(dW/max)²], ...]
    return [m if m == 0 or not math.isfinite(m) else m * math.sqrt(q) for m, q in host]


def _check_pair(params: Any, grads: Any, where: str) -> None:
    """Raise unless ``grads`` has exactly the keys of ``params``, each array of its shape, the
    params are floating arrays (updated in place) and every gradient is finite: a refused step
    leaves every parameter unchanged."""
    check_dict(params, f"{where}(params)")
    check_dict(grads, f"{where}(grads)")
    missing = [k for k in params if k not in grads]
    extra = [k for k in grads if k not in params]
    if missing or extra:
        raise ValueError(f"{where}(grads): expected exactly the keys of params, got missing "
                         f"{missing}, unexpected {extra}")
    check_float_params(params, f"{where}(params)")
    _check_grads(grads, f"{where}(grads)", {k: W.shape for k, W in params.items()})


def _check_grads(grads: Any, where: str, shapes: dict | None = None) -> None:
    """Every gradient an array (of ``shapes[k]`` when given) with only finite entries."""
    check_dict(grads, where)
    for k, dW in grads.items():
        if not hasattr(dW, "shape"):
            raise TypeError(f"{where}: expected grads[{k!r}] to be an array, got {got(dW)}")
        if shapes is not None and tuple(dW.shape) != tuple(shapes[k]):
            raise ValueError(f"{where}: grads[{k!r}] is expected to have params[{k!r}]'s "
                             f"shape {tuple(shapes[k])}, got {tuple(dW.shape)}")
    floats = [k for k, dW in grads.items() if dW.dtype.kind in "fc"]
    bad = []
    if floats:                      # one flag per array on the device, one copy to the host
        xp = get_array_module(*(grads[k] for k in floats))
        finite = to_numpy(xp.stack([xp.isfinite(grads[k]).all() for k in floats]))
        bad = [k for k, ok in zip(floats, finite.tolist(), strict=True) if not ok]
    if bad:
        raise NonFiniteError(f"{where}: expected finite gradients, got NaN or inf in {bad}; "
                             f"no parameter was changed ({CLIP_ADVICE})")


def _positive(value: Any, name: str) -> float:
    return check_number(value, name, 0, low_open=True)


def _unit(value: Any, name: str) -> float:
    return check_number(value, name, 0, 1, high_open=True)
