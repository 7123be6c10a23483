"""Learners' wrong answers to the exercises of notebooks 07-09 (cosine similarity, analogies,
negative sampling, GloVe), written as learners write them, each with the diagnosis the checker
must give (a known mistake's name, or words of the message). See tests/test_exercises.py.
"""

from __future__ import annotations

import numpy as np

from seqlab.embeddings import cosine_similarity as lib_cosine
from tests.helpers.catalog import catalog_test, new_catalog

LEARNERS, learner = new_catalog()


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ------------------------------------------------------------------------ cosine_similarity

@learner("cosine_similarity", "no norm")
def cosine_dot_only(u, v):
    if np.all(u == 0) or np.all(v == 0):
        return 0
    return np.dot(u, v)


@learner("cosine_similarity", "u norm twice")
def cosine_norm_u_twice(u, v):
    dot = np.dot(u, v)
    norm_u = np.sqrt(np.sum(u * u))
    norm_v = np.sqrt(np.sum(u * u))                  # copied from the line above
    if np.isclose(norm_u * norm_v, 0, atol=1e-32):
        return 0
    return dot / (norm_u * norm_v)


@learner("cosine_similarity", "squared norms")
def cosine_no_sqrt(u, v):
    dot = np.dot(u, v)
    norm_u, norm_v = np.sum(u ** 2), np.sum(v ** 2)
    if norm_u * norm_v == 0:
        return 0
    return dot / (norm_u * norm_v)


@learner("cosine_similarity", "euclidean")
def cosine_distance_between(u, v):
    return np.linalg.norm(u - v)


@learner("cosine_similarity", "distance")
def cosine_one_minus(u, v):
    if np.linalg.norm(u) == 0 or np.linalg.norm(v) == 0:
        return 0.0
    return 1 - np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))


@learner("cosine_similarity", "no zero guard")
def cosine_unguarded(u, v):
    return np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))


@learner("cosine_similarity", "l1 norms")
def cosine_l1(u, v):
    norm_u, norm_v = np.sum(np.abs(u)), np.sum(np.abs(v))
    if norm_u == 0 or norm_v == 0:
        return 0
    return np.dot(u, v) / (norm_u * norm_v)


# ------------------------------------------------------------------------- complete_analogy

def _lookup(word_a, word_b, word_c, word_to_vec_map, lower=True):
    if lower:
        word_a, word_b, word_c = word_a.lower(), word_b.lower(), word_c.lower()
    e = word_to_vec_map
    return word_a, word_b, word_c, e[word_a], e[word_b], e[word_c]


@learner("complete_analogy", "best 0")
def complete_analogy_from_zero(word_a, word_b, word_c, word_to_vec_map):
    word_a, word_b, word_c, e_a, e_b, e_c = _lookup(word_a, word_b, word_c, word_to_vec_map)
    max_cosine_sim, best_word = 0, None
    for w in word_to_vec_map.keys():
        if w in [word_a, word_b, word_c]:
            continue
        cosine_sim = lib_cosine(e_b - e_a, word_to_vec_map[w] - e_c)
        if cosine_sim > max_cosine_sim:
            max_cosine_sim, best_word = cosine_sim, w
    return best_word


@learner("complete_analogy", "inputs not excluded")
def complete_analogy_keeps_inputs(word_a, word_b, word_c, word_to_vec_map):
    word_a, word_b, word_c, e_a, e_b, e_c = _lookup(word_a, word_b, word_c, word_to_vec_map)
    max_cosine_sim, best_word = -100, None
    for w in word_to_vec_map:
        cosine_sim = lib_cosine(e_b - e_a, word_to_vec_map[w] - e_c)
        if cosine_sim > max_cosine_sim:
            max_cosine_sim, best_word = cosine_sim, w
    return best_word


@learner("complete_analogy", "sign b-a")
def complete_analogy_a_minus_b(word_a, word_b, word_c, word_to_vec_map):
    word_a, word_b, word_c, e_a, e_b, e_c = _lookup(word_a, word_b, word_c, word_to_vec_map)
    max_cosine_sim, best_word = -100, None
    for w in word_to_vec_map:
        if w in (word_a, word_b, word_c):
            continue
        cosine_sim = lib_cosine(e_a - e_b, word_to_vec_map[w] - e_c)
        if cosine_sim > max_cosine_sim:
            max_cosine_sim, best_word = cosine_sim, w
    return best_word


@learner("complete_analogy", "3cosadd")
def complete_analogy_slide_formula(word_a, word_b, word_c, word_to_vec_map):
    word_a, word_b, word_c, e_a, e_b, e_c = _lookup(word_a, word_b, word_c, word_to_vec_map)
    target = e_b - e_a + e_c
    scores = {w: lib_cosine(vec, target) for w, vec in word_to_vec_map.items()
              if w not in (word_a, word_b, word_c)}
    return max(scores, key=scores.get)


@learner("complete_analogy", "not lowercased")
def complete_analogy_case_sensitive(word_a, word_b, word_c, word_to_vec_map):
    e_a, e_b, e_c = (word_to_vec_map[w] for w in (word_a, word_b, word_c))
    max_cosine_sim, best_word = -100, None
    for w in word_to_vec_map:
        if w in [word_a, word_b, word_c]:
            continue
        cosine_sim = lib_cosine(e_b - e_a, word_to_vec_map[w] - e_c)
        if cosine_sim > max_cosine_sim:
            max_cosine_sim, best_word = cosine_sim, w
    return best_word


@learner("complete_analogy", "euclidean")
def complete_analogy_nearest_offset(word_a, word_b, word_c, word_to_vec_map):
    word_a, word_b, word_c, e_a, e_b, e_c = _lookup(word_a, word_b, word_c, word_to_vec_map)
    best, best_word = np.inf, None
    for w, e_w in word_to_vec_map.items():
        if w in (word_a, word_b, word_c):
            continue
        d = np.linalg.norm((e_b - e_a) - (e_w - e_c))
        if d < best:
            best, best_word = d, w
    return best_word


# ------------------------------------------------------------------- negative_sampling_loss

def _scores(e_c, theta_t, theta_neg):
    s_pos = np.sum(theta_t * e_c, axis=0)                          # (m,)
    s_neg = np.sum(theta_neg * e_c[:, :, None], axis=0)            # (m, k)
    return s_pos, s_neg


@learner("negative_sampling_loss", "negatives not negated")
def ns_loss_plus_sign(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    J = -(np.log(sigmoid(s_pos)) + np.sum(np.log(sigmoid(s_neg)), axis=1))
    return np.mean(J)


@learner("negative_sampling_loss", "no minus")
def ns_loss_likelihood(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    return np.mean(np.log(sigmoid(s_pos)) + np.log(sigmoid(-s_neg)).sum(axis=1))


@learner("negative_sampling_loss", "sum not mean")
def ns_loss_total(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    return -np.sum(np.log(sigmoid(s_pos))) - np.sum(np.log(sigmoid(-s_neg)))


@learner("negative_sampling_loss", "sum inside sigmoid")
def ns_loss_one_negative_score(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    return np.mean(-np.log(sigmoid(s_pos)) - np.log(sigmoid(-np.sum(s_neg, axis=1))))


@learner("negative_sampling_loss", "mean over negatives")
def ns_loss_averaged_negatives(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    return np.mean(-np.log(sigmoid(s_pos)) - np.mean(np.log(sigmoid(-s_neg)), axis=1))


@learner("negative_sampling_loss", "no positive term")
def ns_loss_negatives_only(e_c, theta_t, theta_neg):
    _, s_neg = _scores(e_c, theta_t, theta_neg)
    return -np.sum(np.log(sigmoid(-s_neg))) / e_c.shape[1]


@learner("negative_sampling_loss", "no log")
def ns_loss_probabilities(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    return -np.mean(sigmoid(s_pos) + sigmoid(-s_neg).sum(axis=1))


# ------------------------------------------------------------------- negative_sampling_grad

def _ns_grad(e_c, theta_t, theta_neg, g_pos, g_neg, with_negatives=True, t_from_theta=False):
    de_c = g_pos * theta_t + (np.sum(g_neg[None] * theta_neg, axis=2) if with_negatives else 0)
    dtheta_t = g_pos * (theta_t if t_from_theta else e_c)
    return de_c, dtheta_t, g_neg[None] * e_c[:, :, None]


@learner("negative_sampling_grad", "positive sign")
def ns_grad_one_minus(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    m = e_c.shape[1]
    return _ns_grad(e_c, theta_t, theta_neg, (1 - sigmoid(s_pos)) / m, sigmoid(s_neg) / m)


@learner("negative_sampling_grad", "negatives minus one")
def ns_grad_same_rule_for_negatives(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    m = e_c.shape[1]
    return _ns_grad(e_c, theta_t, theta_neg, (sigmoid(s_pos) - 1) / m, (sigmoid(s_neg) - 1) / m)


@learner("negative_sampling_grad", "sigma of minus s")
def ns_grad_sigma_minus(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    m = e_c.shape[1]
    return _ns_grad(e_c, theta_t, theta_neg, (sigmoid(s_pos) - 1) / m, sigmoid(-s_neg) / m)


@learner("negative_sampling_grad", "no 1/m")
def ns_grad_of_the_sum(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    return _ns_grad(e_c, theta_t, theta_neg, sigmoid(s_pos) - 1, sigmoid(s_neg))


@learner("negative_sampling_grad", "de_c without negatives")
def ns_grad_center_from_target(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    m = e_c.shape[1]
    return _ns_grad(e_c, theta_t, theta_neg, (sigmoid(s_pos) - 1) / m, sigmoid(s_neg) / m,
                    with_negatives=False)


@learner("negative_sampling_grad", "dtheta_t from theta")
def ns_grad_theta_times_theta(e_c, theta_t, theta_neg):
    s_pos, s_neg = _scores(e_c, theta_t, theta_neg)
    m = e_c.shape[1]
    return _ns_grad(e_c, theta_t, theta_neg, (sigmoid(s_pos) - 1) / m, sigmoid(s_neg) / m,
                    t_from_theta=True)


# ----------------------------------------------------------------------- weighting_function

@learner("weighting_function", "no cap")
def weighting_power_only(x, x_max, alpha):
    return (x / x_max) ** alpha


@learner("weighting_function", "branches swapped")
def weighting_swapped(x, x_max, alpha):
    return np.where(x < x_max, 1.0, np.power(x / x_max, alpha))


@learner("weighting_function", "no alpha")
def weighting_linear(x, x_max, alpha):
    return np.minimum(x / x_max, 1.0)


@learner("weighting_function", "alpha outside")
def weighting_power_of_x(x, x_max, alpha):
    return np.where(x < x_max, x ** alpha / x_max, 1)


@learner("weighting_function", "inverted ratio")
def weighting_upside_down(x, x_max, alpha):
    with np.errstate(divide="ignore"):
        return np.where(x < x_max, (x_max / x) ** alpha, 1.0)


@learner("weighting_function", "python if")
def weighting_scalar_if(x, x_max, alpha):
    if x < x_max:
        return (x / x_max) ** alpha
    return 1.0


# ------------------------------------------------------------------------- glove_loss_terms

def _f(X_ij, x_max, alpha):
    return np.where(X_ij < x_max, (X_ij / x_max) ** alpha, 1.0)


@learner("glove_loss_terms", "no weighting")
def glove_terms_unweighted(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
    diff = np.sum(w_i * w_tilde_j, axis=1) + b_i + b_tilde_j - np.log(X_ij)
    return diff ** 2


@learner("glove_loss_terms", "X not log")
def glove_terms_raw_counts(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
    diff = np.sum(w_i * w_tilde_j, axis=1) + b_i + b_tilde_j - X_ij
    return _f(X_ij, x_max, alpha) * diff ** 2


@learner("glove_loss_terms", "no square")
def glove_terms_linear(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
    diff = np.einsum("bd,bd->b", w_i, w_tilde_j) + b_i + b_tilde_j - np.log(X_ij)
    return _f(X_ij, x_max, alpha) * diff


@learner("glove_loss_terms", "half")
def glove_terms_half(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
    diff = np.sum(w_i * w_tilde_j, axis=1) + b_i + b_tilde_j - np.log(X_ij)
    return 0.5 * _f(X_ij, x_max, alpha) * np.square(diff)


@learner("glove_loss_terms", "no context bias")
def glove_terms_one_bias(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
    diff = np.sum(w_i * w_tilde_j, axis=1) + b_i - np.log(X_ij)
    return _f(X_ij, x_max, alpha) * diff ** 2


@learner("glove_loss_terms", "summed")
def glove_terms_total(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
    J = 0.0
    for k in range(len(X_ij)):
        diff = w_i[k] @ w_tilde_j[k] + b_i[k] + b_tilde_j[k] - np.log(X_ij[k])
        J += min((X_ij[k] / x_max) ** alpha, 1.0) * diff ** 2
    return J


@learner("glove_loss_terms", "f squared")
def glove_terms_f_inside(w_i, w_tilde_j, b_i, b_tilde_j, X_ij, x_max, alpha):
    diff = np.sum(w_i * w_tilde_j, axis=1) + b_i + b_tilde_j - np.log(X_ij)
    return (_f(X_ij, x_max, alpha) * diff) ** 2


test_a_learners_mistake_gets_its_diagnosis = catalog_test(LEARNERS)
