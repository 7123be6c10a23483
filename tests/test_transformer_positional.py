"""seqlab.transformer positional encoding, masks and the warm-up schedule."""

from __future__ import annotations

import numpy as np
import pytest

from seqlab.optim import Adam
from seqlab.transformer import (
    WarmupSchedule,
    decoder_mask,
    get_angles,
    look_ahead_mask,
    padding_mask,
    positional_encoding,
    relative_shift_matrix,
    transformer_lr,
)


def test_get_angles_course_values():
    pos, k = np.arange(4)[:, None], np.arange(6)[None, :]
    angles = get_angles(pos, k, 6)
    assert angles.shape == (4, 6)
    np.testing.assert_allclose(angles[:, 0], angles[:, 1])            # 2i and 2i+1 share ω_i
    np.testing.assert_allclose(angles[3, 2], 3 / 10000 ** (2 / 6))
    np.testing.assert_allclose(angles[:, 0], np.arange(4))            # ω_0 = 1


@pytest.mark.parametrize("positions,d", [(8, 16), (1, 4), (50, 7), (5, 1)])
def test_positional_encoding_course_properties(positions, d):
    pe = positional_encoding(positions, d)
    assert pe.shape == (1, positions, d) and pe.dtype == np.float64
    assert np.all(np.abs(pe) <= 1)
    np.testing.assert_allclose(pe[0, :, 0::2], np.sin(get_angles(
        np.arange(positions)[:, None], np.arange(d)[None, 0::2], d)), atol=1e-12)
    even, odd = pe[0, :, 0:d - d % 2:2], pe[0, :, 1::2]
    np.testing.assert_allclose(even ** 2 + odd ** 2, 1, atol=1e-12)   # sin² + cos² = 1
    np.testing.assert_allclose(pe[0, 0, 1::2], 1)                      # cos 0 = 1
    assert positional_encoding(positions, d, "float32").dtype == np.float32


@pytest.mark.parametrize("k", [1, 3, -2, 10])
def test_shift_by_k_is_one_linear_map_for_every_position(k):
    d = 16
    pe = positional_encoding(40, d)[0]
    M = relative_shift_matrix(k, d)
    lo, hi = max(0, -k), min(40, 40 - k)
    np.testing.assert_allclose(pe[lo:hi] @ M.T, pe[lo + k:hi + k], atol=1e-12)
    dots = np.einsum("pd,pd->p", pe[lo:hi], pe[lo + k:hi + k])          # PE(p)·PE(p+k)
    np.testing.assert_allclose(dots, dots[0], atol=1e-10)              # depends on k only


def test_masks():
    tok = np.array([[5, 3, 0, 0], [2, 0, 0, 0]])
    pm = padding_mask(tok)
    assert pm.shape == (2, 1, 4) and pm.dtype == bool
    np.testing.assert_array_equal(pm[:, 0], tok != 0)
    la = look_ahead_mask(3)
    np.testing.assert_array_equal(la[0], [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    dm = decoder_mask(tok)
    assert dm.shape == (2, 4, 4)
    np.testing.assert_array_equal(dm[0, 3], [1, 1, 0, 0])
    with pytest.raises(ValueError, match=r"look_ahead_mask\(size\)"):
        look_ahead_mask(0)
    with pytest.raises(ValueError, match=r"padding_mask\(tokens\)"):
        padding_mask(np.ones(3, int))
    with pytest.raises(ValueError, match=r"positional_encoding\(d_model\)"):
        positional_encoding(3, 0)


def test_warmup_schedule_peaks_at_warmup():
    d, w = 64, 100
    lrs = [transformer_lr(s, d, w) for s in range(1, 400)]
    assert int(np.argmax(lrs)) + 1 == w
    np.testing.assert_allclose(max(lrs), 1 / np.sqrt(d * w))
    np.testing.assert_allclose(lrs[9], 10 * d ** -0.5 * w ** -1.5)      # linear warm-up
    np.testing.assert_allclose(lrs[399 - 1], 399 ** -0.5 * d ** -0.5)    # 1/√step decay
    params, grads = {"W": np.ones(2)}, {"W": np.ones(2)}
    sched = WarmupSchedule(Adam(), d, w, factor=2.0)
    sched.step(params, grads)
    assert sched.optimizer.lr == sched.history[0] == 2 * transformer_lr(1, d, w)
    with pytest.raises(ValueError, match=r"transformer_lr\(step\)"):
        transformer_lr(0, d)
