# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 02 · Backpropagation through time
#
# *Sequence Models*, week 1: "Backpropagation Through Time" and "Vanishing Gradients with
# RNNs". Notebook 01 ran the network forward, left to right. Learning needs the gradient of the
# loss with respect to every parameter, and because the same $W_{aa}$, $W_{ax}$, $b_a$ act at
# every step, that gradient flows backwards through the steps, right to left. In this notebook
# you
# 1. write the backward pass of one step, `rnn_cell_backward`;
# 2. chain it through time, `rnn_backward` (BPTT);
# 3. write the finite-difference gradient that checks both, `numerical_gradient`, and check the
#    library's BPTT in float64;
# 4. measure how gradients vanish or explode, and walk a backward pass step by step;
# 5. clip exploding gradients, by norm and by value.

# %%
import time

import numpy as np

from seqlab import backend, gradcheck, rnn
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.exercises import (
    check_numerical_gradient,
    check_rnn_backward,
    check_rnn_cell_backward,
    hint,
    progress,
    reveal,
)
from seqlab.losses import temporal_cross_entropy
from seqlab.optim import clip_by_norm, clip_by_value
from seqlab.viz.bptt import bptt_stepper, bptt_trace
from seqlab.viz.rnn_plots import norm_curves

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(2)             # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. The backward pass of one step
# The forward step was $z^{\langle t \rangle} = W_{aa} a^{\langle t-1 \rangle} + W_{ax}
# x^{\langle t \rangle} + b_a$, $a^{\langle t \rangle} = \tanh(z^{\langle t \rangle})$. Given
# $da^{\langle t \rangle} = \partial J / \partial a^{\langle t \rangle}$ (the *total*: what
# step $t$'s own output sends back plus what step $t+1$ sends back), the chain rule gives
#
# $$dz^{\langle t \rangle} = da^{\langle t \rangle} \odot \big(1 - (a^{\langle t
#   \rangle})^2\big) \qquad (3)\quad \text{since } \tanh'(z) = 1 - \tanh^2(z)$$
# $$dW_{aa} = dz^{\langle t \rangle} (a^{\langle t-1 \rangle})^T \quad (4) \qquad
#   dW_{ax} = dz^{\langle t \rangle} (x^{\langle t \rangle})^T \quad (5) \qquad
#   db_a = \textstyle\sum_{\text{columns}} dz^{\langle t \rangle} \quad (6)$$
# $$da^{\langle t-1 \rangle} = W_{aa}^T dz^{\langle t \rangle} \quad (7) \qquad
#   dx^{\langle t \rangle} = W_{ax}^T dz^{\langle t \rangle} \quad (8)$$
#
# Your backward pass receives the library's **cache**, what the forward pass saved for it. It
# is a `NamedTuple`, so `x_t, a_prev, a_t, params, activation = cache` or `cache.a_t` both work:
#
# | cache | field | shape | what it is |
# |---|---|---|---|
# | `RNNCellCache` (one step) | `x_t` | $(n_x, m)$ | the step's input $x^{\langle t \rangle}$ |
# | | `a_prev` | $(n_a, m)$ | $a^{\langle t-1 \rangle}$ |
# | | `a_t` | $(n_a, m)$ | $a^{\langle t \rangle} = \tanh(z^{\langle t \rangle})$: $\tanh'$ comes from it |
# | | `params` | dict | `W_aa`, `W_ax`, `b_a` |
# | | `activation` | str | `"tanh"` here (the library also has `"relu"`) |
# | `RNNCache` (a sequence) | `steps` | list of $T_x$ | one `RNNCellCache` per step |
# | | `logits` | $(n_y, m, T_x)$ or `None` | $W_{ya} a^{\langle t \rangle} + b_y$, for the loss |
# | | `params` | dict | all the params given to `rnn_forward` |

# %%
params = rnn.init_rnn_params(n_x=3, n_a=5, n_y=None, rng=rng)     # no output layer
x, a0 = rng.normal(size=(3, 4, 6)), np.zeros((5, 4))               # (n_x, m, T_x), (n_a, m)
a, _, cache = rnn.rnn_forward(x, a0, params)
print(type(cache).__name__, cache._fields, "with", len(cache.steps), "steps")
step = cache.steps[2]                                              # the cache of step t = 3
print(type(step).__name__, {k: getattr(v, "shape", v) for k, v in step._asdict().items()
                            if k != "params"})

# %% [markdown]
# ### Exercise 1: `rnn_cell_backward`
# Return `(dx_t, da_prev, grads)` where `grads` is a dict with the keys of the params,
# `{"W_aa": dW_aa, "W_ax": dW_ax, "b_a": db_a}`, each of its parameter's shape (the library's
# convention: `grads[k]` is $\partial J / \partial$ `params[k]`, so one optimizer serves every
# model).

# %%
def rnn_cell_backward(da_t, cache):
    """Backward of one tanh RNN step: da_t (n_a, m) -> dx_t (n_x, m), da_prev (n_a, m), grads."""
    ### BEGIN SOLUTION
    x_t, a_prev, a_t, params, _ = cache
    dz = da_t * (1 - a_t**2)                                     # (3)  (n_a, m)
    grads = {"W_aa": dz @ a_prev.T,                              # (4)  (n_a, n_a)
             "W_ax": dz @ x_t.T,                                 # (5)  (n_a, n_x)
             "b_a": dz.sum(axis=1, keepdims=True)}               # (6)  (n_a, 1)
    da_prev = params["W_aa"].T @ dz                              # (7)  (n_a, m)
    dx_t = params["W_ax"].T @ dz                                 # (8)  (n_x, m)
    return dx_t, da_prev, grads
    ### END SOLUTION


# %%
check_rnn_cell_backward(rnn_cell_backward)

# %% [markdown]
# The check knows the classic slips; the commonest is taking $\tanh'$ from the wrong
# quantity. `a_t` is already $\tanh(z)$:

# %%
def cell_backward_tanh_twice(da_t, cache):
    x_t, a_prev, a_t, params, _ = cache
    dz = da_t * (1 - np.tanh(a_t) ** 2)                          # tanh applied a second time
    grads = {"W_aa": dz @ a_prev.T, "W_ax": dz @ x_t.T, "b_a": dz.sum(axis=1, keepdims=True)}
    return params["W_ax"].T @ dz, params["W_aa"].T @ dz, grads


check_rnn_cell_backward(cell_backward_tanh_twice)

# %% [markdown]
# `reveal` shows the library's answer, folded until you click it.

# %%
reveal("rnn_cell_backward")

# %% [markdown]
# ## 2. Backpropagation through time
# $a^{\langle t \rangle}$ feeds two things: the output $\hat y^{\langle t \rangle}$ and the next
# step. So its total gradient is the sum of what both send back, and the backward pass must
# run from the last step to the first:
#
# $$da^{\langle t \rangle}_{\text{total}} = \underbrace{da^{\langle t \rangle}}_{\text{from }
#   \hat y^{\langle t \rangle}} + \underbrace{W_{aa}^T dz^{\langle t+1 \rangle}}_{\text{from
#   step } t+1} \qquad\qquad dW_{aa} = \sum_{t=1}^{T_x} dz^{\langle t \rangle}
#   (a^{\langle t-1 \rangle})^T \ \text{(same for } W_{ax}, b_a)$$
#
# ### Exercise 2: `rnn_backward`
# `da` $(n_a, m, T_x)$ holds the gradient each $a^{\langle t \rangle}$ receives from its own
# output (zeros where a step has no loss). Walk $t = T_x, \dots, 1$ with a cell backward (the
# library's `rnn.rnn_cell_backward`, or yours), and return `(dx, da0, grads)`: `dx`
# $(n_x, m, T_x)$, `da0` $= \partial J / \partial a^{\langle 0 \rangle}$, and `grads` summed
# over the steps, with the keys of `cache.params` (zeros for `W_ya`, `b_y` if the cache has
# them: the output layer's gradients come from `rnn.output_backward`).

# %%
def rnn_backward(da, cache):
    """BPTT: da (n_a, m, T_x) and the library's RNNCache -> dx (n_x, m, T_x), da0, grads."""
    ### BEGIN SOLUTION
    T_x = len(cache.steps)
    n_x = cache.steps[0].x_t.shape[0]
    dx = np.zeros((n_x, da.shape[1], T_x))
    grads = {k: np.zeros_like(v) for k, v in cache.params.items()}
    da_next = np.zeros_like(da[:, :, 0])                        # nothing comes from t = T_x + 1
    for t in reversed(range(T_x)):
        da_t = da[:, :, t] + da_next                            # own output + step t+1
        dx[:, :, t], da_next, step_grads = rnn.rnn_cell_backward(da_t, cache.steps[t])
        for k, g in step_grads.items():                         # W_aa, W_ax, b_a (W_ya, b_y
            grads[k] += g                                       # stay 0): sum over t
    return dx, da_next, grads
    ### END SOLUTION


# %%
check_rnn_backward(rnn_backward)

# %%
hint("rnn_backward")

# %% [markdown]
# ## 3. Gradient checking
# A backward pass written by hand is checked against the definition of the derivative. For a
# scalar loss $J(\theta)$, the centered difference
#
# $$\frac{\partial J}{\partial \theta_i} \approx \frac{J(\theta + \varepsilon e_i) -
#   J(\theta - \varepsilon e_i)}{2 \varepsilon}$$
#
# has an error of order $\varepsilon^2$ (the one-sided difference: order $\varepsilon$). The
# lecture's test compares the two gradients with
# $\frac{\lVert d\theta_{\text{approx}} - d\theta \rVert_2}{\lVert d\theta_{\text{approx}}
# \rVert_2 + \lVert d\theta \rVert_2}$: about $10^{-7}$ or less is right, $10^{-3}$ is
# suspicious, $10^{-1}$ is a bug. It only works in **float64**: float32's rounding alone is
# about $10^{-3}$.
#
# ### Exercise 3: `numerical_gradient`
# Return the centered-difference gradient of `f` (a function of an array `x` returning a float)
# at `x`, with the shape of `x`. Move one entry at a time, and put it back.

# %%
def numerical_gradient(f, x, eps=1e-5):
    """Centered difference of the scalar f at x (any shape) -> dx of x's shape."""
    ### BEGIN SOLUTION
    dx = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old                                              # restore before the next entry
        dx[i] = (f_plus - f_minus) / (2 * eps)
    return dx
    ### END SOLUTION


# %%
check_numerical_gradient(numerical_gradient)

# %% [markdown]
# ### Checking the library's BPTT in float64
# A whole model now: the RNN, an output layer, and the temporal cross-entropy (no mask) of
# notebook 01 on random labels. `loss_and_grads` chains the library's pieces exactly as a
# training loop does; `gradcheck.check_grads` perturbs every entry of every parameter (with the
# library's `numerical_gradient`, the answer to exercise 3) and prints the lecture's relative
# difference per parameter.

# %%
n_x, n_a, n_y, m, T_x = 3, 5, 4, 2, 6
model = rnn.init_rnn_params(n_x, n_a, n_y, rng=rng)              # float64
xs, labels = rng.normal(size=(n_x, m, T_x)), rng.integers(0, n_y, size=(m, T_x))


def loss_and_grads(params, bptt=rnn.rnn_backward):
    a, _, cache = rnn.rnn_forward(xs, np.zeros((n_a, m)), params)
    loss, dlogits = temporal_cross_entropy(cache.logits, labels)
    da, out_grads = rnn.output_backward(dlogits, a, params)     # (9)-(11): dW_ya, db_y, da
    _, _, grads = bptt(da, cache)                               # (3)-(8): BPTT
    grads.update(out_grads)
    return float(loss), grads


loss, grads = loss_and_grads(model)
print(f"loss {loss:.6f}; grads for {list(grads)}")

# %%
# NBVAL_IGNORE_OUTPUT
result = gradcheck.check_grads(lambda: loss_and_grads(model)[0], model, grads)
print(result)                                   # exact digits vary with the machine's BLAS
assert result.passed(1e-7), result

# %% [markdown]
# Every relative difference is far below $10^{-7}$. To check *your* `rnn_backward` the same
# way, pass `bptt=rnn_backward`. And here is what a bug looks like: the BPTT of exercise 2
# with the gradient from step $t+1$ forgotten.

# %%
def bptt_forgetting_the_future(da, cache):
    grads = {k: np.zeros_like(v) for k, v in cache.params.items()}
    for t in reversed(range(len(cache.steps))):
        _, da_prev, g = rnn.rnn_cell_backward(da[:, :, t], cache.steps[t])   # no + da_next
        for k in g:
            grads[k] += g[k]
    return None, da_prev, grads


_, wrong = loss_and_grads(model, bptt_forgetting_the_future)
bad = gradcheck.check_grads(lambda: loss_and_grads(model)[0], model, wrong,
                            keys=["W_aa", "W_ax", "b_a"])
print("relative difference:", {k: f"{v:.1e}" for k, v in bad.errors.items()})

# %% [markdown]
# ## 4. Vanishing and exploding gradients
# Unroll the recursion: how much of $\partial J / \partial a^{\langle T_x \rangle}$ reaches
# step $t$ is a product of $T_x - t$ Jacobians,
#
# $$\frac{\partial a^{\langle k \rangle}}{\partial a^{\langle k-1 \rangle}} =
#   \mathrm{diag}\big(1 - (a^{\langle k \rangle})^2\big)\, W_{aa}
#   \quad\Longrightarrow\quad \Big\lVert \frac{\partial J}{\partial a^{\langle t \rangle}}
#   \Big\rVert \le \big(\lVert W_{aa} \rVert_2 \cdot \max \tanh'\big)^{T_x - t}
#   \Big\lVert \frac{\partial J}{\partial a^{\langle T_x \rangle}} \Big\rVert .$$
#
# To see it, take a many-to-one RNN ($T_x = 30$, $n_a = 16$, the loss on
# $\hat y^{\langle 30 \rangle}$ only) and set $W_{aa} = \rho\, Q$ with $Q$ orthogonal: its
# spectral radius and its norm are both $\rho$. Then measure the ratio
# $\lVert \partial J / \partial a^{\langle 1 \rangle} \rVert \,/\, \lVert \partial J /
# \partial a^{\langle 30 \rangle} \rVert$:

# %%
rhos = (0.5, 0.9, 1.0, 1.5, 2.0, 3.0)
traces = {rho: bptt_trace(rho) for rho in rhos}
for rho, tr in traces.items():
    print(f"ρ = {rho:3.1f}: ‖dJ/da<1>‖ / ‖dJ/da<30>‖ = {tr.ratio:8.1e}    "
          f"ρ^29 = {rho ** 29:8.1e}    mean tanh' = {np.mean(1 - tr.a ** 2):.2f}")

# %% [markdown]
# - $\rho < 1$: the gradient **vanishes** geometrically. At $\rho = 0.5$ step 1 gets about
#   $2 \times 10^{-9}$ of what step 30 gets, just under the bound $0.5^{29}$: the states are
#   small, so $\tanh' \approx 1$ and the bound is nearly exact. Whatever $x^{\langle 1
#   \rangle}$ meant for $\hat y^{\langle 30 \rangle}$, this gradient cannot teach it.
# - $\rho > 1$: the gradient can **explode**: about 50 times larger at step 1 for
#   $\rho = 1.5$, thousands of times at $\rho = 3$. Far less than $\rho^{29}$, though: the
#   growing states saturate $\tanh$, and its small slope there (the mean $\tanh'$ falls to
#   about 0.4 at $\rho = 3$) holds the growth back.
#
# On a log scale a geometric decay is a straight line:

# %%
# NBVAL_IGNORE_OUTPUT
fig = norm_curves({f"ρ = {rho}": traces[rho].da_norm for rho in (0.5, 1.0, 1.5, 3.0)},
                  title="‖∂J/∂a⟨t⟩‖ over t: the loss is at t = 30 (log scale)",
                  y_title="‖∂J/∂a⟨t⟩‖")
assert np.allclose(fig.data[0].y, traces[0.5].da_norm) and fig.layout.yaxis.type == "log"
fig

# %% [markdown]
# ### The BPTT stepper
# Walk the backward pass yourself. The **time slider** starts at $t = 30$, where BPTT starts;
# move it left (click it, then the ← key) to go back in time. Top left, on a log scale (its
# legend is just below it): $\lVert \partial J / \partial a^{\langle t \rangle} \rVert$ for
# the steps walked so far (blue; the grey dotted line is every step) and step $t$'s
# contribution to $dW_{aa}$, $\lVert dz^{\langle t \rangle} (a^{\langle t-1 \rangle})^T \rVert$
# (red; it is exactly 0 at $t = 1$, where $a^{\langle 0 \rangle} = 0$, so a log scale has no
# point for it there). Top right: the vector $\partial J / \partial a^{\langle t \rangle}$ of
# one example for every step walked. Bottom: step $t$'s contribution to $dW_{aa}$, and the sum
# of the contributions so far (which, at $t = 1$, is $dW_{aa}$).
#
# Each heatmap's colour scale runs from $-v$ to $+v$, where $v$ is the largest absolute value
# among the steps walked so far: it starts fitted to step 30 and only widens when a larger value
# turns up. Then change the **spectral radius** $\rho$: below 1 the early steps' colours fade to
# white (vanishing: each step is smaller than the ones before it); at 2 or 3 the colour bars'
# numbers grow as you walk back and the columns walked first, near $t = 30$, fade instead
# (exploding). **Clipping** rescales the summed gradient; see section 5. Each setting's
# backward pass is computed once and kept, so the time slider only redraws.

# %%
# NBVAL_IGNORE_OUTPUT
stepper = bptt_stepper(rho=1.5)
assert stepper.controls[0].value == 30 and list(stepper.figure.data[1].x) == [30]
stepper.update(t=10)                                   # what a slider move does
assert list(stepper.figure.data[1].x) == list(range(10, 31))
assert np.isclose(stepper.figure.data[3].y[0], traces[1.5].da_norm[9])
stepper.update(t=30)
stepper

# %% [markdown]
# How fast does it answer? The handlers timed in Python on a second stepper (not displayed):

# %%
# NBVAL_IGNORE_OUTPUT
probe = bptt_stepper(rho=1.0)


def handler_ms(control, value):
    start = time.perf_counter()
    control.value = value                               # runs the slider's observer
    return 1e3 * (time.perf_counter() - start)


t_moves = [handler_ms(probe.controls[0], t) for t in range(29, 0, -1)]
new_rho = [handler_ms(probe.controls[1], rho) for rho in (1.5, 2.0, 2.5)]
cached_rho = [handler_ms(probe.controls[1], rho) for rho in (1.5, 2.0)]
print(f"time slider: median {np.median(t_moves):.1f} ms per move, "
      f"slowest {max(t_moves):.1f} ms ({len(t_moves)} moves)")
print(f"ρ slider, new setting (forward + backward): median {np.median(new_rho):.1f} ms; "
      f"setting seen before: {np.median(cached_rho):.1f} ms")
assert np.median(t_moves) < 200 and np.median(cached_rho) < 200   # "at once": under 0.2 s

# %% [markdown]
# ## 5. Gradient clipping
# Exploding gradients show up as huge updates, then NaNs. The lecture's remedy is **clipping**:
# before the update, if the gradient is too big, make it smaller. Two kinds, both in
# `seqlab.optim`:
# - **by norm** (`clip_by_norm`): if the global norm $\lVert g \rVert$ of all gradients
#   exceeds $c$, multiply every gradient by $c / \lVert g \rVert$. The direction is kept.
# - **by value** (`clip_by_value`, the course's `clip(gradients, maxValue)`): clamp every
#   entry into $[-c, c]$. Simple, but it changes the direction.
#
# At $\rho = 3$:

# %%
def flat(grads):
    return np.concatenate([g.ravel() for g in grads.values()])


g = traces[3.0].grads                                        # unclipped, all five params
by_norm, norm_before = clip_by_norm({k: v.copy() for k, v in g.items()}, max_norm=1.0)
by_value = clip_by_value({k: v.copy() for k, v in g.items()}, max_value=0.1)
for name, clipped in (("by norm, c = 1  ", by_norm), ("by value, c = 0.1", by_value)):
    cos = flat(g) @ flat(clipped) / (np.linalg.norm(flat(g)) * np.linalg.norm(flat(clipped)))
    print(f"clipped {name}: norm {norm_before:.3g} -> {np.linalg.norm(flat(clipped)):.3g}, "
          f"cosine with the original direction {cos:.4f}")
W_aa_norm = np.linalg.norm(3.0 * np.eye(16))                  # ‖ρ Q‖_F = ρ √n_a
print(f"one SGD step with lr = 0.1 would move W_aa by {0.1 * np.linalg.norm(g['W_aa']):.3g} "
      f"unclipped, {0.1 * np.linalg.norm(by_norm['W_aa']):.3g} clipped by norm; ‖W_aa‖ = "
      f"{W_aa_norm:.3g}")

# %% [markdown]
# Unclipped, a single step would move $W_{aa}$ by more than its own size (about 19 against
# 12): one batch would wreck what training has learnt. Clipped by norm, the step points the
# same way (cosine 1) and is bounded. Clipping by value bounds each entry but
# turns the gradient (cosine below 1). In the stepper, choose a clipping and a threshold $c$,
# set $\rho = 3$ and walk back to $t = 1$: the title shows the norm before and after. Clipping
# tames explosions; it does nothing for vanishing gradients. Those need a different cell: the
# GRU and the LSTM, later this week.
#
# ## Your progress

# %%
print(progress())
