"""seqlab.speech.recognition: the BiGRU/LSTM + CTC acoustic model, CER, the shipped model."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from seqlab.data.speech import ALPHABET, digit_utterances, synthesize_batch
from seqlab.gradcheck import check_grads, random_direction_check
from seqlab.speech.recognition import (
    PRETRAINED,
    SpeechRecognizer,
    character_error_rate,
    ctc_targets,
    load_pretrained,
    train_recognizer,
    utterance_features,
)

PRETRAINED_PATH = (Path(__file__).resolve().parents[1] / "seqlab" / "speech" / "pretrained"
                   / "digits_ctc.npz")
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed")


def _tiny(kind, rng=0):
    model = SpeechRecognizer(n_a=3, kind=kind, n_layers=2, n_mels=3, stack=2, rng=rng,
                             dtype=np.float64)
    r = np.random.default_rng(rng)
    x = r.normal(size=(6, 3, 7))                           # (n_x = 3·2, m = 3, T_x = 7)
    lengths = np.array([7, 5, 3])
    targets, target_lengths = ctc_targets(["ab", "aa", "c"])   # repeated label: needs a blank
    for p in model.params.values():
        p *= 3.0                                           # larger weights: a sharper check
    return model, x, lengths, targets, target_lengths


@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_acoustic_model_ctc_gradient_end_to_end_float64(kind):
    model, x, lengths, targets, target_lengths = _tiny(kind)
    loss, grads = model.loss(x, lengths, targets, target_lengths)
    assert np.isfinite(loss) and set(grads) == set(model.params)
    # h = 1e-4: J ≈ 14 and some per-key directional derivatives are ~1e-4, so a smaller h
    # drowns them in round-off (ε·J/h); the O(h²) truncation error stays far below 1e-6.
    result = random_direction_check(
        lambda: model.loss(x, lengths, targets, target_lengths)[0], model.params, grads,
        n_directions=3, h=1e-4)
    assert result.errors["(all)"] < 1e-7, result.errors
    assert max(result.errors.values()) < 1e-6, result.errors
    elementwise = check_grads(lambda: model.loss(x, lengths, targets, target_lengths)[0],
                              model.params, grads, keys=["W_ya", "b_y"], h=1e-5)
    assert max(elementwise.errors.values()) < 1e-7, elementwise.errors


def test_padding_does_not_change_an_utterance():
    model, x, lengths, targets, target_lengths = _tiny("gru", rng=1)
    padded = x.copy()
    padded[:, 1, 5:] = 99.0                                # garbage past length 5
    l1, g1 = model.loss(x, lengths, targets, target_lengths)
    l2, g2 = model.loss(padded, lengths, targets, target_lengths)
    assert abs(l1 - l2) < 1e-12
    for k in g1:
        np.testing.assert_allclose(g1[k], g2[k], atol=1e-12)


def test_character_error_rate_and_targets():
    assert character_error_rate(["one two", "tree"], ["one two", "three"]) == 1 / 12
    assert character_error_rate(["", "x"], ["ab", "ab"]) == 4 / 4
    targets, lens = ctc_targets(["one", "a b"])
    assert targets.shape == (2, 3) and list(lens) == [3, 3]
    assert targets[0].tolist() == [ALPHABET.index(c) + 1 for c in "one"]
    with pytest.raises(ValueError, match="character_error_rate"):
        character_error_rate(["a"], ["a", "b"])
    with pytest.raises(ValueError, match="SpeechRecognizer\\(kind\\)"):
        SpeechRecognizer(kind="transformer")
    with pytest.raises(ValueError, match="transcribe\\(method\\)"):
        SpeechRecognizer(n_a=2, n_layers=1).transcribe(x=np.zeros((120, 1, 4), np.float32),
                                                       method="viterbi")


@needs_espeak
def test_a_few_training_steps_reduce_the_loss(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQLAB_CACHE", str(tmp_path))
    utts = digit_utterances(8, "train", min_digits=1, max_digits=2, seed=5)
    waves = synthesize_batch([u.text for u in utts], [u.speaker for u in utts])
    feats = [utterance_features(w) for w in waves]
    assert feats[0].shape[0] == 120 and feats[0].dtype == np.float32
    model = SpeechRecognizer(n_a=24, n_layers=1, rng=0)
    history = train_recognizer(model, feats, [u.text for u in utts], epochs=12, batch_size=4,
                               lr=1e-2)
    assert np.mean(history[-4:]) < 0.6 * np.mean(history[:2])


@needs_espeak
def test_shipped_model_cer_on_held_out_voices():
    model, meta = load_pretrained()
    assert PRETRAINED == PRETRAINED_PATH and PRETRAINED.stat().st_size < 2_000_000
    assert model.net.bidirectional and model.net.n_layers == 2
    assert meta["cer_greedy"] <= 0.10 and meta["cer_beam"] <= 0.10
    test = digit_utterances(meta["n_test"], "test", seed=meta["test_seed"])[:60]
    train_voices = {u.speaker.voice for u in digit_utterances(3000, "train", seed=meta["seed"])}
    assert not {u.speaker.voice for u in test} & train_voices      # voices never trained on
    waves = synthesize_batch([u.text for u in test], [u.speaker for u in test])
    greedy = model.transcribe(waves, method="greedy")
    beam = model.transcribe(waves, method="beam", beam_width=8)
    texts = [u.text for u in test]
    assert character_error_rate(greedy, texts) <= 0.10
    assert character_error_rate(beam, texts) <= 0.10
