"""GloVe training on the ~1.2M-token offline corpus: time and analogy accuracy, next to gensim.

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_glove.py [--ship]

gensim has no GloVe, so the reference beside it is gensim's ``Word2Vec`` (skip-gram, negative
sampling with 5 negatives, window 5, d = 100, min_count 5, 5 epochs, one worker thread) trained
on the same sentences in the same run: two different algorithms, compared on training time and
on the Google analogy questions (``questions-words.txt``) whose four words both vocabularies
cover (both have min_count 5 on the same corpus, so the same words), scored with gensim's own
``KeyedVectors.evaluate_word_analogies`` for both. seqlab's GloVe settings are those of
``tools/train_glove.py``; ``--ship`` also writes the notebook's result file from this run.

Not a repeated micro-benchmark: each side trains once (minutes), so there is no ``cases()``:
``benchmarks/run.py`` calls :func:`main` and adds what it prints under the table.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("train_glove", ROOT / "tools" / "train_glove.py")
train_glove = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train_glove)


def gensim_accuracy(words, vectors) -> tuple[float, int]:
    from gensim.models import KeyedVectors

    from seqlab.data.glove import gensim_test_file

    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), np.asarray(vectors, dtype=np.float32))
    score, sections = kv.evaluate_word_analogies(str(gensim_test_file("questions-words.txt")),
                                                 restrict_vocab=len(words))
    return float(score), len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ship", action="store_true", help="also write the notebook's file")
    parser.add_argument("--epochs", type=int, default=train_glove.SETTINGS["epochs"])
    args = parser.parse_args(argv)
    from gensim.models import Word2Vec

    from seqlab.data.corpus import load_corpus

    settings = dict(train_glove.SETTINGS, epochs=args.epochs)
    sentences = load_corpus("both")
    n_tokens = sum(map(len, sentences))
    load = os.getloadavg()[0]
    print(f"corpus: {len(sentences):,} sentences, {n_tokens:,} tokens; load average {load:.1f} "
          f"(shared 2-core machine); OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}", flush=True)

    glove = train_glove.train(sentences, settings, progress=False)
    ours_acc, ours_n = gensim_accuracy(glove["model"].words, glove["model"].vectors)
    print(f"seqlab GloVe done: {glove['train_s']:.1f} s", flush=True)

    start, cpu = time.perf_counter(), time.process_time()
    w2v = Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=1, negative=5,
                   epochs=5, workers=1, seed=0)
    w2v_s, w2v_cpu = time.perf_counter() - start, time.process_time() - cpu
    ref_acc, ref_n = gensim_accuracy(w2v.wv.index_to_key, w2v.wv.vectors)

    s = settings
    rows = [
        "| model | settings | training time (wall) | CPU time | analogy accuracy | questions |",
        "|---|---|---:|---:|---:|---:|",
        f"| seqlab GloVe (NumPy) | d={s['vector_size']}, window={s['window']}, x_max="
        f"{s['x_max']:g}, α={s['alpha']}, {s['epochs']} epochs, AdaGrad lr={s['lr']}, batch "
        f"{s['batch_size']} | {glove['train_s']:.1f} s (counting {glove['count_s']:.1f} s) | "
        f"{glove['cpu_s']:.1f} s | {100 * ours_acc:.2f}% | {ours_n} |",
        f"| gensim Word2Vec (compiled; gensim has no GloVe) | skip-gram, 5 negatives, window 5, "
        f"d=100, 5 epochs, 1 worker | {w2v_s:.1f} s | {w2v_cpu:.1f} s | {100 * ref_acc:.2f}% | "
        f"{ref_n} |",
    ]
    print("\n".join(["", *rows, "",
                     f"GloVe: V = {len(glove['model'].words):,}, {glove['nnz']:,} nonzero X_ij "
                     f"(both directions); CPU-time ratio seqlab GloVe / gensim Word2Vec = "
                     f"{glove['cpu_s'] / w2v_cpu:.2f} (wall {glove['train_s'] / w2v_s:.2f}); "
                     f"seqlab's own KeyedVectors gives "
                     f"{100 * glove['accuracy']:.2f}% for GloVe; load average at the end "
                     f"{os.getloadavg()[0]:.1f}"]), flush=True)
    if args.ship:
        print("written to", train_glove.ship(glove, settings))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
