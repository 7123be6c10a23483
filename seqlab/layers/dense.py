r"""Dense (fully connected) layer in the course's column layout: a = g(W x + b).

The building block inside every recurrent cell: a<t> = tanh(W_aa a<t-1> + W_ax x<t> + b_a)
is two of these products summed, and ŷ<t> = softmax(W_ya a<t> + b_y) is one more.

Shapes
------
========  ==============  =======================================
name      shape           meaning
========  ==============  =======================================
x         (n_x, m)        m examples, one per column
W         (n_a, n_x)      weights
b         (n_a, 1)        bias, broadcast over the m columns
z, a      (n_a, m)        pre-activation and activation
========  ==============  =======================================

Equations
---------
(1) z = W x + b
(2) a = g(z),  g ∈ {tanh, sigmoid, relu, identity}
Backward, with dz = da ⊙ g'(z):
(3) dW = dz xᵀ      (4) db = Σ_columns dz      (5) dx = Wᵀ dz
"""

from __future__ import annotations

from typing import Any, NamedTuple

from seqlab._validate import as_array, check_choice, check_instance, check_shape, fmt
from seqlab.backend import get_array_module
from seqlab.functional import sigmoid, sigmoid_backward, tanh, tanh_backward

ACTIVATIONS = ("tanh", "sigmoid", "relu", "identity")


class DenseCache(NamedTuple):
    """What :func:`dense_backward` needs: the input, the weights, the output, the activation."""

    x: Any
    W: Any
    a: Any
    activation: str


def dense_forward(x, W, b, activation: str = "tanh"):
    """Forward pass of a dense layer, a = g(W x + b).

    Parameters
    ----------
    x : array (n_x, m)
    W : array (n_a, n_x)
    b : array (n_a, 1)
    activation : one of "tanh", "sigmoid", "relu", "identity"

    Returns
    -------
    a : array (n_a, m)
    cache : DenseCache
    """
    x, W, b = _check_shapes(x, W, b, activation)
    xp = get_array_module(x, W, b)
    z = W @ x + b                               # (1) z = W x + b            (n_a, m)
    if activation == "tanh":
        a = tanh(z)                             # (2) a = tanh(z)
    elif activation == "sigmoid":
        a = sigmoid(z)                          # (2) a = σ(z)
    elif activation == "relu":
        a = xp.maximum(z, 0)                    # (2) a = max(z, 0)
    else:
        a = z                                   # (2) a = z
    return a, DenseCache(x, W, a, activation)


def dense_backward(da, cache: DenseCache):
    """Backward pass of :func:`dense_forward`.

    Parameters
    ----------
    da : array (n_a, m), ∂J/∂a
    cache : DenseCache from the forward pass

    Returns
    -------
    dx : array (n_x, m)
    grads : dict with "W" (n_a, n_x) and "b" (n_a, 1)
    """
    x, W, a, activation = check_instance(cache, DenseCache, "dense_backward(cache)")
    da = as_array(da, "dense_backward(da)")
    check_shape(da, a.shape, "(n_a, m)", "dense_backward(da)")
    if activation == "tanh":
        dz = tanh_backward(da, a)               # dz = da ⊙ (1 - a²)
    elif activation == "sigmoid":
        dz = sigmoid_backward(da, a)            # dz = da ⊙ a(1 - a)
    elif activation == "relu":
        dz = da * (a > 0)                       # dz = da ⊙ 1[z > 0]
    else:
        dz = da                                 # dz = da
    dW = dz @ x.T                               # (3) dW = dz xᵀ            (n_a, n_x)
    db = dz.sum(axis=1, keepdims=True)          # (4) db = Σ_columns dz     (n_a, 1)
    dx = W.T @ dz                               # (5) dx = Wᵀ dz            (n_x, m)
    return dx, {"W": dW, "b": db}


def _check_shapes(x, W, b, activation: str) -> tuple:
    """(x, W, b) as real 2-D arrays; sizes come from b (n_a) and W (n_x), so a transposed x
    is reported as x's mistake."""
    check_choice(activation, ACTIVATIONS, "dense_forward(activation)")
    x = as_array(x, "dense_forward(x)", ndim=2, symbols="(n_x, m)")
    W = as_array(W, "dense_forward(W)", ndim=2, symbols="(n_a, n_x)")
    b = as_array(b, "dense_forward(b)", ndim=2, symbols="(n_a, 1)")
    if b.shape[1] != 1:
        raise ValueError(f"dense_forward(b): expected shape (n_a, 1), got {fmt(b.shape)}")
    if W.shape[0] != b.shape[0]:
        raise ValueError(f"dense_forward(W): expected shape ({b.shape[0]}, n_x) = (n_a, n_x) "
                         f"for b of shape {fmt(b.shape)}, got {fmt(W.shape)}")
    if x.shape[0] != W.shape[1]:
        raise ValueError(f"dense_forward(x): expected shape ({W.shape[1]}, m) = (n_x, m) for W "
                         f"of shape {fmt(W.shape)}, got {fmt(x.shape)}")
    return x, W, b
