# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 28 · A Transformer, step by step, forward and back
#
# *Sequence Models*, week 4: "Transformer Network". Notebooks 23-26 built the pieces and
# trained the whole model. Here you take the shipped number-words Transformer of notebook 26
# ("four million, seventeen thousand and sixty-one" → `4017061`) and walk through **one pass**
# on a number you type:
# 1. **forward**, stage by stage: the tokens, the embedding × √d_model, + the positional
#    encoding; in every layer Q, K, V per head, the scores Q Kᵀ/√d_k, the mask, the softmax,
#    α V, Concat and W_o, the residual, the layer norm, the feed-forward network; the decoder's
#    masked self-attention and cross-attention; the logits and the output distribution. Each
#    stage shows its tensor, its shape, its equation and the library line that computed it;
# 2. **backward**, for the loss of one output token: how big the gradient is at every stage,
#    how much of it takes each residual connection's shortcut rather than the attention or the
#    feed-forward network, and ∂loss/∂α for every head;
# 3. an exercise: the backward pass of attention;
# 4. **decoding** the same model with a temperature, top-k and beam search.
#
# Nothing below recomputes the model: every tensor is the one the library's forward pass kept
# in its caches, and every gradient the one its hand-written backward passes computed
# (`seqlab.transformer.trace`). Run it top to bottom (**Run ▸ Run All Cells**); it takes about
# 15 seconds.

# %%
import statistics
from pathlib import Path

import numpy as np

import seqlab
from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.exercises import check_attention_backward, hint
from seqlab.functional import log_softmax
from seqlab.gradcheck import random_direction_check
from seqlab.lm.sampling import adjust_logits
from seqlab.transformer import add_norm, attention, blocks
from seqlab.transformer import trace as trace_module
from seqlab.transformer.model import Transformer
from seqlab.transformer.tasks import TaskModel
from seqlab.data.numbers import load_numbers
from seqlab.viz.decoding import decoding_explorer
from seqlab.viz.gradient_flow import gradient_flow_view, gradient_norms, residual_split
from seqlab.viz.source import show_source
from seqlab.viz.step_through import prepare_text, transformer_stepper

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(28)            # one seeded generator (nothing below draws at random but sampling)
ROOT = Path(seqlab.__file__).parent
task = TaskModel.load(ROOT / "transformer" / "pretrained" / "numbers.npz")
print(task)

# %% [markdown]
# ## 1. One forward pass, stage by stage
# The input: number words, split into tokens (`,` and `-` are tokens of their own). The decoder
# reads `<bos>` and the digits written so far (teacher forcing on the model's own greedy
# answer), so row t of every decoder tensor is the state from which digit t+1 is chosen:
# `1:4→0` is the row that has read `<bos> 4` and predicts `0`.

# %%
TEXT = "four million, seventeen thousand and sixty-one"
prep = prepare_text(task, TEXT)
print("source tokens:  ", prep["labels"]["src"])
print("decoder rows:   ", prep["labels"]["tgt"])
print("src", prep["src"].shape, "tgt_in", prep["tgt_in"].shape, "answer", prep["answer"])
assert prep["answer"] == "4017061"

# %% [markdown]
# `trace_forward` runs the model's own `forward` once and lists its stages from the caches.
# The caches keep more than the backward pass needs: the scores and the mask (they are what a
# learner wants to see), and around every sub-layer the sub-layer's output, the residual sum
# and the layer norm's output:

# %%
show_source(attention.AttentionCache)

# %%
show_source(add_norm.add_norm_forward)

# %%
fwd = trace_module.trace_forward(task.model, prep["src"], prep["tgt_in"])
print(f"{len(fwd.stages)} stages; the embedding and encoder layer 0:")
for stage in fwd.stages[:14]:
    shapes = ", ".join(f"{p.title} {tuple(p.value.shape)}" for p in stage.panels)
    print(f"  {stage.key:22} {stage.name:22} {shapes}")
assert len(fwd.stages) == 68

# %% [markdown]
# Per head, Q, K and V are (h, T, d_k) = (4, 9, 16): the model's d_model = 64 split into 4
# heads. The scores of a head are e = Q Kᵀ / √d_k: dividing by √d_k = 4 takes out the growth
# of a dot product with d_k (with random Q and K of unit variance the scores would have
# variance 1 whatever d_k). Training made them larger than that: the heads learned to
# attend sharply. In the decoder's masked self-attention the look-ahead mask makes α exactly
# 0 above the diagonal (row t may not read a digit it has not written):

# %%
by_key = {s.key: s for s in fwd.stages}
e = by_key["enc.0.mha.scores"].panels[0].value                  # (h, T_x, T_x)
print(f"encoder layer 0 scores e: std {e.std():.1f}; the dot products Q Kᵀ themselves: std "
      f"{(e * 4).std():.0f} (√d_k = 4 times larger)")
alpha_self = by_key["dec.0.self.softmax"].panels[0].value        # (h, T_y, T_y)
print("decoder layer 0, head 0, masked self-attention α (rows sum to 1, zero above the "
      "diagonal):")
print(np.array2string(alpha_self[0], precision=2, suppress_small=True))
assert np.all(np.triu(alpha_self, 1) == 0)
assert np.allclose(alpha_self.sum(-1), 1, atol=1e-5)

# %% [markdown]
# ### The step-through
# Click a stage in the strip (top row: the encoder; bottom row: the decoder, then the output),
# or move the **stage** slider / use ◀ ▶. For each stage: its tensors (per head where the
# stage is per head: pick the **head**), their shapes, the equation, and underneath the
# library's own lines with their file and line number. Type another number in **input**
# (English words, as `num2words` writes them). The **view** and **loss at t** controls belong
# to the backward pass (section 2).

# %%
# NBVAL_IGNORE_OUTPUT
stepper = transformer_stepper(task, TEXT)
i = [s.key for s in fwd.stages].index("dec.1.cross.softmax")     # decoder layer 1 cross α
stepper.update(stage=i)
shown = np.asarray(stepper.figure.data[0].z)
assert np.allclose(shown, fwd.stages[i].panels[0].value[0], atol=1e-6)
assert "attention.py" in stepper.code.value and f"stage {i + 1} of 68" in stepper.info.value
stepper.update(stage=0)                                           # shown from the tokens
stepper

# %% [markdown]
# Things to look for as you step:
# - **+ positional encoding**: the same word at two positions gets two different rows x₀;
# - **scores → mask → softmax** in the decoder's first attention: the masked scores still
#   exist (the mask is applied inside the softmax, not to the scores), but α is 0 there;
# - **residual → layer norm**: the layer norm rescales every row (position) to mean 0 and
#   variance 1 before γ and β, whatever the size of x + Sublayer(x);
# - **cross-attention α** in decoder layer 1: the row that writes a digit attends to the word
#   that decides it (notebook 26 measured this), and the rows that write zeros to a scale
#   word ("million", "thousand");
# - **output distribution**: every row puts about 0.93 on its digit, not 1: the model was
#   trained with label smoothing ε = 0.1 (notebook 26), which caps the confidence.

# %% [markdown]
# ## 2. The backward pass of one output token's loss
# Pick an output position t and take the loss of that token alone,
#
# $$J = -\log \hat y^{\langle t \rangle}[y^{\langle t \rangle}], \qquad
# \frac{\partial J}{\partial z^{\langle t \rangle}} = \hat y^{\langle t \rangle} -
# \mathrm{onehot}(y^{\langle t \rangle}), \quad \frac{\partial J}{\partial
# z^{\langle s \rangle}} = 0 \ (s \ne t).$$
#
# `trace_backward` gets it from the library's label-smoothed cross-entropy with ε = 0 on that
# one position and runs the model's `backward_full`: the same backward pass training uses,
# which also hands back the gradient it met at every stage.

# %%
show_source(trace_module.trace_backward)

# %% [markdown]
# At every residual connection the gradient **splits**. In the forward pass
# LN(x + Sublayer(x)) adds two paths; going back, the layer norm's backward gives
# ∂J/∂(x + Sublayer(x)), which reaches x twice: unchanged through the identity path, and
# through the sub-layer (the attention's queries, keys and values, or the feed-forward
# network), whose own backward adds its part. The decoder layer's backward records both:

# %%
show_source(blocks._decoder_backward)

# %% [markdown]
# Take t = 1, the row `1:4→0` that writes the first `0` (of "4 million"):

# %%
T_SHOW = 1
back = trace_module.trace_backward(task.model, fwd, T_SHOW)
norms = {key: n for key, _, n in gradient_norms(back)}
print(f"J = -log ŷ<{T_SHOW}>['{prep['out'][T_SHOW]}'] = {back.loss:.3f} "
      f"(ŷ = {np.exp(-back.loss):.2f})")
for key, what in (("out.logits", "∂J/∂z, the logits"),
                  ("dec.1.ffn.norm", "∂J/∂(the last layer norm's output)"),
                  ("dec.1.ffn.residual", "∂J/∂(its input x + FFN(x))"),
                  ("enc.1.ffn.norm", "∂J/∂enc, the encoder's output"),
                  ("encoder.pe", "∂J/∂x₀, the encoder's input"),
                  ("decoder.pe", "∂J/∂y₀, the decoder's input")):
    print(f"  ‖{what}‖ = {norms[key]:.1e}")
assert norms["dec.1.ffn.norm"] > 20 * norms["dec.1.ffn.residual"]
ln3 = fwd.cache["dec"][1][1][5]                      # decoder layer 1's last AddNormCache
sigma = 1 / float(ln3.layer_norm.inv_std[0, T_SHOW, 0])
gamma = float(np.abs(task.model.params["dec.1.ln3.gamma"]).mean())
stream = [n for k, n in norms.items() if k.endswith((".residual", ".norm", ".pe"))
          and k != "dec.1.ffn.norm"]
print(f"the last layer norm: σ of row {T_SHOW} of x + FFN(x) = {sigma:.0f}, mean |γ| = "
      f"{gamma:.2f}; below it, the residual stream's ‖∂J/∂·‖ stays within "
      f"{min(stream):.1e}..{max(stream):.1e}")
assert max(stream) < 50 * min(stream) and sigma > 5

# %% [markdown]
# The biggest drop is the last layer norm: its backward multiplies by γ/σ (σ is that row's
# standard deviation before the norm, printed above) and removes the parts of the gradient
# that only move the row's mean or its length, which the norm undoes anyway. Below it, the
# gradient on the residual stream (the inputs and outputs of the sub-layers, and x₀, y₀) stays
# within a factor of about 25 all the way down to the embeddings: with a residual around every
# sub-layer, the gradient always has a short path.
#
# How much of ∂J/∂x comes through each residual connection's identity path, and how much
# through the sub-layer (for a cross-attention, also what it sends to the encoder's output
# through its keys and values):

# %%
split = residual_split(back)
print(f"{'sub-layer':12} {'identity':>9} {'sub-layer':>10} {'to enc':>8}   share of identity")
for d in split:
    share = d["identity"] / (d["identity"] + d["sublayer"])
    print(f"{d['name']:12} {d['identity']:9.1e} {d['sublayer']:10.1e} "
          f"{d['enc'] if d['enc'] else float('nan'):8.1e}   {share:.2f}")
top = {d["name"]: d for d in split}["dec 1 cross"]
assert top["enc"] > top["sublayer"]

# %% [markdown]
# The top cross-attention sends more gradient to the **encoder** (through its keys and values)
# than back to its own queries: what this digit needs to change is mostly in how the source was
# read. Over many numbers (40 test numbers of notebook 26, every output token, 281 losses):

# %%
words, _ = load_numbers("test", 40, seed=0)
shares = []
for w in words:
    p = prepare_text(task, w)
    f = trace_module.trace_forward(task.model, p["src"], p["tgt_in"])
    for t in range(p["tgt_in"].shape[1]):
        shares.append([d["identity"] / (d["identity"] + d["sublayer"])
                       for d in residual_split(trace_module.trace_backward(task.model, f, t))])
shares = np.array(shares)
print(f"{len(shares)} losses; share of ‖∂J/∂x‖ through the identity path, 10th / 50th / 90th "
      "percentile:")
for name, col in zip([d["name"] for d in split], shares.T):
    lo, mid, hi = np.percentile(col, [10, 50, 90])
    print(f"  {name:12} {lo:.2f} / {mid:.2f} / {hi:.2f}")
medians = dict(zip([d["name"] for d in split], np.median(shares, axis=0)))
assert shares.shape == (281, 10) and medians.pop("dec 1 cross") > 0.75
assert all(0.4 < m < 0.75 for m in medians.values())

# %% [markdown]
# Neither path dominates: at most sub-layers the identity path carries a median 45-70 % of
# the gradient's size, so the attention and feed-forward weights get a fair share and the layers
# below still receive a gradient that did not have to squeeze through them. The exception is
# the top cross-attention (median about 0.86): there the gradient mostly goes on to the
# encoder instead.
#
# ### The gradient-flow view
# Move **loss of output t** to take another token's loss. Top: ‖∂J/∂·‖ at every stage, coloured
# by block (brown: embeddings, blue: encoder self-attention, purple: masked self-attention,
# green: cross-attention, orange: feed-forward, red: output). Middle: the split at each
# residual sub-layer. Bottom: ∂J/∂α of every head of the attention you pick (rows: queries,
# columns: keys; green raises J if α grows, pink lowers it).

# %%
# NBVAL_IGNORE_OUTPUT
flow = gradient_flow_view(task, TEXT, position=T_SHOW)
z_heads = [np.asarray(d.z) for d in flow.figure.data[4:]]
want = back.flows["dec"][1]["cross"].attention.dweights[0]
assert all(np.allclose(z, want[h]) for h, z in enumerate(z_heads))
assert len(flow.figure.data[0].y) == 59
flow

# %% [markdown]
# The same gradients appear in the step-through: set its **view** to *backward*. Each panel
# then shows ∂J/∂ of that tensor (the grey panels have none: token ids, masks and the
# positional encoding are constants), the code underneath is the backward pass's, and the
# strip is coloured by log10 ‖∂J/∂·‖.
#
# Are these the right gradients? `tests/test_transformer_trace.py` compares every stage value
# and every gradient of both shipped models, at three output positions, with PyTorch autograd
# on a twin of the model in float64 (worst relative difference 5e-14). Here, a check you can
# run without PyTorch: the same backward pass's parameter gradients against finite differences
# of J along random directions, in float64:

# %%
model64 = Transformer(task.model.config, seed=0, dtype="float64")
model64.params = {k: v.astype(np.float64) for k, v in task.model.params.items()}
fwd64 = trace_module.trace_forward(model64, prep["src"], prep["tgt_in"])
back64 = trace_module.trace_backward(model64, fwd64, T_SHOW)
grads, _ = model64.backward_full(back64.flows["dlogits"], fwd64.cache)


def loss_of_t():
    logits, _ = model64.forward(prep["src"], prep["tgt_in"])
    return float(-log_softmax(logits[0, T_SHOW])[back64.token])      # J = -log ŷ<t>[y<t>]


res = random_direction_check(loss_of_t, model64.params, grads, n_directions=3, per_key=False)
# the error itself (3e-09 to 5e-09) depends on the CPU's floating-point path; its bound does not
print(f"worst relative error over 3 random directions through all "
      f"{sum(v.size for v in model64.params.values()):,} parameters below 1e-7? "
      f"{res.worst[1] < 1e-7}")
assert res.passed(1e-7)

# %% [markdown]
# ## 3. Exercise: the backward pass of attention
# The step-through's ∂J/∂α and ∂J/∂e come from the backward pass of scaled dot-product
# attention, eqs. (4)-(8) of `seqlab/transformer/attention.py`. Write it: given ∂J/∂out
# (`dout`, shape (..., T_q, d_v)), the inputs Q, K, V and the weights α the forward pass kept
# (`weights`, (..., T_q, T_k)), return (dQ, dK, dV):
#
# $$dV = \alpha^\top d\mathrm{out}, \quad d\alpha = d\mathrm{out}\, V^\top, \quad
# de = \alpha \odot \Big(d\alpha - \sum_{t'} \alpha \odot d\alpha\Big), \quad
# dQ = \frac{de\, K}{\sqrt{d_k}}, \quad dK = \frac{de^\top Q}{\sqrt{d_k}}.$$
#
# The arrays may have leading axes (examples, heads): transpose only the last two. You need
# no mask: a masked key has α = 0, so its de is 0 already. Stuck? `hint("attention_backward")`.

# %%
def attention_backward(dout, Q, K, V, weights):
    """∂J/∂Q, ∂J/∂K, ∂J/∂V of out = softmax(Q Kᵀ/√d_k) V, given ∂J/∂out and α."""
    ### BEGIN SOLUTION
    dV = np.swapaxes(weights, -1, -2) @ dout
    dweights = dout @ np.swapaxes(V, -1, -2)
    de = weights * (dweights - np.sum(dweights * weights, axis=-1, keepdims=True))
    de = de / np.sqrt(Q.shape[-1])
    return de @ K, np.swapaxes(de, -1, -2) @ Q, dV
    ### END SOLUTION

# %%
check_attention_backward(attention_backward)

# %% [markdown]
# The library's version, which also returns ∂J/∂α and ∂J/∂e for the step-through:

# %%
show_source(attention._backward)

# %% [markdown]
# ## 4. Decoding: temperature, top-k and beam width
# Greedy decoding takes the most likely digit at each step. **Sampling** draws it instead from
# softmax(log P / τ) over the k most likely tokens (week 1's sampling, `lm.sampling`'s
# `adjust_logits` and `draw`, here through the Transformer's step function): τ → 0 is greedy,
# τ = 1 the model's own distribution, large τ flattens it. **Beam search** (week 3) keeps the B
# most likely prefixes.
#
# Because of label smoothing the model gives its digit about 0.93 at each of the 8 steps, so
# at τ = 1 the whole greedy answer has probability about 0.93⁸:

# %%
greedy_text, greedy = task.sample(TEXT, temperature=0.0)
p_steps = np.exp(greedy.log_probs[np.arange(len(greedy.tokens)), greedy.tokens])
print(f"greedy: {greedy_text}, P(each step's token) = {np.round(p_steps, 2)}")
p_path = {tau: float(np.prod([adjust_logits(row[:, None], tau)[v, 0]
                              for row, v in zip(greedy.log_probs, greedy.tokens)]))
          for tau in (1.0, 0.7, 0.5)}
for tau, p in p_path.items():
    print(f"τ = {tau}: a sample is the greedy answer with probability {p:.3f}")
assert greedy_text == "4017061" and 0.4 < p_path[1.0] < 0.7 < p_path[0.7] < p_path[0.5]

# %% [markdown]
# Sampling 100 times at τ = 1 (seeds 0-99) agrees:

# %%
# NBVAL_IGNORE_OUTPUT
samples = [task.sample(TEXT, temperature=1.0, seed=s)[0] for s in range(100)]
same, p = samples.count(greedy_text), p_path[1.0]
print(f"τ = 1: {same} of 100 samples are {greedy_text} (expected {100 * p:.0f} ± "
      f"{100 * np.sqrt(p * (1 - p) / 100):.0f}); others: {sorted(set(samples) - {greedy_text})[:5]}")
assert abs(same / 100 - p) < 4 * np.sqrt(p * (1 - p) / 100)

# %% [markdown]
# The explorer: **temperature τ** and **top-k** (0: all tokens) shape the distribution each
# sampled digit is drawn from; **seed** draws another sample; **beam width B** runs beam
# search; **step t** picks the step whose distribution the left panel shows (grey: the model's
# P(v | x, y<1..t-1>); blue: after τ and top-k, the drawn token outlined in red). The right
# panel shows the drawn-from distribution at every step, with the sampled (red ×), greedy
# (black ○) and beam (green □) paths. Try τ = 2 with top-k 0, then top-k 2: the wild digits
# disappear, because only the two most likely digits of each step remain.

# %%
# NBVAL_IGNORE_OUTPUT
decoding = decoding_explorer(task, TEXT, temperature=1.0, top_k=0, beam_width=3, seed=1)
decoding.update(temperature=2.0, top_k=2, seed=4)
bars = decoding.figure.data[1].y
assert abs(sum(bars) - 1) < 1e-9 and sum(np.asarray(bars) > 0) <= 2     # top-2
assert decoding.results[("beam", TEXT, 3)][0] == greedy_text
decoding.update(temperature=1.0, top_k=0, seed=1)
decoding

# %% [markdown]
# On this model beam search changes nothing (notebook 26: greedy and beam 4 agree on all 300
# test numbers): every step's distribution is sharp, so the most likely next digit is never in
# doubt. The temperature is what changes the output here.
#
# ## 5. How fast the widgets answer
# Every stage of the step-through is drawn from traces computed once per input (a forward pass,
# and a backward pass per loss position, a few milliseconds each): moving to a stage only
# restyles the figures. Timed here in Python over all 68 stages, forward and backward views
# (the browser test times the redraw in Chromium; on a busy machine the slowest update can
# take several times the median):

# %%
# NBVAL_IGNORE_OUTPUT
stepper.timings.clear()
for view in ("forward", "backward"):
    for i in range(len(fwd.stages)):
        stepper.update(stage=i, view=view)
print(f"step-through, {len(stepper.timings)} stage updates: median "
      f"{1e3 * statistics.median(stepper.timings):.0f} ms, slowest "
      f"{1e3 * max(stepper.timings):.0f} ms")
flow.timings.clear()
for t in range(prep["tgt_in"].shape[1]):
    flow.update(position=t)
print(f"gradient flow, {len(flow.timings)} loss positions: median "
      f"{1e3 * statistics.median(flow.timings):.0f} ms, slowest {1e3 * max(flow.timings):.0f} ms")
assert statistics.median(stepper.timings) < 0.2 and statistics.median(flow.timings) < 0.2
stepper.update(stage=0, view="forward")

# %% [markdown]
# ## Summary
# - One forward pass of a Transformer is 68 stages here (2 + 2 layers, 4 heads): embedding,
#   positions, and per layer Q K V, scores, mask, softmax, α V, Concat W_o, Add & Norm,
#   feed-forward, Add & Norm; the decoder adds a masked self-attention and a cross-attention.
#   Every tensor is the one the library's forward pass cached.
# - The backward pass of one output token's loss reaches every stage. The last layer norm
#   shrinks it most; below, the residual connections keep it within a factor of about 25: at each sub-layer the identity path and the sub-layer share the gradient
#   (median 45-70 % through the identity path), and the top cross-attention sends most of its
#   gradient to the encoder.
# - Decoding: with label smoothing, sampling at τ = 1 reproduces the greedy answer only about
#   60 % of the time, at τ = 0.5 almost always; top-k removes the unlikely tokens; beam search
#   agrees with greedy on this sharp model.
