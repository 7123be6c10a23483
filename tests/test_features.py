"""seqlab.audio: framing, STFT (vs torch.stft), mel filterbank, log-mel."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab import audio as ft

torch = pytest.importorskip("torch")


def _torch_stft(x, n_fft, hop, center, window=True):
    w = (torch.hann_window(n_fft, dtype=torch.float64) if window
         else torch.ones(n_fft, dtype=torch.float64))
    return torch.stft(torch.tensor(x), n_fft, hop, window=w, center=center, pad_mode="reflect",
                      return_complex=True).numpy()


@pytest.mark.parametrize("n, n_fft, hop, center", [
    (3001, 400, 160, True), (3001, 400, 160, False), (1000, 256, 64, True),
    (257, 256, 1, False), (513, 64, 100, True)])
def test_stft_matches_torch_float64(n, n_fft, hop, center):
    x = np.random.default_rng(n).standard_normal(n)
    X = ft.stft(x, n_fft, hop, center=center)
    ref = _torch_stft(x, n_fft, hop, center)
    assert X.shape == ref.shape == (n_fft // 2 + 1, (1 + n // hop) if center
                                    else 1 + (n - n_fft) // hop)
    np.testing.assert_allclose(X, ref, rtol=0, atol=1e-10)
    rect = ft.stft(x, n_fft, hop, window=None, center=center)        # rectangular window
    np.testing.assert_allclose(rect, _torch_stft(x, n_fft, hop, center, window=False),
                               rtol=0, atol=1e-10)


def test_hann_window_matches_torch():
    np.testing.assert_allclose(ft.hann_window(400), torch.hann_window(400, dtype=torch.float64),
                               rtol=0, atol=1e-15)


def test_frame_columns_and_spectrogram_is_power():
    x = np.arange(10.0)
    F = ft.frame(x, 4, 3)
    assert F.shape == (4, 3) and np.array_equal(F[:, 2], [6, 7, 8, 9])
    sig = np.random.default_rng(0).standard_normal(800)
    S = ft.spectrogram(sig, 128, 32)
    np.testing.assert_allclose(S, np.abs(_torch_stft(sig, 128, 32, True)) ** 2, atol=1e-9)
    # Parseval per frame: Σ_n (w x)² = (|X_0|² + 2 Σ_{0<k<N/2} |X_k|² + |X_{N/2}|²) / N
    frames = ft.frame(np.pad(sig, 64, mode="reflect"), 128, 32) * ft.hann_window(128)[:, None]
    energy = (S[0] + 2 * S[1:-1].sum(axis=0) + S[-1]) / 128
    np.testing.assert_allclose(energy, (frames ** 2).sum(axis=0), rtol=1e-12)


def test_a_tone_peaks_at_its_bin():
    rate, f0 = 16000, 1000.0
    x = np.sin(2 * np.pi * f0 * np.arange(4000) / rate)
    S = ft.spectrogram(x, 400, 160)
    assert np.all(S[:, 2:-2].argmax(axis=0) == int(f0 * 400 / rate))   # bin 25


@pytest.mark.parametrize("scale", ["htk", "slaney"])
def test_mel_scale_known_values_and_inverse(scale):
    f = np.array([0.0, 200.0, 1000.0, 4000.0, 8000.0])
    np.testing.assert_allclose(ft.mel_to_hz(ft.hz_to_mel(f, scale), scale), f, atol=1e-9)
    if scale == "htk":
        np.testing.assert_allclose(ft.hz_to_mel(1000.0, "htk"), 999.9855371, atol=1e-6)
    else:
        np.testing.assert_allclose(ft.hz_to_mel([200.0, 1000.0, 6400.0], "slaney"),
                                   [3.0, 15.0, 42.0], atol=1e-12)


@pytest.mark.parametrize("scale", ["htk", "slaney"])
def test_mel_filterbank_triangles(scale):
    n_mels, n_fft, rate, fmin, fmax = 20, 2048, 16000, 50.0, 7000.0
    M = ft.mel_filterbank(n_mels, n_fft, rate, fmin, fmax, scale)
    assert M.shape == (n_mels, n_fft // 2 + 1) and M.min() >= 0 and M.max() <= 1
    freqs = np.arange(n_fft // 2 + 1) * rate / n_fft
    edges = ft.mel_to_hz(np.linspace(ft.hz_to_mel(fmin, scale), ft.hz_to_mel(fmax, scale),
                                     n_mels + 2), scale)
    for j in range(n_mels):
        support = np.flatnonzero(M[j] > 0)
        assert edges[j] < freqs[support[0]] and freqs[support[-1]] < edges[j + 2]
        peak = support[M[j, support].argmax()]
        assert abs(freqs[peak] - edges[j + 1]) <= rate / n_fft       # the peak at the centre
        assert M[j, peak] > 1 - (rate / n_fft) / (edges[j + 1] - edges[j])
    inside = (freqs >= edges[1]) & (freqs <= edges[-2])              # centre 1 .. centre n
    np.testing.assert_allclose(M[:, inside].sum(axis=0), 1.0, atol=1e-12)  # partition of 1
    assert np.all(M[:, (freqs < edges[0]) | (freqs > edges[-1])] == 0)
    Ms = ft.mel_filterbank(n_mels, n_fft, rate, fmin, fmax, scale, norm="slaney")
    area = Ms.sum(axis=1) * rate / n_fft                             # ≈ ∫ triangle = 1
    np.testing.assert_allclose(area, 1.0, rtol=0.1)


def test_log_mel_shapes_dtypes_and_normalize():
    x = np.random.default_rng(1).standard_normal(16000).astype(np.float32) * 0.1
    F = ft.log_mel(x, n_mels=40)
    assert F.shape == (40, 101) and F.dtype == np.float32
    F64 = ft.log_mel(x.astype(np.float64))
    np.testing.assert_allclose(F, F64, atol=1e-3)
    M = ft.mel_filterbank(40, 400, 16000, 20.0)
    np.testing.assert_allclose(F64, np.log(M @ (np.abs(_torch_stft(x.astype(np.float64), 400,
                                                                   160, True)) ** 2) + 1e-6),
                               atol=1e-10)
    N = ft.normalize(F64)
    np.testing.assert_allclose(N.mean(axis=1), 0, atol=1e-10)
    np.testing.assert_allclose(N.std(axis=1), 1, atol=1e-3)


def test_stack_frames_and_batch_layout():
    F = np.arange(2 * 7, dtype=np.float64).reshape(2, 7)
    S = ft.stack_frames(F, 3)
    assert S.shape == (6, 3)
    np.testing.assert_array_equal(S[:, 1], [F[0, 3], F[1, 3], F[0, 4], F[1, 4], F[0, 5], F[1, 5]])
    np.testing.assert_array_equal(S[2:, 2], 0)                        # padded last group
    x, lengths = ft.batch_features([np.ones((4, 3)), 2 * np.ones((4, 5))])
    assert x.shape == (4, 2, 5) and x.dtype == np.float32 and list(lengths) == [3, 5]
    assert np.all(x[:, 0, 3:] == 0) and np.all(x[:, 1] == 2)


def test_bad_arguments():
    with pytest.raises(ValueError, match="stft\\(x\\)"):
        ft.stft(np.zeros((2, 100)))
    with pytest.raises(ValueError, match="frame\\(x\\)"):
        ft.frame(np.zeros(10), 20, 5)
    with pytest.raises(ValueError, match="mel_filterbank\\(fmax\\)"):     # one argument named
        ft.mel_filterbank(10, 400, 16000, fmax=9000)
    with pytest.raises(ValueError, match="hz_to_mel\\(scale\\)"):
        ft.hz_to_mel(1.0, "bark")
    with pytest.raises(ValueError, match="stft\\(window\\)"):
        ft.stft(np.zeros(1000), 400, window=np.ones(3))
    with pytest.raises(ValueError, match="batch_features"):
        ft.batch_features([np.ones((4, 3)), np.ones((5, 3))])
