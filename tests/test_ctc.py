"""The CTC loss (seqlab.speech.ctc): torch equality, finite differences, brute force, errors.

Torch reference: ``torch.nn.functional.ctc_loss(log_softmax(z), ..., reduction="none")`` in
float64, its gradient taken by autograd with respect to the logits z through the log-softmax.
Brute force: the sum over all n_y^T alignments whose collapse is the target (eq. 1).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from seqlab.gradcheck import numerical_gradient_array, rel_error
from seqlab.speech import ctc_collapse, ctc_count_alignments, ctc_lattice, ctc_loss
from seqlab.speech._ctc_inputs import extend_labels, prepare_targets
from seqlab.speech._ctc_scaled import scaled_posteriors
from seqlab.speech.ctc import _softmax_both_layouts


def _torch(z, targets, x_lens, y_lens, blank=0, zero_infinity=False):
    """Losses (m,) and dlogits (n_y, m, T) from torch, float64."""
    tz = torch.tensor(z.transpose(2, 1, 0).copy(), requires_grad=True)     # (T, m, n_y)
    loss = torch.nn.functional.ctc_loss(tz.log_softmax(-1), torch.tensor(targets),
                                        torch.tensor(x_lens), torch.tensor(y_lens),
                                        blank=blank, reduction="none",
                                        zero_infinity=zero_infinity)
    loss.sum().backward()
    return loss.detach().numpy(), tz.grad.numpy().transpose(2, 1, 0)


def _random_case(rng, n_y, m, T, S, blank, few_labels=False):
    labels = [k for k in range(n_y) if k != blank]
    pool = labels[:2] if few_labels else labels                    # few labels: many repeats
    z = rng.normal(size=(n_y, m, T)) * 2.0
    targets = rng.choice(pool, size=(m, S))
    x_lens = rng.integers(max(1, T // 2), T + 1, size=m)
    x_lens[0] = T
    y_lens = rng.integers(0, S + 1, size=m)
    y_lens[0] = S
    # keep every transcript possible: S_b labels + repeats ≤ T_b
    for b in range(m):
        y = targets[b, :y_lens[b]]
        need = len(y) + int(np.sum(y[1:] == y[:-1]))
        x_lens[b] = max(x_lens[b], need)
    return z, targets, np.minimum(x_lens, T), y_lens


@pytest.mark.parametrize(("n_y", "m", "T", "S", "blank", "few"), [
    (5, 4, 10, 3, 0, False),
    (6, 5, 12, 4, 2, True),          # blank in the middle, repeated labels
    (4, 3, 15, 5, 3, True),          # blank last
    (30, 8, 50, 12, 0, False),
    (3, 1, 1, 1, 0, False),          # T = 1, m = 1
    (7, 6, 20, 6, 6, True),
])
def test_loss_and_gradient_equal_torch_float64(n_y, m, T, S, blank, few):
    rng = np.random.default_rng(n_y * 100 + T)
    z, targets, x_lens, y_lens = _random_case(rng, n_y, m, T, S, blank, few)
    losses, dz = ctc_loss(z, targets, x_lens, y_lens, blank=blank)
    t_losses, t_dz = _torch(z, targets, x_lens, y_lens, blank)
    assert losses.shape == (m,) and dz.shape == z.shape and dz.dtype == np.float64
    assert np.all(np.isfinite(losses))
    np.testing.assert_allclose(losses, t_losses, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dz, t_dz, rtol=1e-9, atol=1e-9)
    for b in range(m):                                               # zero past each length
        assert np.all(dz[:, b, x_lens[b]:] == 0)


def test_repeated_labels_need_a_blank_and_target_length_zero():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(3, 4, 3))
    targets = np.array([[1, 1], [1, 1], [1, 2], [2, 2]])
    x_lens, y_lens = np.array([3, 2, 2, 3]), np.array([2, 2, 2, 0])
    # "aa" in 3 frames has one alignment, a_a; in 2 frames none ("aa" collapses to "a"):
    # refused (the input contract), or loss 0 with zero_infinity as torch's option
    with pytest.raises(ValueError, match=r"ctc_loss\(targets\): expected a transcript that "
                       r"fits in its frames, got example 1 needing 3 frames"):
        ctc_loss(z, targets, x_lens, y_lens)
    losses, dz = ctc_loss(z, targets, x_lens, y_lens, zero_infinity=True)
    t_losses, t_dz = _torch(z, targets, x_lens, y_lens, zero_infinity=True)
    assert ctc_count_alignments([1, 1], 3) == 1 and ctc_count_alignments([1, 1], 2) == 0
    assert losses[1] == 0 and t_losses[1] == 0
    lp = z - np.log(np.exp(z).sum(0))
    assert losses[0] == pytest.approx(-(lp[1, 0, 0] + lp[0, 0, 1] + lp[1, 0, 2]), abs=1e-12)
    assert losses[3] == pytest.approx(-lp[0, 3, :].sum(), abs=1e-12)   # empty: all blanks
    ok = np.isfinite(t_losses)
    np.testing.assert_allclose(losses[ok], t_losses[ok], atol=1e-12)
    np.testing.assert_allclose(dz[:, ok], t_dz[:, ok], atol=1e-12)


def test_impossible_alignment_is_refused_and_zero_infinity_matches_torch():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(4, 3, 5))
    targets = np.array([[1, 2, 3, 1, 2, 3], [1, 1, 1, 2, 2, 2], [1, 2, 0, 0, 0, 0]])
    x_lens, y_lens = np.array([5, 5, 4]), np.array([6, 6, 2])
    # torch returns +inf and NaN gradients there; the input contract refuses instead
    with pytest.raises(ValueError, match=r"example 0 needing 6 frames .* input_lengths\[0\] = "
                       r"5 .*zero_infinity=True"):
        ctc_loss(z, targets, x_lens, y_lens)
    t_losses, t_dz = _torch(z, targets, x_lens, y_lens)
    assert np.isinf(t_losses[:2]).all() and np.isnan(t_dz[:, :2]).any()
    losses, dz = ctc_loss(z[:, 2:], targets[2:], x_lens[2:], y_lens[2:])   # the possible one
    np.testing.assert_allclose(dz[:, 0], t_dz[:, 2], atol=1e-12)
    losses0, dz0 = ctc_loss(z, targets, x_lens, y_lens, zero_infinity=True)
    t_losses0, t_dz0 = _torch(z, targets, x_lens, y_lens, zero_infinity=True)
    np.testing.assert_allclose(losses0, t_losses0, atol=1e-12)
    np.testing.assert_allclose(dz0, t_dz0, atol=1e-12)
    assert np.all(dz0[:, :2] == 0) and losses0[0] == 0


def test_input_length_zero():
    z = np.random.default_rng(3).normal(size=(3, 2, 4))
    with pytest.raises(ValueError, match="example 1 needing 1 frames"):
        ctc_loss(z, [[], [1]], np.array([0, 0]))             # a label in no frame: impossible
    losses, dz = ctc_loss(z, [[], [1]], np.array([0, 0]), zero_infinity=True)
    assert losses[0] == 0 and losses[1] == 0 and np.all(dz == 0)


def test_list_of_sequences_equals_padded_array():
    rng = np.random.default_rng(4)
    z = rng.normal(size=(5, 3, 8))
    seqs = [[1, 2, 2], [4], []]
    a = ctc_loss(z, seqs)
    b = ctc_loss(z, np.array([[1, 2, 2], [4, 0, 0], [0, 0, 0]]), None, np.array([3, 1, 0]))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def _brute_force_nll(z_b, target, blank):
    """-log Σ over all alignments π ∈ n_y^T with collapse(π) = target (eq. 1)."""
    n_y, T = z_b.shape
    lp = z_b - np.log(np.exp(z_b).sum(0))
    total = 0.0
    for path in itertools.product(range(n_y), repeat=T):
        if ctc_collapse(list(path), blank) == list(target):
            total += np.exp(sum(lp[k, t] for t, k in enumerate(path)))
    return -np.log(total)


@pytest.mark.parametrize(("target", "T", "blank"), [
    ([1], 4, 0), ([1, 1], 4, 0), ([1, 2], 5, 0), ([2, 2, 0], 5, 1), ([0, 0], 5, 2), ([], 3, 0),
])
def test_loss_equals_brute_force_sum_over_alignments(target, T, blank):
    z = np.random.default_rng(len(target) + T).normal(size=(3, 1, T))
    losses, _ = ctc_loss(z, [target], blank=blank)
    assert losses[0] == pytest.approx(_brute_force_nll(z[:, 0], target, blank), rel=1e-12)


def test_gradient_matches_finite_differences_float64():
    rng = np.random.default_rng(5)
    z, targets, x_lens, y_lens = _random_case(rng, 5, 3, 7, 3, 1, few_labels=True)
    _, dz = ctc_loss(z, targets, x_lens, y_lens, blank=1)

    def f(zz):
        return ctc_loss(zz, targets, x_lens, y_lens, blank=1)[0].sum()

    num = numerical_gradient_array(lambda zz: np.array(f(zz)), z.copy(), np.array(1.0))
    assert rel_error(num, dz) < 1e-7


def test_float32_close_to_float64():
    rng = np.random.default_rng(6)
    z, targets, x_lens, y_lens = _random_case(rng, 10, 4, 30, 8, 0)
    l64, d64 = ctc_loss(z, targets, x_lens, y_lens)
    l32, d32 = ctc_loss(z.astype(np.float32), targets, x_lens, y_lens)
    assert l32.dtype == np.float32 and d32.dtype == np.float32
    np.testing.assert_allclose(l32, l64, rtol=1e-4)
    np.testing.assert_allclose(d32, d64, atol=1e-4)


def test_lattice_alpha_beta_posteriors_are_consistent():
    rng = np.random.default_rng(7)
    z, targets, x_lens, y_lens = _random_case(rng, 6, 3, 12, 4, 0, few_labels=True)
    lat = ctc_lattice(z, targets, x_lens, y_lens)
    losses, _ = ctc_loss(z, targets, x_lens, y_lens)
    np.testing.assert_allclose(-lat.log_likelihood, losses, atol=1e-12)
    for b in range(3):
        T_b, L_b = x_lens[b], 2 * y_lens[b] + 1
        g = lat.gamma[b, :L_b, :T_b]
        np.testing.assert_allclose(g.sum(axis=0), 1.0, atol=1e-12)   # one node per frame
        np.testing.assert_allclose(lat.posteriors[:, b, :T_b].sum(axis=0), 1.0, atol=1e-12)
        assert np.all(np.isneginf(lat.log_alpha[b, :, T_b:]))
        assert np.all(np.isneginf(lat.log_alpha[b, L_b:, :]))
        assert np.isneginf(lat.log_alpha[b, 2, 0])                   # α_1(s) = 0 for s > 2
        # α_t(s) β_t(s) / ŷ summed over s is p(y|x) at every frame
        e = lat.log_probs[lat.ext[b, :L_b], b, :T_b]
        ab = lat.log_alpha[b, :L_b, :T_b] + lat.log_beta[b, :L_b, :T_b] - e
        np.testing.assert_allclose(np.logaddexp.reduce(ab, axis=0), lat.log_likelihood[b],
                                   atol=1e-10)


def _fast_path_ok(z, targets, x_lens, y_lens, blank=0):
    """Which examples the scaled probability-space path accepts (the rest go to log space)."""
    n_y, m, _ = z.shape
    tgt, t_lens = prepare_targets(targets, y_lens, m, n_y, blank)
    y_tm = _softmax_both_layouts(z)[1]
    return scaled_posteriors(y_tm, extend_labels(tgt, t_lens, blank), t_lens, x_lens, blank)[2]


@pytest.mark.parametrize(("n_y", "m", "T", "S", "scale"), [
    (30, 8, 400, 60, 2.0),            # long: 100 rescalings, many labels
    (29, 6, 250, 30, 4.0),            # peaky, as a trained model
    (5, 4, 200, 10, 1.0),             # few classes: many repeats
])
def test_scaled_fast_path_is_taken_and_equals_torch_on_long_sequences(n_y, m, T, S, scale):
    rng = np.random.default_rng(T + S)
    z, targets, x_lens, y_lens = _random_case(rng, n_y, m, T, S, 0, few_labels=n_y == 5)
    z *= scale / 2.0
    assert _fast_path_ok(z, targets, x_lens, y_lens).all()
    losses, dz = ctc_loss(z, targets, x_lens, y_lens)
    t_losses, t_dz = _torch(z, targets, x_lens, y_lens)
    np.testing.assert_allclose(losses, t_losses, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dz, t_dz, rtol=1e-9, atol=1e-9)


def test_confidently_wrong_model_falls_back_to_log_space_and_still_equals_torch():
    rng = np.random.default_rng(11)
    z, targets, x_lens, y_lens = _random_case(rng, 30, 6, 200, 40, 0)
    z[:, :3] *= 50.0                  # logits in the hundreds: scaled products underflow
    ok = _fast_path_ok(z, targets, x_lens, y_lens)
    assert not ok[:3].any() and ok[3:].all()                        # a mixed batch
    losses, dz = ctc_loss(z, targets, x_lens, y_lens)
    t_losses, t_dz = _torch(z, targets, x_lens, y_lens)
    assert np.all(np.isfinite(losses))
    np.testing.assert_allclose(losses, t_losses, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dz, t_dz, rtol=1e-9, atol=1e-9)


def test_results_are_not_overwritten_by_the_next_call():
    rng = np.random.default_rng(12)
    z, targets, x_lens, y_lens = _random_case(rng, 6, 3, 12, 4, 0)
    losses, dz = ctc_loss(z, targets, x_lens, y_lens)
    kept = losses.copy(), dz.copy()
    ctc_loss(z * 3.0, targets, x_lens, y_lens)                      # same shapes, new values
    np.testing.assert_array_equal(losses, kept[0])
    np.testing.assert_array_equal(dz, kept[1])


def test_threads_calling_ctc_loss_at_once_get_their_own_results():
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(13)
    cases = [_random_case(rng, 8, 4, 40, 6, 0) for _ in range(4)]
    expected = [ctc_loss(*c) for c in cases]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda c: ctc_loss(*c), cases * 5))
    for i, (losses, dz) in enumerate(got):
        np.testing.assert_array_equal(losses, expected[i % 4][0])
        np.testing.assert_array_equal(dz, expected[i % 4][1])


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    (dict(logits=np.zeros((3, 2))), ValueError, r"ctc_loss\(logits\): expected a 3-D real"),
    (dict(logits=np.zeros((3, 2, 4), complex)), TypeError, r"ctc_loss\(logits\)"),  # ints: ok
    (dict(targets=np.array([[1, 0], [1, 2]])), ValueError, r"other than the blank 0"),
    (dict(targets=np.array([[1, 3], [1, 2]])), ValueError, r"labels in \[0, n_y=3\)"),
    (dict(targets=np.array([[1, 2]])), ValueError, r"ctc_loss\(targets\): expected a padded"),
    (dict(targets=np.array([[1.0, 2.0], [1, 2]])), TypeError, r"targets\): expected an integer"),
    (dict(input_lengths=np.array([5, 2])), ValueError, r"input_lengths.*\[0, T_x=4\]"),
    (dict(target_lengths=np.array([3, 1])), ValueError, r"target_lengths.*\[0, S=2\]"),
    (dict(blank=3), ValueError, r"ctc_loss\(blank\)"),
    (dict(targets=[[1]]), ValueError, r"expected 2 sequences"),
])
def test_bad_input_raises_naming_the_argument(kwargs, error, match):
    args = dict(logits=np.zeros((3, 2, 4)), targets=np.array([[1, 2], [2, 1]]),
                input_lengths=None, target_lengths=None, blank=0)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        ctc_loss(**args)
