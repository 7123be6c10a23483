"""Notebook 19's exercise: stft_spectrogram (frame, window, rfft, |.|²).

tests/test_exercises.py checks for every registered exercise that the library passes, that each
registered mistake gets its own message and that the stub is "open". Here: the plain-NumPy
version behind the mistakes equals the library with no bug; independently written learner code
with the same bugs gets the same diagnosis; odd answers are diagnosed without a traceback.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.exercises import REGISTRY, check
from seqlab.exercises.audio import _spectrogram

EX = REGISTRY["stft_spectrogram"]


def learner(x, window, hop_length, bug=""):
    """A learner's loop, written differently from the exercise's reference (a Python loop)."""
    n_fft = len(window)
    step = n_fft if bug == "hop" else hop_length
    n_frames = (len(x) - n_fft) // step + (0 if bug == "count" else 1)
    cols = []
    for t in range(n_frames):
        seg = np.array(x[t * step:t * step + n_fft])
        if bug != "window":
            seg = seg * window
        spec = np.fft.fft(seg) if bug == "fft" else np.fft.rfft(seg)
        if bug == "abs":
            cols.append(np.sqrt(spec.real ** 2 + spec.imag ** 2))
        elif bug == "real":
            cols.append(spec.real * spec.real)
        else:
            cols.append(spec.real ** 2 + spec.imag ** 2)
    S = np.array(cols)                               # (T, n_freq)
    return S if bug == "rows" else S.T


def test_learner_code_passes():
    assert check(EX, learner).status == "passed"


@pytest.mark.parametrize(("bug", "mistake"), [
    ("window", "no window"), ("abs", "magnitude"), ("real", "real part"),
    ("hop", "hop = n_fft"), ("count", "off by one"), ("fft", "full fft"),
    ("rows", "frames as rows"),
])
def test_learner_bugs_get_the_known_diagnosis(bug, mistake):
    result = check(EX, lambda x, window, hop_length: learner(x, window, hop_length, bug))
    assert result.status == "failed" and result.mistake == mistake, repr(result)


@pytest.mark.parametrize("case", range(len(EX.cases)))
def test_plain_numpy_version_equals_the_library(case):
    kw = EX.cases[case].make(np.random.default_rng(case))
    np.testing.assert_allclose(_spectrogram(**kw), EX.reference(**kw), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("answer", [
    lambda x, window, hop_length: None,
    lambda x, window, hop_length: np.fft.rfft(x),                      # complex, wrong shape
    lambda x, window, hop_length: "spectrogram",
    lambda x, window, hop_length: 1 / 0,
    lambda x, window, hop_length: np.fft.rfft(x[:len(window)] * window)[:, None],  # complex
])
def test_odd_answers_are_diagnosed_without_a_traceback(answer):
    result = check(EX, answer)
    assert result.status == "failed" and result.message


def test_hints():
    assert len(EX.hints) == 3 and "rfft" in EX.hints[2]


CER = REGISTRY["character_error_rate"]


def test_cer_reference_equals_the_library():
    from seqlab.speech.recognition import character_error_rate
    for case in CER.cases:
        kw = case.make(np.random.default_rng(0))
        assert CER.reference(**kw) == character_error_rate(kw["hyps"], kw["refs"])


def learner_cer(hyps, refs, bug=""):
    """A learner's CER with a full DP table (written differently from the exercise's)."""
    total_edits, total_len, rates = 0, 0, []
    for h, r in zip(hyps, refs, strict=True):
        if bug == "strip":
            h, r = h.replace(" ", ""), r.replace(" ", "")
        d = np.zeros((len(h) + 1, len(r) + 1), dtype=int)
        d[:, 0], d[0, :] = np.arange(len(h) + 1), np.arange(len(r) + 1)
        for i in range(1, len(h) + 1):
            for j in range(1, len(r) + 1):
                d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1,
                              d[i - 1, j - 1] + (h[i - 1] != r[j - 1]))
        total_edits += int(d[-1, -1])
        total_len += len(h) if bug == "hyp" else len(r)
        rates.append(d[-1, -1] / len(r))
    if bug == "mean":
        return float(np.mean(rates))
    return total_edits / total_len


def test_cer_learner_passes_and_bugs_are_diagnosed():
    assert check(CER, learner_cer).status == "passed"
    for bug, mistake in (("strip", "no spaces"), ("hyp", "hyp length"), ("mean", "mean of rates")):
        result = check(CER, lambda hyps, refs, b=bug: learner_cer(hyps, refs, b))
        assert result.status == "failed" and result.mistake == mistake, repr(result)
