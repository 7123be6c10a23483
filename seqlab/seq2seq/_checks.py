"""Argument checks shared by the seq2seq models (the input contract, docs/input-contract.md):
constructor arguments, target ids, decoder steps, upstream gradients, texts to encode, the
captioner's images and scenes. Each raises naming the calling method and argument."""

from __future__ import annotations

from seqlab._validate import (
    MissingKeyError,
    as_array,
    check_bool,
    check_cache,
    check_choice,
    check_dict,
    check_float_dtype,
    check_ids,
    check_instance,
    check_int,
    check_keys,
    check_rng,
    check_sequence,
    check_shape,
    got,
    same_shape,
)
from seqlab.vocab.tokens import TokenVocab


def check_dlogits(dlogits, s, fname: str):
    """∂J/∂logits (V_y, m, T_y), its m and T_y those of the decoder states s (n_s, m, T_y)."""
    dlogits = as_array(dlogits, f"{fname}(dlogits)", ndim=3, symbols="(V_y, m, T_y)")
    check_shape(dlogits, (dlogits.shape[0], *s.shape[1:]), "(V_y, m, T_y) like the logits",
                f"{fname}(dlogits)")
    return dlogits


def check_model_args(cls_name: str, vocabs: dict, kind: str, dtype, rng, bools: dict,
                     **sizes) -> tuple:
    """A model's constructor arguments: TokenVocabs, sizes (ints >= 1), the cell kind, flags,
    a float dtype and a seed; returns (sizes as ints, dtype, rng)."""
    for name, v in vocabs.items():
        check_instance(v, TokenVocab, f"{cls_name}({name})")
    sizes = {k: check_int(v, f"{cls_name}({k})", 1) for k, v in sizes.items()}
    check_choice(kind, ("rnn", "gru", "lstm"), f"{cls_name}(kind)")
    for k, v in bools.items():
        check_bool(v, f"{cls_name}({k})")
    return (sizes, check_float_dtype(dtype, f"{cls_name}(dtype)"),
            check_rng(rng, f"{cls_name}(rng)"))


def check_targets(y_ids, m: int, V: int, fname: str, xp):
    """Target ids (m, T_y) < V on ``xp``'s device (m as in the sources or images)."""
    y_ids = as_array(y_ids, f"{fname}(y_ids)", "int", ndim=2, symbols="(m, T_y)")
    check_shape(y_ids, (m, y_ids.shape[1]), "(m, T_y), m as in the inputs", f"{fname}(y_ids)")
    return xp.asarray(check_ids(y_ids, V, f"{fname}(y_ids)"))


def check_step(last_tokens, states, n: int, V: int, fname: str):
    """A decoder step's (last_tokens (k,) < V, states: a tuple of n arrays with leading axis
    k); returns last_tokens as an array."""
    last = as_array(last_tokens, f"{fname}(last_tokens)", "int", ndim=1, symbols="(k,)")
    last = check_ids(last, V, f"{fname}(last_tokens)")
    if not isinstance(states, tuple) or len(states) != n:
        raise TypeError(f"{fname}(states): expected the tuple of {n} arrays from init_state or "
                        f"decoder_step, got {got(states)}")
    for st in states:
        if getattr(st, "shape", (None,))[0] != last.shape[0]:
            raise ValueError(f"{fname}(last_tokens): expected one token per hypothesis, k = "
                             f"{getattr(st, 'shape', (None,))[0]} (the states' leading axis), "
                             f"got {last.shape[0]}")
    return last


def encode_texts(vocab, texts, where: str, eos: bool, words: bool = False) -> list:
    """Ids of each text (a str of characters, or a token list; ``words``: token lists
    only), eos appended if asked (else non-empty); every token in ``vocab``."""
    texts = check_sequence(texts, where, "a list of str or token lists", empty=False)
    out = []
    for i, text in enumerate(texts):
        if isinstance(text, str) and words or not isinstance(text, str | list | tuple):
            what = "a token list" if words else "a str or a token list"
            raise TypeError(f"{where}: expected {what} at {i}, got {got(text)}")
        if not text and not eos:                  # a target gets eos: [] is a real target
            raise ValueError(f"{where}: expected non-empty sequences, got an empty one at "
                             f"{i}")
        unknown = [t for t in text if t not in vocab.stoi]
        if unknown:
            raise MissingKeyError(f"{where}: expected tokens of the vocabulary, got "
                                  f"{unknown[0]!r} in item {i}")
        out.append(vocab.encode(text, eos=eos))
    return out


def check_force(force, T_x: int, where: str) -> dict:
    """{step t >= 0: α row (T_x,) of weights >= 0}, or {} for None."""
    if force is None:
        return {}
    check_dict(force, where, "a dict {step t: α row (T_x,)}")
    for t, row in force.items():
        check_int(t, f"{where} step", 0)
        row = as_array(row, f"{where}[{t}]", ndim=1, symbols=f"(T_x,) = ({T_x},)")
        if row.shape != (T_x,) or not float(row.min(initial=0.0)) >= 0:
            raise ValueError(f"{where}[{t}]: expected an α row of shape (T_x,) = ({T_x},) with "
                             f"weights >= 0, got shape {tuple(row.shape)}, minimum "
                             f"{float(row.min(initial=0.0))}")
    return force


def check_scenes(model, scenes, fname: str, cls: type) -> None:
    """A model of class ``cls`` and a SceneSet (images and refs)."""
    check_instance(model, cls, f"{fname}(model)")
    if not (hasattr(scenes, "images") and hasattr(scenes, "refs")):
        raise TypeError(f"{fname}(scenes): expected a SceneSet (with images and refs), got "
                        f"{got(scenes)}")


def check_image_encoder(images, params, lstm):
    """image_encoder_forward's arguments: images (m, 3, H, W) and the params it reads."""
    images = as_array(images, "image_encoder_forward(images)", ndim=4, symbols="(m, 3, H, W)")
    if images.shape[1] != 3:
        raise ValueError(f"image_encoder_forward(images): expected (m, 3, H, W) (channels "
                         f"first), got {tuple(images.shape)}")
    keys = ["conv1/W", "conv1/b", "conv2/W", "conv2/b", "enc/W_a", "enc/b_a"]
    check_keys(params, keys + ["enc/W_c", "enc/b_c"] * check_bool(
        lstm, "image_encoder_forward(lstm)"), "image_encoder_forward(params)", extra=True)
    return images


def check_encoder_grads(da0, dc0, cache, cls: type):
    """∂J/∂a<0> and ∂J/∂c<0> of the shape of a<0> (n_a, m); dc0 exactly when an LSTM."""
    f = "image_encoder_backward"
    check_cache(cache, cls, f)
    da0 = same_shape(da0, cache.state.a, f"{f}(da0)", "a<0> (n_a, m)")
    if (dc0 is None) != (cache.memory is None):
        raise ValueError(f"{f}(dc0): expected " + ("None (no LSTM, no c<0>)" if cache.memory is
                         None else "∂J/∂c<0> (n_a, m) for an LSTM") + f", got {got(dc0)}")
    return da0, None if dc0 is None else same_shape(dc0, cache.memory.a, f"{f}(dc0)",
                                                     "c<0> (n_a, m)")
