"""Week 4: the Transformer, in the lecture's row layout (m, T, d_model), with x @ W + b.

- :mod:`~seqlab.transformer.attention`: scaled dot-product attention and its backward.
- :mod:`~seqlab.transformer.multi_head`: multi-head attention.
- :mod:`~seqlab.transformer.positional`: ``get_angles``, ``positional_encoding``.
- :mod:`~seqlab.transformer.masks`: padding and look-ahead masks.
- :mod:`~seqlab.transformer.blocks`: feed-forward, encoder layer, decoder layer (Add & Norm).
- :mod:`~seqlab.transformer.label_smoothing`: the smoothed cross-entropy.
- :mod:`~seqlab.transformer.model`: the encoder-decoder :class:`Transformer`.
- :mod:`~seqlab.transformer.schedule`: the warm-up learning-rate schedule.
- :mod:`~seqlab.transformer.tasks`: training on real seq2seq tasks (dates, number words) and
  decoding with Week 3's beam search.

Layer norm and dropout live in :mod:`seqlab.layers.layer_norm` and :mod:`seqlab.layers.dropout`.
"""

from seqlab.transformer.attention import (
    AttentionCache,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
)
from seqlab.transformer.blocks import (
    decoder_layer_backward,
    decoder_layer_forward,
    encoder_layer_backward,
    encoder_layer_forward,
    feed_forward_backward,
    feed_forward_forward,
    init_decoder_layer,
    init_encoder_layer,
)
from seqlab.transformer.label_smoothing import label_smoothed_cross_entropy
from seqlab.transformer.masks import decoder_mask, look_ahead_mask, padding_mask
from seqlab.transformer.model import DecoderState, Transformer, TransformerConfig
from seqlab.transformer.multi_head import (
    MHA_KEYS,
    init_multi_head_params,
    merge_heads,
    multi_head_attention_backward,
    multi_head_attention_forward,
    split_heads,
)
from seqlab.transformer.positional import get_angles, positional_encoding, relative_shift_matrix
from seqlab.transformer.schedule import WarmupSchedule, transformer_lr
from seqlab.transformer.tasks import TaskModel, train_task

__all__ = ["AttentionCache", "decoder_layer_backward", "decoder_layer_forward", "decoder_mask",
           "DecoderState", "encoder_layer_backward", "encoder_layer_forward",
           "feed_forward_backward", "feed_forward_forward", "get_angles", "init_decoder_layer",
           "init_encoder_layer", "init_multi_head_params", "label_smoothed_cross_entropy",
           "look_ahead_mask", "merge_heads", "MHA_KEYS", "multi_head_attention_backward",
           "multi_head_attention_forward", "padding_mask", "positional_encoding",
           "relative_shift_matrix", "scaled_dot_product_attention",
           "scaled_dot_product_attention_backward", "split_heads", "TaskModel", "train_task",
           "Transformer", "transformer_lr", "TransformerConfig", "WarmupSchedule"]
