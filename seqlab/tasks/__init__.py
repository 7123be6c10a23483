"""Tasks built on :class:`seqlab.rnn.RecurrentNetwork`: training loops and experiments.

- :mod:`seqlab.tasks.training`: many-to-one and many-to-many loss steps, one Adam loop with
  clipping, predictions and accuracies;
- :mod:`seqlab.tasks.long_range`: agreement across a gap, RNN vs GRU vs LSTM;
- :mod:`seqlab.tasks.name_tagging`: is this word part of a name? unidirectional vs
  bidirectional.
"""

from seqlab.tasks.long_range import (
    EXPERIMENT,
    LEARNING_RATES,
    QUICK,
    AgreementRun,
    gap_sweep,
    train_agreement,
)
from seqlab.tasks.name_tagging import (
    TaggerRun,
    evaluate_name_tagger,
    name_probabilities,
    train_name_tagger,
)
from seqlab.tasks.training import (
    TrainHistory,
    classifier_step,
    classify,
    fit,
    length_mask,
    predict_proba,
    tagger_step,
    tagging_accuracy,
)

__all__ = ["EXPERIMENT", "LEARNING_RATES", "QUICK", "AgreementRun", "TaggerRun", "TrainHistory",
           "classifier_step", "classify", "evaluate_name_tagger", "fit", "gap_sweep",
           "length_mask", "name_probabilities", "predict_proba", "tagger_step",
           "tagging_accuracy", "train_agreement", "train_name_tagger"]
