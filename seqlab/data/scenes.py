r"""Synthetic scenes for image captioning: coloured shapes rendered in NumPy, with captions.

*Sequence Models*, week 3, "Basic models": image captioning is a sequence-to-sequence model
whose encoder reads an image instead of a sentence. This module makes a small, deterministic
data set for it: RGB images of one or two shapes (circle, square, triangle) in four colours,
and for every image the captions that describe it correctly. Where the language allows two
descriptions ("a red circle above a blue square" = "a blue square below a red circle") both
are references, so BLEU against several references (the lecture's point) means something.

Scenes
------
==============  ===============================================  ==========================
kind            references                                       example
==============  ===============================================  ==========================
one shape       "a {size} {colour} {shape} {on the|at the} {p}"  a big red circle on the
                "{on the|at the} {p} there is a {size} ..."      left
two, vertical   "a {A} above a {B}", "a {B} below a {A}"         a red circle above a
                                                                 blue square
two, side by    "a {A} to the left of a {B}",                    a green square to the
side            "a {B} to the right of a {A}"                    left of a blue triangle
==============  ===============================================  ==========================

{A}, {B} are "{colour} {shape}" (two different ones), {p} is left, right, top or bottom.
Positions, sizes and colours jitter by a few pixels / percent and every image gets Gaussian
noise, so no two images are equal.

Shapes
------
=========  ====================  ============================================
name       shape                 meaning
=========  ====================  ============================================
images     (m, 3, H, W) float32  RGB in [0, 1], channels first (like torch)
refs       m lists               references[i]: 2 token lists for image i
specs      m dicts               what was drawn (kind, shapes, positions)
=========  ====================  ============================================

Splits come from one seeded generator per split (:func:`scene_splits`); the same arguments
always give the same arrays.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from seqlab._validate import check_dict, check_int, check_keys
from seqlab.vocab.tokens import TokenVocab

__all__ = ["COLOURS", "POSITIONS", "SHAPES", "SIZES", "SceneSet", "make_scenes", "render_scene",
           "scene_captions", "scene_splits", "scene_vocab"]

COLOURS = {"red": (0.95, 0.15, 0.15), "green": (0.15, 0.85, 0.2), "blue": (0.2, 0.35, 1.0),
           "yellow": (0.95, 0.9, 0.1)}
SHAPES = ("circle", "square", "triangle")
SIZES = {"small": 3.0, "big": 5.0}          # radius in pixels at H = 24 (scaled with H)
PAIR_RADIUS = 4.3                           # both shapes of a pair (no size word)
POSITIONS = {"left": ("on", 0.5, 0.25), "right": ("on", 0.5, 0.75),     # (prep, y, x) as
             "top": ("at", 0.25, 0.5), "bottom": ("at", 0.75, 0.5)}     # fractions of H, W
WORDS = ("a", *COLOURS, *SHAPES, *SIZES, "on", "at", "the", *POSITIONS, "there", "is",
         "above", "below", "to", "of")


class SceneSet(NamedTuple):
    """One split: images, their references and what was drawn (module docstring)."""

    images: np.ndarray       # (m, 3, H, W) float32
    refs: list               # m lists of reference token lists
    specs: list              # m dicts


def scene_vocab() -> TokenVocab:
    """The caption vocabulary: ``<pad> <bos> <eos>`` then the words of every template."""
    return TokenVocab(list(WORDS))


def scene_captions(spec: dict) -> list[list[str]]:
    """Every correct caption of a scene (module docstring table), as token lists, canonical
    one first."""
    _check_spec(spec, "scene_captions")
    if spec["kind"] == "one":
        (colour, shape, size), pos = spec["shapes"][0], spec["position"]
        prep = POSITIONS[pos][0]
        thing = [size, colour, shape]
        return [["a", *thing, prep, "the", pos], [prep, "the", pos, "there", "is", "a", *thing]]
    (c1, s1, _), (c2, s2, _) = spec["shapes"]        # shape 1 is above / left of shape 2
    first, second = [c1, s1], [c2, s2]
    if spec["kind"] == "vertical":
        return [["a", *first, "above", "a", *second], ["a", *second, "below", "a", *first]]
    return [["a", *first, "to", "the", "left", "of", "a", *second],
            ["a", *second, "to", "the", "right", "of", "a", *first]]


def _draw(img, shape, colour, cy, cx, r, yy, xx):
    """Paint one shape of radius ``r`` centred at (cy, cx) into ``img`` (3, H, W), in place."""
    if shape == "circle":
        inside = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    elif shape == "square":
        h = 0.85 * r                                  # same area order as the circle
        inside = (np.abs(yy - cy) <= h) & (np.abs(xx - cx) <= h)
    else:                                             # triangle pointing up, base at the bottom
        top, base = cy - r, cy + 0.8 * r
        half = (yy - top) / (base - top) * 1.05 * r   # half-width grows linearly downwards
        inside = (yy >= top) & (yy <= base) & (np.abs(xx - cx) <= half)
    img[:, inside] = np.asarray(colour, dtype=img.dtype)[:, None]


def render_scene(spec: dict, size: int = 24, rng=None) -> np.ndarray:
    """The image (3, size, size) float32 in [0, 1] of ``spec``; ``rng`` adds jitter and noise
    (None: the exact, noise-free drawing)."""
    size = check_int(size, "render_scene(size)", 12)
    _check_spec(spec, "render_scene")
    rng = np.random.default_rng(0) if rng is None else rng
    jitter = 0.0 if spec.get("exact") else 1.0
    img = np.full((3, size, size), 0.12, dtype=np.float32)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    scale = size / 24
    for colour, shape, sz, (fy, fx) in ((*s, c) for s, c in zip(spec["shapes"], spec["centres"],
                                                                strict=True)):
        r = SIZES.get(sz, PAIR_RADIUS) * scale * (1 + jitter * rng.uniform(-0.08, 0.08))
        cy = fy * size + jitter * rng.uniform(-1.2, 1.2) * scale
        cx = fx * size + jitter * rng.uniform(-1.2, 1.2) * scale
        rgb = np.clip(np.asarray(COLOURS[colour]) + jitter * rng.uniform(-0.08, 0.08, 3), 0, 1)
        _draw(img, shape, rgb, cy, cx, r, yy, xx)
    if jitter:
        img += rng.normal(0.0, 0.04, img.shape).astype(np.float32)
    return np.clip(img, 0.0, 1.0)


def _random_spec(rng) -> dict:
    """One scene drawn uniformly: a third single shapes, the rest pairs (vertical or side by
    side), the two shapes of a pair differing in colour or shape."""
    colours, kind = list(COLOURS), rng.choice(["one", "vertical", "horizontal"])
    if kind == "one":
        pos = str(rng.choice(list(POSITIONS)))
        shape = (str(rng.choice(colours)), str(rng.choice(SHAPES)), str(rng.choice(list(SIZES))))
        return {"kind": "one", "shapes": [shape], "position": pos,
                "centres": [POSITIONS[pos][1:]]}
    while True:
        a = (str(rng.choice(colours)), str(rng.choice(SHAPES)), "pair")
        b = (str(rng.choice(colours)), str(rng.choice(SHAPES)), "pair")
        if a[:2] != b[:2]:
            break
    centres = [(0.27, 0.5), (0.73, 0.5)] if kind == "vertical" else [(0.5, 0.27), (0.5, 0.73)]
    return {"kind": str(kind), "shapes": [a, b], "centres": centres}


def make_scenes(n: int, seed: int = 0, size: int = 24) -> SceneSet:
    """``n`` random scenes from one seeded generator: images, references, specs."""
    n, size = check_int(n, "make_scenes(n)", 1), check_int(size, "make_scenes(size)", 12)
    rng = np.random.default_rng(seed)
    specs = [_random_spec(rng) for _ in range(n)]
    images = np.stack([render_scene(s, size, rng) for s in specs])     # (n, 3, H, W)
    return SceneSet(images, [scene_captions(s) for s in specs], specs)


def scene_splits(n_train: int = 4000, n_val: int = 300, n_test: int = 500, seed: int = 0,
                 size: int = 24) -> dict[str, SceneSet]:
    """{"train", "val", "test"}: independent draws (seeds ``seed``, ``seed`` + 1, + 2)."""
    for name, n in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        check_int(n, f"scene_splits({name})", 1)
    return {name: make_scenes(n, seed + k, size)
            for k, (name, n) in enumerate((("train", n_train), ("val", n_val),
                                           ("test", n_test)))}


def _check_spec(spec, fname: str) -> None:
    """A scene spec as :func:`make_scenes` draws it: kind, shapes, centres (+ position)."""
    check_dict(spec, f"{fname}(spec)", "a scene spec (a dict)")
    check_keys(spec, ("kind", "shapes", "centres") + (("position",) if spec.get("kind") ==
                                                      "one" else ()),
               f"{fname}(spec)", extra=True)
    if spec["kind"] not in ("one", "vertical", "horizontal"):
        raise ValueError(f"{fname}(spec): expected kind 'one', 'vertical' or 'horizontal', got "
                         f"{spec['kind']!r}")
