"""Contract cases: seqlab.transformer (attention, heads, masks, positions, blocks, label
smoothing, schedule, the model, tasks, the toy)."""

from __future__ import annotations

import numpy as np

from seqlab.optim import SGD, Adam
from seqlab.transformer import attention as at
from seqlab.transformer import blocks as bk
from seqlab.transformer import label_smoothing as ls
from seqlab.transformer import masks as mk
from seqlab.transformer import model as md
from seqlab.transformer import multi_head as mh
from seqlab.transformer import positional as pe
from seqlab.transformer import schedule as sc
from tests.contract._harness import Registry, finite
from tests.contract._kinds import INDEX, NONFINITE, TYPE, VALUE, Fn, Fresh

RNG = np.random.default_rng(8)
P = "seqlab.transformer."
m, T, d, h = 2, 3, 8, 2
Q = RNG.standard_normal((m, T, d))
K = RNG.standard_normal((m, T + 1, d))
Vv = RNG.standard_normal((m, T + 1, d))


def attention(reg: Registry) -> None:
    f = Fn(reg, P + "attention.scaled_dot_product_attention", at.scaled_dot_product_attention,
           Q, K, Vv)
    f.ok("Q, K, V: int arrays (promoted, a learner's np.array([[1, 0, 1]]))",
         same={"Q": np.round(Q), "K": np.round(K), "V": np.round(Vv)},
         Q=np.round(Q).astype(int), K=np.round(K).astype(int), V=np.round(Vv).astype(int))
    f.array("Q", "ndim", "f16", "complex", "none", "list")
    f.bad("K: other d_k", VALUE, K=K[..., :4])
    f.bad("V: other T_k", VALUE, V=Vv[:, :2])
    f.bad("K: other batch", VALUE, K=K[:1], V=Vv[:1])
    f.bad("mask: ints", TYPE, "bool", mask=np.ones((m, T, T + 1), int))
    f.bad("mask: not broadcastable", VALUE, mask=np.ones((m, T + 1, T), bool))
    full = np.ones((m, T, T + 1), bool)
    full[0, 1] = False
    f.ok("mask: a fully masked row gives weights 0 and output 0 (documented)",
         check=lambda r: (np.all(r[1][0, 1] == 0) and np.all(r[0][0, 1] == 0)) or _fail(
             "row not zero"), mask=full)
    f.bad("K: empty T_k = 0", VALUE, "at least one", K=K[:, :0], V=Vv[:, :0])
    f.ok("Q: empty T_q = 0 (handled: no queries)", check=finite, Q=Q[:, :0])
    f.ok("Q: NaN passes through (forward functions do, documented)", check=None,
         Q=np.full_like(Q, np.nan))
    out, w, cache = at.scaled_dot_product_attention(Q, K, Vv)
    f = Fn(reg, P + "attention.scaled_dot_product_attention_backward",
           at.scaled_dot_product_attention_backward, np.ones_like(out), cache)
    f.bad("dout: wrong shape", VALUE, dout=np.ones((m, T, d + 1)))
    f.bad("dout: None", TYPE, "None", dout=None)
    f.bad("cache: None", TYPE, "None", cache=None)
    f.ok("dout: int (promoted)", same={"dout": np.ones_like(out)}, dout=np.ones(out.shape, int))


def _fail(what):
    raise AssertionError(what)


def heads(reg: Registry) -> None:
    x = RNG.standard_normal((m, T, d))
    f = Fn(reg, P + "multi_head.split_heads", mh.split_heads, x, h)
    f.bad("n_heads: 3 does not divide d_model = 8", VALUE, "divid", n_heads=3)
    f.ints("n_heads", low=1)
    f.bad("x: 2-D", VALUE, x=x[0])
    f.bad("x: None", TYPE, "None", x=None)
    f.ok("x: a list (converted)", same={"x": x}, x=x.tolist())
    f = Fn(reg, P + "multi_head.merge_heads", mh.merge_heads, mh.split_heads(x, h))
    f.bad("x: 3-D", VALUE, x=x)
    f.bad("x: None", TYPE, "None", x=None)
    params = mh.init_multi_head_params(d, np.random.default_rng(0))
    f = Fn(reg, P + "multi_head.init_multi_head_params", mh.init_multi_head_params, d, 0)
    f.ints("d_model", low=1)
    f.bad("dtype: int", TYPE, dtype="int64")
    f.bad("rng: a str", TYPE, rng="seed")
    f.ok("rng: an int seed", check=None, rng=1)
    kv = RNG.standard_normal((m, T + 1, d))
    f = Fn(reg, P + "multi_head.multi_head_attention_forward", mh.multi_head_attention_forward,
           x, kv, params, h)
    f.bad("n_heads: 0", VALUE, n_heads=0)
    f.bad("n_heads: 3", VALUE, n_heads=3)
    f.ok("n_heads: NumPy int", same={"n_heads": h}, n_heads=np.int64(h))
    f.bad("kv_in: other batch", VALUE, kv_in=kv[:1])
    f.params("params", missing="W_q", shape="W_o")
    f.array("q_in", "ndim", "int", "none", "complex")
    f.bad("mask: ints", TYPE, "bool", mask=np.ones((m, 1, T + 1), int))
    out, _, cache = mh.multi_head_attention_forward(x, kv, params, h)
    f = Fn(reg, P + "multi_head.multi_head_attention_backward", mh.multi_head_attention_backward,
           np.ones_like(out), cache)
    f.bad("dout: transposed", VALUE, dout=np.ones((m, d, T)))
    f.bad("cache: None", TYPE, "None", cache=None)


def positions(reg: Registry) -> None:
    f = Fn(reg, P + "positional.positional_encoding", pe.positional_encoding, 5, 8)
    f.bad("dtype: int64 (zero rows)", TYPE, "float", dtype="int64")
    f.bad("dtype: bool", TYPE, dtype=bool)
    f.ints("positions", low=1)
    f.ints("d_model", low=1)
    f.ok("d_model: odd (the last column is a sine)", check=None, d_model=7)
    f = Fn(reg, P + "positional.get_angles", pe.get_angles, np.arange(5)[:, None],
           np.arange(8)[None, :], 8)
    f.ints("d", low=1)
    f.bad("pos: None", TYPE, "None", pos=None)
    f.bad("k: negative", VALUE, k=np.array([[-1, 0]]))
    f.bad("pos: complex", TYPE, "complex", pos=np.arange(5)[:, None] + 0j)
    f.ok("pos: a list", same={"pos": np.arange(5)[:, None]}, pos=[[0], [1], [2], [3], [4]])
    f = Fn(reg, P + "positional.relative_shift_matrix", pe.relative_shift_matrix, 2, 8)
    f.bad("d_model: odd", VALUE, "even", d_model=7)
    f.ints("d_model", low=2, numpy=True)
    f.ints("k", floats=True, none=True, numpy=True)
    f.bad("dtype: int", TYPE, dtype="int32")


def masks(reg: Registry) -> None:
    tokens = np.array([[3, 4, 0], [5, 0, 0]])
    for name in ("padding_mask", "decoder_mask"):
        f = Fn(reg, P + f"masks.{name}", getattr(mk, name), tokens)
        f.bad("tokens: floats", TYPE, tokens=tokens.astype(float))
        f.bad("tokens: 1-D", VALUE, tokens=tokens[0])
        f.bad("tokens: None", TYPE, "None", tokens=None)
        f.bad("pad_id: -1", VALUE, pad_id=-1)
        f.ok("tokens: a list", same={"tokens": tokens}, tokens=tokens.tolist())
        f.ok("pad_id: NumPy int", same={"pad_id": 0}, pad_id=np.int64(0))
    f = Fn(reg, P + "masks.look_ahead_mask", mk.look_ahead_mask, 4)
    f.ints("size", low=1)


def blocks(reg: Registry) -> None:
    rng = np.random.default_rng(0)
    enc_p = bk.init_encoder_layer(d, 16, rng)
    dec_p = bk.init_decoder_layer(d, 16, rng)
    x = RNG.standard_normal((m, T, d))
    y = RNG.standard_normal((m, T + 1, d))
    f = Fn(reg, P + "blocks.encoder_layer_forward", bk.encoder_layer_forward, x, enc_p, h)
    f.bad("n_heads: 0", VALUE, n_heads=0)
    f.bad("n_heads: 3", VALUE, n_heads=3)
    f.number("dropout", 1.0, 1.5, -0.1)
    f.ok("rng: None with dropout at training time (fresh, unseeded masks)", check=None,
         dropout=0.1, train=True, rng=None)
    f.params("params", missing="ffn.W_1", extra=True)
    f.array("x", "ndim", "none")
    f.bad("x: other d_model", VALUE, x=x[..., :4])
    out, _, ecache = bk.encoder_layer_forward(x, enc_p, h)
    f = Fn(reg, P + "blocks.encoder_layer_backward", bk.encoder_layer_backward,
           np.ones_like(out), ecache)
    f.bad("dout: wrong shape", VALUE, dout=np.ones((m, T + 1, d)))
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, P + "blocks.decoder_layer_forward", bk.decoder_layer_forward, y, x, dec_p, h)
    f.bad("enc_out: other batch", VALUE, enc_out=x[:1])
    f.bad("enc_out: other d_model", VALUE, enc_out=x[..., :4])
    f.number("dropout", 1.0)
    f.params("params", missing="cross.W_q", extra=False)
    f.bad("self_mask: ints", TYPE, "bool", self_mask=np.ones((m, T + 1, T + 1), int))
    out, _, dcache = bk.decoder_layer_forward(y, x, dec_p, h)
    f = Fn(reg, P + "blocks.decoder_layer_backward", bk.decoder_layer_backward,
           np.ones_like(out), dcache)
    f.bad("dout: wrong shape", VALUE, dout=np.ones((m, T, d)))
    f.bad("cache: None", TYPE, "None", cache=None)
    ffn = bk.sub(enc_p, "ffn")
    f = Fn(reg, P + "blocks.feed_forward_forward", bk.feed_forward_forward, x, ffn)
    f.bad("x: other d_model", VALUE, x=x[..., :4])
    f.params("params", missing="W_2", extra=True)
    f.bad("x: None", TYPE, "None", x=None)
    out, fcache = bk.feed_forward_forward(x, ffn)
    f = Fn(reg, P + "blocks.feed_forward_backward", bk.feed_forward_backward, np.ones_like(out),
           fcache)
    f.bad("dout: wrong shape", VALUE, dout=np.ones((m, T, d + 1)))
    f.bad("cache: None", TYPE, "None", cache=None)
    for name in ("init_encoder_layer", "init_decoder_layer"):
        f = Fn(reg, P + f"blocks.{name}", getattr(bk, name), d, 16, 0)
        f.ints("d_model", low=1)
        f.ints("d_ff", low=1, floats=False, none=False)
        f.bad("dtype: int", TYPE, dtype="int64")
        f.ok("rng: an int seed", check=None, rng=3)
    f = Fn(reg, P + "blocks.sub", bk.sub, enc_p, "ffn")
    f.bad("prefix: matches no key", VALUE, "'nope'", prefix="nope")
    f.bad("params: a list", TYPE, "list", params=list(enc_p))


def smoothing(reg: Registry) -> None:
    logits = RNG.standard_normal((m, T, 6))
    y = np.array([[3, 4, 0], [5, 0, 0]])
    f = Fn(reg, P + "label_smoothing.label_smoothed_cross_entropy",
           ls.label_smoothed_cross_entropy, logits, y)
    f.ok("logits: int (promoted; gradients not zero)", same={"logits": np.round(logits * 2)},
         logits=np.round(logits * 2).astype(int))
    f.array("logits", "complex", "none", "list", "nan", "inf", nan="refuse",
            words={"nan": ("clip", "learning rate")})
    f.number("smoothing", 1.0, -0.1, 1.5, "0.1", None)
    f.ok("smoothing: NumPy float", same={"smoothing": 0.2}, smoothing=np.float64(0.2))
    f.bad("y: id V", INDEX, "[0, 6)", y=np.array([[3, 6, 0], [5, 0, 0]]))
    f.bad("y: -1 (not the ignore id)", INDEX, y=np.array([[3, -1, 0], [5, 0, 0]]))
    f.bad("y: floats", TYPE, y=y.astype(float))
    f.bad("y: transposed", VALUE, y=y.T.copy())
    f.bad("y: all ignore_id", VALUE, y=np.zeros_like(y))
    f.bad("ignore_id: V", VALUE, ignore_id=6)
    f.ok("ignore_id: NumPy int", same={"ignore_id": 0}, ignore_id=np.int64(0))
    f.bad("logits: NaN at an ignored position (refused too, as cross_entropy)", NONFINITE,
          "finite", logits=np.where((np.arange(T) == 2)[None, :, None], np.nan, logits))


def schedule(reg: Registry) -> None:
    f = Fn(reg, P + "schedule.transformer_lr", sc.transformer_lr, 10, 64)
    f.ints("step", low=1)
    f.ints("d_model", low=1, floats=False, numpy=True)
    f.ints("warmup_steps", low=1, floats=False, none=False)
    f.number("factor", 0.0, -1.0, "1")
    C = P + "schedule.WarmupSchedule"
    f = Fn(reg, C, sc.WarmupSchedule, Adam(), 64)
    f.bad("optimizer: a learning rate", TYPE, optimizer=0.001)
    f.ints("d_model", low=1)
    f.ints("warmup_steps", low=1, floats=False, none=False)
    f.number("factor", 0.0, float("nan"))

    def pg():
        return {"W": np.ones((2, 2))}
    f = Fn(reg, C + ".step", lambda params, grads: sc.WarmupSchedule(SGD(1.0), 8, 4).step(
        params, grads), Fresh(pg), {"W": np.ones((2, 2))}, fname="WarmupSchedule.step")
    f.bad("grads: NaN", NONFINITE, "finite", "clip", grads={"W": np.full((2, 2), np.nan)})
    f.bad("grads: missing W", VALUE, grads={})
    f.bad("params: None", TYPE, "None", params=None)


CFG = md.TransformerConfig(7, 6, d_model=8, n_heads=2, d_ff=16, n_layers=1, max_len=6)
MODEL = md.Transformer(CFG, seed=0, dtype="float64")
SRC = np.array([[3, 4, 5], [6, 0, 0]])
TGT_IN = np.array([[1, 3, 4], [1, 5, 0]])
TGT_OUT = np.array([[3, 4, 2], [5, 2, 0]])


def model(reg: Registry) -> None:
    C = P + "model.TransformerConfig"
    f = Fn(reg, C, md.TransformerConfig, 7, 6, d_model=8, n_heads=2)
    f.bad("n_heads: 0", VALUE, n_heads=0)
    f.bad("n_heads: 3 does not divide 8", VALUE, n_heads=3)
    f.number("dropout", 1.0, 1.5, -0.1, "0.1")
    f.number("label_smoothing", 1.0, -0.1)
    f.bad("pad_id: 7 >= tgt_vocab", VALUE, pad_id=7)
    f.bad("pad_id: -1", VALUE, pad_id=-1)
    f.ok("d_model: NumPy int", check=None, d_model=np.int64(8))
    f.bad("src_vocab: 2.5", TYPE, src_vocab=2.5)
    C = P + "model.Transformer"
    f = Fn(reg, C, md.Transformer, CFG)
    f.bad("config: a dict", TYPE, "TransformerConfig", config={"src_vocab": 7})
    f.bad("dtype: int", TYPE, dtype="int32")
    f.bad("seed: a str", TYPE, seed="zero")
    for meth, args in (("forward", (SRC, TGT_IN)), ("encode", (SRC,))):
        f = Fn(reg, f"{C}.{meth}", getattr(MODEL, meth), *args, fname=f"Transformer.{meth}")
        f.bad("src: token id 7 >= src_vocab", INDEX, "[0, 7)", src=np.array([[3, 7, 0]]),
              arg="src")
        f.bad("src: -1 (would wrap)", INDEX, "[0, 7)", src=np.array([[3, -1, 0]]), arg="src")
        f.bad("src: floats", TYPE, src=SRC.astype(float))
        f.bad("src: longer than max_len", VALUE, "max_len", src=np.full((2, 7), 3))
        f.bad("src: None", TYPE, "None", src=None)
        f.bad("src: 1-D", VALUE, src=SRC[0])
        f.bad("src: empty T = 0", VALUE, "at least one", src=SRC[:, :0])
    f = Fn(reg, C + ".forward", MODEL.forward, SRC, TGT_IN, fname="Transformer.forward")
    f.bad("tgt_in: id 6 >= tgt_vocab", INDEX, "[0, 6)", tgt_in=np.array([[1, 6, 0],
                                                                      [1, 0, 0]]))
    f.bad("tgt_in: other batch", VALUE, tgt_in=TGT_IN[:1])
    enc, src_mask, _, _ = MODEL.encode(SRC)
    f = Fn(reg, C + ".decode", MODEL.decode, TGT_IN, enc, src_mask, fname="Transformer.decode")
    f.bad("tgt_in: id 6", INDEX, tgt_in=np.full((2, 3), 6))
    f.bad("enc: other d_model", VALUE, enc=enc[..., :4])
    f.bad("src_mask: ints", TYPE, "bool", src_mask=src_mask.astype(int))
    logits, cache = MODEL.forward(SRC, TGT_IN)
    f = Fn(reg, C + ".backward", MODEL.backward, np.ones_like(logits), cache,
           fname="Transformer.backward")
    f.bad("dlogits: wrong shape", VALUE, dlogits=np.ones((2, 3, 7)))
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, C + ".loss", MODEL.loss, (SRC, TGT_IN, TGT_OUT), False, fname="Transformer.loss")
    f.bad("batch: tgt_out id 6", INDEX, batch=(SRC, TGT_IN, np.full((2, 3), 6)))
    f.bad("batch: two arrays", TYPE, "batch", batch=(SRC, TGT_IN))
    f.bad("batch: tgt_out transposed", VALUE, batch=(SRC, TGT_IN, TGT_OUT.T.copy()))
    f = Fn(reg, C + ".init", MODEL.init, np.random.default_rng(0), fname="Transformer.init")
    f.bad("rng: a str", TYPE, rng="seed")
    f.ok("rng: an int seed", check=None, rng=1)
    f = Fn(reg, C + ".init_decoder_state", MODEL.init_decoder_state, SRC[:1],
           fname="Transformer.init_decoder_state")
    f.bad("src: two sentences", VALUE, src=SRC)
    f.bad("src: id 7", INDEX, src=np.array([3, 7]))
    st = MODEL.init_decoder_state(SRC[:1])
    f = Fn(reg, C + ".decode_step", MODEL.decode_step, np.array([1]), st,
           fname="Transformer.decode_step")
    f.bad("last_tokens: id 6", INDEX, "[0, 6)", last_tokens=np.array([6]))
    f.bad("last_tokens: two for one state", VALUE, last_tokens=np.array([1, 1]))
    f.bad("states: None", TYPE, "None", states=None)
    f = Fn(reg, C + ".greedy_decode", MODEL.greedy_decode, SRC, 1, 2, 4,
           fname="Transformer.greedy_decode")
    f.bad("eos: 6 >= tgt_vocab (never produced)", VALUE, "< V = 6", eos=6)
    f.bad("bos: 6", VALUE, "< V = 6", bos=6)
    f.bad("bos: -1", VALUE, bos=-1)
    f.ints("max_len", low=1)
    f.ok("eos: NumPy int", same={"eos": 2}, eos=np.int64(2))
    f.bad("src: id 7", INDEX, src=np.full((1, 3), 7))


def register(reg: Registry) -> None:
    attention(reg)
    heads(reg)
    positions(reg)
    masks(reg)
    blocks(reg)
    smoothing(reg)
    schedule(reg)
    model(reg)
    from tests.contract.cases_transformer2 import register as more
    more(reg)
