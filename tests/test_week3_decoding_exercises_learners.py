"""Learners' wrong answers to the exercises of notebooks 13-18 (a sentence's log-probability,
beam search, error analysis, BLEU, attention, captioning), written as learners write them, each
with the diagnosis the checker must give (a known mistake's name, or words of the message).
See tests/test_exercises.py.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from tests.helpers.catalog import catalog_test, new_catalog

LEARNERS, learner = new_catalog()


# ----------------------------------------------------------------- sequence_log_probability

@learner("sequence_log_probability", "product")
def sequence_probability(step_fn, init_state, bos, tokens):
    prob, state, last = 1.0, init_state, bos
    for y in tokens:
        log_probs, state = step_fn(np.array([last]), state)
        prob *= np.exp(log_probs[0, y])
        last = y
    return prob


@learner("sequence_log_probability", "summed probabilities")
def sequence_sum_of_probabilities(step_fn, init_state, bos, tokens):
    total, state, last = 0.0, init_state, bos
    for y in tokens:
        log_probs, state = step_fn(np.array([last]), state)
        total += np.exp(log_probs[0, y])
        last = y
    return total


@learner("sequence_log_probability", "without eos")
def sequence_stops_before_eos(step_fn, init_state, bos, tokens):
    total, state, last = 0.0, init_state, bos
    for y in tokens[:-1]:
        log_probs, state = step_fn(np.array([last]), state)
        total += log_probs[0, y]
        last = y
    return total


@learner("sequence_log_probability", "state not carried")
def sequence_fresh_state(step_fn, init_state, bos, tokens):
    total, last = 0.0, bos
    for y in tokens:
        log_probs, _ = step_fn(np.array([last]), init_state)
        total += log_probs[0, y]
        last = y
    return total


@learner("sequence_log_probability", "argmax")
def sequence_best_tokens(step_fn, init_state, bos, tokens):
    total, state, last = 0.0, init_state, bos
    for y in tokens:
        log_probs, state = step_fn(np.array([last]), state)
        total += np.max(log_probs[0])
        last = y
    return total


@learner("sequence_log_probability", "mean")
def sequence_normalised(step_fn, init_state, bos, tokens):
    total, state, last = 0.0, init_state, bos
    for y in tokens:
        log_probs, state = step_fn(np.array([last]), state)
        total += log_probs[0, y]
        last = y
    return total / len(tokens)


# -------------------------------------------------------------------------------- beam_step

@learner("beam_step", "no prefix")
def beam_step_new_token_only(log_probs, scores, beam_width):
    k, V = log_probs.shape
    flat = log_probs.reshape(-1)
    best = np.argsort(-flat)[:beam_width]
    hyp, tok = best // V, best % V
    return hyp, tok, scores[hyp] + log_probs[hyp, tok]


@learner("beam_step", "multiplied")
def beam_step_product_of_logs(log_probs, scores, beam_width):
    V = log_probs.shape[1]
    total = (scores[:, None] * log_probs).flatten()
    best = np.argsort(total)[::-1][:beam_width]
    return best // V, best % V, total[best]


@learner("beam_step", "per hypothesis")
def beam_step_best_child_each(log_probs, scores, beam_width):
    total = scores[:, None] + log_probs
    hyp_idx, tokens, new_scores = [], [], []
    for i in range(total.shape[0]):
        v = int(np.argmax(total[i]))
        hyp_idx.append(i)
        tokens.append(v)
        new_scores.append(total[i, v])
    order = np.argsort(-np.array(new_scores), kind="stable")[:beam_width]
    return np.array(hyp_idx)[order], np.array(tokens)[order], np.array(new_scores)[order]


@learner("beam_step", "smallest")
def beam_step_ascending(log_probs, scores, beam_width):
    V = log_probs.shape[1]
    total = (scores[:, None] + log_probs).ravel()
    best = np.argsort(total)[:beam_width]
    return best // V, best % V, total[best]


@learner("beam_step", "divmod swapped")
def beam_step_mod_div(log_probs, scores, beam_width):
    V = log_probs.shape[1]
    total = (scores.reshape(-1, 1) + log_probs).ravel()
    best = np.argsort(-total, kind="stable")[:beam_width]
    return best % V, best // V, total[best]


@learner("beam_step", "token score")
def beam_step_returns_token_log_prob(log_probs, scores, beam_width):
    V = log_probs.shape[1]
    total = (scores[:, None] + log_probs).ravel()
    best = np.argsort(-total, kind="stable")[:beam_width]
    return best // V, best % V, log_probs.ravel()[best]


# -------------------------------------------------------------------------- search_at_fault

@learner("search_at_fault", "flipped")
def search_at_fault_when_model_prefers_hat(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    return log_p_ref / T_ref ** alpha < log_p_hat / T_hat ** alpha


@learner("search_at_fault", "ties to search")
def search_at_fault_ge(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    return np.asarray(log_p_ref) / np.power(T_ref, alpha) >= np.asarray(log_p_hat) / np.power(
        T_hat, alpha)


@learner("search_at_fault", "no normalization")
def search_at_fault_plain(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    return np.asarray(log_p_ref) > np.asarray(log_p_hat)


@learner("search_at_fault", "mean per token")
def search_at_fault_per_token(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    return np.asarray(log_p_ref) / np.asarray(T_ref) > np.asarray(log_p_hat) / np.asarray(T_hat)


@learner("search_at_fault", "multiplied")
def search_at_fault_times_length(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    T_ref, T_hat = np.asarray(T_ref, float), np.asarray(T_hat, float)
    return log_p_ref * T_ref ** alpha > log_p_hat * T_hat ** alpha


@learner("search_at_fault", "reference only")
def search_at_fault_one_side(log_p_ref, log_p_hat, T_ref, T_hat, alpha):
    score_ref = np.asarray(log_p_ref) / np.asarray(T_ref, float) ** alpha
    return score_ref > np.asarray(log_p_hat)


# ----------------------------------------------------------------------- modified_precision

def ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


@learner("modified_precision", "no clipping")
def modified_precision_unclipped(hypothesis, references, n):
    h = ngrams(hypothesis, n)
    total = sum(h.values())
    if total == 0:
        return 0.0
    refs = set().union(*(ngrams(r, n) for r in references))
    return sum(c for g, c in h.items() if g in refs) / total


@learner("modified_precision", "sum over references")
def modified_precision_summed_clip(hypothesis, references, n):
    h = ngrams(hypothesis, n)
    total = sum(h.values())
    if total == 0:
        return 0.0
    max_counts = Counter()
    for r in references:
        max_counts += ngrams(r, n)                   # adds the counts: a sum, not a max
    return sum(min(c, max_counts[g]) for g, c in h.items()) / total


@learner("modified_precision", "first reference")
def modified_precision_one_reference(hypothesis, references, n):
    h, ref = ngrams(hypothesis, n), ngrams(references[0], n)
    total = sum(h.values())
    return sum(min(c, ref[g]) for g, c in h.items()) / total if total else 0.0


@learner("modified_precision", "set")
def modified_precision_distinct(hypothesis, references, n):
    grams = {tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n + 1)}
    if not grams:
        return 0.0
    refs = [ngrams(r, n) for r in references]
    return sum(min(1, max(rc[g] for rc in refs)) for g in grams) / len(grams)


@learner("modified_precision", "last n-gram lost")
def modified_precision_range_short(hypothesis, references, n):
    h = Counter(tuple(hypothesis[i:i + n]) for i in range(len(hypothesis) - n))
    total = sum(h.values())
    if total == 0:
        return 0.0
    refs = [ngrams(r, n) for r in references]
    return sum(min(c, max(rc[g] for rc in refs)) for g, c in h.items()) / total


@learner("modified_precision", "unigrams only")
def modified_precision_words(hypothesis, references, n):
    h = Counter(hypothesis)
    refs = [Counter(r) for r in references]
    total = sum(h.values())
    return sum(min(c, max(rc[w] for rc in refs)) for w, c in h.items()) / total if total else 0.0


# -------------------------------------------------------------------------- brevity_penalty

def _closest(c, references):
    return min((len(r) for r in references), key=lambda x: (abs(c - x), x))


@learner("brevity_penalty", "inverted")
def brevity_penalty_c_over_r(hypothesis, references):
    c = len(hypothesis)
    r = _closest(c, references)
    return 1.0 if c > r else math.exp(1 - c / r)


@learner("brevity_penalty", "always")
def brevity_penalty_every_time(hypothesis, references):
    c = len(hypothesis)
    return math.exp(1 - _closest(c, references) / c)


@learner("brevity_penalty", "no exp")
def brevity_penalty_without_exp(hypothesis, references):
    c = len(hypothesis)
    r = _closest(c, references)
    return 1.0 if c > r else 1 - r / c


@learner("brevity_penalty", "shortest reference")
def brevity_penalty_min_length(hypothesis, references):
    c, r = len(hypothesis), min(len(ref) for ref in references)
    return 1.0 if c > r else np.exp(1 - r / c)


@learner("brevity_penalty", "longest reference")
def brevity_penalty_max_length(hypothesis, references):
    c, r = len(hypothesis), max(len(ref) for ref in references)
    return 1.0 if c > r else np.exp(1 - r / c)


@learner("brevity_penalty", "ties to longer")
def brevity_penalty_closest_first_seen_longer(hypothesis, references):
    c = len(hypothesis)
    r = sorted((len(ref) for ref in references), key=lambda x: (abs(c - x), -x))[0]
    return 1.0 if c > r else math.exp(1 - r / c)


# ----------------------------------------------------------------------- one_step_attention

def _energies(s_prev, a, params, order="s first", hidden=np.tanh, out="relu"):
    T_x = a.shape[2]
    s_rep = np.repeat(s_prev[:, :, np.newaxis], T_x, axis=2)
    concat = np.concatenate([s_rep, a] if order == "s first" else [a, s_rep], axis=0)
    e = hidden(np.einsum("ek,kmt->emt", params["W_e1"], concat) + params["b_e1"][:, :, None])
    z = np.einsum("oe,emt->mt", params["W_e2"], e) + params["b_e2"][0, 0]
    return {"relu": np.maximum(0, z), "tanh": np.tanh(z), "linear": z}[out]


def _softmax(z, axis):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@learner("one_step_attention", "softmax over m")
def one_step_attention_over_examples(s_prev, a, params):
    alphas = _softmax(_energies(s_prev, a, params), axis=0)
    return np.sum(alphas[None] * a, axis=2), alphas


@learner("one_step_attention", "concat order")
def one_step_attention_a_first(s_prev, a, params):
    alphas = _softmax(_energies(s_prev, a, params, order="a first"), axis=1)
    return np.sum(alphas[None] * a, axis=2), alphas


@learner("one_step_attention", "no relu")
def one_step_attention_linear_energy(s_prev, a, params):
    alphas = _softmax(_energies(s_prev, a, params, out="linear"), axis=1)
    return np.sum(alphas[None] * a, axis=2), alphas


@learner("one_step_attention", "swapped activations")
def one_step_attention_relu_then_tanh(s_prev, a, params):
    alphas = _softmax(_energies(s_prev, a, params, hidden=lambda z: np.maximum(z, 0),
                                out="tanh"), axis=1)
    return np.sum(alphas[None] * a, axis=2), alphas


@learner("one_step_attention", "context from energies")
def one_step_attention_weights_by_energies(s_prev, a, params):
    energies = _energies(s_prev, a, params)
    alphas = _softmax(energies, axis=1)
    return np.sum(energies[None] * a, axis=2), alphas


@learner("one_step_attention", "mean context")
def one_step_attention_average(s_prev, a, params):
    alphas = _softmax(_energies(s_prev, a, params), axis=1)
    return np.mean(a, axis=2), alphas


# --------------------------------------------------------------------------- image_to_state

@learner("image_to_state", "no tanh")
def image_to_state_linear(v, W_a, b_a, W_c, b_c):
    return np.dot(W_a, v) + b_a, np.dot(W_c, v) + b_c


@learner("image_to_state", "sigmoid")
def image_to_state_sigmoid(v, W_a, b_a, W_c, b_c):
    return 1 / (1 + np.exp(-(W_a @ v + b_a))), 1 / (1 + np.exp(-(W_c @ v + b_c)))


@learner("image_to_state", "no bias")
def image_to_state_no_biases(v, W_a, b_a, W_c, b_c):
    return np.tanh(W_a @ v), np.tanh(W_c @ v)


@learner("image_to_state", "shared weights")
def image_to_state_one_layer(v, W_a, b_a, W_c, b_c):
    a0 = np.tanh(W_a @ v + b_a)
    return a0, a0.copy()


@learner("image_to_state", "zero memory")
def image_to_state_empty_memory(v, W_a, b_a, W_c, b_c):
    a0 = np.tanh(W_a @ v + b_a)
    return a0, np.zeros_like(a0)


@learner("image_to_state", "swapped")
def image_to_state_c_first(v, W_a, b_a, W_c, b_c):
    c0 = np.tanh(W_a @ v + b_a)
    a0 = np.tanh(W_c @ v + b_c)
    return a0, c0


test_a_learners_mistake_gets_its_diagnosis = catalog_test(LEARNERS)
