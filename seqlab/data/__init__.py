"""Datasets from installed packages or deterministic generators (host side: NumPy allowed).

Text (:mod:`seqlab.data.text`): US Census first names, Shakespeare's sonnets, Wikipedia
summaries, and a deterministic train/validation split. Music (:mod:`seqlab.data.music`): Bach
chorale soprano lines (extracted from music21's corpus by ``tools/extract_chorales.py``), note
tokens and a NumPy synthesizer. Synthetic tasks (:mod:`seqlab.data.synthetic`).

Week 2 to 4 datasets are imported from their modules (they are larger and some import the
vocabulary classes of the models that use them):

- :mod:`seqlab.data.glove`: the course's GloVe 6B 50d vectors, gensim's evaluation files;
- :mod:`seqlab.data.corpus`: the ~1.25M-token Wikipedia corpus for word2vec and GloVe;
- :mod:`seqlab.data.debias_words`: Bolukbasi et al.'s gender word lists;
- :mod:`seqlab.data.sentiment`: 200 movie-review sentences, 38k tweets, a negation set;
- :mod:`seqlab.data.dates`: human-readable dates in four locales -> ISO (babel);
- :mod:`seqlab.data.g2p`: letters -> phonemes from the CMU pronouncing dictionary;
- :mod:`seqlab.data.scenes`: rendered shapes with captions (image captioning).
"""

from seqlab.data.music import (
    REST,
    Chorale,
    decode_melody,
    encode_melody,
    interval_histogram,
    load_chorales,
    melody_statistics,
    midi_to_hz,
    midi_to_name,
    name_to_midi,
    note_vocabulary,
    synthesize,
    transpose,
)
from seqlab.data.synthetic import (
    AGREEMENT_VOCAB,
    TAGGING_VOCAB,
    TaggingBatch,
    agreement_batch,
    agreement_label,
    name_tagging_batch,
    tag_sentence,
)
from seqlab.data.text import (
    NAME_KINDS,
    load_names,
    load_sonnets,
    load_wiki,
    package_dir,
    train_val_split,
)

__all__ = ["AGREEMENT_VOCAB", "Chorale", "NAME_KINDS", "REST", "TAGGING_VOCAB", "TaggingBatch",
           "agreement_batch", "agreement_label", "decode_melody", "encode_melody",
           "interval_histogram", "load_chorales", "load_names", "load_sonnets", "load_wiki",
           "melody_statistics", "midi_to_hz", "midi_to_name", "name_tagging_batch",
           "name_to_midi", "note_vocabulary", "package_dir", "synthesize", "tag_sentence",
           "train_val_split", "transpose"]
