"""Contract cases: seqlab.transformer's TaskModel, training loop and reversal toy."""

from __future__ import annotations

import numpy as np

from seqlab.optim import Adam
from seqlab.transformer import model as md
from seqlab.transformer import schedule as sc
from seqlab.transformer import tasks as tk
from seqlab.transformer import toy
from seqlab.vocab.tokens import TokenVocab
from tests.contract._harness import Registry
from tests.contract._kinds import INDEX, KEY, TYPE, VALUE, Fn, Fresh
from tests.contract.cases_transformer import MODEL, P


def tasks(reg: Registry) -> None:
    sv, tv = TokenVocab(list("abc")), TokenVocab(list("xyz"))
    task = tk.TaskModel.create(sv, tv, d_model=8, n_heads=2, d_ff=8, n_layers=1, max_len=8)
    C = P + "tasks.TaskModel"
    f = Fn(reg, C, tk.TaskModel, task.model, sv, tv)
    f.bad("model: a dict", TYPE, "Transformer", model={})
    f.choice("tokenizer", "bytes")
    f.bad("src_vocab: of another size", VALUE, src_vocab=TokenVocab(list("ab")))
    f.bad("src_vocab: a list", TYPE, "TokenVocab", src_vocab=list("abc"))
    f = Fn(reg, C + ".create", tk.TaskModel.create, sv, tv, d_model=8, n_heads=2, d_ff=8,
           n_layers=1, fname="TaskModel.create")
    f.bad("n_heads: 3", VALUE, n_heads=3)
    f.bad("unknown config field", TYPE, "n_head", n_head=2, arg="config")
    f = Fn(reg, C + ".tokens", task.tokens, "abc", fname="TaskModel.tokens")
    f.bad("source: None", TYPE, "None", source=None)
    f.bad("source: an int", TYPE, source=5)
    f = Fn(reg, C + ".encode_sources", task.encode_sources, ["ab", "c"],
           fname="TaskModel.encode_sources")
    f.bad("sources: unknown char", KEY, "'q'", sources=["aq"])
    f.bad("sources: one str", TYPE, "str", sources="abc")
    f.bad("sources: an empty source", VALUE, sources=["", "a"])
    f = Fn(reg, C + ".batch", task.batch, ["ab", "c"], ["xy", "z"], fname="TaskModel.batch")
    f.bad("targets: one fewer", VALUE, targets=["xy"])
    f.bad("targets: unknown char", KEY, "'q'", targets=["xq", "z"])
    f.bad("sources: longer than max_len", VALUE, "max_len", sources=["a" * 9, "b"])
    st = task.model.init_decoder_state(task.encode_sources(["ab"]))
    f = Fn(reg, C + ".step", task.step, np.array([1]), st, fname="TaskModel.step")
    f.bad("last_tokens: id V", INDEX, last_tokens=np.array([len(tv)]))
    f.bad("states: None", TYPE, "None", states=None)
    f = Fn(reg, C + ".greedy", task.greedy, ["ab", "c"], max_len=3, fname="TaskModel.greedy")
    f.ints("max_len", low=1)
    f.ints("batch_size", low=1, floats=False, none=False)
    f.bad("sources: one str", TYPE, "str", sources="abc")
    f = Fn(reg, C + ".beam", task.beam, "ab", max_len=3, fname="TaskModel.beam")
    f.ints("beam_width", low=1)
    f.number("alpha", -1.0)
    f.bad("source: a list of sources (read as tokens: 'ab' is none)", KEY, "'ab'",
          source=["ab", "c"])
    f = Fn(reg, C + ".save", task.save, "/nonexistent-dir/t.npz", fname="TaskModel.save")
    f.bad("path: a missing directory", (FileNotFoundError,), "/nonexistent-dir",
          default_words=False)
    f = Fn(reg, C + ".load", tk.TaskModel.load, "/nonexistent/t.npz", fname="TaskModel.load")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/t.npz",
          default_words=False)
    f = Fn(reg, P + "tasks.score", tk.score, ["ab"], ["ab"])
    f.bad("predictions: one more", VALUE, predictions=["ab", "c"], arg="references")
    f.bad("references: None", TYPE, "None", references=None)
    f.bad("predictions: one str", TYPE, "str", predictions="ab")
    f = Fn(reg, P + "tasks.train_task", tk.train_task, Fresh(lambda: tk.TaskModel.create(
        sv, tv, d_model=8, n_heads=2, d_ff=8, n_layers=1, max_len=8)), ["ab", "c"],
           ["xy", "z"], steps=1)
    f.ints("steps", low=1)
    f.ints("batch_size", low=1, floats=False, none=False)
    f.ints("warmup_steps", low=1, floats=False, none=False)
    f.number("factor", 0.0, -1.0)
    f.bad("targets: one fewer", VALUE, targets=["xy"])
    f.bad("task: a Transformer", TYPE, "TaskModel", task=MODEL)
    f.bad("callback: not callable", TYPE, "callable", callback=1)


def toys(reg: Registry) -> None:
    f = Fn(reg, P + "toy.encode_digits", toy.encode_digits, "3 1 4")
    f.bad("text: letters", VALUE, text="3a")
    f.bad("text: empty", VALUE, text="")
    f.bad("text: None", TYPE, "None", text=None)
    f.bad("text: an int", TYPE, "int", text=314)
    f = Fn(reg, P + "toy.decode_digits", toy.decode_digits, [6, 4, 7, 2])
    f.bad("tokens: id 13 >= VOCAB", INDEX, "[0, 13)", tokens=[6, 13])
    f.bad("tokens: -1", INDEX, tokens=[-1])
    f.bad("tokens: None", TYPE, "None", tokens=None)
    f.bad("tokens: a str", TYPE, "str", tokens="314")
    f = Fn(reg, P + "toy.reversal_batch", toy.reversal_batch, 2, 0)
    f.ints("m", low=1)
    f.bad("min_len: 0", VALUE, min_len=0)
    f.bad("max_len: below min_len", VALUE, max_len=2)
    f.bad("rng: a str", TYPE, rng="seed")
    f = Fn(reg, P + "toy.train_steps", toy.train_steps, Fresh(lambda: md.Transformer(
        md.TransformerConfig(13, 13, 8, 2, 8, 1, 12), 0, "float64")),
           Fresh(lambda: sc.WarmupSchedule(Adam(), 8, 4)), 1, 2, 0)
    f.ints("steps", low=1)
    f.ints("m", low=1, floats=False, none=False)
    f.bad("optimizer: a float", TYPE, optimizer=0.01)
    f.bad("model: None", TYPE, "None", model=None)
    f.bad("callback: not callable", TYPE, "callable", callback=3)
    small = md.Transformer(md.TransformerConfig(13, 13, 8, 2, 8, 1, 12), 0, "float64")
    f = Fn(reg, P + "toy.sequence_accuracy", toy.sequence_accuracy, small, 2, 0)
    f.ints("m", low=1)
    f.ints("max_len", low=1, floats=False, none=False)
    f.bad("model: None", TYPE, "None", model=None)
    f = Fn(reg, P + "toy.load_reversal_model", toy.load_reversal_model, "/nonexistent/r.npz")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/r.npz",
          default_words=False)


def backward_full(reg: Registry) -> None:
    """The _full backward passes: the same checks as the plain ones, under their own names."""
    from seqlab.transformer import attention as at
    from seqlab.transformer import blocks as bk
    from seqlab.transformer import multi_head as mh
    from tests.contract.cases_transformer import SRC, TGT_IN, K, Q, Vv, d, h, m
    out, _, cache = at.scaled_dot_product_attention(Q, K, Vv)
    f = Fn(reg, P + "attention.scaled_dot_product_attention_backward_full",
           at.scaled_dot_product_attention_backward_full, np.ones_like(out), cache)
    f.bad("dout: wrong shape", VALUE, dout=np.ones((m, 3, d + 1)))
    f.bad("dout: None", TYPE, "None", dout=None)
    f.bad("cache: None", TYPE, "None", cache=None)
    f.ok("dout: int (promoted)", same={"dout": np.ones_like(out)}, dout=np.ones(out.shape, int))
    rng = np.random.default_rng(0)
    params = mh.init_multi_head_params(d, rng)
    out, _, cache = mh.multi_head_attention_forward(Q, K, params, h)
    f = Fn(reg, P + "multi_head.multi_head_attention_backward_full",
           mh.multi_head_attention_backward_full, np.ones_like(out), cache)
    f.bad("dout: transposed", VALUE, dout=np.ones((m, d, 3)))
    f.bad("dout: None", TYPE, "None", dout=None)
    f.bad("cache: an AttentionCache", TYPE, cache=at.scaled_dot_product_attention(Q, K, Vv)[2])
    out, _, cache = bk.encoder_layer_forward(Q, bk.init_encoder_layer(d, 16, rng), h)
    f = Fn(reg, P + "blocks.encoder_layer_backward_full", bk.encoder_layer_backward_full,
           np.ones_like(out), cache)
    f.bad("dout: wrong shape", VALUE, dout=np.ones((m, 4, d)))
    f.bad("cache: None", TYPE, "None", cache=None)
    f.bad("dout: None", TYPE, "None", dout=None)
    out, _, cache = bk.decoder_layer_forward(K, Q, bk.init_decoder_layer(d, 16, rng), h)
    f = Fn(reg, P + "blocks.decoder_layer_backward_full", bk.decoder_layer_backward_full,
           np.ones_like(out), cache)
    f.bad("dout: wrong shape", VALUE, dout=np.ones((m, 3, d)))
    f.bad("cache: None", TYPE, "None", cache=None)
    f.bad("cache: an encoder layer's", TYPE, cache=bk.encoder_layer_forward(
        Q, bk.init_encoder_layer(d, 16, rng), h)[2], arg="cache")
    logits, cache = MODEL.forward(SRC, TGT_IN)
    f = Fn(reg, P + "model.Transformer.backward_full", MODEL.backward_full,
           np.ones_like(logits), cache, fname="Transformer.backward_full")
    f.bad("dlogits: wrong shape", VALUE, dlogits=np.ones((2, 3, 7)))
    f.bad("dlogits: None", TYPE, "None", dlogits=None)
    f.bad("cache: None", TYPE, "None", cache=None)
    f.ok("dlogits: int (promoted)", check=None, dlogits=np.ones(logits.shape, int))


def sampling_tracing(reg: Registry) -> None:
    from seqlab.transformer import trace as tr
    from tests.contract.cases_transformer import SRC, TGT_IN
    sv, tv = TokenVocab(list("abc")), TokenVocab(list("xyz"))
    task = tk.TaskModel.create(sv, tv, d_model=8, n_heads=2, d_ff=8, n_layers=1, max_len=8)
    C = P + "tasks.TaskModel"
    f = Fn(reg, C + ".sample", task.sample, "ab", max_len=3, fname="TaskModel.sample")
    f.number("temperature", -1.0, float("nan"), "1", None)
    f.ints("top_k", low=1, none=False)
    f.ints("max_len", low=1)
    f.bad("seed: a str", TYPE, seed="zero")
    f.bad("source: None", TYPE, "None", source=None)
    f.bad("source: unknown char", KEY, "'q'", source="aq", arg="source")
    f.ok("seed: the same seed draws the same output", same={"seed": 3}, seed=3)
    f = Fn(reg, C + ".path_log_probs", task.path_log_probs, "ab", [3, 2],
           fname="TaskModel.path_log_probs")
    V = len(tv)
    f.bad("tokens: id V", INDEX, f"V = {V}", tokens=[3, V], arg="tokens")
    f.bad("tokens: -1", INDEX, tokens=[-1])
    f.bad("tokens: a str", TYPE, "str", tokens="ab")
    f.bad("tokens: None", TYPE, "None", tokens=None)
    f.bad("tokens: empty", VALUE, tokens=[])
    f.bad("tokens: floats", TYPE, tokens=[3.0, 2.0])
    f.ok("tokens: a NumPy array", same={"tokens": [3, 2]}, tokens=np.array([3, 2]))
    f.bad("source: None", TYPE, "None", source=None)
    f = Fn(reg, P + "trace.trace_forward", tr.trace_forward, MODEL, SRC[:1], TGT_IN[:1])
    f.bad("model: a TaskModel", TYPE, "Transformer", model=task)
    f.bad("src: two examples", VALUE, src=SRC)
    f.bad("src: None", TYPE, "None", src=None)
    f.bad("src: 1-D", VALUE, src=SRC[0])
    f.bad("tgt_in: floats", TYPE, tgt_in=TGT_IN[:1].astype(float))
    f.bad("src: id 7 >= src_vocab", INDEX, "[0, 7)", src=np.array([[3, 7, 0]]))
    f.bad("tgt_in: id 6 >= tgt_vocab", INDEX, "[0, 6)", tgt_in=np.array([[1, 6, 0]]))
    f.ok("src: a list", same={"src": SRC[:1]}, check=None, src=SRC[:1].tolist())
    trace = tr.trace_forward(MODEL, SRC[:1], TGT_IN[:1])
    f = Fn(reg, P + "trace.trace_backward", tr.trace_backward, MODEL, trace, 1, 4)
    f.bad("model: None", TYPE, "None", model=None)
    f.bad("trace: None", TYPE, "None", trace=None)
    f.ints("position", low=0, high=2)
    f.bad("token: V", VALUE, "< V = 6", token=6)
    f.bad("token: -1", VALUE, token=-1)
    f.bad("token: the padding id", VALUE, "padding", token=0)
    f.ok("token: None (the argmax)", check=None, token=None)


def register(reg: Registry) -> None:
    tasks(reg)
    toys(reg)
    backward_full(reg)
    sampling_tracing(reg)
