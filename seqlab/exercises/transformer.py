"""Exercises of notebooks 23, 24 and 25 (week 4): scaled dot-product attention, split_heads,
get_angles, positional_encoding, with the course's signatures.

``scaled_dot_product_attention(Q, K, V, mask) -> (out, weights)`` is the course's two-output
function (the library's third output, the cache, is not asked for); ``mask`` is boolean, True
where attending is allowed, so a learner may write ``np.where(mask, e, -1e9)`` as the course
does or leave the masked keys out exactly. No case has a fully masked row, where the two differ.
Each known mistake is one bug in an otherwise right function, with the checker's message.
"""

from __future__ import annotations

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.transformer.attention import scaled_dot_product_attention as _library_sdpa
from seqlab.transformer.multi_head import split_heads as _library_split_heads
from seqlab.transformer.positional import get_angles as _library_get_angles
from seqlab.transformer.positional import positional_encoding as _library_pe

# ------------------------------------------------------------- scaled_dot_product_attention


def _sdpa_reference(Q, K, V, mask):
    out, weights, _ = _library_sdpa(Q, K, V, mask)
    return out, weights


def _softmax(e, axis=-1):
    z = np.exp(e - e.max(axis=axis, keepdims=True))
    return z / z.sum(axis=axis, keepdims=True)


def _sdpa(Q, K, V, mask, bug=None):
    """softmax(Q Kᵀ/√d_k) V in plain NumPy with one known ``bug`` switched on."""
    d_k = Q.shape[-1]
    scale = {"no scale": 1.0, "scale by d_k": d_k, "scale by d_v": np.sqrt(V.shape[-1]),
             "scale by T_k": np.sqrt(K.shape[-2])}.get(bug, np.sqrt(d_k))
    if bug in ("K.T", "K.T with np.dot"):
        e = (np.dot(Q, K.T) if bug == "K.T with np.dot" else Q @ K.T) / scale
    else:
        e = Q @ np.swapaxes(K, -1, -2) / scale
    if mask is not None and bug != "mask ignored":
        keep = ~mask if bug in ("mask inverted", "mask inverted, added") else mask
        if bug == "mask inverted, added":                 # the course's e += (1 - mask) * -1e9
            e = e + (1 - keep) * -1e9
        elif bug != "mask after softmax":
            e = np.where(keep, e, -1e9)
    w = _softmax(e, axis=-2 if bug == "softmax over queries" else -1)
    if mask is not None and bug == "mask after softmax":
        w = w * mask
    return (w if bug == "returns weights twice" else w @ V), w


def _sdpa_mistake(bug):
    return lambda Q, K, V, mask: _sdpa(Q, K, V, mask, bug)


_COURSE_Q = np.array([[1, 0, 1, 1], [0, 1, 1, 1], [1, 0, 0, 1]], dtype=float)
_COURSE_K = np.array([[1, 1, 0, 1], [1, 0, 1, 1], [0, 1, 1, 0], [0, 0, 0, 1]], dtype=float)
_COURSE_V = np.array([[0, 0, 1], [1, 0, 1], [1, 1, 0], [1, 1, 1]], dtype=float)


def _sdpa_case(lead, T_q, T_k, d_k, d_v, mask=None, equal_keys=False):
    def make(r):
        K = r.normal(size=(*lead, T_k, d_k))
        if equal_keys:
            K = np.broadcast_to(K[..., :1, :], K.shape).copy()
        m = None
        if mask == "random":
            m = r.random((*lead, T_q, T_k)) < 0.6
            m[..., 0] = True                           # no fully masked row
        elif mask == "look-ahead":
            m = np.tril(np.ones((T_q, T_k), dtype=bool))
        return {"Q": r.normal(size=(*lead, T_q, d_k)) * 2, "K": K,
                "V": r.normal(size=(*lead, T_k, d_v)), "mask": m}
    return make


SDPA = Exercise(
    name="scaled_dot_product_attention",
    signature="scaled_dot_product_attention(Q, K, V, mask) -> (out, weights)",
    reference=_sdpa_reference,
    source=_library_sdpa,
    library_name="seqlab.transformer.scaled_dot_product_attention",
    week="4",
    output_names=("out", "weights"),
    steps=[("weights", "softmax(Q Kᵀ / √d_k) over the keys (the last axis), with the masked "
                       "scores set to -1e9 before it."),
           ("out", "the weights are right, so out = weights @ V is not.")],
    cases=[
        Case("the course's tiny tensors, no mask", lambda r: {
            "Q": _COURSE_Q, "K": _COURSE_K, "V": _COURSE_V, "mask": None}),
        Case("the course's tiny tensors, mask [[1, 1, 0, 1]]", lambda r: {
            "Q": _COURSE_Q, "K": _COURSE_K, "V": _COURSE_V,
            "mask": np.array([[True, True, False, True]])}),
        Case("all keys equal: the weights must be uniform", _sdpa_case((2,), 3, 5, 4, 2,
                                                                        equal_keys=True),
             isolates="the softmax over the keys"),
        Case("batch of 2, T_q=3, T_k=5, d_k=4, d_v=2, random mask",
             _sdpa_case((2,), 3, 5, 4, 2, mask="random")),
        Case("look-ahead mask, T=4, d_k=8, d_v=3", _sdpa_case((2, 2), 4, 4, 8, 3,
                                                             mask="look-ahead")),
        Case("one query, one key (T = 1)", _sdpa_case((1,), 1, 1, 3, 2)),
    ],
    mistakes=[
        Mistake("no scale", _sdpa_mistake("no scale"),
                "the scores are not scaled: e = Q Kᵀ / √d_k, with d_k = Q.shape[-1]. Without it "
                "the dot products grow with d_k and the softmax saturates."),
        Mistake("scale by d_k", _sdpa_mistake("scale by d_k"),
                "divide by the SQUARE ROOT of d_k, √d_k = np.sqrt(Q.shape[-1]), not by d_k."),
        Mistake("scale by d_v", _sdpa_mistake("scale by d_v"),
                "d_k is the size of the queries and keys, Q.shape[-1] (= K.shape[-1]); you "
                "scaled by the values' size d_v = V.shape[-1]."),
        Mistake("scale by T_k", _sdpa_mistake("scale by T_k"),
                "√d_k uses the feature size d_k = Q.shape[-1], not the number of keys T_k "
                "(K.shape[-2])."),
        Mistake("softmax over queries", _sdpa_mistake("softmax over queries"),
                "the softmax runs over the KEYS, the last axis (axis=-1): each query's weights "
                "over the T_k keys sum to 1. You normalised over the queries (axis=-2)."),
        Mistake("mask inverted", _sdpa_mistake("mask inverted"),
                "the mask is inverted: True (1) means 'may attend', so it is the False entries "
                "that get -1e9 (np.where(mask, e, -1e9), or e + (1 - mask) * -1e9).",
                variants=(_sdpa_mistake("mask inverted, added"),)),
        Mistake("K.T", _sdpa_mistake("K.T"),
                "K.T reverses ALL the axes of a batched K, (m, T_k, d_k) -> (d_k, T_k, m), so "
                "the product fails (it works only for 2-D arrays): transpose the last two axes "
                "only, np.swapaxes(K, -1, -2) (or np.matmul(Q, K.transpose(0, 2, 1)) for 3-D).",
                variants=(_sdpa_mistake("K.T with np.dot"),)),
        Mistake("mask ignored", _sdpa_mistake("mask ignored"),
                "the mask is not used: masked keys (False) must get weight 0, so set their "
                "scores to -1e9 before the softmax."),
        Mistake("mask after softmax", _sdpa_mistake("mask after softmax"),
                "masking after the softmax leaves rows that no longer sum to 1: mask the "
                "SCORES before the softmax (-1e9 where mask is False)."),
    ],
    hints=[
        "Scores first: e = Q Kᵀ / √d_k, shape (..., T_q, T_k); the transpose swaps only the "
        "last two axes of K (np.swapaxes(K, -1, -2), or K.T for 2-D arrays).",
        "Where mask is False set the score to -1e9 (np.where(mask, e, -1e9)), then a softmax "
        "over the last axis (the keys): subtract the max, exponentiate, divide by the sum.",
        "d_k = Q.shape[-1]; e = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d_k); if mask is not "
        "None: e = np.where(mask, e, -1e9); w = np.exp(e - e.max(-1, keepdims=True)); "
        "w = w / w.sum(-1, keepdims=True); return w @ V, w",
    ],
)

# --------------------------------------------------------------------------------- get_angles


def _angles(pos, k, d, bug=None):
    i = {"k for i": k, "float k/2": k / 2}.get(bug, k // 2)
    if bug == "no factor 2":
        return pos / np.power(10000.0, i / d)
    if bug == "precedence":
        return pos / (np.power(10000.0, 2 * i) / d)
    if bug == "times":
        return pos * np.power(10000.0, 2 * i / d)
    if bug == "base 1000":
        return pos / np.power(1000.0, 2 * i / d)
    return pos / np.power(10000.0, 2 * i / d)


def _angles_mistake(bug):
    return lambda pos, k, d: _angles(pos, k, d, bug)


def _angles_case(positions, d):
    return lambda r: {"pos": np.arange(positions)[:, None], "k": np.arange(d)[None, :], "d": d}


def _random_angles_case(r):
    """Up to 11 random positions below 1000 (sorted, not 0..n-1) and a random d in 1..32."""
    d = int(r.integers(1, 33))
    pos = np.sort(r.integers(0, 1000, size=(int(r.integers(1, 12)), 1)), axis=0)
    return {"pos": pos, "k": np.arange(d)[None, :], "d": d}


GET_ANGLES = Exercise(
    name="get_angles",
    signature="get_angles(pos, k, d) -> angles",
    reference=_library_get_angles,
    library_name="seqlab.transformer.get_angles",
    week="4",
    output_names=("angles",),
    cases=[
        Case("one position 1, d = 4: the frequencies themselves", lambda r: {
            "pos": np.array([[1]]), "k": np.arange(4)[None, :], "d": 4}),
        Case("positions 0..4, d = 6", _angles_case(5, 6)),
        Case("positions 0..9, d = 16", _angles_case(10, 16)),
        Case("odd d = 7", _angles_case(3, 7)),
        Case("one feature (d = 1)", _angles_case(4, 1)),
    ],
    hidden_cases=[Case("random positions and d", _random_angles_case)],
    mistakes=[
        Mistake("k for i", _angles_mistake("k for i"),
                "columns 2i and 2i+1 share one frequency: use i = k // 2 in the exponent "
                "2i/d, not k itself."),
        Mistake("float k/2", _angles_mistake("float k/2"),
                "i = k // 2 is an INTEGER division (0, 0, 1, 1, 2, 2, ...); k / 2 gives "
                "0, 0.5, 1, 1.5, ... so the sin and cos of a pair get different frequencies."),
        Mistake("no factor 2", _angles_mistake("no factor 2"),
                "the exponent is 2i/d (the 2 makes the wavelengths reach 10000·2π at the last "
                "pair): pos / 10000**(2 * i / d)."),
        Mistake("precedence", _angles_mistake("precedence"),
                "operator precedence: 10000 ** (2 * i / d) needs the parentheses around the "
                "whole exponent; 10000 ** (2 * i) / d divides after the power."),
        Mistake("times", _angles_mistake("times"),
                "the angle DIVIDES the position by 10000^(2i/d) (slower and slower rotations "
                "for later pairs); you multiplied."),
        Mistake("base 1000", _angles_mistake("base 1000"),
                "the base of the wavelengths is 10000 (ten thousand), not 1000."),
    ],
    hints=[
        "θ(pos, k) = pos / 10000^(2i/d) with i = ⌊k/2⌋: the two columns 2i and 2i+1 use the "
        "same angle.",
        "pos is a column (positions, 1) and k a row (1, d): write the formula with them "
        "directly and broadcasting gives the (positions, d) table.",
        "i = k // 2; return pos / np.power(10000, (2 * i) / np.float64(d))",
    ],
)

# ------------------------------------------------------------------------ positional_encoding


def _pe(positions, d, bug=None):
    pos = np.arange(1, positions + 1) if bug == "starts at 1" else np.arange(positions)
    k = np.arange(d)[None, :]
    angles = _angles(pos[:, None], k, d, "k for i" if bug == "k for i" else None)
    if bug == "halves":
        half = angles[:, 0::2]
        pe = np.concatenate([np.sin(half), np.cos(angles[:, 1::2])], axis=1)
    elif bug == "sin everywhere":
        pe = np.sin(angles)
    else:
        pe = angles.copy()
        first, second = (np.cos, np.sin) if bug == "swapped" else (np.sin, np.cos)
        pe[:, 0::2], pe[:, 1::2] = first(angles[:, 0::2]), second(angles[:, 1::2])
    if bug == "no batch axis":
        return pe
    if bug == "transposed":
        return pe.T[None]
    return pe[None]


def _pe_mistake(bug):
    return lambda positions, d: _pe(positions, d, bug)


PE = Exercise(
    name="positional_encoding",
    signature="positional_encoding(positions, d) -> pos_encoding (1, positions, d)",
    reference=lambda positions, d: _library_pe(positions, d),
    source=_library_pe,
    library_name="seqlab.transformer.positional_encoding",
    week="4",
    output_names=("pos_encoding",),
    cases=[
        Case("8 positions, d = 16", lambda r: {"positions": 8, "d": 16}),
        Case("one position, d = 4 (pos 0: sin 0 = 0, cos 0 = 1)",
             lambda r: {"positions": 1, "d": 4}),
        Case("50 positions, d = 8", lambda r: {"positions": 50, "d": 8}),
        Case("odd d = 7", lambda r: {"positions": 5, "d": 7}),
    ],
    hidden_cases=[Case("random positions (1-59) and d (2-32)", lambda r: {
        "positions": int(r.integers(1, 60)), "d": int(r.integers(2, 33))})],
    mistakes=[
        Mistake("swapped", _pe_mistake("swapped"),
                "sin and cos are swapped: the EVEN columns 0, 2, 4, ... get sin, the odd "
                "columns get cos (angles[:, 0::2] = np.sin(...), angles[:, 1::2] = np.cos(...))."),
        Mistake("sin everywhere", _pe_mistake("sin everywhere"),
                "only the even columns take the sine; the odd columns take the COSINE of their "
                "angle (at position 0 they are 1, not 0)."),
        Mistake("halves", _pe_mistake("halves"),
                "sines and cosines are interleaved (sin in column 2i, cos in column 2i+1), not "
                "all sines followed by all cosines."),
        Mistake("k for i", _pe_mistake("k for i"),
                "the angles are wrong: pass k = np.arange(d) to get_angles and let it compute "
                "i = k // 2 (columns 2i and 2i+1 share a frequency)."),
        Mistake("starts at 1", _pe_mistake("starts at 1"),
                "positions start at 0 (np.arange(positions)), so the first row is sin 0 = 0 "
                "and cos 0 = 1."),
        Mistake("no batch axis", _pe_mistake("no batch axis"),
                "return the course's shape (1, positions, d): add the batch axis with "
                "angles[np.newaxis, ...]."),
        Mistake("transposed", _pe_mistake("transposed"),
                "rows are positions and columns are features: (1, positions, d), not "
                "(1, d, positions); pos is the column np.arange(positions)[:, np.newaxis]."),
    ],
    hints=[
        "Build the (positions, d) table of angles with get_angles(pos, k, d) from the column "
        "pos = 0..positions-1 and the row k = 0..d-1.",
        "Then overwrite the even columns with their sine and the odd columns with their "
        "cosine (slices 0::2 and 1::2), and add a batch axis in front.",
        "a = get_angles(np.arange(positions)[:, np.newaxis], np.arange(d)[np.newaxis, :], d); "
        "a[:, 0::2] = np.sin(a[:, 0::2]); a[:, 1::2] = np.cos(a[:, 1::2]); "
        "return a[np.newaxis, ...]",
    ],
)

# -------------------------------------------------------------------------------- split_heads


def _split(x, n_heads, bug=None):
    """(m, T, d_model) -> (m, h, T, d_k) with one known ``bug`` switched on."""
    m, T, d_model = x.shape
    d_k = d_model / n_heads if bug == "float d_k" else d_model // n_heads
    if bug == "reshape only":
        return x.reshape(m, n_heads, T, d_k)
    if bug == "strided heads":
        return x.reshape(m, T, d_k, n_heads).transpose(0, 3, 1, 2)
    y = x.reshape(m, T, n_heads, d_k)                      # (m, T, h, d_k)
    if bug == "no transpose":
        return y
    if bug == "keys transposed":
        return y.transpose(0, 2, 3, 1)
    if bug == ".T":
        return y.T
    return y.transpose(0, 2, 1, 3)


def _split_mistake(bug):
    return lambda x, n_heads: _split(x, n_heads, bug)


def _split_case(m, T, d_model, h):
    return lambda r: {"x": r.normal(size=(m, T, d_model)), "n_heads": h}


SPLIT_HEADS = Exercise(
    name="split_heads",
    signature="split_heads(x, n_heads) -> (m, n_heads, T, d_k)",
    reference=_library_split_heads,
    library_name="seqlab.transformer.split_heads",
    week="4",
    output_names=("heads",),
    cases=[
        Case("x = 0..23 as (1, 2, 12), 3 heads: head i gets features 4i..4i+3", lambda r: {
            "x": np.arange(24.0).reshape(1, 2, 12), "n_heads": 3}),
        Case("m=2, T=5, d_model=12, 3 heads (d_k = 4)", _split_case(2, 5, 12, 3)),
        Case("m=3, T=7, d_model=8, 2 heads", _split_case(3, 7, 8, 2)),
        Case("one head: only an axis is added", _split_case(2, 4, 6, 1)),
        Case("m=1, T=1, d_model=10, 5 heads (d_k = 2)", _split_case(1, 1, 10, 5)),
    ],
    mistakes=[
        Mistake("reshape only", _split_mistake("reshape only"),
                "a reshape straight to (m, n_heads, T, d_k) cuts the numbers in the wrong "
                "places: head 0 gets the first T·d_k numbers of the sequence (several time "
                "steps). Reshape to (m, T, n_heads, d_k) first, then move the heads axis: "
                ".transpose(0, 2, 1, 3)."),
        Mistake("strided heads", _split_mistake("strided heads"),
                "head i owns the CONSECUTIVE features i·d_k .. (i+1)·d_k - 1; reshaping to "
                "(m, T, d_k, n_heads) gives head i the features i, i + h, i + 2h, ... Reshape "
                "to (m, T, n_heads, d_k)."),
        Mistake("no transpose", _split_mistake("no transpose"),
                "after x.reshape(m, T, n_heads, d_k) move the heads before the time axis: "
                ".transpose(0, 2, 1, 3) gives (m, n_heads, T, d_k), so each head attends over "
                "its own (T, d_k) matrix."),
        Mistake("keys transposed", _split_mistake("keys transposed"),
                "the result is (m, n_heads, d_k, T): the last two axes must be (T, d_k), as for "
                "Q, K and V (the attention transposes K itself). Use .transpose(0, 2, 1, 3)."),
        Mistake(".T", _split_mistake(".T"),
                "`.T` reverses ALL four axes, (d_k, n_heads, T, m); to swap only axes 1 and 2 "
                "use .transpose(0, 2, 1, 3) (or np.swapaxes(y, 1, 2))."),
        Mistake("float d_k", _split_mistake("float d_k"),
                "d_k = d_model / n_heads is a float and reshape needs ints: use integer "
                "division d_model // n_heads."),
    ],
    hints=[
        "Head i owns features i·d_k .. (i+1)·d_k - 1 of each position, d_k = d_model // "
        "n_heads: first give the feature axis two axes, (n_heads, d_k).",
        "x.reshape(m, T, n_heads, d_k) is (m, T, h, d_k); the attention wants the heads as a "
        "batch axis before T: move axis 2 to position 1.",
        "m, T, d_model = x.shape; return x.reshape(m, T, n_heads, d_model // n_heads)"
        ".transpose(0, 2, 1, 3)",
    ],
)

EXERCISES = {ex.name: ex for ex in (SDPA, SPLIT_HEADS, GET_ANGLES, PE)}
