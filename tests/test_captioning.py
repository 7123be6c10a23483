"""Image captioning: the synthetic scenes (seqlab.data.scenes) and the ConvNet -> RNN captioner
(seqlab.seq2seq.captioning, eqs. 1-6).

Scenes: determinism per seed, references that name what was drawn, pixels of the drawn colour
where the caption says. Model: float64 random-direction gradient checks end to end for every
decoder cell, the encoder (conv -> relu -> dense -> a<0>, c<0>) against torch autograd of the
same equations, masking of padded steps, teacher-forced logits = step-by-step decoding, greedy
= beam width 1, save/load, error messages, and the shipped model's BLEU claim re-computed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seqlab.data.scenes import (
    COLOURS,
    SHAPES,
    make_scenes,
    render_scene,
    scene_captions,
    scene_splits,
    scene_vocab,
)
from seqlab.functional import log_softmax
from seqlab.gradcheck import check_grads, random_direction_check, rel_error
from seqlab.seq2seq.captioning import (
    ImageCaptioner,
    caption_metrics,
    image_encoder_backward,
    image_encoder_forward,
)

SHIPPED = (Path(__file__).resolve().parents[1] / "seqlab" / "seq2seq" / "pretrained"
           / "captioning.npz")


@pytest.fixture(scope="module")
def scenes():
    return make_scenes(6, seed=3, size=16)


def _model(kind, dtype=np.float64, n_a=5, size=16, rng=1):
    return ImageCaptioner(scene_vocab(), n_a=n_a, kind=kind, channels=(3, 4), image_size=size,
                          rng=rng, dtype=dtype)


# ------------------------------------------------------------------------------- scenes
def test_scenes_are_deterministic_per_seed_and_differ_across_seeds():
    a, b, c = make_scenes(20, seed=7), make_scenes(20, seed=7), make_scenes(20, seed=8)
    np.testing.assert_array_equal(a.images, b.images)
    assert a.refs == b.refs and a.specs == b.specs
    assert not np.array_equal(a.images, c.images)
    assert a.images.shape == (20, 3, 24, 24) and a.images.dtype == np.float32
    assert a.images.min() >= 0 and a.images.max() <= 1


def test_splits_are_independent_draws():
    sp = scene_splits(30, 10, 12, seed=0)
    assert [len(sp[k].refs) for k in ("train", "val", "test")] == [30, 10, 12]
    np.testing.assert_array_equal(sp["val"].images, make_scenes(10, seed=1).images)
    assert not np.array_equal(sp["train"].images[:10], sp["val"].images)


def test_every_reference_is_in_the_vocabulary_and_has_two_phrasings():
    vocab, sc = scene_vocab(), make_scenes(200, seed=0)
    for refs, spec in zip(sc.refs, sc.specs, strict=True):
        assert len(refs) == 2 and refs[0] != refs[1]
        for r in refs:
            vocab.encode(r)                                  # raises on an unknown word
        if spec["kind"] == "one":                        # same words, another order
            assert sorted(refs[0] + ["there", "is"]) == sorted(refs[1])
        for colour, shape, _ in spec["shapes"]:           # each phrasing names each shape
            assert all(colour in r and shape in r for r in refs)
    kinds = {s["kind"] for s in sc.specs}
    assert kinds == {"one", "vertical", "horizontal"}


def test_captions_say_what_was_drawn():
    spec = {"kind": "vertical", "shapes": [("red", "circle", "pair"), ("blue", "square", "pair")],
            "centres": [(0.27, 0.5), (0.73, 0.5)]}
    assert [" ".join(c) for c in scene_captions(spec)] == [
        "a red circle above a blue square", "a blue square below a red circle"]
    spec = {"kind": "horizontal", "shapes": [("green", "triangle", "pair"),
                                             ("yellow", "circle", "pair")],
            "centres": [(0.5, 0.27), (0.5, 0.73)]}
    assert " ".join(scene_captions(spec)[1]) == "a yellow circle to the right of a green triangle"
    spec = {"kind": "one", "shapes": [("green", "triangle", "small")], "position": "top",
            "centres": [(0.25, 0.5)]}
    assert [" ".join(c) for c in scene_captions(spec)] == [
        "a small green triangle at the top", "at the top there is a small green triangle"]


@pytest.mark.parametrize("shape", SHAPES)
def test_rendered_pixels_have_the_named_colour_where_the_caption_says(shape):
    spec = {"kind": "vertical", "shapes": [("red", shape, "pair"), ("blue", "circle", "pair")],
            "centres": [(0.27, 0.5), (0.73, 0.5)], "exact": True}
    img = render_scene(spec, 24)
    np.testing.assert_allclose(img[:, 7, 12], COLOURS["red"], atol=1e-6)    # top: shape A
    np.testing.assert_allclose(img[:, 17, 12], COLOURS["blue"], atol=1e-6)  # bottom: B
    np.testing.assert_allclose(img[:, 0, 0], 0.12, atol=1e-6)               # background


def test_scene_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"make_scenes\(n\)"):
        make_scenes(0)
    with pytest.raises(ValueError, match=r"render_scene\(size\)"):
        render_scene(make_scenes(1).specs[0], size=8)


# ------------------------------------------------------------------------------- model
def _away_from_init(model, seed=0):
    """Weights x2 and random biases: at the initial point the image's effect on J is ~1e-5
    along a unit direction, where round-off in J (1e-16·J/h) alone gives relative errors of
    1e-6; here every directional derivative is O(1e-2..1) and the check is meaningful."""
    r = np.random.default_rng(seed)
    for k, v in model.params.items():
        v *= 2
        if "/b" in k or k == "b_y":
            v += 0.3 * r.normal(size=v.shape)
    return model


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("seed", [0, 1])
def test_captioner_gradients_float64(kind, seed, scenes):
    """End to end: random directions through every parameter at once; then element-wise
    finite differences of the image encoder's params (the path through a<0>, c<0>)."""
    model = _away_from_init(_model(kind, rng=seed), seed)
    batch = model.batch(scenes.images[:4], [r[i % 2] for i, r in enumerate(scenes.refs[:4])])
    J, grads = model.loss(batch)
    assert set(grads) == set(model.params)
    res = random_direction_check(lambda: model.loss(batch)[0], model.params, grads,
                                 n_directions=4, seed=seed, per_key=False)
    assert res.passed(1e-7), res
    enc = [k for k in model.params if k.startswith(("conv", "enc"))]
    res = check_grads(lambda: model.loss(batch)[0], model.params, grads, keys=enc,
                      max_elements=25, seed=seed)
    assert res.passed(1e-7), res
    for k in ("conv1/W", "enc/W_a"):                  # the image reaches the loss
        assert np.abs(grads[k]).max() > 1e-3


def test_image_encoder_matches_torch_autograd_float64(scenes):
    torch = pytest.importorskip("torch")
    model = _model("lstm", n_a=6)
    x = scenes.images[:3].astype(np.float64)
    a0, c0, cache = image_encoder_forward(x, model.params, lstm=True)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()
         if k.startswith(("conv", "enc"))}
    F = torch.nn.functional
    h1 = F.relu(F.conv2d(torch.tensor(x), t["conv1/W"], t["conv1/b"], stride=2, padding=1))
    h2 = F.relu(F.conv2d(h1, t["conv2/W"], t["conv2/b"], stride=2, padding=1))
    v = h2.reshape(3, -1).T
    ta0 = torch.tanh(t["enc/W_a"] @ v + t["enc/b_a"])
    tc0 = torch.tanh(t["enc/W_c"] @ v + t["enc/b_c"])
    assert rel_error(a0, ta0.detach().numpy()) < 1e-10
    assert rel_error(c0, tc0.detach().numpy()) < 1e-10
    r = np.random.default_rng(0)
    da0, dc0 = r.normal(size=a0.shape), r.normal(size=c0.shape)
    (ta0 * torch.tensor(da0)).sum().add((tc0 * torch.tensor(dc0)).sum()).backward()
    grads = image_encoder_backward(da0, dc0, cache)
    assert set(grads) == set(t)
    for k in t:
        assert rel_error(grads[k], t[k].grad.numpy()) < 1e-10, k


def test_padded_steps_do_not_change_the_loss(scenes):
    model = _model("lstm")
    images, y, lengths = model.batch(scenes.images[:3], [r[0] for r in scenes.refs[:3]])
    J, grads = model.loss((images, y, lengths))
    y2 = y.copy()
    for i, L in enumerate(lengths):
        y2[i, L:] = 5                                    # garbage where the mask is 0
    J2, grads2 = model.loss((images, y2, lengths))
    assert abs(float(J) - float(J2)) < 1e-12
    assert all(np.allclose(grads[k], grads2[k], atol=1e-12) for k in grads)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_teacher_forced_logits_equal_step_by_step_decoding(kind, scenes):
    model = _model(kind)
    images, y, lengths = model.batch(scenes.images[:2], [r[0] for r in scenes.refs[:2]])
    logits, _ = model.forward(images, y, lengths)
    states = model.init_state(images)
    last = np.full(2, model.bos_id)
    for t in range(int(lengths.min())):
        lp, states = model.decoder_step(last, states)
        np.testing.assert_allclose(lp, log_softmax(logits[:, :, t], axis=0).T, atol=1e-12)
        last = y[:, t]


def test_greedy_equals_beam_width_one_and_captions_use_the_vocabulary(scenes):
    model = _model("lstm", rng=4)
    greedy = model.greedy(scenes.images, max_len=6)
    for im, g in zip(scenes.images, greedy, strict=True):
        assert model.beam(im, beam_width=1, max_len=6).best == g
    caps = model.caption(scenes.images[:2], beam_width=2, max_len=6)
    assert all(set(c) <= set(scene_vocab().itos[3:]) for c in caps)


def test_save_load_round_trip(tmp_path, scenes):
    model = _model("gru", dtype=np.float32)
    model.save(tmp_path / "m.npz", seed=1)
    back = ImageCaptioner.load(tmp_path / "m.npz")
    assert back.config == model.config and back.meta["seed"] == 1
    assert model.greedy(scenes.images) == back.greedy(scenes.images)


def test_captioner_errors_name_the_argument(scenes):
    with pytest.raises(TypeError, match=r"ImageCaptioner\(vocab\)"):
        ImageCaptioner(["a", "b"])
    with pytest.raises(ValueError, match=r"ImageCaptioner\(image_size\)"):
        ImageCaptioner(scene_vocab(), image_size=18)
    model = _model("lstm")
    with pytest.raises(ValueError, match=r"batch\(images\).*\(m, 3, 16, 16\)"):
        model.batch(np.zeros((2, 3, 24, 24)), [["a"], ["a"]])
    with pytest.raises(ValueError, match=r"batch\(captions\)"):
        model.batch(scenes.images[:2], [["a"]])
    with pytest.raises(ValueError, match=r"beam\(image\)"):
        model.beam(scenes.images[:2])


# ------------------------------------------------------------------------------- shipped
def test_shipped_model_bleu_claim_is_recomputed():
    model = ImageCaptioner.load(SHIPPED)
    meta = model.meta
    data = meta["data"]
    test = make_scenes(data["n_test"], seed=data["seed"] + 2, size=data["size"])
    greedy = caption_metrics(model, test)
    assert abs(greedy["bleu"] - meta["test_bleu_greedy"]) < 1e-6
    assert abs(greedy["exact"] - meta["test_exact_greedy"]) < 1e-9
    assert greedy["bleu"] >= 0.9 and greedy["exact"] >= 0.8
    assert SHIPPED.stat().st_size < 1_000_000
