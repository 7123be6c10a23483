"""Train the shipped date-translation models: human date -> ISO YYYY-MM-DD (course W3A1).

    OPENBLAS_NUM_THREADS=1 python tools/train_dates.py --model attention [--minutes 12]
    OPENBLAS_NUM_THREADS=1 python tools/train_dates.py --model plain [--minutes 12]

``attention``: :class:`seqlab.seq2seq.attention_model.AttentionSeq2Seq` (Bi-LSTM n_a = 32,
additive relu attention n_e = 10, post-attention LSTM n_s = 64, fed y<t-1>); ``plain``: the
encoder-decoder without attention (:class:`seqlab.seq2seq.encoder_decoder.EncoderDecoder`,
Bi-LSTM n_a = 64 -> LSTM n_s = 128), for contrast. Data: :func:`seqlab.data.dates.load_dates`
(20,000 training pairs, seed 0; 2,000 test pairs of held-out dates, seed 0). Writes
``seqlab/seq2seq/pretrained/dates_<model>.npz`` with metadata: seed, data, steps, test
exact-match accuracy and accuracy by input length.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.backend import blas_threads  # noqa: E402
from seqlab.data.dates import date_vocabs, load_dates  # noqa: E402
from seqlab.seq2seq.train import train_seq2seq  # noqa: E402

OUT = ROOT / "seqlab" / "seq2seq" / "pretrained"
LENGTH_BINS = [(1, 10), (11, 15), (16, 20), (21, 25), (26, 30), (31, 45)]


def predictions(model, humans, batch: int = 500) -> list[str]:
    out = []
    for i in range(0, len(humans), batch):
        out += ["".join(t) for t in model.translate(humans[i:i + batch], max_len=12)]
    return out


def accuracy_by_length(humans, isos, preds) -> dict:
    res = {}
    for lo, hi in LENGTH_BINS:
        idx = [i for i, h in enumerate(humans) if lo <= len(h) <= hi]
        if idx:
            res[f"{lo}-{hi}"] = [len(idx), sum(preds[i] == isos[i] for i in idx) / len(idx)]
    return res


def build(kind, src, tgt, seed):
    if kind == "attention":
        from seqlab.seq2seq.attention_model import AttentionSeq2Seq
        return AttentionSeq2Seq(src, tgt, n_a=32, n_s=64, n_e=10, feed_previous=True, rng=seed)
    from seqlab.seq2seq.encoder_decoder import EncoderDecoder
    return EncoderDecoder(src, tgt, n_a=64, n_s=128, kind="lstm", bidirectional=True, rng=seed)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=("attention", "plain"), default="attention")
    ap.add_argument("--minutes", type=float, default=12.0)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-train", type=int, default=20000)
    args = ap.parse_args()
    src, tgt = date_vocabs()
    humans, isos = load_dates("train", args.n_train, seed=args.seed)
    val_h, val_i = load_dates("val", 500, seed=0)
    test_h, test_i = load_dates("test", 2000, seed=0)
    model = build(args.model, src, tgt, args.seed)
    print(model, flush=True)

    def evaluate(m):
        p = predictions(m, val_h)
        return {"val_acc_500": float(np.mean([a == b for a, b in zip(p, val_i, strict=True)]))}

    with blas_threads(1):
        hist = train_seq2seq(model, humans, isos, steps=args.steps, batch_size=64, lr=3e-3,
                             clip=5.0, seed=args.seed, time_limit=60 * args.minutes,
                             evaluate=evaluate, eval_every=1000,
                             log=lambda s: print(s, flush=True))
        preds = predictions(model, test_h)
    acc = float(np.mean([a == b for a, b in zip(preds, test_i, strict=True)]))
    meta = dict(task="dates", model=args.model, seed=args.seed,
                data=f"seqlab.data.dates.load_dates('train', {args.n_train}, seed={args.seed}); "
                     "test: load_dates('test', 2000, seed=0) (held-out dates)",
                steps=hist["steps"], batch_size=64, train_seconds=round(hist["seconds"]),
                final_loss=float(np.mean(hist["loss"][-100:])), test_accuracy=acc,
                test_accuracy_by_length=accuracy_by_length(test_h, test_i, preds),
                evals=hist["evals"], max_len=12,
                command=f"python tools/train_dates.py --model {args.model} --minutes "
                        f"{args.minutes} --steps {args.steps} --seed {args.seed}")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"dates_{args.model}.npz"
    model.save(path, **meta)
    print(f"saved {path} ({path.stat().st_size / 1e6:.2f} MB): test accuracy {acc:.4f}",
          flush=True)
    print(meta["test_accuracy_by_length"], flush=True)


if __name__ == "__main__":
    main()
