"""Notebook 18's exercise image_to_state (eq. 3 of seqlab.seq2seq.captioning).

tests/test_exercises.py checks every registered exercise generically (the library passes, each
mistake gets its own message, the stub is "open"). Here: the plain function behind the mistakes
equals the library with no bug, the reference agrees with image_encoder_forward's a<0>, c<0>, a
learner's loop version passes, each mistake is diagnosed by name, garbage never crashes."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.data.scenes import make_scenes, scene_vocab
from seqlab.exercises import REGISTRY, check_image_to_state
from seqlab.exercises.captioning import _state
from seqlab.seq2seq.captioning import ImageCaptioner, image_encoder_forward


def test_bugless_version_equals_the_library():
    ex, r = REGISTRY["image_to_state"], np.random.default_rng(0)
    for case in ex.cases:
        kwargs = case.make(r)
        for a, b in zip(_state(*kwargs.values()), ex.reference(*kwargs.values()), strict=True):
            np.testing.assert_allclose(a, b, atol=1e-14)


def test_reference_is_the_encoders_last_step():
    model = ImageCaptioner(scene_vocab(), n_a=6, channels=(3, 4), image_size=16, rng=0,
                           dtype=np.float64)
    images = make_scenes(3, seed=1, size=16).images.astype(np.float64)
    a0, c0, cache = image_encoder_forward(images, model.params)
    v = cache.h2.reshape(3, -1).T
    p = model.params
    ra, rc = REGISTRY["image_to_state"].reference(v, p["enc/W_a"], p["enc/b_a"], p["enc/W_c"],
                                                  p["enc/b_c"])
    np.testing.assert_allclose(ra, a0, atol=1e-14)
    np.testing.assert_allclose(rc, c0, atol=1e-14)


def test_a_loop_version_passes():
    def image_to_state(v, W_a, b_a, W_c, b_c):
        a0, c0 = np.zeros((W_a.shape[0], v.shape[1])), np.zeros((W_c.shape[0], v.shape[1]))
        for i in range(v.shape[1]):
            a0[:, i] = np.tanh(W_a @ v[:, i] + b_a[:, 0])
            c0[:, i] = np.tanh(W_c @ v[:, i] + b_c[:, 0])
        return a0, c0

    assert check_image_to_state(image_to_state).passed


@pytest.mark.parametrize("bug", ["no tanh", "sigmoid", "relu", "no bias", "shared weights",
                                 "zero memory", "swapped"])
def test_each_mistake_is_diagnosed(bug):
    res = check_image_to_state(lambda *a: _state(*a, bug=bug))
    assert res.status == "failed" and res.mistake == bug, res


def test_a_transposed_answer_is_told_so():
    res = check_image_to_state(lambda v, W_a, b_a, W_c, b_c: (np.tanh(v.T @ W_a.T + b_a.T),
                                                              np.tanh(v.T @ W_c.T + b_c.T)))
    assert res.status == "failed" and "transpose" in res.message


@pytest.mark.parametrize("garbage", [lambda *a: None, lambda *a: 3.0, lambda *a: (1, 2, 3),
                                     lambda *a: 1 / 0])
def test_garbage_never_crashes_the_checker(garbage):
    res = check_image_to_state(garbage)
    assert res.status == "failed"


def test_stub_is_open():
    def image_to_state(v, W_a, b_a, W_c, b_c):
        raise NotImplementedError()

    assert check_image_to_state(image_to_state).status == "open"
