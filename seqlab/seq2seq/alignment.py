r"""How well attention weights α point where a person would: an alignment score against
rule-derived field spans (notebook 17, dates).

*Sequence Models*, week 3, "Attention Model Intuition": the heatmap of α<t,t'> should show
each output word attending to the input words it translates. On dates the right input
characters are known by construction (:func:`seqlab.data.dates.date_fields`): the ISO digits
of the year should look at the year as written, the month's at the month ("may", "05"), the
day's at the day. For output character t with field f(t) and the input span S_f of that
field in example i:

Equations
---------
(1) mass<t> = Σ_{t' ∈ S_f(t)} α<t,t'>              the share of attention on its own field
(2) hit<t> = [max_{t' ∈ S_f(t)} α<t,t'> > max_{t' ∉ S_f(t)} α<t,t'>]
                                                   the peak lies in the field (a tie is a miss)
(3) score = mean of (1) and of (2) over examples and the outputs that have a field (the 8
    digits of YYYY-MM-DD; the dashes and eos have none)

α is taken under teacher forcing (the reference output fed back, as in training), so every
example has the same output positions whether or not greedy decoding gets it right.

Notes
-----
A tie counts as a miss in (2): a uniform row (what dead relu energies give, α = 1/T_x
everywhere) has no peak, and np.argmax would pick its first position.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import numpy as np

from seqlab._validate import (
    as_array,
    check_dict,
    check_int,
    check_paired,
    check_sequence,
    check_str,
    lookup,
    named_as,
)
from seqlab._wording import got
from seqlab.backend import get_array_module, to_numpy

__all__ = ["AlignmentScore", "alignment_score", "date_alignment", "field_boxes",
           "teacher_forced_alpha"]


class AlignmentScore(NamedTuple):
    mass: float                 # (3) mean of (1)
    argmax: float               # (3) mean of (2)
    mass_by_output: np.ndarray  # (T_y,) mean of (1) per output position, NaN without a field
    argmax_by_output: np.ndarray  # (T_y,) mean of (2) per output position, NaN without a field
    n: int                      # examples
    masses: np.ndarray          # (n, T_y) (1) of every example and output, NaN without a field
    hits: np.ndarray            # (n, T_y) (2) as 0.0 / 1.0, NaN without a field

    def mass_by_field(self, fields: Sequence[str | None]) -> dict:
        """{field: mean of (1) over the outputs of that field} (fields[t] names output t's)."""
        return {f: statistics.fmean(float(v) for v, g in zip(self.mass_by_output, fields,
                                                             strict=True) if g == f)
                for f in dict.fromkeys(fields) if f is not None}


def teacher_forced_alpha(model, sources: Sequence, targets: Sequence,
                         batch_size: int = 500) -> list[np.ndarray]:
    """α of an attention model under teacher forcing: one host array (len(target) + 1,
    len(source)) per pair, the last row that of eos."""
    f = "teacher_forced_alpha"
    _check_model(model, f)
    sources, targets = check_paired(sources, targets, f, ("sources", "targets"),
                                    "a list of str", "targets")
    batch_size = check_int(batch_size, f"{f}(batch_size)", 1)
    out = []
    for i in range(0, len(sources), batch_size):
        with named_as({f"{type(model).__name__}.batch(": f"{f}("}):
            x_ids, x_len, y_ids, y_len = model.batch(sources[i:i + batch_size],
                                                     targets[i:i + batch_size])
        _, cache = model.forward(x_ids, x_len, y_ids)
        alpha = to_numpy(cache.alpha).astype(np.float64)                # (m, T_y, T_x) host
        out += [a[:ty, :tx] for a, ty, tx in zip(alpha, to_numpy(y_len).tolist(),
                                                  to_numpy(x_len).tolist(), strict=True)]
    return out


def _check_model(model, f: str) -> None:
    if not hasattr(model, "forward") or not hasattr(model, "batch"):
        raise TypeError(f"{f}(model): expected an AttentionSeq2Seq, got {got(model)}")


def alignment_score(alphas: Sequence, spans: Sequence[dict],
                    fields: Sequence[str | None]) -> AlignmentScore:
    """Eqs. (1)-(3). ``alphas[i]`` (T_y_i, T_x_i) with T_y_i >= len(fields); ``spans[i]`` maps
    a field name to its half-open input range (start, stop); ``fields[t]`` names output t's
    field, or None for an output that has none (it is not scored)."""
    f = "alignment_score"
    alphas = check_sequence(alphas, f"{f}(alphas)", "a list of (T_y, T_x) arrays", empty=False)
    spans = check_sequence(spans, f"{f}(spans)", "a list of {field: (start, stop)}")
    if len(spans) != len(alphas):
        raise ValueError(f"{f}(spans): expected one dict per alpha ({len(alphas)}), got "
                         f"{len(spans)}")
    T = len(fields)
    xp = get_array_module(to_numpy(as_array(alphas[0], f"{f}(alphas[0])")))   # host arrays
    mass = xp.full((len(alphas), T), xp.nan)
    hit = xp.full((len(alphas), T), xp.nan)
    for i, (alpha, span) in enumerate(zip(alphas, spans, strict=True)):
        alpha = to_numpy(as_array(alpha, f"{f}(alphas[{i}])")).astype(np.float64)
        if alpha.ndim != 2 or alpha.shape[0] < T:
            raise ValueError(f"{f}(alphas[{i}]): expected (T_y, T_x) with T_y >= {T} "
                             f"(len(fields)), got {alpha.shape}")
        for t, field in enumerate(fields):
            if field is None:
                continue
            if field not in span:
                raise ValueError(f"{f}(spans[{i}]): expected the field {field!r}, got "
                                 f"{sorted(span)}")
            lo, hi = span[field]
            if not 0 <= lo < hi <= alpha.shape[1]:
                raise ValueError(f"{f}(spans[{i}][{field!r}]): expected 0 <= start < stop <= "
                                 f"T_x = {alpha.shape[1]}, got {(lo, hi)}")
            inside = xp.zeros(alpha.shape[1], bool)
            inside[lo:hi] = True
            mass[i, t] = alpha[t, inside].sum()                               # (1)
            rest = alpha[t, ~inside]
            hit[i, t] = alpha[t, inside].max() > (rest.max() if rest.size else -1.0)  # (2)
    scored = [t for t, field in enumerate(fields) if field is not None]
    if not scored:
        raise ValueError(f"{f}(fields): expected at least one output with a field, got "
                         f"{list(fields)}")
    return AlignmentScore(float(mass[:, scored].mean()), float(hit[:, scored].mean()),   # (3)
                          mass.mean(axis=0), hit.mean(axis=0), len(alphas), mass, hit)


def field_boxes(spans: dict, fields: Sequence[str | None]) -> list[tuple[int, int, int]]:
    """(output t, start, stop) of every output with a field: the heatmap cells a person would
    point to (:func:`seqlab.viz.attention.attention_figure`'s ``boxes``)."""
    check_dict(spans, "field_boxes(spans)", "a dict field -> (start, stop)")
    fields = check_sequence(fields, "field_boxes(fields)", "a list of field names (or None)")
    return [(t, *lookup(spans, field, "field_boxes(spans)", "field"))
            for t, field in enumerate(fields) if field is not None]


def date_alignment(model, humans: Sequence[str], isos: Sequence[str],
                   info: Sequence[tuple[str, str]]) -> AlignmentScore:
    """:func:`alignment_score` of a date model on ``load_dates(..., with_info=True)``'s
    (humans, isos, info), against :func:`seqlab.data.dates.date_fields`' spans."""
    from seqlab.data.dates import ISO_FIELDS, date_fields

    f = "date_alignment"
    _check_model(model, f)
    humans, isos = check_paired(humans, isos, f, ("humans", "isos"), "a list of str",
                                "ISO dates")
    info = check_paired(humans, info, f, ("humans", "info"), "a list of str",
                        "(locale, format) pairs")[1]
    spans = []
    for h, iso, pair in zip(humans, isos, info, strict=True):
        pair = check_sequence(pair, f"{f}(info)", "(locale, format) pairs")
        if len(pair) != 2:
            raise ValueError(f"{f}(info): expected (locale, format) pairs, got {pair!r}")
        try:
            d = date.fromisoformat(check_str(iso, f"{f}(isos)"))
        except ValueError:
            raise ValueError(f"{f}(isos): expected ISO dates 'YYYY-MM-DD', got {iso!r}") from None
        with named_as({"date_fields(locale)": f"{f}(info)", "date_fields(fmt)": f"{f}(info)"}):
            text, span = date_fields(d, pair[1], pair[0])
        if text != h:
            raise ValueError(f"{f}(info): expected the format that writes {iso} as {h!r}, got "
                             f"{tuple(pair)!r}, which writes {text!r}")
        spans.append(span)
    with named_as({"teacher_forced_alpha(sources)": f"{f}(humans)",
                   "teacher_forced_alpha(targets)": f"{f}(isos)"}):
        alphas = teacher_forced_alpha(model, humans, isos)
    return alignment_score(alphas, spans, ISO_FIELDS)
