"""The toy "spoken digits" of notebook 20 and the claims the notebook makes about training."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.functional import log_softmax
from seqlab.speech import ctc_collapse, ctc_greedy_decode, ctc_prefix_beam_search
from seqlab.speech.ctc_toy import character_error_rate, make_utterances, train_toy_ctc


def test_frames_collapse_to_the_transcript_with_pauses_between_repeats():
    batch = make_utterances(50, 0)
    assert batch.x.shape[:2] == (16, 50) and batch.x.dtype == np.float32
    for b in range(50):
        assert ctc_collapse(batch.frames[b], 0) == batch.targets[b]
        assert len(batch.frames[b]) == batch.lengths[b]
        assert np.all(batch.x[:, b, batch.lengths[b]:] == 0)
    given = make_utterances(2, 1, texts=["1123", "90"])
    assert given.targets == [[2, 2, 3, 4], [10, 1]]
    with pytest.raises(ValueError, match=r"make_utterances\(texts\)"):
        make_utterances(1, 0, texts=["12a"])


def test_training_as_in_notebook_20_reaches_its_claims():
    net, history = train_toy_ctc(steps=250)
    assert np.mean(history[-10:]) < 0.1 * np.mean(history[:10])
    test = make_utterances(200, 2020)
    logits, _ = net.forward(test.x, lengths=test.lengths)
    cer_greedy = character_error_rate(ctc_greedy_decode(logits, test.lengths), test.targets)
    lp = log_softmax(logits.astype(np.float64), axis=0)
    beam = [list(ctc_prefix_beam_search(lp[:, b, :test.lengths[b]], 8,
                                        prune=np.log(1e-3)).best) for b in range(200)]
    cer_beam = character_error_rate(beam, test.targets)
    assert cer_greedy < 0.1 and cer_beam <= cer_greedy + 0.005
