"""Week 3 (part 2), speech: CTC loss and decoding.

- :mod:`seqlab.speech.ctc`: the CTC loss by forward-backward in log space (loss, gradient, and
  the α/β lattice for pictures);
- :mod:`seqlab.speech.ctc_decode`: the lecture's collapse rule, greedy (best-path) decoding and
  prefix beam search;
- :mod:`seqlab.speech.ctc_align`: counting and listing the alignments of a transcript, and the
  most likely one (Viterbi);
- :mod:`seqlab.speech.ctc_lm`: character language models as prefix-beam-search scorers.
"""

from seqlab.speech.ctc import CTCLattice, ctc_alpha_step, ctc_lattice, ctc_loss, extend_labels
from seqlab.speech.ctc_align import (
    ForcedAlignment,
    ctc_alignments,
    ctc_count_alignments,
    ctc_forced_alignment,
    extended_sequence,
)
from seqlab.speech.ctc_decode import (
    BeamResult,
    ctc_best_path,
    ctc_collapse,
    ctc_greedy_decode,
    ctc_prefix_beam_search,
)
from seqlab.speech.ctc_lm import CharNGramLM, char_lm_scorer

__all__ = [
    "BeamResult",
    "CTCLattice",
    "CharNGramLM",
    "ForcedAlignment",
    "char_lm_scorer",
    "ctc_alignments",
    "ctc_alpha_step",
    "ctc_best_path",
    "ctc_collapse",
    "ctc_count_alignments",
    "ctc_forced_alignment",
    "ctc_greedy_decode",
    "ctc_lattice",
    "ctc_loss",
    "ctc_prefix_beam_search",
    "extend_labels",
    "extended_sequence",
]
