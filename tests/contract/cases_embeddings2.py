"""Contract cases: seqlab.embeddings' GloVe, co-occurrences and t-SNE / PCA."""

from __future__ import annotations

import importlib

import numpy as np

from seqlab.embeddings import cooccurrence as co
from seqlab.embeddings import glove_model as gm
from tests.contract._harness import Registry
from tests.contract._kinds import INDEX, KEY, NONFINITE, TYPE, VALUE, Fn, Fresh

ts = importlib.import_module("seqlab.embeddings.tsne")  # seqlab.embeddings.tsne: the function
RNG = np.random.default_rng(6)
P = "seqlab.embeddings."
SENTS = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat"]] * 5
WORDS = ["the", "sat", "cat", "on", "mat", "dog"]


def glove(reg: Registry) -> None:
    ids, seg = co.encode(SENTS, WORDS)
    f = Fn(reg, P + "cooccurrence.encode", co.encode, SENTS, WORDS)
    f.bad("sentences: one str", TYPE, "str", sentences="the cat")
    f.bad("sentences: a list of str", TYPE, sentences=["the cat", "a dog"])
    f.bad("words: None", TYPE, "None", words=None)
    f.bad("words: duplicates", VALUE, "duplicate", words=["the", "the"])
    f = Fn(reg, P + "cooccurrence.cooccurrence", co.cooccurrence, ids, seg, 6, window=2)
    f.ints("window", low=1)
    f.ints("vocab_size", low=1, floats=True, none=True, numpy=False)
    f.bad("vocab_size: smaller than the largest id", INDEX, "[0, 3)", vocab_size=3, arg="ids")
    f.bad("ids: -1", INDEX, "[0, 6)", ids=np.where(ids == 0, -1, ids), arg="ids")
    f.bad("segment: other length", VALUE, segment=seg[:-1])
    f.bad("ids: floats", TYPE, ids=ids.astype(float))
    f.bad("ids: None", TYPE, "None", ids=None)
    f.ints("max_pairs", low=1, none=False)
    cooc = co.Cooccurrence(*co.cooccurrence(ids, seg, 6, window=2), WORDS,
                           np.bincount(ids, minlength=6))
    for name in ("cooccurrence_matrix", "cooccurrence_probabilities"):
        f = Fn(reg, P + f"cooccurrence.{name}", getattr(co, name), cooc, ["cat"], ["sat", "on"])
        second, third = list(f.values)[1:3]
        f.bad(f"{second}: unknown word", KEY, name, "'cow'", **{second: ["cow"]},
              default_words=False)
        f.bad(f"{third}: one str (its characters)", TYPE, "str", **{third: "sat"})
        f.bad("cooc: a tuple of arrays", TYPE, "Cooccurrence", cooc=(ids, seg))
        f.bad(f"{second}: None", TYPE, "None", **{second: None})
    f = Fn(reg, P + "glove_model.weighting", gm.weighting, np.array([0.0, 1.0, 200.0]))
    f.number("x_max", 0.0, -1.0, "100", None)
    f.number("alpha", -0.5, float("nan"), "0.75")
    f.bad("x: negative count", VALUE, x=np.array([-1.0, 2.0]))
    f.bad("x: None", TYPE, "None", x=None)
    f.bad("x: complex", TYPE, "complex", x=np.array([1.0 + 0j]))
    f.ok("x: a list", same={"x": np.array([0.0, 1.0, 200.0])}, x=[0.0, 1.0, 200.0])
    f.ok("x: ints", same={"x": np.array([0.0, 1.0, 200.0])}, x=np.array([0, 1, 200]))
    f = Fn(reg, P + "glove_model.init_glove_params", gm.init_glove_params, 6, 4)
    f.ints("vocab_size", low=1)
    f.ints("vector_size", low=1)
    f.bad("dtype: int", TYPE, dtype=np.int64)
    f.bad("rng: a str", TYPE, rng="seed")
    params = gm.init_glove_params(6, 4, 0)
    i, j, x = np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([1.0, 2.0, 0.5])
    f = Fn(reg, P + "glove_model.glove_forward", gm.glove_forward, params, i, j, x)
    f.params("params", missing="W_tilde", shape="b")
    f.bad("i: id V", INDEX, "[0, 6)", i=np.array([0, 6, 2]))
    f.bad("j: -1", INDEX, "[0, 6)", j=np.array([0, -1, 2]))
    f.bad("x: 0 (log 0)", VALUE, "> 0", x=np.array([1.0, 0.0, 2.0]))
    f.bad("x: other length", VALUE, x=x[:2])
    f.bad("i: floats", TYPE, i=i.astype(float))
    f.bad("x: NaN", NONFINITE, "finite", x=np.array([1.0, np.nan, 2.0]))
    f.number("x_max", 0.0)
    f.number("alpha", -1.0)
    J, cache = gm.glove_forward(params, i, j, x)
    f = Fn(reg, P + "glove_model.glove_backward", gm.glove_backward, cache)
    f.bad("cache: None", TYPE, "None", cache=None)
    f.number("dJ", float("nan"), "1")

    def rows():
        return (np.zeros((6, 4)), np.ones((6, 4)))
    f = Fn(reg, P + "glove_model.adagrad_rows",
           lambda param, G, rows, grad_rows, lr, eps=1e-10: gm.adagrad_rows(
               param, G, rows, grad_rows, lr, eps), Fresh(lambda: np.zeros((6, 4))),
           Fresh(lambda: np.ones((6, 4))), np.array([0, 2]), np.ones((2, 4)), 0.1,
           fname="adagrad_rows")
    f.bad("rows: repeated", VALUE, "unique", rows=np.array([0, 0]), grad_rows=np.ones((2, 4)))
    f.bad("rows: 6 of 6", INDEX, "[0, 6)", rows=np.array([0, 6]))
    f.bad("grad_rows: other length", VALUE, grad_rows=np.ones((3, 4)))
    f.number("lr", 0.0, -0.1)
    f.bad("grad_rows: NaN", NONFINITE, "finite", "learning rate",
          grad_rows=np.full((2, 4), np.nan))
    f.bad("param: int", TYPE, param=np.zeros((6, 4), int))
    del rows
    f = Fn(reg, P + "glove_model.fit_glove", gm.fit_glove, cooc, vector_size=4, epochs=1,
           progress=False)
    f.ints("vector_size", low=1)
    f.ints("epochs", low=1, floats=False, numpy=True)
    f.ints("batch_size", low=1, floats=False, none=False)
    f.number("lr", 0.0, -0.05, "0.05")
    f.number("x_max", 0.0)
    f.number("alpha", -0.75)
    f.number("initial_accumulator", -1.0)
    f.bad("cooc: a tuple", TYPE, "Cooccurrence", cooc=(1, 2))
    f.bad("callback: not callable", TYPE, "callable", callback=1)
    f = Fn(reg, P + "glove_model.train_glove", gm.train_glove, SENTS, vector_size=4, window=2,
           min_count=1, epochs=1, progress=False)
    f.bad("sentences: one str", TYPE, "str", sentences="the cat sat")
    f.bad("sentences: empty", VALUE, "at least one sentence", sentences=[])
    f.ints("window", low=1)
    f.bad("min_count: 0", VALUE, min_count=0)
    f.bad("max_vocab: 1", VALUE, max_vocab=1)
    f.number("lr", -1.0)


def tsne(reg: Registry) -> None:
    X = RNG.standard_normal((12, 5))
    for name in ("pca", "pca_fit"):
        f = Fn(reg, P + f"tsne.{name}", getattr(ts, name), X, 2)
        f.array("X", "ndim", "int", "complex", "none", "list", "nan", nan="refuse")
        f.ints("n_components", low=1, high=5)
        f.bad("X: one row", VALUE, X=X[:1])
    f = Fn(reg, P + "tsne.sq_distances", ts.sq_distances, X)
    f.array("X", "ndim", "int", "complex", "none", "list", "empty", empty=(0, "refuse"))
    D = ts.sq_distances(X)
    f = Fn(reg, P + "tsne.conditional_probabilities", ts.conditional_probabilities, D, 4.0)
    f.number("perplexity", 1.0, 11.0, -5.0, float("nan"), "5")
    f.bad("D: not square", VALUE, D=D[:, :5])
    f.bad("D: negative distances", VALUE, D=-D)
    f.bad("D: None", TYPE, "None", D=None)
    f.number("tol", 0.0, -1.0)
    f.ints("max_iter", low=1)
    f = Fn(reg, P + "tsne.joint_probabilities", ts.joint_probabilities, X, 4.0)
    f.number("perplexity", 0.5, 12.0)
    f.bad("X: None", TYPE, "None", X=None)
    f.bad("X: NaN", NONFINITE, "finite", X=np.where(X > 1, np.nan, X))
    Pm = ts.joint_probabilities(X, 4.0)
    Y = RNG.standard_normal((12, 2))
    for name in ("kl_divergence", "kl_divergence_and_gradient"):
        f = Fn(reg, P + f"tsne.{name}", getattr(ts, name), Pm, Y)
        f.bad("Y: other N", VALUE, Y=Y[:5])
        f.bad("P: not square", VALUE, P=Pm[:, :5])
        f.bad("P: negative", VALUE, P=-Pm)
        f.bad("Y: None", TYPE, "None", Y=None)
        f.bad("Y: NaN", NONFINITE, "finite", Y=np.full((12, 2), np.nan))
    f = Fn(reg, P + "tsne.tsne", ts.tsne, X, perplexity=4.0, n_iter=260)
    f.choice("init", "spectral")
    f.bad("init: an array of the wrong shape", VALUE, init=np.zeros((12, 3)))
    f.number("perplexity", 12.0, 1.0, -1.0)
    f.bad("n_iter: not above exaggeration_iter", VALUE, n_iter=100)
    f.number("learning_rate", 0.0, -10.0)
    f.bad("learning_rate: 'fast'", VALUE, learning_rate="fast")
    f.number("early_exaggeration", 0.5)
    f.ints("n_components", low=1, floats=False, none=False, numpy=False)
    f.bad("momentum: 1.5", VALUE, momentum=(0.5, 1.5))
    f.bad("X: NaN", NONFINITE, "finite", X=np.where(X > 1, np.nan, X))
    f.bad("X: None", TYPE, "None", X=None)
    f.bad("callback: not callable", TYPE, "callable", callback=1)
    f.ok("n_iter: NumPy int", check=None, n_iter=np.int64(251))
    f = Fn(reg, P + "tsne.trustworthiness", ts.trustworthiness, X, Y, 2)
    f.ints("n_neighbors", low=1, high=5)
    f.bad("Y: other N", VALUE, Y=Y[:5])
    f.bad("X: None", TYPE, "None", X=None)


def register(reg: Registry) -> None:
    glove(reg)
    tsne(reg)
