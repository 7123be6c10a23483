"""Each week's task models train and decode on a device, and agree with NumPy.

A few training steps of every task model of the course, then its decoding (greedy, beam search,
CTC best path and prefix beam search, sampling), once with ``backend.use("numpy")`` and once
with ``backend.use("cupy")``: on the device double (``tests/device_double``: NumPy behind CuPy
14.2's boundary rules; always), and on CuPy where it sees a GPU (``benchmarks/gpu_check.sh``).
The double fails on what fails on a GPU: a host array inside a device operation, an implicit
conversion to NumPy, a function or argument CuPy lacks, a draw from ``cupy.random``. So a pass
on it says the CuPy path runs; agreeing with NumPy says it computes the same thing, to the
parity tests' tolerances (float64 1e-10; float32 rtol 1e-4 / atol 1e-5, justified in
``test_backend_parity.py``; the double computes with NumPy, so there only the order of a few
sums differs, e.g. scatter-add through ``cupyx.scatter_add``).

Week 2's ``train_word2vec`` is not here: it trains on the host whatever the backend (its ``xp``
is NumPy by design, for its per-batch random draws); its negative-sampling loss and gradient are
in ``test_backend_parity.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab import backend
from seqlab.arrays import zeros
from seqlab.backend import to_device, to_numpy

pytestmark = pytest.mark.usefixtures("device")
TOL = {np.float64: (1e-10, 1e-10), np.float32: (1e-4, 1e-5)}


def _host(out):
    """``out`` with every array on the host (NamedTuples, dicts, lists kept as lists)."""
    if isinstance(out, dict):
        return {k: _host(v) for k, v in out.items()}
    if isinstance(out, list | tuple):
        return [_host(v) for v in out]
    if hasattr(out, "shape"):
        return np.asarray(to_numpy(out))
    return out


def _assert_close(got, want, rtol, atol, path="out"):
    if isinstance(want, dict):
        assert got.keys() == want.keys(), path
        for k in want:
            _assert_close(got[k], want[k], rtol, atol, f"{path}.{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _assert_close(g, w, rtol, atol, f"{path}[{i}]")
    elif isinstance(want, np.ndarray | float) and not isinstance(want, bool):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=path)
    else:
        assert got == want, path


def _on_both(run, dtype=np.float64, params=lambda out: ()):
    """``run()`` under use("numpy") and under use("cupy"); asserts that the arrays
    ``params(out)`` of the second run live on the device, and that both runs agree."""
    results = {}
    for name in ("numpy", "cupy"):
        with backend.using(name):
            out = run()
        on_device = [backend.is_cupy(p) for p in params(out)]
        assert on_device == [name == "cupy"] * len(on_device), f"{name}: {on_device}"
        results[name] = _host(out)
    _assert_close(results["cupy"], results["numpy"], *TOL[dtype])
    return results["cupy"]


# ------------------------------------------------------------------------------ week 1
def test_language_model_trains_samples_and_scores():
    from seqlab.lm import LanguageModel, Vocabulary, sample, sequence_log_prob, train

    words = ["abba", "baab", "cab", "a", "bacca", "abc", "cc"]

    def run():
        model = LanguageModel(Vocabulary.build(words), 8, "lstm", 2, rng=0, dtype=np.float64)
        history = train(model, words, words, steps=4, batch_size=2, progress=False, every=2)
        return (model.params, history.train_loss, history.val_loss, sample(model, 3, seed=0),
                sample(model, 2, temperature=0.0, prefix="ab"), sequence_log_prob(model, "cab"))
    out = _on_both(run, params=lambda out: out[0].values())
    assert out[1][-1] < out[1][0]


def test_bidirectional_tagger_and_agreement_classifier_train():
    from seqlab.data import name_tagging_batch
    from seqlab.tasks import evaluate_name_tagger, train_agreement, train_name_tagger

    def run():
        tagger = train_name_tagger(True, 0, n_steps=4)
        agree = train_agreement("lstm", 3, seed=0, n_steps=4, n_test=20)
        return (tagger.net.params, tagger.history["losses"],
                evaluate_name_tagger(tagger.net, name_tagging_batch(12, rng=5)),
                agree.history["losses"], agree.accuracy)
    _on_both(run, np.float32, params=lambda out: out[0].values())


# ------------------------------------------------------------------------------ week 2
def test_glove_and_the_sentiment_classifiers_train():
    import seqlab.tasks.sentiment as st
    from seqlab.data.corpus import build_vocab
    from seqlab.embeddings.cooccurrence import cooccurrence, encode
    from seqlab.embeddings.glove_model import Cooccurrence, fit_glove

    corpus = [["ice", "is", "solid"], ["steam", "is", "gas"], ["ice", "and", "steam"]] * 4
    r = np.random.default_rng(0)
    E = np.concatenate([np.zeros((1, 4)), r.normal(size=(6, 4))]).astype(np.float32)
    ids, lengths = r.integers(1, 7, size=(64, 4)), r.integers(1, 5, size=64)
    y = (ids[:, 0] == 1).astype(np.int64)

    def run():
        words, counts = build_vocab(corpus, 1, None)
        i, j, x = cooccurrence(*encode(corpus, words), len(words), 3)
        cooc = Cooccurrence(to_device(i), to_device(j), to_device(x), words, counts)
        glove = fit_glove(cooc, vector_size=4, epochs=3, batch_size=8, progress=False,
                          dtype=np.float64)
        avg = st.average_embeddings(to_device(ids), to_device(lengths), to_device(E))
        v1, v1_losses = st.train_v1(to_numpy(avg), y, 2, epochs=2, lr=0.05, batch_size=32)
        net = st.make_v2(4, 8, 2, rng=0, dtype=np.float64)
        v2_losses = st.train_v2(net, ids, lengths, y, E.astype(np.float64), epochs=2,
                                batch_size=32, lr=0.01)
        return (glove.params, glove.losses, v1_losses, v2_losses,
                st.v2_predict_proba(net, ids, lengths, E.astype(np.float64)), v1, net.params)
    _on_both(run, params=lambda out: [*out[0].values(), *out[6].values()])


# ------------------------------------------------------------------------------ week 3
def test_attention_seq2seq_trains_and_decodes_greedy_and_beam():
    from seqlab.data.dates import date_vocabs, load_dates
    from seqlab.seq2seq.attention_model import AttentionSeq2Seq
    from seqlab.seq2seq.beam import beam_search
    from seqlab.seq2seq.train import train_seq2seq

    sources, targets = load_dates("train", 32, seed=0)

    def run():
        model = AttentionSeq2Seq(*date_vocabs(), n_a=8, n_s=16, rng=0, dtype=np.float64)
        history = train_seq2seq(model, sources, targets, steps=3, batch_size=8,
                                log=lambda *_: None)
        x_ids, x_len = model.batch(sources[:3])
        beam = beam_search(model.decoder_step, model.init_state(x_ids[:1], x_len[:1]),
                           model.bos_id, model.eos_id, beam_width=3, max_len=8)
        return (model.params, history["loss"], model.greedy(x_ids, x_len, 8),
                [(h.tokens, h.log_prob) for h in beam.hypotheses],
                model.log_prob(x_ids, [[3, 4]] * 3, x_len),
                model.attention_map(x_ids[:1], x_len[:1], max_len=4)[1])
    _on_both(run, params=lambda out: out[0].values())


def test_image_captioner_trains_and_captions():
    from seqlab.data.scenes import make_scenes, scene_vocab
    from seqlab.seq2seq.captioning import ImageCaptioner, caption_metrics, train_captioner

    scenes = make_scenes(8, seed=0)

    def run():
        model = ImageCaptioner(scene_vocab(), n_a=8, rng=0, dtype=np.float64)
        history = train_captioner(model, scenes, steps=2, batch_size=4, log=lambda *_: None)
        return (model.params, history["loss"], model.caption(scenes.images[:2]),
                model.caption(scenes.images[:1], beam_width=3),
                caption_metrics(model, make_scenes(2, seed=1))["hypotheses"])
    _on_both(run, params=lambda out: out[0].values())


def test_speech_recognizer_trains_and_transcribes_greedy_and_beam():
    from seqlab.audio import batch_features
    from seqlab.speech.recognition import SpeechRecognizer, train_recognizer

    r = np.random.default_rng(0)
    feats = [r.standard_normal((30, n)).astype(np.float32) for n in (12, 15, 9, 14)]
    texts = ["one two", "three", "four", "five"]

    def run():
        model = SpeechRecognizer(n_a=6, n_layers=2, n_mels=10, rng=0)
        history = train_recognizer(model, feats, texts, epochs=1, batch_size=2)
        x, lengths = model.on_device(*batch_features(feats))
        return (model.params, history, model.transcribe(x=x, lengths=lengths),
                model.transcribe(x=x, lengths=lengths, method="beam", beam_width=4))
    _on_both(run, np.float32, params=lambda out: out[0].values())


def test_trigger_word_model_trains_and_predicts():
    from seqlab.optim import Adam
    from seqlab.speech import trigger

    r = np.random.default_rng(0)
    X = r.standard_normal((12, 4, 60)).astype(np.float32)          # (n_x, m, T_x) features
    T_y = trigger.trigger_forward(X[:, :1], trigger.init_trigger_params(12, 4, 5))[0].shape[2]
    Y = (r.random((1, 4, T_y)) < 0.2).astype(np.float32)           # (1, m, T_y) labels

    def run():
        params = trigger.init_trigger_params(12, 4, 5, rng=0, dtype=np.float32)
        opt, losses, rng = Adam(lr=1e-2), [], np.random.default_rng(1)
        for idx in ([0, 1], [2, 3]):                                # dropout masks from rng
            loss, grads = trigger.trigger_loss(to_device(X[:, idx]), to_device(Y[:, idx]),
                                               params, 0.2, rng, True, 2.0)
            opt.step(params, grads)
            losses.append(float(loss))
        return params, losses, trigger.predict(X, params, batch=3)   # host features in
    _on_both(run, np.float32, params=lambda out: out[0].values())


def test_ctc_decoding_of_device_logits():
    from seqlab.functional import log_softmax
    from seqlab.speech import ctc_best_path, ctc_greedy_decode, ctc_prefix_beam_search

    logits = np.random.default_rng(3).normal(size=(5, 2, 9)) * 3

    def run():
        z = to_device(logits)
        return (ctc_best_path(z, to_device(np.array([9, 6]))),
                ctc_greedy_decode(z, [9, 6]),
                ctc_prefix_beam_search(log_softmax(z[:, 0], axis=0), beam_width=4).labels)
    _on_both(run)


# ------------------------------------------------------------------------------ week 4
def test_transformer_task_trains_with_dropout_and_decodes():
    from seqlab.data.numbers import load_numbers, number_vocabs
    from seqlab.transformer.tasks import TaskModel, train_task

    words, digits = load_numbers("train", 32, seed=5, max_digits=2)

    def run():
        task = TaskModel.create(*number_vocabs("en"), "words", seed=1, d_model=16, n_heads=2,
                                d_ff=32, n_layers=1, max_len=32, dropout=0.1)
        history = train_task(task, words, digits, steps=3, batch_size=8, warmup_steps=20,
                             seed=0)
        beam = task.beam(words[0], beam_width=3, max_len=6)
        return (task.model.params, history["loss"], task.greedy(words[:4], max_len=6),
                beam[0], [(h.tokens, h.log_prob) for h in beam[1].hypotheses])
    _on_both(run, np.float32, params=lambda out: out[0].values())


def test_ops_take_arrays_on_one_device_and_models_move_host_batches():
    """The functional ops compute where their arrays are, so a host x with device parameters
    fails; a model's forward moves a host batch to its parameters."""
    from seqlab import rnn

    x = np.random.default_rng(0).normal(size=(5, 2, 3))              # (n_x, m, T_x) host
    with backend.using("cupy"):
        params = rnn.init_gru_params(5, 4, 3, rng=0)
        a0 = zeros((4, 2))
        with pytest.raises(TypeError, match="Unsupported type"):      # CuPy's message
            rnn.gru_forward(x, a0, params)
        assert backend.is_cupy(rnn.gru_forward(to_device(x), a0, params)[0])
        net = rnn.RecurrentNetwork(5, 4, 3, "gru", rng=0)
        logits, _ = net.forward(x, lengths=[3, 2])
        ids_logits, _ = net.forward(np.array([[0, 4, 2], [1, 1, 3]]))
        assert backend.is_cupy(logits) and backend.is_cupy(ids_logits)
