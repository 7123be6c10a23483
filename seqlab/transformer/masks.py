r"""Masks for attention: padding (ignore pad tokens) and look-ahead (no peeking at the future).

Week 4, "Transformer Network" and the course's ``create_padding_mask`` /
``create_look_ahead_mask``. A mask is boolean and True where attending is ALLOWED (the course's
1s); :func:`~seqlab.transformer.attention.scaled_dot_product_attention` leaves the False
entries out of the softmax.

Shapes
------
=================  ===============  ====================================================
name               shape            meaning
=================  ===============  ====================================================
tokens             (m, T)           integer token ids, ``pad_id`` for padding
padding_mask       (m, 1, T)        True for real tokens; broadcasts over the T_q queries
look_ahead_mask    (1, T, T)        True on and below the diagonal: t attends to t' <= t
decoder_mask       (m, T, T)        both: no future and no padding
=================  ===============  ====================================================

Equations
---------
.. math::

    (1)\quad \mathrm{pad}_{i, t'} = [\,x^{(i)\langle t' \rangle} \ne \mathrm{pad}\,] \qquad
    (2)\quad \mathrm{ahead}_{t, t'} = [\,t' \le t\,] \qquad
    (3)\quad \mathrm{dec}_{i, t, t'} = \mathrm{pad}_{i, t'} \wedge \mathrm{ahead}_{t, t'}

Notes
-----
Differs from the lecture: the course's masks are float 1/0 and the padding mask of an old
version marked the PAD positions with 1; here True always means "may attend". torch's
``key_padding_mask`` and boolean ``attn_mask`` of ``nn.MultiheadAttention`` use the opposite
convention (True = ignore): pass ``~mask`` there.
"""

from __future__ import annotations

from seqlab._validate import as_array, check_int
from seqlab.backend import get_array_module, to_device, xp_default

__all__ = ["decoder_mask", "look_ahead_mask", "padding_mask"]


def padding_mask(tokens, pad_id: int = 0):
    """True where the key is a real token (eq. 1).

    Parameters
    ----------
    tokens : integer array (m, T)
    pad_id : int, the padding token

    Returns
    -------
    mask : boolean array (m, 1, T)
    """
    return _padding_mask(tokens, pad_id, "padding_mask")


def _padding_mask(tokens, pad_id, fname: str):
    tokens = as_array(tokens, f"{fname}(tokens)", "int", ndim=2, symbols="(m, T) of token ids")
    pad_id = check_int(pad_id, f"{fname}(pad_id)", 0)
    return (tokens != pad_id)[:, None, :]                 # (1) (m, 1, T)


def look_ahead_mask(size: int):
    """True on and below the diagonal: query t may attend to keys t' <= t (eq. 2).

    Parameters
    ----------
    size : int >= 1, T

    Returns
    -------
    mask : boolean array (1, T, T)
    """
    size = check_int(size, "look_ahead_mask(size)", 1)
    xp = xp_default()
    return xp.tril(xp.ones((size, size), dtype=bool))[None]   # (2) (1, T, T)


def decoder_mask(tokens, pad_id: int = 0):
    """The decoder's self-attention mask: no future position and no padding (eq. 3).

    Parameters
    ----------
    tokens : integer array (m, T), the decoder's input (shifted right, starting with bos)
    pad_id : int

    Returns
    -------
    mask : boolean array (m, T, T)
    """
    pad = _padding_mask(tokens, pad_id, "decoder_mask")   # (m, 1, T)
    ahead = look_ahead_mask(int(pad.shape[-1]))           # (1, T, T)
    xp = get_array_module(pad)
    return pad & to_device(ahead, xp)                     # (3) (m, T, T)
