"""Train the image captioner of notebook 18 and ship it: seqlab/seq2seq/pretrained/captioning.npz.

    OPENBLAS_NUM_THREADS=1 python tools/train_captioning.py            # ~3-5 min on one core

Data: :func:`seqlab.data.scenes.scene_splits` (train/val/test = seeds 0/1/2, 24x24 images).
Model: :class:`seqlab.seq2seq.captioning.ImageCaptioner`, a two-layer ConvNet whose code is
the first state (a<0>, c<0>) of an LSTM decoder; Adam, float32. The metadata holds the seed,
the data arguments and the test BLEU / exact-match for greedy and beam search, which
tests/test_captioning.py re-computes from the file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from seqlab.data.scenes import scene_splits, scene_vocab
from seqlab.seq2seq.captioning import ImageCaptioner, caption_metrics, train_captioner

OUT = Path(__file__).resolve().parents[1] / "seqlab" / "seq2seq" / "pretrained" / "captioning.npz"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--n-train", type=int, default=4000)
    ap.add_argument("--n-a", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    data = {"generator": "seqlab.data.scenes.scene_splits", "seed": 0, "size": 24,
            "n_train": args.n_train, "n_val": 300, "n_test": 500}
    splits = scene_splits(data["n_train"], data["n_val"], data["n_test"], data["seed"],
                          data["size"])
    model = ImageCaptioner(scene_vocab(), n_a=args.n_a, kind="lstm", rng=args.seed)
    print(model)

    def val(m):
        r = caption_metrics(m, splits["val"])
        return {"val_bleu": round(r["bleu"], 4), "val_exact": round(r["exact"], 4)}

    hist = train_captioner(model, splits["train"], steps=args.steps, batch_size=64, lr=3e-3,
                           seed=args.seed, evaluate=val, eval_every=1000)
    meta = {"seed": args.seed, "data": data, "steps": hist["steps"],
            "train_seconds": round(hist["seconds"], 1),
            "final_loss": float(np.mean(hist["loss"][-100:]))}
    for B in (1, 3):
        r = caption_metrics(model, splits["test"], beam_width=B, alpha=0.7)
        name = "greedy" if B == 1 else f"beam{B}"
        meta[f"test_bleu_{name}"], meta[f"test_exact_{name}"] = r["bleu"], r["exact"]
        print(f"test {name}: BLEU-4 {r['bleu']:.4f}, exact match {r['exact']:.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out, **meta)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
