"""Softmax cross-entropy forward + backward, seqlab vs torch on CPU (float32).

The output layer of every language model in the course: logits (n_y, m) for a vocabulary of
n_y words and a batch of m positions.
"""

from __future__ import annotations

import numpy as np
import torch
from harness import Case

from seqlab.losses import cross_entropy


def cases() -> list[Case]:
    out = []
    for n_y, m in ((27, 1024), (10_000, 256)):
        rng = np.random.default_rng(0)
        logits = rng.standard_normal((n_y, m)).astype(np.float32)
        y = rng.integers(0, n_y, size=m)
        t_logits = torch.tensor(logits.T.copy(), requires_grad=True)  # torch: rows (m, n_y)
        t_y = torch.tensor(y)

        def ours(logits=logits, y=y):
            return cross_entropy(logits, y)

        def ref(t_logits=t_logits, t_y=t_y):
            t_logits.grad = None
            torch.nn.functional.cross_entropy(t_logits, t_y).backward()

        out.append(Case(f"cross-entropy fwd+bwd, n_y={n_y}, m={m}", ours, ref,
                        "torch CPU", units=m, unit_name="examples"))
    return out
