"""Week 2: word embeddings — word vectors, similarity and analogies, t-SNE, debiasing.

=====================================  ==========================================================
module                                 lecture object
=====================================  ==========================================================
:mod:`~seqlab.embeddings.similarity`   cosine similarity, ``complete_analogy`` (W2A1)
:mod:`~seqlab.embeddings.keyed_vectors`  ``KeyedVectors``: gensim's query API on an embedding
                                       matrix (most_similar, similarity, doesnt_match, ...)
:mod:`~seqlab.embeddings.evaluation`   analogy accuracy (3CosAdd, vectorised), word-pair
                                       correlations (Pearson, Spearman)
:mod:`~seqlab.embeddings.tsne`         t-SNE and PCA
:mod:`~seqlab.embeddings.debias`       bias direction, ``neutralize``, ``equalize``
=====================================  ==========================================================
"""

from seqlab.embeddings.debias import bias_direction, equalize, neutralize
from seqlab.embeddings.evaluation import CorrelationResult, pearsonr, spearmanr
from seqlab.embeddings.keyed_vectors import KeyedVectors, WordVecMap
from seqlab.embeddings.similarity import complete_analogy, cosine_similarity
from seqlab.embeddings.tsne import pca, tsne

__all__ = ["CorrelationResult", "KeyedVectors", "WordVecMap", "bias_direction",
           "complete_analogy", "cosine_similarity", "equalize", "neutralize", "pca", "pearsonr",
           "spearmanr", "tsne"]
