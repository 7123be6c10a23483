"""The alignment score (seqlab.seq2seq.alignment) on hand-built α, and the shipped date model's
attention measured against the rule-derived field spans (notebook 17)."""

from datetime import date
from pathlib import Path

import numpy as np
import pytest

import seqlab
from seqlab.data.dates import ISO_FIELDS, date_fields, date_vocabs, load_dates
from seqlab.seq2seq.alignment import (
    alignment_score,
    date_alignment,
    teacher_forced_alpha,
)
from seqlab.seq2seq.attention_model import AttentionSeq2Seq
from seqlab.seq2seq.encoder_decoder import load_seq2seq

SHIPPED = Path(seqlab.__file__).parent / "seq2seq" / "pretrained" / "dates_attention.npz"
MAY3 = "3 may 1979"   # day [0, 1), month [2, 5), year [6, 10)


def one_hot_rows(spans, T_x, where="first"):
    """α (11, T_x): each digit row one-hot at the first (or last) character of its field,
    dashes and eos one-hot at position 0."""
    alpha = np.zeros((len(ISO_FIELDS) + 1, T_x))
    for t, field in enumerate(ISO_FIELDS + (None,)):
        lo, hi = spans[field] if field else (0, 1)
        alpha[t, lo if where == "first" else hi - 1] = 1.0
    return alpha


def test_score_of_perfect_uniform_and_misplaced_alpha():
    text, spans = date_fields(date(1979, 5, 3), "d MMM y")
    T_x = len(text)
    perfect = alignment_score([one_hot_rows(spans, T_x)], [spans], ISO_FIELDS)
    assert perfect.mass == 1.0 and perfect.argmax == 1.0 and perfect.n == 1
    assert np.isnan(perfect.mass_by_output[4]) and np.isnan(perfect.argmax_by_output[7])
    # uniform rows (dead relu energies): the mass is each field's share of the characters,
    # and no row has a peak, so every argmax is a miss (np.argmax would say position 0: day)
    uniform = alignment_score([np.full((11, T_x), 1 / T_x)], [spans], ISO_FIELDS)
    want = (4 * 4 + 2 * 3 + 2 * 1) / 8 / T_x
    assert uniform.mass == pytest.approx(want) and uniform.argmax == 0.0
    # every digit looking one character past its field: mass 0, argmax 0, except the year,
    # whose last character is the string's end (one past it does not exist), so look before
    shifted = np.roll(one_hot_rows(spans, T_x, "last"), 1, axis=1)
    shifted[:4] = np.roll(one_hot_rows(spans, T_x)[:4], -1, axis=1)
    bad = alignment_score([shifted], [spans], ISO_FIELDS)
    assert bad.mass == 0.0 and bad.argmax == 0.0


def test_score_averages_over_examples_and_outputs():
    text, spans = date_fields(date(1979, 5, 3), "d MMM y")
    half = one_hot_rows(spans, len(text)) * 0.5 + 0.5 / len(text)
    s = alignment_score([one_hot_rows(spans, len(text)), half], [spans, spans], ISO_FIELDS)
    field_len = np.array([4, 4, 4, 4, 0, 3, 3, 0, 1, 1]) / len(text)
    want = (1 + (0.5 + 0.5 * field_len[[0, 1, 2, 3, 5, 6, 8, 9]])) / 2
    assert s.mass == pytest.approx(want.mean())
    assert s.argmax == 1.0     # the half one-hot rows still peak inside the field
    assert s.mass_by_output[8] == pytest.approx((1 + 0.5 + 0.5 / len(text)) / 2)
    assert s.masses.shape == s.hits.shape == (2, 10) and np.isnan(s.masses[:, [4, 7]]).all()
    assert s.mass == pytest.approx(np.nanmean(s.masses)) and np.nanmin(s.hits) == 1.0
    by_field = s.mass_by_field(ISO_FIELDS)
    assert list(by_field) == ["year", "month", "day"]
    assert by_field["year"] == pytest.approx((1 + 0.5 + 0.5 * 4 / len(text)) / 2)
    assert by_field["day"] == pytest.approx(np.mean(s.mass_by_output[8:10]))


def test_score_bad_arguments():
    text, spans = date_fields(date(1979, 5, 3), "d MMM y")
    alpha = one_hot_rows(spans, len(text))
    with pytest.raises(ValueError, match=r"alignment_score\(spans\): expected one dict"):
        alignment_score([alpha, alpha], [spans], ISO_FIELDS)
    with pytest.raises(ValueError, match=r"alphas\[0\]\): expected \(T_y, T_x\) with T_y >= 10"):
        alignment_score([alpha[:5]], [spans], ISO_FIELDS)
    with pytest.raises(ValueError, match=r"spans\[0\]\['year'\]\): expected 0 <= start"):
        alignment_score([alpha], [dict(spans, year=(6, 40))], ISO_FIELDS)
    with pytest.raises(ValueError, match="expected the field 'day'"):
        alignment_score([alpha], [{"year": (6, 10), "month": (2, 5)}], ISO_FIELDS)
    with pytest.raises(ValueError, match="at least one output with a field"):
        alignment_score([alpha], [spans], (None,) * 10)
    with pytest.raises(TypeError, match="teacher_forced_alpha"):
        teacher_forced_alpha(object(), [MAY3], ["1979-05-03"])


def test_teacher_forced_alpha_is_the_decoders_alpha():
    """On an output greedy decoding writes, α under teacher forcing equals the decoder's."""
    src, tgt = date_vocabs()
    model = AttentionSeq2Seq(src, tgt, n_a=4, n_s=6, n_e=3, energy_activation="identity",
                             feed_previous=True, rng=3, dtype=np.float64)
    texts = [MAY3, "tuesday july 8 2008"]
    x_ids, x_len = model.batch(texts)
    outs, alphas = model.attention_map(x_ids, x_len, max_len=6)
    targets = ["".join(model.tgt_vocab.itos[i] for i in out if i != model.eos_id)
               for out in outs]
    forced = teacher_forced_alpha(model, texts, targets)
    for a, f, text in zip(alphas, forced, texts, strict=True):
        assert f.shape[1] == len(text)
        a = np.asarray(a)
        n = min(len(a), len(f))
        assert n >= 2 and not a[:, len(text):].any()         # the batch's padding gets 0
        np.testing.assert_allclose(f[:n], a[:n, :len(text)], rtol=1e-12, atol=1e-14)


def test_train_freeze_encoder_keeps_the_encoder_then_releases_it():
    from seqlab.seq2seq.train import train_seq2seq

    src, tgt = date_vocabs()
    humans, isos = ["3 may 1979", "5/3/79", "08.07.08"], ["1979-05-03"] * 2 + ["2008-07-08"]

    def trained(steps):
        model = AttentionSeq2Seq(src, tgt, n_a=4, n_s=6, n_e=3, energy_activation="identity",
                                 feed_previous=True, rng=0)
        start = {k: v.copy() for k, v in model.params.items()}
        train_seq2seq(model, humans, isos, steps=steps, batch_size=2, freeze_encoder=2,
                      log=None)
        return {k: not np.array_equal(v, start[k]) for k, v in model.params.items()}

    moved = trained(2)
    assert not any(v for k, v in moved.items() if k.startswith("enc/"))
    assert all(v for k, v in moved.items() if k.startswith(("att/", "post/")))
    moved = trained(3)
    assert all(v for k, v in moved.items() if k.startswith("enc/W"))

    class NoEncoder:
        params = {"W": np.zeros(2)}
        batch = loss = None

    with pytest.raises(ValueError, match=r"train_seq2seq\(freeze_encoder\): expected a model"):
        train_seq2seq(NoEncoder(), humans, isos, freeze_encoder=1)
    with pytest.raises(ValueError, match=r"train_seq2seq\(freeze_encoder\)"):
        train_seq2seq(NoEncoder(), humans, isos, freeze_encoder=-1)


@pytest.fixture(scope="module")
def shipped():
    if not SHIPPED.exists():
        pytest.skip("dates_attention.npz not shipped")
    return load_seq2seq(SHIPPED)


def test_shipped_model_aligns_3_may_1979(shipped):
    """Issue 16's criterion: for "3 may 1979" each of the 8 digits of 1979-05-03 puts at least
    half of its α on the characters of its own field (year, month, day), in the decoder's own
    greedy run (the heatmap's α)."""
    text, spans = date_fields(date(1979, 5, 3), "d MMM y")
    x_ids, x_len = shipped.batch([text])
    outs, alphas = shipped.attention_map(x_ids, x_len, max_len=12)
    assert [shipped.tgt_vocab.itos[i] for i in outs[0]] == list("1979-05-03") + ["<eos>"]
    alpha = np.asarray(alphas[0], dtype=np.float64)
    mass = {t: alpha[t, slice(*spans[f])].sum() for t, f in enumerate(ISO_FIELDS) if f}
    assert len(mass) == 8 and min(mass.values()) >= 0.5, mass


def test_shipped_alignment_claim(shipped):
    """The alignment score stored by tools/train_dates.py is what the file's model gives on
    the 2,000 test dates, and it is far above uniform attention's."""
    humans, isos, info = load_dates("test", 2000, seed=0, with_info=True)
    score = date_alignment(shipped, humans, isos, info)
    meta = shipped.meta
    assert score.mass == pytest.approx(meta["align_mass"], abs=1e-4)
    assert score.argmax == pytest.approx(meta["align_argmax"], abs=2e-3)
    assert meta["align_mass"] > 0.85 and meta["align_argmax"] > 0.95
    spans = [date_fields(date.fromisoformat(i), fmt, loc)[1]
             for i, (loc, fmt) in zip(isos, info, strict=True)]
    uniform = alignment_score([np.full((11, len(h)), 1 / len(h)) for h in humans], spans,
                              ISO_FIELDS)
    assert uniform.mass < 0.35 and uniform.argmax == 0.0
    assert shipped.config["energy_activation"] == "identity"
