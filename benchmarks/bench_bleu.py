"""Corpus BLEU on 10,000 sentence pairs, seqlab vs sacrebleu (tokenize="none"), same inputs.

Sentences: the first 10,000 sentences (4-40 words, lowercased) of the Wikipedia summaries of
``seqlab.data.text.load_wiki`` (the sonnets' lines repeated when that optional package is
missing); hypotheses are seeded perturbations (dropped, substituted, swapped, inserted words).
seqlab takes token lists (``corpus_bleu(hyps, refs)``); sacrebleu takes the same sentences
joined by spaces and splits them itself (``tokenize="none"``), which is part of its work.
Both compute the same score (asserted at setup). Cases: one reference per sentence, and three.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/run.py bleu
"""

from __future__ import annotations

import re

import numpy as np
import sacrebleu
from harness import Case

from seqlab.data.synthetic import perturb_tokens
from seqlab.seq2seq.bleu import corpus_bleu

N = 10_000
REPEATS = 7


def _sentences(n: int) -> list[list[str]]:
    try:
        from seqlab.data.text import load_wiki

        text = " ".join(load_wiki())
        sents = [s.lower().split() for s in re.split(r"(?<=[.!?])\s+", text)]
    except Exception:  # optional package missing
        from seqlab.data.text import load_sonnets

        sents = [line.lower().split() for line in load_sonnets()] * 20
    sents = [s for s in sents if 4 <= len(s) <= 40]
    return sents[:n]


def data(n_refs: int, n: int = N):
    r = np.random.default_rng(0)
    sents = _sentences(n)
    vocab = sorted({t for s in sents[:2000] for t in s})
    refs = [[s] + [perturb_tokens(s, r, vocab, 0.2) for _ in range(n_refs - 1)] for s in sents]
    hyps = [perturb_tokens(s, r, vocab) for s in sents]
    return hyps, refs


def cases() -> list[Case]:
    out = []
    for n_refs in (1, 3):
        hyps, refs = data(n_refs)
        hyp_str = [" ".join(h) for h in hyps]
        streams = [[" ".join(x[j]) for x in refs] for j in range(n_refs)]

        def ours(hyps=hyps, refs=refs):
            return corpus_bleu(hyps, refs)

        def ref(hyp_str=hyp_str, streams=streams):
            return sacrebleu.corpus_bleu(hyp_str, streams, smooth_method="none",
                                         tokenize="none", force=True)

        assert abs(ours().score - ref().score / 100) <= 1e-12
        out.append(Case(f"corpus BLEU, {len(hyps):,} sentences, {n_refs} reference(s)", ours,
                        ref, "sacrebleu.corpus_bleu", units=len(hyps),
                        unit_name="sentences"))
    return out


if __name__ == "__main__":
    from harness import HEADER, measure

    print(HEADER)
    for case in cases():
        print(measure(case, repeats=REPEATS).row())
