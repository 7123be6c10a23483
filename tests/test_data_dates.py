"""Date-translation data (seqlab.data.dates) and the G2P data (seqlab.data.g2p)."""

from datetime import date

import pytest
from babel.dates import format_date

from seqlab.data.dates import (
    FIELDS,
    ISO_FIELDS,
    LOCALES,
    date_fields,
    date_vocabs,
    human_date,
    load_dates,
    split_of_date,
)
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


def test_date_fields_hand_labelled():
    may3 = date(1979, 5, 3)
    cases = [("en_US", "d MMM y", "3 may 1979", {"day": (0, 1), "month": (2, 5),
                                                 "year": (6, 10)}),
             ("en_US", "short", "5/3/79", {"month": (0, 1), "day": (2, 3), "year": (4, 6)}),
             ("en_US", "full", "thursday may 3 1979", {"month": (9, 12), "day": (13, 14),
                                                       "year": (15, 19)}),
             ("de_DE", "full", "donnerstag 3. mai 1979", {"day": (11, 12), "month": (14, 17),
                                                          "year": (18, 22)}),
             ("es_ES", "long", "3 de mayo de 1979", {"day": (0, 1), "month": (5, 9),
                                                     "year": (13, 17)}),
             ("en_US", "dd.MM.yy", "03.05.79", {"day": (0, 2), "month": (3, 5),
                                                "year": (6, 8)})]
    for loc, fmt, text, spans in cases:
        assert date_fields(may3, fmt, loc) == (text, spans)


def test_date_fields_cover_every_format_and_digit():
    """Every (locale, format) on dates with one- and two-digit days and months, every month:
    the string is human_date's, the spans hold the day, month and year as written, do not
    overlap, and every digit of the string lies in one of them."""
    days = [date(1950, 1, 1), date(1999, 12, 31), date(2008, 7, 8), date(2049, 9, 17)]
    days += [date(1987, m, 1 + 2 * m) for m in range(1, 13)]
    for loc, (_, fmts) in LOCALES.items():
        for fmt in set(fmts):
            for d in days:
                text, spans = date_fields(d, fmt, loc)
                assert text == human_date(d, fmt, loc)
                assert set(spans) == set(FIELDS)
                got = {k: text[a:b] for k, (a, b) in spans.items()}
                assert int(got["day"]) == d.day
                assert got["year"] in (str(d.year), str(d.year)[2:])
                if got["month"].isdigit():
                    assert int(got["month"]) == d.month
                else:   # an abbreviation ("sept.", "déc.") of the month's full name
                    full = format_date(d, "MMMM", locale=loc).lower()
                    assert full.startswith(got["month"].rstrip("."))
                cover = sorted(spans.values())
                assert all(b1 <= a2 for (_, b1), (a2, _) in zip(cover[:-1], cover[1:], strict=True))
                inside = {i for a, b in cover for i in range(a, b)}
                assert all(i in inside for i, c in enumerate(text) if c.isdigit()), text


def test_date_fields_bad_arguments_and_iso_fields():
    with pytest.raises(ValueError, match=r"date_fields\(locale\)"):
        date_fields(date(1979, 5, 3), "short", "it_IT")
    with pytest.raises(TypeError, match=r"date_fields\(d\)"):
        date_fields("1979-05-03", "short")
    with pytest.raises(ValueError, match="twice"):
        date_fields(date(1979, 5, 3), "d MMM d")
    with pytest.raises(ValueError, match="could not locate"):
        date_fields(date(1979, 5, 3), "MMM y")          # no day
    iso = "1979-05-03"
    assert [iso[i] for i, f in enumerate(ISO_FIELDS) if f == "year"] == list("1979")
    assert [iso[i] for i, f in enumerate(ISO_FIELDS) if f is None] == ["-", "-"]
