"""Exercises of notebook 10 (t-SNE): ``conditional_row`` and ``tsne_gradient``.

``conditional_row(d, beta, i)`` is eq. (1)-(2) for one point: the Gaussian neighbour
probabilities p_{j|i} from its squared distances at a given precision β, and their perplexity
2^H. The library computes all rows at once inside the bisection of
:func:`seqlab.embeddings.tsne.conditional_probabilities`; the reference here is that formula
for one row (tests/test_tsne_exercises.py checks it against the library's rows at the β the
bisection found, and the perplexity against the target). ``tsne_gradient(P, Y)`` is eq. (3)
and (5), checked against :func:`seqlab.embeddings.tsne.kl_divergence_and_gradient`.
"""

from __future__ import annotations

import numpy as np

from seqlab.embeddings.tsne import joint_probabilities, kl_divergence_and_gradient, sq_distances
from seqlab.exercises.core import Case, Exercise, Mistake

# ------------------------------------------------------------------------- conditional_row


def _conditional_bug(d, beta, i, bug=None):
    """Eqs. (1)-(2) for row i in plain NumPy with one known ``bug`` switched on."""
    d = np.asarray(d, dtype=float)
    with np.errstate(all="ignore"):
        if bug == "no minus":
            e = np.exp(beta * d)
        elif bug == "beta divides":
            e = np.exp(-d / beta)
        else:
            e = np.exp(-beta * d)                              # (1) numerators
        if bug != "self included":
            e[i] = 0.0                                         # j = i is not a neighbour
        p = e if bug == "not normalised" else e / e.sum()      # (1)
        if bug == "0 log 0":
            H = -np.sum(p * np.log2(p))                        # p_{i|i} = 0 gives nan
        else:
            nz = p[p > 0]
            log = np.log if bug == "natural log" else np.log2
            H = -np.sum(nz * log(nz))                          # (2) entropy in bits
        perplexity = {"returned entropy": H, "e to the H": np.exp(H)}.get(bug, 2.0 ** H)
    return p, float(perplexity)


def conditional_row(d, beta, i):
    """p_{j|i} (N,) of eq. (1) at precision beta, p_{i|i} = 0, and the perplexity 2^H (2).

    The rows of :func:`seqlab.embeddings.tsne.conditional_probabilities` at the β its bisection
    finds (which also shifts d by its smallest off-diagonal value first: same p, no underflow).
    """
    e = np.exp(-beta * np.asarray(d, dtype=float))   # (N,) Gaussian numerators
    e[i] = 0.0                                       # j = i is not a neighbour
    p = e / e.sum()                                  # (1)
    nz = p[p > 0]                                    # 0 log 0 = 0
    H = -np.sum(nz * np.log2(nz))                    # (2) entropy in bits
    return p, float(2.0 ** H)


def _conditional_mistake(bug):
    return lambda d, beta, i: _conditional_bug(d, beta, i, bug)


def _row_case(N, D, i, beta, scale=1.0):
    def make(r):
        X = r.normal(size=(N, D)) * scale
        return {"d": sq_distances(X)[i], "beta": beta, "i": i}
    return make


CONDITIONAL_ROW = Exercise(
    name="conditional_row",
    signature="conditional_row(d, beta, i) -> (p, perplexity)",
    reference=conditional_row,
    library_name="seqlab.embeddings.tsne.conditional_probabilities",
    week="2",
    output_names=("p", "perplexity"),
    steps=[("p", "p_{j|i} = exp(-β d_j) / Σ_{k≠i} exp(-β d_k) with p_{i|i} = 0 (1)."),
           ("perplexity", "p is right, so the perplexity is not: 2^H with the entropy in bits, "
            "H = -Σ_j p_j log₂ p_j, terms with p_j = 0 left out (2).")],
    cases=[
        Case("N = 6 points in 3-D, i = 0, β = 0.5", _row_case(6, 3, 0, 0.5)),
        Case("i = 3 in the middle, β = 0.2", _row_case(8, 4, 3, 0.2)),
        Case("β = 0: every other point equally likely, perplexity N - 1 = 6",
             _row_case(7, 3, 2, 0.0), isolates="the exclusion of j = i"),
        Case("a large β = 3: nearly all the mass on the nearest neighbour",
             _row_case(6, 2, 5, 3.0)),
        Case("N = 40 points in 50-D like GloVe words, β = 0.02", _row_case(40, 50, 17, 0.02)),
    ],
    mistakes=[
        Mistake("self included", _conditional_mistake("self included"),
                "j = i is not a neighbour of i: set p_{i|i} = 0 before normalising (the sum in "
                "(1) runs over k ≠ i). Your point i picked itself with exp(0) = 1, the largest "
                "weight of all."),
        Mistake("natural log", _conditional_mistake("natural log"),
                "perplexity = 2^H with H in BITS, H = -Σ p log₂ p (2): you took the natural "
                "log (np.log) but raised 2 to it. Use np.log2, or keep np.log and take exp(H)."),
        Mistake("e to the H", _conditional_mistake("e to the H"),
                "H = -Σ p log₂ p is in bits, so the perplexity is 2^H (2); you computed "
                "np.exp(H), which belongs with the natural log."),
        Mistake("returned entropy", _conditional_mistake("returned entropy"),
                "you returned the entropy H itself; the perplexity is 2^H (2), the effective "
                "number of neighbours (N - 1 when all are equally likely)."),
        Mistake("0 log 0", _conditional_mistake("0 log 0"),
                "p_{i|i} = 0 and 0 · log 0 = 0 · (-inf) is nan in NumPy: sum the entropy over "
                "the nonzero p only (nz = p[p > 0])."),
        Mistake("no minus", _conditional_mistake("no minus"),
                "the Gaussian is exp(-β d_j) (1): with a plus sign the FARTHEST point gets the "
                "most probability."),
        Mistake("beta divides", _conditional_mistake("beta divides"),
                "β = 1 / (2σ²) is a precision: multiply, exp(-β d_j); you divided by β, as if "
                "it were 2σ²."),
        Mistake("not normalised", _conditional_mistake("not normalised"),
                "p_{j|i} is a probability distribution: divide the Gaussian numerators by their "
                "sum over k ≠ i (1), so that p sums to 1."),
    ],
    hints=[
        "Numerators exp(-β d_j) for every j, then set the one of j = i to 0 and divide by the "
        "sum (1). The entropy in bits is H = -Σ_j p_j log₂ p_j over the p_j > 0 (2).",
        "e = np.exp(-beta * d); e[i] = 0; p = e / e.sum(); nz = p[p > 0]; "
        "H = -np.sum(nz * np.log2(nz)). Do not change d in place (e is a new array).",
        "... then return p, 2.0 ** H   (check: β = 0 gives p = 1/(N-1) for j ≠ i and a "
        "perplexity of exactly N - 1)",
    ],
)

# --------------------------------------------------------------------------- tsne_gradient


def _gradient_bug(P, Y, bug=None):
    """Eqs. (3) and (5) in plain NumPy (a loop-free version) with one known ``bug``."""
    diff = Y[:, None, :] - Y[None, :, :]                   # (N, N, d) y_i - y_j
    dist = (diff ** 2).sum(axis=2)                         # (N, N) ||y_i - y_j||²
    W = np.exp(-dist) if bug == "Gaussian q" else 1.0 / (1.0 + dist)   # kernel of (3)
    if bug != "diagonal in Q":
        np.fill_diagonal(W, 0.0)
    Q = W / W.sum(axis=1, keepdims=True) if bug == "Q per row" else W / W.sum()  # (3)
    factor = {"no kernel factor": np.ones_like(dist),
              "kernel not inverted": 1.0 + dist}.get(bug, 1.0 / (1.0 + dist))
    if bug == "sign":
        diff = -diff
    four = 1.0 if bug == "no factor 4" else 4.0
    return four * (((P - Q) * factor)[:, :, None] * diff).sum(axis=1)   # (5)


def _gradient_mistake(bug):
    return lambda P, Y: _gradient_bug(P, Y, bug)


def _reference_gradient(P, Y):
    return kl_divergence_and_gradient(P, Y)[1]


def _gradient_case(N, d, kind="random", scale=1.0):
    def make(r):
        Y = r.normal(size=(N, d)) * scale
        if kind == "joint":          # P as t-SNE makes it, from 10-D points
            P = joint_probabilities(r.normal(size=(N, 10)), perplexity=3.0)
        elif kind == "P = Q":        # already a perfect map: the gradient is zero
            W = 1.0 / (1.0 + sq_distances(Y))
            np.fill_diagonal(W, 0.0)
            P = W / W.sum()
        else:                        # any symmetric P summing to 1, zero diagonal
            A = r.random((N, N))
            A = A + A.T
            np.fill_diagonal(A, 0.0)
            P = A / A.sum()
        return {"P": P, "Y": Y}
    return make


TSNE_GRADIENT = Exercise(
    name="tsne_gradient",
    signature="tsne_gradient(P, Y) -> dY",
    reference=_reference_gradient,
    source=kl_divergence_and_gradient,
    library_name="seqlab.embeddings.tsne.kl_divergence_and_gradient",
    week="2",
    output_names=("dY",),
    float32_ok=False,
    cases=[
        Case("N = 5 points on a 2-D page, a random symmetric P", _gradient_case(5, 2)),
        Case("P from joint_probabilities of 8 points in 10-D (perplexity 3)",
             _gradient_case(8, 2, "joint")),
        Case("P = Q(Y): the map is already perfect, so dY = 0", _gradient_case(6, 2, "P = Q")),
        Case("a 3-D map, points far apart (scale 5)", _gradient_case(7, 3, scale=5.0)),
        Case("N = 30, d = 2, P from joint_probabilities", _gradient_case(30, 2, "joint")),
    ],
    mistakes=[
        Mistake("no factor 4", _gradient_mistake("no factor 4"),
                "eq. (5) starts with a factor 4: ∂C/∂y_i = 4 Σ_j (p_ij - q_ij)(y_i - y_j)"
                "(1 + ||y_i - y_j||²)^-1. Your gradient is exactly 4 times too small."),
        Mistake("Gaussian q", _gradient_mistake("Gaussian q"),
                "on the page t-SNE uses the Student-t kernel, q_ij ∝ (1 + ||y_i - y_j||²)^-1 "
                "(3); exp(-||y_i - y_j||²) is SNE's Gaussian, the one t-SNE replaces (the "
                "crowding problem)."),
        Mistake("diagonal in Q", _gradient_mistake("diagonal in Q"),
                "the normaliser of (3) sums over k ≠ l: set the kernel's diagonal (1 for every "
                "i = j) to 0 before dividing, and q_ii = 0."),
        Mistake("Q per row", _gradient_mistake("Q per row"),
                "q_ij is a JOINT distribution: divide the kernel by its sum over ALL pairs "
                "k ≠ l (3), not by each row's sum (that would be a conditional q_{j|i})."),
        Mistake("sign", _gradient_mistake("sign"),
                "(y_i - y_j), not (y_j - y_i): your gradient points the other way, so descent "
                "would push neighbours apart."),
        Mistake("no kernel factor", _gradient_mistake("no kernel factor"),
                "eq. (5) multiplies each term by (1 + ||y_i - y_j||²)^-1 (the Student-t kernel "
                "again); without it you have symmetric SNE's gradient with t-SNE's q."),
        Mistake("kernel not inverted", _gradient_mistake("kernel not inverted"),
                "the factor in (5) is (1 + ||y_i - y_j||²)^-1, one OVER 1 plus the squared "
                "distance; you multiplied by (1 + ||y_i - y_j||²)."),
    ],
    hints=[
        "Build the (N, N) kernel W = 1 / (1 + ||y_i - y_j||²) with a zero diagonal; Q = W / "
        "W.sum() (3). Then (5) is a sum over j of (p_ij - q_ij) W_ij (y_i - y_j), times 4.",
        "diff = Y[:, None, :] - Y[None, :, :] is (N, N, d), y_i - y_j; dist = (diff ** 2)"
        ".sum(axis=2). Copy before np.fill_diagonal if you start from a matrix you were given.",
        "W = 1 / (1 + dist); np.fill_diagonal(W, 0); Q = W / W.sum(); "
        "return 4 * (((P - Q) * W)[:, :, None] * diff).sum(axis=1)",
    ],
)

EXERCISES = {ex.name: ex for ex in (CONDITIONAL_ROW, TSNE_GRADIENT)}
