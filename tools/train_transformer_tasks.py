"""Train the shipped Transformers of notebook 26: date translation and number words -> digits.

    OPENBLAS_NUM_THREADS=1 python tools/train_transformer_tasks.py --task dates --steps 3000
    OPENBLAS_NUM_THREADS=1 python tools/train_transformer_tasks.py --task numbers --steps 6000

    OPENBLAS_NUM_THREADS=1 python tools/train_transformer_tasks.py --task tiny

``tiny``: the tiny model of notebook 26's section 1 (1 layer each side, d_model = 32, numbers
below 1000, the recipe the notebook trains live for 300 steps) stopped after 120 steps, while
it still makes mistakes: the notebook's greedy-vs-beam comparison needs a model whose greedy
answers beam search can fix, the same one on every CPU (a model trained live comes out
different on each floating-point path, and after 300 steps it may make no mistakes at all).
Writes ``numbers_tiny.npz`` (about 0.1 MB) with its greedy and beam results on the notebook's
200 validation numbers (``tests/test_transformer_tasks.py`` checks that they survive weight
perturbations far larger than the rounding differences between CPU paths).

``dates``: the data of Week 3's RNN with attention (``tools/train_dates.py``):
:func:`seqlab.data.dates.load_dates` ('train', 20000, seed 0); test: ('test', 2000, seed 0),
held-out dates. ``numbers``: :func:`seqlab.data.numbers.load_numbers` ('train', 50000, seed 0,
up to 9 digits, English, 30 % zero-rich numbers); test: ('test', 2000, seed 0), held-out
numbers with uniform digits, and ('test', 1000, seed 0, zeros=1.0), zero-rich ones.

The model: 2 encoder + 2 decoder layers, d_model = 64, 4 heads, d_ff = 128, dropout 0.1, label
smoothing 0.1; Adam(0.9, 0.98, 1e-9) with the warm-up schedule (400 steps, factor 1), batches
of 64, a fixed number of steps (so one command gives one file; ``--minutes`` only caps the
wall clock). Writes ``seqlab/transformer/pretrained/<task>.npz`` (float32 weights) with
metadata: seed, data, steps, training seconds (wall clock and CPU), test exact match and
character error rate (greedy), the same for beam search (width 4) on the first 300 test pairs,
accuracy by length. ``--reevaluate`` re-measures the test results of a saved file.

    OPENBLAS_NUM_THREADS=1 python tools/train_transformer_tasks.py --task dates --time-steps

adds to ``dates.npz``'s metadata the CPU seconds per training step (batch 64, 20 steps, same
batches, one process, back to back) of a fresh Transformer and of a fresh Week 3
``AttentionSeq2Seq`` (the configuration of ``tools/train_dates.py``): wall-clock training times
taken on a shared machine under different loads are not comparable, CPU time per step is.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.transformer.tasks import TaskModel, score, train_task  # noqa: E402

OUT = ROOT / "seqlab" / "transformer" / "pretrained"
CONFIG = dict(d_model=64, n_heads=4, d_ff=128, n_layers=2, dropout=0.1, label_smoothing=0.1)
TASKS = {
    "dates": dict(tokenizer="chars", max_len=48, out_len=11, n_train=20000),
    "numbers": dict(tokenizer="words", max_len=32, out_len=10, n_train=50000, zeros=0.3),
}


def load(task: str, split: str, n: int, seed: int = 0, zeros: float | None = None):
    """Pairs of a split; numbers: ``zeros`` zero-rich share (default: the training mix)."""
    if task == "dates":
        from seqlab.data.dates import load_dates
        return load_dates(split, n, seed=seed)
    from seqlab.data.numbers import load_numbers
    z = TASKS["numbers"]["zeros"] if zeros is None else zeros
    return load_numbers(split, n, seed=seed, max_digits=9, lang="en", zeros=z)


def vocabs(task: str):
    if task == "dates":
        from seqlab.data.dates import date_vocabs
        return date_vocabs()
    from seqlab.data.numbers import number_vocabs
    return number_vocabs("en")


def by_length(task, sources, refs, preds) -> dict:
    """Exact match per output length (numbers: digit count) or per input length (dates)."""
    key = (lambda s, r: len(r)) if task == "numbers" else (lambda s, r: (len(s) - 1) // 10)
    groups: dict = {}
    for s, r, p in zip(sources, refs, preds, strict=True):
        groups.setdefault(key(s, r), []).append(p == r)
    name = "{}" if task == "numbers" else "{}0s"
    return {name.format(k): [len(v), statistics.fmean(v)] for k, v in sorted(groups.items())}


def time_steps(n_steps: int = 20) -> None:
    """CPU seconds per training step of both date models, written into dates.npz's metadata."""
    import time

    from seqlab.optim import Adam
    from seqlab.seq2seq.attention_model import AttentionSeq2Seq
    from seqlab.threads import blas_threads

    path = OUT / "dates.npz"
    task = TaskModel.load(path)
    src, tgt = vocabs("dates")
    rnn = AttentionSeq2Seq(src, tgt, n_a=32, n_s=64, n_e=10, feed_previous=True, rng=0)
    sources, targets = load("dates", "train", 64 * n_steps)
    batches = [(sources[i:i + 64], targets[i:i + 64]) for i in range(0, 64 * n_steps, 64)]
    result = {}
    with blas_threads(1):
        for name, model, make, loss in (
                ("transformer", task.model, task.batch, lambda b: task.model.loss(b)),
                ("rnn_attention", rnn, rnn.batch, rnn.loss)):
            opt = Adam(1e-3)
            start = time.process_time()
            for s, t in batches:
                _, grads = loss(make(s, t))
                opt.step(model.params, grads)
            result[name] = (time.process_time() - start) / n_steps
    task.model.params = TaskModel.load(path).model.params        # unchanged weights saved back
    task.save(path, step_cpu_seconds=result, step_cpu_seconds_note=f"{n_steps} steps of batch "
              "64, CPU time (process_time), one BLAS thread, same batches")
    print(result, flush=True)


# Notebook 26, section 1: the tiny model and its training run (the notebook shows this code).
TINY = dict(config=dict(d_model=32, n_heads=4, d_ff=64, n_layers=1, max_len=32, dropout=0.0,
                        label_smoothing=0.1),
            train=dict(batch_size=32, warmup_steps=100, factor=1.0, seed=0),
            data=dict(n=2000, seed=0, max_digits=3), steps=120)


def train_tiny() -> None:
    """The tiny numbers model after ``TINY['steps']`` steps -> pretrained/numbers_tiny.npz."""
    from seqlab.data.numbers import load_numbers, number_vocabs

    src_vocab, tgt_vocab = number_vocabs("en")
    task = TaskModel.create(src_vocab, tgt_vocab, "words", seed=0, **TINY["config"])
    words, digits = load_numbers("train", **TINY["data"])
    hist = train_task(task, words, digits, steps=TINY["steps"], **TINY["train"])
    val_w, val_d = load_numbers("val", 200, seed=0, max_digits=3)
    greedy = task.greedy(val_w, max_len=4)
    beam = [task.beam(w, beam_width=4, max_len=4)[0] for w in val_w]
    path = OUT / "numbers_tiny.npz"
    task.meta.update(task="numbers_tiny", steps=TINY["steps"], recipe=TINY,
                     final_loss=statistics.fmean(hist["loss"][-10:]),
                     val200_greedy=score(greedy, val_d), val200_beam4=score(beam, val_d),
                     val200_beam_changed=sum(g != b for g, b in zip(greedy, beam, strict=True)),
                     command="python tools/train_transformer_tasks.py --task tiny")
    task.save(path)
    print(f"saved {path} ({path.stat().st_size / 1e6:.2f} MB): {task.meta}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", choices=sorted([*TASKS, "tiny"]), required=True)
    ap.add_argument("--minutes", type=float, default=40.0, help="wall-clock safety cap")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-steps", action="store_true", help="dates only: CPU s per step")
    ap.add_argument("--out", default=None, help="output file (default: pretrained/<task>.npz)")
    ap.add_argument("--reevaluate", action="store_true",
                    help="only re-measure the test results of the saved file")
    args = ap.parse_args()
    if args.task == "tiny":
        train_tiny()
        return
    if args.time_steps:
        time_steps()
        return
    if args.reevaluate:
        path = Path(args.out) if args.out else OUT / f"{args.task}.npz"
        evaluate_and_save(TaskModel.load(path), path)
        return
    spec = TASKS[args.task]
    src_vocab, tgt_vocab = vocabs(args.task)
    sources, targets = load(args.task, "train", spec["n_train"], args.seed)
    val_s, val_t = load(args.task, "val", 500)
    task = TaskModel.create(src_vocab, tgt_vocab, spec["tokenizer"], seed=args.seed,
                            max_len=spec["max_len"], **CONFIG)
    print(task, flush=True)

    def evaluate(t):
        return {"val_exact_500": score(t.greedy(val_s, spec["out_len"]), val_t)["exact_match"]}

    hist = train_task(task, sources, targets, steps=args.steps, batch_size=64, warmup_steps=400,
                      factor=1.0, seed=args.seed, time_limit=60 * args.minutes,
                      evaluate=evaluate, eval_every=500, log=lambda s: print(s, flush=True))
    zeros = f", zeros={spec['zeros']}" if "zeros" in spec else ""
    meta = dict(task=args.task, seed=args.seed, config=dict(CONFIG, max_len=spec["max_len"]),
                data=f"{'load_dates' if args.task == 'dates' else 'load_numbers'}('train', "
                     f"{spec['n_train']}, seed={args.seed}{zeros}); test: ('test', 2000, seed=0)",
                steps=hist["steps"], batch_size=64,
                schedule={"warmup_steps": 400, "factor": 1.0, "adam": [0.9, 0.98, 1e-9]},
                train_seconds=round(hist["seconds"]),
                train_cpu_seconds=round(hist["cpu_seconds"]),
                final_loss=statistics.fmean(hist["loss"][-100:]),
                loss_every_50=[round(x, 4) for x in hist["loss"][::50]],
                evals=hist["evals"], out_len=spec["out_len"],
                command=f"python tools/train_transformer_tasks.py --task {args.task} "
                        f"--steps {args.steps} --seed {args.seed}")
    OUT.mkdir(parents=True, exist_ok=True)
    path = Path(args.out) if args.out else OUT / f"{args.task}.npz"
    task.meta.update(meta)
    evaluate_and_save(task, path)


def evaluate_and_save(task: TaskModel, path: Path) -> None:
    """Test results (greedy on 2000 test pairs, greedy and beam 4 on the first 300) into the
    metadata; the weights are saved unchanged."""
    name, out_len = task.meta["task"], task.meta["out_len"]
    test_s, test_t = load(name, "test", 2000, zeros=0.0)
    preds = task.greedy(test_s, out_len)
    extra = {}
    if name == "numbers":                   # numbers with runs of zeros, rare when uniform
        z_s, z_t = load(name, "test", 1000, zeros=1.0)
        extra["test_zero_rich_1000"] = score(task.greedy(z_s, out_len), z_t)
    greedy = score(preds, test_t)
    beam = score([task.beam(s, 4, out_len)[0] for s in test_s[:300]], test_t[:300])
    greedy300 = score(preds[:300], test_t[:300])
    task.save(path, test_exact_match=greedy["exact_match"], test_cer=greedy["cer"],
              test300_greedy=greedy300, test300_beam4=beam,
              test_by_length=by_length(name, test_s, test_t, preds), **extra,
              metric="exact match and character error rate, greedy decoding, 2000 test pairs; "
                     "beam search width 4, alpha 0.7, on the first 300; decoding never emits "
                     "pad or bos (TaskModel.step); numbers: test pairs uniform (zeros=0), "
                     "test_zero_rich_1000: load_numbers('test', 1000, seed=0, zeros=1.0)")
    print(f"saved {path} ({path.stat().st_size / 1e6:.2f} MB): greedy {greedy}, "
          f"beam4 (300) {beam}, greedy (300) {greedy300}", flush=True)
    print(by_length(name, test_s, test_t, preds), flush=True)

if __name__ == "__main__":
    main()
