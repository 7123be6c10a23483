# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # 24 · Multi-head attention and masks
#
# *Sequence Models*, week 4: "Multi-Head Attention" and "Transformer Network". One attention
# computes one weighted average per word: one question asked of the sentence. **Multi-head
# attention** asks several at once: $h$ attentions, each on its own learned projection of the
# words, side by side. In this notebook you
# 1. read multi-head attention in the library, write its `split_heads` yourself (exercise),
#    and check the layer against one head at a time;
# 2. build the **padding** and **look-ahead** masks of a batch and look at them;
# 3. train a small Transformer to reverse a list of digits, and open its heads: who attends to
#    whom, per layer and head, for an input you type.
#
# Run it top to bottom (**Run ▸ Run All Cells**); it takes about 15 seconds.

# %%
import numpy as np

from seqlab import backend
from seqlab.arrays import host_rng
from seqlab.threads import match_cpu_quota
from seqlab.exercises import check_split_heads, hint
from seqlab.optim import Adam
from seqlab.transformer import (
    Transformer,
    TransformerConfig,
    WarmupSchedule,
    decoder_mask,
    init_multi_head_params,
    multi_head_attention_forward,
    padding_mask,
    scaled_dot_product_attention,
)
from seqlab.transformer.toy import (
    BOS,
    EOS,
    VOCAB,
    decode_digits,
    encode_digits,
    load_reversal_model,
    reversal_batch,
    sequence_accuracy,
    train_steps,
)
from seqlab.viz.source import show_source
from seqlab.viz.transformer import attention_heads_view, attention_trace, mask_visualizer

match_cpu_quota()             # BLAS threads: no more than the CPUs this kernel may use
print(backend.use("numpy"))   # the array backend; backend.use("cupy") on a machine with a GPU
rng = host_rng(24)            # one seeded generator: Run All gives the same numbers every time

# %% [markdown]
# ## 1. Multi-head attention
# The queries, keys and values are projected by learned matrices, split into $h$ heads of
# $d_k = d_{model} / h$ features, attended head by head, concatenated and mixed by $W_O$:
#
# $$Q = X_q W_Q + b_Q, \quad K = X_{kv} W_K + b_K, \quad V = X_{kv} W_V + b_V \quad (1)$$
#
# $$\mathrm{head}_i = \mathrm{Attention}(Q_i, K_i, V_i), \quad Q_i = Q_{[:, :, i d_k : (i+1) d_k]}
# \quad (2) \qquad
# \mathrm{out} = \mathrm{Concat}(\mathrm{head}_1, \dots, \mathrm{head}_h)\, W_O + b_O \quad (3)$$
#
# All $W$ are $(d_{model}, d_{model})$: head $i$ owns columns $i d_k \dots (i+1) d_k - 1$ of
# $W_Q, W_K, W_V$ (the course's Keras layer stores the same numbers as $(d_{model}, h, d_k)$).
# The cost is that of one big attention, but each head can specialise. In self-attention
# $X_q = X_{kv}$; in the decoder's **cross-attention** the queries come from the decoder and
# the keys and values from the encoder. The library's forward pass:

# %%
show_source(multi_head_attention_forward)

# %% [markdown]
# ### Exercise: `split_heads`
# The heads are not separate matrices: they are a reshape. Write `split_heads(x, n_heads)`,
# which turns $(m, T, d_{model})$ into $(m, h, T, d_k)$ with $d_k = d_{model} / h$ so that
# head $i$ gets the features $i d_k \dots (i+1) d_k - 1$ of every position (eq. 2), and the
# heads become a batch axis in front of $T$: `scaled_dot_product_attention` then attends all
# heads at once. (The course's TensorFlow tutorial does the same with `tf.reshape` and
# `tf.transpose(perm=[0, 2, 1, 3])`.) The check's first case is $x = 0, 1, \dots, 23$ as
# $(1, 2, 12)$ with 3 heads: head 0 must read `[[0, 1, 2, 3], [12, 13, 14, 15]]`.
# Stuck? `hint("split_heads")` (three levels), `reveal("split_heads")` (the library's code).

# %%
def split_heads(x, n_heads):
    """(m, T, d_model) -> (m, n_heads, T, d_k): head i gets features i·d_k .. (i+1)·d_k - 1."""
    ### BEGIN SOLUTION
    m, T, d_model = x.shape
    d_k = d_model // n_heads
    x = x.reshape(m, T, n_heads, d_k)           # (m, T, h, d_k): the features cut in h pieces
    return x.transpose(0, 2, 1, 3)              # (m, h, T, d_k): heads before time
    ### END SOLUTION

# %%
check_split_heads(split_heads)

# %% [markdown]
# A classic slip, and what the check says about it: reshaping straight to $(m, h, T, d_k)$.
# The shape is right, but head 0 then reads the first $T d_k$ numbers of the sequence, a few
# whole time steps, instead of the first $d_k$ features of every step.

# %%
res = check_split_heads(lambda x, n_heads: x.reshape(x.shape[0], n_heads, x.shape[1], -1))
assert res.mistake == "reshape only"
res

# %% [markdown]
# The first hint, as a learner who is stuck would ask for it:

# %%
hint("split_heads")

# %% [markdown]
# Equation (2) says the heads are independent attentions. Check it: run head 1 alone with
# `scaled_dot_product_attention` on its slice of the projections, and compare with the
# weights the multi-head layer returns for head 1.

# %%
m, T, d_model, h = 2, 5, 12, 3
params = init_multi_head_params(d_model, rng)
x = rng.standard_normal((m, T, d_model))
out, weights, _ = multi_head_attention_forward(x, x, params, n_heads=h)
d_k = d_model // h
cols = slice(1 * d_k, 2 * d_k)                                   # head 1's features
Q1 = (x @ params["W_q"] + params["b_q"])[..., cols]              # (m, T, d_k)
K1 = (x @ params["W_k"] + params["b_k"])[..., cols]
V1 = (x @ params["W_v"] + params["b_v"])[..., cols]
_, w1, _ = scaled_dot_product_attention(Q1, K1, V1)
print("out", out.shape, "weights", weights.shape, "(m, h, T_q, T_k)")
print("head 1 computed alone equals the layer's head 1:", np.allclose(w1, weights[:, 1]))

# %% [markdown]
# The tests compare this layer with `torch.nn.MultiheadAttention(batch_first=True)` holding the
# same weights (torch computes $x W^\top$, so it stores $[W_Q^\top; W_K^\top; W_V^\top]$):
# outputs, per-head and averaged weights, and every gradient agree to $10^{-10}$ in float64.
#
# ## 2. Masks
# Sentences in a batch have different lengths, so the short ones are **padded** with token 0.
# No real word should attend to padding: the **padding mask** is `True` for real tokens,
# shape $(m, 1, T)$, the same for every query. The decoder also gets the **look-ahead mask**
# (query $t$ sees keys $t' \le t$), because at test time it writes one word at a time and
# the future does not exist yet. Its self-attention uses both at once:
# $\mathrm{dec}_{i,t,t'} = \mathrm{pad}_{i,t'} \wedge [t' \le t]$.
#
# A batch of the task trained below (reverse a list of digits). Move the slider to pick the
# example whose decoder mask is shown; dark = may attend.

# %%
src, tgt_in, tgt_out = reversal_batch(6, rng, min_len=2, max_len=7)
labels = {0: "pad", 1: "bos", 2: "eos", **{3 + d: str(d) for d in range(10)}}
print("padding mask of the decoder input, example 0:", padding_mask(tgt_in)[0, 0].astype(int))
print("its decoder mask, row by row:\n", decoder_mask(tgt_in)[0].astype(int))

# %%
# NBVAL_IGNORE_OUTPUT
masks = mask_visualizer(tgt_in, labels=labels.get)
assert np.array_equal(np.asarray(masks.figure.data[0].z), (tgt_in != 0).astype(int))
masks

# %% [markdown]
# ## 3. A small Transformer, trained here
# The full encoder-decoder (notebook 26 builds it up): embeddings scaled by
# $\sqrt{d_{model}}$ plus the positional encoding (notebook 25), 2 encoder and 2 decoder
# layers with 4 heads of $d_k = 8$, label smoothing 0.1, Adam with the warm-up schedule of
# *Attention Is All You Need*. The task: read 3 to 8 digits, write them in reverse order.
# 100 steps here, a few seconds:

# %%
# NBVAL_IGNORE_OUTPUT
config = TransformerConfig(src_vocab=VOCAB, tgt_vocab=VOCAB, d_model=32, n_heads=4, d_ff=64,
                           n_layers=2, max_len=12, dropout=0.0, label_smoothing=0.1)
model = Transformer(config, seed=0)
schedule = WarmupSchedule(Adam(beta1=0.9, beta2=0.98, eps=1e-9), d_model=32, warmup_steps=100,
                          factor=2.0)
losses = train_steps(model, schedule, steps=100, m=64, rng=1)
print(f"loss: {np.mean(losses[:10]):.2f} (first 10 steps) -> {np.mean(losses[-10:]):.2f} "
      f"(last 10)")
assert np.mean(losses[-10:]) < 0.75 * np.mean(losses[:10])

# %% [markdown]
# 100 steps are not enough to reverse reliably. The same script run for 1500 steps
# (`python tools/train_transformer_toy.py`, about a minute) ships with seqlab; its accuracy,
# measured again here on 300 fresh examples with greedy decoding:

# %%
trained, meta = load_reversal_model()
acc_shipped = sequence_accuracy(trained, 300, rng=7)
print(f"exact-match accuracy of the shipped model ({meta['steps']} steps): {acc_shipped:.0%}")
assert acc_shipped > 0.95

# %% [markdown]
# The model trained above for 100 steps gets only a few percent right. How few depends on your
# CPU (each floating-point path rounds the last bit its own way, and 100 steps of training turn
# that into a slightly different model): 1-4% on the paths seqlab is tested on, where the
# loss of the last 10 steps was 1.47-1.67.

# %%
# NBVAL_IGNORE_OUTPUT
acc_short = sequence_accuracy(model, 300, rng=7)
print(f"exact-match accuracy after {len(losses)} steps: {acc_short:.0%}")
assert acc_short < 0.2 and acc_short < acc_shipped

# %% [markdown]
# ## 4. The heads, for an input you type
# In the spirit of bertviz's head view, offline: pick the layer with the slider, the attention
# (encoder self-attention, decoder masked self-attention, cross-attention), and type digits.
# The model decodes its own answer greedily and the view shows every head's weights while it
# writes that answer: rows are the queries (who attends), columns the keys.
#
# To write output position $t$, the decoder must read source position $T_x - 1 - t$, so in
# cross-attention a head that solves the task draws the **anti-diagonal**.

# %%
def prepare(text):
    """Digits -> (src, decoder input, source labels, decoder-input labels)."""
    src = np.array([encode_digits(text)])
    if src.shape[1] > 10:
        raise ValueError("at most 10 digits, please")
    answer = trained.greedy_decode(src, BOS, EOS, src.shape[1] + 1)[0]
    tgt_in = np.concatenate([[BOS], answer[:-1]])[None]       # what the decoder was fed
    return (src, tgt_in, [labels[int(t)] for t in src[0]],
            [labels[int(t)] for t in tgt_in[0]])


text = "3 1 4 1 5 9 2"
print(text, "->", decode_digits(prepare(text)[1][0][1:].tolist() + [EOS]))
trace = attention_trace(trained, *prepare(text)[:2])
T_x = len(encode_digits(text))
anti = np.arange(T_x)[::-1]
follows = trace["cross-attention"][:, :, :T_x].argmax(-1) == anti       # (layers, heads, T_x)
for layer in range(2):
    print(f"layer {layer}: share of output positions whose most attended source position is "
          f"the mirrored one, per head:", follows[layer].mean(-1).round(2))
assert follows[1].mean() > 0.9

# %%
# NBVAL_IGNORE_OUTPUT
heads = attention_heads_view(trained, prepare, text, kind="cross-attention")
heads.update(layer=1)
assert len(heads.figure.data) == 4 and np.asarray(heads.figure.data[0].z).shape == (8, 7)
heads

# %% [markdown]
# What to look for:
# - **cross-attention, layer 1**: every head draws the anti-diagonal: output $t$ reads input
#   $T_x - 1 - t$. Layer 0's heads are less sharp: they prepare the queries.
# - **decoder masked self-attention**: everything above the diagonal is exactly 0 (the mask).
# - **encoder self-attention**: the source words exchange information about their positions
#   and neighbours; no single pattern is needed.
# - Type a longer list (up to 10 digits): the model was trained on 3-8 digits only, and the
#   anti-diagonal frays where the reversal fails.
#
# ## Summary
# - Multi-head attention = $h$ scaled dot-product attentions on slices of learned projections,
#   concatenated and mixed by $W_O$.
# - Padding masks hide the pad tokens; the look-ahead mask hides the future; the decoder's
#   self-attention uses both.
# - In a trained model, heads specialise: here the cross-attention heads learn the reversal.
