"""Contract cases: seqlab.seq2seq's models (EncoderDecoder, AttentionSeq2Seq, ImageCaptioner),
their shared base, and their training loops."""

from __future__ import annotations

import numpy as np

from seqlab import seq2seq as S
from seqlab.seq2seq import _base as base
from seqlab.seq2seq import captioning as cap
from seqlab.seq2seq import train as tr
from seqlab.vocab.tokens import TokenVocab
from tests.contract._harness import Registry
from tests.contract._kinds import INDEX, TYPE, VALUE, Fn, Fresh

P = "seqlab.seq2seq."
SRC = TokenVocab(list("abcd"))
TGT = TokenVocab(list("xyz"))
ATT = S.AttentionSeq2Seq(SRC, TGT, n_a=3, n_s=4, n_e=3, rng=0, dtype=np.float64)
ED = S.EncoderDecoder(SRC, TGT, n_a=3, n_s=4, kind="gru", rng=0, dtype=np.float64)
X, XL, Y, YL = ATT.batch(["abc", "d"], ["xy", "zzz"])
V_SRC, V_TGT = len(SRC), len(TGT)


def models(reg: Registry) -> None:
    for cls, model in ((S.AttentionSeq2Seq, ATT), (S.EncoderDecoder, ED)):
        name = cls.__name__
        C = P + ("attention_model." if cls is S.AttentionSeq2Seq else "encoder_decoder.") + name
        f = Fn(reg, C, cls, SRC, TGT, n_a=3, n_s=4)
        f.bad("src_vocab: a list", TYPE, "TokenVocab", src_vocab=list("abc"))
        f.ints("n_a", low=1)
        f.bad("n_s: 0", VALUE, n_s=0)
        f.choice("kind", "cnn")
        f.bad("dtype: int", TYPE, dtype=np.int64)
        f = Fn(reg, C + ".forward", model.forward, X, XL, Y, fname=f"{name}.forward")
        f.bad("x_ids: id V", INDEX, f"[0, {V_SRC})", x_ids=np.full_like(X, V_SRC))
        f.bad("x_ids: -1 (would wrap)", INDEX, x_ids=np.full_like(X, -1))
        f.bad("y_ids: id V_y", INDEX, f"[0, {V_TGT})", y_ids=np.full_like(Y, V_TGT))
        f.bad("y_ids: floats", TYPE, y_ids=Y.astype(float))
        f.bad("y_ids: other batch size", VALUE, y_ids=Y[:1])
        f.bad("x_lengths: 0", VALUE, x_lengths=np.array([3, 0]))
        f.bad("x_lengths: T_x + 1", VALUE, x_lengths=np.array([4, 1]))
        f.bad("x_ids: None", TYPE, "None", x_ids=None)
        f.bad("x_ids: floats", TYPE, x_ids=X.astype(float))
        logits, cache = model.forward(X, XL, Y)
        f = Fn(reg, C + ".backward", model.backward, np.ones_like(logits), cache,
               fname=f"{name}.backward")
        f.bad("dlogits: transposed", VALUE, dlogits=np.ones_like(logits).transpose(0, 2, 1))
        f.bad("dlogits: None", TYPE, "None", dlogits=None)
        f.bad("cache: None", TYPE, "None", cache=None)
        f = Fn(reg, C + ".loss", model.loss, (X, XL, Y, YL), fname=f"{name}.loss")
        f.bad("batch: three arrays", TYPE, "batch", batch=(X, XL, Y))
        f.bad("batch: y_lengths 0 everywhere", VALUE, batch=(X, XL, Y, np.zeros(2, int)))
        f.bad("batch: None", TYPE, "None", batch=None)
        f = Fn(reg, C + ".init_state", model.init_state, X, XL, fname=f"{name}.init_state")
        f.bad("x_ids: id V", INDEX, x_ids=np.full_like(X, V_SRC))
        f.bad("x_lengths: other m", VALUE, x_lengths=XL[:1])
        f.bad("x_ids: 3-D", VALUE, x_ids=X[None])
        states = model.init_state(X, XL)
        f = Fn(reg, C + ".decoder_step", model.decoder_step, np.array([1, 1]), states,
               fname=f"{name}.decoder_step")
        f.bad("last_tokens: id V_y", INDEX, f"[0, {V_TGT})", last_tokens=np.array([1, V_TGT]))
        f.bad("last_tokens: other k", VALUE, last_tokens=np.array([1, 1, 1]))
        f.bad("states: None", TYPE, "None", states=None)
        f.bad("last_tokens: floats", TYPE, last_tokens=np.array([1.0, 1.0]))
        f.load = None
        f = Fn(reg, C + ".load", cls.load, "/nonexistent/model.npz", fname=f"{name}.load")
        f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/model.npz",
              default_words=False)
    f = Fn(reg, P + "attention_model.AttentionSeq2Seq.attention_map", ATT.attention_map, X, XL,
           fname="AttentionSeq2Seq.attention_map")
    f.ints("max_len", low=1)
    f.bad("force: a row of the wrong length", VALUE, force={0: np.ones(2)})
    f.bad("force: a negative weight", VALUE, force={0: np.array([1.5, -0.5, 0.0])})
    f.bad("force: step -1", VALUE, force={-1: np.array([1.0, 0.0, 0.0])})
    f = Fn(reg, P + "attention_model.AttentionSeq2Seq", S.AttentionSeq2Seq, SRC, TGT, n_a=3,
           n_s=4)
    f.choice("score", "cosine")
    f.choice("energy_activation", "tanh")
    f.bad("score: 'dot' with n_s != 2 n_a", VALUE, score="dot")
    B = P + "_base.Seq2SeqBase"
    f = Fn(reg, B + ".batch", ATT.batch, ["abc", "d"], ["xy", "zzz"], fname="batch")
    f.bad("sources: unknown token 'q'", (KeyError, ValueError), "'q'", sources=["aq", "d"])
    f.bad("targets: one fewer", VALUE, targets=["xy"])
    f.bad("sources: an empty source", VALUE, sources=["", "d"])
    f.bad("sources: one str", TYPE, "str", sources="abc")
    f = Fn(reg, B + ".greedy", ATT.greedy, X, XL, fname="greedy")
    f.ints("max_len", low=1)
    f.bad("x_ids: id V", INDEX, x_ids=np.full_like(X, V_SRC))
    f.bad("x_lengths: 0", VALUE, x_lengths=np.array([0, 1]))
    f = Fn(reg, B + ".log_prob", ATT.log_prob, X, [[3, 4], [5]], XL, fname="log_prob")
    f.bad("y_seqs: id V_y", INDEX, f"[0, {V_TGT})", y_seqs=[[3, V_TGT], [5]])
    f.bad("y_seqs: -1", INDEX, y_seqs=[[3, -1], [5]])
    f.bad("y_seqs: one fewer", VALUE, y_seqs=[[3]])
    f.bad("y_seqs: a str", TYPE, "str", y_seqs="xy")
    f = Fn(reg, B + ".translate", ATT.translate, ["abc"], fname="translate")
    f.bad("sources: one str", TYPE, "str", sources="abc")
    f.ints("max_len", low=1)
    f = Fn(reg, B + ".save", ATT.save, "/nonexistent-dir/m.npz", fname="save")
    f.bad("path: a missing directory", (FileNotFoundError,), "/nonexistent-dir",
          default_words=False)
    f.bad("path: None", TYPE, path=None)
    params = ATT.params
    f = Fn(reg, P + "_base.sub_params", base.sub_params, params, "enc/")
    f.bad("prefix: matches no key", VALUE, "'dec/'", prefix="dec/")
    f.bad("params: a list", TYPE, "list", params=list(params))
    f.bad("prefix: None", TYPE, prefix=None)
    f = Fn(reg, P + "_base.encoder_forward", base.encoder_forward, X, XL, params, ATT.config,
           np.float64)
    f.bad("x_ids: id V", INDEX, x_ids=np.full_like(X, V_SRC))
    f.bad("config: missing 'n_x'", (KeyError, ValueError), "encoder_forward(config", "missing",
          "'n_x'", config={k: v for k, v in ATT.config.items() if k != "n_x"},
          default_words=False)
    f.bad("x_lengths: 0", VALUE, x_lengths=np.array([0, 1]))
    a, ecache = base.encoder_forward(X, XL, params, ATT.config, np.float64)
    f = Fn(reg, P + "_base.encoder_backward", base.encoder_backward, np.ones_like(a), ecache)
    f.bad("da_enc: transposed", VALUE, da_enc=np.ones_like(a).transpose(0, 2, 1))
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, P + "encoder_decoder.load_seq2seq", S.load_seq2seq, "/nonexistent/m.npz")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/m.npz",
          default_words=False)
    f.bad("path: None", TYPE, path=None)
    f = Fn(reg, P + "train.train_seq2seq", tr.train_seq2seq,
           Fresh(lambda: S.EncoderDecoder(SRC, TGT, 3, 4, "rnn", rng=0)), ["abc", "d"],
           ["xy", "z"], steps=1, log=None)
    f.ints("steps", low=1)
    f.ints("batch_size", low=1)
    f.number("lr", 0.0, -1e-3, "0.01")
    f.number("clip", 0.0, -1.0)
    f.bad("targets: one fewer", VALUE, targets=["xy"])
    f.bad("sources: empty", VALUE, sources=[], targets=[])
    f.bad("model: None", TYPE, "None", model=None)
    f.number("lr_decay_at", -0.1, 1.5)
    f.ints("eval_every", low=1, none=False)


def captioner(reg: Registry) -> None:
    vocab = TokenVocab(["a", "red", "dot"])
    model = cap.ImageCaptioner(vocab, n_a=4, kind="gru", channels=(2, 2), image_size=8, rng=0,
                               dtype=np.float64)
    imgs = np.random.default_rng(0).random((2, 3, 8, 8))
    C = P + "captioning.ImageCaptioner"
    f = Fn(reg, C, cap.ImageCaptioner, vocab, n_a=4, channels=(2, 2), image_size=8)
    f.bad("image_size: 6", VALUE, image_size=6)
    f.ints("n_a", low=1)
    f.bad("channels: (2, 0)", VALUE, channels=(2, 0))
    f.bad("vocab: a list", TYPE, "TokenVocab", vocab=["a"])
    f.choice("kind", "cnn")
    f.ok("image_size: NumPy int", check=None, image_size=np.int64(8))
    images, y, yl = model.batch(imgs, [["a", "red", "dot"], ["dot"]])
    f = Fn(reg, C + ".batch", model.batch, imgs, [["a", "red"], ["dot"]],
           fname="ImageCaptioner.batch")
    f.bad("captions: one fewer", VALUE, captions=[["a"]])
    f.bad("captions: unknown word", (KeyError, ValueError), "'blue'", captions=[["blue"],
                                                                             ["dot"]])
    f.bad("images: channels last", VALUE, images=imgs.transpose(0, 2, 3, 1).copy())
    f.bad("captions: a str among them", TYPE, "str", captions=["a red dot", ["dot"]])
    f = Fn(reg, C + ".forward", model.forward, images, y, yl, fname="ImageCaptioner.forward")
    f.bad("images: (m, H, W, 3)", VALUE, images=images.transpose(0, 2, 3, 1).copy())
    f.bad("y_ids: id V", INDEX, y_ids=np.full_like(y, len(vocab)))
    f.bad("y_ids: other m", VALUE, y_ids=y[:1])
    f.bad("images: None", TYPE, "None", images=None)
    f.ok("images: NaN (passed through to the logits: a forward pass)",
         check=lambda r: bool(np.isnan(r[0]).all()) or _fail(r),
         images=np.full_like(images, np.nan))
    logits, cache = model.forward(images, y, yl)
    f = Fn(reg, C + ".backward", model.backward, np.ones_like(logits), cache,
           fname="ImageCaptioner.backward")
    f.bad("dlogits: transposed", VALUE, dlogits=np.ones_like(logits).transpose(0, 2, 1))
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, C + ".loss", model.loss, (images, y, yl), fname="ImageCaptioner.loss")
    f.bad("batch: two arrays", TYPE, "batch", batch=(images, y))
    f.bad("batch: None", TYPE, "None", batch=None)
    f = Fn(reg, C + ".init_state", model.init_state, images, fname="ImageCaptioner.init_state")
    f.bad("images: wrong size", VALUE, images=imgs[:, :, :4, :4])
    f.bad("images: None", TYPE, "None", images=None)
    states = model.init_state(images)
    f = Fn(reg, C + ".decoder_step", model.decoder_step, np.array([1, 1]), states,
           fname="ImageCaptioner.decoder_step")
    f.bad("last_tokens: id V", INDEX, last_tokens=np.array([1, len(vocab)]))
    f.bad("last_tokens: other k", VALUE, last_tokens=np.array([1]))
    for meth in ("greedy", "caption"):
        f = Fn(reg, f"{C}.{meth}", getattr(model, meth), images, max_len=3,
               fname=f"ImageCaptioner.{meth}" if meth == "greedy" else "caption")
        f.ints("max_len", low=1)
        f.bad("images: None", TYPE, "None", images=None)
    f = Fn(reg, C + ".caption", model.caption, images, beam_width=2, max_len=3,
           fname="caption")
    f.ints("beam_width", low=1, none=False)
    f.number("alpha", -1.0)
    f = Fn(reg, C + ".beam", model.beam, images[0], max_len=3, fname="beam")
    f.bad("image: a batch of two", VALUE, image=images)
    f.ints("beam_width", low=1)
    f.number("alpha", -0.5, 11.0)
    f = Fn(reg, C + ".save", model.save, "/nonexistent-dir/c.npz", fname="save")
    f.bad("path: a missing directory", (FileNotFoundError,), "/nonexistent-dir",
          default_words=False)
    for meth, fn in (("load", cap.ImageCaptioner.load),):
        f = Fn(reg, f"{C}.{meth}", fn, "/nonexistent/c.npz", fname=f"ImageCaptioner.{meth}")
        f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/c.npz",
              default_words=False)
    reg.no_input(C + ".pretrained", "takes no argument")
    f = Fn(reg, P + "captioning.image_encoder_forward", cap.image_encoder_forward, images,
           model.params, False)
    f.array("images", "ndim", "int", "complex", "none")
    f.params("params", missing="conv1/W", extra=False)
    f.bad("lstm: True without enc/W_c", (KeyError, ValueError), "image_encoder_forward(params",
          "missing", "'enc/W_c'", lstm=True, default_words=False)
    a0, c0, ecache = cap.image_encoder_forward(images, model.params, False)
    f = Fn(reg, P + "captioning.image_encoder_backward", cap.image_encoder_backward,
           np.ones_like(a0), None, ecache)
    f.bad("da0: transposed", VALUE, da0=np.ones_like(a0).T)
    f.bad("dc0: given without an LSTM", VALUE, dc0=np.ones_like(a0))
    f.bad("cache: None", TYPE, "None", cache=None)

    class Scenes:
        images = imgs
        refs = [[["a", "red", "dot"]], [["dot"]]]
    f = Fn(reg, P + "captioning.caption_metrics", cap.caption_metrics, model, Scenes(),
           max_len=3)
    f.bad("scenes: a list of images", TYPE, scenes=list(imgs))
    f.ints("beam_width", low=1, none=False)
    f.ints("max_len", low=1, none=False)
    f.bad("model: None", TYPE, "None", model=None)
    f = Fn(reg, P + "captioning.train_captioner", cap.train_captioner, Fresh(
        lambda: cap.ImageCaptioner(vocab, 4, "rnn", (2, 2), 8, rng=0)), Scenes(), steps=1,
        log=None)
    f.ints("steps", low=1)
    f.number("lr", 0.0, -1.0)
    f.bad("scenes: None", TYPE, "None", scenes=None)


def register(reg: Registry) -> None:
    models(reg)
    captioner(reg)


def _fail(what):
    raise AssertionError(what)
