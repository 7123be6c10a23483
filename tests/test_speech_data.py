"""seqlab.data.speech: espeak-ng synthesis, the checksummed cache, speakers, noise and mixing."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from seqlab.data import speech as sp

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng is not installed (apt-get install espeak-ng)")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQLAB_CACHE", str(tmp_path))
    return tmp_path / "speech"


def test_synthesize_shape_range_and_determinism(cache):
    a = sp.synthesize("three one four", "en-us+f3", cache=False)
    b = sp.synthesize("three one four", "en-us+f3", cache=False)
    assert a.dtype == np.float32 and a.ndim == 1
    assert np.array_equal(a, b)                       # espeak-ng is deterministic
    assert -1 <= a.min() < 0 < a.max() <= 1
    assert 0.6 < a.size / 16000 < 2.5                  # about a second of speech at 16 kHz
    c = sp.synthesize("three one four", "en-us+f3", speed=220, cache=False)
    assert c.size < a.size                             # faster speech is shorter


def test_resample_matches_scipy_fft_resample():
    scipy_signal = pytest.importorskip("scipy.signal")
    x = np.random.default_rng(0).standard_normal(2205)
    y = sp.resample(x, 22050, 16000)
    assert y.shape == (1600,)
    np.testing.assert_allclose(y, scipy_signal.resample(x, 1600), rtol=0, atol=1e-12)
    t = np.arange(22050) / 22050                       # a 440 Hz tone stays a 440 Hz tone
    tone = sp.resample(np.sin(2 * np.pi * 440 * t), 22050, 16000)
    np.testing.assert_allclose(tone, np.sin(2 * np.pi * 440 * np.arange(16000) / 16000),
                               atol=1e-9)


def test_cache_miss_hit_and_corruption(cache, monkeypatch):
    calls = []
    real = sp._run_espeak
    monkeypatch.setattr(sp, "_run_espeak", lambda *a: calls.append(a) or real(*a))
    a = sp.synthesize("seven", "en-gb", 160, 40)
    assert len(calls) == 1                             # miss: synthesized
    files = list(cache.glob("*.npy"))
    assert len(files) == 1
    manifest = json.loads((cache / "manifest.json").read_text())
    assert len(manifest) == 1
    b = sp.synthesize("seven", "en-gb", 160, 40)
    assert len(calls) == 1 and np.array_equal(a, b)   # hit: read from the cache
    sp.synthesize("seven", "en-gb", 160, 41)           # another pitch is another key
    assert len(calls) == 2
    raw = bytearray(files[0].read_bytes())             # corrupt one sample of the file
    raw[-3] ^= 0xFF
    files[0].write_bytes(bytes(raw))
    c = sp.synthesize("seven", "en-gb", 160, 40)
    assert len(calls) == 3 and np.array_equal(a, c)   # detected and regenerated
    files[0].unlink()                                  # a missing file is regenerated too
    assert np.array_equal(sp.synthesize("seven", "en-gb", 160, 40), a) and len(calls) == 4


def test_batch_equals_single_clips(cache):
    utts = sp.digit_utterances(6, "test", seed=3)
    batch = sp.synthesize_batch([u.text for u in utts], [u.speaker for u in utts])
    for u, w in zip(utts, batch, strict=True):
        assert np.array_equal(w, sp.synthesize(u.text, *u.speaker, cache=False))


def test_speakers_deterministic_and_held_out_disjoint():
    train, test = sp.speakers("train", 300), sp.speakers("test", 300)
    assert train == sp.speakers("train", 300) and train != sp.speakers("train", 300, seed=1)
    variant = lambda v: v.partition("+")[2]  # noqa: E731
    assert {variant(s.voice) for s in train} <= set(sp.TRAIN_VARIANTS)
    assert {variant(s.voice) for s in test} <= set(sp.HELD_OUT_VARIANTS)
    assert not {s.voice for s in train} & {s.voice for s in test}
    assert not set(sp.TRAIN_VARIANTS) & set(sp.HELD_OUT_VARIANTS)
    assert all(130 <= s.speed <= 190 and 25 <= s.pitch <= 75 for s in train + test)


def test_utterances_and_labels():
    utts = sp.digit_utterances(50, "train", min_digits=2, max_digits=4)
    assert utts == sp.digit_utterances(50, "train", min_digits=2, max_digits=4)
    for u in utts:
        words = u.text.split(" ")
        assert 2 <= len(words) <= 4 and set(words) <= set(sp.DIGIT_WORDS)
        ids = sp.encode_text(u.text)
        assert ids.min() >= 1 and sp.decode_labels(ids) == u.text
    assert {u.text for u in sp.word_utterances(80)} <= set(sp.SHORT_WORDS)
    with pytest.raises(ValueError, match="encode_text"):
        sp.encode_text("3 one")


@pytest.mark.parametrize("kind, slope", [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_noise_spectral_slope(kind, slope):
    n = sp.noise(kind, 2 ** 16, rng=0)
    assert n.dtype == np.float32 and abs(np.mean(n.astype(np.float64) ** 2) - 1) < 1e-5
    assert np.array_equal(n, sp.noise(kind, 2 ** 16, rng=0))
    power = np.abs(np.fft.rfft(n.astype(np.float64))) ** 2
    f = np.arange(power.size)
    band = (f > 30) & (f < 20000)
    fitted = np.polyfit(np.log(f[band]), np.log(power[band]), 1)[0]   # log P = slope log f
    assert abs(fitted - slope) < 0.1


@pytest.mark.parametrize("snr", [-5.0, 0.0, 10.0, 30.0])
def test_mix_has_the_requested_snr(snr):
    rng = np.random.default_rng(0)
    signal = np.sin(np.linspace(0, 200, 8000)) * 0.3
    nz = sp.noise("pink", 3000, rng)                     # shorter: tiled to the signal
    mixed = sp.mix(signal, nz, snr)
    assert mixed.shape == signal.shape
    assert abs(sp.snr_db(signal, mixed.astype(np.float64) - signal) - snr) < 1e-4


def test_bad_arguments(cache):
    with pytest.raises(ValueError, match="synthesize\\(text\\)"):
        sp.synthesize("")
    with pytest.raises(ValueError, match="synthesize\\(speed\\)"):
        sp.synthesize("one", speed=5)
    with pytest.raises(ValueError, match="synthesize\\(pitch\\)"):
        sp.synthesize("one", pitch=120)
    with pytest.raises(ValueError, match="noise\\(kind\\)"):
        sp.noise("blue", 10)
    with pytest.raises(ValueError, match="speakers\\(split\\)"):
        sp.speakers("valid")
    with pytest.raises(ValueError, match="mix"):
        sp.mix(np.zeros(10), np.ones(10), 0.0)


def test_missing_espeak_names_apt_get(monkeypatch):
    monkeypatch.setattr(sp.shutil, "which", lambda name: None)
    monkeypatch.delenv("SEQLAB_ESPEAK", raising=False)
    with pytest.raises(RuntimeError, match="apt-get install espeak-ng"):
        sp._espeak()
