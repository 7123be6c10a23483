"""seqlab.losses: softmax cross-entropy (column, row and temporal layouts, masked) and BCE.

Layers: equality with torch.nn.functional in float64 (loss and autograd gradient), float64
finite-difference checks of dlogits (eq. 4, eq. 6), mask semantics, stability at 1e4, dtype
preservation, error messages naming the argument.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from seqlab.gradcheck import check_grads
from seqlab.losses import binary_cross_entropy, cross_entropy, temporal_cross_entropy

TOL = 1e-7


def rng(seed=0):
    return np.random.default_rng(seed)


def batch(n_y, m, T=None, seed=0):
    """Logits (n_y, m) or (n_y, m, T) and labels (m,) or (m, T)."""
    g = rng(seed)
    shape = (m,) if T is None else (m, T)
    return 2.0 * g.standard_normal((n_y,) + shape), g.integers(0, n_y, size=shape)


def lengths_mask(m, T, seed=0):
    """A (m, T) bool mask of variable-length sequences: example i has length in [1, T]."""
    lengths = rng(seed + 1).integers(1, T + 1, size=m)
    return np.arange(T)[None, :] < lengths[:, None]


def torch_loss_and_grad(torch, fn, logits, *args, **kwargs):
    t = torch.from_numpy(logits).requires_grad_()
    loss = fn(t, *args, **kwargs)
    loss.backward()
    return loss.item(), t.grad.numpy()


def assert_close(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- PyTorch parity
@pytest.mark.parametrize(("n_y", "m"), [(2, 1), (5, 1), (5, 4), (27, 8)])
def test_cross_entropy_column_layout_matches_torch(torch, n_y, m):
    logits, y = batch(n_y, m)                                   # (n_y, m), (m,)
    loss, dlogits = cross_entropy(logits, y)
    ref, dref = torch_loss_and_grad(torch, lambda t: torch.nn.functional.cross_entropy(
        t.T, torch.from_numpy(y)), logits)                      # torch wants (m, n_y)
    assert_close(loss, ref)
    assert_close(dlogits, dref)


@pytest.mark.parametrize(("m", "T", "n_y"), [(1, 1, 3), (2, 5, 4), (3, 1, 6)])
def test_cross_entropy_transformer_rows_axis_minus_1_matches_torch(torch, m, T, n_y):
    g = rng(2)
    logits, y = g.standard_normal((m, T, n_y)), g.integers(0, n_y, size=(m, T))
    loss, dlogits = cross_entropy(logits, y, axis=-1)
    ref, dref = torch_loss_and_grad(torch, lambda t: torch.nn.functional.cross_entropy(
        t.permute(0, 2, 1), torch.from_numpy(y)), logits)       # (m, n_y, T)
    assert_close(loss, ref)
    assert_close(dlogits, dref)


@pytest.mark.parametrize(("n_y", "m", "T"), [(3, 1, 1), (4, 1, 6), (5, 3, 1), (5, 3, 7)])
def test_temporal_cross_entropy_matches_torch(torch, n_y, m, T):
    logits, y = batch(n_y, m, T)                                # (n_y, m, T), (m, T)
    loss, dlogits = temporal_cross_entropy(logits, y)
    ref, dref = torch_loss_and_grad(torch, lambda t: torch.nn.functional.cross_entropy(
        t.permute(1, 0, 2), torch.from_numpy(y)), logits)       # (m, n_y, T)
    assert_close(loss, ref)
    assert_close(dlogits, dref)


@pytest.mark.parametrize(("n_y", "m", "T"), [(4, 1, 6), (5, 3, 7), (2, 6, 3)])
def test_masked_temporal_cross_entropy_matches_torch_ignore_index(torch, n_y, m, T):
    logits, y = batch(n_y, m, T)
    mask = lengths_mask(m, T)
    loss, dlogits = temporal_cross_entropy(logits, y, mask=mask)
    y_ignored = np.where(mask, y, -100)                         # torch's ignore_index
    ref, dref = torch_loss_and_grad(torch, lambda t: torch.nn.functional.cross_entropy(
        t.permute(1, 0, 2), torch.from_numpy(y_ignored), ignore_index=-100), logits)
    assert_close(loss, ref)
    assert_close(dlogits, dref)


@pytest.mark.parametrize("mask_dtype", [bool, np.int64, np.float64])
def test_masked_temporal_cross_entropy_matches_manual_torch(torch, mask_dtype):
    n_y, m, T = 5, 3, 4
    logits, y = batch(n_y, m, T, seed=3)
    mask = lengths_mask(m, T, seed=3)
    loss, dlogits = temporal_cross_entropy(logits, y, mask=mask.astype(mask_dtype))

    def manual(t):                                              # Σ mask ⊙ L<t> / Σ mask
        log_p = torch.log_softmax(t, dim=0)                     # (n_y, m, T)
        picked = log_p.gather(0, torch.from_numpy(y)[None]).squeeze(0)  # (m, T)
        w = torch.from_numpy(mask.astype(np.float64))
        return -(picked * w).sum() / w.sum()

    ref, dref = torch_loss_and_grad(torch, manual, logits)
    assert_close(loss, ref)
    assert_close(dlogits, dref)


@pytest.mark.parametrize("shape", [(1,), (4,), (1, 7), (3, 5)])
def test_binary_cross_entropy_eq5_matches_torch(torch, shape):
    g = rng(4)
    logits, y = 3 * g.standard_normal(shape), g.uniform(0, 1, size=shape)
    loss, dlogits = binary_cross_entropy(logits, y)
    ref, dref = torch_loss_and_grad(torch, lambda t: torch.nn.functional.
                                    binary_cross_entropy_with_logits(t, torch.from_numpy(y)),
                                    logits)
    assert_close(loss, ref)
    assert_close(dlogits, dref)


def test_masked_binary_cross_entropy_matches_manual_torch(torch):
    g = rng(5)
    logits, y = 3 * g.standard_normal((1, 3, 8)), g.integers(0, 2, size=(1, 3, 8))
    mask = lengths_mask(3, 8)[None]                             # (1, m, T_y)
    loss, dlogits = binary_cross_entropy(logits, y, mask=mask)

    def manual(t):
        per = torch.nn.functional.binary_cross_entropy_with_logits(
            t, torch.from_numpy(y.astype(np.float64)), reduction="none")
        w = torch.from_numpy(mask.astype(np.float64))
        return (per * w).sum() / w.sum()

    ref, dref = torch_loss_and_grad(torch, manual, logits)
    assert_close(loss, ref)
    assert_close(dlogits, dref)


# --------------------------------------------------------------------------- finite differences
@pytest.mark.parametrize(("n_y", "m"), [(2, 1), (5, 1), (5, 4)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_dlogits_eq4_gradcheck(n_y, m, reduction):
    logits, y = batch(n_y, m)
    _, dlogits = cross_entropy(logits, y, reduction=reduction)
    result = check_grads(lambda: cross_entropy(logits, y, reduction=reduction),
                         {"logits": logits}, {"logits": dlogits})
    assert result.passed(TOL), result


@pytest.mark.parametrize(("n_y", "m", "T"), [(3, 1, 1), (4, 2, 5), (6, 3, 4)])
def test_masked_temporal_cross_entropy_dlogits_eq4_gradcheck(n_y, m, T):
    logits, y = batch(n_y, m, T)
    mask = lengths_mask(m, T)
    _, dlogits = temporal_cross_entropy(logits, y, mask=mask)
    result = check_grads(lambda: temporal_cross_entropy(logits, y, mask=mask),
                         {"logits": logits}, {"logits": dlogits})
    assert result.passed(TOL), result


@pytest.mark.parametrize("shape", [(1, 1), (1, 2, 6)])
def test_masked_binary_cross_entropy_dlogits_eq6_gradcheck(shape):
    g = rng(6)
    logits, y = 2 * g.standard_normal(shape), g.uniform(0, 1, size=shape)
    mask = g.uniform(size=shape) < 0.7
    mask.flat[0] = True
    _, dlogits = binary_cross_entropy(logits, y, mask=mask)
    result = check_grads(lambda: binary_cross_entropy(logits, y, mask=mask),
                         {"logits": logits}, {"logits": dlogits})
    assert result.passed(TOL), result


# --------------------------------------------------------------------------- mask semantics
def test_masked_steps_get_zero_gradient_and_their_labels_are_never_read():
    logits, y = batch(4, 3, 5)
    mask = lengths_mask(3, 5)
    y_padded = np.where(mask, y, -1)                            # padding label -1: not an index
    loss, dlogits = temporal_cross_entropy(logits, y_padded, mask=mask)
    assert np.all(dlogits[:, ~mask] == 0)
    poked = logits.copy()
    poked[:, ~mask] = 1e4                                       # change only the padded steps
    assert temporal_cross_entropy(poked, y_padded, mask=mask)[0] == loss


def test_mean_reduction_divides_the_lecture_sum_by_the_number_of_real_steps():
    logits, y = batch(4, 3, 5)
    mask = lengths_mask(3, 5)
    total, dtotal = temporal_cross_entropy(logits, y, mask=mask, reduction="sum")
    mean, dmean = temporal_cross_entropy(logits, y, mask=mask, reduction="mean")
    per_step = [cross_entropy(logits[:, :, t], y[:, t], mask=mask[:, t], reduction="sum")[0]
                for t in range(5)]
    np.testing.assert_allclose(total, sum(per_step), rtol=1e-14)   # L = Σ_t L<t>
    np.testing.assert_allclose(mean * mask.sum(), total, rtol=1e-14)
    np.testing.assert_allclose(dmean * mask.sum(), dtotal, rtol=1e-14)


def test_all_masked_sum_reduction_is_zero():
    logits, y = batch(3, 2, 2)
    loss, dlogits = temporal_cross_entropy(logits, y, mask=np.zeros((2, 2)), reduction="sum")
    assert loss == 0 and not dlogits.any()


# --------------------------------------------------------------------------- stability, dtypes
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_logits_of_magnitude_1e4_give_finite_losses_and_gradients(dtype):
    logits = np.array([[1e4, -1e4, 1e4], [-1e4, 1e4, 0.0], [0.0, 0.0, -1e4]], dtype=dtype)
    y = np.array([1, 0, 2])                                     # all three badly wrong
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, dlogits = cross_entropy(logits, y)
        bce, dbce = binary_cross_entropy(logits, (logits < 0).astype(dtype))
    for value in (loss, dlogits, bce, dbce):
        assert np.all(np.isfinite(value))
    np.testing.assert_allclose(loss, (2e4 + 2e4 + 2e4) / 3, rtol=1e-6)
    np.testing.assert_allclose(bce, (6e4 + 3 * np.log(2)) / 9, rtol=1e-6)  # 6 × 1e4, 3 × log 2


@pytest.mark.parametrize("fn", ["cross_entropy", "temporal", "binary"])
def test_float32_in_float32_out(fn):
    logits, y = batch(4, 3, 2)
    logits = logits.astype(np.float32)
    if fn == "cross_entropy":
        loss, dlogits = cross_entropy(logits[:, :, 0], y[:, 0])
    elif fn == "temporal":
        loss, dlogits = temporal_cross_entropy(logits, y, mask=lengths_mask(3, 2))
    else:
        loss, dlogits = binary_cross_entropy(logits, np.ones_like(logits))
    assert loss.dtype == np.float32 and dlogits.dtype == np.float32


# --------------------------------------------------------------------------- errors
def test_label_shape_error_reads_like_the_lecture():
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError) as info:
        cross_entropy(logits, np.zeros((4, 1), dtype=int))
    assert str(info.value) == ("cross_entropy(y): expected integer labels of shape (m,) = (4,), "
                               "got shape (4, 1)")


L3, Y3 = np.zeros((3, 2, 4)), np.zeros((2, 4), dtype=int)


@pytest.mark.parametrize(("call", "exc", "names"), [
    (lambda: cross_entropy(np.zeros((3, 4)), np.zeros(4)), TypeError, "cross_entropy(y)"),
    (lambda: cross_entropy(np.zeros((3, 4)), np.array([0, 1, 2, 3])), IndexError,
     "cross_entropy(y)"),
    (lambda: cross_entropy(np.zeros((3, 4)), np.array([0, 1, -1, 2])), IndexError,
     "cross_entropy(y)"),
    (lambda: cross_entropy(np.zeros(3), np.zeros((), dtype=int)), ValueError,
     "cross_entropy(logits)"),
    (lambda: cross_entropy(np.zeros((3, 4)), np.zeros(4, dtype=int), axis=2), ValueError,
     "cross_entropy(axis)"),
    (lambda: cross_entropy(np.zeros((3, 4)), np.zeros(4, dtype=int), mask=np.ones((4, 1))),
     ValueError, "cross_entropy(mask)"),
    (lambda: cross_entropy(np.zeros((3, 4)), np.zeros(4, dtype=int), reduction="avg"),
     ValueError, "cross_entropy(reduction)"),
    (lambda: temporal_cross_entropy(np.zeros((3, 4)), np.zeros(4, dtype=int)), ValueError,
     "temporal_cross_entropy(logits)"),
    (lambda: temporal_cross_entropy(L3, Y3.T), ValueError, "temporal_cross_entropy(y)"),
    (lambda: temporal_cross_entropy(L3, Y3, mask=np.full((2, 4), 2)), ValueError,
     "temporal_cross_entropy(mask)"),
    (lambda: temporal_cross_entropy(L3, Y3, mask=np.zeros((2, 4))), ValueError,
     "temporal_cross_entropy(mask)"),
    (lambda: binary_cross_entropy(np.zeros((1, 4)), np.zeros(4)), ValueError,
     "binary_cross_entropy(y)"),
    (lambda: binary_cross_entropy(np.zeros(4), np.full(4, 2.0)), ValueError,
     "binary_cross_entropy(y)"),
    (lambda: binary_cross_entropy(np.zeros(4), np.zeros(4), mask=np.ones(3)), ValueError,
     "binary_cross_entropy(mask)"),
])
def test_error_messages_name_the_argument(call, exc, names):
    with pytest.raises(exc) as info:
        call()
    assert names in str(info.value)


def test_temporal_label_error_names_the_lecture_shape():
    with pytest.raises(ValueError, match=r"shape \(m, T\) = \(2, 4\), got shape \(4, 2\)"):
        temporal_cross_entropy(L3, Y3.T)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_logits_raise_instead_of_returning_a_non_finite_loss(bad):
    logits, y = batch(3, 4)
    logits[1, 2] = bad
    with pytest.raises(FloatingPointError, match=r"cross_entropy\(logits\).*1 NaN or infinite"):
        cross_entropy(logits, y)
    with pytest.raises(FloatingPointError, match=r"binary_cross_entropy\(logits\)"):
        binary_cross_entropy(logits, np.zeros_like(logits))
