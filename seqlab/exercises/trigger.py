"""Exercises of notebook 22 (trigger word detection), as in the course's "activate" assignment.

``is_overlapping``, ``insert_audio_clip`` and ``insert_ones`` with the library's signatures
(:mod:`seqlab.data.trigger`). Each known mistake is the function written once with one bug
switched on; the cases are ordered so that the first case a mistake fails tells it apart from
every other mistake (touching segments before several segments, one retry short before
no retry, ...).

Not diagnosed: an ``insert_audio_clip`` that forgets ``previous_segments.append(...)`` returns
the right values, so a single call cannot reveal it; the notebook shows its effect (overlapping
words) right after the exercise.
"""

from __future__ import annotations

import numpy as np

from seqlab.data.trigger import (
    CLIP_MS,
    N_SAMPLES,
    RATE,
    clip_ms,
    get_random_time_segment,
    insert_audio_clip,
    insert_ones,
    is_overlapping,
    overlay,
)
from seqlab.exercises.core import Case, Exercise, Mistake

# ------------------------------------------------------------------------------ is_overlapping


def _overlap(segment_time, previous_segments, bug=None):
    start, end = segment_time
    segs = list(previous_segments)
    if bug == "last only":
        segs = segs[-1:]
    if bug == "first only":
        segs = segs[:1]
    found = False
    for p_start, p_end in segs:
        hit = {"strict": start < p_end and end > p_start,
               "or": start <= p_end or end >= p_start,
               "start only": p_start <= start <= p_end,
               "end only": p_start <= end <= p_end}.get(bug, start <= p_end and end >= p_start)
        if hit:
            found = True
            break
    return (not found) if bug == "inverted" else found


def _seg_case(segment, previous):
    return lambda r: {"segment_time": tuple(segment), "previous_segments": list(previous)}


def _random_seg_case(r):
    start = int(r.integers(0, 9000))
    prev = sorted((int(s), int(s) + int(r.integers(300, 900))) for s in r.integers(0, 9000, 3))
    return {"segment_time": (start, start + int(r.integers(300, 900))), "previous_segments": prev}


IS_OVERLAPPING = Exercise(
    name="is_overlapping",
    signature="is_overlapping(segment_time, previous_segments) -> bool",
    reference=is_overlapping,
    library_name="seqlab.data.trigger.is_overlapping",
    week="3",
    output_names=("overlap",),
    cases=[
        Case("(550, 700) inside (500, 800)", _seg_case((550, 700), [(500, 800)])),
        Case("(100, 400) before (500, 800): no overlap", _seg_case((100, 400), [(500, 800)])),
        Case("(600, 900) starts inside (500, 800)", _seg_case((600, 900), [(500, 800)])),
        Case("(300, 600) ends inside (500, 800)", _seg_case((300, 600), [(500, 800)])),
        Case("(300, 500) ends exactly where (500, 800) starts",
             _seg_case((300, 500), [(500, 800)])),
        Case("(800, 1000) starts exactly where (500, 800) ends",
             _seg_case((800, 1000), [(500, 800)])),
        Case("(2100, 2200) overlaps only the LAST of two",
             _seg_case((2100, 2200), [(500, 800), (2000, 2500)])),
        Case("(550, 700) overlaps only the FIRST of two",
             _seg_case((550, 700), [(500, 800), (2000, 2500)])),
        Case("no previous segments", _seg_case((100, 400), [])),
        Case("random segments", _random_seg_case),
        Case("random segments (2)", _random_seg_case),
    ],
    mistakes=[
        Mistake("or", lambda s, p: _overlap(s, p, "or"),
                "two segments overlap when BOTH start ≤ previous_end AND end ≥ previous_start; "
                "with `or` almost every pair counts as overlapping."),
        Mistake("strict", lambda s, p: _overlap(s, p, "strict"),
                "segments that touch (one ends at the millisecond the other starts) overlap: "
                "use `<=` and `>=`, not `<` and `>` (the end times are inclusive)."),
        Mistake("start only", lambda s, p: _overlap(s, p, "start only"),
                "you only test whether the new segment STARTS inside a previous one; it can "
                "also end inside it or contain it. Test start ≤ previous_end and "
                "end ≥ previous_start."),
        Mistake("end only", lambda s, p: _overlap(s, p, "end only"),
                "you only test whether the new segment ENDS inside a previous one; it can also "
                "start inside it. Test start ≤ previous_end and end ≥ previous_start."),
        Mistake("last only", lambda s, p: _overlap(s, p, "last only"),
                "you compared with the last previous segment only: loop over ALL of "
                "previous_segments."),
        Mistake("first only", lambda s, p: _overlap(s, p, "first only"),
                "you return after the first previous segment (a `return` inside the loop's "
                "else branch?): return False only after checking every segment."),
        Mistake("inverted", lambda s, p: _overlap(s, p, "inverted"),
                "the answer is inverted: return True when the segments overlap."),
    ],
    hints=[
        "Two intervals [s, e] and [s', e'] overlap when neither lies entirely before the other.",
        "For each (previous_start, previous_end) in previous_segments: overlap when "
        "segment_start <= previous_end and segment_end >= previous_start (ends inclusive).",
        "segment_start, segment_end = segment_time; for previous_start, previous_end in "
        "previous_segments: if segment_start <= previous_end and segment_end >= previous_start: "
        "return True; after the loop: return False",
    ],
)

# ------------------------------------------------------------------------------ insert_ones


def _ones(y, segment_end_ms, n_ones, bug=None):
    y = np.zeros_like(y) if bug == "clears y" else np.array(y, copy=True)
    T_y = y.shape[1]
    scale = 1375 if bug == "fixed 1375" else T_y
    pos = segment_end_ms * scale / CLIP_MS
    end_y = round(pos) if bug == "round" else int(pos)
    lo = end_y if bug == "starts at end" else end_y + 1
    hi = {"one too many": end_y + n_ones + 2, "one too few": end_y + n_ones,
          "starts at end": end_y + n_ones}.get(bug, end_y + n_ones + 1)
    for i in range(lo, hi):
        if bug == "past T_y" or i < T_y:
            y[0, i] = 1
    return y


def _ones_case(end_ms, T_y=275, n_ones=10, earlier=None):
    def make(r):
        y = np.zeros((1, T_y))
        if earlier is not None:
            y = insert_ones(y, earlier, n_ones)
        return {"y": y, "segment_end_ms": end_ms, "n_ones": n_ones}
    return make


INSERT_ONES = Exercise(
    name="insert_ones",
    signature="insert_ones(y, segment_end_ms, n_ones) -> y",
    reference=insert_ones,
    library_name="seqlab.data.trigger.insert_ones",
    week="3",
    output_names=("y",),
    cases=[
        Case("end at 5000 ms, T_y = 275, 10 ones", _ones_case(5000)),
        Case("end at 9800 ms: the ones stop at T_y", _ones_case(9800)),
        Case("a second 'activate': the earlier ones stay", _ones_case(6000, earlier=2000)),
        Case("end = 10000 ms (nothing was inserted): no ones", _ones_case(10000)),
        Case("the course's sizes: T_y = 1375, 50 ones, end 4321 ms",
             _ones_case(4321, T_y=1375, n_ones=50)),
        Case("end at 0 ms", _ones_case(0)),
    ],
    hidden_cases=[Case("random end, T_y, number of ones and an earlier 'activate'",
                       lambda r: _ones_case(int(r.integers(0, CLIP_MS + 1)),
                                            T_y=int(r.choice([275, 1375])),
                                            n_ones=int(r.integers(1, 51)),
                                            earlier=int(r.integers(0, CLIP_MS)))(r))],
    mistakes=[
        Mistake("starts at end", lambda y, e, n: _ones(y, e, n, "starts at end"),
                "the ones start one step too early: the step segment_end_y (where the word "
                "ends) stays 0; the ones are at segment_end_y + 1 ... segment_end_y + n_ones, "
                "i.e. range(segment_end_y + 1, segment_end_y + n_ones + 1)."),
        Mistake("one too many", lambda y, e, n: _ones(y, e, n, "one too many"),
                "you wrote n_ones + 1 ones: range(segment_end_y + 1, segment_end_y + n_ones + 1) "
                "has exactly n_ones steps."),
        Mistake("one too few", lambda y, e, n: _ones(y, e, n, "one too few"),
                "you wrote n_ones - 1 ones: the range must end at segment_end_y + n_ones + 1 "
                "(range excludes its end)."),
        Mistake("past T_y", lambda y, e, n: _ones(y, e, n, "past T_y"),
                "near the end of the clip the ones run past the last step: write y[0, i] = 1 "
                "only while i < T_y."),
        Mistake("fixed 1375", lambda y, e, n: _ones(y, e, n, "fixed 1375"),
                "you used the course's T_y = 1375: take T_y from y.shape[1] (here 275)."),
        Mistake("round", lambda y, e, n: _ones(y, e, n, "round"),
                "convert ms to a step by flooring, int(segment_end_ms * T_y / 10000), as the "
                "course does; round() moves half the labels one step later."),
        Mistake("clears y", lambda y, e, n: _ones(y, e, n, "clears y"),
                "you started from zeros: the ones of earlier 'activate's must stay; start from "
                "a copy of y (y = y.copy())."),
    ],
    hints=[
        "Convert the end time to an output step: segment_end_y = int(segment_end_ms * T_y / "
        "10000) with T_y = y.shape[1]; work on y = y.copy() (leave the input unchanged).",
        "The n_ones steps strictly after it are segment_end_y + 1 ... segment_end_y + n_ones; "
        "skip any that are >= T_y.",
        "y = y.copy(); T_y = y.shape[1]; segment_end_y = int(segment_end_ms * T_y / 10000.0); "
        "for i in range(segment_end_y + 1, segment_end_y + n_ones + 1): if i < T_y: "
        "y[0, i] = 1; return y",
    ],
)

# ------------------------------------------------------------------------------ insert_audio_clip


def _insert(background, audio_clip, previous_segments, rng, bug=None):
    rng = np.random.default_rng(rng)
    segment_ms = len(audio_clip) if bug == "samples" else clip_ms(audio_clip)
    segment_time = get_random_time_segment(segment_ms, rng)
    first = segment_time
    retry = 5
    while (bug not in ("no check", "no retry") and is_overlapping(segment_time, previous_segments)
           and (retry > 0 if bug == "one retry short" else retry >= 0)):
        segment_time = get_random_time_segment(segment_ms, rng)
        if bug != "retry not decremented":
            retry -= 1
    if bug == "no check":
        segment_time = first
    elif bug != "inserts anyway" and is_overlapping(segment_time, previous_segments):
        return np.array(background, copy=True), (CLIP_MS, CLIP_MS)
    previous_segments.append(segment_time)
    if bug == "replaces":
        out = np.array(background, copy=True)
        start = segment_time[0] * RATE // 1000
        n = min(len(audio_clip), len(out) - start)
        out[start:start + n] = audio_clip[:n]
        return out, segment_time
    at = segment_time[1] if bug == "at end" else segment_time[0]
    return overlay(background, audio_clip, at), segment_time


def _clip_case(previous, seed):
    def make(r):
        return {"background": (0.01 * r.standard_normal(N_SAMPLES)).astype(np.float32),
                "audio_clip": (0.3 * r.standard_normal(RATE * 700 // 1000)).astype(np.float32),
                "previous_segments": list(previous), "rng": seed}
    return make


def _mistake(bug):
    return lambda b, a, p, r: _insert(b, a, p, r, bug)


INSERT_AUDIO_CLIP = Exercise(
    name="insert_audio_clip",
    signature="insert_audio_clip(background, audio_clip, previous_segments, rng) -> "
              "(new_background, segment_time)",
    reference=lambda b, a, p, r: insert_audio_clip(b, a, p, r),
    source=insert_audio_clip,
    library_name="seqlab.data.trigger.insert_audio_clip",
    week="3",
    output_names=("new_background", "segment_time"),
    steps=[("segment_time", "the segment: drawn with get_random_time_segment(clip_ms(audio_clip), "
                            "rng), again while it overlaps (up to 6 retries), (10000, 10000) "
                            "when none is free."),
           ("new_background", "the segment is right, so the insertion is not: overlay(background, "
            "audio_clip, segment_time[0]), the clip ADDED at the segment's start.")],
    cases=[
        Case("an empty background list (seed 0)", _clip_case([], 0)),
        Case("the first draw overlaps (0, 4500), the second does not (seed 1)",
             _clip_case([(0, 4500)], 1)),
        Case("(0, 9999) is taken: no place is free", _clip_case([(0, 9999)], 0)),
        Case("draws 1-6 overlap (0, 8000), the 7th does not (seed 3)",
             _clip_case([(0, 8000)], 3)),
        Case("two previous segments (seed 9)", _clip_case([(1000, 2000), (6000, 7000)], 9)),
    ],
    mistakes=[
        Mistake("one retry short", _mistake("one retry short"),
                "the course's loop draws up to 7 times: `retry = 5` and `while ... and retry "
                ">= 0`; with `retry > 0` the 7th draw never happens."),
        Mistake("no check", _mistake("no check"),
                "the clip was pasted over another word: draw again while "
                "is_overlapping(segment_time, previous_segments) (up to 6 retries)."),
        Mistake("no retry", _mistake("no retry"),
                "when the first random segment overlaps, draw a new one (while is_overlapping(...)"
                " and retry >= 0), instead of giving up at once."),
        Mistake("inserts anyway", _mistake("inserts anyway"),
                "after the retries, check once more: if the segment still overlaps, insert "
                "nothing and return (background, (10000, 10000))."),
        Mistake("replaces", _mistake("replaces"),
                "the clip must be ADDED to the background (overlay), not replace it: the noise "
                "stays under the word."),
        Mistake("at end", _mistake("at end"),
                "overlay the clip at the segment's START, segment_time[0], not its end."),
        Mistake("retry not decremented", _mistake("retry not decremented"),
                "your loop never stopped: where no place is free, `while is_overlapping(...) and "
                "retry >= 0` draws forever unless each pass counts down, retry -= 1.",
                hangs=True),
        Mistake("samples", _mistake("samples"),
                "segment_ms is the clip's length in milliseconds, clip_ms(audio_clip), not its "
                "number of samples len(audio_clip) (16 samples per ms)."),
    ],
    hints=[
        "rng = np.random.default_rng(rng) once (a Generator passes through); segment_ms = "
        "clip_ms(audio_clip); segment_time = get_random_time_segment(segment_ms, rng).",
        "retry = 5; while is_overlapping(segment_time, previous_segments) and retry >= 0: draw "
        "again and retry -= 1. Then, if it still overlaps, return (background.copy(), "
        "(10000, 10000)); else append segment_time to previous_segments.",
        "new_background = overlay(background, audio_clip, segment_time[0]); return "
        "new_background, segment_time",
    ],
)

EXERCISES = {ex.name: ex for ex in (IS_OVERLAPPING, INSERT_AUDIO_CLIP, INSERT_ONES)}
