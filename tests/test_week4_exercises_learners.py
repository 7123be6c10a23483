"""Learners' wrong answers to the exercises of notebooks 23-26 (attention, heads, positional
encoding, the learning-rate schedule, label smoothing), written as learners write them, each
with the diagnosis the checker must give (a known mistake's name, or words of the message).
See tests/test_exercises.py.
"""

from __future__ import annotations

import numpy as np

from tests.helpers.catalog import catalog_test, new_catalog

LEARNERS, learner = new_catalog()


# ------------------------------------------------------------- scaled_dot_product_attention

def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@learner("scaled_dot_product_attention", "K.T")
def sdpa_k_t(Q, K, V, mask):
    matmul_qk = np.matmul(Q, K.T)
    scaled_attention_logits = matmul_qk / np.sqrt(K.shape[-1])
    if mask is not None:
        scaled_attention_logits += (1.0 - mask) * -1e9
    attention_weights = _softmax(scaled_attention_logits)
    return np.matmul(attention_weights, V), attention_weights


@learner("scaled_dot_product_attention", "mask inverted")
def sdpa_mask_added_where_allowed(Q, K, V, mask):
    logits = np.matmul(Q, np.swapaxes(K, -1, -2)) / np.sqrt(K.shape[-1])
    if mask is not None:
        logits += mask * -1e9
    w = _softmax(logits)
    return w @ V, w


@learner("scaled_dot_product_attention", "scale by d_k")
def sdpa_divided_by_dk(Q, K, V, mask):
    logits = Q @ np.swapaxes(K, -1, -2) / Q.shape[-1]
    if mask is not None:
        logits = np.where(mask, logits, -1e9)
    w = _softmax(logits)
    return w @ V, w


@learner("scaled_dot_product_attention", "softmax over queries")
def sdpa_softmax_axis_minus_2(Q, K, V, mask):
    logits = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        logits = np.where(mask, logits, -1e9)
    w = _softmax(logits, axis=-2)
    return w @ V, w


@learner("scaled_dot_product_attention", "mask ignored")
def sdpa_no_mask(Q, K, V, mask):
    w = _softmax(Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1]))
    return w @ V, w


@learner("scaled_dot_product_attention", "mask after softmax")
def sdpa_zero_after(Q, K, V, mask):
    w = _softmax(Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1]))
    if mask is not None:
        w = w * mask
    return w @ V, w


@learner("scaled_dot_product_attention", "no scale")
def sdpa_unscaled(Q, K, V, mask):
    logits = np.einsum("...qd,...kd->...qk", Q, K)
    if mask is not None:
        logits = np.where(mask, logits, -1e9)
    w = _softmax(logits)
    return np.einsum("...qk,...kv->...qv", w, V), w


# ------------------------------------------------------------------------------ split_heads

@learner("split_heads", "reshape only")
def split_heads_one_reshape(x, n_heads):
    m, T, d_model = x.shape
    return x.reshape(m, n_heads, T, d_model // n_heads)


@learner("split_heads", "strided heads")
def split_heads_depth_first(x, n_heads):
    m, T, d_model = x.shape
    return x.reshape(m, T, d_model // n_heads, n_heads).transpose(0, 3, 1, 2)


@learner("split_heads", "no transpose")
def split_heads_no_move(x, n_heads):
    m, T, d_model = x.shape
    return x.reshape(m, T, n_heads, d_model // n_heads)


@learner("split_heads", "keys transposed")
def split_heads_t_last(x, n_heads):
    m, T, d_model = x.shape
    return np.transpose(x.reshape(m, T, n_heads, -1), (0, 2, 3, 1))


@learner("split_heads", ".T")
def split_heads_dot_t(x, n_heads):
    m, T, d_model = x.shape
    return x.reshape(m, T, n_heads, d_model // n_heads).T


@learner("split_heads", "float d_k")
def split_heads_true_division(x, n_heads):
    m, T, d_model = x.shape
    depth = d_model / n_heads
    return x.reshape(m, T, n_heads, depth).transpose(0, 2, 1, 3)


# ------------------------------------------------------------------------------- get_angles

@learner("get_angles", "k for i")
def get_angles_k(pos, k, d):
    return pos / np.power(10000, (2 * k) / np.float64(d))


@learner("get_angles", "float k/2")
def get_angles_half_k(pos, k, d):
    i = k / 2
    return pos / np.power(10000, 2 * i / d)


@learner("get_angles", "no factor 2")
def get_angles_i_over_d(pos, k, d):
    i = k // 2
    return pos / np.power(10000, i / d)


@learner("get_angles", "precedence")
def get_angles_power_first(pos, k, d):
    i = k // 2
    return pos / (10000.0 ** (2 * i) / d)


@learner("get_angles", "times")
def get_angles_multiplied(pos, k, d):
    return pos * np.power(10000, 2 * (k // 2) / d)


@learner("get_angles", "base 1000")
def get_angles_thousand(pos, k, d):
    return pos / 1000 ** (2 * (k // 2) / d)


# ---------------------------------------------------------------------- positional_encoding

def _angles(positions, d, start=0):
    pos = np.arange(start, positions + start)[:, np.newaxis]
    k = np.arange(d)[np.newaxis, :]
    return pos / np.power(10000, (2 * (k // 2)) / np.float64(d))


@learner("positional_encoding", "swapped")
def positional_encoding_cos_first(positions, d):
    angle_rads = _angles(positions, d)
    angle_rads[:, 0::2] = np.cos(angle_rads[:, 0::2])
    angle_rads[:, 1::2] = np.sin(angle_rads[:, 1::2])
    return angle_rads[np.newaxis, ...]


@learner("positional_encoding", "sin everywhere")
def positional_encoding_all_sines(positions, d):
    return np.sin(_angles(positions, d))[np.newaxis, ...]


@learner("positional_encoding", "halves")
def positional_encoding_concatenated(positions, d):
    angle_rads = _angles(positions, d)
    sines, cosines = np.sin(angle_rads[:, 0::2]), np.cos(angle_rads[:, 1::2])
    return np.concatenate([sines, cosines], axis=-1)[np.newaxis, ...]


@learner("positional_encoding", "starts at 1")
def positional_encoding_from_one(positions, d):
    angle_rads = _angles(positions, d, start=1)
    angle_rads[:, 0::2] = np.sin(angle_rads[:, 0::2])
    angle_rads[:, 1::2] = np.cos(angle_rads[:, 1::2])
    return angle_rads[np.newaxis, ...]


@learner("positional_encoding", "no batch axis")
def positional_encoding_2d(positions, d):
    angle_rads = _angles(positions, d)
    angle_rads[:, 0::2] = np.sin(angle_rads[:, 0::2])
    angle_rads[:, 1::2] = np.cos(angle_rads[:, 1::2])
    return angle_rads


@learner("positional_encoding", "transposed")
def positional_encoding_features_first(positions, d):
    angle_rads = _angles(positions, d)
    angle_rads[:, 0::2] = np.sin(angle_rads[:, 0::2])
    angle_rads[:, 1::2] = np.cos(angle_rads[:, 1::2])
    return angle_rads.T[np.newaxis, ...]


# --------------------------------------------------------------------------- transformer_lr

@learner("transformer_lr", "no warm-up")
def transformer_lr_decay_only(step, d_model, warmup_steps):
    return d_model ** -0.5 * step ** -0.5


@learner("transformer_lr", "max for min")
def transformer_lr_max(step, d_model, warmup_steps):
    return d_model ** -0.5 * max(step ** -0.5, step * warmup_steps ** -1.5)


@learner("transformer_lr", "warmup^-0.5")
def transformer_lr_wrong_warmup_power(step, d_model, warmup_steps):
    return d_model ** -0.5 * min(step ** -0.5, step * warmup_steps ** -0.5)


@learner("transformer_lr", "times sqrt(d_model)")
def transformer_lr_sqrt_d(step, d_model, warmup_steps):
    return np.sqrt(d_model) * min(step ** -0.5, step * warmup_steps ** -1.5)


@learner("transformer_lr", "no d_model")
def transformer_lr_unscaled(step, d_model, warmup_steps):
    arg1 = step ** -0.5
    arg2 = step * warmup_steps ** -1.5
    return min(arg1, arg2)


@learner("transformer_lr", "no step in the warm-up")
def transformer_lr_flat_warmup(step, d_model, warmup_steps):
    return d_model ** -0.5 * np.minimum(step ** -0.5, warmup_steps ** -1.5)


# ---------------------------------------------------------------------------- smooth_labels

@learner("smooth_labels", "eps/(V-1) on the others")
def smooth_labels_other_convention(y, V, epsilon):
    q = np.full((len(y), V), epsilon / (V - 1))
    q[np.arange(len(y)), y] = 1 - epsilon
    return q


@learner("smooth_labels", "no 1 - eps")
def smooth_labels_added(y, V, epsilon):
    return np.eye(V)[y] + epsilon / V


@learner("smooth_labels", "eps only on the others")
def smooth_labels_others_only(y, V, epsilon):
    q = np.full((len(y), V), epsilon / V)
    q[np.arange(len(y)), y] = 1 - epsilon
    return q


@learner("smooth_labels", "eps not divided by V")
def smooth_labels_whole_eps(y, V, epsilon):
    return (1 - epsilon) * np.eye(V)[y] + epsilon


@learner("smooth_labels", "inverted one-hot")
def smooth_labels_everywhere_but_y(y, V, epsilon):
    onehot = np.eye(V)[y]
    return (1 - epsilon) * (1 - onehot) + epsilon / V


@learner("smooth_labels", "transposed")
def smooth_labels_classes_first(y, V, epsilon):
    return ((1 - epsilon) * np.eye(V)[y] + epsilon / V).T


test_a_learners_mistake_gets_its_diagnosis = catalog_test(LEARNERS)
