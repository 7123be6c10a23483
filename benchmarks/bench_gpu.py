"""GPU: seqlab on CuPy vs PyTorch on CUDA (cuDNN), the same work on the same inputs.

Cases (only where CuPy sees a GPU and torch sees CUDA; ``cases()`` is empty elsewhere, so
``make bench`` on a CPU machine skips them):

- the LSTM training step (forward + BPTT, float32, as ``bench_lstm``) at (m, T_x, n_x, n_a) =
  (256, 100, 512, 1024): seqlab ``lstm_forward`` + ``lstm_backward`` on CuPy arrays against
  ``torch.nn.LSTM`` on CUDA (cuDNN). Target (issue 8): at least half of cuDNN's throughput;
- the Transformer training step of ``bench_transformer`` (d_model 128) with m = 256: seqlab on
  CuPy against the same model in torch on CUDA.

Every call ends with a device synchronize on its side, so a time is the work done, not the
work queued. The issue's second target, at least 20x NumPy on the 2-core machine, compares with
the CPU number that ``--cpu-baseline`` measures there (``docs/gpu.md`` records both).

    python benchmarks/run.py gpu                   # on a GPU machine: the table
    python benchmarks/bench_gpu.py --cpu-baseline  # on the 2-core machine: NumPy, same LSTM
    python benchmarks/bench_gpu.py --dry           # anywhere: the same code on NumPy/torch
                                                   # CPU at tiny sizes (checks the script)
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lstm import training_step  # noqa: E402
from bench_transformer import VOCAB, TorchTransformer, _batch  # noqa: E402
from harness import HEADER, Case, measure, median_time, synchronizer  # noqa: E402

from seqlab import backend  # noqa: E402
from seqlab.transformer import Transformer, TransformerConfig  # noqa: E402

LSTM_SIZE = (256, 100, 512, 1024)            # (m, T_x, n_x, n_a), the size
TRANSFORMER_SIZE = (256, 24, 128)            # (m, T, d_model)
DRY_LSTM, DRY_TRANSFORMER = (4, 5, 6, 8), (4, 6, 16)
REPEATS = 9


def lstm_case(size, xp_name: str, device: str) -> Case:
    m, T_x, n_x, n_a = size
    ours, ref = training_step(size, xp_name, device)
    return Case(f"LSTM fwd+bwd f32, m={m}, T_x={T_x}, n_x={n_x}, n_a={n_a} ({xp_name})", ours,
                ref, f"torch.nn.LSTM {device}{' (cuDNN)' if device == 'cuda' else ''}",
                units=m * T_x, unit_name="tokens")


def transformer_case(size, xp_name: str, device: str) -> Case:
    m, T, d_model = size
    config = TransformerConfig(VOCAB, VOCAB, d_model=d_model, n_heads=4, d_ff=2 * d_model,
                               n_layers=2, max_len=T, dropout=0.0, label_smoothing=0.1)
    batch = _batch(m, T, np.random.default_rng(0))
    twin = TorchTransformer(Transformer(config, seed=0, dtype="float32")).to(device).train()
    with backend.using(xp_name):                 # one seed: the same weights as the twin's
        model = Transformer(config, seed=0, dtype="float32")
        batch_d = tuple(backend.to_device(a, backend.xp_default()) for a in batch)
    t_src, t_in, t_out = (torch.tensor(a, device=device) for a in batch)
    sync_ours, sync_ref = synchronizer(xp_name), synchronizer(device)

    def ours():
        model.loss(batch_d, train=True)
        sync_ours()

    def ref():
        twin.zero_grad(set_to_none=True)
        logits = twin(t_src, t_in)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), t_out.reshape(-1),
                                                 ignore_index=0, label_smoothing=0.1)
        loss.backward()
        sync_ref()

    return Case(f"Transformer train step f32, m={m}, T={T}, d_model={d_model}, 2+2 layers "
                f"({xp_name})", ours, ref, f"torch (nn.MultiheadAttention) {device}",
                units=m * T, unit_name="tokens")


def cases() -> list[Case]:
    if not (backend.cupy_available() and torch.cuda.is_available()):
        return []
    return [lstm_case(LSTM_SIZE, "cupy", "cuda"),
            transformer_case(TRANSFORMER_SIZE, "cupy", "cuda")]


def notes(results) -> list[str]:
    """The GPU, and each case against the issue's target (half of cuDNN's throughput)."""
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(0)
    lines = [f"GPU: {props['name'].decode()}; CuPy {cupy.__version__}, torch "
             f"{torch.__version__}, cuDNN {torch.backends.cudnn.version()}", ""]
    for r in results:
        tokens = r.units / statistics.median(r.seqlab_s)
        lines.append(f"- {r.name}: {tokens:,.0f} tokens/s, {r.ratio:.2f}x torch "
                     f"(target for the LSTM: ≥ 0.5; ≥ 20x the NumPy baseline in docs/gpu.md)")
    return lines


def cpu_baseline(repeats: int = 3) -> float:
    """NumPy's tokens/s for the LSTM step at the GPU size on this machine (median)."""
    case = lstm_case(LSTM_SIZE, "numpy", "cpu")
    return case.units / median_time(case.seqlab, repeats)


if __name__ == "__main__":
    if sys.argv[1:] == ["--cpu-baseline"]:
        import os

        print(f"NumPy LSTM training step at (m, T_x, n_x, n_a) = {LSTM_SIZE}, "
              f"{os.environ.get('OMP_NUM_THREADS', 'all')} thread(s): "
              f"{cpu_baseline():,.0f} tokens/s")
    elif sys.argv[1:] == ["--dry"]:
        print(HEADER)
        for case in (lstm_case(DRY_LSTM, "numpy", "cpu"),
                     transformer_case(DRY_TRANSFORMER, "numpy", "cpu")):
            print(measure(case, repeats=3).row())
    else:
        print(__doc__)
