r"""A language model: a vocabulary and a recurrent network that predicts the next token.

*Sequence Models*, week 1, "Language model and sequence generation". The network reads
x<1> = ``<EOS>`` (the start token), x<t> = y<t-1>, and its softmax output ŷ<t> is the
distribution of the next token given all the previous ones. The loss of one sequence is the
lecture's sum of cross-entropies; the probability of a sentence is the product of the
conditionals, ``<EOS>`` included.

Shapes
------
=========  ===================  ==================================================
name       shape                meaning
=========  ===================  ==================================================
x, y       (m, T) int           input and target ids (:mod:`seqlab.lm.batches`)
mask       (m, T) bool or None  real steps (padded sequences)
state      (a, c)               each (L, n_a, m); c is None unless LSTM; None = 0
logits     (n_y, m, T)          z<t> = W_ya a^[L]<t> + b_y, n_y = len(vocab)
=========  ===================  ==================================================

Equations
---------
.. math::

    (1)\quad \hat y^{\langle t\rangle} = \mathrm{softmax}(z^{\langle t\rangle})
        = P(\,\cdot \mid y^{\langle 1\rangle}, \dots, y^{\langle t-1\rangle})

    (2)\quad \mathcal L^{\langle t\rangle}(\hat y^{\langle t\rangle}, y^{\langle t\rangle})
        = -\log \hat y^{\langle t\rangle}_{y^{\langle t\rangle}}, \qquad
        \mathcal L = \sum_t \mathcal L^{\langle t\rangle}

    (3)\quad P(y^{\langle 1\rangle}, \dots, y^{\langle T_y\rangle})
        = \prod_t P(y^{\langle t\rangle} \mid y^{\langle 1\rangle}, \dots,
          y^{\langle t-1\rangle}) = e^{-\mathcal L}

Notes
-----
Differs from the lecture: :meth:`LanguageModel.loss` returns the *mean* loss per token (sum
(2) divided by the number of real tokens), so the learning rate does not depend on the batch
size or the sequence lengths; multiply by the number of tokens for the lecture's sum.
"""

from __future__ import annotations

import numpy as np

from seqlab._validate import (
    as_array,
    check_choice,
    check_float_dtype,
    check_ids,
    check_int,
    check_path,
    check_shape,
    got,
)
from seqlab.backend import get_array_module
from seqlab.losses import temporal_cross_entropy
from seqlab.npz import load_arrays, save_arrays
from seqlab.rnn.network import RecurrentNetwork
from seqlab.vocab.language import Vocabulary

__all__ = ["LanguageModel"]


class LanguageModel:
    """A :class:`~seqlab.vocab.language.Vocabulary` and a :class:`~seqlab.rnn.RecurrentNetwork`
    with n_x = n_y = len(vocab).

    Parameters
    ----------
    vocab : Vocabulary
    n_a : int, hidden size of every layer
    kind : "rnn", "gru" or "lstm"
    n_layers : int ≥ 1
    rng : int seed or Generator, for the initial params
    dtype : float32 (training) or float64 (gradient checks)
    **options : variant, peephole, activation, passed to the network
    """

    def __init__(self, vocab: Vocabulary, n_a: int = 64, kind: str = "lstm", n_layers: int = 1,
                 *, rng=0, dtype=np.float32, **options):
        if not isinstance(vocab, Vocabulary):
            raise TypeError(f"LanguageModel(vocab): expected a Vocabulary, got "
                            f"{type(vocab).__name__}")
        if options.get("bidirectional"):
            raise ValueError("LanguageModel(bidirectional): expected False (a language model "
                             "predicts the next token from the past only), got True")
        check_int(n_a, "LanguageModel(n_a)", 1)
        check_choice(kind, ("rnn", "gru", "lstm"), "LanguageModel(kind)")
        check_int(n_layers, "LanguageModel(n_layers)", 1)
        check_float_dtype(dtype, "LanguageModel(dtype)")
        self.vocab = vocab
        self.info: dict = {}     # how a loaded model was made (see save)
        self.net = RecurrentNetwork(len(vocab), n_a, len(vocab), kind, n_layers, rng=rng,
                                    dtype=dtype, **options)

    @property
    def params(self) -> dict:
        """The network's params (the optimizer updates them in place)."""
        return self.net.params

    def __repr__(self) -> str:
        return f"LanguageModel({self.vocab!r},\n              {self.net!r})"

    def forward(self, x, state=None):
        """Logits (n_y, m, T) for input ids x (m, T) from ``state`` (None: zeros), the cache,
        and the state after the last step (for the next window or the next sampled token)."""
        x = self._ids(x, "LanguageModel.forward(x)")
        if state is not None and not (isinstance(state, tuple) and len(state) == 2):
            raise TypeError(f"LanguageModel.forward(state): expected None or the (a_T, c_T) "
                            f"pair a previous forward returned, got {got(state)}")
        a0, c0 = (None, None) if state is None else state
        logits, cache = self.net.forward(x, a0, c0)
        return logits, cache, self.net.final_state(cache)

    def loss(self, x, y, mask=None, state=None, grads: bool = True):
        """Mean loss per real token (eq. 2 / number of tokens), its gradients, the last state.

        Parameters
        ----------
        x, y : int arrays (m, T), inputs and targets
        mask : bool array (m, T) or None
        state : (a0, c0) from the previous window (truncated BPTT), or None for zeros
        grads : bool, also run the backward pass

        Returns
        -------
        loss : float, J = Σ mask ⊙ L<t> / Σ mask
        grads : dict with the keys of :attr:`params`, or None when ``grads=False``
        state : (a_T, c_T), each (L, n_a, m) (c_T None unless LSTM)

        Raises
        ------
        FloatingPointError
            from :func:`seqlab.losses.temporal_cross_entropy` when the logits are not finite.
        """
        x = self._ids(x, "LanguageModel.loss(x)")
        y = self._ids(y, "LanguageModel.loss(y)")
        check_shape(y, x.shape, "(m, T) as x", "LanguageModel.loss(y)")
        if mask is not None:
            mask = as_array(mask, "LanguageModel.loss(mask)", "real")
            check_shape(mask, x.shape, "(m, T) as x", "LanguageModel.loss(mask)")
            if not int(get_array_module(mask).count_nonzero(mask)):
                raise ValueError("LanguageModel.loss(mask): expected at least one real token, "
                                 "got every position masked")
        logits, cache, state = self.forward(x, state)
        J, dlogits = temporal_cross_entropy(logits, y, mask)   # (2), mean over real steps
        g = self.net.backward(dlogits, cache) if grads else None
        return float(J), g, state

    def _ids(self, x, where: str):
        """Token ids (m, T), T >= 1, every one in [0, len(vocab)) (-1 would wrap around)."""
        x = as_array(x, where, "int", ndim=2, symbols="(m, T) of token ids")
        if x.shape[1] == 0:
            raise ValueError(f"{where}: expected at least one time step, got shape "
                             f"{tuple(x.shape)}")
        return check_ids(x, len(self.vocab), where)

    def save(self, path, info: dict | None = None) -> None:
        """Params, network config, vocabulary (and a JSON-able ``info``) in one .npz."""
        import json

        check_path(path, "LanguageModel.save(path)")
        try:
            json.dumps(info or {})
        except TypeError as exc:
            raise TypeError(f"LanguageModel.save(info): expected a JSON-able dict, got "
                            f"{got(info)} ({exc})") from None
        save_arrays(path, self.params, {"network": self.net.config,
                                        "vocab": self.vocab.to_meta(), "info": info or {}})

    @classmethod
    def load(cls, path) -> LanguageModel:
        """The model written by :meth:`save`, on the default device."""
        params, meta = load_arrays(check_path(path, "LanguageModel.load(path)"))
        if "network" not in meta or "vocab" not in meta:
            raise ValueError(f"LanguageModel.load({path!r}): not a language model file "
                             f"(expected 'network' and 'vocab' in its metadata, got "
                             f"{sorted(meta)})")
        config = dict(meta["network"])
        vocab = Vocabulary.from_meta(meta["vocab"])
        model = cls(vocab, config.pop("n_a"), config.pop("kind"), config.pop("n_layers"),
                    dtype=params["W_ya"].dtype,
                    **{k: v for k, v in config.items() if k not in ("n_x", "n_y")})
        if set(params) != set(model.params):
            raise ValueError(f"LanguageModel.load({path!r}): keys {sorted(params)} do not "
                             f"match the config's {sorted(model.params)}")
        model.net.params = params
        model.info = meta.get("info", {})
        return model
