"""Train the small reversal Transformer that notebook 24's heads view opens.

    OPENBLAS_NUM_THREADS=1 python tools/train_transformer_toy.py

Writes seqlab/transformer/pretrained/reversal.npz (float32 weights + metadata: config, seed,
steps, schedule, the exact-match accuracy of greedy decoding on 1000 fresh examples).
About a minute on one core.
"""

from __future__ import annotations

import time
from pathlib import Path

from seqlab.npz import save_arrays
from seqlab.optim import Adam
from seqlab.transformer import Transformer, TransformerConfig, WarmupSchedule
from seqlab.transformer.toy import VOCAB, sequence_accuracy, train_steps

OUT = Path(__file__).resolve().parents[1] / "seqlab" / "transformer" / "pretrained"
CONFIG = dict(src_vocab=VOCAB, tgt_vocab=VOCAB, d_model=32, n_heads=4, d_ff=64, n_layers=2,
              max_len=12, dropout=0.0, label_smoothing=0.1)
SEED, STEPS, BATCH, WARMUP, FACTOR = 0, 1500, 64, 100, 2.0


def main() -> None:
    model = Transformer(TransformerConfig(**CONFIG), seed=SEED, dtype="float32")
    sched = WarmupSchedule(Adam(beta1=0.9, beta2=0.98, eps=1e-9), CONFIG["d_model"], WARMUP,
                           FACTOR)
    start = time.perf_counter()
    losses = train_steps(model, sched, STEPS, BATCH, rng=SEED + 1,
                         callback=lambda s, l: s % 100 == 0 and print(f"step {s}: loss {l:.3f}",
                                                                       flush=True))
    seconds = time.perf_counter() - start
    acc = sequence_accuracy(model, 1000, rng=12345)
    print(f"{STEPS} steps in {seconds:.0f} s; exact-match accuracy {acc:.3f}")
    OUT.mkdir(exist_ok=True)
    save_arrays(OUT / "reversal.npz", model.params,
                {"config": CONFIG, "seed": SEED, "steps": STEPS, "batch": BATCH,
                 "schedule": {"warmup_steps": WARMUP, "factor": FACTOR, "adam": [0.9, 0.98, 1e-9]},
                 "data": "reverse 3-8 random digits (seqlab.transformer.toy.reversal_batch)",
                 "metric": "exact-match accuracy, greedy decoding, 1000 examples, rng 12345",
                 "accuracy": acc, "final_loss": losses[-1],
                 "command": "python tools/train_transformer_toy.py"})


if __name__ == "__main__":
    main()
