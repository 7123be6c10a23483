"""Exercises of notebook 02 (backpropagation through time), registered by ``rnn_basics``.

``rnn_cell_backward(da_t, cache)`` and ``rnn_backward(da, cache)`` receive the LIBRARY's caches
(:class:`seqlab.rnn.RNNCellCache`, :class:`seqlab.rnn.RNNCache`) and return gradients keyed like
the params ("W_aa", "W_ax", "b_a"); ``numerical_gradient(f, x, eps)`` is the centered difference
a gradient check compares them with. The mistakes are the classic ones of BPTT: tanh' taken from
the wrong quantity, a<t> where a<t-1> belongs, a transposed weight, da<t-1> not carried to the
next step, gradients not summed over time, a loop one step short or in the wrong direction.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.gradcheck import numerical_gradient as _library_numerical_gradient
from seqlab.rnn import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward


def _recurrent_params(r, n_x, n_a, scale=0.7):
    return {"W_aa": r.normal(size=(n_a, n_a)) * scale, "W_ax": r.normal(size=(n_a, n_x)) * scale,
            "b_a": r.normal(size=(n_a, 1)) * 0.3}


# ---------------------------------------------------------------------------- rnn_cell_backward


def _cell_back(da_t, cache):
    return rnn_cell_backward(da_t, cache)


def _cell_case(n_x, n_a, m, a_prev=True, scale=0.7):
    def make(r):
        params = _recurrent_params(r, n_x, n_a, scale)
        a_p = r.normal(size=(n_a, m)) * 0.8 if a_prev else np.zeros((n_a, m))
        _, _, cache = rnn_cell_forward(r.normal(size=(n_x, m)), a_p, params)
        return {"da_t": r.normal(size=(n_a, m)), "cache": cache}
    return make


def _cell_grads(cache, dz, a_for_dW=None, transpose_dW=False):
    """(dx_t, da_prev, grads) from dz, with the knobs of the mistakes below."""
    x_t, a_prev, _, p, _ = cache
    a_used = a_prev if a_for_dW is None else a_for_dW
    dW_aa = a_used @ dz.T if transpose_dW else dz @ a_used.T
    grads = {"W_aa": dW_aa, "W_ax": dz @ x_t.T, "b_a": dz.sum(axis=1, keepdims=True)}
    return p["W_ax"].T @ dz, p["W_aa"].T @ dz, grads


def _cb_no_derivative(da_t, cache):
    return _cell_grads(cache, da_t)


def _cb_from_z(da_t, cache):
    x_t, a_prev, _, p, _ = cache
    z = p["W_aa"] @ a_prev + p["W_ax"] @ x_t + p["b_a"]
    return _cell_grads(cache, da_t * (1 - z**2))


def _cb_tanh_twice(da_t, cache):
    return _cell_grads(cache, da_t * (1 - np.tanh(cache.a_t) ** 2))


def _cb_dW_from_a_t(da_t, cache):
    return _cell_grads(cache, da_t * (1 - cache.a_t**2), a_for_dW=cache.a_t)


def _cb_dW_transposed(da_t, cache):
    return _cell_grads(cache, da_t * (1 - cache.a_t**2), transpose_dW=True)


def _cb_W_aa_not_transposed(da_t, cache):
    dz = da_t * (1 - cache.a_t**2)
    dx_t, _, grads = _cell_grads(cache, dz)
    return dx_t, cache.params["W_aa"] @ dz, grads


def _cb_da_prev_skips_tanh(da_t, cache):
    dx_t, _, grads = _cell_grads(cache, da_t * (1 - cache.a_t**2))
    return dx_t, cache.params["W_aa"].T @ da_t, grads


RNN_CELL_BACKWARD = Exercise(
    name="rnn_cell_backward",
    signature="rnn_cell_backward(da_t, cache) -> (dx_t, da_prev, grads)",
    reference=_cell_back,
    source=rnn_cell_backward,
    library_name="seqlab.rnn.rnn_cell_backward",
    week="1",
    output_names=("dx_t", "da_prev", "grads"),
    float32_ok=False,
    steps=[('grads["b_a"]', lambda right: (
        "dz is right (dW_aa and dW_ax are), so the sum is not: db_a = dz.sum(axis=1, "
        "keepdims=True), over the examples." if {'grads["W_aa"]', 'grads["W_ax"]'} <= right else
        "db_a = Σ_columns dz, so dz itself is wrong: dz = da_t * (1 - a_t**2), tanh' from the "
        "cached output a_t.")),
           ('grads["W_aa"]', "dz is right (db_a is), so check dW_aa = dz @ a_prev.T: W_aa "
            "multiplied a<t-1> in the forward pass."),
           ('grads["W_ax"]', "dz is right (db_a is), so check dW_ax = dz @ x_t.T."),
           ("da_prev", "the weight gradients are right, so dz is: da_prev = W_aa.T @ dz."),
           ("dx_t", "the weight gradients are right, so dz is: dx_t = W_ax.T @ dz.")],
    cases=[
        Case("random, n_x=3, n_a=5, m=4", _cell_case(3, 5, 4)),
        Case("a<t-1> = 0 (the first step after a<0> = 0)", _cell_case(3, 4, 2, a_prev=False)),
        Case("one example (m = 1)", _cell_case(2, 3, 1)),
        Case("saturated tanh (large weights, a<t> near ±1)", _cell_case(3, 4, 3, scale=3.0)),
    ],
    mistakes=[
        Mistake("no tanh'", _cb_no_derivative,
                "the derivative of tanh is missing: dz = da_t * (1 - a_t**2) comes first, and "
                "every gradient (dW_aa, dW_ax, db_a, da_prev, dx_t) is computed from dz."),
        Mistake("tanh' from z", _cb_from_z,
                "tanh' computed from the pre-activation: 1 - z**2 is wrong, tanh'(z) = "
                "1 - tanh(z)**2 = 1 - a_t**2, from the cached OUTPUT a_t (cache.a_t)."),
        Mistake("tanh applied twice", _cb_tanh_twice,
                "cache.a_t is already tanh(z): tanh'(z) = 1 - a_t**2, not 1 - tanh(a_t)**2."),
        Mistake("dW_aa from a<t>", _cb_dW_from_a_t,
                "dW_aa uses a<t>: W_aa multiplied a<t-1> in the forward pass, so "
                "dW_aa = dz @ a_prev.T (cache.a_prev), not dz @ a_t.T."),
        Mistake("dW_aa transposed", _cb_dW_transposed,
                "dW_aa is transposed: dW_aa = dz @ a_prev.T (rows: the units a<t> feeds), not "
                "a_prev @ dz.T; it must match W_aa entry for entry."),
        Mistake("W_aa not transposed", _cb_W_aa_not_transposed,
                "da_prev uses W_aa where the backward pass needs its transpose: "
                "da_prev = W_aa.T @ dz."),
        Mistake("da_prev skips tanh'", _cb_da_prev_skips_tanh,
                "da_prev = W_aa.T @ da_t skips tanh': the path to a<t-1> goes through z<t> too, "
                "so da_prev = W_aa.T @ dz with dz = da_t * (1 - a_t**2)."),
    ],
    hints=[
        "Three steps: dz = da_t ⊙ tanh'(z<t>); the weight gradients dW_aa = dz a<t-1>ᵀ, "
        "dW_ax = dz x<t>ᵀ, db_a = Σ_columns dz; the input gradients da_prev = W_aaᵀ dz, "
        "dx_t = W_axᵀ dz.",
        "tanh' comes from the cached output: 1 - a_t**2. Unpack the cache with "
        "x_t, a_prev, a_t, params, _ = cache. grads is a dict with the keys of params: "
        "{'W_aa': ..., 'W_ax': ..., 'b_a': ...}; db_a keeps its shape (n_a, 1) with keepdims=True.",
        "dz = da_t * (1 - a_t**2); grads = {'W_aa': dz @ a_prev.T, 'W_ax': dz @ x_t.T, "
        "'b_a': dz.sum(axis=1, keepdims=True)}; return params['W_ax'].T @ dz, "
        "params['W_aa'].T @ dz, grads",
    ],
)

# --------------------------------------------------------------------------------- rnn_backward


def _seq_back(da, cache):
    """The library's BPTT in the course's signature: (dx, da0, grads), da0 an array."""
    dx, (da0, _), grads = rnn_backward(da, cache)       # the library adds dc0 (None here)
    return dx, da0, grads


def _seq_case(n_x, n_a, m, T_x, last_only=False, n_y=None):
    def make(r):
        params = _recurrent_params(r, n_x, n_a, 0.6)
        if n_y is not None:                              # an output layer: grads gets zeros
            params.update(W_ya=r.normal(size=(n_y, n_a)), b_y=r.normal(size=(n_y, 1)))
        x, a0 = r.normal(size=(n_x, m, T_x)), r.normal(size=(n_a, m)) * 0.5
        _, _, cache = rnn_forward(x, a0, params)
        da = r.normal(size=(n_a, m, T_x))
        if last_only:
            da[:, :, :-1] = 0                            # many-to-one: a loss on ŷ<T_x> only
        return {"da": da, "cache": cache}
    return make


def _bptt(da, cache, order=None, carry=True, accumulate=True, da0_is_total=False,
          dx_reversed=False):
    """BPTT over the library's cell backward with one knob turned (the mistakes below)."""
    steps = cache.steps
    T_x = len(steps)
    grads = {k: np.zeros_like(v) for k, v in cache.params.items()}
    dx = np.zeros((steps[0].x_t.shape[0], da.shape[1], T_x))
    da_prev = np.zeros_like(da[:, :, 0])
    da_t = da_prev
    for i, t in enumerate(reversed(range(T_x)) if order is None else order(T_x)):
        da_t = da[:, :, t] + (da_prev if carry else 0)
        dx_t, da_prev, step = rnn_cell_backward(da_t, steps[t])
        dx[:, :, i if dx_reversed else t] = dx_t
        for k, g in step.items():                       # the cell's keys: W_aa, W_ax, b_a
            grads[k] = grads[k] + g if accumulate else g
    return dx, da_t if da0_is_total else da_prev, grads


def _b_no_carry(da, cache):
    return _bptt(da, cache, carry=False)


def _b_last_step(da, cache):
    return _bptt(da, cache, accumulate=False)


def _b_forward_order(da, cache):
    return _bptt(da, cache, order=range)


def _b_short(da, cache):
    return _bptt(da, cache, order=lambda T: range(T - 1, 0, -1))


def _b_da0_total(da, cache):
    return _bptt(da, cache, da0_is_total=True)


def _b_dx_reversed(da, cache):
    return _bptt(da, cache, dx_reversed=True)


RNN_BACKWARD = Exercise(
    name="rnn_backward",
    signature="rnn_backward(da, cache) -> (dx, da0, grads)",
    reference=_seq_back,
    source=rnn_backward,
    library_name="seqlab.rnn.rnn_backward",
    week="1",
    output_names=("dx", "da0", "grads"),
    float32_ok=False,
    time_axis={"dx": 2},
    backward_in_time=True,
    steps=[("dx", ""), ('grads["b_a"]', "the weights are shared by all steps: db_a is the SUM "
                        "of the steps' db_a (and dx is right)."),
           ('grads["W_aa"]', "dW_aa is the SUM over the steps of dz<t> a<t-1>ᵀ (dx is right)."),
           ('grads["W_ax"]', "dW_ax is the SUM over the steps of dz<t> x<t>ᵀ (dx is right)."),
           ("da0", "da0 = ∂J/∂a<0> is the da_prev returned by the backward of the FIRST step, "
            "t = 1, the last one your loop does (dx and the gradients are right).")],
    cases=[
        Case("random, n_x=3, n_a=4, m=2, T_x=5", _seq_case(3, 4, 2, 5)),
        Case("loss at the last step only (many-to-one), T_x=6",
             _seq_case(2, 3, 3, 6, last_only=True)),
        Case("a single step (T_x = 1)", _seq_case(3, 4, 2, 1)),
        Case("one example (m = 1), T_x = 7", _seq_case(2, 5, 1, 7)),
        Case("a cache with an output layer: grads also has W_ya, b_y (zeros here)",
             _seq_case(3, 4, 2, 4, n_y=3)),
    ],
    mistakes=[
        Mistake("da_prev not carried", _b_no_carry,
                "the gradient from the future is dropped: step t must get da[:, :, t] PLUS the "
                "da_prev that step t+1 returned (a<t> feeds both ŷ<t> and a<t+1>)."),
        Mistake("grads of one step", _b_last_step,
                "the gradients are overwritten at every step, so only step 1's survive: W_aa, "
                "W_ax and b_a are shared by all steps, so SUM the steps' grads "
                "(grads[k] += step_grads[k])."),
        Mistake("forward in time", _b_forward_order,
                "the loop runs forward in time: BPTT starts at the last step, for t in "
                "reversed(range(T_x)), because ∂J/∂a<t> needs ∂J/∂a<t+1> first."),
        Mistake("T_x - 1 steps", _b_short,
                "your loop stops before t = 0 (range(T_x - 1, 0, -1) runs T_x - 1 steps): the "
                "first step's gradients and da0 are missing. Use reversed(range(T_x))."),
        Mistake("da0 is da<1>", _b_da0_total,
                "da0 should be ∂J/∂a<0>, the da_prev returned by the FIRST step's backward, "
                "not ∂J/∂a<1> (the da_t you passed into it)."),
        Mistake("dx in reverse order", _b_dx_reversed,
                "dx is in reverse time order (a list appended while t runs T_x..1 holds dx<T_x> "
                "first): store dx[:, :, t] = dx_t at the step's own index."),
    ],
    hints=[
        "Walk t = T_x-1 .. 0. At each step the total gradient is da_t = da[:, :, t] + da_next, "
        "where da_next (zeros at first) is the da_prev returned by the step after; call "
        "rnn_cell_backward(da_t, cache.steps[t]).",
        "Start grads = {k: np.zeros_like(v) for k, v in cache.params.items()} (W_ya, b_y, if "
        "present, stay zero: output_backward computes them) and ADD every step's grads (the "
        "weights are shared over time); store dx[:, :, t]. After the loop, da_next is ∂J/∂a<0>.",
        "for t in reversed(range(T_x)):\n    dx[:, :, t], da_next, g = rnn.rnn_cell_backward("
        "da[:, :, t] + da_next, cache.steps[t])\n    for k in g: grads[k] += g[k]\n"
        "return dx, da_next, grads",
    ],
)

# --------------------------------------------------------------------------- numerical_gradient


def _num_grad(f, x, eps):
    return _library_numerical_gradient(f, x, h=eps)


def _quadratic_case(r):
    B, c = r.normal(size=(4, 4)), r.normal(size=4)
    return {"f": lambda x: float(x @ B @ x + c @ np.sin(x)), "x": r.normal(size=4), "eps": 1e-5}


def _tanh_layer_case(r):
    A, w = r.normal(size=(3, 6)), r.normal(size=(3, 2))
    return {"f": lambda x: float(np.sum(np.tanh(A @ x) * w)), "x": r.normal(size=(6, 2)),
            "eps": 1e-5}


def _rnn_loss_case(r):
    params = _recurrent_params(r, 2, 3, 0.6)
    x, a0, target = r.normal(size=(2, 2, 4)), np.zeros((3, 2)), r.normal(size=(3, 2, 4))

    def loss(W_aa):
        a, _, _ = rnn_forward(x, a0, {**params, "W_aa": W_aa})
        return float(0.5 * np.sum((a - target) ** 2))
    return {"f": loss, "x": params["W_aa"].copy(), "eps": 1e-6}


def _ng_loop(f, x, eps, one_sided=False, divisor=2.0, restore=True, iternext=True,
             dtype=float):
    """The course's np.nditer loop of entry-wise differences on a copy of x, with the knobs of
    the mistakes below (``iternext=False``: the loop never moves on)."""
    x = x.astype(dtype)                                   # a copy: x itself stays untouched
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + eps
        f_plus = f(x)
        x[ix] = old if one_sided else old - eps
        f_minus = f(x)
        if restore:
            x[ix] = old
        grad[ix] = (f_plus - f_minus) / (divisor * eps if divisor else 1.0)
        if iternext:
            it.iternext()
    return grad


def _ng_all_at_once(f, x, eps):
    return np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps))


NUMERICAL_GRADIENT = Exercise(
    name="numerical_gradient",
    signature="numerical_gradient(f, x, eps) -> dx",
    reference=_num_grad,
    source=_library_numerical_gradient,
    library_name="seqlab.gradcheck.numerical_gradient",
    week="1",
    output_names=("dx",),
    float32_ok=False,
    cases=[
        Case("f(x) = xᵀBx + c·sin(x), x of shape (4,)", _quadratic_case),
        Case("f(x) = Σ w ⊙ tanh(A x), x of shape (6, 2)", _tanh_layer_case),
        Case("an RNN's squared error as a function of W_aa (3, 3)", _rnn_loss_case),
    ],
    mistakes=[
        Mistake("one-sided", partial(_ng_loop, one_sided=True, divisor=1.0),
                "one-sided difference (f(x + ε) - f(x)) / ε: its error is O(ε), about 1e-5 "
                "relative. Use the centered difference (f(x + ε) - f(x - ε)) / (2ε), error O(ε²)."),
        Mistake("divided by eps", partial(_ng_loop, divisor=1.0),
                "your gradient is twice too large: the two points x + ε and x - ε are 2ε apart, "
                "so divide by 2ε."),
        Mistake("not divided", partial(_ng_loop, divisor=0),
                "you return the difference f(x + ε) - f(x - ε) itself: divide it by 2ε to get a "
                "slope."),
        Mistake("not restored", partial(_ng_loop, restore=False),
                "x[i] is not put back after its two evaluations, so every later entry is "
                "measured at a shifted point: restore x[i] = old before moving to the next i."),
        Mistake("all entries at once", _ng_all_at_once,
                "you moved every entry of x at once: perturb ONE entry at a time, "
                "dx[i] = (f(x + ε e_i) - f(x - ε e_i)) / (2ε), for each index i."),
        Mistake("no iternext", partial(_ng_loop, iternext=False),
                "your loop never stopped: `while not it.finished:` needs it.iternext() at the "
                "end of each pass, or it measures the first entry forever. (Or loop with "
                "`for i in np.ndindex(*x.shape):`, which cannot forget.)", hangs=True),
        Mistake("float32", partial(_ng_loop, dtype=np.float32),
                "you computed in float32: f(x + ε) - f(x - ε) is a difference of two close "
                "numbers, and float32 keeps only 7 digits, so with ε = 1e-5 most of them "
                "cancel. Work in float64 (NumPy's default): no .astype(np.float32)."),
    ],
    hints=[
        "For each index i of x: dx[i] ≈ (f(x + ε e_i) - f(x - ε e_i)) / (2ε), where e_i moves "
        "only entry i. Loop over all indices of a multi-dimensional x with np.ndindex(*x.shape).",
        "Work in place and put it back: old = x[i]; x[i] = old + eps; fp = f(x); "
        "x[i] = old - eps; fm = f(x); x[i] = old. The checker tells you if x is left changed.",
        "dx = np.zeros_like(x)\nfor i in np.ndindex(*x.shape):\n    old = x[i]\n    "
        "x[i] = old + eps; fp = f(x)\n    x[i] = old - eps; fm = f(x)\n    x[i] = old\n    "
        "dx[i] = (fp - fm) / (2 * eps)\nreturn dx",
    ],
)

BPTT_EXERCISES: dict[str, Exercise] = {
    ex.name: ex for ex in (RNN_CELL_BACKWARD, RNN_BACKWARD, NUMERICAL_GRADIENT)}
