"""Week 3 (part 2), speech: audio features, CTC loss and decoding, recognition, trigger words.

- the audio features (framing, STFT, power spectrogram, mel filterbank, log-mel) live below
  the data, in :mod:`seqlab.audio` (the trigger-word clips are made of them); re-exported here;
- :mod:`seqlab.speech.ctc`: the CTC loss by a scaled forward-backward in probability space,
  log space for the α/β lattice of the pictures and as its fallback (loss, gradient, lattice);
- :mod:`seqlab.speech.ctc_decode`: the lecture's collapse rule, greedy (best-path) decoding and
  prefix beam search;
- :mod:`seqlab.speech.ctc_align`: counting and listing the alignments of a transcript, and the
  most likely one (Viterbi);
- :mod:`seqlab.speech.ctc_lm`: character language models as prefix-beam-search scorers;
- :mod:`seqlab.speech.recognition`: a deep bidirectional GRU/LSTM + CTC speech recognizer;
- :mod:`seqlab.speech.trigger`: the course's trigger-word detector (Conv1D, GRUs, a sigmoid
  per step), detection, F1 and the chime.
"""

from seqlab.audio import log_mel, mel_filterbank, spectrogram, stft
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
from seqlab.speech.recognition import SpeechRecognizer, character_error_rate, load_pretrained
from seqlab.speech.trigger import (
    chime_on_activate,
    detect,
    load_trigger_model,
    trigger_backward,
    trigger_forward,
    trigger_loss,
)

__all__ = [
    "BeamResult",
    "CTCLattice",
    "CharNGramLM",
    "ForcedAlignment",
    "SpeechRecognizer",
    "char_lm_scorer",
    "character_error_rate",
    "chime_on_activate",
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
    "detect",
    "extend_labels",
    "extended_sequence",
    "load_pretrained",
    "load_trigger_model",
    "log_mel",
    "mel_filterbank",
    "spectrogram",
    "stft",
    "trigger_backward",
    "trigger_forward",
    "trigger_loss",
]
