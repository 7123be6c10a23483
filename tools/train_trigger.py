"""Train the trigger-word detector that notebook 22 ships, and measure its held-out F1.

Data (:mod:`seqlab.data.trigger`): "activate"s and negative words spoken by espeak-ng voices
of the TRAINING split (``seqlab.data.speech.TRAIN_VARIANTS``), pasted into 10 s noise clips;
labels 1 for 10 output steps (364 ms) after each "activate". Model
(:mod:`seqlab.speech.trigger`): Conv1D(64, 15, stride 4) -> ReLU -> dropout -> GRU(64) ->
dropout -> GRU(64) -> sigmoid per step, trained with Adam on the binary cross-entropy.
Every ``--eval-every`` updates the F1 of detections is measured on validation clips (training
voices, other clips); the best params are kept. At the end the F1 is measured on HELD-OUT
clips: words by voices never heard in training (``HELD_OUT_VARIANTS``), new clips.

Writes ``seqlab/speech/pretrained/trigger.npz`` (float32 params; config, seeds, losses,
precision/recall/F1 in the metadata). Usage::

    python tools/train_trigger.py                 # ~12 min on a busy 2-core machine
    python tools/train_trigger.py --minutes 2     # a quick one
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.data import trigger as data  # noqa: E402
from seqlab.npz import save_arrays  # noqa: E402
from seqlab.optim import Adam, clip_by_norm  # noqa: E402
from seqlab.speech import trigger as model  # noqa: E402

OUT = ROOT / "seqlab" / "speech" / "pretrained" / "trigger.npz"
# The held-out sets: voices never heard in training. "small" is what notebook 22 and the tests
# recompute live (few clips: the speech cache is cold in CI).
HELD_OUT = {"seed": 7, "n_activates": 80, "n_negatives": 160, "n_clips": 200}
SMALL = {"seed": 11, "n_activates": 16, "n_negatives": 16, "n_clips": 24}


def scores(params, X, examples, threshold=0.5):
    """Detection precision / recall / F1 (:func:`seqlab.speech.trigger.evaluate`)."""
    return model.evaluate(model.predict(X, params), [[e for _, e in ex.activates]
                                                     for ex in examples], threshold)


def held_out(spec):
    pool = data.word_pool("test", spec["n_activates"], spec["n_negatives"], seed=spec["seed"])
    return data.make_dataset(spec["n_clips"], pool, seed=spec["seed"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--clips", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--pos-weight", type=float, default=2.0)
    ap.add_argument("--n-f", type=int, default=64)
    ap.add_argument("--n-a", type=int, default=64)
    ap.add_argument("--minutes", type=float, default=12.0)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    pool = data.word_pool("train", 300, 600, seed=args.seed, progress=True)
    X, Y, _ = data.make_dataset(args.clips, pool, seed=args.seed, progress=True)
    Xv, _, ex_v = data.make_dataset(100, pool, seed=args.seed + 1000)
    print(f"data ready in {time.perf_counter() - t0:.0f} s: X {X.shape}, "
          f"{Y.mean():.3f} of the steps are positive", flush=True)

    params = model.init_trigger_params(data.N_MELS, args.n_f, args.n_a, args.seed)
    opt = Adam(lr=args.lr)
    rng = np.random.default_rng(args.seed)
    best, best_f1, losses, history = None, -1.0, [], []
    t_train, step = time.perf_counter(), 0
    while time.perf_counter() - t_train < args.minutes * 60:
        for idx in np.array_split(rng.permutation(X.shape[1]), X.shape[1] // args.batch):
            loss, grads = model.trigger_loss(X[:, idx], Y[:, idx], params, args.dropout, rng,
                                             True, args.pos_weight)
            clip_by_norm(grads, 5.0)
            opt.step(params, grads)
            losses.append(float(loss))
            step += 1
            if step % args.eval_every == 0:
                s = scores(params, Xv, ex_v)
                history.append((step, s["f1"]))
                if s["f1"] >= best_f1:
                    best_f1, best = s["f1"], {k: v.copy() for k, v in params.items()}
                print(f"step {step}: loss {np.mean(losses[-args.eval_every:]):.4f}, val F1 "
                      f"{s['f1']:.3f} (P {s['precision']:.3f} R {s['recall']:.3f}), "
                      f"{time.perf_counter() - t_train:.0f} s", flush=True)
            if time.perf_counter() - t_train > args.minutes * 60:
                break
    s = scores(params, Xv, ex_v)
    if s["f1"] >= best_f1 or best is None:
        best_f1, best = s["f1"], params
    Xh, _, ex_h = held_out(HELD_OUT)
    h = scores(best, Xh, ex_h)
    Xs, _, ex_s = held_out(SMALL)
    sm = scores(best, Xs, ex_s)
    print(f"held-out F1 {h['f1']:.3f} (P {h['precision']:.3f}, R {h['recall']:.3f}; "
          f"{h['tp']} TP, {h['fp']} FP, {h['fn']} FN); small set F1 {sm['f1']:.3f}", flush=True)
    meta = {"seed": args.seed, "steps": step, "batch": args.batch, "lr": args.lr,
            "dropout": args.dropout, "pos_weight": args.pos_weight, "n_f": args.n_f,
            "n_a": args.n_a, "n_clips": args.clips, "threshold": 0.5, "refractory": 15,
            "val_f1": best_f1, "history": history, "loss_first": float(np.mean(losses[:20])),
            "loss_last": float(np.mean(losses[-20:])),
            "held_out": {**HELD_OUT, **h}, "small": {**SMALL, **sm},
            "f1": h["f1"], "precision": h["precision"], "recall": h["recall"],
            "train_minutes": round((time.perf_counter() - t_train) / 60, 1),
            "data": "espeak-ng words (train voices) in NumPy noise; held-out: unseen voices",
            "command": "python tools/train_trigger.py"}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    save_arrays(args.out, {k: v.astype(np.float32) for k, v in best.items()}, meta)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1e3:.0f} KB)")


if __name__ == "__main__":
    main()
