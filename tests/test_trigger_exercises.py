"""Notebook 22's exercises: is_overlapping, insert_audio_clip, insert_ones.

tests/test_exercises.py already checks, for every registered exercise, that the library passes,
that each registered mistake gets its own message and that the stub is "open". Here: learner
code written differently from the registered mistakes (the course's style: flags, np.random
calls, in-place labels) gets the same diagnosis; the cases that need a retry really do (the
seeds were chosen for it); the plain versions behind the mistakes equal the library with no
bug switched on.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.data import trigger as data
from seqlab.exercises import (
    REGISTRY,
    check_insert_audio_clip,
    check_insert_ones,
    check_is_overlapping,
)
from seqlab.exercises.trigger import _insert, _ones, _overlap


def course_overlap(segment_time, previous_segments, bug=""):
    """The course's version: a flag and a break."""
    segment_start, segment_end = segment_time
    overlap = False
    for previous_start, previous_end in previous_segments:
        if bug == "strict":
            hit = segment_start < previous_end and segment_end > previous_start
        elif bug == "or":
            hit = segment_start <= previous_end or segment_end >= previous_start
        else:
            hit = segment_start <= previous_end and segment_end >= previous_start
        if hit:
            overlap = True
            break
    return overlap


@pytest.mark.parametrize(("bug", "mistake"), [("strict", "strict"), ("or", "or")])
def test_course_style_overlap_mistakes_are_diagnosed(bug, mistake):
    result = check_is_overlapping(lambda s, p: course_overlap(s, p, bug))
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_course_style_overlap_passes():
    assert check_is_overlapping(course_overlap).status == "passed"


def test_insert_ones_written_in_place_like_the_course_is_reported():
    def in_place(y, segment_end_ms, n_ones):
        T_y = y.shape[1]
        segment_end_y = int(segment_end_ms * T_y / 10000.0)
        for i in range(segment_end_y + 1, segment_end_y + n_ones + 1):
            if i < T_y:
                y[0, i] = 1
        return y

    result = check_insert_ones(in_place)
    assert result.status == "failed" and "in place" in result.message, repr(result)


def test_insert_ones_slice_version_passes_and_slice_past_end_is_fine():
    def sliced(y, segment_end_ms, n_ones):
        y = y.copy()
        t = int(segment_end_ms * y.shape[1] / 10000)
        y[0, t + 1:t + 1 + n_ones] = 1                # a slice never raises past T_y
        return y

    assert check_insert_ones(sliced).status == "passed"


def test_insert_ones_off_by_one_written_as_a_slice_is_diagnosed():
    def early(y, segment_end_ms, n_ones):
        y = y.copy()
        t = int(segment_end_ms * y.shape[1] / 10000)
        y[0, t:t + n_ones] = 1
        return y

    result = check_insert_ones(early)
    assert result.mistake == "starts at end", repr(result)


def test_insert_audio_clip_without_retry_loop_is_diagnosed():
    def single_draw(background, audio_clip, previous_segments, rng):
        rng = np.random.default_rng(rng)
        seg = data.get_random_time_segment(data.clip_ms(audio_clip), rng)
        if data.is_overlapping(seg, previous_segments):
            return background.copy(), (10000, 10000)
        previous_segments.append(seg)
        return data.overlay(background, audio_clip, seg[0]), seg

    result = check_insert_audio_clip(single_draw)
    assert result.mistake == "no retry", repr(result)


def test_insert_audio_clip_that_writes_the_clip_over_the_noise_is_diagnosed():
    def replace(background, audio_clip, previous_segments, rng):
        new, seg = data.insert_audio_clip(background, audio_clip, previous_segments, rng)
        if seg[0] < 10000:
            new = background.copy()
            start = seg[0] * 16
            new[start:start + len(audio_clip)] = audio_clip
        return new, seg

    result = check_insert_audio_clip(replace)
    assert result.mistake == "replaces", repr(result)


def test_retry_cases_really_need_their_retries():
    def draws(seed, prev, n=7):
        r = np.random.default_rng(seed)
        return [data.is_overlapping(data.get_random_time_segment(700, r), prev)
                for _ in range(n)]

    assert draws(1, [(0, 4500)])[:2] == [True, False]
    assert draws(3, [(0, 8000)]) == [True] * 6 + [False]


def test_plain_versions_equal_the_library_without_a_bug():
    r = np.random.default_rng(0)
    for _ in range(20):
        seg = tuple(sorted(int(v) for v in r.integers(0, 9000, 2)))
        prev = [tuple(sorted(int(v) for v in r.integers(0, 9000, 2))) for _ in range(3)]
        assert _overlap(seg, prev) == data.is_overlapping(seg, prev)
        end = int(r.integers(0, 10001))
        np.testing.assert_array_equal(_ones(np.zeros((1, 275)), end, 10),
                                      data.insert_ones(np.zeros((1, 275)), end))
    bg, clip = r.normal(size=data.N_SAMPLES).astype(np.float32), np.ones(8000, np.float32)
    for seed in range(5):
        p1, p2 = [(0, 4500)], [(0, 4500)]
        a = _insert(bg, clip, p1, seed)
        b = data.insert_audio_clip(bg, clip, p2, seed)
        np.testing.assert_array_equal(a[0], b[0])
        assert a[1] == b[1] and p1 == p2


def test_three_hints_and_enough_mistakes_each():
    for name in ("is_overlapping", "insert_audio_clip", "insert_ones"):
        ex = REGISTRY[name]
        assert len(ex.hints) == 3 and 5 <= len(ex.mistakes) <= 8
