"""Date-translation data (seqlab.data.dates) and the G2P data (seqlab.data.g2p)."""

from datetime import date

import pytest
from babel.dates import format_date

from seqlab.data.dates import date_vocabs, human_date, load_dates, split_of_date
from seqlab.data.g2p import PHONEMES, g2p_vocabs, load_g2p, read_cmudict


def test_dates_are_deterministic_and_labels_are_right():
    h1, i1 = load_dates("train", 300, seed=3)
    h2, i2 = load_dates("train", 300, seed=3)
    assert (h1, i1) == (h2, i2)
    assert load_dates("train", 300, seed=4) != (h1, i1)
    for h, iso in zip(h1, i1, strict=True):
        y, m, d = map(int, iso.split("-"))
        assert date(y, m, d).isoformat() == iso
        assert h == h.lower() and "," not in h
        assert str(d) in h  # every format writes the day


def test_week_year_pitfall_avoided():
    d = date(2018, 12, 31)
    assert format_date(d, "d MMM YYY", locale="en_US") == "31 Dec 2019"  # the course's bug
    assert human_date(d, "d MMM y") == "31 dec 2018"
    humans, isos, info = load_dates("train", 3000, seed=0, with_info=True)
    assert not any("Y" in fmt for _, fmt in info)
    # every four-digit year in a human string is the label's year
    for h, iso in zip(humans, isos, strict=True):
        for tok in h.split():
            if len(tok) == 4 and tok.isdigit():
                assert tok == iso[:4]


def test_splits_hold_out_dates():
    _, train = load_dates("train", 5000)
    _, test = load_dates("test", 1000)
    _, val = load_dates("val", 500)
    assert not set(train) & set(test) and not set(train) & set(val)
    assert all(split_of_date(date.fromisoformat(i)) == "test" for i in test)


def test_no_human_string_has_two_answers():
    humans, isos = load_dates("train", 20000, seed=0)
    seen = {}
    for h, i in zip(humans, isos, strict=True):
        assert seen.setdefault(h, i) == i


def test_date_vocabs_cover_the_data():
    src, tgt = date_vocabs()
    humans, isos = load_dates("test", 2000)
    for h in humans:
        src.encode(h)
    assert tgt.itos[3:] == list("0123456789-")
    assert {"é", "û", "ä"} <= set(src.itos)  # the French and German months


def test_load_dates_bad_arguments():
    with pytest.raises(ValueError, match="split"):
        load_dates("dev")
    with pytest.raises(ValueError, match="n"):
        load_dates("train", 0)


def test_g2p_data():
    d = read_cmudict()
    assert d["hello"][0] == ["HH", "AH", "L", "OW"]
    assert ["HH", "EH", "L", "OW"] in d["hello"]
    assert read_cmudict(keep_stress=True)["hello"][0] == ["HH", "AH0", "L", "OW1"]
    train, test = load_g2p("train"), load_g2p("test")
    assert not set(train.words) & set(test.words)
    assert 100_000 < len(train.words) and 5_000 < len(test.words) < 7_000
    assert all(p == ps[0] for p, ps in zip(test.prons, test.all_prons, strict=True))
    letters, phones = g2p_vocabs()
    assert len(phones) == 3 + 39 and phones.itos[3:] == PHONEMES
    assert {p for pr in train.prons for p in pr} == set(PHONEMES)
    with pytest.raises(ValueError, match="split"):
        load_g2p("dev")
