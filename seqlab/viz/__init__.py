"""Plots and widgets: the ONLY part of seqlab that imports plotly or ipywidgets (STYLE section 9).

- :mod:`seqlab.viz.plots`: NumPy arrays in, a ``plotly.graph_objects.Figure`` out (testable
  headless by reading ``fig.data``).
- :mod:`seqlab.viz.widgets`: ipywidgets controls composed with those plots and library calls;
  figures update in place (no rebuild per slider move); a static figure shows where no widget
  front end is running.
- :mod:`seqlab.viz.source`: the library's real source, highlighted.
- week 1: :mod:`~seqlab.viz.bptt` (the BPTT stepper), :mod:`~seqlab.viz.rnn_plots`,
  :mod:`~seqlab.viz.lm` (live loss curve, sampling widget), :mod:`~seqlab.viz.gates` (the gate
  explorer), :mod:`~seqlab.viz.tasks` (long-range and tagging figures), :mod:`~seqlab.viz.music`
  (piano roll, audio), :mod:`~seqlab.viz.memory` (the memory explorer: which earlier characters
  a prediction leans on, RNN vs GRU vs LSTM).
- week 2: :mod:`~seqlab.viz.embeddings` (analogy explorer), :mod:`~seqlab.viz.word2vec` (training
  animation, negative-sampling exponent, Huffman tree), :mod:`~seqlab.viz.glove` (co-occurrence
  heatmap, weighting function), :mod:`~seqlab.viz.embedding_maps` (t-SNE explorer, debiasing),
  :mod:`~seqlab.viz.sentiment` (confusion matrix, V1 vs V2 explorer).
- week 3: :mod:`~seqlab.viz.beam` (beam-tree explorer), :mod:`~seqlab.viz.bleu` (BLEU
  explainer), :mod:`~seqlab.viz.attention` (attention heatmap explorer),
  :mod:`~seqlab.viz.captioning` (captions of images).
- week 3 speech: :mod:`~seqlab.viz.speech` (waveform, spectrogram, log-mel, posteriors; the
  module is not called ``audio``: :func:`audio` is the music player), :mod:`~seqlab.viz.ctc`
  (collapse typer, CTC lattice), :mod:`~seqlab.viz.trigger` (trigger-word timeline).
- week 4: :mod:`~seqlab.viz.transformer` (positional encoding, masks, attention heads).
"""

from seqlab.viz.attention import (
    attention_explorer,
    attention_figure,
    length_accuracy_plot,
    training_curve_plot,
)
from seqlab.viz.beam import beam_explorer, beam_tree_figure
from seqlab.viz.bleu import bleu_bars, bleu_explainer, bleu_html
from seqlab.viz.bptt import BPTTTrace, bptt_problem, bptt_stepper, bptt_trace
from seqlab.viz.captioning import caption_explorer, caption_grid
from seqlab.viz.ctc import alignment_explorer, collapse_typer, lattice_explorer, lattice_figure
from seqlab.viz.embedding_maps import debias_explorer, load_tsne_maps, tsne_explorer, tsne_figure
from seqlab.viz.embeddings import analogy_explorer, analogy_figure, analogy_view
from seqlab.viz.gates import gate_explorer, gate_figure, unit_figure
from seqlab.viz.glove import cooccurrence_heatmap, glove_loss_curve, weighting_explorer
from seqlab.viz.lm import live_loss_curve, sampling_explorer, token_logprob_bars
from seqlab.viz.memory import memory_explorer
from seqlab.viz.music import audio, compare_histograms, loss_curves, piano_roll
from seqlab.viz.plots import activation_curves, probability_bars
from seqlab.viz.rnn_plots import hidden_state_heatmap, norm_curves
from seqlab.viz.sentiment import (
    confusion_heatmap,
    negation_figure,
    sentiment_explorer,
    word_contribution_bars,
)
from seqlab.viz.source import Source, show_source
from seqlab.viz.speech import (
    log_mel_figure,
    posteriors_figure,
    spectrogram_figure,
    waveform_figure,
)
from seqlab.viz.tasks import (
    accuracy_vs_gap_figure,
    layer_states_figure,
    load_long_range_results,
    name_probability_figure,
    tagging_comparison_figure,
    tagging_explorer,
)
from seqlab.viz.transformer import (
    attention_heads_view,
    attention_heatmap,
    attention_trace,
    mask_visualizer,
    positional_encoding_explorer,
)
from seqlab.viz.trigger import trigger_figure, trigger_timeline
from seqlab.viz.widgets import FigureBox, softmax_temperature_explorer, widget_frontend_check
from seqlab.viz.word2vec import (
    huffman_explorer,
    huffman_figure,
    noise_explorer,
    noise_figure,
    projection_recorder,
    training_animation,
)

__all__ = ["accuracy_vs_gap_figure", "activation_curves", "alignment_explorer", "analogy_explorer",
           "analogy_figure", "analogy_view", "attention_explorer", "attention_figure",
           "attention_heads_view", "attention_heatmap", "attention_trace", "audio",
           "beam_explorer", "beam_tree_figure", "bleu_bars", "bleu_explainer", "bleu_html",
           "bptt_problem", "bptt_stepper", "bptt_trace", "BPTTTrace", "caption_explorer",
           "caption_grid", "collapse_typer", "compare_histograms", "confusion_heatmap",
           "cooccurrence_heatmap", "debias_explorer", "FigureBox", "gate_explorer", "gate_figure",
           "glove_loss_curve", "hidden_state_heatmap", "huffman_explorer",
           "huffman_figure", "lattice_explorer", "lattice_figure", "layer_states_figure",
           "length_accuracy_plot", "live_loss_curve", "load_long_range_results",
           "load_tsne_maps", "log_mel_figure", "loss_curves", "mask_visualizer", "memory_explorer",
           "name_probability_figure", "negation_figure", "noise_explorer", "noise_figure",
           "norm_curves", "piano_roll", "positional_encoding_explorer", "posteriors_figure",
           "probability_bars", "projection_recorder", "sampling_explorer", "sentiment_explorer",
           "show_source", "softmax_temperature_explorer", "Source", "spectrogram_figure",
           "tagging_comparison_figure", "tagging_explorer", "token_logprob_bars",
           "training_animation", "training_curve_plot", "trigger_figure", "trigger_timeline",
           "tsne_explorer", "tsne_figure", "unit_figure", "waveform_figure", "weighting_explorer",
           "widget_frontend_check", "word_contribution_bars"]
