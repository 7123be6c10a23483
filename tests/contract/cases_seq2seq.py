"""Contract cases: seqlab.seq2seq (search, beam search, BLEU, metrics, error analysis,
attention, vocabularies); the models are in cases_seq2seq_models."""

from __future__ import annotations

import importlib

import numpy as np

from seqlab.seq2seq import attention as att
from seqlab.seq2seq import beam as bm
from seqlab.seq2seq import bleu as bl
from seqlab.seq2seq import metrics as mt
from seqlab.seq2seq import search as se
from seqlab.vocab.tokens import TokenVocab
from tests.contract._harness import Registry
from tests.contract._kinds import INDEX, KEY, TYPE, VALUE, Fn

ea = importlib.import_module("seqlab.seq2seq.error_analysis")  # the attribute is the function
RNG = np.random.default_rng(7)
P = "seqlab.seq2seq."
V = 5
LOGP = np.log(np.array([0.05, 0.05, 0.5, 0.2, 0.2]))     # eos = 2 is the most likely


def step_fn(last, state):
    k = last.shape[0]
    return np.tile(LOGP, (k, 1)), state


STATE = np.zeros((1, 3))


def search(reg: Registry) -> None:
    for name, fn, extra in (("greedy_decode", se.greedy_decode, {}),
                            ("exhaustive_search", se.exhaustive_search, {"max_len": 3}),
                            ("beam_search", bm.beam_search, {"max_len": 4})):
        mod = "beam" if name == "beam_search" else "search"
        f = Fn(reg, P + f"{mod}.{name}", fn, step_fn, STATE, 1, 2, **extra)
        f.bad("eos: V (never produced)", VALUE, f"< V = {V}", eos=V)
        f.ok("bos: V (the decoder's input need not be an output token)", check=None, bos=V)
        f.bad("eos: -1", VALUE, eos=-1)
        f.bad("bos: 1.0", TYPE, bos=1.0)
        f.ok("eos: NumPy int", same={"eos": 2}, eos=np.int64(2))
        f.bad("max_len: 0", VALUE, max_len=0)
        f.bad("step_fn: not callable", TYPE, "callable", step_fn=None)
        f.bad("step_fn: returns probabilities, not log-probabilities", VALUE, "log",
              step_fn=lambda last, s: (np.tile(np.exp(LOGP), (last.shape[0], 1)), s),
              arg="step_fn")
        f.bad("step_fn: NaN log-probabilities", VALUE, "NaN",
              step_fn=lambda last, s: (np.full((last.shape[0], V), np.nan), s), arg="step_fn")
        f.bad("init_state: a batch of 2 states", VALUE, init_state=np.zeros((2, 3)))
    f = Fn(reg, P + "beam.beam_search", bm.beam_search, step_fn, STATE, 1, 2, max_len=4)
    f.ints("beam_width", low=1)
    f.number("alpha", -0.1, 11.0, "0.7", None)
    f = Fn(reg, P + "search.exhaustive_search", se.exhaustive_search, step_fn, STATE, 1, 2,
           max_len=3)
    f.number("alpha", -1.0)
    f.ints("limit", low=1, none=False)
    for name, fn in (("token_log_probs", se.token_log_probs),
                     ("sequence_log_prob", se.sequence_log_prob)):
        f = Fn(reg, P + f"search.{name}", fn, step_fn, STATE, 1, [3, 2])
        f.bad("tokens: id V", INDEX, f"V = {V}", tokens=[3, V], arg="tokens")
        f.bad("tokens: -1", INDEX, tokens=[-1])
        f.bad("tokens: a str", TYPE, "str", tokens="ab")
        f.bad("tokens: None", TYPE, "None", tokens=None)
        f.ok("bos: V (the decoder's input need not be an output token)", check=None, bos=V)
        f.ok("tokens: a NumPy array", same={"tokens": [3, 2]}, tokens=np.array([3, 2]))
        f.ok("tokens: empty (log P = 0)", check=lambda r: float(np.sum(r)) == 0.0 or _fail(r),
             tokens=[])
    f = Fn(reg, P + "beam.beam_step", bm.beam_step, np.tile(LOGP, (2, 1)), np.zeros(2), 3)
    f.ints("beam_width", low=1)
    f.bad("scores: other length than log_probs' rows", VALUE, scores=np.zeros(3))
    f.bad("log_probs: 1-D", VALUE, log_probs=LOGP)
    f.bad("log_probs: NaN", VALUE, "NaN", log_probs=np.full((2, V), np.nan))
    f.bad("log_probs: None", TYPE, "None", log_probs=None)
    f.ok("log_probs: a list", same={"log_probs": np.tile(LOGP, (2, 1))},
         log_probs=np.tile(LOGP, (2, 1)).tolist())
    f = Fn(reg, P + "beam.gather_states", bm.gather_states, (np.zeros((3, 2)), None), [0, 0, 2])
    f.bad("index: 3 of 3 rows", INDEX, "[0, 3)", index=[0, 3])
    f.bad("index: floats", TYPE, index=[0.5])
    f.bad("state: a str", TYPE, state="abc")
    f = Fn(reg, P + "beam.normalized_score", bm.normalized_score, -3.0, 3, 0.7)
    f.bad("length: -1", VALUE, length=-1)
    f.number("alpha", -0.5, "0.7")
    f.bad("log_prob: a positive log-probability", VALUE, log_prob=0.5)
    f.bad("log_prob: NaN", VALUE, log_prob=float("nan"))
    f.ok("length: NumPy int", same={"length": 3}, length=np.int64(3))
    res = bm.beam_search(step_fn, STATE, 1, 2, max_len=4)
    f = Fn(reg, P + "beam.BeamResult.rerank", res.rerank, 0.5, fname="BeamResult.rerank")
    f.number("alpha", -1.0, 11.0, "1")
    reg.no_input(P + "beam.BeamResult", "a record returned by beam_search")
    f = Fn(reg, P + "search.sample_decode", se.sample_decode, step_fn, STATE, 1, 2, max_len=4)
    f.bad("eos: V (never produced)", VALUE, f"< V = {V}", eos=V)
    f.ok("bos: V (the decoder's input need not be an output token)", check=None, bos=V)
    f.bad("bos: 1.0", TYPE, bos=1.0)
    f.ints("max_len", low=1)
    f.number("temperature", -1.0, float("nan"), "1", None)
    f.ints("top_k", low=1, none=False)
    f.bad("seed: a str", TYPE, seed="zero")
    f.bad("seed: -1", VALUE, seed=-1)
    f.ok("seed: the same seed draws the same output", same={"seed": 3}, seed=3)
    f.bad("step_fn: not callable", TYPE, "callable", step_fn=None)
    f.bad("step_fn: NaN log-probabilities", VALUE, "NaN",
          step_fn=lambda last, s: (np.full((last.shape[0], V), np.nan), s), arg="step_fn")
    f.bad("init_state: a batch of 2 states", VALUE, init_state=np.zeros((2, 3)))
    f = Fn(reg, P + "search.step_log_probs", se.step_log_probs, step_fn, STATE, 1, [3, 2])
    f.bad("tokens: id V", INDEX, f"V = {V}", tokens=[3, V], arg="tokens")
    f.bad("tokens: -1", INDEX, tokens=[-1])
    f.bad("tokens: a str", TYPE, "str", tokens="ab")
    f.bad("tokens: None", TYPE, "None", tokens=None)
    f.bad("tokens: floats", TYPE, tokens=[3.0, 2.0])
    f.bad("tokens: empty", VALUE, tokens=[])
    f.ok("tokens: a NumPy array", same={"tokens": [3, 2]}, tokens=np.array([3, 2]))
    f.bad("step_fn: not callable", TYPE, "callable", step_fn=None)
    f.bad("bos: -1", VALUE, bos=-1)


def _fail(what):
    raise AssertionError(what)


H = "the cat is on the mat".split()
R1 = "the cat sat on the mat".split()
R2 = "there is a cat on the mat".split()


def bleu(reg: Registry) -> None:
    for name, fn, args in (("modified_precision", bl.modified_precision, (H, [R1, R2], 2)),
                           ("brevity_penalty", bl.brevity_penalty, (H, [R1, R2])),
                           ("sentence_bleu", bl.sentence_bleu, (H, [R1, R2])),
                           ("bleu_explain", bl.bleu_explain, (H, [R1, R2]))):
        f = Fn(reg, P + f"bleu.{name}", fn, *args)
        f.bad("hypothesis: a str", TYPE, "str", hypothesis=" ".join(H))
        f.bad("references: a str among them (its characters)", TYPE, "str",
              references=[R1, " ".join(R2)])
        f.bad("references: one reference not wrapped in a list", TYPE,
              references=R1)
        f.bad("references: empty", VALUE, references=[])
        f.bad("hypothesis: None", TYPE, "None", hypothesis=None)
        f.bad("references: None", TYPE, "None", references=None)
        f.ok("references: tuples of tokens", same={"references": [R1, R2]},
             references=(tuple(R1), tuple(R2)))
    f = Fn(reg, P + "bleu.modified_precision", bl.modified_precision, H, [R1], 2)
    f.ints("n", low=1)
    f = Fn(reg, P + "bleu.corpus_bleu", bl.corpus_bleu, [H, R2], [[R1, R2], [R2]])
    f.bad("hypotheses: one fewer than references", VALUE, hypotheses=[H])
    f.bad("hypotheses: a str", TYPE, "str", hypotheses=" ".join(H))
    f.bad("references: a str in the second list", TYPE, "str",
          references=[[R1, R2], [" ".join(R2)]])
    f.bad("references: a flat list of tokens for a sentence", TYPE, references=[[R1, R2], R2])
    f.ints("max_n", low=1)
    f.choice("smooth", "add-one")
    f.number("smooth_value", 0.0, -1.0, "0.1")
    f.bad("hypotheses: empty", VALUE, hypotheses=[], references=[])
    f = Fn(reg, P + "bleu.sentence_bleu", bl.sentence_bleu, H, [R1])
    f.choice("smooth", "laplace")
    f.ints("max_n", low=1, floats=False, none=False)
    f = Fn(reg, P + "bleu.ngram_counts", bl.ngram_counts, H, 2)
    f.ints("max_n", low=1)
    f.bad("tokens: a str", TYPE, "str", tokens="the cat")
    f.bad("tokens: None", TYPE, "None", tokens=None)
    f = Fn(reg, P + "bleu.closest_ref_length", bl.closest_ref_length, 6, [6, 7])
    f.bad("ref_lens: empty", VALUE, ref_lens=[])
    f.bad("hyp_len: -1", VALUE, hyp_len=-1)
    f.bad("ref_lens: a negative length", VALUE, ref_lens=[3, -1])
    f.ok("hyp_len: NumPy int", same={"hyp_len": 6}, hyp_len=np.int64(6))
    f = Fn(reg, P + "bleu.bleu_from_counts", bl.bleu_from_counts, [5, 3, 2, 1], [6, 5, 4, 3],
           6, 6)
    f.bad("correct: more than total", VALUE, correct=[7, 3, 2, 1])
    f.bad("total: other length than correct", VALUE, total=[6, 5, 4])
    f.bad("correct: empty", VALUE, correct=[], total=[])
    f.bad("hyp_len: -1", VALUE, hyp_len=-1)
    f.bad("correct: a negative count", VALUE, correct=[-1, 3, 2, 1])
    f.choice("smooth", "none-at-all")


def metrics(reg: Registry) -> None:
    f = Fn(reg, P + "metrics.edit_distance", mt.edit_distance, ["a", "b"], ["a", "c", "b"])
    f.bad("h: None", TYPE, "None", h=None)
    f.bad("r: an int", TYPE, "int", r=5)
    f.ok("h: a str (characters)", same={"h": ["a", "b"]}, h="ab")
    for name, fn in (("phoneme_error_rate", mt.phoneme_error_rate),
                     ("exact_match", mt.exact_match)):
        f = Fn(reg, P + f"metrics.{name}", fn, [["a", "b"]], [["a", "b"]])
        f.bad("hyps: one more than refs", VALUE, hyps=[["a"], ["b"]])
        f.bad("hyps: empty", VALUE, hyps=[], refs=[])
        f.bad("refs: a str", TYPE, "str", refs="ab")
        f.bad("hyps: None", TYPE, "None", hyps=None)


def analysis(reg: Registry) -> None:
    refs, preds = [["a", "b"], ["c"]], [["a", "x"], ["c"]]
    f = Fn(reg, P + "error_analysis.error_analysis_from_scores", ea.error_analysis_from_scores,
           refs, preds, [-1.0, -2.0], [-2.0, -2.0])
    f.bad("log_p_ref: one value", VALUE, log_p_ref=[-1.0])
    f.bad("log_p_hat: a positive log-probability", VALUE, log_p_hat=[0.5, -2.0])
    f.bad("log_p_ref: NaN", VALUE, "NaN", log_p_ref=[float("nan"), -2.0])
    f.number("alpha", -0.5, "0.7")
    f.bad("references: a str", TYPE, "str", references="ab")
    f.bad("predictions: one fewer", VALUE, predictions=[["a"]])
    f = Fn(reg, P + "error_analysis.error_analysis", ea.error_analysis, [0, 1], refs, preds,
           lambda x, y: -1.0)
    f.bad("log_prob: not callable", TYPE, "callable", log_prob=None)
    f.bad("inputs: one", VALUE, inputs=[0])
    f.bad("log_prob: returns NaN", VALUE, "NaN", log_prob=lambda x, y: float("nan"))
    f.number("alpha", -1.0)
    f = Fn(reg, P + "error_analysis.teacher_forcing_scorer", ea.teacher_forcing_scorer,
           lambda x: (step_fn, STATE), 1)
    f.bad("decoder: not callable", TYPE, "callable", decoder=None)
    f.bad("bos: -1", VALUE, bos=-1)
    f.bad("bos: a str", TYPE, bos="<bos>")
    r = ea.error_analysis_from_scores(refs, preds, [-1.0, -2.0], [-2.0, -2.0])
    C = P + "error_analysis.ErrorAnalysis"
    f = Fn(reg, C + ".fraction", r.fraction, "search", fname="ErrorAnalysis.fraction")
    f.choice("fault", "data")
    f.bad("fault: None", VALUE, fault=None)
    f = Fn(reg, C + ".table", r.table, 5, fname="ErrorAnalysis.table")
    f.ints("max_rows", low=1)
    f.bad("fmt: not callable", TYPE, "callable", fmt=3)
    reg.no_input(C + ".summary", "takes no argument")
    reg.no_input(C, "a record returned by error_analysis")


def attention(reg: Registry) -> None:
    n_s, n_a2, m, T_x = 4, 6, 3, 5
    s_prev = RNG.standard_normal((n_s, m))
    a = RNG.standard_normal((n_a2, m, T_x))
    params = att.init_attention_params(n_s, n_a2, "additive", 7, 0)
    mask = np.ones((m, T_x), bool)
    mask[1, 3:] = False
    f = Fn(reg, P + "attention.attention_step_forward", att.attention_step_forward, s_prev, a,
           params, mask=mask)
    f.array("s_prev", "ndim", "T", "int", "complex", "none", "list")
    f.array("a", "ndim", "int", "none")
    f.bad("a: (m, n_a2, T_x)", VALUE, a=a.transpose(1, 0, 2).copy())
    f.params("params", missing="W_e1", shape="W_e2")
    f.choice("score", "cosine")
    f.choice("energy_activation", "tanh")
    f.bad("mask: transposed", VALUE, mask=mask.T.copy())
    f.bad("mask: ints", TYPE, "bool", mask=mask.astype(int))
    full = mask.copy()
    full[2] = False
    f.ok("mask: a fully masked row gives alpha = 0 and context 0 (as the Transformer)",
         check=_zero_row(2), mask=full)
    f.bad("a: empty T_x = 0", VALUE, "at least one", a=a[:, :, :0], mask=None)
    ctx, alpha, cache = att.attention_step_forward(s_prev, a, params, mask=mask)
    f = Fn(reg, P + "attention.attention_step_backward", att.attention_step_backward,
           np.ones_like(ctx), cache)
    f.bad("dcontext: transposed", VALUE, dcontext=np.ones_like(ctx).T)
    f.bad("dcontext: None", TYPE, "None", dcontext=None)
    f.bad("cache: None", TYPE, "None", cache=None)
    f = Fn(reg, P + "attention.init_attention_params", att.init_attention_params, n_s, n_a2)
    f.choice("score", "mlp")
    f.ints("n_s", low=1)
    f.ints("n_e", low=1, floats=False, none=False)
    f.bad("dtype: int", TYPE, dtype=np.int64)
    f.bad("n_a2: != n_s with score='dot'", VALUE, score="dot", arg="n_a2")


def _zero_row(i):
    def check(result):
        ctx, alpha, _ = result
        assert np.all(alpha[i] == 0) and np.all(ctx[:, i] == 0), "row not zero"
        assert np.allclose(alpha[[0, 1]].sum(axis=1), 1), "rows do not sum to 1"
    return check


def vocab(reg: Registry) -> None:
    tv = TokenVocab(list("abc"))
    C = "seqlab.vocab.tokens.TokenVocab"
    f = Fn(reg, C, TokenVocab, list("abc"))
    f.bad("tokens: '<eos>' among them", VALUE, tokens=["a", "<eos>"])
    f.bad("tokens: repeated", VALUE, tokens=["a", "a"])
    f.bad("tokens: None", TYPE, "None", tokens=None)
    f.bad("tokens: ints", TYPE, tokens=[1, 2])
    f = Fn(reg, C + ".encode", tv.encode, "abc", fname="TokenVocab.encode")
    f.bad("tokens: unknown 'z'", KEY, "TokenVocab.encode(tokens", "'z'", tokens="az",
          default_words=False)
    f.bad("tokens: None", TYPE, "None", tokens=None)
    f = Fn(reg, C + ".decode", tv.decode, [3, 4, 2], fname="TokenVocab.decode")
    f.bad("ids: len(vocab)", INDEX, "[0, 6)", ids=[3, 6])
    f.bad("ids: -1 (would wrap)", INDEX, "[0, 6)", ids=[-1])
    f.bad("ids: a float", TYPE, ids=[3.5])
    f.bad("ids: None", TYPE, "None", ids=None)
    f = Fn(reg, C + ".pad", tv.pad, [[3, 4], [5]], fname="TokenVocab.pad")
    f.bad("seqs: empty", VALUE, seqs=[])
    f.bad("seqs: an empty sequence", VALUE, seqs=[[3], []])
    f.bad("length: shorter than a sequence", VALUE, length=1)
    f.bad("seqs: a flat list of ids", TYPE, seqs=[3, 4])
    f.bad("seqs: id len(vocab)", INDEX, seqs=[[3, 6]])
    reg.no_input(C + ".to_meta", "takes no argument")
    f = Fn(reg, C + ".from_meta", TokenVocab.from_meta, ["a", "b"], fname="TokenVocab.from_meta")
    f.bad("tokens: None", TYPE, "None", tokens=None)


def register(reg: Registry) -> None:
    search(reg)
    bleu(reg)
    metrics(reg)
    analysis(reg)
    attention(reg)
    vocab(reg)
    alignment(reg)
    from tests.contract.cases_seq2seq_models import register as more
    more(reg)


def alignment(reg: Registry) -> None:
    from seqlab.seq2seq import alignment as al
    p = "seqlab.seq2seq.alignment."
    alpha = np.full((2, 4), 0.25)
    spans = {"year": (0, 2), "day": (2, 4)}
    f = Fn(reg, p + "alignment_score", al.alignment_score, [alpha], [spans], ["year", "day"])
    f.bad("alphas: None", TYPE, "None", alphas=None)
    f.bad("alphas: empty", VALUE, alphas=[])
    f.bad("spans: one more", VALUE, spans=[spans, spans])
    f.bad("alphas: 1-D", VALUE, alphas=[alpha[0]], arg="alphas")
    f.bad("spans: a field missing", VALUE, "'day'", spans=[{"year": (0, 2)}], arg="spans")
    f.bad("spans: past T_x", VALUE, spans=[{"year": (0, 2), "day": (2, 5)}], arg="spans")
    f.bad("fields: no field", VALUE, fields=[None, None])
    from seqlab.data.dates import date_vocabs, load_dates
    from seqlab.seq2seq.attention_model import AttentionSeq2Seq
    model = AttentionSeq2Seq(*date_vocabs(), n_a=3, n_s=4, n_e=3, rng=0, dtype=np.float64)
    humans, isos, info = load_dates("test", 3, seed=0, with_info=True)
    f = Fn(reg, p + "teacher_forced_alpha", al.teacher_forced_alpha, model, humans, isos)
    f.bad("model: None", TYPE, "None", model=None)
    f.bad("sources: one str", TYPE, "str", sources=humans[0])
    f.bad("sources: empty", VALUE, sources=[])
    f.bad("targets: one fewer", VALUE, targets=isos[:2])
    f.bad("sources: an unknown character", KEY, "'§'", sources=["§"] + humans[1:])
    f.ints("batch_size", low=1)
    f.ok("batch_size: 1 (three batches)", same={"batch_size": 500}, batch_size=1)
    f = Fn(reg, p + "date_alignment", al.date_alignment, model, humans, isos, info)
    f.bad("model: a dict", TYPE, model={})
    f.bad("humans: None", TYPE, "None", humans=None)
    f.bad("humans: empty", VALUE, humans=[], isos=[], info=[], arg="humans")
    f.bad("isos: one fewer", VALUE, isos=isos[:2])
    f.bad("isos: not an ISO date", VALUE, isos=["May 3"] + isos[1:], arg="isos")
    f.bad("info: a human text it does not write", VALUE, humans=["x"] + humans[1:], arg="info")
    f.bad("info: an unknown locale", VALUE, info=[("xx_XX", "medium")] + info[1:])
    f.bad("info: None", TYPE, "None", info=None)
    f = Fn(reg, p + "field_boxes", al.field_boxes, spans, ["year", "day"])
    f.bad("spans: a field missing", KEY, "'day'", spans={"year": (0, 2)})
    f.bad("spans: None", TYPE, "None", spans=None)
    f.bad("fields: None", TYPE, "None", fields=None)
