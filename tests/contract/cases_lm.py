"""Contract cases: seqlab.lm (vocabulary, batches, the course's functions, models, sampling,
scoring, training)."""

from __future__ import annotations

import importlib

import numpy as np

from seqlab import lm
from seqlab.lm import batches, course, scoring
from seqlab.lm import sampling as smp
from tests.contract._harness import Registry
from tests.contract._kinds import INDEX, KEY, NONFINITE, TYPE, VALUE, Fn, Fresh

tr = importlib.import_module("seqlab.lm.train")  # seqlab.lm.train is also the function
NAMES = ["anna", "bob", "carl", "dina", "eve", "fay"]
VOCAB = lm.Vocabulary.build(NAMES)
MODEL = lm.LanguageModel(VOCAB, n_a=6, kind="rnn", rng=0, dtype=np.float64)
P = "seqlab.lm."


def vocab(reg: Registry) -> None:
    C = "seqlab.vocab.language.Vocabulary"
    f = Fn(reg, C, lm.Vocabulary, ["a", "b"])
    f.choice("level", "sentence")
    f.bad("tokens: repeated", VALUE, "repeated", tokens=["a", "a"])
    f.bad("tokens: '<EOS>' among them", VALUE, tokens=["a", "<EOS>"])
    f.bad("tokens: one str (its characters)", TYPE, "str", tokens="ab")
    f.bad("tokens: None", TYPE, "None", tokens=None)
    f.bad("tokens: ints", VALUE, tokens=[1, 2])
    f.bad("tokens: 'ab' in a char vocabulary", VALUE, "length 1", tokens=["ab"])
    f = Fn(reg, C + ".build", lm.Vocabulary.build, NAMES, fname="Vocabulary.build")
    f.ints("min_count", low=1)
    f.bad("max_size: 2", VALUE, max_size=2)
    f.ok("max_size: NumPy int", same={"max_size": 5}, max_size=np.int64(5))
    f.bad("texts: None", TYPE, "None", texts=None)
    f.bad("texts: a list of ints", TYPE, texts=[1, 2])
    f.choice("level", "chars")
    for meth in ("tokenize", "encode", "unknown"):
        f = Fn(reg, f"{C}.{meth}", getattr(VOCAB, meth), "anna", fname=f"Vocabulary.{meth}")
        f.bad("text: None", TYPE, "None", text=None)
        f.bad("text: a list of str", TYPE, "list", text=["anna"])
        f.bad("text: bytes", TYPE, "bytes", text=b"anna")
    f = Fn(reg, C + ".decode", VOCAB.decode, [3, 4, 0], fname="Vocabulary.decode")
    f.bad("ids: len(vocab)", INDEX, f"[0, {len(VOCAB)})", ids=[3, len(VOCAB)])
    f.bad("ids: -1", INDEX, f"[0, {len(VOCAB)})", ids=[-1])
    f.bad("ids: a float id", TYPE, "float", ids=[3.5])
    f.bad("ids: a str", TYPE, "str", ids="abc")
    f.bad("ids: None", TYPE, "None", ids=None)
    f.ok("ids: a NumPy array", same={"ids": [3, 4, 0]}, ids=np.array([3, 4, 0]))
    f = Fn(reg, C + ".to_meta", VOCAB.to_meta, fname="Vocabulary.to_meta")
    reg.no_input(C + ".to_meta", "takes no argument")
    f = Fn(reg, C + ".from_meta", lm.Vocabulary.from_meta, VOCAB.to_meta(),
           fname="Vocabulary.from_meta")
    f.bad("meta: missing 'level'", KEY, "Vocabulary.from_meta(meta", "'level'",
          meta={"tokens": ["a"], "lowercase": False}, default_words=False)
    f.bad("meta: None", TYPE, "None", meta=None)


def batching(reg: Registry) -> None:
    seqs = [VOCAB.encode(n) for n in NAMES]
    f = Fn(reg, P + "batches.pad_batch", batches.pad_batch, seqs)
    f.bad("sequences: empty", VALUE, sequences=[])
    f.bad("sequences: an empty sequence", VALUE, sequences=[[3, 0], []])
    f.bad("sequences: None", TYPE, "None", sequences=None)
    f.bad("sequences: float ids", TYPE, "float", sequences=[[3.5, 0.0]])
    f.bad("sequences: one flat list of ids", TYPE, sequences=[3, 4, 0])
    f.ok("eos_id: NumPy int", same={"eos_id": 0}, eos_id=np.int64(0))
    f.bad("eos_id: -1", VALUE, eos_id=-1)
    f = Fn(reg, P + "batches.sequence_batches", lambda sequences, batch_size, seed=None: list(
        batches.sequence_batches(sequences, batch_size, seed)), seqs, 2,
        fname="sequence_batches")
    f.ints("batch_size", low=1)
    f.bad("sequences: None", TYPE, "None", sequences=None)
    f.bad("seed: a string", TYPE, seed="abc")
    f = Fn(reg, P + "batches.stream", batches.stream, seqs)
    f.bad("sequences: None", TYPE, "None", sequences=None)
    f.bad("sequences: a str", TYPE, "str", sequences="anna")
    f.bad("eos_id: a float", TYPE, eos_id=0.5)
    toks = batches.stream(seqs)
    f = Fn(reg, P + "batches.stream_windows", batches.stream_windows, toks, 2, 4)
    f.ints("batch_size", low=1)
    f.ints("window", low=1)
    f.bad("tokens: too few for the rows", VALUE, tokens=[0, 1])
    f.bad("tokens: None", TYPE, "None", tokens=None)


def course_fns(reg: Registry) -> None:
    params = course.course_params(MODEL)
    params = {k: np.array(v) for k, v in params.items()}
    grads = {k: np.ones_like(v) for k, v in params.items()}
    f = Fn(reg, P + "course.clip", course.clip, Fresh(lambda: {k: np.ones_like(v) * 7
                                                               for k, v in params.items()}), 5.0)
    f.number("max_value", 0.0, -5.0, "5", None)
    f.bad("gradients: None", TYPE, "None", gradients=None)
    f.ok("max_value: NumPy float", same={"max_value": 5.0}, max_value=np.float64(5.0))
    f = Fn(reg, P + "course.sample", course.sample, params, 0, 0, 10)
    f.params("params", missing="W_aa", extra=False, not_dict=True)
    f.bad("eos_index: V", INDEX, f"[0, {len(VOCAB)})", eos_index=len(VOCAB))
    f.bad("eos_index: -1", INDEX, eos_index=-1)
    f.ints("max_length", low=1)
    f.bad("seed: a string", TYPE, seed="abc")
    X = np.array([[0, 3, 4], [0, 5, 6]])
    Y = np.array([[3, 4, 0], [5, 6, 0]])
    a0 = np.zeros((6, 2))
    f = Fn(reg, P + "course.optimize", course.optimize, X, Y, a0, params, 0.01, 5.0)
    f.bad("X: id V", INDEX, f"[0, {len(VOCAB)})", X=np.full((2, 3), len(VOCAB)))
    f.bad("X: -1", INDEX, X=np.full((2, 3), -1))
    f.bad("Y: transposed", VALUE, Y=Y.T.copy())
    f.bad("X: floats", TYPE, X=X.astype(float))
    f.bad("a_prev: transposed", VALUE, a_prev=a0.T)
    f.params("params", missing="W_aa", extra=False)
    f.number("learning_rate", -0.01, float("inf"), "0.01")
    f.number("max_value", 0.0, -1.0)
    nan_params = {**params, "W_aa": params["W_aa"].copy()}
    nan_params["W_aa"][0, 0] = np.nan
    f.bad("params: NaN in W_aa", NONFINITE, "finite", "clip", params=nan_params)
    f = Fn(reg, P + "course.course_params", course.course_params, MODEL)
    f.bad("model: an LSTM", VALUE, model=lm.LanguageModel(VOCAB, 4, "lstm"))
    f.bad("model: None", TYPE, "None", model=None)
    del grads


def models(reg: Registry) -> None:
    C = P + "model.LanguageModel"
    f = Fn(reg, C, lm.LanguageModel, VOCAB, 8, "gru")
    f.ints("n_a", low=1)
    f.bad("vocab: a list of tokens", TYPE, "list", vocab=list("abc"))
    f.choice("kind", "transformer")
    f.bad("n_layers: 0", VALUE, n_layers=0)
    f.bad("dtype: int", TYPE, dtype=np.int64)
    f.bad("bidirectional: True", VALUE, "bidirectional", bidirectional=True, arg="bidirectional",
          default_words=False)
    x = np.array([[0, 3, 4], [0, 5, 6]])
    y = np.array([[3, 4, 0], [5, 6, 0]])
    f = Fn(reg, C + ".forward", MODEL.forward, x, fname="LanguageModel.forward")
    f.bad("x: id V", INDEX, f"[0, {len(VOCAB)})", x=np.full((2, 3), len(VOCAB)))
    f.bad("x: -1 (would wrap to the last token)", INDEX, x=np.full((2, 3), -1))
    f.bad("x: 1-D", VALUE, x=x[0])
    f.bad("x: None", TYPE, "None", x=None)
    f.bad("state: a bare array", TYPE, state=np.zeros((1, 6, 2)))
    f.bad("x: empty T = 0", VALUE, "at least one", x=x[:, :0])
    f = Fn(reg, C + ".loss", MODEL.loss, x, y, fname="LanguageModel.loss")
    f.bad("y: transposed", VALUE, y=y.T.copy())
    f.bad("y: float", TYPE, y=y.astype(float))
    f.bad("y: id V", INDEX, y=np.full((2, 3), len(VOCAB)))
    f.bad("mask: all False", VALUE, "masked", mask=np.zeros((2, 3), bool))
    f.bad("x: None", TYPE, "None", x=None)
    f = Fn(reg, C + ".save", MODEL.save, "/nonexistent-dir/lm.npz", fname="LanguageModel.save")
    f.bad("path: None", TYPE, path=None)
    f.bad("info: not JSON-able", TYPE, info={"a": object()})
    f = Fn(reg, C + ".load", lm.LanguageModel.load, "/nonexistent/lm.npz",
           fname="LanguageModel.load")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/lm.npz",
          default_words=False)
    f = Fn(reg, P + "pretrained.load_pretrained", lm.load_pretrained, "wiki-char")
    f.choice("name", "gpt-2")
    f.bad("name: None", TYPE, name=None)


def sampling(reg: Registry) -> None:
    z = np.random.default_rng(0).standard_normal((5, 3))
    f = Fn(reg, P + "sampling.adjust_logits", smp.adjust_logits, z, 1.0, 2)
    f.number("temperature", -1.0, float("nan"), float("inf"), "1", None)
    f.ok("temperature: NumPy float", same={"temperature": 0.5}, temperature=np.float64(0.5))
    f.ints("top_k", low=1, none=False)
    f.ok("top_k: None", same={"top_k": 5}, top_k=None)
    f.array("logits", "int", "none", "list", "complex", "empty", empty=(0, "refuse"),
            words={"empty": ("at least one",)})
    f.bad("logits: NaN (no distribution to draw from)", NONFINITE, "finite",
          logits=np.where(z > 1, np.nan, z))
    p = smp.adjust_logits(z)
    f = Fn(reg, P + "sampling.draw", smp.draw, p, np.random.default_rng(0))
    f.bad("p: negative entry", VALUE, p=p - 0.5)
    f.bad("p: a column of zeros", VALUE, p=np.zeros((5, 3)))
    f.bad("p: NaN", VALUE, p=np.full((5, 3), np.nan))
    f.bad("p: 1-D", VALUE, p=p[:, 0])
    f.bad("rng: an int seed", TYPE, "Generator", rng=0)
    f.bad("p: None", TYPE, "None", p=None)
    f = Fn(reg, P + "sampling.sample", smp.sample, MODEL, 2, max_length=5)
    f.ints("n", low=1)
    f.ints("max_length", low=1)
    f.number("temperature", -0.5, "hot")
    f.bad("top_k: 0", VALUE, top_k=0)
    f.bad("prefix: None", TYPE, "None", prefix=None)
    f.bad("model: a RecurrentNetwork without a vocabulary", TYPE, model=MODEL.net)
    f.bad("seed: a string", TYPE, seed="abc")
    f = Fn(reg, P + "sampling.next_token_probs", smp.next_token_probs, MODEL, "an")
    f.bad("prefix: None", TYPE, "None", prefix=None)
    f.number("temperature", -1.0)
    f.bad("top_k: 1.5", TYPE, top_k=1.5)
    f.bad("model: None", TYPE, "None", model=None)


def scoring_fns(reg: Registry) -> None:
    f = Fn(reg, P + "scoring.token_log_probs", scoring.token_log_probs, MODEL, NAMES)
    f.bad("texts: one str", TYPE, "str", texts="anna")
    f.bad("texts: empty list", VALUE, texts=[])
    f.bad("texts: None", TYPE, "None", texts=None)
    f.bad("texts: a list with None", TYPE, "None", texts=["anna", None])
    f.ints("batch_size", low=1)
    f = Fn(reg, P + "scoring.sequence_log_prob", scoring.sequence_log_prob, MODEL, "anna")
    f.bad("text: a list", TYPE, "list", text=["anna"])
    f.bad("text: None", TYPE, "None", text=None)
    f = Fn(reg, P + "scoring.evaluate", scoring.evaluate, MODEL, NAMES)
    f.bad("data: empty list", VALUE, data=[])
    f.bad("data: None", TYPE, "None", data=None)
    f.ints("window", low=1, none=False)
    f.ints("batch_size", low=1)
    f = Fn(reg, P + "scoring.perplexity", scoring.perplexity, 2.0)
    f.number("mean_loss", -1.0, float("nan"), "2", None)
    f.bad("mean_loss: 1000 (overflows)", VALUE, mean_loss=1000.0)
    f = Fn(reg, P + "scoring.ngram_baselines", scoring.ngram_baselines, VOCAB, NAMES, NAMES)
    f.number("alpha", 0.0, -1.0, "1", None)
    f.bad("val: empty", VALUE, val=[])
    f.bad("train: None", TYPE, "None", train=None)
    f.bad("vocab: a list", TYPE, vocab=list("abc"))


def training(reg: Registry) -> None:
    def fresh():
        return lm.LanguageModel(VOCAB, n_a=4, kind="rnn", rng=0)
    f = Fn(reg, P + "train.train", tr.train, Fresh(fresh), NAMES, steps=2, progress=False)
    f.number("lr", 0.0, -0.01, "0.01")
    f.number("clip_norm", 0.0, -1.0)
    f.number("clip_value", 0.0, -1.0)
    f.ok("clip_norm: None turns clipping off", check=None, clip_norm=None)
    f.ints("steps", low=1, none=False)
    f.ints("epochs", low=1)
    f.ints("batch_size", low=1)
    f.ints("window", low=1, none=False, numpy=False)
    f.bad("train_data: empty", VALUE, train_data=[])
    f.bad("train_data: None", TYPE, "None", train_data=None)
    f.bad("train_data: a str without window", VALUE, "window", train_data="anna bob",
          arg="window")
    f.bad("model: None", TYPE, "None", model=None)
    f.bad("every: 0", VALUE, every=0)
    f.bad("eval_every: 0", VALUE, eval_every=0)
    f.bad("callback: not callable", TYPE, "callable", callback=3)
    h = tr.History(step=[1, 2, 3], train_loss=[3.0, 2.0, 1.0])
    f = Fn(reg, P + "train.History.smoothed", h.smoothed, 2, fname="History.smoothed")
    f.ints("span", low=1)


def register(reg: Registry) -> None:
    vocab(reg)
    batching(reg)
    course_fns(reg)
    models(reg)
    sampling(reg)
    scoring_fns(reg)
    training(reg)
    reg.no_input(P + "train.History", "a record of what train measured (lists, counts)")
    connectivity(reg)


def connectivity(reg: Registry) -> None:
    from seqlab.lm import connectivity as cn
    logits = np.random.default_rng(0).standard_normal((5, 2, 4))
    f = Fn(reg, P + "connectivity.log_prob_upstream", cn.log_prob_upstream, logits,
           np.array([[1, 2, 3, 4], [0, 1, 2, 3]]), np.array([3, 1]))
    f.array("logits", "ndim", "none", "complex")
    f.bad("y: an id = n_y", INDEX, y=np.array([[5, 2, 3, 4], [0, 1, 2, 3]]))
    f.bad("y: floats", TYPE, y=np.zeros((2, 4)))
    f.bad("t: T", INDEX, t=np.array([4, 1]))
    f.bad("t: one per column too few", VALUE, t=np.array([3]))
    f = Fn(reg, P + "connectivity.text_windows", cn.text_windows, np.arange(10), 2, 4)
    f.bad("ids: None", TYPE, "None", ids=None)
    f.bad("ids: floats", TYPE, ids=np.arange(10.0))
    f.bad("ids: 2-D", VALUE, ids=np.arange(10)[None])
    f.ints("k", low=1)
    f.bad("length: longer than ids", VALUE, length=11)
    f = Fn(reg, P + "connectivity.memory_stats", cn.memory_stats, np.ones((3, 5)), 4, 0.01)
    f.array("profiles", "ndim", "none", "complex", "list")
    f.bad("max_distance: above L", VALUE, max_distance=6)
    f.number("floor", 0.0, 1.0, "0.1", None)
    from seqlab.rnn.network import RecurrentNetwork
    net = RecurrentNetwork(5, 3, 5, kind="gru", rng=0, dtype=np.float64)
    bi = RecurrentNetwork(5, 3, 5, kind="gru", bidirectional=True, rng=0, dtype=np.float64)
    ids = np.array([[1, 2, 3, 4], [0, 1, 2, 3]])
    f = Fn(reg, P + "connectivity.input_gradients", cn.input_gradients, net, ids,
           np.array([[2, 3, 4, 0], [1, 2, 3, 4]]), np.array([3, 1]))
    f.bad("net: a dict", TYPE, "RecurrentNetwork", net={})
    f.bad("net: bidirectional", VALUE, "unidirectional", net=bi)
    f.bad("x: id n_x", INDEX, x=np.full((2, 4), 5))
    f.bad("x: None", TYPE, "None", x=None)
    f.bad("y: an id = n_y", INDEX, y=np.full((2, 4), 5))
    f.bad("y: other T", VALUE, y=ids[:, :3])
    f.bad("t: T", INDEX, t=np.array([4, 1]))
    f.bad("t: floats", TYPE, t=np.array([3.0, 1.0]))
    f.ok("t: a list", same={"t": np.array([3, 1])}, t=[3, 1])
    f = Fn(reg, P + "connectivity.connectivity", cn.connectivity, net, np.array([1, 2, 3, 4, 0]))
    f.bad("net: None", TYPE, "None", net=None)
    f.bad("net: bidirectional", VALUE, "unidirectional", net=bi)
    f.bad("ids: None", TYPE, "None", ids=None)
    f.bad("ids: floats", TYPE, ids=np.arange(5.0))
    f.bad("ids: 2-D", VALUE, ids=ids)
    f.bad("ids: one id (no prediction)", VALUE, ids=np.array([1]))
    f.bad("ids: id n_x", INDEX, ids=np.array([1, 5, 2]))
    f.ints("blocks", low=1)
    f.ok("blocks: more than T", same={"blocks": 4}, blocks=9)
    f.bad("threads: a str", TYPE, threads="one")
    f = Fn(reg, P + "connectivity.last_step_influence", cn.last_step_influence, net, ids)
    f.bad("net: a dict", TYPE, "RecurrentNetwork", net={})
    f.bad("windows: None", TYPE, "None", windows=None)
    f.bad("windows: 1-D", VALUE, windows=ids[0])
    f.bad("windows: one id each", VALUE, windows=ids[:, :1])
    f.bad("windows: floats", TYPE, windows=ids.astype(float))
    f.bad("windows: id n_x", INDEX, windows=np.full((2, 4), 5))
    f.ok("windows: a list", same={"windows": ids}, windows=ids.tolist())
