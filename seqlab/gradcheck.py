r"""Gradient checking: numerical gradients, relative errors and random-direction checks.

A hand-written backward pass is only trusted once it agrees with finite differences of its
forward pass (*Improving Deep Neural Networks*, week 1, "Gradient checking"). Two checks:

- **element-wise** (:func:`numerical_gradient`, :func:`check_grads`): perturb one entry at a
  time, 2 evaluations per entry; exact per entry, used for cells and small layers.
- **random direction** (:func:`random_direction_check`): compare the directional derivative
  along a random unit vector u with ⟨grads, u⟩; 2 evaluations per direction, whatever the
  number of parameters, so whole models (embeddings, LSTMs, Transformers) can be checked.

Shapes
------
==================  ====================  ===============================================
name                shape                 meaning
==================  ====================  ===============================================
x                   any                   the array perturbed in place (float64 advised)
f(x)                () or any             a scalar loss, or an array output (with df)
df                  f(x).shape            upstream gradient for an array-valued f
params, grads       dicts, equal keys     ``grads[k]`` has ``params[k].shape``
u                   params' shapes        random direction, ‖u‖ = 1 over all its arrays
==================  ====================  ===============================================

Equations
---------
.. math::

    (1)\quad \frac{\partial J}{\partial \theta_i} \approx
        \frac{J(\theta + h e_i) - J(\theta - h e_i)}{2h}

    (2)\quad \frac{\partial}{\partial \theta_i} \sum_j f_j(\theta)\, df_j \approx
        \sum_j \frac{f_j(\theta + h e_i) - f_j(\theta - h e_i)}{2h}\, df_j

    (3)\quad \mathrm{difference} = \frac{\lVert d\theta_{approx} - d\theta \rVert_2}
        {\lVert d\theta_{approx} \rVert_2 + \lVert d\theta \rVert_2}

    (4)\quad \mathrm{rel\_error}(x, y) = \max_i \frac{|x_i - y_i|}{\max(\delta, |x_i| + |y_i|)}

    (5)\quad \frac{J(\theta + h u) - J(\theta - h u)}{2h} \approx \langle \nabla J, u \rangle
        = \sum_k \sum_i dW_{k,i}\, u_{k,i}

Notes
-----
Differs from the lecture: (1) and (2) divide by the step actually stored,
(θ_i + h) - (θ_i - h) after rounding, rather than by 2h. In float64 with h = 1e-5 the central
difference is accurate to about 1e-10 relative, so a correct backward gives (3) below 1e-7
(the lecture's "great" threshold) and a wrong one gives about 1e-2 or more. In float32 the
rounding error is ~1e-3: check gradients in float64. Keys whose true gradient is exactly zero
compare noise with zero and fail (3); leave them out with ``keys=``.

References
----------
cs231n ``gradient_check.py`` (eval_numerical_gradient, eval_numerical_gradient_array).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from seqlab._validate import (
    MissingKeyError,
    as_array,
    check_callable,
    check_dict,
    check_float_array,
    check_int,
    check_number,
    same_shape,
)
from seqlab.arrays import host_rng
from seqlab.backend import get_array_module, to_device

__all__ = [
    "GradCheckResult",
    "check_grads",
    "numerical_gradient",
    "numerical_gradient_array",
    "random_direction_check",
    "rel_error",
    "relative_difference",
]

ALL = "(all)"  # the key of the joint check over every parameter in random_direction_check


@dataclass
class GradCheckResult:
    """Relative errors of a gradient check, per parameter name.

    Attributes
    ----------
    errors : dict[str, float], eq. (3) per key (element-wise) or the worst direction's error
        per key, plus ``"(all)"`` for directions through all parameters (random direction)
    method : "element-wise" or "random-direction"
    h : float, the finite-difference step
    details : dict, the numerical gradient per key (element-wise) or the list of
        (numerical, analytic) directional derivatives per key (random direction)
    """

    errors: dict[str, float]
    method: str
    h: float
    details: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if not check_dict(self.errors, "GradCheckResult(errors)", "a dict key -> error"):
            raise ValueError("GradCheckResult(errors): expected a checked key, got none")

    @property
    def worst(self) -> tuple[str, float]:
        """(key, error) with the largest error (NaN counts as the largest)."""
        return max(self.errors.items(), key=lambda kv: math.inf if kv[1] != kv[1] else kv[1])

    def passed(self, tol: float = 1e-7) -> bool:
        """True when every error is ≤ tol (a NaN error never passes)."""
        tol = check_number(tol, "GradCheckResult.passed(tol)", 0)
        return all(err <= tol for err in self.errors.values())

    def __repr__(self) -> str:
        key, err = self.worst
        width = max(len(k) for k in self.errors)
        lines = [f"GradCheckResult({self.method}, h={self.h:g}, worst {key!r}: {err:.2e})"]
        lines += [f"  {k:<{width}}  {e:.2e}" for k, e in self.errors.items()]
        return "\n".join(lines)


def numerical_gradient(f: Callable, x, h: float = 1e-5):
    """Central-difference gradient of a scalar function, one entry at a time (eq. 1).

    Parameters
    ----------
    f : callable, ``f(x)`` returns a scalar (or a tuple whose first item is the scalar)
    x : floating array, any shape; modified in place during the call and restored exactly
    h : float, the step

    Returns
    -------
    dx : array of ``x.shape`` and dtype, ∂f/∂x
    """
    check_callable(f, "numerical_gradient(f)", "a callable f(x) -> scalar")
    check_float_array(x, "numerical_gradient(x)", " to perturb in place")
    h = check_number(h, "numerical_gradient(h)", 0, low_open=True)
    return _numerical(lambda: _scalar(f(x), "numerical_gradient(f)"), x, h, _all_indices(x))


def numerical_gradient_array(f: Callable, x, df, h: float = 1e-5):
    """Central-difference gradient of ⟨f(x), df⟩ for an array-valued f (eq. 2).

    The numerical counterpart of a backward pass: with ``df`` the upstream gradient ∂J/∂f,
    it returns ∂J/∂x, what ``*_backward(df, cache)`` should return for input x.

    Parameters
    ----------
    f : callable, ``f(x)`` returns an array of ``df.shape``
    x : floating array, any shape; modified in place during the call and restored exactly
    df : array, the upstream gradient, of ``f(x).shape``
    h : float, the step

    Returns
    -------
    dx : array of ``x.shape``, Σ_j ∂f_j/∂x df_j
    """
    check_callable(f, "numerical_gradient_array(f)", "a callable f(x) -> array")
    check_float_array(x, "numerical_gradient_array(x)", " to perturb in place")
    h = check_number(h, "numerical_gradient_array(h)", 0, low_open=True)
    df = as_array(df, "numerical_gradient_array(df)", "real")
    xp = get_array_module(x, df)

    def inner() -> float:
        out = f(x)
        if tuple(getattr(out, "shape", ())) != tuple(df.shape):
            raise ValueError(f"numerical_gradient_array(df): expected f(x)'s shape "
                             f"{tuple(getattr(out, 'shape', ()))}, got {tuple(df.shape)}")
        return float(xp.sum(out * df))                  # ⟨f(x), df⟩

    return _numerical(inner, x, h, _all_indices(x))


def rel_error(x, y, floor: float = 1e-8) -> float:
    """Largest entry-wise relative error, 0 where both are 0 (eq. 4; cs231n's rel_error).

    Parameters
    ----------
    x, y : arrays of the same shape
    floor : float, δ in (4): differences below it count as absolute errors

    Returns
    -------
    error : float
    """
    x = as_array(x, "rel_error(x)", "real")
    y = same_shape(y, x, "rel_error(y)", "x")
    floor = check_number(floor, "rel_error(floor)", 0, low_open=True)
    xp = get_array_module(x, y)
    if x.size == 0:
        return 0.0
    denom = xp.maximum(xp.abs(x) + xp.abs(y), floor)    # max(δ, |x| + |y|)
    return float(xp.max(xp.abs(x - y) / denom))         # (4)


def relative_difference(x, y) -> float:
    """The lecture's gradient-check difference ‖x - y‖ / (‖x‖ + ‖y‖), 0 if both are 0 (eq. 3).

    Parameters
    ----------
    x, y : arrays of the same shape (a numerical and an analytic gradient)

    Returns
    -------
    difference : float in [0, 1]; below 1e-7 is "great" in float64
    """
    x = as_array(x, "relative_difference(x)", "real")
    y = same_shape(y, x, "relative_difference(y)", "x")
    xp = get_array_module(x, y)
    numerator = float(xp.linalg.norm((x - y).ravel()))  # ‖x - y‖₂
    denominator = float(xp.linalg.norm(x.ravel())) + float(xp.linalg.norm(y.ravel()))
    return numerator / denominator if denominator > 0 else 0.0  # (3)


def check_grads(f: Callable, params: dict, grads: dict, keys: Iterable[str] | None = None,
                h: float = 1e-5, max_elements: int | None = None,
                seed: int = 0) -> GradCheckResult:
    """Element-wise check of ``grads`` against finite differences, per parameter (eqs. 1, 3).

    Parameters
    ----------
    f : callable with no arguments, returning the loss for the *current* ``params`` (a scalar
        or a ``(loss, grads)`` tuple, so ``lambda: model.loss(batch)`` works)
    params : dict of floating arrays; each is perturbed in place and restored exactly
    grads : dict with the same keys and shapes, the analytic gradients to check
    keys : the keys to check (default: all of ``params``)
    h : float, the step
    max_elements : int or None; a key with more entries is checked on this many entries
        drawn at random (cs231n's grad_check_sparse)
    seed : int, seeds the draw of entries

    Returns
    -------
    GradCheckResult with eq. (3) per key; ``details[k]`` holds the numerical gradient at the
    checked entries (all entries: an array of ``params[k].shape``; sampled: a flat array)
    """
    check_callable(f, "check_grads(f)", "a callable of no arguments returning the loss")
    keys = _check_keys(params, grads, keys, "check_grads")
    h = check_number(h, "check_grads(h)", 0, low_open=True)
    if max_elements is not None:
        max_elements = check_int(max_elements, "check_grads(max_elements)", 1)
    rng = host_rng(seed)
    errors, details = {}, {}
    for k in keys:
        x, dx = params[k], grads[k]
        indices = _all_indices(x)
        if max_elements is not None and x.size > max_elements:
            flat = sorted(int(i) for i in rng.choice(x.size, size=max_elements, replace=False))
            indices = [_unravel(i, x.shape) for i in flat]
        numerical = _numerical(lambda: _scalar(f(), "check_grads(f)"), x, h, indices)
        if len(indices) < x.size:
            xp = get_array_module(x)
            pick = tuple(xp.asarray(list(axis_idx)) for axis_idx in zip(*indices, strict=True))
            numerical, dx = numerical[pick], dx[pick]   # (n_checked,) each
        errors[k] = relative_difference(numerical, dx)  # (3)
        details[k] = numerical
    return GradCheckResult(errors, "element-wise", h, details)


def random_direction_check(loss_fn: Callable, params: dict, grads: dict,
                           n_directions: int = 5, h: float = 1e-5, seed: int = 0,
                           keys: Iterable[str] | None = None,
                           per_key: bool = True) -> GradCheckResult:
    """Check ``grads`` along random unit directions u: (J(θ+hu) - J(θ-hu))/2h vs ⟨grads, u⟩ (5).

    Parameters
    ----------
    loss_fn : callable with no arguments, returning the loss for the current ``params`` (a
        scalar or a ``(loss, grads)`` tuple)
    params : dict of floating arrays; perturbed in place and restored exactly
    grads : dict with the same keys and shapes, the analytic gradients to check
    n_directions : int, directions per check
    h : float, the step along u
    seed : int, seeds the host RNG that draws u (identical on NumPy and CuPy)
    keys : the keys to check (default: all of ``params``)
    per_key : bool, also check each key alone (directions zero outside it), so a failure
        names the parameter; costs 2 evaluations per direction per key

    Returns
    -------
    GradCheckResult; ``errors["(all)"]`` for directions through every checked key, and
    ``errors[k]`` per key when ``per_key``; each the worst |num - ana| / (|num| + |ana|)
    over the directions
    """
    check_callable(loss_fn, "random_direction_check(loss_fn)",
                   "a callable of no arguments returning the loss")
    keys = _check_keys(params, grads, keys, "random_direction_check")
    n_directions = check_int(n_directions, "random_direction_check(n_directions)", 1)
    h = check_number(h, "random_direction_check(h)", 0, low_open=True)
    rng = host_rng(seed)
    groups = [(ALL, keys)] + ([(k, [k]) for k in keys] if per_key else [])
    errors, details = {}, {}
    for name, group in groups:
        pairs = []
        for _ in range(n_directions):
            u = _unit_direction(rng, params, group)
            num = _numerical_direction(loss_fn, params, u, h)
            ana = sum(float(get_array_module(grads[k]).sum(grads[k] * u[k])) for k in group)
            pairs.append((num, ana))                    # (5) numerical vs ⟨grads, u⟩
        errors[name] = max(_scalar_rel(num, ana) for num, ana in pairs)
        details[name] = pairs
    return GradCheckResult(errors, "random-direction", h, details)


# --------------------------------------------------------------------------- internals
def _numerical(value: Callable[[], float], x, h: float, indices: list[tuple]):
    """Eq. (1)/(2) at ``indices`` of x; entries not listed stay 0 in the result."""
    xp = get_array_module(x)
    grad = xp.zeros_like(x)
    for ix in indices:
        old = float(x[ix])                              # a copy: CuPy's x[ix] is a view
        try:
            x[ix] = old + h
            x_plus, f_plus = float(x[ix]), value()      # the stored θ_i + h and J(θ + h e_i)
            x[ix] = old - h
            x_minus, f_minus = float(x[ix]), value()
        finally:
            x[ix] = old                                 # restore exactly
        grad[ix] = (f_plus - f_minus) / (x_plus - x_minus)  # (1) central difference
    return grad


def _numerical_direction(loss_fn: Callable, params: dict, u: dict, h: float) -> float:
    """(J(θ + h u) - J(θ - h u)) / 2h, restoring every params[k] exactly."""
    saved = {k: params[k].copy() for k in u}
    try:
        for k in u:
            params[k][...] = saved[k] + h * u[k]        # θ + h u
        f_plus = _scalar(loss_fn(), "random_direction_check(loss_fn)")
        for k in u:
            params[k][...] = saved[k] - h * u[k]        # θ - h u
        f_minus = _scalar(loss_fn(), "random_direction_check(loss_fn)")
    finally:
        for k in u:
            params[k][...] = saved[k]                   # restore exactly
    return (f_plus - f_minus) / (2 * h)                 # (5) left-hand side


def _unit_direction(rng, params: dict, keys: list[str]) -> dict:
    """u[k] ~ N(0, 1) drawn on the host, scaled so Σ_k ‖u[k]‖² = 1, on params[k]'s device."""
    draws = {k: rng.standard_normal(tuple(params[k].shape)) for k in keys}
    norm = math.sqrt(sum(float((d * d).sum()) for d in draws.values()))
    return {k: to_device((d / norm).astype(params[k].dtype), get_array_module(params[k]))
            for k, d in draws.items()}


def _scalar_rel(num: float, ana: float) -> float:
    denom = abs(num) + abs(ana)
    return abs(num - ana) / denom if denom > 0 else 0.0


def _scalar(out: Any, name: str) -> float:
    """The loss as a Python float; accepts ``loss`` or ``(loss, grads, ...)``."""
    if isinstance(out, tuple):
        out = out[0]
    if getattr(out, "ndim", 0) != 0 or not hasattr(out, "__float__"):
        raise TypeError(f"{name}: expected a scalar loss (or a (loss, grads) tuple), got "
                        f"{type(out).__name__} with shape {getattr(out, 'shape', None)}")
    return float(out)


def _all_indices(x) -> list[tuple]:
    return list(itertools.product(*(range(n) for n in x.shape)))


def _unravel(flat: int, shape: tuple) -> tuple:
    index = []
    for n in reversed(shape):
        flat, i = divmod(flat, n)
        index.append(i)
    return tuple(reversed(index))


def _check_keys(params: dict, grads: dict, keys, where: str) -> list[str]:
    check_dict(params, f"{where}(params)")
    check_dict(grads, f"{where}(grads)")
    keys = list(params) if keys is None else list(keys)
    if not keys:
        raise ValueError(f"{where}(keys): expected at least one key to check, got none")
    for k in keys:
        if k not in params or k not in grads:
            raise MissingKeyError(f"{where}(keys): expected keys of both params and grads, got "
                                  f"{k!r}; params has {list(params)}, grads has {list(grads)}")
        check_float_array(params[k], f"{where}(params[{k!r}])", " to perturb in place")
        if tuple(getattr(grads[k], "shape", ())) != tuple(params[k].shape):
            raise ValueError(f"{where}(grads): grads[{k!r}] is expected to have params[{k!r}]'s "
                             f"shape {tuple(params[k].shape)}, got "
                             f"{tuple(getattr(grads[k], 'shape', ()))}")
    return keys
