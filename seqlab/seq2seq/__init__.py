"""Week 3 (part 1): sequence to sequence: decoding (greedy, exhaustive, beam search with length
normalization), beam-search error analysis and BLEU.

- :mod:`~seqlab.seq2seq.beam`: :func:`beam_search` and the tree of every hypothesis it kept;
- :mod:`~seqlab.seq2seq.search`: :func:`greedy_decode`, :func:`exhaustive_search`, scoring a
  given output by teacher forcing (:func:`sequence_log_prob`);
- :mod:`~seqlab.seq2seq.error_analysis`: the lecture's table, search or model at fault;
- :mod:`~seqlab.seq2seq.bleu`: :func:`corpus_bleu`, :func:`sentence_bleu`, :func:`bleu_explain`.

Every decoder uses one interface, ``step_fn(last_tokens (k,), states) -> (log_probs (k, V),
new_states)`` with states carrying a leading axis of size k (or None).
"""

from seqlab.seq2seq.attention import attention_step_backward, attention_step_forward
from seqlab.seq2seq.attention_model import AttentionSeq2Seq
from seqlab.seq2seq.beam import BeamNode, BeamResult, Hypothesis, beam_search, normalized_score
from seqlab.seq2seq.bleu import BleuResult, bleu_explain, corpus_bleu, sentence_bleu
from seqlab.seq2seq.encoder_decoder import EncoderDecoder, load_seq2seq
from seqlab.seq2seq.error_analysis import (
    ErrorAnalysis,
    error_analysis,
    error_analysis_from_scores,
    teacher_forcing_scorer,
)
from seqlab.seq2seq.metrics import edit_distance, exact_match, phoneme_error_rate
from seqlab.seq2seq.search import (
    Decoded,
    exhaustive_search,
    greedy_decode,
    sequence_log_prob,
    token_log_probs,
)

__all__ = ["AttentionSeq2Seq", "BeamNode", "BeamResult", "BleuResult", "Decoded",
           "EncoderDecoder", "ErrorAnalysis", "Hypothesis", "attention_step_backward",
           "attention_step_forward", "edit_distance", "exact_match", "load_seq2seq",
           "phoneme_error_rate",
           "beam_search", "bleu_explain", "corpus_bleu", "error_analysis",
           "error_analysis_from_scores", "exhaustive_search", "greedy_decode",
           "normalized_score", "sentence_bleu", "sequence_log_prob", "teacher_forcing_scorer",
           "token_log_probs"]
