"""Learners' wrong answers to the exercises of notebooks 19-22 (spectrogram, character error
rate, CTC, trigger word), written as learners write them, each with the diagnosis the checker
must give (a known mistake's name, or words of the message). See tests/test_exercises.py.
"""

from __future__ import annotations

import numpy as np

from seqlab.data.trigger import clip_ms, get_random_time_segment, is_overlapping, overlay
from seqlab.seq2seq.metrics import edit_distance
from tests.helpers.catalog import catalog_test, new_catalog

LEARNERS, learner = new_catalog()


# ------------------------------------------------------------------------- stft_spectrogram

def _frames(x, n_fft, hop):
    n_frames = 1 + (len(x) - n_fft) // hop
    return np.stack([x[t * hop:t * hop + n_fft] for t in range(n_frames)], axis=1)


@learner("stft_spectrogram", "no window")
def stft_rectangular(x, window, hop_length):
    frames = _frames(x, len(window), hop_length)
    return np.abs(np.fft.rfft(frames, axis=0)) ** 2


@learner("stft_spectrogram", "magnitude")
def stft_magnitude(x, window, hop_length):
    frames = _frames(x, len(window), hop_length) * window[:, None]
    return np.abs(np.fft.rfft(frames, axis=0))


@learner("stft_spectrogram", "real part")
def stft_real_squared(x, window, hop_length):
    X = np.fft.rfft(_frames(x, len(window), hop_length) * window[:, None], axis=0)
    return X.real ** 2


@learner("stft_spectrogram", "hop = n_fft")
def stft_no_overlap(x, window, hop_length):
    n_fft = len(window)
    cols = []
    for start in range(0, len(x) - n_fft + 1, n_fft):
        cols.append(np.abs(np.fft.rfft(x[start:start + n_fft] * window)) ** 2)
    return np.array(cols).T


@learner("stft_spectrogram", "full fft")
def stft_all_frequencies(x, window, hop_length):
    X = np.fft.fft(_frames(x, len(window), hop_length) * window[:, None], axis=0)
    return np.abs(X) ** 2


@learner("stft_spectrogram", "frames as rows")
def stft_one_row_per_frame(x, window, hop_length):
    n_fft = len(window)
    S = []
    for t in range(1 + (len(x) - n_fft) // hop_length):
        segment = x[t * hop_length:t * hop_length + n_fft] * window
        S.append(np.abs(np.fft.rfft(segment)) ** 2)
    return np.array(S)


@learner("stft_spectrogram", "decibels")
def stft_in_db(x, window, hop_length):
    X = np.fft.rfft(_frames(x, len(window), hop_length) * window[:, None], axis=0)
    return 10 * np.log10(np.abs(X) ** 2 + 1e-10)


# --------------------------------------------------------------------- character_error_rate

def _levenshtein(a, b):
    d = np.zeros((len(a) + 1, len(b) + 1), dtype=int)
    d[:, 0], d[0, :] = np.arange(len(a) + 1), np.arange(len(b) + 1)
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1,
                          d[i - 1, j - 1] + (a[i - 1] != b[j - 1]))
    return int(d[-1, -1])


@learner("character_error_rate", "mean of rates")
def cer_average_of_rates(hyps, refs):
    rates = [_levenshtein(h, r) / len(r) for h, r in zip(hyps, refs, strict=True)]
    return float(np.mean(rates))


@learner("character_error_rate", "hyp length")
def cer_over_hypotheses(hyps, refs):
    edits = sum(_levenshtein(h, r) for h, r in zip(hyps, refs, strict=True))
    return edits / sum(len(h) for h in hyps)


@learner("character_error_rate", "no spaces")
def cer_letters_only(hyps, refs):
    hyps = [h.replace(" ", "") for h in hyps]
    refs = [r.replace(" ", "") for r in refs]
    edits = sum(edit_distance(h, r) for h, r in zip(hyps, refs, strict=True))
    return edits / sum(len(r) for r in refs)


@learner("character_error_rate", "words")
def cer_on_words(hyps, refs):
    errors = sum(edit_distance(h.split(), r.split())
                 for h, r in zip(hyps, refs, strict=True))
    return errors / sum(len(r.split()) for r in refs)


@learner("character_error_rate", "count")
def cer_edit_count(hyps, refs):
    return float(sum(edit_distance(h, r) for h, r in zip(hyps, refs, strict=True)))


@learner("character_error_rate", "mismatches")
def cer_position_by_position(hyps, refs):
    wrong = 0
    for h, r in zip(hyps, refs, strict=True):
        for a, b in zip(h, r, strict=False):
            if a != b:
                wrong += 1
    return wrong / sum(len(r) for r in refs)


# ----------------------------------------------------------------------------- ctc_collapse

@learner("ctc_collapse", "blanks first")
def ctc_collapse_drop_then_merge(path, blank):
    no_blanks = [k for k in path if k != blank]
    out = []
    for k in no_blanks:
        if not out or out[-1] != k:
            out.append(k)
    return out


@learner("ctc_collapse", "no merge")
def ctc_collapse_drop_only(path, blank):
    return [int(k) for k in path if k != blank]


@learner("ctc_collapse", "blanks kept")
def ctc_collapse_merge_only(path, blank):
    out, prev = [], None
    for k in path:
        if k != prev:
            out.append(int(k))
        prev = k
    return out


@learner("ctc_collapse", "unique")
def ctc_collapse_seen(path, blank):
    out = []
    for k in path:
        if k != blank and k not in out:
            out.append(k)
    return out


@learner("ctc_collapse", "blank zero")
def ctc_collapse_zero_is_blank(path, blank):
    out, prev = [], None
    for k in path:
        if k != prev and k != 0:
            out.append(k)
        prev = k
    return out


@learner("ctc_collapse", "drops last")
def ctc_collapse_compare_with_next(path, blank):
    out = []
    for i in range(len(path) - 1):
        if path[i] != path[i + 1] and path[i] != blank:
            out.append(path[i])
    return out


# --------------------------------------------------------------------------- ctc_alpha_step

def _alpha_loop(log_alpha_prev, log_y_t, ext, blank, slip=""):
    """A learner's loop over the nodes s of the extended label sequence, with one slip."""
    L = len(ext)
    log_alpha = np.full(L, -np.inf)
    for s in range(L):
        terms = [] if slip == "no stay" else [log_alpha_prev[s]]
        if s >= 1:
            terms.append(log_alpha_prev[s - 1])
        can_skip = ext[s] != blank and (slip == "skip equal" or ext[s] != ext[s - 2])
        if slip != "no skip" and s >= 2 and can_skip:
            terms.append(log_alpha_prev[s - 2])
        if slip == "sum logs":
            total = sum(terms)
        elif slip == "max":
            total = max(terms)
        else:
            total = np.logaddexp.reduce(terms) if terms else -np.inf
        log_alpha[s] = total + (log_y_t[s % len(log_y_t)] if slip == "by s" else log_y_t[ext[s]])
    return log_alpha


@learner("ctc_alpha_step", "log sum")
def ctc_alpha_step_adds_logs(log_alpha_prev, log_y_t, ext, blank):
    return _alpha_loop(log_alpha_prev, log_y_t, ext, blank, "sum logs")


@learner("ctc_alpha_step", "max")
def ctc_alpha_step_viterbi(log_alpha_prev, log_y_t, ext, blank):
    return _alpha_loop(log_alpha_prev, log_y_t, ext, blank, "max")


@learner("ctc_alpha_step", "no skip")
def ctc_alpha_step_without_skip(log_alpha_prev, log_y_t, ext, blank):
    return _alpha_loop(log_alpha_prev, log_y_t, ext, blank, "no skip")


@learner("ctc_alpha_step", "skip equal")
def ctc_alpha_step_skips_repeats(log_alpha_prev, log_y_t, ext, blank):
    return _alpha_loop(log_alpha_prev, log_y_t, ext, blank, "skip equal")


@learner("ctc_alpha_step", "no stay")
def ctc_alpha_step_must_move(log_alpha_prev, log_y_t, ext, blank):
    return _alpha_loop(log_alpha_prev, log_y_t, ext, blank, "no stay")


@learner("ctc_alpha_step", "emission by s")
def ctc_alpha_step_emission_of_node(log_alpha_prev, log_y_t, ext, blank):
    return _alpha_loop(log_alpha_prev, log_y_t, ext, blank, "by s")


@learner("ctc_alpha_step", "log sum")
def ctc_alpha_step_adds_logs_vectorised(log_alpha_prev, log_y_t, ext, blank):
    a = np.asarray(log_alpha_prev)
    total = a.copy()
    total[1:] += a[:-1]
    for s in range(2, len(ext)):
        if ext[s] != blank and ext[s] != ext[s - 2]:
            total[s] += a[s - 2]
    return total + log_y_t[ext]


# --------------------------------------------------------------------------- is_overlapping

@learner("is_overlapping", "strict")
def is_overlapping_strict(segment_time, previous_segments):
    segment_start, segment_end = segment_time
    for previous_start, previous_end in previous_segments:
        if segment_start < previous_end and segment_end > previous_start:
            return True
    return False


@learner("is_overlapping", "or")
def is_overlapping_or(segment_time, previous_segments):
    segment_start, segment_end = segment_time
    overlap = False
    for previous_start, previous_end in previous_segments:
        if segment_start <= previous_end or segment_end >= previous_start:
            overlap = True
    return overlap


@learner("is_overlapping", "start only")
def is_overlapping_start_inside(segment_time, previous_segments):
    segment_start, _ = segment_time
    return any(ps <= segment_start <= pe for ps, pe in previous_segments)


@learner("is_overlapping", "last only")
def is_overlapping_overwrites_flag(segment_time, previous_segments):
    segment_start, segment_end = segment_time
    overlap = False
    for previous_start, previous_end in previous_segments:
        overlap = segment_start <= previous_end and segment_end >= previous_start
    return overlap


@learner("is_overlapping", "first only")
def is_overlapping_returns_early(segment_time, previous_segments):
    segment_start, segment_end = segment_time
    for previous_start, previous_end in previous_segments:
        if segment_start <= previous_end and segment_end >= previous_start:
            return True
        else:
            return False
    return False


@learner("is_overlapping", "inverted")
def is_overlapping_inverted(segment_time, previous_segments):
    segment_start, segment_end = segment_time
    for previous_start, previous_end in previous_segments:
        if segment_start <= previous_end and segment_end >= previous_start:
            return False
    return True


# ------------------------------------------------------------------------------ insert_ones

def _end_step(y, segment_end_ms, T_y=None):
    return int(segment_end_ms * (T_y or y.shape[1]) / 10000.0)


@learner("insert_ones", "starts at end")
def insert_ones_from_the_end_step(y, segment_end_ms, n_ones):
    y = y.copy()
    segment_end_y = _end_step(y, segment_end_ms)
    for i in range(segment_end_y, segment_end_y + n_ones):
        if i < y.shape[1]:
            y[0, i] = 1
    return y


@learner("insert_ones", "one too many")
def insert_ones_inclusive(y, segment_end_ms, n_ones):
    y = y.copy()
    segment_end_y = _end_step(y, segment_end_ms)
    for i in range(segment_end_y + 1, segment_end_y + n_ones + 2):
        if i < y.shape[1]:
            y[0, i] = 1
    return y


@learner("insert_ones", "past T_y")
def insert_ones_unguarded(y, segment_end_ms, n_ones):
    y = y.copy()
    segment_end_y = _end_step(y, segment_end_ms)
    for i in range(segment_end_y + 1, segment_end_y + n_ones + 1):
        y[0, i] = 1
    return y


@learner("insert_ones", "fixed 1375")
def insert_ones_course_size(y, segment_end_ms, n_ones):
    y = y.copy()
    segment_end_y = _end_step(y, segment_end_ms, T_y=1375)
    y[0, segment_end_y + 1:segment_end_y + n_ones + 1] = 1
    return y


@learner("insert_ones", "round")
def insert_ones_rounded(y, segment_end_ms, n_ones):
    y = y.copy()
    segment_end_y = round(segment_end_ms * y.shape[1] / 10000.0)
    y[0, segment_end_y + 1:segment_end_y + n_ones + 1] = 1
    return y


@learner("insert_ones", "clears y")
def insert_ones_fresh_labels(y, segment_end_ms, n_ones):
    new_y = np.zeros(y.shape)
    segment_end_y = _end_step(y, segment_end_ms)
    new_y[0, segment_end_y + 1:segment_end_y + n_ones + 1] = 1
    return new_y


# ------------------------------------------------------------------------ insert_audio_clip

def _insert(background, audio_clip, previous_segments, rng, retries=5, check=True,
            countdown=True, at_end=False):
    rng = np.random.default_rng(rng)
    segment_ms = clip_ms(audio_clip)
    segment_time = get_random_time_segment(segment_ms, rng)
    retry = retries
    while check and is_overlapping(segment_time, previous_segments) and retry >= 0:
        segment_time = get_random_time_segment(segment_ms, rng)
        if countdown:
            retry = retry - 1
    if check and is_overlapping(segment_time, previous_segments):
        return background.copy(), (10000, 10000)
    previous_segments.append(segment_time)
    return overlay(background, audio_clip, segment_time[1 if at_end else 0]), segment_time


@learner("insert_audio_clip", "retry not decremented")
def insert_audio_clip_forever(background, audio_clip, previous_segments, rng):
    return _insert(background, audio_clip, previous_segments, rng, countdown=False)


@learner("insert_audio_clip", "one retry short")
def insert_audio_clip_four_retries(background, audio_clip, previous_segments, rng):
    return _insert(background, audio_clip, previous_segments, rng, retries=4)


@learner("insert_audio_clip", "no check")
def insert_audio_clip_anywhere(background, audio_clip, previous_segments, rng):
    return _insert(background, audio_clip, previous_segments, rng, check=False)


@learner("insert_audio_clip", "at end")
def insert_audio_clip_at_the_end(background, audio_clip, previous_segments, rng):
    return _insert(background, audio_clip, previous_segments, rng, at_end=True)


@learner("insert_audio_clip", "samples")
def insert_audio_clip_length_in_samples(background, audio_clip, previous_segments, rng):
    rng = np.random.default_rng(rng)
    segment_time = get_random_time_segment(len(audio_clip), rng)
    retry = 5
    while is_overlapping(segment_time, previous_segments) and retry >= 0:
        segment_time = get_random_time_segment(len(audio_clip), rng)
        retry -= 1
    if is_overlapping(segment_time, previous_segments):
        return background.copy(), (10000, 10000)
    previous_segments.append(segment_time)
    return overlay(background, audio_clip, segment_time[0]), segment_time


@learner("insert_audio_clip", "replaces")
def insert_audio_clip_pastes_over(background, audio_clip, previous_segments, rng):
    _, segment_time = _insert(background, audio_clip, previous_segments, rng)
    new_background = background.copy()
    if segment_time != (10000, 10000):
        start = segment_time[0] * 16
        n = min(len(audio_clip), len(new_background) - start)
        new_background[start:start + n] = audio_clip[:n]
    return new_background, segment_time


test_a_learners_mistake_gets_its_diagnosis = catalog_test(LEARNERS)
