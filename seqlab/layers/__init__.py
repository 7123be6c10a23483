"""Building blocks shared by every week: forward/backward pairs with returned caches.

dense (week 0), embedding lookup with a scatter-add backward (week 2), 1-D convolution (week 3,
trigger words), 2-D convolution (week 3, image captioning), layer normalization and dropout
(week 4).
"""

from seqlab.layers.conv1d import Conv1DCache, conv1d_backward, conv1d_forward
from seqlab.layers.conv2d import Conv2DCache, conv2d_backward, conv2d_forward
from seqlab.layers.dense import DenseCache, dense_backward, dense_forward
from seqlab.layers.dropout import DropoutCache, dropout_backward, dropout_forward
from seqlab.layers.embedding import EmbeddingCache, embedding_backward, embedding_forward
from seqlab.layers.layer_norm import LayerNormCache, layer_norm_backward, layer_norm_forward

__all__ = ["conv1d_backward", "conv1d_forward", "Conv1DCache", "conv2d_backward", "conv2d_forward",
           "Conv2DCache", "dense_backward", "dense_forward", "DenseCache", "dropout_backward",
           "dropout_forward", "DropoutCache", "embedding_backward", "embedding_forward",
           "EmbeddingCache", "layer_norm_backward", "layer_norm_forward", "LayerNormCache"]
