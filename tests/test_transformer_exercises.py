"""Week 4 exercises (notebooks 23, 24, 25): scaled_dot_product_attention, split_heads,
get_angles, positional_encoding.

tests/test_exercises.py checks every registered exercise generically (the library passes, each
mistake gets its own message, the stub is open). Here: learners' code written the course's way
(float masks with (1 - mask) * -1e9, tf-like np.matmul(..., transpose), a loop over columns)
passes or gets the intended diagnosis, and the checker never crashes on odd answers.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.exercises import (
    REGISTRY,
    check_get_angles,
    check_positional_encoding,
    check_scaled_dot_product_attention,
    check_split_heads,
)

NAMES = ("scaled_dot_product_attention", "split_heads", "get_angles", "positional_encoding")


def course_sdpa(Q, K, V, mask, bug=""):
    """The course's TF code translated to NumPy: matmul_qk, dk, (1 - mask) * -1e9."""
    matmul_qk = np.matmul(Q, np.swapaxes(K, -1, -2))
    dk = K.shape[-1]
    scaled = matmul_qk / (dk if bug == "dk" else np.sqrt(dk))
    if mask is not None:
        m = mask.astype(float)
        scaled += (m if bug == "inverted" else (1.0 - m)) * -1.0e9
    ax = -2 if bug == "axis" else -1
    w = np.exp(scaled - scaled.max(axis=ax, keepdims=True))
    w = w / w.sum(axis=ax, keepdims=True)
    return np.matmul(w, V), w


@pytest.mark.parametrize(("bug", "mistake"), [("dk", "scale by d_k"),
                                              ("inverted", "mask inverted"),
                                              ("axis", "softmax over queries")])
def test_course_style_sdpa_variants(bug, mistake):
    def scaled_dot_product_attention(Q, K, V, mask):
        return course_sdpa(Q, K, V, mask, bug)
    res = check_scaled_dot_product_attention(scaled_dot_product_attention)
    assert res.status == "failed" and res.mistake == mistake, repr(res)


def test_course_style_sdpa_passes():
    def scaled_dot_product_attention(Q, K, V, mask):
        return course_sdpa(Q, K, V, mask)
    assert check_scaled_dot_product_attention(scaled_dot_product_attention).passed


def test_sdpa_returning_three_values_is_explained():
    res = check_scaled_dot_product_attention(lambda Q, K, V, mask: (Q, K, V))
    assert res.status == "failed" and "2 values" in res.message


def test_get_angles_loop_version_passes_and_reciprocal_is_not_a_crash():
    def get_angles(pos, k, d):
        out = np.zeros((pos.shape[0], k.shape[1]))
        for j in range(k.shape[1]):
            out[:, j] = pos[:, 0] / 10000 ** (2 * (j // 2) / d)
        return out
    assert check_get_angles(get_angles).passed

    def reciprocal(pos, k, d):
        with np.errstate(divide="ignore"):
            return 10000 ** (2 * (k // 2) / d) / pos
    res = check_get_angles(reciprocal)
    assert res.status == "failed" and "get_angles" in repr(res)


def test_positional_encoding_variants():
    def positional_encoding(positions, d):
        a = np.arange(positions)[:, None] / np.power(10000, 2 * (np.arange(d)[None] // 2) / d)
        a[:, 0::2], a[:, 1::2] = np.sin(a[:, 0::2]), np.cos(a[:, 1::2])
        return a[None]
    assert check_positional_encoding(positional_encoding).passed
    res = check_positional_encoding(lambda positions, d: positional_encoding(positions, d)[0])
    assert res.mistake == "no batch axis", repr(res)


def test_split_heads_tf_tutorial_style_passes_and_matches_multi_head_slices():
    """The TF tutorial's reshape(batch, -1, h, depth) + transpose([0, 2, 1, 3]) passes, and
    head i of the answer is the slice i·d_k..(i+1)·d_k of the features (eq. 2 of notebook 24)."""
    def split_heads(x, n_heads):
        depth = x.shape[-1] // n_heads
        return np.transpose(np.reshape(x, (x.shape[0], -1, n_heads, depth)), (0, 2, 1, 3))
    assert check_split_heads(split_heads).passed
    x = np.random.default_rng(0).normal(size=(2, 5, 12))
    heads = REGISTRY["split_heads"].reference(x, 3)
    for i in range(3):
        np.testing.assert_array_equal(heads[:, i], x[..., 4 * i:4 * (i + 1)])


@pytest.mark.parametrize(("fn", "mistake"), [
    (lambda x, n_heads: x.reshape(x.shape[0], x.shape[1], n_heads, -1).swapaxes(1, 2).T,
     None),
    (lambda x, n_heads: np.swapaxes(x.reshape(x.shape[0], n_heads, x.shape[1], -1), 1, 1),
     "reshape only"),
    (lambda x, n_heads: x.reshape(x.shape[0], x.shape[1], n_heads, -1), "no transpose"),
    (lambda x, n_heads: x.reshape(*x.shape[:2], n_heads, x.shape[2] / n_heads), "float d_k"),
])
def test_split_heads_odd_answers_are_diagnosed_not_crashing(fn, mistake):
    res = check_split_heads(fn)
    assert res.status == "failed"
    if mistake is not None:
        assert res.mistake == mistake, repr(res)
    else:
        assert "shape" in res.message, repr(res)
