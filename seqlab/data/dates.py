"""Human-readable dates -> ISO ``YYYY-MM-DD``: the course's date-translation data (W3A1),
generated deterministically with babel.

*Sequence Models*, week 3, programming assignment "Neural Machine Translation": a date written
in one of many formats ("3 sep 1993", "friday september 3 1993", "03.09.93") is translated to
"1993-09-03". As in the course the human string is lowercased and its commas removed.

Formats and locales
-------------------
- en_US (70 %): the course's formats (short, medium, long, full ×10, and its pattern list)
  with ``y`` instead of the course's ``YYY``: ``YYY`` is the *week-based* year, so
  ``format_date(date(2018, 12, 31), 'd MMM YYY')`` gives "31 Dec 2019", a wrong label.
- fr_FR, de_DE, es_ES (10 % each): babel's medium, long and full formats (and short for
  fr_FR and de_DE, which put the day first; es_ES's short "3/9/93" would collide with the
  American month-first "3/9/93", so it is left out: no human string has two answers).
- Dates 1950-01-01 .. 2049-12-31, so a two-digit year is never ambiguous (50-99 -> 19xx).

Field spans
-----------
:func:`date_fields` writes the same string piece by piece from babel's pattern and records
which characters hold the day, the month and the year (the weekday and the literals belong
to none): the rule-derived alignment a person would point to, "3 may 1979" -> day [0, 1),
month [2, 5), year [6, 10). The ISO target's characters belong to ``ISO_FIELDS`` (the dashes
and eos to none). Notebook 17 scores the attention weights against these spans
(:mod:`seqlab.seq2seq.alignment`).

Splits are by *date*: CRC-32 of the ISO string mod 20 == 0 -> test, == 1 -> val, else train,
so a test date never appears in training in any format ("held-out dates"). Examples are
drawn by ``random.Random(seed)``: one seed, one data set.
"""

from __future__ import annotations

import random
import re
import zlib
from datetime import date, timedelta
from functools import lru_cache

from babel import Locale
from babel.dates import DateTimeFormat, format_date, get_date_format, parse_pattern

from seqlab._validate import check_choice, check_instance, check_int, check_str
from seqlab.vocab.tokens import TokenVocab

__all__ = ["COURSE_FORMATS", "FIELDS", "ISO_FIELDS", "LOCALES", "date_fields", "date_vocabs",
           "human_date", "load_dates", "split_of_date"]

COURSE_FORMATS = (["short", "medium", "long"] + ["full"] * 10 +
                  ["d MMM y", "d MMMM y", "dd MMM y", "d MMM, y", "d MMMM, y", "dd, MMM y",
                   "d MM yy", "d MMMM y", "MMMM d y", "MMMM d, y", "dd.MM.yy"])
LOCALES = {"en_US": (0.7, tuple(COURSE_FORMATS)),
           "fr_FR": (0.1, ("short", "medium", "long", "full")),
           "de_DE": (0.1, ("short", "medium", "long", "full")),
           "es_ES": (0.1, ("medium", "long", "full"))}
FIRST, LAST = date(1950, 1, 1), date(2049, 12, 31)
SPLITS = ("train", "val", "test")
TARGET_CHARS = "0123456789-"
FIELDS = ("year", "month", "day")
ISO_FIELDS = ("year",) * 4 + (None,) + ("month",) * 2 + (None,) + ("day",) * 2  # YYYY-MM-DD
_FIELD_OF_SYMBOL = {"d": "day", "M": "month", "L": "month", "y": "year"}
_NAMED = ("short", "medium", "long", "full")


def split_of_date(d: date) -> str:
    """'test' (CRC-32 of the ISO string mod 20 == 0), 'val' (== 1) or 'train'."""
    check_instance(d, date, "split_of_date(d)", "a datetime.date")
    h = zlib.crc32(d.isoformat().encode()) % 20
    return "test" if h == 0 else "val" if h == 1 else "train"


def human_date(d: date, fmt: str, locale: str = "en_US") -> str:
    """babel's ``format_date(d, fmt, locale)``, lowercased, commas removed (as the course)."""
    check_instance(d, date, "human_date(d)", "a datetime.date")
    check_str(fmt, "human_date(fmt)")
    check_choice(locale, tuple(LOCALES), "human_date(locale)")
    try:
        return format_date(d, fmt, locale=locale).lower().replace(",", "")
    except (AttributeError, KeyError, ValueError) as e:     # a time field, an unknown symbol
        raise ValueError(f"human_date(fmt): expected {_NAMED} or a babel date pattern such as "
                         f"'d MMMM y', got {fmt!r} ({type(e).__name__}: {e})") from None


def date_fields(d: date, fmt: str, locale: str = "en_US") -> tuple[str, dict]:
    """``human_date(d, fmt, locale)`` and where its fields are: {"year": (start, stop), "month":
    ..., "day": ...}, half-open character ranges of the human string (module docstring).

    babel's pattern is split into its fields ("%(MMM)s") and literals; each piece is formatted,
    lowercased and stripped of commas on its own, so the positions are those of the string
    :func:`human_date` returns (checked here).
    """
    if not isinstance(d, date):
        raise TypeError(f"date_fields(d): expected a datetime.date, got {type(d).__name__}")
    check_str(fmt, "date_fields(fmt)")
    if locale not in LOCALES:
        raise ValueError(f"date_fields(locale): expected one of {tuple(LOCALES)}, "
                         f"got {locale!r}")
    pattern = get_date_format(fmt, locale=locale) if fmt in _NAMED else parse_pattern(fmt)
    values = DateTimeFormat(d, Locale.parse(locale))
    text, spans = "", {}
    for i, piece in enumerate(re.split(r"%\((\w+)\)s", pattern.format)):
        field = _FIELD_OF_SYMBOL.get(piece[0]) if i % 2 else None
        piece = (values[piece] if i % 2 else piece.replace("%%", "%")).lower().replace(",", "")
        if field is not None:
            if field in spans:
                raise ValueError(f"date_fields(fmt): {fmt!r} writes the {field} twice")
            spans[field] = (len(text), len(text) + len(piece))
        text += piece
    if text != human_date(d, fmt, locale) or set(spans) != set(FIELDS):
        raise ValueError(f"date_fields(fmt): could not locate the day, month and year of "
                         f"{fmt!r} in {locale}: got {text!r} with {spans}")
    return text, spans


@lru_cache(maxsize=4)
def _dates(split: str) -> tuple[date, ...]:
    n = (LAST - FIRST).days + 1
    return tuple(d for d in (FIRST + timedelta(days=i) for i in range(n))
                 if split_of_date(d) == split)


def load_dates(split: str = "train", n: int = 10000, seed: int = 0, with_info: bool = False):
    """``n`` (human, iso) pairs of one split, drawn with ``random.Random(seed)`` (module
    docstring). ``with_info=True`` adds a third list of (locale, format) per pair.

    Returns
    -------
    humans : list of str (lowercase, no commas)
    isos : list of str "YYYY-MM-DD"
    """
    if split not in SPLITS:
        raise ValueError(f"load_dates(split): expected one of {SPLITS}, got {split!r}")
    n = check_int(n, "load_dates(n)", 1)
    rng = random.Random(f"{split}-{seed}")
    pool = _dates(split)
    locales = list(LOCALES)
    weights = [LOCALES[k][0] for k in locales]
    humans, isos, info = [], [], []
    for _ in range(n):
        d = pool[rng.randrange(len(pool))]
        loc = rng.choices(locales, weights)[0]
        fmt = rng.choice(LOCALES[loc][1])
        humans.append(human_date(d, fmt, loc))
        isos.append(d.isoformat())
        info.append((loc, fmt))
    return (humans, isos, info) if with_info else (humans, isos)


@lru_cache(maxsize=1)
def _source_chars() -> tuple[str, ...]:
    """Every character any (locale, format) writes for any month / weekday (one year of
    dates covers them all, every digit appears in a year)."""
    chars = set()
    for i in range(0, 366 * 2):
        d = date(1999, 1, 1) + timedelta(days=i)
        for loc, (_, fmts) in LOCALES.items():
            for fmt in set(fmts):
                chars.update(human_date(d, fmt, loc))
    return tuple(sorted(chars))


def date_vocabs() -> tuple[TokenVocab, TokenVocab]:
    """(human-date character vocabulary, ISO character vocabulary "0-9" and "-")."""
    return TokenVocab(_source_chars()), TokenVocab(TARGET_CHARS)
