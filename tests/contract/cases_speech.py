"""Contract cases: seqlab.speech (CTC loss, lattice, alignments, decoding, LMs, features,
the recognizer, the toy, the trigger-word detector)."""

from __future__ import annotations

import numpy as np

from seqlab import audio as ft
from seqlab import speech as sp
from seqlab.speech import ctc_align as al
from seqlab.speech import ctc_decode as dc
from seqlab.speech import ctc_toy as ct
from seqlab.speech import recognition as rc
from seqlab.speech import trigger as tg
from tests.contract._harness import Registry
from tests.contract._kinds import INDEX, NONFINITE, TYPE, VALUE, Fn, Fresh

RNG = np.random.default_rng(9)
P = "seqlab.speech."
n_y, m, T = 5, 2, 6
LOGITS = RNG.standard_normal((n_y, m, T))
TARGETS = np.array([[1, 2, 3], [4, 4, 0]])
TLEN = np.array([3, 2])


def ctc(reg: Registry) -> None:
    for name, fn in (("ctc_loss", sp.ctc_loss), ("ctc_lattice", sp.ctc_lattice)):
        f = Fn(reg, P + f"ctc.{name}", fn, LOGITS, TARGETS, None, TLEN)
        f.bad("targets: impossible (3 labels in 2 frames)", VALUE, "frames",
              input_lengths=np.array([2, 6]), arg="targets")
        f.bad("targets: label n_y", INDEX, "[0, n_y=5)", targets=np.array([[1, 5, 3], [4, 4, 0]]),
              arg="targets")
        f.bad("targets: the blank as a label", VALUE, "blank",
              targets=np.array([[1, 0, 3], [4, 4, 0]]))
        f.bad("targets: floats", TYPE, targets=TARGETS.astype(float))
        f.bad("target_lengths: 4 > S", VALUE, target_lengths=np.array([4, 2]))
        f.bad("input_lengths: T + 1", VALUE, input_lengths=np.array([7, 6]))
        f.bad("input_lengths: floats", TYPE, input_lengths=np.array([6.0, 6.0]))
        f.bad("blank: n_y", VALUE, blank=5)
        f.ok("blank: NumPy int", same={"blank": 0}, blank=np.int64(0))
        f.array("logits", "ndim", "int", "complex", "none", "list")
        f.bad("logits: (m, T, n_y)", VALUE, logits=LOGITS.transpose(1, 2, 0).copy())
        f.ok("targets: a list of sequences", same={"targets": TARGETS, "target_lengths": TLEN},
             targets=[[1, 2, 3], [4, 4]], target_lengths=None)
    f = Fn(reg, P + "ctc.ctc_loss", sp.ctc_loss, LOGITS, TARGETS, None, TLEN)
    f.array("logits", "nan", "inf", nan="refuse", words={"nan": ("clip", "learning rate")})
    f.ok("targets: impossible with zero_infinity=True: loss 0, gradient 0 (documented)",
         check=lambda r: (float(r[0][0]) == 0.0 and not np.any(r[1][:, 0])) or _fail(r),
         input_lengths=np.array([2, 6]), zero_infinity=True)
    f.bad("zero_infinity: a str", TYPE, zero_infinity="yes")
    ext = al.extended_sequence([1, 2], 0)
    f = Fn(reg, P + "ctc.ctc_alpha_step", sp.ctc_alpha_step, np.log(np.full(5, 0.2)),
           np.log(np.full(n_y, 0.2)), ext)
    f.bad("ext: a label n_y", INDEX, "[0, 5)", ext=[0, 5, 0, 2, 0], arg="ext")
    f.bad("log_alpha_prev: other length than ext", VALUE, log_alpha_prev=np.zeros(4))
    f.bad("log_y_t: 2-D", VALUE, log_y_t=np.zeros((n_y, 1)))
    f.bad("log_alpha_prev: None", TYPE, "None", log_alpha_prev=None)
    f.bad("blank: -1", VALUE, blank=-1)
    f.ok("ext: a list", same={"ext": ext}, ext=list(ext))


def inputs(reg: Registry) -> None:
    from seqlab.speech import _ctc_inputs as ci
    f = Fn(reg, P + "_ctc_inputs.prepare_targets", ci.prepare_targets, TARGETS, TLEN, m, n_y, 0)
    f.bad("targets: label n_y", INDEX, "[0, n_y=5)", targets=np.array([[1, 5, 3], [4, 4, 0]]),
          arg="targets", default_words=False)
    f.bad("targets: one sequence too few", VALUE, targets=[[1, 2]], target_lengths=None)
    f.bad("target_lengths: floats", TYPE, target_lengths=TLEN.astype(float))
    f = Fn(reg, P + "_ctc_inputs.extend_labels", ci.extend_labels, TARGETS, TLEN)
    f.bad("target_lengths: other m", VALUE, target_lengths=TLEN[:1])
    f.bad("targets: 1-D", VALUE, targets=TARGETS[0])
    f.bad("targets: None", TYPE, "None", targets=None)


def _fail(what):
    raise AssertionError(what)


def alignments(reg: Registry) -> None:
    f = Fn(reg, P + "ctc_align.extended_sequence", al.extended_sequence, [1, 2])
    f.bad("target: contains the blank", VALUE, "blank", target=[1, 0])
    f.bad("target: None", TYPE, "None", target=None)
    f.ok("target: a str", same={"target": ["c", "a"], "blank": "_"}, target="ca", blank="_")
    f = Fn(reg, P + "ctc_align.ctc_skip_allowed", al.ctc_skip_allowed, [0, 1, 0, 2, 0])
    f.bad("ext: None", TYPE, "None", ext=None)
    f.bad("ext: not alternating blanks", VALUE, ext=[1, 2])
    for name, fn in (("ctc_count_alignments", al.ctc_count_alignments),
                     ("ctc_alignments", al.ctc_alignments)):
        f = Fn(reg, P + f"ctc_align.{name}", fn, [1, 2], 4)
        f.ints("T", low=0)
        f.bad("target: contains the blank", VALUE, "blank", target=[1, 0])
        f.bad("target: None", TYPE, "None", target=None)
    f = Fn(reg, P + "ctc_align.ctc_alignments", al.ctc_alignments, [1, 2], 4)
    f.ints("limit", low=1)
    lp = np.log(np.full((n_y, T), 0.2))
    f = Fn(reg, P + "ctc_align.ctc_forced_alignment", al.ctc_forced_alignment, lp, [1, 2])
    f.bad("target: impossible in T frames", VALUE, "frames", target=[1] * 7, arg="target")
    f.bad("target: label n_y", INDEX, "[0, 5)", target=[1, 5])
    f.bad("log_probs: 3-D", VALUE, log_probs=lp[:, None])
    f.bad("log_probs: probabilities, not logs", VALUE, "log", log_probs=np.exp(lp))
    f.bad("log_probs: None", TYPE, "None", log_probs=None)
    f.bad("blank: n_y", VALUE, blank=5)


def decoding(reg: Registry) -> None:
    f = Fn(reg, P + "ctc_decode.ctc_collapse", dc.ctc_collapse, [1, 1, 0, 2])
    f.bad("path: 2-D", TYPE, path=[[1, 1], [0, 2]])
    f.bad("path: None", TYPE, "None", path=None)
    f.bad("blank: 'ab' with a str path", TYPE, path="aab", blank="ab", arg="blank")
    f.ok("path: a NumPy array", same={"path": [1, 1, 0, 2]}, path=np.array([1, 1, 0, 2]))
    f = Fn(reg, P + "ctc_decode.ctc_best_path", dc.ctc_best_path, LOGITS)
    f.array("logits", "ndim", "int", "complex", "none", "list")
    f.bad("input_lengths: T + 1", VALUE, input_lengths=np.array([7, 1]))
    f.bad("input_lengths: floats", TYPE, input_lengths=np.array([2.0, 1.0]))
    f = Fn(reg, P + "ctc_decode.ctc_greedy_decode", dc.ctc_greedy_decode, LOGITS)
    f.bad("blank: n_y", VALUE, blank=5)
    f.bad("blank: -1", VALUE, blank=-1)
    f.bad("logits: None", TYPE, "None", logits=None)
    f.bad("input_lengths: one", VALUE, input_lengths=np.array([2]))
    f.ok("blank: NumPy int", same={"blank": 0}, blank=np.int64(0))
    lp = np.log(np.full((n_y, T), 0.2))
    f = Fn(reg, P + "ctc_decode.ctc_prefix_beam_search", dc.ctc_prefix_beam_search, lp, 3)
    f.ints("beam_width", low=1)
    f.bad("blank: n_y", VALUE, blank=5)
    f.bad("log_probs: logits, not log-probabilities", VALUE, log_probs=lp + 3)
    f.bad("log_probs: 3-D", VALUE, log_probs=lp[:, None])
    f.bad("alpha: LM weight without lm_score", VALUE, alpha=0.5)
    f.bad("lm_score: not callable", TYPE, "callable", lm_score=3, alpha=0.5)
    f.number("prune", float("nan"), 0.5)
    f.bad("log_probs: None", TYPE, "None", log_probs=None)
    f.bad("log_probs: NaN", VALUE, log_probs=np.full((n_y, T), np.nan))


def lms(reg: Registry) -> None:
    C = P + "ctc_lm.CharNGramLM"
    f = Fn(reg, C, sp.CharNGramLM, ["abc", "cab"], list("abc"), 2)
    f.ints("n", low=1)
    f.number("k", 0.0, -1.0, "0.5", None)
    f.bad("texts: one str", TYPE, "str", texts="abc")
    f.bad("alphabet: repeated characters", VALUE, alphabet=list("aab"))
    f.bad("alphabet: empty", VALUE, alphabet=[])
    lm = sp.CharNGramLM(["abc", "cab"], list("abc"), 2)
    f = Fn(reg, C + ".log_prob", lm.log_prob, "ab", "c", fname="CharNGramLM.log_prob")
    f.bad("char: outside the alphabet", (KeyError, ValueError), "'z'", char="z")
    f.bad("char: two characters", VALUE, char="ab")
    f.bad("history: None", TYPE, "None", history=None)
    f = Fn(reg, C + ".scorer", lm.scorer, ["_", "a", "b", "c"], fname="CharNGramLM.scorer")
    f.bad("labels: a str", TYPE, "str", labels="_abc")
    f.bad("labels: None", TYPE, "None", labels=None)
    from seqlab.lm import LanguageModel, Vocabulary
    char_lm = LanguageModel(Vocabulary(list("abc")), 4, "rnn")
    f = Fn(reg, P + "ctc_lm.char_lm_scorer", sp.char_lm_scorer, char_lm, ["_", "a", "b"])
    f.bad("model: a word-level model", VALUE, "char",
          model=LanguageModel(Vocabulary(["ab", "cd"], level="word"), 4, "rnn"))
    f.bad("labels: a str", TYPE, "str", labels="_ab")
    f.bad("model: None", TYPE, "None", model=None)


def features(reg: Registry) -> None:
    x = np.sin(np.arange(800) / 7.0)
    for name, fn, args in (("stft", ft.stft, (x, 64, 32)), ("spectrogram", ft.spectrogram,
                                                             (x, 64, 32)),
                           ("log_mel", ft.log_mel, (x,))):
        f = Fn(reg, "seqlab.audio." + name, fn, *args)
        f.array("x", "ndim", "int", "complex", "none", "list", "nan", nan="refuse")
        f.bad("x: too short", VALUE, x=x[:3])
    f = Fn(reg, "seqlab.audio.stft", ft.stft, x, 64, 32)
    f.ints("n_fft", low=2)
    f.ints("hop_length", low=1)
    f.choice("window", "hamming")
    f.bad("window: wrong length", VALUE, window=np.ones(10))
    f = Fn(reg, "seqlab.audio.spectrogram", ft.spectrogram, x, 64, 32)
    f.number("power", 0.0, -1.0, "2")
    f = Fn(reg, "seqlab.audio.log_mel", ft.log_mel, x)
    f.ints("n_mels", low=1)
    f.number("eps", 0.0, -1e-6)
    f.choice("scale", "bark")
    f = Fn(reg, "seqlab.audio.frame", ft.frame, x, 64, 32)
    f.ints("frame_length", low=1)
    f.ints("hop_length", low=1)
    f.bad("x: shorter than a frame", VALUE, x=x[:10])
    f.array("x", "ndim", "none", "int")
    f = Fn(reg, "seqlab.audio.hann_window", ft.hann_window, 8)
    f.ints("n", low=1)
    f.bad("dtype: int", TYPE, dtype=np.int64)
    for name, fn in (("hz_to_mel", ft.hz_to_mel), ("mel_to_hz", ft.mel_to_hz)):
        f = Fn(reg, "seqlab.audio." + name, fn, np.array([100.0, 1000.0]))
        f.choice("scale", "bark")
        f.bad("negative frequency", VALUE, **{next(iter(f.values)): np.array([-5.0])})
        f.bad("None", TYPE, "None", **{next(iter(f.values)): None})
        f.ok("a list", same={next(iter(f.values)): np.array([100.0, 1000.0])},
             **{next(iter(f.values)): [100.0, 1000.0]})
    f = Fn(reg, "seqlab.audio.mel_filterbank", ft.mel_filterbank, 10, 64, 8000)
    f.ints("n_mels", low=1)
    f.ints("n_fft", low=2)
    f.ints("rate", low=1)
    f.bad("fmax: above rate / 2", VALUE, fmax=5000.0)
    f.bad("fmin: above fmax", VALUE, fmin=3000.0, fmax=2000.0)
    f.choice("norm", "l2")
    f.choice("scale", "bark")
    F = RNG.standard_normal((10, 7))
    f = Fn(reg, "seqlab.audio.normalize", ft.normalize, F)
    f.array("features", "ndim", "int", "complex", "none", "list", "nan", nan="refuse")
    f.number("delta", -1.0, "1e-5")
    f = Fn(reg, "seqlab.audio.stack_frames", ft.stack_frames, F, 3)
    f.ints("k", low=1)
    f.array("features", "ndim", "none", "complex")
    f = Fn(reg, "seqlab.audio.batch_features", ft.batch_features, [F, F[:, :4]])
    f.bad("features_list: other band counts", VALUE, features_list=[F, F[:5]])
    f.bad("features_list: empty", VALUE, features_list=[])
    f.bad("features_list: one array (not a list)", TYPE, features_list=F)
    f.bad("dtype: int", TYPE, dtype=np.int32)


def recognizer(reg: Registry) -> None:
    C = P + "recognition.SpeechRecognizer"
    f = Fn(reg, C, rc.SpeechRecognizer, 4, "gru", 1, 5, 2)
    f.choice("kind", "cnn")
    f.ints("n_a", low=1)
    f.ints("stack", low=1, floats=False, none=False)
    f.bad("n_layers: 0", VALUE, n_layers=0)
    f.bad("dtype: int", TYPE, dtype=np.int32)
    model = rc.SpeechRecognizer(4, "gru", 1, 5, 2, dtype=np.float64)
    n_x = 10
    x = RNG.standard_normal((n_x, 2, 6))
    lens = np.array([6, 4])
    tg_, tl = rc.ctc_targets(["ab", "c"])
    f = Fn(reg, C + ".forward", model.forward, x, lens, fname="SpeechRecognizer.forward")
    f.bad("x: other n_x", VALUE, x=x[:4])
    f.bad("lengths: 0", VALUE, lengths=np.array([6, 0]))
    f.bad("x: None", TYPE, "None", x=None)
    f = Fn(reg, C + ".loss", model.loss, x, lens, tg_, tl, fname="SpeechRecognizer.loss")
    f.bad("targets: label n_y", INDEX, targets=np.full_like(tg_, model.n_y))
    f.bad("target_lengths: longer than S", VALUE, target_lengths=np.array([3, 1]))
    f.bad("x: NaN", NONFINITE, "finite", x=np.full_like(x, np.nan))
    f = Fn(reg, C + ".log_probs", model.log_probs, x, lens, fname="SpeechRecognizer.log_probs")
    f.bad("x: transposed", VALUE, x=x.transpose(1, 0, 2).copy())
    f.bad("lengths: T + 1", VALUE, lengths=np.array([7, 1]))
    wav = np.sin(np.arange(4000) / 5.0)
    f = Fn(reg, C + ".features", model.features, [wav], fname="SpeechRecognizer.features")
    f.bad("waves: one waveform (not a list)", TYPE, waves=wav)
    f.bad("waves: empty", VALUE, waves=[])
    f.bad("waves: a 2-D wave", VALUE, waves=[wav[None]])
    f = Fn(reg, C + ".transcribe", model.transcribe, x=x, lengths=lens,
           fname="SpeechRecognizer.transcribe")
    f.choice("method", "viterbi")
    f.ints("beam_width", low=1, none=False)
    f.bad("neither waves nor x", TYPE, x=None, lengths=None, arg="waves")
    f = Fn(reg, C + ".save", model.save, "/nonexistent-dir/s.npz", fname="save")
    f.bad("path: a missing directory", (FileNotFoundError,), "/nonexistent-dir",
          default_words=False)
    f = Fn(reg, C + ".load", rc.SpeechRecognizer.load, "/nonexistent/s.npz",
           fname="SpeechRecognizer.load")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/s.npz", default_words=False)
    if hasattr(model, "on_device"):
        f = Fn(reg, C + ".on_device", model.on_device, x, lens, fname="on_device")
        f.bad("arrays: None", TYPE, "None", arrays=(None,))
    f = Fn(reg, P + "recognition.load_pretrained", rc.load_pretrained, "/nonexistent/p.npz")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/p.npz", default_words=False)
    f = Fn(reg, P + "recognition.utterance_features", rc.utterance_features, wav)
    f.array("wav", "ndim", "int", "complex", "none", "list", "nan", nan="refuse")
    f.ints("stack", low=1)
    f = Fn(reg, P + "recognition.ctc_targets", rc.ctc_targets, ["ab", "c"])
    f.bad("texts: a character outside the alphabet", (KeyError, ValueError), "'#'",
          texts=["a#"])
    f.bad("texts: one str", TYPE, "str", texts="ab")
    f.bad("texts: empty", VALUE, texts=[])
    for mod, fn in (("recognition", rc.character_error_rate),):    # ctc_toy re-exports it
        f = Fn(reg, P + f"{mod}.character_error_rate", fn, ["ab"], ["ab"])
        f.bad("hyps: one more", VALUE, hyps=["ab", "c"])
        f.bad("refs: all empty", VALUE, refs=[""])
        f.bad("hyps: None", TYPE, "None", hyps=None)
        f.bad("refs: one str", TYPE, "str", refs="ab", hyps="ab")
    f = Fn(reg, P + "recognition.train_recognizer", rc.train_recognizer, Fresh(
        lambda: rc.SpeechRecognizer(4, "gru", 1, 5, 2)), [x[:, 0].astype(np.float32)], ["ab"])
    f.ints("epochs", low=1)
    f.ints("batch_size", low=1)
    f.number("lr", 0.0, -1.0)
    f.number("clip", 0.0, -1.0)
    f.bad("texts: one fewer", VALUE, texts=[])
    f.bad("feats: other n_x", VALUE, feats=[x[:4, 0]])


def toy_and_trigger(reg: Registry) -> None:
    reg.no_input(P + "ctc_toy.ToyBatch", "a record returned by make_utterances")
    f = Fn(reg, P + "ctc_toy.digit_sounds", ct.digit_sounds, 16)
    f.ints("n_x", low=1)
    f = Fn(reg, P + "ctc_toy.make_utterances", ct.make_utterances, 2, 0)
    f.ints("m", low=1)
    f.bad("texts: letters", VALUE, texts=["12", "ab"])
    f.bad("digits: (5, 2)", VALUE, digits=(5, 2))
    f.number("noise", -0.1)
    f.bad("rng: a str", TYPE, rng="seed")
    f = Fn(reg, P + "ctc_toy.train_toy_ctc", ct.train_toy_ctc, 1, 2, 4)
    f.ints("steps", low=1)
    f.ints("m", low=1, floats=False, none=False)
    f.number("lr", 0.0, -0.01)
    params = tg.init_trigger_params(6, 3, 4, 0, np.float64, kernel=5)
    f = Fn(reg, P + "trigger.init_trigger_params", tg.init_trigger_params, 6, 3, 4, 0, np.float64,
           kernel=5)
    f.ints("n_a", low=1)
    f.ints("kernel", low=1)
    f.bad("dtype: int", TYPE, dtype=np.int32)
    x = RNG.standard_normal((6, 2, 30))
    f = Fn(reg, P + "trigger.trigger_forward", tg.trigger_forward, x, params)
    f.array("x", "ndim", "int", "complex", "none")
    f.bad("x: other n_x", VALUE, x=x[:4])
    f.number("dropout", 1.0, 1.5, -0.1)
    f.params("params", missing="gru1_W_u", extra=True)
    f.bad("x: shorter than the kernel", VALUE, x=x[:, :, :3])
    logits, _, cache = tg.trigger_forward(x, params)
    f = Fn(reg, P + "trigger.trigger_backward", tg.trigger_backward, np.ones_like(logits), cache)
    f.bad("dlogits: wrong shape", VALUE, dlogits=np.ones((2, 1, logits.shape[2])))
    f.bad("cache: None", TYPE, "None", cache=None)
    y = (RNG.random(logits.shape) > 0.8).astype(float)
    f = Fn(reg, P + "trigger.trigger_loss", tg.trigger_loss, x, y, params)
    f.bad("y: wrong shape", VALUE, y=y[0])
    f.bad("y: 2 in 0/1 labels", VALUE, y=y * 2)
    f.number("pos_weight", 0.0, -1.0)
    f.bad("x: NaN", NONFINITE, "finite", x=np.full_like(x, np.nan))
    f = Fn(reg, P + "trigger.predict", tg.predict, x, params, 1)
    f.ints("batch", low=1)
    f.bad("x: other n_x", VALUE, x=x[:4])
    f = Fn(reg, P + "trigger.load_trigger_model", tg.load_trigger_model, "/nonexistent/t.npz")
    f.bad("path: no such file", (FileNotFoundError,), "/nonexistent/t.npz", default_words=False)
    f = Fn(reg, P + "trigger.step_to_ms", tg.step_to_ms, 5, 100)
    f.ints("T_y", low=1)
    f.bad("t: T_y", VALUE, t=100)
    f.bad("t: -1", VALUE, t=-1)
    f.ok("t: an array of steps", same={"t": np.array([5])}, t=[5])
    probs = np.array([0.1, 0.9, 0.95, 0.2, 0.8])
    f = Fn(reg, P + "trigger.detect", tg.detect, probs, 0.5, 1)
    f.number("threshold", 1.5, -0.1, float("nan"), "0.5")
    f.ints("refractory", low=0)
    f.bad("probs: above 1", VALUE, probs=probs + 1)
    f.bad("probs: None", TYPE, "None", probs=None)
    f.bad("probs: 2-D", VALUE, probs=np.stack([probs, probs]))
    f = Fn(reg, P + "trigger.detection_scores", tg.detection_scores, [[500.0]], [[450.0]])
    f.bad("activate_ends_ms: one clip fewer", VALUE, activate_ends_ms=[])
    f.bad("window: (500, -100)", VALUE, window=(500, -100))
    f.bad("detections_ms: a flat list", TYPE, detections_ms=[500.0])
    f = Fn(reg, P + "trigger.evaluate", tg.evaluate, probs[None], [[450.0]])
    f.number("threshold", 2.0)
    f.bad("probs: 1-D", VALUE, probs=probs)
    f.bad("activate_ends_ms: two clips for one row", VALUE, activate_ends_ms=[[1.0], [2.0]])
    f = Fn(reg, P + "trigger.chime", tg.chime)
    f.ints("rate", low=1)
    f.ints("duration_ms", low=1)
    f.bad("freqs: a negative frequency", VALUE, freqs=(-880.0,))
    f.bad("freqs: empty", VALUE, freqs=())
    audio = np.zeros(16000, np.float32)
    f = Fn(reg, P + "trigger.chime_on_activate", tg.chime_on_activate, audio, probs)
    f.number("threshold", 1.5)
    f.bad("audio: 2-D", VALUE, audio=audio[None])
    f.bad("predictions: 2-D", VALUE, predictions=np.stack([probs, probs]))
    f.bad("audio: None", TYPE, "None", audio=None)
    f.ints("rate", low=1, none=False)


def register(reg: Registry) -> None:
    ctc(reg)
    inputs(reg)
    alignments(reg)
    decoding(reg)
    lms(reg)
    features(reg)
    recognizer(reg)
    toy_and_trigger(reg)
