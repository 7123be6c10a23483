"""Week 2: word embeddings — vectors, analogies, word2vec, GloVe, t-SNE, debiasing.

=====================================  ==========================================================
module                                 lecture object
=====================================  ==========================================================
:mod:`~seqlab.embeddings.similarity`   cosine similarity, ``complete_analogy`` (W2A1)
:mod:`~seqlab.embeddings.keyed_vectors`  ``KeyedVectors``: gensim's query API on an embedding
                                       matrix (most_similar, similarity, doesnt_match, ...)
:mod:`~seqlab.embeddings.evaluation`   analogy accuracy (3CosAdd, vectorised), word-pair
                                       correlations (Pearson, Spearman)
:mod:`~seqlab.embeddings.nplm`         the neural language model that learns embeddings
:mod:`~seqlab.embeddings.negative_sampling`  negative sampling, P(w) ∝ f(w)^¾
:mod:`~seqlab.embeddings.huffman`      hierarchical softmax over a Huffman tree
:mod:`~seqlab.embeddings.word2vec`     skip-gram / CBOW training (gensim's argument names)
:mod:`~seqlab.embeddings.glove_model`  GloVe: weighted co-occurrences, f(X), AdaGrad
:mod:`~seqlab.embeddings.tsne`         t-SNE and PCA
:mod:`~seqlab.embeddings.debias`       bias direction, ``neutralize``, ``equalize``
=====================================  ==========================================================
"""

from seqlab.embeddings.cooccurrence import Cooccurrence
from seqlab.embeddings.debias import bias_direction, equalize, neutralize
from seqlab.embeddings.evaluation import CorrelationResult, pearsonr, spearmanr
from seqlab.embeddings.glove_model import (
    GloveModel,
    glove_backward,
    glove_forward,
    train_glove,
    weighting,
)
from seqlab.embeddings.huffman import (
    build_huffman,
    hierarchical_softmax_backward,
    hierarchical_softmax_forward,
    hs_probabilities,
)
from seqlab.embeddings.keyed_vectors import KeyedVectors, WordVecMap
from seqlab.embeddings.negative_sampling import (
    negative_sampling_backward,
    negative_sampling_forward,
    noise_distribution,
)
from seqlab.embeddings.nplm import nplm_backward, nplm_forward
from seqlab.embeddings.similarity import complete_analogy, cosine_similarity
from seqlab.embeddings.tsne import pca, tsne
from seqlab.embeddings.word2vec import Word2VecResult, train_word2vec

__all__ = ["bias_direction", "build_huffman", "complete_analogy", "Cooccurrence",
           "CorrelationResult", "cosine_similarity", "equalize", "glove_backward", "glove_forward",
           "GloveModel", "hierarchical_softmax_backward", "hierarchical_softmax_forward",
           "hs_probabilities", "KeyedVectors", "negative_sampling_backward",
           "negative_sampling_forward", "neutralize", "noise_distribution", "nplm_backward",
           "nplm_forward", "pca", "pearsonr", "spearmanr", "train_glove", "train_word2vec", "tsne",
           "weighting", "Word2VecResult", "WordVecMap"]
