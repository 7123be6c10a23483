"""Contract cases: seqlab.viz (figures and widgets: the argument that carries the data, a
shape that does not match, None where a model is expected)."""

from __future__ import annotations

import numpy as np

from seqlab.embeddings import KeyedVectors
from seqlab.embeddings.huffman import build_huffman
from seqlab.rnn import inspect
from seqlab.seq2seq.beam import beam_search
from seqlab.seq2seq.bleu import bleu_explain
from seqlab.speech import ctc_lattice
from seqlab.viz import attention as va
from seqlab.viz import beam as vb
from seqlab.viz import bleu as vbl
from seqlab.viz import bptt as vbp
from seqlab.viz import captioning as vc
from seqlab.viz import ctc as vctc
from seqlab.viz import embedding_maps as vem
from seqlab.viz import embeddings as ve
from seqlab.viz import gates as vg
from seqlab.viz import glove as vgl
from seqlab.viz import lm as vlm
from seqlab.viz import music as vm
from seqlab.viz import plots as vp
from seqlab.viz import rnn_plots as vr
from seqlab.viz import sentiment as vs
from seqlab.viz import source as vsrc
from seqlab.viz import speech as vsp
from seqlab.viz import tasks as vt
from seqlab.viz import transformer as vtr
from seqlab.viz import trigger as vtg
from seqlab.viz import widgets as vw
from seqlab.viz import word2vec as vwv
from tests.contract._harness import Registry
from tests.contract._kinds import KEY, TYPE, VALUE, Fn

RNG = np.random.default_rng(11)
P = "seqlab.viz."
NONE_MODEL = ("model: None", TYPE, "None")


def plots(reg: Registry) -> None:
    z = np.linspace(-3, 3, 7)
    f = Fn(reg, P + "plots.activation_curves", vp.activation_curves, z, {"tanh": np.tanh(z)})
    f.bad("curves: a curve of another length", VALUE, curves={"tanh": np.tanh(z)[:3]})
    f.bad("z: None", TYPE, "None", z=None)
    f.bad("curves: a list", TYPE, curves=[np.tanh(z)])
    f = Fn(reg, P + "plots.probability_bars", vp.probability_bars, ["a", "b"], np.array([0.3, 0.7]))
    f.bad("probs: one value", VALUE, probs=np.array([1.0]))
    f.bad("probs: None", TYPE, "None", probs=None)
    f.bad("labels: one str", TYPE, "str", labels="ab")
    a = RNG.standard_normal((3, 2, 4))
    f = Fn(reg, P + "rnn_plots.hidden_state_heatmap", vr.hidden_state_heatmap, a)
    f.bad("a: 2-D", VALUE, a=a[:, 0])
    f.bad("example: m", VALUE, example=2)
    f.bad("labels: one too few", VALUE, labels=["a", "b", "c"])
    f.bad("a: None", TYPE, "None", a=None)
    f = Fn(reg, P + "rnn_plots.norm_curves", vr.norm_curves, {"a": np.ones(3)})
    f.bad("curves: a list", TYPE, curves=[np.ones(3)])
    f.bad("curves: a 2-D curve", VALUE, curves={"a": np.ones((2, 3))})
    f.bad("curves: a negative norm on a log axis", VALUE, curves={"a": -np.ones(3)})


def seq2seq_views(reg: Registry) -> None:
    alpha = RNG.random((2, 3))
    f = Fn(reg, P + "attention.attention_figure", va.attention_figure, list("abc"), list("xy"),
           alpha)
    f.bad("alpha: transposed", VALUE, alpha=alpha.T)
    f.bad("step: 2 of 2", VALUE, step=2)
    f.bad("alpha: None", TYPE, "None", alpha=None)
    f = Fn(reg, P + "attention.attention_explorer", va.attention_explorer, None, ["3 mai 1979"])
    f.bad(*NONE_MODEL)
    f = Fn(reg, P + "attention.decode_with_attention", va.decode_with_attention, None, "3 mai")
    f.bad(*NONE_MODEL)
    f = Fn(reg, P + "attention.length_accuracy_plot", va.length_accuracy_plot, None)
    f.bad("results: None", TYPE, "None", results=None)
    f.bad("results: missing keys", KEY, results={})
    f = Fn(reg, P + "attention.training_curve_plot", va.training_curve_plot, None)
    f.bad("evals: None", TYPE, "None", evals=None)
    f.bad("evals: missing the metric", KEY, "'val_acc_500'", evals={"steps": [1]}, arg="evals")
    lp = np.log(np.array([0.1, 0.2, 0.7]))
    res = beam_search(lambda last, s: (np.tile(lp, (len(last), 1)), s), None, 0, 2, 2, 3)
    f = Fn(reg, P + "beam.beam_tree_figure", vb.beam_tree_figure, res)
    f.bad("result: None", TYPE, "None", result=None)
    f.bad("labels: too few", VALUE, labels=["a"])
    f = Fn(reg, P + "beam.tree_layout", vb.tree_layout, res)
    f.bad("result: a list", TYPE, "BeamResult", result=[1, 2])
    f = Fn(reg, P + "beam.beam_explorer", vb.beam_explorer,
           lambda last, s: (np.tile(lp, (len(last), 1)), s), None, 0, 2, 3)
    f.bad("eos: V", VALUE, eos=3)
    f.bad("beam_width: above max_width", VALUE, beam_width=11)
    f.bad("step_fn: None", TYPE, "callable", step_fn=None)
    ex = bleu_explain("the cat sat".split(), ["the cat sat".split()])
    for name, fn in (("bleu_bars", vbl.bleu_bars), ("bleu_html", vbl.bleu_html)):
        f = Fn(reg, P + f"bleu.{name}", fn, ex, 1)
        f.bad("n: 5 of 4 orders", VALUE, n=5)
        f.bad("ex: None", TYPE, "None", ex=None)
    f = Fn(reg, P + "bleu.bleu_explainer", vbl.bleu_explainer, "the cat".split(),
           ["the cat".split()])
    f.bad("references: a str among them", TYPE, "str", references=["the cat"])
    f.bad("n: 0", VALUE, n=0)
    img = RNG.random((3, 8, 8))
    f = Fn(reg, P + "captioning.image_rgb", vc.image_rgb, img)
    f.bad("image: channels last", VALUE, image=img.transpose(1, 2, 0))
    f.bad("image: None", TYPE, "None", image=None)
    f = Fn(reg, P + "captioning.caption_grid", vc.caption_grid, img[None], [["a"]])
    f.bad("captions: two for one image", VALUE, captions=[["a"], ["b"]])
    f.ints("cols", low=1)
    f = Fn(reg, P + "captioning.training_curve", vc.training_curve, [3.0, 2.0, 1.0])
    f.ints("window", low=1)
    f.bad("losses: None", TYPE, "None", losses=None)
    f = Fn(reg, P + "captioning.caption_explorer", vc.caption_explorer, None, None)
    f.bad(*NONE_MODEL)


def speech_views(reg: Registry) -> None:
    f = Fn(reg, P + "ctc.alignment_explorer", vctc.alignment_explorer, "cat", 6)
    f.bad("T: shorter than the target", VALUE, T=2)
    f.bad("blank: in the target", VALUE, blank="c")
    f.bad("target: None", TYPE, "None", target=None)
    f = Fn(reg, P + "ctc.collapse_typer", vctc.collapse_typer, "tt_h")
    f.bad("blank: two characters", TYPE, blank="__")
    f.bad("alignment: None", TYPE, "None", alignment=None)
    logits = RNG.standard_normal((4, 1, 5))
    lat = ctc_lattice(logits, [[1, 2]])
    f = Fn(reg, P + "ctc.lattice_figure", vctc.lattice_figure, lat, 0, list("_abc"))
    f.bad("b: 1 of 1", VALUE, b=1)
    f.bad("labels: too few", VALUE, labels=["_"])
    f.bad("lattice: None", TYPE, "None", lattice=None)
    f = Fn(reg, P + "ctc.lattice_explorer", vctc.lattice_explorer, lat, list("_abc"))
    f.bad("names: two for one utterance", VALUE, names=["a", "b"])
    f.bad("lattice: a tuple", TYPE, "CTCLattice", lattice=(1, 2))
    wav = np.sin(np.arange(1600) / 5.0).astype(np.float32)
    for name, fn in (("waveform_figure", vsp.waveform_figure), ("audio_player", vsp.audio_player)):
        f = Fn(reg, P + f"speech.{name}", fn, wav)
        f.bad("wav: 2-D", VALUE, wav=wav[None])
        f.bad("wav: None", TYPE, "None", wav=None)
        f.ints("rate", low=1, none=False)
    S = RNG.random((10, 6))
    for name, fn in (("spectrogram_figure", vsp.spectrogram_figure),
                     ("log_mel_figure", vsp.log_mel_figure),
                     ("mel_filterbank_figure", vsp.mel_filterbank_figure)):
        f = Fn(reg, P + f"speech.{name}", fn, S)
        arg = next(iter(f.values))
        f.bad(f"{arg}: 1-D", VALUE, **{arg: S[0]})
        f.bad(f"{arg}: None", TYPE, "None", **{arg: None})
    f = Fn(reg, P + "speech.log_mel_grid", vsp.log_mel_grid, [S, S], ["a", "b"])
    f.bad("titles: one fewer", VALUE, titles=["a"])
    f.ints("cols", low=1)
    f = Fn(reg, P + "speech.loss_curve", vsp.loss_curve, [3.0, 2.0])
    f.bad("history: None", TYPE, "None", history=None)
    f = Fn(reg, P + "speech.posteriors_figure", vsp.posteriors_figure, np.log(RNG.random((4, 5))),
           list("_abc"))
    f.bad("labels: too few", VALUE, labels=["_"])
    f.bad("log_probs: 3-D", VALUE, log_probs=np.zeros((4, 1, 5)))
    f.bad("top: 0", VALUE, top=0)
    x = RNG.random((4, 30))
    f = Fn(reg, P + "trigger.trigger_figure", vtg.trigger_figure, x)
    f.bad("x: 1-D", VALUE, x=x[0])
    f.number("threshold", 1.5)
    f.bad("x: None", TYPE, "None", x=None)
    f = Fn(reg, P + "trigger.trigger_timeline", vtg.trigger_timeline, x, wav, RNG.random(10))
    f.bad("probs: 2-D", VALUE, probs=RNG.random((2, 10)))
    f.number("threshold", -0.5)
    f = Fn(reg, P + "trigger.player", vtg.player, wav)
    f.bad("wave: None", TYPE, "None", wave=None)
    f.ints("play_rate", low=1, none=False)


def embedding_views(reg: Registry) -> None:
    Y = RNG.standard_normal((3, 2))
    f = Fn(reg, P + "embedding_maps.tsne_figure", vem.tsne_figure, Y, ["a", "b", "c"])
    f.bad("Y: one row short", VALUE, Y=Y[:2])
    f.bad("Y: None", TYPE, "None", Y=None)
    E = RNG.standard_normal((3, 4))
    f = Fn(reg, P + "embedding_maps.debias_explorer", vem.debias_explorer, ["a", "b", "c"], E, E,
           E, np.ones(4))
    f.bad("E_debiased: one row short", VALUE, E_debiased=E[:2])
    f.bad("g: zero", VALUE, "zero", g=np.zeros(4))
    f = Fn(reg, P + "embedding_maps.load_tsne_maps", vem.load_tsne_maps, "/nonexistent/m.npz")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/m.npz", default_words=False)
    f = Fn(reg, P + "embedding_maps.tsne_explorer", vem.tsne_explorer, None, 30.0)
    f.bad("perplexity: not among the maps", VALUE, perplexity=12.345)
    f.bad("maps: a list", TYPE, maps=[1])
    words = ["man", "woman", "king", "queen", "apple"]
    kv = KeyedVectors(words, RNG.standard_normal((5, 4)))
    f = Fn(reg, P + "embeddings.analogy_view", ve.analogy_view, kv, "man", "woman", "king")
    f.bad("c: unknown word", KEY, "'kng'", c="kng")
    f.ints("topn", low=1)
    f.bad("kv: a dict", TYPE, "KeyedVectors", kv={})
    f = Fn(reg, P + "embeddings.analogy_explorer", ve.analogy_explorer, kv)
    f.bad("a: unknown word", KEY, "'mann'", a="mann")
    f.bad("kv: None", TYPE, "None", kv=None)
    view = ve.analogy_view(kv, "man", "woman", "king")
    f = Fn(reg, P + "embeddings.analogy_figure", ve.analogy_figure, view)
    f.bad("view: None", TYPE, "None", view=None)
    f.ints("height", low=1)
    counts = np.array([5, 3, 2])
    tree = build_huffman(counts)
    f = Fn(reg, P + "word2vec.huffman_figure", vwv.huffman_figure, tree, list("abc"))
    f.bad("words: one fewer", VALUE, words=["a", "b"])
    f.bad("word: unknown", KEY, "'z'", word="z")
    f.bad("tree: None", TYPE, "None", tree=None)
    f = Fn(reg, P + "word2vec.huffman_layout", vwv.huffman_layout, tree)
    f.bad("tree: a tuple", TYPE, "HuffmanTree", tree=(1, 2))
    f = Fn(reg, P + "word2vec.huffman_explorer", vwv.huffman_explorer, list("abc"), counts)
    f.bad("counts: one fewer", VALUE, counts=counts[:2])
    f.bad("word: unknown", KEY, "'z'", word="z")
    for name, fn in (("noise_figure", vwv.noise_figure), ("noise_explorer", vwv.noise_explorer)):
        f = Fn(reg, P + f"word2vec.{name}", fn, list("abc"), counts)
        f.bad("counts: one fewer", VALUE, counts=counts[:2])
        f.number("exponent", -1.0)
    f = Fn(reg, P + "word2vec.pca_axes", vwv.pca_axes, RNG.standard_normal((5, 3)))
    f.ints("k", low=1, high=3)
    f.bad("X: 1-D", VALUE, X=np.ones(3))
    f.bad("X: None", TYPE, "None", X=None)
    for name, fn in (("projection_recorder", vwv.projection_recorder),
                     ("live_projection", vwv.live_projection)):
        f = Fn(reg, P + f"word2vec.{name}", fn, ["a", "b", "c"], ["a", "b", "c", "d"])
        f.bad("words: not in the vocabulary", (KeyError, ValueError), "'z'", words=["z", "a",
                                                                               "b"])
        f.bad("words: one str", TYPE, "str", words="abc")
    f = Fn(reg, P + "word2vec.training_animation", vwv.training_animation, {})
    f.bad("log: empty", VALUE, log={})
    f.bad("log: None", TYPE, "None", log=None)
    f = Fn(reg, P + "glove.cooccurrence_heatmap", vgl.cooccurrence_heatmap, None, ["a"])
    f.bad("cooc: None", TYPE, "None", cooc=None)
    f = Fn(reg, P + "glove.glove_loss_curve", vgl.glove_loss_curve, [1.0, 0.5])
    f.bad("epochs: 0", VALUE, epochs=0)
    f.bad("losses: None", TYPE, "None", losses=None)
    f = Fn(reg, P + "glove.weighting_explorer", vgl.weighting_explorer)
    f.number("x_max", 0.0, -1.0)
    f.number("alpha", -0.5)
    f.bad("x_range: reversed", VALUE, x_range=(250.0, 0.0))


def rest(reg: Registry) -> None:
    f = Fn(reg, P + "bptt.bptt_problem", vbp.bptt_problem)
    f.ints("n_a", low=1)
    f.ints("T_x", low=1, floats=False, none=False)
    for name, fn in (("bptt_trace", vbp.bptt_trace), ("bptt_stepper", vbp.bptt_stepper)):
        f = Fn(reg, P + f"bptt.{name}", fn, T_x=5, n_a=4)
        f.number("rho", 0.0, -1.0)
        f.choice("clip", "sometimes")
        f.number("threshold", 0.0)
    f = Fn(reg, P + "bptt.bptt_stepper", vbp.bptt_stepper, T_x=5, n_a=4)
    f.ok("t: T_x (the first backward step, the default)", t=5)
    f.bad("t: T_x + 1", VALUE, t=6)
    f.bad("t: 0", VALUE, t=0)
    reg.no_input(P + "bptt.BPTTTrace", "a record returned by bptt_trace")
    f = Fn(reg, "seqlab.rnn.inspect.load_gate_model", inspect.load_gate_model, "gru")
    f.choice("kind", "transformer")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/g.npz",
          path="/nonexistent/g.npz", default_words=False)
    model = inspect.load_gate_model("gru")
    f = Fn(reg, "seqlab.rnn.inspect.gate_trace", inspect.gate_trace, model, "to be or not")
    f.bad("text: empty", VALUE, text="")
    f.bad("text: None", TYPE, "None", text=None)
    f.bad("model: None", TYPE, "None", model=None)
    trace = inspect.gate_trace(model, "to be or not")
    reg.no_input("seqlab.rnn.inspect.GateModel", "a record: network, vocabulary, metadata")
    reg.no_input("seqlab.rnn.inspect.GateTrace", "a record returned by gate_trace")
    f = Fn(reg, "seqlab.rnn.inspect.GateModel.encode", model.encode, "to be", 100, "encode")
    f.bad("text: None", TYPE, "None", text=None)
    f.bad("text: too long", VALUE, text="a" * 101)
    f = Fn(reg, "seqlab.rnn.inspect.unit_profile", inspect.unit_profile, trace, 0)
    f.bad("unit: n_a", VALUE, unit=trace.n_a)
    f.bad("unit: a float", TYPE, unit=1.5)
    f.bad("trace: None", TYPE, "None", trace=None)
    f = Fn(reg, "seqlab.rnn.inspect.unit_correlations", inspect.unit_correlations, trace,
           {"one": np.ones(len(trace.text))})
    f.bad("features: one value short", VALUE, features={"one": np.ones(len(trace.text) - 1)})
    f.bad("features: a list", TYPE, features=[np.ones(len(trace.text))])
    f.bad("state: unknown", VALUE, state="h")
    for name, fn in (("gate_figure", vg.gate_figure), ("unit_figure", vg.unit_figure)):
        f = Fn(reg, P + f"gates.{name}", fn, trace, 0)
        f.bad("unit: n_a", VALUE, unit=trace.n_a)
        f.bad("unit: -1", VALUE, unit=-1)
        f.bad("trace: None", TYPE, "None", trace=None)
    f = Fn(reg, P + "gates.gate_explorer", vg.gate_explorer, None, ("to be",))
    f.bad("texts: one str", TYPE, "str", texts="to be")
    f.bad("models: a list", TYPE, models=[model])
    f = Fn(reg, P + "lm.live_loss_curve", vlm.live_loss_curve, {"uniform": 3.0})
    f.bad("baselines: a list", TYPE, baselines=[3.0])
    f = Fn(reg, P + "lm.sampling_explorer", vlm.sampling_explorer, None)
    f.bad(*NONE_MODEL)
    f = Fn(reg, P + "lm.token_logprob_bars", vlm.token_logprob_bars, {"a": ["x", "y"]},
           {"a": np.array([-1.0, -2.0])})
    f.bad("log_probs: one value short", VALUE, log_probs={"a": np.array([-1.0])})
    f.bad("log_probs: a label missing", KEY, "'a'", log_probs={})
    f = Fn(reg, P + "lm.vocab_labels", vlm.vocab_labels, None)
    f.bad("vocab: None", TYPE, "None", vocab=None)
    wave = np.sin(np.arange(800) / 5.0)
    f = Fn(reg, P + "music.audio", vm.audio, wave, 16000)
    f.bad("wave: above 1", VALUE, wave=wave * 3)
    f.ints("sample_rate", low=1)
    f = Fn(reg, P + "music.compare_histograms", vm.compare_histograms, ["a", "b"],
           {"x": np.array([0.5, 0.5])})
    f.bad("series: one value", VALUE, series={"x": np.array([1.0])})
    f.bad("series: a list", TYPE, series=[np.array([0.5, 0.5])])
    from seqlab.lm.train import History
    f = Fn(reg, P + "music.loss_curves", vm.loss_curves,
           History(step=[1, 2, 3], train_loss=[3.0, 2.0, 1.0]))
    f.bad("history: None", TYPE, "None", history=None)
    f.ints("span", low=1, none=False)
    f = Fn(reg, P + "music.piano_roll", vm.piano_roll, {"m": (np.array([60]), np.array([1.0]))})
    f.bad("melodies: empty", VALUE, melodies={})
    f.bad("melodies: None", TYPE, "None", melodies=None)
    C = RNG.integers(0, 5, (2, 2))
    f = Fn(reg, P + "sentiment.confusion_heatmap", vs.confusion_heatmap, C, ["a", "b"])
    f.bad("C: 3 x 3 for 2 classes", VALUE, C=np.ones((3, 3)))
    f.bad("C: None", TYPE, "None", C=None)
    f = Fn(reg, P + "sentiment.negation_figure", vs.negation_figure, {"v1": np.ones(2)},
           np.array([True, False]))
    f.bad("correct: another length", VALUE, correct={"v1": np.ones(3)})
    f.bad("correct: a list", TYPE, correct=[np.ones(2)])
    f = Fn(reg, P + "sentiment.word_contribution_bars", vs.word_contribution_bars, ["a", "b"],
           np.array([0.1, -0.2]))
    f.bad("contributions: one fewer", VALUE, contributions=np.array([0.1]))
    f.bad("contributions: None", TYPE, "None", contributions=None)
    f = Fn(reg, P + "sentiment.sentiment_explorer", vs.sentiment_explorer, lambda t: {},
           ["neg", "pos"], ["good"])
    f.bad("examples: empty", VALUE, examples=[])
    f.bad("analyse: not callable", TYPE, "callable", analyse=None)
    f.bad("start: 1 of 1", VALUE, start=1)
    f = Fn(reg, P + "source.show_source", vsrc.show_source, np.tanh)
    f.bad("obj: a number", TYPE, obj=3)
    f.bad("obj: None", TYPE, "None", obj=None)
    f = Fn(reg, P + "source.Source", vsrc.Source, "x = 1")
    f.bad("code: None", TYPE, "None", code=None)
    f = Fn(reg, P + "tasks.load_long_range_results", vt.load_long_range_results, "/nonexistent.npz")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent.npz", default_words=False)
    f = Fn(reg, P + "tasks.accuracy_vs_gap_figure", vt.accuracy_vs_gap_figure, {})
    f.bad("results: missing keys", KEY, results={})
    f.bad("results: None", TYPE, "None", results=None)
    sents = [["ada", "ate"]]
    probs = {"uni": [np.array([0.9, 0.1])]}
    f = Fn(reg, P + "tasks.name_probability_figure", vt.name_probability_figure, sents, probs)
    f.bad("probs: one value short", VALUE, probs={"uni": [np.array([0.9])]})
    f.bad("sentences: one str", TYPE, "str", sentences="ada ate")
    f = Fn(reg, P + "tasks.tagging_explorer", vt.tagging_explorer, sents, probs)
    f.bad("index: 1 of 1", VALUE, index=1)
    f.bad("probs: a list", TYPE, probs=[np.ones(2)])
    f = Fn(reg, P + "tasks.tagging_comparison_figure", vt.tagging_comparison_figure,
           {"uni": {"all": 0.9, "ambiguous": 0.5}})
    f.bad("scores: missing a metric", VALUE, scores={"uni": {"all": 0.9}})
    f.bad("scores: None", TYPE, "None", scores=None)
    states = [RNG.standard_normal((3, 1, 2))]
    f = Fn(reg, P + "tasks.layer_states_figure", vt.layer_states_figure, states, ["a", "b"])
    f.bad("words: one fewer", VALUE, words=["a"])
    f.bad("example: 1 of 1", VALUE, example=1)
    f.bad("states: empty", VALUE, states=[])
    W = RNG.random((2, 3))
    f = Fn(reg, P + "transformer.attention_heatmap", vtr.attention_heatmap, W, ["a", "b"],
           ["x", "y", "z"])
    f.bad("weights: transposed", VALUE, weights=W.T)
    f.bad("weights: None", TYPE, "None", weights=None)
    f = Fn(reg, P + "transformer.mask_visualizer", vtr.mask_visualizer, np.array([[3, 4, 0]]))
    f.bad("tokens: floats", TYPE, tokens=np.array([[3.0, 0.0]]))
    f.bad("tokens: None", TYPE, "None", tokens=None)
    f = Fn(reg, P + "transformer.positional_encoding_explorer",
           vtr.positional_encoding_explorer, 10, 8, 2)
    f.ints("positions", low=1)
    f.bad("position: 10 of 10", VALUE, position=10)
    f.bad("d_model: odd", VALUE, d_model=7)
    f = Fn(reg, P + "transformer.attention_trace", vtr.attention_trace, None, None, None)
    f.bad(*NONE_MODEL)
    f = Fn(reg, P + "transformer.attention_heads_view", vtr.attention_heads_view, None, None, "1")
    f.bad(*NONE_MODEL)
    f = Fn(reg, P + "widgets.softmax_temperature_explorer", vw.softmax_temperature_explorer,
           np.array([1.0, 2.0]), ["a", "b"])
    f.bad("logits: one value", VALUE, logits=np.array([1.0]))
    f.number("tau", 0.0, -1.0)
    f.bad("tau_range: reversed", VALUE, tau_range=(5.0, 0.05))
    reg.no_input(P + "widgets.widget_frontend_check", "takes no argument")
    import plotly.graph_objects as go
    f = Fn(reg, P + "widgets.FigureBox", vw.FigureBox, [], go.FigureWidget(), lambda: None)
    f.bad("update: not callable", TYPE, "callable", update=None)
    f.bad("figure: a plain Figure", TYPE, "FigureWidget", figure=go.Figure())
    reg.no_input(P + "widgets.FigureBox.update", "passes its keywords to the update function "
                 "the box was made with (which checks them)")


def register(reg: Registry) -> None:
    plots(reg)
    seq2seq_views(reg)
    speech_views(reg)
    embedding_views(reg)
    rest(reg)
    from tests.contract.cases_viz2 import register as more
    more(reg)
