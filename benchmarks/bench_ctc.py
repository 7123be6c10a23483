"""CTC loss forward + backward (float32), seqlab vs torch.nn.functional.ctc_loss on CPU.

The same work on both sides, on the same inputs: log-softmax of the logits, the CTC loss of
each of m sequences (forward-backward over the extended labels) and the gradient of the summed
loss with respect to the logits. seqlab: ``ctc_loss(logits, targets, input_lengths,
target_lengths)`` (logits (n_y, m, T_x)), which returns (losses, dlogits); torch:
``ctc_loss(log_softmax(z), ..., reduction="none").sum().backward()`` on (T_x, m, n_y), the
gradient set to None between calls. Variable lengths: input lengths in [0.8·T_x, T_x],
target lengths in [S/2, S], labels drawn so that repeats occur. Threads: ``benchmarks/run.py``
sets torch's; NumPy uses OMP/OPENBLAS_NUM_THREADS.

Units are frames (m·T_x per call).
"""

from __future__ import annotations

import numpy as np
import torch
from harness import Case

from seqlab.speech import ctc_loss

SIZES = ((32, 100, 30, 20), (8, 400, 30, 60))   # (m, T_x, n_y, S): the size first


def _inputs(m: int, T: int, n_y: int, S: int, dtype=np.float32):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((n_y, m, T)).astype(dtype)
    targets = rng.integers(1, 6, size=(m, S))                     # few labels: many repeats
    input_lengths = rng.integers(int(0.8 * T), T + 1, size=m)
    input_lengths[0] = T
    target_lengths = rng.integers(S // 2, S + 1, size=m)
    return logits, targets, input_lengths, target_lengths


def cases() -> list[Case]:
    out = []
    for m, T, n_y, S in SIZES:
        logits, targets, x_lens, y_lens = _inputs(m, T, n_y, S)
        t_z = torch.tensor(logits.transpose(2, 1, 0).copy(), requires_grad=True)  # (T, m, n_y)
        t_y, t_xl, t_yl = (torch.tensor(a) for a in (targets, x_lens, y_lens))

        def ours(z=logits, y=targets, xl=x_lens, yl=y_lens):
            return ctc_loss(z, y, xl, yl)

        def ref(t_z=t_z, t_y=t_y, t_xl=t_xl, t_yl=t_yl):
            t_z.grad = None
            loss = torch.nn.functional.ctc_loss(t_z.log_softmax(-1), t_y, t_xl, t_yl,
                                                reduction="none")
            loss.sum().backward()

        out.append(Case(f"CTC fwd+bwd f32, m={m}, T_x={T}, n_y={n_y}, S={S}", ours, ref,
                        "torch ctc_loss CPU", units=m * T, unit_name="frames"))
    return out
