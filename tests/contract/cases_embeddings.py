"""Contract cases: seqlab.embeddings (similarity, KeyedVectors, evaluation, debiasing,
word2vec, negative sampling, hierarchical softmax, NPLM, GloVe, co-occurrences, t-SNE)."""

from __future__ import annotations

import numpy as np

from seqlab import embeddings as Em
from seqlab.embeddings import debias as db
from seqlab.embeddings import evaluation as ev
from seqlab.embeddings import huffman as hf
from seqlab.embeddings import negative_sampling as ns
from seqlab.embeddings import nplm
from seqlab.embeddings import word2vec as w2v
from tests.contract._harness import Registry
from tests.contract._kinds import INDEX, KEY, NONFINITE, TYPE, VALUE, Fn, Fresh

RNG = np.random.default_rng(5)
WORDS = ["king", "queen", "man", "woman", "apple", "pear", "zero", "cat"]
VECS = RNG.standard_normal((8, 4))
VECS[6] = 0.0                                       # "zero": a zero vector
KV = Em.KeyedVectors(WORDS, VECS)
W2V = dict(zip(WORDS, VECS, strict=True))
P = "seqlab.embeddings."
SENTS = [["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat"]] * 5


def similarity(reg: Registry) -> None:
    u, v = VECS[0], VECS[1]
    f = Fn(reg, P + "similarity.cosine_similarity", Em.cosine_similarity, u, v)
    f.ok("u: the zero vector gives 0.0 (documented)", check=lambda r: r == 0.0 or _fail(r),
         u=np.zeros(4))
    f.bad("v: other length", VALUE, v=VECS[1][:3])
    f.bad("u: None", TYPE, "None", u=None)
    f.bad("u: complex", TYPE, "complex", u=u.astype(complex))
    f.bad("u: empty", VALUE, "empty", u=np.zeros(0), v=np.zeros(0))
    f.bad("u: a str", TYPE, u="king")
    f.ok("u: a list (converted)", same={"u": u}, u=u.tolist())
    f.ok("u: int (promoted)", same={"u": np.round(u)}, u=np.round(u).astype(int))
    f.bad("u: NaN", NONFINITE, "finite", u=np.array([np.nan, 1.0, 0, 0]))
    f = Fn(reg, P + "similarity.complete_analogy", Em.complete_analogy, "man", "woman", "king",
           W2V)
    f.bad("word_c: not in the map", KEY, "complete_analogy", "'kingg'", word_c="kingg",
          default_words=False)
    f.bad("word_a: None", TYPE, "None", word_a=None)
    f.bad("word_to_vec_map: a list", TYPE, "list", word_to_vec_map=list(W2V))
    f.bad("word_to_vec_map: empty", VALUE, word_to_vec_map={})
    f.bad("word_to_vec_map: only the three words", VALUE, "no word left",
          word_to_vec_map={w: W2V[w] for w in ("man", "woman", "king")}, default_words=False)


def keyed_vectors(reg: Registry) -> None:
    C = P + "keyed_vectors.KeyedVectors"
    f = Fn(reg, C, Em.KeyedVectors, WORDS, VECS)
    f.bad("vectors: transposed", VALUE, vectors=VECS.T.copy())
    f.bad("vectors: int", TYPE, vectors=VECS.astype(int))
    f.bad("vectors: None", TYPE, "None", vectors=None)
    f.bad("words: one str", TYPE, "str", words="kingqueen")
    f.bad("words: duplicates", VALUE, "duplicate", words=WORDS[:-1] + ["king"])
    f.bad("words: ints", TYPE, words=list(range(8)))
    f.ok("vectors: a list of lists (converted)", same={"vectors": VECS}, vectors=VECS.tolist(),
         check=None)
    for meth, args in (("get_index", ("king",)), ("get_vector", ("king",))):
        f = Fn(reg, f"{C}.{meth}", getattr(KV, meth), *args, fname=meth)
        f.bad("key: unknown word", KEY, f"{meth}(key", "'kingg'", "did you mean", key="kingg",
              default_words=False)
        f.bad("key: row 8 of 8", INDEX, "[0, 8)", key=8, default_words=False, arg="key")
        f.bad("key: row -1", INDEX, "[0, 8)", key=-1, default_words=False, arg="key")
        f.bad("key: None", TYPE, "None", key=None)
        f.ok("key: NumPy int row", same={"key": 1}, key=np.int64(1))
    f = Fn(reg, C + ".get_vector", KV.get_vector, "king", norm=True, fname="get_vector")
    f.bad("key: the zero vector with norm=True", VALUE, "zero", key="zero")
    f = Fn(reg, C + ".suggest", KV.suggest, "kng", fname="suggest")
    f.ints("n", low=1)
    f.bad("word: None", TYPE, "None", word=None)
    f = Fn(reg, C + ".similarity", KV.similarity, "king", "queen", fname="similarity")
    f.ok("w1: the zero vector gives 0.0, as cosine_similarity", check=lambda r: r == 0.0
         or _fail(r), w1="zero")
    f.bad("w2: unknown", KEY, "similarity(w2", "'qeen'", w2="qeen", default_words=False)
    f.bad("w1: a list", TYPE, "list", w1=["king"])
    f = Fn(reg, C + ".most_similar", KV.most_similar, "king", topn=3, fname="most_similar")
    f.bad("restrict_vocab: 0", VALUE, restrict_vocab=0)
    f.bad("restrict_vocab: -1", VALUE, restrict_vocab=-1)
    f.ok("restrict_vocab: NumPy int", same={"restrict_vocab": 4}, restrict_vocab=np.int64(4))
    f.ok("topn: 0 gives [] (gensim's answer)", check=lambda r: r == [] or _fail(r), topn=0)
    f.bad("topn: 2.5", TYPE, topn=2.5)
    f.ok("topn: NumPy int", same={"topn": 2}, topn=np.int64(2))
    f.bad("positive: unknown word", KEY, "most_similar", "'kingg'", positive="kingg",
          default_words=False)
    f.bad("positive: nothing", VALUE, positive=[])
    f.bad("positive: a vector of the wrong length", VALUE, positive=[np.ones(3)])
    f.bad("positive: the zero vector alone", VALUE, "zero", positive="zero")
    f = Fn(reg, C + ".doesnt_match", KV.doesnt_match, ["king", "queen", "apple"],
           fname="doesnt_match")
    f.bad("words: one str", TYPE, "str", words="king")
    f.bad("words: none known", VALUE, words=["xx", "yy"])
    f.bad("words: None", TYPE, "None", words=None)
    f = Fn(reg, C + ".get_normed_vectors", KV.get_normed_vectors, fname="get_normed_vectors")
    reg.no_input(C + ".get_normed_vectors", "takes no argument (zero rows stay zero)")
    f = Fn(reg, C + ".evaluate_word_analogies", KV.evaluate_word_analogies,
           "/nonexistent/questions-words.txt", fname="evaluate_word_analogies")
    f.bad("analogies: no such file", (FileNotFoundError,), "questions-words.txt",
          default_words=False)
    f.ints("restrict_vocab", low=1, none=False, numpy=False)
    f.bad("analogies: None", TYPE, "None", analogies=None)
    f = Fn(reg, C + ".evaluate_word_pairs", KV.evaluate_word_pairs, "/nonexistent/ws.tsv",
           fname="evaluate_word_pairs")
    f.bad("pairs: no such file", (FileNotFoundError,), "ws.tsv", default_words=False)
    f.bad("restrict_vocab: 0", VALUE, restrict_vocab=0)
    f.bad("pairs: None", TYPE, "None", pairs=None)
    M = "seqlab.embeddings.keyed_vectors.WordVecMap"
    f = Fn(reg, M, Em.keyed_vectors.WordVecMap, KV)
    f.bad("kv: a dict", TYPE, "KeyedVectors", kv=W2V)
    reg.no_input(M + ".as_matrix", "takes no argument")
    f = Fn(reg, M + ".suggest", KV.word_to_vec_map.suggest, "kng", fname="suggest")
    f.bad("word: None", TYPE, "None", word=None)


def evaluation(reg: Registry) -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([2.0, 1.0, 4.0, 3.0, 6.0])
    for name in ("pearsonr", "spearmanr"):
        f = Fn(reg, P + f"evaluation.{name}", getattr(ev, name), x, y)
        f.bad("x: constant (no correlation defined)", VALUE, "constant", x=np.ones(5))
        f.bad("y: constant", VALUE, "constant", y=np.full(5, 2.0))
        f.bad("x: NaN", NONFINITE, "finite", x=np.array([1.0, np.nan, 3, 4, 5]))
        f.bad("y: inf", NONFINITE, "finite", y=np.array([1.0, np.inf, 3, 4, 5]))
        f.bad("y: other length", VALUE, y=y[:4])
        f.bad("x: 2-D", VALUE, x=np.stack([x, x]), y=np.stack([y, y]))
        f.bad("x: one pair", VALUE, x=x[:1], y=y[:1])
        f.bad("x: None", TYPE, "None", x=None)
        f.bad("x: strings", TYPE, x=["a", "b", "c", "d", "e"])
        f.ok("x: a list (converted)", same={"x": x}, x=x.tolist())
        f.ok("x: ints", same={"x": x}, x=x.astype(int))


def debiasing(reg: Registry) -> None:
    g = VECS[3] - VECS[2]
    f = Fn(reg, P + "debias.bias_direction", db.bias_direction, W2V, [("woman", "man")])
    f.choice("method", "svd")
    f.bad("pairs: empty", VALUE, pairs=[])
    f.bad("pairs: a triple", VALUE, pairs=[("woman", "man", "cat")])
    f.bad("pairs: unknown word", KEY, "bias_direction", "'womn'", pairs=[("womn", "man")],
          default_words=False)
    f.bad("pairs: a pair of one word", VALUE, "zero", pairs=[("man", "man")])
    f.bad("word_to_vec_map: a list", TYPE, "list", word_to_vec_map=list(W2V))
    f = Fn(reg, P + "debias.projection", db.projection, VECS, g)
    f.bad("g: zero vector", VALUE, "zero", g=np.zeros(4))
    f.bad("g: (D, 1)", VALUE, g=g[:, None])
    f.bad("E: transposed", VALUE, E=VECS.T.copy())
    f.bad("g: None", TYPE, "None", g=None)
    f.ok("E: a list of lists", same={"E": VECS}, E=VECS.tolist())
    f = Fn(reg, P + "debias.neutralize", db.neutralize, "king", g, W2V)
    f.bad("word: unknown", KEY, "neutralize", "'kng'", word="kng", default_words=False)
    f.bad("g: zero vector", VALUE, "zero", g=np.zeros(4))
    f.bad("g: wrong length", VALUE, g=g[:3])
    f.bad("word: None", TYPE, "None", word=None)
    f = Fn(reg, P + "debias.neutralize_vectors", db.neutralize_vectors, VECS, g)
    f.bad("g: zero vector", VALUE, "zero", g=np.zeros(4))
    f.bad("E: transposed", VALUE, E=VECS.T.copy())
    f.bad("E: None", TYPE, "None", E=None)
    f = Fn(reg, P + "debias.equalize_vectors", db.equalize_vectors, VECS[0], VECS[1], g)
    f.bad("bias_axis: zero vector", VALUE, "zero", bias_axis=np.zeros(4))
    f.bad("e_w2: wrong length", VALUE, e_w2=VECS[1][:3])
    f.bad("e_w1: None", TYPE, "None", e_w1=None)
    f = Fn(reg, P + "debias.equalize", db.equalize, ("king", "queen"), g, W2V)
    f.bad("pair: three words", VALUE, pair=("king", "queen", "man"))
    f.bad("pair: a str", TYPE, "str", pair="kq")
    f.bad("pair: unknown word", KEY, "equalize", "'qeen'", pair=("king", "qeen"),
          default_words=False)
    f.bad("bias_axis: zero", VALUE, "zero", bias_axis=np.zeros(4))
    f = Fn(reg, P + "debias.normalize_rows", db.normalize_rows, VECS)
    f.ok("E: a zero row stays zero (documented)", check=lambda r: np.all(r[6] == 0) or _fail(
        "zero row"), E=VECS)
    f.bad("E: None", TYPE, "None", E=None)
    f.bad("E: 3-D", VALUE, E=VECS[None])
    f.bad("E: complex", TYPE, "complex", E=VECS.astype(complex))
    f = Fn(reg, P + "debias.hard_debias", db.hard_debias, WORDS, VECS, g, ["king"],
           [("king", "queen")])
    f.bad("E: one row short", VALUE, E=VECS[:-1])
    f.bad("g: zero", VALUE, "zero", g=np.zeros(4))
    f.bad("words: one str", TYPE, "str", words="king")
    f.ok("equalize_pairs: a word not in words skips the pair (documented)",
         check=lambda r: r.equalized == [] or _fail(r.equalized),
         equalize_pairs=[("king", "qeen")])


def _fail(what):
    raise AssertionError(what)


def word2vec(reg: Registry) -> None:
    counts = np.array([10, 5, 1, 0])
    f = Fn(reg, P + "word2vec.keep_probability", w2v.keep_probability, counts, 1e-3)
    f.number("sample", -1e-3, float("nan"), "1e-3")
    f.bad("counts: negative", VALUE, counts=np.array([10, -1]))
    f.bad("counts: None", TYPE, "None", counts=None)
    f.bad("counts: 2-D", VALUE, counts=counts[None])
    f = Fn(reg, P + "word2vec.linear_lr", w2v.linear_lr, 0.5)
    f.number("progress", float("nan"), "half", None)
    f.number("alpha", -0.025, 0.0)
    f.bad("min_alpha: above alpha", VALUE, min_alpha=0.5)
    f = Fn(reg, P + "word2vec.encode_corpus", w2v.encode_corpus, SENTS, ["the", "cat"])
    f.bad("sentences: one str", TYPE, "str", sentences="the cat")
    f.bad("sentences: a list of str (not token lists)", TYPE, sentences=["the cat", "a dog"])
    f.bad("words: None", TYPE, "None", words=None)
    f.bad("words: duplicates", VALUE, "duplicate", words=["the", "the"])
    f = Fn(reg, P + "word2vec.train_word2vec", w2v.train_word2vec, SENTS, vector_size=4,
           min_count=1, epochs=1)
    f.bad("negative: -1", VALUE, negative=-1)
    f.ok("negative: 0, hs: 0 trains the full softmax (documented)", negative=0, hs=0, sample=0,
         check=lambda r: np.abs(r.W_out).max() > 0 or _fail("W_out not trained"))
    f.ints("vector_size", low=1)
    f.ints("window", low=1, floats=False, numpy=False)
    f.bad("sg: 2", VALUE, sg=2)
    f.bad("hs: 2", VALUE, hs=2)
    f.number("alpha", 0.0, -0.025)
    f.number("min_alpha", -1e-4)
    f.bad("min_alpha: above alpha", VALUE, min_alpha=0.5)
    f.number("sample", -1e-3)
    f.number("ns_exponent", -0.75, float("nan"))
    f.bad("sentences: one str", TYPE, "str", sentences="the cat sat")
    f.bad("sentences: a list of str", TYPE, sentences=["the cat sat", "the dog"])
    f.bad("sentences: None", TYPE, "None", sentences=None)
    f.bad("min_count: 0", VALUE, min_count=0)
    f.bad("max_vocab: 1", VALUE, max_vocab=1)
    f.bad("dtype: int", TYPE, dtype=np.int32)
    f.bad("callback: not callable", TYPE, "callable", callback="print")
    f.ok("negative: NumPy int", same={"negative": 3}, negative=np.int64(3))


def sampled_softmax(reg: Registry) -> None:
    m, k, n_e, V = 3, 2, 4, 6
    e_c = RNG.standard_normal((n_e, m))
    th_t = RNG.standard_normal((n_e, m))
    th_n = RNG.standard_normal((n_e, m, k))
    f = Fn(reg, P + "negative_sampling.negative_sampling_forward", ns.negative_sampling_forward,
           e_c, th_t, th_n)
    f.array("e_c", "ndim", "T", "int", "complex", "none", "list")
    f.bad("theta_neg: (n_e, k, m)", VALUE, theta_neg=th_n.transpose(0, 2, 1).copy())
    f.bad("e_c: NaN", NONFINITE, "finite", e_c=np.where(e_c > 1, np.nan, e_c))
    f.bad("e_c: empty batch", VALUE, "at least one", e_c=e_c[:, :0], theta_t=th_t[:, :0],
          theta_neg=th_n[:, :0])
    J, cache = ns.negative_sampling_forward(e_c, th_t, th_n)
    f = Fn(reg, P + "negative_sampling.negative_sampling_backward",
           ns.negative_sampling_backward, cache)
    f.bad("cache: None", TYPE, "None", cache=None)
    f.number("dJ", float("nan"), "1")
    counts = np.array([5, 3, 2, 1, 1, 1])
    f = Fn(reg, P + "negative_sampling.noise_distribution", ns.noise_distribution, counts)
    f.bad("counts: all zero", VALUE, counts=np.zeros(6))
    f.bad("counts: negative", VALUE, counts=np.array([1, -1]))
    f.number("exponent", -0.5, float("nan"), "0.75", None)
    f.bad("counts: None", TYPE, "None", counts=None)
    f.ok("counts: a list", same={"counts": counts}, counts=counts.tolist())
    p = ns.noise_distribution(counts)
    f = Fn(reg, P + "negative_sampling.sample_negatives", ns.sample_negatives, p, (3, 2))
    f.bad("p: negative entries", VALUE, p=p - 0.5)
    f.bad("p: all zero", VALUE, p=np.zeros(6))
    f.bad("p: NaN", VALUE, p=np.full(6, np.nan))
    f.bad("size: negative", VALUE, size=(-1, 2))
    f.bad("size: a float", TYPE, size=2.5)
    f.bad("p: 2-D", VALUE, p=p[None])
    f.ok("size: NumPy int", same={"size": 3}, size=np.int64(3))
    tree = hf.build_huffman(counts)
    f = Fn(reg, P + "huffman.build_huffman", hf.build_huffman, counts)
    f.bad("counts: one word", VALUE, counts=np.array([3]))
    f.bad("counts: negative", VALUE, counts=np.array([3, -1]))
    f.bad("counts: floats with a fraction", TYPE, counts=np.array([1.5, 2.0]))
    f.bad("counts: None", TYPE, "None", counts=None)
    f.ok("counts: a list", same={"counts": counts}, counts=counts.tolist())
    Theta = RNG.standard_normal((n_e, V - 1))
    t = np.array([0, 3, 5])
    f = Fn(reg, P + "huffman.hierarchical_softmax_forward", hf.hierarchical_softmax_forward, e_c,
           Theta, t, tree)
    f.bad("t: V", INDEX, "[0, 6)", t=np.array([0, 6, 1]), default_words=False, arg="t")
    f.bad("t: -1", INDEX, "[0, 6)", t=np.array([0, -1, 1]), default_words=False, arg="t")
    f.bad("t: one too many", VALUE, t=np.array([0, 1, 2, 3]))
    f.bad("Theta: (n_e, V)", VALUE, Theta=RNG.standard_normal((n_e, V)))
    f.bad("tree: None", TYPE, "None", tree=None)
    f.bad("e_c: None", TYPE, "None", e_c=None)
    f.bad("e_c: NaN", NONFINITE, "finite", e_c=np.full((n_e, m), np.nan))
    J, hcache = hf.hierarchical_softmax_forward(e_c, Theta, t, tree)
    f = Fn(reg, P + "huffman.hierarchical_softmax_backward", hf.hierarchical_softmax_backward,
           hcache)
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, P + "huffman.hs_probabilities", hf.hs_probabilities, e_c, Theta, tree)
    f.bad("Theta: (n_e, V)", VALUE, Theta=RNG.standard_normal((n_e, V)))
    f.bad("tree: None", TYPE, "None", tree=None)
    f.bad("e_c: 1-D", VALUE, e_c=e_c[:, 0])
    params = nplm.init_nplm_params(V, 3, 5, 2, np.random.default_rng(0))
    f = Fn(reg, P + "nplm.init_nplm_params", nplm.init_nplm_params, V, 3, 5, 2,
           Fresh(lambda: np.random.default_rng(0)))
    f.ok("rng: an int seed", check=None, rng=1)
    f.ints("V", low=1)
    f.ints("n_ctx", low=1, floats=False, none=False, numpy=False)
    f.bad("rng: a str", TYPE, rng="seed")
    ctx, tgt = np.array([[0, 1], [2, 3], [4, 5]]), np.array([1, 2, 3])
    f = Fn(reg, P + "nplm.nplm_forward", nplm.nplm_forward, ctx, tgt, params)
    f.bad("context: id V", INDEX, "[0, 6)", context=np.array([[0, 6]] * 3), arg="context")
    f.bad("context: -1", INDEX, context=np.array([[0, -1]] * 3))
    f.bad("context: transposed", VALUE, context=ctx.T.copy())
    f.bad("target: id V", INDEX, target=np.array([1, 2, 6]))
    f.bad("context: floats", TYPE, context=ctx.astype(float))
    f.params("params", missing="W_1", extra=True)
    f.bad("context: None", TYPE, "None", context=None)
    J, ncache = nplm.nplm_forward(ctx, tgt, params)
    f = Fn(reg, P + "nplm.nplm_backward", nplm.nplm_backward, ncache)
    f.bad("cache: None", TYPE, "None", cache=None)
    Th = RNG.standard_normal((n_e, V))
    f = Fn(reg, P + "nplm.softmax_forward", nplm.softmax_forward, e_c, Th, t)
    f.bad("t: V", INDEX, t=np.array([0, 6, 1]))
    f.bad("Theta: transposed", VALUE, Theta=Th.T.copy())
    f.bad("e_c: None", TYPE, "None", e_c=None)
    J, scache = nplm.softmax_forward(e_c, Th, t)
    f = Fn(reg, P + "nplm.softmax_backward", nplm.softmax_backward, scache)
    f.bad("cache: None", TYPE, "None", cache=None)


def register(reg: Registry) -> None:
    similarity(reg)
    keyed_vectors(reg)
    evaluation(reg)
    debiasing(reg)
    word2vec(reg)
    sampled_softmax(reg)
    from tests.contract.cases_embeddings2 import register as more
    more(reg)
