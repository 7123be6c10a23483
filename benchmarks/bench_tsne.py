"""t-SNE, seqlab (exact gradient, NumPy) vs scikit-learn's TSNE, on the same GloVe words.

The same data on both sides: N GloVe 50d vectors (float64, words 200.. by frequency),
perplexity 30, 1000 iterations, PCA initialisation, learning_rate="auto". scikit-learn runs
twice: ``method="exact"`` (the same O(N²) algorithm, NumPy/SciPy) and its default
``method="barnes_hut"`` (O(N log N), compiled Cython). Units: points embedded per second.
:func:`notes` adds the trustworthiness (k = 10) of each embedding, side by side, so speed is
read next to quality.
"""

from __future__ import annotations

import numpy as np
from harness import Case
from sklearn.manifold import TSNE
from sklearn.manifold import trustworthiness as sk_trustworthiness

from seqlab.data.glove import load_glove
from seqlab.embeddings.tsne import trustworthiness, tsne

SIZES = (300, 1000)
REPEATS = 3                        # one run is seconds long; the machine is shared
_DATA: dict[str, np.ndarray] = {}  # case name -> X


def _name(n: int, method: str) -> str:
    return f"t-SNE N={n}, perplexity 30, 1000 iterations (reference: {method})"


def cases() -> list[Case]:
    out = []
    for n in SIZES:
        _, E = load_glove(200 + n, dtype=np.float64)
        X = E[200:]
        for method in ("exact", "barnes_hut"):
            name = _name(n, method)
            _DATA[name] = X

            def ours(X=X):
                return tsne(X, perplexity=30.0, n_iter=1000).Y

            def ref(X=X, method=method):
                return TSNE(perplexity=30.0, max_iter=1000, method=method,
                            random_state=0).fit_transform(X)

            out.append(Case(name, ours, ref, f"sklearn TSNE {method}", units=n,
                            unit_name="points"))
    return out


def notes(results) -> list[str]:
    """Trustworthiness (k = 10) of one embedding from each side, per case."""
    lines = ["t-SNE: trustworthiness (k = 10) of each side's embedding, same data", ""]
    for r in results:
        X = _DATA[r.name]
        ours = trustworthiness(X, tsne(X, perplexity=30.0, n_iter=1000).Y, 10)
        method = "exact" if "exact" in r.name else "barnes_hut"
        ref = sk_trustworthiness(X, TSNE(perplexity=30.0, max_iter=1000, method=method,
                                         random_state=0).fit_transform(X), n_neighbors=10)
        lines.append(f"- {r.name}: seqlab {ours:.4f}, scikit-learn {ref:.4f} "
                     f"(difference {ours - ref:+.4f})")
    return lines
