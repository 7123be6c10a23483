"""word2vec skip-gram with negative sampling: seqlab (NumPy) vs gensim (compiled), side by side.

Same corpus (``seqlab.data.corpus.load_corpus("both")``, ~1.25M tokens), same settings on both
sides: sg=1, negative=5, window=5, vector_size=100, min_count=5, sample=1e-3, alpha 0.025 ->
1e-4, ns_exponent 0.75, 5 epochs, seed 0; gensim with ``workers=1`` (the machine has 2 shared
cores; seqlab uses one BLAS thread). Runs alternate (gensim, seqlab, gensim, seqlab, ...) so
machine noise hits both alike. Reported per side: words/s (raw corpus tokens x epochs / wall
seconds, and per CPU second: robust to the load of a shared machine), and the analogy accuracy
on the Google questions (``questions-words.txt``) whose four words are all in the vocabulary,
both scored by gensim's ``KeyedVectors.evaluate_word_analogies`` (restrict_vocab=300000,
case_insensitive=True).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_word2vec.py [--repeats 2]

Writes the table to ``benchmarks/results/word2vec.md``. Not a repeated micro-benchmark (each
run trains for minutes), so there is no ``cases()``: ``benchmarks/run.py`` calls :func:`main`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

from seqlab.data.corpus import load_corpus
from seqlab.data.glove import gensim_test_file
from seqlab.embeddings.word2vec import train_word2vec
from seqlab.threads import blas_threads

SETTINGS = dict(vector_size=100, window=5, negative=5, min_count=5, sg=1, hs=0, epochs=5,
                seed=0, sample=1e-3, alpha=0.025, min_alpha=1e-4)
RESULTS = Path(__file__).parent / "results" / "word2vec.md"


def _accuracy(words, vectors) -> tuple[float, int]:
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), np.asarray(vectors, dtype=np.float32))
    score, sections = kv.evaluate_word_analogies(str(gensim_test_file("questions-words.txt")))
    total = next(s for s in sections if s["section"] == "Total accuracy")
    return score, len(total["correct"]) + len(total["incorrect"])


def run_gensim(sentences):
    t0, c0 = time.perf_counter(), time.process_time()
    model = Word2Vec(sentences, workers=1, ns_exponent=0.75, **SETTINGS)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, cpu, _accuracy(model.wv.index_to_key, model.wv.vectors), len(model.wv)


def run_seqlab(sentences, batch_size: int, shared: int):
    t0, c0 = time.perf_counter(), time.process_time()
    with blas_threads(1):
        result = train_word2vec(sentences, batch_size=batch_size, shared_negatives=shared,
                                ns_exponent=0.75, **SETTINGS)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, cpu, _accuracy(result.words, result.vectors), len(result.words)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--shared", type=int, default=4)
    args = parser.parse_args(argv)
    sentences = load_corpus("both")
    words = sum(map(len, sentences)) * SETTINGS["epochs"]
    runs: dict[str, list] = {"gensim": [], "seqlab": []}
    for r in range(args.repeats):
        runs["gensim"].append(run_gensim(sentences))
        runs["seqlab"].append(run_seqlab(sentences, args.batch_size, args.shared))
        for side in runs:
            wall, cpu, (acc, n_q), V = runs[side][-1]
            print(f"repeat {r}: {side}: {wall:.1f} s wall, {cpu:.1f} s CPU, "
                  f"{words / wall:,.0f} words/s, analogy {100 * acc:.2f}% of {n_q}, V={V}",
                  flush=True)
    med = {s: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v),
               statistics.median(x[2][0] for x in v), v[0][2][1], v[0][3])
           for s, v in runs.items()}
    rows = ["| side | words/s (wall) | words/s (CPU) | analogy accuracy | questions | V |",
            "|---|---:|---:|---:|---:|---:|"]
    for side, (wall, cpu, acc, n_q, V) in med.items():
        rows.append(f"| {side} | {words / wall:,.0f} | {words / cpu:,.0f} | {100 * acc:.2f}% "
                    f"| {n_q} | {V} |")
    ratio_wall = med["gensim"][0] / med["seqlab"][0]
    ratio_cpu = med["gensim"][1] / med["seqlab"][1]
    diff = 100 * (med["seqlab"][2] - med["gensim"][2])
    rows.append(f"\nratio seqlab/gensim words/s: **{ratio_wall:.2f}** (wall), "
                f"**{ratio_cpu:.2f}** (CPU); analogy difference {diff:+.2f} points. "
                f"{args.repeats} alternating runs each, median; gensim workers=1; seqlab "
                f"batch_size={args.batch_size}, shared_negatives={args.shared}; "
                f"{words:,} words per run ({SETTINGS['epochs']} epochs).")
    table = "\n".join(rows)
    print(table)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("# word2vec skip-gram (negative sampling): seqlab vs gensim\n\n"
                       + table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
