"""Contract cases: seqlab.tasks (the training loop, sentiment, name tagging, long range)."""

from __future__ import annotations

import numpy as np

from seqlab.data import synthetic as sy
from seqlab.rnn import RecurrentNetwork
from seqlab.tasks import long_range as lr_
from seqlab.tasks import name_tagging as nt
from seqlab.tasks import sentiment as st
from seqlab.tasks import training as tr
from tests.contract._harness import Registry
from tests.contract._kinds import INDEX, KEY, NONFINITE, TYPE, VALUE, Fn, Fresh

RNG = np.random.default_rng(10)
P = "seqlab.tasks."
NET = RecurrentNetwork(7, 4, 3, "gru", rng=0, dtype=np.float64)
IDS = RNG.integers(0, 7, (2, 5))
LENS = np.array([5, 3])
Y = np.array([0, 2])
TAGS = RNG.integers(0, 3, (2, 5))


def training(reg: Registry) -> None:
    f = Fn(reg, P + "training.length_mask", tr.length_mask, LENS, 5)
    f.bad("lengths: 0", VALUE, lengths=np.array([5, 0]))
    f.bad("lengths: above T", VALUE, lengths=np.array([6, 1]))
    f.ints("T", low=1)
    f.bad("lengths: floats", TYPE, lengths=LENS.astype(float))
    f.ok("lengths: a list", same={"lengths": LENS}, lengths=[5, 3])
    for name, fn, target in (("classifier_step", tr.classifier_step, Y),
                             ("tagger_step", tr.tagger_step, TAGS)):
        f = Fn(reg, P + f"training.{name}", fn, NET, IDS, target, LENS)
        arg = list(f.values)[2]
        f.bad(f"{arg}: class n_y", INDEX, "[0, 3)", **{arg: np.full_like(target, 3)})
        f.bad(f"{arg}: floats", TYPE, **{arg: target.astype(float)})
        f.bad(f"{arg}: wrong shape", VALUE, **{arg: target.T.copy() if target.ndim == 2
                                              else target[:1]})
        f.bad("ids: id n_x", INDEX, "[0, 7)", ids=np.full_like(IDS, 7))
        f.bad("lengths: 0", VALUE, lengths=np.array([5, 0]))
        f.bad("net: None", TYPE, "None", net=None)
    f = Fn(reg, P + "training.fit", tr.fit, Fresh(lambda: RecurrentNetwork(7, 4, 3, "gru", rng=0)),
           tr.classifier_step, lambda i: (IDS, Y, LENS), 2)
    f.ints("n_steps", low=1)
    f.number("lr", 0.0, -0.01, "0.01")
    f.number("clip", 0.0, -1.0)
    f.bad("step: not callable", TYPE, "callable", step=None)
    f.bad("batch: not callable", TYPE, "callable", batch=(IDS, Y, LENS))
    f.ints("check_every", low=1, none=False)
    f.bad("batch: NaN features diverge", NONFINITE, "finite", "clip",
          batch=lambda i: (np.full((7, 2, 5), np.nan), Y, LENS))
    for name, fn in (("predict_proba", tr.predict_proba), ("classify", tr.classify)):
        f = Fn(reg, P + f"training.{name}", fn, NET, IDS, LENS)
        f.bad("ids: id n_x", INDEX, ids=np.full_like(IDS, 7))
        f.bad("lengths: other m", VALUE, lengths=LENS[:1])
        f.bad("ids: None", TYPE, "None", ids=None)
    f = Fn(reg, P + "training.tagging_accuracy", tr.tagging_accuracy, NET, IDS, TAGS, LENS)
    f.bad("select: nothing selected", VALUE, select=np.zeros_like(IDS, bool))
    f.bad("tags: wrong shape", VALUE, tags=TAGS[:1])
    f.bad("select: ints", TYPE, "bool", select=np.ones_like(IDS))
    reg.no_input(P + "training.TrainHistory", "a record returned by fit (a dict)")


def sentiment(reg: Registry) -> None:
    words = ["good", "bad", "movie"]
    vecs = RNG.standard_normal((3, 4)).astype(np.float32)
    index, E = st.embedding_matrix(words, vecs)
    f = Fn(reg, P + "sentiment.embedding_matrix", st.embedding_matrix, words, vecs)
    f.bad("vectors: one row short", VALUE, vectors=vecs[:2])
    f.bad("words: one str", TYPE, "str", words="good")
    f.bad("words: duplicates", VALUE, "duplicate", words=["good", "good", "movie"])
    f.bad("vectors: None", TYPE, "None", vectors=None)
    w2v = dict(zip(words, vecs, strict=True))
    f = Fn(reg, P + "sentiment.sentence_to_avg", st.sentence_to_avg, "good movie", w2v)
    f.bad("sentence: None", TYPE, "None", sentence=None)
    f.bad("sentence: a list of words", TYPE, "list", sentence=["good"])
    f.ok("sentence: no known word (the zero vector, the course's semantics)",
         check=lambda r: bool(np.all(r == 0)) or _fail(r), sentence="zzz qqq")
    f.bad("word_to_vec_map: empty", VALUE, word_to_vec_map={})
    ids = np.array([[1, 3, 0], [2, 0, 0]])
    lens = np.array([2, 1])
    f = Fn(reg, P + "sentiment.average_embeddings", st.average_embeddings, ids, lens, E)
    f.bad("ids: row len(E)", INDEX, "[0, 4)", ids=np.array([[1, 4, 0], [2, 0, 0]]))
    f.bad("lengths: 0", VALUE, lengths=np.array([2, 0]))
    f.bad("E: one row short (ids 3 of 3 rows)", INDEX, E=E[:3], arg="ids")
    f.bad("ids: floats", TYPE, ids=ids.astype(float))
    f = Fn(reg, P + "sentiment.embed", st.embed, ids, E)
    f.bad("ids: -1 (would wrap)", INDEX, ids=np.array([[1, -1, 0], [2, 0, 0]]))
    f.bad("E: 1-D", VALUE, E=E[0])
    f.bad("ids: None", TYPE, "None", ids=None)
    f = Fn(reg, P + "sentiment.init_v1", st.init_v1, 4, 2)
    f.ints("n_h", low=1)
    f.ints("n_y", low=1)
    f.bad("dtype: int", TYPE, dtype=np.int32)
    params = st.init_v1(4, 2, 0, np.float64)
    avg = RNG.standard_normal((4, 3))
    y = np.array([0, 1, 1])
    for name, fn, args in (("v1_forward", st.v1_forward, (avg, params)),
                           ("v1_predict_proba", st.v1_predict_proba, (params, avg)),
                           ("v1_loss", st.v1_loss, (params, avg, y))):
        f = Fn(reg, P + f"sentiment.{name}", fn, *args)
        f.bad("avg: transposed", VALUE, avg=avg.T.copy())
        f.params("params", missing="W", extra=True)
        f.bad("avg: None", TYPE, "None", avg=None)
    f = Fn(reg, P + "sentiment.v1_loss", st.v1_loss, params, avg, y)
    f.bad("y: class 2", INDEX, "[0, 2)", y=np.array([0, 2, 1]))
    f.bad("avg: NaN", NONFINITE, "finite", avg=np.full_like(avg, np.nan))
    f = Fn(reg, P + "sentiment.train_v1", st.train_v1, avg, y, 2, epochs=1)
    f.ints("epochs", low=1)
    f.ints("batch_size", low=1, floats=False, none=False)
    f.number("lr", 0.0, -0.01)
    f.bad("y: class n_y", INDEX, y=np.array([0, 2, 1]))
    f.bad("y: other m", VALUE, y=y[:2])
    net = st.make_v2(4, 3, 2, rng=0, dtype=np.float64)
    f = Fn(reg, P + "sentiment.make_v2", st.make_v2, 4, 3, 2)
    f.ints("n_a", low=1)
    f.bad("n_layers: 0", VALUE, n_layers=0)
    f.bad("dtype: int", TYPE, dtype=np.int32)
    y2 = np.array([0, 1])
    f = Fn(reg, P + "sentiment.v2_loss", st.v2_loss, net, ids, y2, lens, E)
    f.bad("ids: row len(E)", INDEX, ids=np.full_like(ids, 4))
    f.bad("y: class 2", INDEX, y=np.array([0, 2]))
    f.bad("E: other n_h", VALUE, E=E[:, :2])
    f.bad("lengths: 0", VALUE, lengths=np.array([0, 1]))
    f = Fn(reg, P + "sentiment.train_v2", st.train_v2, Fresh(lambda: st.make_v2(4, 3, 2, rng=0)),
           ids, lens, y2, E, epochs=1)
    f.ints("epochs", low=1)
    f.number("lr", 0.0, -1.0)
    f.number("clip", 0.0)
    f.bad("y: other m", VALUE, y=y2[:1])
    f = Fn(reg, P + "sentiment.v2_predict_proba", st.v2_predict_proba, net, ids, lens, E)
    f.ints("batch_size", low=1)
    f.bad("ids: -1", INDEX, ids=np.full_like(ids, -1))
    f = Fn(reg, P + "sentiment.analyse_sentence", st.analyse_sentence, "good movie", index, E,
           params, net)
    f.bad("text: None", TYPE, "None", text=None)
    f.bad("text: no known word", VALUE, text="zzz")
    f.bad("positive: class 2", INDEX, positive=2)
    f.bad("word_index: a list", TYPE, word_index=words)
    f = Fn(reg, P + "sentiment.accuracy", st.accuracy, np.array([0, 1]), np.array([0, 0]))
    f.bad("y_pred: other length", VALUE, y_pred=np.array([0]))
    f.bad("y_true: empty", VALUE, y_true=np.array([], int), y_pred=np.array([], int))
    f.bad("y_true: None", TYPE, "None", y_true=None)
    f.ok("y_true: a list", same={"y_true": np.array([0, 1])}, y_true=[0, 1])
    f = Fn(reg, P + "sentiment.confusion_matrix", st.confusion_matrix, np.array([0, 1]),
           np.array([0, 0]), 2)
    f.bad("y_pred: class n_classes", INDEX, y_pred=np.array([0, 2]))
    f.ints("n_classes", low=1)
    f.bad("y_true: floats", TYPE, y_true=np.array([0.0, 1.0]))
    f = Fn(reg, P + "sentiment.save_pretrained", st.save_pretrained, "/nonexistent-dir/s.npz",
           params, net, {})
    f.bad("path: a missing directory", (FileNotFoundError,), "/nonexistent-dir",
          default_words=False)
    f.bad("v1_params: missing b", KEY, "save_pretrained(v1_params", "missing", "'b'",
          v1_params={"W": params["W"]}, default_words=False)
    f.bad("net: None", TYPE, "None", net=None)
    f = Fn(reg, P + "sentiment.load_pretrained", st.load_pretrained, "/nonexistent/s.npz")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/s.npz", default_words=False)


def experiments(reg: Registry) -> None:
    f = Fn(reg, P + "long_range.train_agreement", lr_.train_agreement, "rnn", 2, n_a=3, m=4,
           n_steps=1, n_test=4)
    f.choice("kind", "cnn")
    f.ints("gap", low=2)
    f.ints("n_steps", low=1, floats=False, none=False)
    f.ints("m", low=1, floats=False, none=False)
    f.number("clip", 0.0, -1.0)
    f.bad("lr: a dict without this kind", KEY, "'rnn'", lr={"gru": 0.01})
    f.number("stop_at", 1.5, -0.1)
    f = Fn(reg, P + "long_range.gap_sweep", lr_.gap_sweep, ("rnn",), (2,), (0,), False, n_a=3,
           m=4, n_steps=1, n_test=4)
    f.bad("kinds: unknown kind", VALUE, kinds=("cnn",))
    f.bad("gaps: a gap of 1", VALUE, gaps=(1,))
    f.bad("gaps: empty", VALUE, gaps=())
    f.bad("unknown keyword", TYPE, "n_stepz", n_stepz=3, arg="**train")
    f.ints("workers", low=1, floats=False, none=False)
    f = Fn(reg, P + "name_tagging.train_name_tagger", nt.train_name_tagger, True, n_a=3, m=4,
           n_steps=1)
    f.bad("bidirectional: a str", TYPE, bidirectional="yes")
    f.choice("kind", "cnn")
    f.ints("n_steps", low=1, floats=False, none=False)
    f.number("lr", 0.0, -0.01)
    batch = sy.name_tagging_batch(3, 0)
    tagger = RecurrentNetwork(len(sy.TAGGING_VOCAB), 3, 2, "gru", bidirectional=True, rng=0)
    for name, fn in (("evaluate_name_tagger", nt.evaluate_name_tagger),
                     ("name_probabilities", nt.name_probabilities)):
        f = Fn(reg, P + f"name_tagging.{name}", fn, tagger, batch)
        f.bad("batch: a tuple of arrays", TYPE, "TaggingBatch", batch=tuple(batch)[:2])
        f.bad("net: another vocabulary size", VALUE, net=NET)
        f.bad("batch: None", TYPE, "None", batch=None)


def register(reg: Registry) -> None:
    training(reg)
    sentiment(reg)
    experiments(reg)


def _fail(what):
    raise AssertionError(what)
