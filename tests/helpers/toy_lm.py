"""A toy language model for the decoding tests: log-probabilities from a table of prefixes,
counting its calls and the beam widths it sees (tests/test_beam_search.py and
tests/test_sample_decode.py)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

BOS, EOS = 9, 0


class Cache(NamedTuple):
    prefix: np.ndarray   # (k, L) tokens so far, -1 padded
    length: np.ndarray   # (k,)


class PrefixTable:
    """log P(v | prefix) drawn once per prefix from a seeded generator: any conditional LM."""

    def __init__(self, V, seed, scale=2.0, L=8, nested=True):
        self.V, self.seed, self.scale, self.L, self.nested = V, seed, scale, L, nested
        self.calls, self.widths = 0, []

    def row(self, prefix):
        r = np.random.default_rng([self.seed, *(t + 1 for t in prefix)])
        z = r.normal(size=self.V) * self.scale
        return z - z.max() - np.log(np.exp(z - z.max()).sum())      # log-softmax

    def init(self):
        prefix = np.full((1, self.L), -1)
        if self.nested:   # a nest of dict / tuple / NamedTuple, with an unused float leaf
            return {"cache": Cache(prefix, np.zeros(1, dtype=int)), "h": (np.ones((1, 3)),)}
        return prefix


class Model(PrefixTable):
    def step_fn(self, last, states):
        self.calls += 1
        self.widths.append(len(last))
        c = states["cache"] if self.nested else states
        prefix = (c.prefix if self.nested else c).copy()
        length = (c.length if self.nested else (prefix >= 0).sum(axis=1)).copy()
        for i, tok in enumerate(last):
            if tok != BOS:                     # the state records the prefix fed so far
                prefix[i, length[i]] = tok
                length[i] += 1
        lp = np.stack([self.row([int(t) for t in prefix[i, :length[i]]])
                       for i in range(len(last))])
        if self.nested:
            return lp, {"cache": Cache(prefix, length), "h": (states["h"][0] + 1.0,)}
        return lp, prefix
