"""seqlab.viz.speech: the figures carry the right data, kept small; the player plays."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.audio import log_mel, mel_filterbank, spectrogram
from seqlab.viz import speech as va


def _wave(n=16000):
    t = np.arange(n) / 16000
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_waveform_envelope_keeps_extremes_and_is_small():
    w = _wave()
    w[1234] = 0.9
    fig = va.waveform_figure(w, max_points=400)
    y = np.asarray(fig.data[0].y)
    assert y.size <= 400 and abs(y.max() - 0.9) < 1e-4 and abs(y.min() + 0.5) < 1e-3
    short = va.waveform_figure(w[:100])
    assert len(short.data[0].y) == 100


def test_spectrogram_and_log_mel_images():
    w = _wave().astype(np.float64)
    S = spectrogram(w, 400, 160)
    fig = va.spectrogram_figure(S, max_freq_bins=50)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (S[::5].shape[0], S.shape[1])
    y = np.asarray(fig.data[0].y)
    assert abs(y[z[:, 50].argmax()] - 440) <= 40                 # the tone's row is brightest
    F = log_mel(w)
    assert np.asarray(va.log_mel_figure(F).data[0].z).shape == F.shape
    grid = va.log_mel_grid([F, F[:, :50]], ["a", "b"])
    assert len(grid.data) == 2
    with pytest.raises(ValueError, match="log_mel_grid"):
        va.log_mel_grid([F], ["a", "b"])


def test_filterbank_posteriors_and_loss_figures():
    M = mel_filterbank(10, 400, 16000)
    fig = va.mel_filterbank_figure(M, every=2)
    assert len(fig.data) == 5 and max(max(t.y) for t in fig.data) <= 1.0
    lp = np.log(np.full((4, 6), 0.25))
    post = va.posteriors_figure(lp, ["_", " ", "a", "b"], top=2)
    assert np.asarray(post.data[0].z).shape == (2, 6)
    assert np.allclose(np.asarray(post.data[0].z), 0.25)
    with pytest.raises(ValueError, match="posteriors_figure"):
        va.posteriors_figure(lp, ["_", "a"])
    assert len(va.loss_curve([3.0, 2.0, 1.0]).data[0].y) == 3


def test_audio_player():
    pytest.importorskip("IPython")
    player = va.audio_player(_wave(800))
    assert player.data[:4] == b"RIFF"
    with pytest.raises(ValueError, match="audio_player"):
        va.audio_player(np.zeros((2, 3)))
