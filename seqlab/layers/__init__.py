"""Building blocks shared by every week: forward/backward pairs with returned caches."""

from seqlab.layers.dense import DenseCache, dense_backward, dense_forward

__all__ = ["DenseCache", "dense_backward", "dense_forward"]
