"""Learners' wrong answers to the exercises of notebooks 10-12 (t-SNE, sentiment, debiasing),
written as learners write them, each with the diagnosis the checker must give (a known
mistake's name, or words of the message). See tests/test_exercises.py.
"""

from __future__ import annotations

import numpy as np

from tests.helpers.catalog import catalog_test, new_catalog

LEARNERS, learner = new_catalog()


# -------------------------------------------------------------------------- conditional_row

@learner("conditional_row", "self included")
def conditional_row_keeps_i(d, beta, i):
    p = np.exp(-beta * d)
    p = p / np.sum(p)
    H = -np.sum(p[p > 0] * np.log2(p[p > 0]))
    return p, 2 ** H


@learner("conditional_row", "natural log")
def conditional_row_nats(d, beta, i):
    p = np.exp(-d * beta)
    p[i] = 0
    p /= p.sum()
    nz = p[p > 0]
    return p, 2 ** (-np.sum(nz * np.log(nz)))


@learner("conditional_row", "e to the H")
def conditional_row_exp(d, beta, i):
    p = np.exp(-d * beta)
    p[i] = 0
    p /= p.sum()
    nz = p[p > 0]
    return p, np.exp(-np.sum(nz * np.log2(nz)))


@learner("conditional_row", "returned entropy")
def conditional_row_entropy(d, beta, i):
    p = np.exp(-d * beta)
    p[i] = 0.0
    p = p / p.sum()
    nz = p[p > 0]
    return p, -np.sum(nz * np.log2(nz))


@learner("conditional_row", "0 log 0")
def conditional_row_nan(d, beta, i):
    p = np.exp(-beta * d)
    p[i] = 0
    p = p / np.sum(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        H = -np.sum(p * np.log2(p))
    return p, 2 ** H


@learner("conditional_row", "beta divides")
def conditional_row_over_beta(d, beta, i):
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        p = np.exp(-d / beta)
    p[i] = 0
    p = p / p.sum()
    nz = p[p > 0]
    return p, 2 ** -np.sum(nz * np.log2(nz))


# ---------------------------------------------------------------------------- tsne_gradient

def _kernel(Y, gaussian=False, keep_diagonal=False):
    sum_Y = np.sum(Y ** 2, axis=1)
    D = sum_Y[:, None] + sum_Y[None, :] - 2 * Y @ Y.T
    num = np.exp(-D) if gaussian else 1 / (1 + D)
    if not keep_diagonal:
        np.fill_diagonal(num, 0)
    return num


@learner("tsne_gradient", "no factor 4")
def tsne_gradient_no_four(P, Y):
    num = _kernel(Y)
    Q = num / np.sum(num)
    dY = np.zeros_like(Y)
    for i in range(Y.shape[0]):
        dY[i] = np.sum(((P[i] - Q[i]) * num[i])[:, None] * (Y[i] - Y), axis=0)
    return dY


@learner("tsne_gradient", "Gaussian q")
def tsne_gradient_gaussian(P, Y):
    num = _kernel(Y, gaussian=True)
    Q = num / np.sum(num)
    W = _kernel(Y)
    dY = np.zeros_like(Y)
    for i in range(Y.shape[0]):
        dY[i] = 4 * np.sum(((P[i] - Q[i]) * W[i])[:, None] * (Y[i] - Y), axis=0)
    return dY


@learner("tsne_gradient", "diagonal in Q")
def tsne_gradient_with_diagonal(P, Y):
    num = _kernel(Y, keep_diagonal=True)
    Q = num / np.sum(num)
    diff = Y[:, None, :] - Y[None, :, :]
    return 4 * np.sum(((P - Q) * num)[:, :, None] * diff, axis=1)


@learner("tsne_gradient", "Q per row")
def tsne_gradient_conditional_q(P, Y):
    num = _kernel(Y)
    Q = num / num.sum(axis=1, keepdims=True)
    diff = Y[:, None, :] - Y[None, :, :]
    return 4 * np.einsum("ij,ijd->id", (P - Q) * num, diff)


@learner("tsne_gradient", "sign")
def tsne_gradient_flipped(P, Y):
    num = _kernel(Y)
    Q = num / np.sum(num)
    diff = Y[None, :, :] - Y[:, None, :]
    return 4 * np.sum(((P - Q) * num)[:, :, None] * diff, axis=1)


@learner("tsne_gradient", "no kernel factor")
def tsne_gradient_sne(P, Y):
    num = _kernel(Y)
    Q = num / np.sum(num)
    diff = Y[:, None, :] - Y[None, :, :]
    return 4 * np.sum((P - Q)[:, :, None] * diff, axis=1)


@learner("tsne_gradient", "kernel not inverted")
def tsne_gradient_times_distance(P, Y):
    num = _kernel(Y)
    Q = num / np.sum(num)
    diff = Y[:, None, :] - Y[None, :, :]
    factor = 1 + np.sum(diff ** 2, axis=2)
    return 4 * np.sum(((P - Q) * factor)[:, :, None] * diff, axis=1)


# -------------------------------------------------------------------------- sentence_to_avg

def _zeros_like_a_vector(word_to_vec_map):
    return np.zeros(word_to_vec_map[next(iter(word_to_vec_map))].shape)


@learner("sentence_to_avg", "no lower")
def sentence_to_avg_as_typed(sentence, word_to_vec_map):
    avg, count = _zeros_like_a_vector(word_to_vec_map), 0
    for w in sentence.split():
        if w in word_to_vec_map:
            avg += word_to_vec_map[w]
            count += 1
    return avg / count if count > 0 else avg


@learner("sentence_to_avg", "sum")
def sentence_to_avg_total(sentence, word_to_vec_map):
    avg = _zeros_like_a_vector(word_to_vec_map)
    for w in sentence.lower().split():
        if w in word_to_vec_map:
            avg += word_to_vec_map[w]
    return avg


@learner("sentence_to_avg", "all words")
def sentence_to_avg_len(sentence, word_to_vec_map):
    words = sentence.lower().split()
    avg = _zeros_like_a_vector(word_to_vec_map)
    for w in words:
        if w in word_to_vec_map:
            avg += word_to_vec_map[w]
    return avg / len(words)


@learner("sentence_to_avg", "key error")
def sentence_to_avg_no_check(sentence, word_to_vec_map):
    words = sentence.lower().split()
    avg = np.mean([word_to_vec_map[w] for w in words], axis=0)
    return avg


@learner("sentence_to_avg", "zero division")
def sentence_to_avg_divides_always(sentence, word_to_vec_map):
    avg, count = _zeros_like_a_vector(word_to_vec_map), 0
    for w in sentence.lower().split():
        if w in word_to_vec_map:
            avg += word_to_vec_map[w]
            count += 1
    with np.errstate(invalid="ignore"):
        return avg / count


@learner("sentence_to_avg", "characters")
def sentence_to_avg_letters(sentence, word_to_vec_map):
    avg, count = _zeros_like_a_vector(word_to_vec_map), 0
    for w in sentence.lower():
        if w in word_to_vec_map:
            avg += word_to_vec_map[w]
            count += 1
    return avg / count if count else avg


# ------------------------------------------------------------------------ sentiment_forward

def _softmax(z, axis=0):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@learner("sentiment_forward", "no bias")
def sentiment_forward_no_b(avg, W, b, y):
    y_hat = _softmax(np.dot(W, avg))
    return y_hat, -np.log(y_hat[y, np.arange(avg.shape[1])])


@learner("sentiment_forward", "axis 1")
def sentiment_forward_rows(avg, W, b, y):
    y_hat = _softmax(np.dot(W, avg) + b, axis=1)
    return y_hat, -np.log(y_hat[y, range(len(y))])


@learner("sentiment_forward", "no max")
def sentiment_forward_overflow(avg, W, b, y):
    z = W @ avg + b
    with np.errstate(over="ignore", invalid="ignore"):
        y_hat = np.exp(z) / np.sum(np.exp(z), axis=0)
        losses = -np.log(y_hat[y, np.arange(len(y))])
    return y_hat, losses


@learner("sentiment_forward", "all classes")
def sentiment_forward_every_log(avg, W, b, y):
    y_hat = _softmax(W @ avg + b)
    return y_hat, -np.sum(np.log(y_hat), axis=0)


@learner("sentiment_forward", "sign")
def sentiment_forward_log_likelihood(avg, W, b, y):
    y_hat = _softmax(W @ avg + b)
    return y_hat, np.log(y_hat[y, np.arange(avg.shape[1])])


@learner("sentiment_forward", "log10")
def sentiment_forward_log10(avg, W, b, y):
    y_hat = _softmax(W @ avg + b)
    losses = np.array([-np.log10(y_hat[y[i], i]) for i in range(len(y))])
    return y_hat, losses


@learner("sentiment_forward", "sigmoid")
def sentiment_forward_sigmoid(avg, W, b, y):
    y_hat = 1 / (1 + np.exp(-(W @ avg + b)))
    return y_hat, -np.log(y_hat[y, np.arange(len(y))])


# ------------------------------------------------------------------------------- neutralize

@learner("neutralize", "norm not squared")
def neutralize_one_norm(word, g, word_to_vec_map):
    e = word_to_vec_map[word]
    e_biascomponent = np.dot(e, g) / np.linalg.norm(g) * g
    return e - e_biascomponent


@learner("neutralize", "no division")
def neutralize_unit_g(word, g, word_to_vec_map):
    e = word_to_vec_map[word]
    return e - np.dot(e, g) * g


@learner("neutralize", "returned bias component")
def neutralize_projection(word, g, word_to_vec_map):
    e = word_to_vec_map[word]
    e_biascomponent = np.dot(e, g) / np.sum(g * g) * g
    return e_biascomponent


@learner("neutralize", "added")
def neutralize_plus(word, g, word_to_vec_map):
    e = word_to_vec_map[word]
    e_biascomponent = (e @ g) / (g @ g) * g
    return e + e_biascomponent


@learner("neutralize", "element-wise")
def neutralize_star(word, g, word_to_vec_map):
    e = word_to_vec_map[word]
    e_biascomponent = (e * g) / np.sum(g ** 2) * g
    return e - e_biascomponent


@learner("neutralize", "divided by e")
def neutralize_norm_of_e(word, g, word_to_vec_map):
    e = word_to_vec_map[word]
    e_biascomponent = np.dot(e, g) / np.linalg.norm(e) ** 2 * g
    return e - e_biascomponent


# --------------------------------------------------------------------------------- equalize

def _parts(pair, bias_axis, word_to_vec_map, squared=True):
    w1, w2 = pair
    e_w1, e_w2 = word_to_vec_map[w1], word_to_vec_map[w2]
    b2 = np.sum(bias_axis ** 2) if squared else np.linalg.norm(bias_axis)
    mu = (e_w1 + e_w2) / 2
    mu_B = np.dot(mu, bias_axis) / b2 * bias_axis
    mu_orth = mu - mu_B
    e_w1B = np.dot(e_w1, bias_axis) / b2 * bias_axis
    e_w2B = np.dot(e_w2, bias_axis) / b2 * bias_axis
    return e_w1, e_w2, mu_B, mu_orth, e_w1B, e_w2B


@learner("equalize", "mu_orth norm not squared")
def equalize_norm_of_mu_orth(pair, bias_axis, word_to_vec_map):
    e_w1, e_w2, mu_B, mu_orth, e_w1B, e_w2B = _parts(pair, bias_axis, word_to_vec_map)
    scale = np.sqrt(np.abs(1 - np.linalg.norm(mu_orth)))
    corrected_e_w1B = scale * (e_w1B - mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B)
    corrected_e_w2B = scale * (e_w2B - mu_B) / np.linalg.norm(e_w2 - mu_orth - mu_B)
    return corrected_e_w1B + mu_orth, corrected_e_w2B + mu_orth


@learner("equalize", "no mu_orth")
def equalize_along_the_axis_only(pair, bias_axis, word_to_vec_map):
    e_w1, e_w2, mu_B, mu_orth, e_w1B, e_w2B = _parts(pair, bias_axis, word_to_vec_map)
    scale = np.sqrt(np.abs(1 - np.sum(mu_orth ** 2)))
    corrected_e_w1B = scale * (e_w1B - mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B)
    corrected_e_w2B = scale * (e_w2B - mu_B) / np.linalg.norm(e_w2 - mu_orth - mu_B)
    return corrected_e_w1B, corrected_e_w2B


@learner("equalize", "norm not squared")
def equalize_axis_norm_once(pair, bias_axis, word_to_vec_map):
    e_w1, e_w2, mu_B, mu_orth, e_w1B, e_w2B = _parts(pair, bias_axis, word_to_vec_map, False)
    scale = np.sqrt(np.abs(1 - np.sum(mu_orth ** 2)))
    e1 = scale * (e_w1B - mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B) + mu_orth
    e2 = scale * (e_w2B - mu_B) / np.linalg.norm(e_w2 - mu_orth - mu_B) + mu_orth
    return e1, e2


@learner("equalize", "no sqrt")
def equalize_without_root(pair, bias_axis, word_to_vec_map):
    e_w1, e_w2, mu_B, mu_orth, e_w1B, e_w2B = _parts(pair, bias_axis, word_to_vec_map)
    scale = np.abs(1 - np.sum(mu_orth ** 2))
    e1 = scale * (e_w1B - mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B) + mu_orth
    e2 = scale * (e_w2B - mu_B) / np.linalg.norm(e_w2 - mu_orth - mu_B) + mu_orth
    return e1, e2


@learner("equalize", "mu_B for mu_orth")
def equalize_adds_mu_b(pair, bias_axis, word_to_vec_map):
    e_w1, e_w2, mu_B, mu_orth, e_w1B, e_w2B = _parts(pair, bias_axis, word_to_vec_map)
    scale = np.sqrt(np.abs(1 - np.sum(mu_orth ** 2)))
    e1 = scale * (e_w1B - mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B) + mu_B
    e2 = scale * (e_w2B - mu_B) / np.linalg.norm(e_w2 - mu_orth - mu_B) + mu_B
    return e1, e2


@learner("equalize", "same vector")
def equalize_copy_paste(pair, bias_axis, word_to_vec_map):
    e_w1, e_w2, mu_B, mu_orth, e_w1B, e_w2B = _parts(pair, bias_axis, word_to_vec_map)
    scale = np.sqrt(np.abs(1 - np.sum(mu_orth ** 2)))
    corrected_e_w1B = scale * (e_w1B - mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B)
    corrected_e_w2B = scale * (e_w1B - mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B)
    return corrected_e_w1B + mu_orth, corrected_e_w2B + mu_orth


@learner("equalize", "mu not halved")
def equalize_sum_for_mean(pair, bias_axis, word_to_vec_map):
    w1, w2 = pair
    e_w1, e_w2 = word_to_vec_map[w1], word_to_vec_map[w2]
    b2 = np.dot(bias_axis, bias_axis)
    mu = e_w1 + e_w2
    mu_B = np.dot(mu, bias_axis) / b2 * bias_axis
    mu_orth = mu - mu_B
    e_w1B = np.dot(e_w1, bias_axis) / b2 * bias_axis
    e_w2B = np.dot(e_w2, bias_axis) / b2 * bias_axis
    scale = np.sqrt(np.abs(1 - np.sum(mu_orth ** 2)))
    return (scale * (e_w1B - mu_B) / np.linalg.norm(e_w1 - mu_orth - mu_B) + mu_orth,
            scale * (e_w2B - mu_B) / np.linalg.norm(e_w2 - mu_orth - mu_B) + mu_orth)


test_a_learners_mistake_gets_its_diagnosis = catalog_test(LEARNERS)
