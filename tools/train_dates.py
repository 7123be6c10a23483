"""Train the shipped date-translation models: human date -> ISO YYYY-MM-DD (course W3A1).

    OPENBLAS_NUM_THREADS=1 python tools/train_dates.py --model attention --seed 2
    OPENBLAS_NUM_THREADS=1 python tools/train_dates.py --model attention --energy relu \
        --freeze-encoder 0 --steps 5000          # the course's recipe, for comparison
    OPENBLAS_NUM_THREADS=1 python tools/train_dates.py --model plain [--minutes 12]

``attention``: :class:`seqlab.seq2seq.attention_model.AttentionSeq2Seq` (Bi-LSTM n_a = 32,
additive attention n_e = 10 with a linear energy (``--energy identity``; ``--energy relu`` is
the course's, whose energies die, module notes), post-attention LSTM n_s = 64, fed y<t-1>;
the encoder frozen for the first 500 steps, ``--freeze-encoder``, module notes);
``plain``: the encoder-decoder without attention
(:class:`seqlab.seq2seq.encoder_decoder.EncoderDecoder`, Bi-LSTM n_a = 64 -> LSTM n_s = 128),
for contrast. Data: :func:`seqlab.data.dates.load_dates` (20,000 training pairs, seed 0; 2,000
test pairs of held-out dates, seed 0). Writes ``seqlab/seq2seq/pretrained/dates_<model>.npz``
with metadata: seed, command, data, steps, test exact-match accuracy and accuracy by input
length, validation accuracy every ``--eval-every`` steps, and for the attention model the
alignment score of α (:mod:`seqlab.seq2seq.alignment`) on the validation dates at every
evaluation and on the 2,000 test dates at the end.

One seed and one number of steps give one model on one machine: minibatches and
initialisation come from ``--seed``, the training set from ``--data-seed`` (0, the plain
model's and notebook 26's Transformer's), and no time limit cuts the run unless ``--minutes``
is given (then the metadata says where it stopped): two runs of ``--model attention --seed
0`` here gave bitwise-equal parameters. The shipped command took 873 s (3,000 steps,
evaluations every 100) on a 2-core machine under a load of 6-11. (The shipped plain model
was cut by ``--minutes 11`` at step 3,616 of 5,000.)

Notes
-----
Differs from the course, so that α shows what the model reads (notebook 17, section 5 measures
it with :mod:`seqlab.seq2seq.alignment`):

1. The energy is linear (``--energy identity``), not the course's Dense(1, relu). The relu
   model this script used to ship (seed 0, 4,502 steps) had every energy at 0 at 5 of its 11
   output steps (the dashes, the month, the day's first digit) for each of 500 test dates, and
   at 2 more for 98-99 % of them: relu's dead zone, α exactly uniform (1/T_x), no gradient back
   through the relu; the decoder read the month and day from the mean of the Bi-LSTM states.
2. The encoder is frozen for the first 500 steps (``--freeze-encoder``). A Bi-LSTM state
   carries its neighbours, its forward half everything read so far, so trained end to end
   from the start the decoder can read the month from wherever it looks. Runs with the
   linear energy and no freeze put little of the month's and day's α on their fields: seed 1
   0.19-0.54 after 1,500 steps, seed 2 0.03-0.07 after 750 (less than uniform α gives), seed
   0 with n_e = 32 0.05-0.10, looking at the year instead; with the freeze, seeds 1 and 2
   reached an alignment mass of 0.90 and 0.94 in 1,500 steps (these runs drew their training
   set with the same seed).

Neither guarantees alignment: with seed 0 and the freeze the tanh units of the energy saturate
at the month and day steps (|W_e1 [s; a] + b_e1| about 6 whatever a is), the energies are flat
and α is nearly uniform there (alignment mass 0.62 on the test dates, the month's and day's at
the uniform share). Seeds 1 and 2 align (alignment mass 0.943 and 0.964 on the test dates,
both exact match 1.000); the shipped file is seed 2: in seed 1 the '0' of "03" in
"3 may 1979" puts only 0.21 of its α on the '3'.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.data.dates import ISO_FIELDS, date_vocabs, load_dates  # noqa: E402
from seqlab.seq2seq.alignment import date_alignment  # noqa: E402
from seqlab.seq2seq.train import train_seq2seq  # noqa: E402
from seqlab.threads import blas_threads  # noqa: E402

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


def alignment_meta(model, humans, isos, info) -> dict:
    """The alignment score as stored: mass and argmax (eq. 3 of seqlab.seq2seq.alignment) and
    the mass per output position (None for the dashes)."""
    s = date_alignment(model, humans, isos, info)
    return {"align_mass": s.mass, "align_argmax": s.argmax,
            "align_mass_by_output": [None if np.isnan(v) else float(v)
                                     for v in s.mass_by_output]}


def build(kind, src, tgt, seed, energy="identity"):
    if kind == "attention":
        from seqlab.seq2seq.attention_model import AttentionSeq2Seq
        return AttentionSeq2Seq(src, tgt, n_a=32, n_s=64, n_e=10, energy_activation=energy,
                                feed_previous=True, rng=seed)
    from seqlab.seq2seq.encoder_decoder import EncoderDecoder
    return EncoderDecoder(src, tgt, n_a=64, n_s=128, kind="lstm", bidirectional=True, rng=seed)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=("attention", "plain"), default="attention")
    ap.add_argument("--minutes", type=float, default=None,
                    help="stop after this many minutes (the run is then not reproducible)")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0, help="initialisation and minibatches")
    ap.add_argument("--data-seed", type=int, default=0,
                    help="the training set, load_dates('train', n, seed=DATA_SEED)")
    ap.add_argument("--n-train", type=int, default=20000)
    ap.add_argument("--energy", choices=("identity", "relu"), default="identity",
                    help="the attention energy's activation (relu: the course's)")
    ap.add_argument("--freeze-encoder", type=int, default=500,
                    help="first steps with the encoder frozen (attention model; 0: none)")
    ap.add_argument("--eval-every", type=int, default=100)
    ap.add_argument("--out", type=Path, default=None,
                    help="where to write (default seqlab/seq2seq/pretrained/dates_<model>.npz)")
    args = ap.parse_args()
    attention = args.model == "attention"
    src, tgt = date_vocabs()
    humans, isos = load_dates("train", args.n_train, seed=args.data_seed)
    val_h, val_i, val_info = load_dates("val", 500, seed=0, with_info=True)
    test_h, test_i, test_info = load_dates("test", 2000, seed=0, with_info=True)
    model = build(args.model, src, tgt, args.seed, args.energy)
    print(model, flush=True)

    def evaluate(m):
        p = predictions(m, val_h)
        res = {"val_acc_500": float(np.mean([a == b for a, b in zip(p, val_i, strict=True)]))}
        if attention:
            s = date_alignment(m, val_h, val_i, val_info)
            res.update(val_align_mass=round(s.mass, 4), val_align_argmax=round(s.argmax, 4),
                       val_align_mass_by_field={f: round(v, 4) for f, v in
                                                s.mass_by_field(ISO_FIELDS).items()})
        return res

    with blas_threads(1):
        hist = train_seq2seq(model, humans, isos, steps=args.steps, batch_size=64, lr=3e-3,
                             clip=5.0, seed=args.seed,
                             time_limit=None if args.minutes is None else 60 * args.minutes,
                             evaluate=evaluate, eval_every=args.eval_every,
                             log=lambda s: print(s, flush=True),
                             freeze_encoder=args.freeze_encoder if attention else 0)
        preds = predictions(model, test_h)
        align = alignment_meta(model, test_h, test_i, test_info) if attention else {}
    acc = float(np.mean([a == b for a, b in zip(preds, test_i, strict=True)]))
    command = (f"python tools/train_dates.py --model {args.model} --steps {args.steps} "
               f"--seed {args.seed} --data-seed {args.data_seed} --n-train {args.n_train} "
               f"--eval-every {args.eval_every}"
               + (f" --energy {args.energy} --freeze-encoder {args.freeze_encoder}"
                  if attention else "")
               + (f" --minutes {args.minutes}" if args.minutes is not None else ""))
    meta = dict(task="dates", model=args.model, seed=args.seed, data_seed=args.data_seed,
                data=f"seqlab.data.dates.load_dates('train', {args.n_train}, "
                     f"seed={args.data_seed}); "
                     "test: load_dates('test', 2000, seed=0) (held-out dates)",
                steps=hist["steps"], stopped_by_time_limit=hist["steps"] < args.steps,
                batch_size=64, train_seconds=round(hist["seconds"]),
                final_loss=float(np.mean(hist["loss"][-100:])), test_accuracy=acc,
                test_accuracy_by_length=accuracy_by_length(test_h, test_i, preds),
                evals=hist["evals"], max_len=12, command=command,
                freeze_encoder=args.freeze_encoder if attention else 0, **align)
    path = args.out or OUT / f"dates_{args.model}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path, **meta)
    print(f"saved {path} ({path.stat().st_size / 1e6:.2f} MB): test accuracy {acc:.4f}",
          flush=True)
    print(meta["test_accuracy_by_length"], flush=True)
    if attention:
        print(f"alignment on the test dates: mass {align['align_mass']:.4f}, argmax "
              f"{align['align_argmax']:.4f}", flush=True)


if __name__ == "__main__":
    main()
