r"""The Transformer on real sequence-to-sequence tasks: batching, training, decoding, scoring.

Week 4, "Transformer Network", applied to Week 3's tasks (notebook 26): date translation
("3 sep 1993" -> "1993-09-03", :mod:`seqlab.data.dates`) and number words -> digits
("two thousand, three hundred and forty-one" -> "2341", :mod:`seqlab.data.numbers`).
Training is the recipe of "Attention Is All You Need": Adam(β1 = 0.9, β2 = 0.98, ε = 1e-9)
with the warm-up schedule (:mod:`~seqlab.transformer.schedule`) and label smoothing
(:mod:`~seqlab.transformer.label_smoothing`). Decoding is greedy (batched) or Week 3's
:func:`~seqlab.seq2seq.beam.beam_search` through :meth:`Transformer.decode_step`.

Shapes
------
==========  ===========  ================================================================
name        shape        meaning
==========  ===========  ================================================================
src         (m, T_x)     source ids, 0-padded (the vocabularies' pad/bos/eos are 0/1/2)
tgt_in      (m, T_y)     bos y<1> ... y<T_y - 1>: the decoder's input (teacher forcing)
tgt_out     (m, T_y)     y<1> ... y<T_y - 1> eos: what it must predict, 0-padded
==========  ===========  ================================================================

Equations
---------
(1) tgt_in = [bos, y<1..n>], tgt_out = [y<1..n>, eos] (shifted by one)
(2) exact match = (1/m) Σ_i [ŷ_i = y_i]
(3) CER = Σ_i edit(ŷ_i, y_i) / Σ_i |y_i| (characters; :func:`seqlab.seq2seq.metrics
    .phoneme_error_rate` on characters)
(4) log P(v | x, y<1..t-1>) renormalized over v ∉ {pad, bos}: a decoder's softmax covers its
    whole vocabulary, but an output never contains padding or a second bos

Notes
-----
Decoding re-runs the decoder on the whole prefix at every step (:meth:`Transformer
.decode_step`, no key/value cache): for outputs of at most 11 tokens that costs a few
milliseconds per step, so notebook 26 needs no cache.
"""

from __future__ import annotations

import statistics
import time

from seqlab._validate import (
    MissingKeyError,
    check_callable,
    check_choice,
    check_instance,
    check_int,
    check_paired,
    check_path,
    check_rng,
    check_sequence,
    got,
    renamed,
)
from seqlab.backend import get_array_module, to_device, to_numpy
from seqlab.data.numbers import tokenize_words
from seqlab.functional import log_softmax
from seqlab.npz import load_arrays, save_arrays
from seqlab.optim import Adam
from seqlab.seq2seq.beam import _check_alpha, beam_search
from seqlab.seq2seq.metrics import exact_match, phoneme_error_rate
from seqlab.seq2seq.search import sample_decode, step_log_probs
from seqlab.threads import blas_threads
from seqlab.transformer.model import DecoderState, Transformer, TransformerConfig
from seqlab.transformer.schedule import WarmupSchedule
from seqlab.vocab.tokens import TokenVocab

__all__ = ["TOKENIZERS", "TaskModel", "score", "train_task"]

TOKENIZERS = {"chars": list, "words": tokenize_words}


class TaskModel:
    """A :class:`Transformer` with its vocabularies and tokenizer: text in, text out.

    Parameters
    ----------
    model : Transformer (its pad/bos/eos must be the vocabularies' 0/1/2)
    src_vocab, tgt_vocab : TokenVocab
    tokenizer : "chars" (a date, letter by letter) or "words" (number words)
    meta : dict, what the shipped file says about the model (seed, data, metrics)
    """

    def __init__(self, model: Transformer, src_vocab: TokenVocab, tgt_vocab: TokenVocab,
                 tokenizer: str = "chars", meta: dict | None = None):
        check_instance(model, Transformer, "TaskModel(model)")
        check_choice(tokenizer, sorted(TOKENIZERS), "TaskModel(tokenizer)")
        for name, vocab, size in (("src_vocab", src_vocab, model.config.src_vocab),
                                  ("tgt_vocab", tgt_vocab, model.config.tgt_vocab)):
            check_instance(vocab, TokenVocab, f"TaskModel({name})")
            if len(vocab) != size:
                raise ValueError(f"TaskModel({name}): expected a vocabulary of {size} ids (the "
                                 f"model's {name}), got {len(vocab)}")
        self.model, self.src_vocab, self.tgt_vocab = model, src_vocab, tgt_vocab
        self.tokenizer, self.meta = tokenizer, dict(meta or {})
        self.bos, self.eos = tgt_vocab.bos_id, tgt_vocab.eos_id

    @classmethod
    def create(cls, src_vocab, tgt_vocab, tokenizer="chars", seed=0, **config) -> TaskModel:
        """A fresh float32 model: ``config`` are :class:`TransformerConfig` fields."""
        for name, vocab in (("src_vocab", src_vocab), ("tgt_vocab", tgt_vocab)):
            check_instance(vocab, TokenVocab, f"TaskModel.create({name})")
        unknown = sorted(set(config) - set(TransformerConfig.__dataclass_fields__))
        if unknown:
            raise TypeError(f"TaskModel.create(config): expected TransformerConfig fields, got "
                            f"{unknown}")
        try:
            cfg = TransformerConfig(src_vocab=len(src_vocab), tgt_vocab=len(tgt_vocab),
                                    **config)
        except (TypeError, ValueError) as e:
            raise renamed(e, "TransformerConfig(", "TaskModel.create(") from None
        return cls(Transformer(cfg, seed=seed, dtype="float32"), src_vocab, tgt_vocab,
                   tokenizer, {"seed": seed})

    # ------------------------------------------------------------------ batches
    def tokens(self, source) -> list:
        """A source string -> its tokens (a list of tokens passes through)."""
        return self._tokens(source, "TaskModel.tokens(source)")

    def _tokens(self, source, where: str) -> list:
        if isinstance(source, str):
            return TOKENIZERS[self.tokenizer](source)
        if not isinstance(source, list | tuple):
            raise TypeError(f"{where}: expected a source text (a str) or a list of tokens, got "
                            f"{got(source)}")
        return list(source)

    def encode_sources(self, sources):
        """Source texts -> src (m, T_x) int, 0-padded."""
        return self._encode_all(sources, "TaskModel.encode_sources(sources)")

    def _encode_all(self, sources, where: str):
        """src (m, T_x): every source non-empty, in the vocabulary, at most max_len tokens."""
        sources = check_sequence(sources, where, "a list of source texts", empty=False)
        ids = [self._ids(self.src_vocab, self._tokens(s, where), where, i)
               for i, s in enumerate(sources)]
        src, _ = self.src_vocab.pad(ids)
        return src

    def _ids(self, vocab, tokens, where: str, i: int, extra: int = 0) -> list:
        """The ids of one sequence: 1 to max_len - extra tokens, all in ``vocab``."""
        unknown = [t for t in tokens if t not in vocab.stoi]
        if unknown:
            raise MissingKeyError(f"{where}: expected tokens of the vocabulary, got "
                                  f"{unknown[0]!r} in item {i}")
        if not tokens and not extra or len(tokens) + extra > self.model.config.max_len:
            raise ValueError(f"{where}: expected 1 to max_len = {self.model.config.max_len} "
                             f"tokens per sequence (eos and bos included), got "
                             f"{len(tokens) + extra} in item {i}")
        return vocab.encode(tokens)

    def batch(self, sources, targets):
        """(src, tgt_in, tgt_out) for texts (eq. 1); targets are strings of output tokens."""
        sources, targets = check_paired(sources, targets, "TaskModel.batch",
                                        ("sources", "targets"), "a list of texts", "targets")
        for i, t in enumerate(targets):
            if not isinstance(t, str | list | tuple):
                raise TypeError(f"TaskModel.batch(targets): expected texts, got {got(t)} in "
                                f"item {i}")
        ys = [self._ids(self.tgt_vocab, list(t), "TaskModel.batch(targets)", i, 1)
              for i, t in enumerate(targets)]
        src = self._encode_all(sources, "TaskModel.batch(sources)")
        T_y = max(len(y) for y in ys) + 1
        tgt_in, _ = self.tgt_vocab.pad([[self.bos] + y for y in ys], T_y)        # (1) (m, T_y)
        tgt_out, _ = self.tgt_vocab.pad([y + [self.eos] for y in ys], T_y)       # (1) (m, T_y)
        return src, tgt_in, tgt_out

    # ------------------------------------------------------------------ decoding
    def step(self, last_tokens, states: DecoderState):
        """:meth:`Transformer.decode_step` with ``<pad>`` and ``<bos>`` ruled out (eq. 4): the
        ``step_fn`` that greedy decoding and beam search use here."""
        return self._step(self.model._step_args(last_tokens, states, "TaskModel.step"), states)

    def _step(self, last_tokens, states: DecoderState):
        """:meth:`step` without the checks (the decoding loops feed it their own argmax)."""
        log_probs, states = self.model._decode_step(last_tokens, states)
        xp = get_array_module(log_probs)
        banned = xp.arange(log_probs.shape[-1]) < self.eos                  # pad 0, bos 1
        return log_softmax(xp.where(banned, -xp.inf, log_probs), axis=-1), states   # (4)

    def greedy(self, sources, max_len: int = 12, batch_size: int = 256) -> list[str]:
        """Greedy outputs (joined tokens) of many sources, ``batch_size`` at a time: the
        argmax of :meth:`step` until every row emitted eos or ``max_len`` tokens."""
        f = "TaskModel.greedy"
        sources = check_sequence(sources, f"{f}(sources)", "a list of source texts")
        max_len = check_int(max_len, f"{f}(max_len)", 1)
        batch_size = check_int(batch_size, f"{f}(batch_size)", 1)
        out = []
        for i in range(0, len(sources), batch_size):
            src = self._encode_all(sources[i:i + batch_size], f"{f}(sources)")  # (m, T_x)
            xp = get_array_module(src)
            memory, src_mask, _, _ = self.model.encode(src)
            m = src.shape[0]
            state = DecoderState(xp.zeros((m, 0), dtype="int64"), memory, src_mask)
            last = xp.full((m,), self.bos, dtype="int64")
            rows, done = [[] for _ in range(m)], [False] * m
            for _ in range(max_len):
                log_probs, state = self._step(last, state)
                last = xp.argmax(log_probs, axis=-1)                          # (m,)
                for r, tok in enumerate(to_numpy(last).tolist()):
                    if not done[r]:
                        rows[r].append(tok)
                        done[r] = tok == self.eos
                if all(done):
                    break
            out += ["".join(self.tgt_vocab.decode(row)) for row in rows]
        return out

    def beam(self, source, beam_width: int = 4, max_len: int = 12, alpha: float = 0.7):
        """Week 3's :func:`beam_search` on one source through :meth:`step`: (best output
        text, BeamResult)."""
        f = "TaskModel.beam"
        beam_width = check_int(beam_width, f"{f}(beam_width)", 1)
        max_len = check_int(max_len, f"{f}(max_len)", 1)
        alpha = _check_alpha(alpha, f)
        src = self._encode_all([source], f"{f}(source)")                       # (1, T_x)
        state = self.model.init_decoder_state(src[0])
        res = beam_search(self._step, state, self.bos, self.eos, beam_width=beam_width,
                          max_len=max_len, alpha=alpha)
        return "".join(self.tgt_vocab.decode(res.best)), res

    def sample(self, source, temperature: float = 1.0, top_k: int | None = None, seed=0,
               max_len: int = 12):
        """Sampling on one source through :meth:`step` (:func:`~seqlab.seq2seq.search
        .sample_decode`, temperature τ and top-k; τ = 0 is greedy): (output text, Sampled)."""
        f = "TaskModel.sample"
        state = self.model.init_decoder_state(self._encode_all([source], f"{f}(source)")[0])
        try:
            res = sample_decode(self._step, state, self.bos, self.eos, max_len, temperature,
                                top_k, seed)
        except (TypeError, ValueError) as e:
            raise renamed(e, "sample_decode(", f"{f}(") from None
        return "".join(self.tgt_vocab.decode(res.tokens)), res

    def path_log_probs(self, source, tokens):
        """log P(· | x, y<1..t-1>) (T_y, V_tgt), host float64, at each step of a given output
        ``tokens`` (ids, eos included if it ended), by teacher forcing through :meth:`step`."""
        f = "TaskModel.path_log_probs"
        state = self.model.init_decoder_state(self._encode_all([source], f"{f}(source)")[0])
        try:
            return step_log_probs(self._step, state, self.bos, tokens)
        except (TypeError, ValueError) as e:
            raise renamed(e, "step_log_probs(", f"{f}(") from None

    # ------------------------------------------------------------------ files
    def save(self, path, **meta) -> None:
        """float32 params + config, vocabularies, tokenizer and ``meta`` in one .npz."""
        info = dict(self.meta, **meta)
        save_arrays(check_path(path, "TaskModel.save(path)"), self.model.params,
                    {"config": self.model.config.__dict__, "src": self.src_vocab.to_meta(),
                     "tgt": self.tgt_vocab.to_meta(), "tokenizer": self.tokenizer,
                     "meta": info})

    @classmethod
    def load(cls, path) -> TaskModel:
        """The model written by :meth:`save` (``.meta`` holds its metadata)."""
        arrays, info = load_arrays(check_path(path, "TaskModel.load(path)"))
        model = Transformer(TransformerConfig(**info["config"]), seed=0, dtype="float32")
        if set(arrays) != set(model.params):
            raise ValueError(f"TaskModel.load({str(path)!r}): the arrays do not match the "
                             f"config: {sorted(set(arrays) ^ set(model.params))[:5]}")
        model.params = {k: to_device(arrays[k]) for k in model.params}
        return cls(model, TokenVocab.from_meta(info["src"]), TokenVocab.from_meta(info["tgt"]),
                   info["tokenizer"], info.get("meta", {}))

    def __repr__(self) -> str:
        return f"TaskModel({self.model!r}, tokenizer={self.tokenizer!r})"


def score(predictions, references) -> dict:
    """{"exact_match": (2), "cer": (3)} of output strings against reference strings."""
    predictions, references = check_paired(predictions, references, "score",
                                           ("predictions", "references"), "a list of str",
                                           "references")
    for name, texts in (("predictions", predictions), ("references", references)):
        for t in texts:
            if not isinstance(t, str | list | tuple):
                raise TypeError(f"score({name}): expected str outputs, got {got(t)}")
    preds, refs = [list(p) for p in predictions], [list(r) for r in references]
    return {"exact_match": exact_match(preds, refs), "cer": phoneme_error_rate(preds, refs)}


def train_task(task: TaskModel, sources, targets, *, steps: int = 2000, batch_size: int = 64,
               warmup_steps: int = 400, factor: float = 1.0, seed: int = 0,
               time_limit: float | None = None, evaluate=None, eval_every: int = 500,
               log=None, callback=None) -> dict:
    """Train ``task.model`` in place: Adam(0.9, 0.98, 1e-9), warm-up schedule, label smoothing.

    Parameters
    ----------
    task : TaskModel
    sources, targets : lists of str, the training pairs
    steps, batch_size : int, Adam updates and pairs per minibatch (drawn by ``seed``)
    warmup_steps, factor : the schedule's warm-up length and factor f
    time_limit : float seconds or None; stop early when exceeded
    evaluate : callable(task) -> dict of metrics, every ``eval_every`` steps and at the end
    log : callable(str) or None, progress lines every 100 steps
    callback : callable(step, loss) or None, after every update (a progress bar, a plot)

    Returns
    -------
    dict with "loss" (per step), "lr" (per step), "evals" [(step, metrics)], "steps",
    "seconds" (wall clock) and "cpu_seconds" (this process's CPU time: on a shared machine
    the fairer measure)
    """
    f = "train_task"
    check_instance(task, TaskModel, f"{f}(task)")
    sources, targets = check_paired(sources, targets, f, ("sources", "targets"),
                                    "a list of texts", "targets")
    steps, batch_size, eval_every = (check_int(v, f"{f}({n})", 1) for n, v in (
        ("steps", steps), ("batch_size", batch_size), ("eval_every", eval_every)))
    for name, fn in (("evaluate", evaluate), ("log", log), ("callback", callback)):
        if fn is not None:
            check_callable(fn, f"{f}({name})", "a callable or None")
    rng = check_rng(seed, f"{f}(seed)")
    try:
        sched = WarmupSchedule(Adam(beta1=0.9, beta2=0.98, eps=1e-9),
                               task.model.config.d_model, warmup_steps, factor)
    except (TypeError, ValueError) as e:
        raise renamed(e, "WarmupSchedule(", f"{f}(") from None
    hist: dict = {"loss": [], "lr": [], "evals": []}
    start, cpu_start, step, n = time.perf_counter(), time.process_time(), 0, len(sources)
    with blas_threads(1):
        for step in range(1, steps + 1):
            idx = rng.choice(n, size=min(batch_size, n), replace=False).tolist()
            batch = task.batch([sources[i] for i in idx], [targets[i] for i in idx])
            loss, grads = task.model.loss(batch, train=True)
            hist["lr"].append(sched.step(task.model.params, grads))
            hist["loss"].append(float(loss))
            if callback is not None:
                callback(step, float(loss))
            if log is not None and step % 100 == 0:
                log(f"step {step}: loss {statistics.fmean(hist['loss'][-100:]):.4f} "
                    f"lr {hist['lr'][-1]:.2e} ({time.perf_counter() - start:.0f} s)")
            if evaluate is not None and step % eval_every == 0:
                hist["evals"].append((step, evaluate(task)))
                if log is not None:
                    log(f"  eval {hist['evals'][-1]}")
            if time_limit is not None and time.perf_counter() - start > time_limit:
                if log is not None:
                    log(f"time limit reached at step {step}")
                break
    if evaluate is not None and (not hist["evals"] or hist["evals"][-1][0] != step):
        hist["evals"].append((step, evaluate(task)))
    hist["steps"], hist["seconds"] = step, time.perf_counter() - start
    hist["cpu_seconds"] = time.process_time() - cpu_start
    return hist
