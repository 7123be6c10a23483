"""Google analogy set on the top 100k GloVe 50d words: seqlab vs gensim's KeyedVectors.

The same work on both sides, on the same float32 vectors: ``evaluate_word_analogies(
questions-words.txt, restrict_vocab=100_000)`` (3CosAdd, input words excluded, questions with
a word outside the first 100k skipped), from a fresh model each call so that neither side
keeps its normalised vectors between calls (gensim caches its norms; seqlab caches the unit
rows: both are rebuilt per call). seqlab batches each block of questions into one GEMM;
gensim answers one question at a time (a matrix-vector product and an argpartition each).

Units are questions answered. Before timing, both scores and every section's lists of correct
and incorrect questions are asserted identical. Target (issue 4): seqlab not slower than 2x
gensim, i.e. ratio >= 0.5.

Run alone: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_analogy.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gensim.models import KeyedVectors as GensimKeyedVectors

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import HEADER, Case, measure  # noqa: E402

from seqlab.data.glove import gensim_test_file, load_glove  # noqa: E402
from seqlab.embeddings.keyed_vectors import KeyedVectors  # noqa: E402

TOP = 100_000
REPEATS = 3  # one call takes seconds (gensim ~10 s on a loaded core)
_SCORES: dict[str, tuple] = {}


def _gensim(words, vectors):
    g = GensimKeyedVectors(vectors.shape[1])
    g.add_vectors(words, vectors)
    return g


def cases() -> list[Case]:
    words, vectors = load_glove(top=TOP)
    path = str(gensim_test_file("questions-words.txt"))

    def ours():
        return KeyedVectors(words, vectors).evaluate_word_analogies(path, restrict_vocab=TOP)

    def ref():
        return _gensim(words, vectors).evaluate_word_analogies(path, restrict_vocab=TOP)

    (s1, sec1), (s2, sec2) = ours(), ref()
    assert s1 == s2, (s1, s2)
    for a, b in zip(sec1, sec2, strict=True):
        assert (a["section"], a["correct"], a["incorrect"]) == (
            b["section"], b["correct"], b["incorrect"]), a["section"]
    n = len(sec1[-1]["correct"]) + len(sec1[-1]["incorrect"])
    _SCORES["analogy"] = (s1, n)
    return [Case(f"Google analogies, top {TOP:,} GloVe 50d (restrict_vocab={TOP:,})", ours, ref,
                 "gensim 4.4 KeyedVectors", units=n, unit_name="questions")]


def notes(results) -> list[str]:
    score, n = _SCORES["analogy"]
    return [f"Analogy accuracy {100 * score:.2f}% on the {n:,} covered questions, identical "
            "for seqlab and gensim (score and every section's correct/incorrect lists)."]


if __name__ == "__main__":
    import statistics

    print(HEADER)
    for case in cases():
        r = measure(case, repeats=REPEATS, min_time=0.0)
        print(r.row())
        print(f"seqlab median {statistics.median(r.seqlab_s):.2f} s, gensim median "
              f"{statistics.median(r.reference_s):.2f} s over {REPEATS} runs each")
    print("\n".join(notes([])))
