"""Notebook 26 exercises: transformer_lr (the warm-up schedule) and smooth_labels (q of label
smoothing). Each known mistake is told apart, the stub is open, and answers written other ways
(NumPy's minimum, a loop, torch's own smoothed targets) pass or get the intended diagnosis."""

from __future__ import annotations

import numpy as np
import torch

from seqlab.exercises import REGISTRY, check_smooth_labels, check_transformer_lr


def test_transformer_lr_numpy_and_branchy_versions_pass():
    assert check_transformer_lr(lambda step, d_model, warmup_steps: d_model ** -0.5 * np.minimum(
        step ** -0.5, step * warmup_steps ** -1.5)).passed

    def branchy(step, d_model, warmup_steps):
        if step < warmup_steps:
            return step / warmup_steps ** 1.5 / np.sqrt(d_model)
        return 1 / np.sqrt(step * d_model)
    assert check_transformer_lr(branchy).passed


def test_transformer_lr_peak_off_by_one_is_caught():
    res = check_transformer_lr(lambda step, d_model, warmup_steps: d_model ** -0.5 * min(
        (step + 1) ** -0.5, (step + 1) * warmup_steps ** -1.5))
    assert res.status == "failed" and res.mistake is None, repr(res)


def test_smooth_labels_reference_is_torchs_target():
    """torch's cross_entropy(label_smoothing=ε) equals the cross-entropy against q."""
    y, V, eps = np.array([0, 2, 1, 4]), 5, 0.3
    q = REGISTRY["smooth_labels"].reference(y, V, eps)
    np.testing.assert_allclose(q.sum(axis=1), 1.0, atol=1e-12)
    z = torch.randn(4, V, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    want = torch.nn.functional.cross_entropy(z, torch.as_tensor(y), label_smoothing=eps)
    got = -(torch.as_tensor(q) * torch.log_softmax(z, -1)).sum(-1).mean()
    assert abs(float(want) - float(got)) < 1e-12


def test_smooth_labels_other_ways_and_odd_answers():
    def loop(y, V, epsilon):
        q = np.full((len(y), V), epsilon / V)
        for i, t in enumerate(y):
            q[i, t] += 1 - epsilon
        return q
    assert check_smooth_labels(loop).passed
    res = check_smooth_labels(lambda y, V, epsilon: list(np.eye(V)[y]))
    assert res.status == "failed"
    res = check_smooth_labels(lambda y, V, epsilon: (1 - epsilon) * np.eye(V)[y])
    assert res.status == "failed" and res.mistake is None and "q" in res.message
