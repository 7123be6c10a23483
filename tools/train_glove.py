"""Train GloVe on the ~1.2M-token offline corpus and ship a small result file for notebook 09.

    OPENBLAS_NUM_THREADS=1 python tools/train_glove.py        # about 5 min on one busy core

Writes ``seqlab/embeddings/pretrained/glove_corpus.npz`` (< 1 MB): the vectors of the
``TOP`` most frequent words (float16), the loss per epoch, and in its metadata the settings,
the corpus size, the training time and the analogy accuracy on the Google analogy questions
whose four words are in the whole vocabulary (seqlab's ``KeyedVectors.evaluate_word_analogies``,
3CosAdd, like gensim's). ``benchmarks/bench_glove.py`` calls :func:`train` and :func:`ship` too,
so one run gives the benchmark table and the shipped file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from seqlab.data.corpus import build_vocab, load_corpus
from seqlab.data.glove import gensim_test_file
from seqlab.embeddings import KeyedVectors
from seqlab.embeddings.glove_model import Cooccurrence, cooccurrence, encode, fit_glove
from seqlab.npz import save_arrays

OUT = Path(__file__).resolve().parents[1] / "seqlab" / "embeddings" / "pretrained" / \
    "glove_corpus.npz"
SETTINGS = dict(vector_size=100, window=10, min_count=5, x_max=10.0, alpha=0.75, epochs=15,
                lr=0.05, batch_size=8192, seed=0)
TOP = 4000  # words shipped (float16 vectors): 4000 x 100 x 2 bytes = 0.8 MB before compression


def analogy_accuracy(words, vectors) -> tuple[float, int]:
    """(accuracy, number of questions answered) on questions-words.txt, whole vocabulary."""
    kv = KeyedVectors(words, np.asarray(vectors, dtype=np.float32))
    score, sections = kv.evaluate_word_analogies(gensim_test_file("questions-words.txt"),
                                                 restrict_vocab=len(words))
    total = sections[-1]
    return float(score), len(total["correct"]) + len(total["incorrect"])


def train(sentences, settings=SETTINGS, progress: bool = True) -> dict:
    """Vocabulary, co-occurrences and GloVe training, timed; the analogy accuracy."""
    s = dict(settings)
    start, cpu = time.perf_counter(), time.process_time()
    words, counts = build_vocab(sentences, s["min_count"])
    ids, segment = encode(sentences, words)
    i, j, x = cooccurrence(ids, segment, len(words), s["window"])
    count_s = time.perf_counter() - start
    model = fit_glove(Cooccurrence(i, j, x, words, counts), s["vector_size"], s["x_max"],
                      s["alpha"], s["epochs"], s["lr"], s["batch_size"], s["seed"],
                      progress=progress)
    total_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    accuracy, answered = analogy_accuracy(model.words, model.vectors)
    return dict(model=model, counts=counts, tokens=int(ids.size), nnz=int(x.size),
                count_s=count_s, train_s=total_s, cpu_s=cpu_s, accuracy=accuracy,
                answered=answered)


def ship(result: dict, settings=SETTINGS, path: Path = OUT, top: int = TOP) -> Path:
    """Save the top words' vectors (float16), the losses and the metrics with save_arrays."""
    model = result["model"]
    meta = dict(settings, data="seqlab.data.corpus.load_corpus('both')", tokens=result["tokens"],
                vocab=len(model.words), nnz=result["nnz"], top=top,
                train_seconds=round(result["train_s"], 1), cpu_seconds=round(result["cpu_s"], 1),
                analogy_accuracy=result["accuracy"], analogy_questions=result["answered"],
                metric="Google analogies (questions-words.txt), 3CosAdd, questions whose 4 "
                       "words are in the vocabulary", script="tools/train_glove.py")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_arrays(path, {"words": np.array(model.words[:top]),
                       "vectors": np.asarray(model.vectors[:top], dtype=np.float16),
                       "counts": np.asarray(result["counts"][:top]),
                       "losses": np.asarray(model.losses)}, meta)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=SETTINGS["epochs"])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    settings = dict(SETTINGS, epochs=args.epochs)
    result = train(load_corpus("both"), settings)
    print(f"{result['tokens']:,} tokens, V = {len(result['model'].words):,}, "
          f"nnz = {result['nnz']:,}; {result['train_s']:.0f} s ({result['cpu_s']:.0f} s CPU); "
          f"analogy accuracy "
          f"{100 * result['accuracy']:.2f}% on {result['answered']} questions")
    print("written to", ship(result, settings, args.out))


if __name__ == "__main__":
    main()
