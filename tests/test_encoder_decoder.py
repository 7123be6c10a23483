"""The basic encoder-decoder, the decoding interface, PER, and the shipped models' claims."""

from pathlib import Path

import numpy as np
import pytest

from seqlab.gradcheck import random_direction_check
from seqlab.seq2seq.encoder_decoder import EncoderDecoder, load_seq2seq
from seqlab.seq2seq.metrics import edit_distance, exact_match, phoneme_error_rate
from seqlab.vocab.tokens import TokenVocab

SRC, TGT = TokenVocab("abcd"), TokenVocab("xyz")
SOURCES, TARGETS = ["abca", "d", "bb"], [list("xy"), list("zzzx"), []]
PRETRAINED = Path(__file__).resolve().parents[1] / "seqlab" / "seq2seq" / "pretrained"


@pytest.mark.parametrize("kind,bidirectional,n_layers", [("lstm", True, 1), ("lstm", False, 1),
                                                         ("gru", True, 2), ("rnn", False, 1)])
def test_encoder_decoder_gradient_random_directions(kind, bidirectional, n_layers):
    model = EncoderDecoder(SRC, TGT, n_a=4, n_s=5, kind=kind, bidirectional=bidirectional,
                           n_layers=n_layers, rng=1, dtype=np.float64)
    batch = model.batch(SOURCES, TARGETS)
    J, grads = model.loss(batch)
    assert set(grads) == set(model.params)
    res = random_direction_check(lambda: model.loss(batch)[0], model.params, grads,
                                 n_directions=4, per_key=False)
    assert res.errors["(all)"] < 1e-6


def test_masked_loss_ignores_padding_targets():
    """Changing a padded label or a padded source id changes nothing."""
    model = EncoderDecoder(SRC, TGT, n_a=4, n_s=5, rng=1, dtype=np.float64)
    x_ids, x_len, y_ids, y_len = model.batch(SOURCES, TARGETS)
    J, g = model.loss((x_ids, x_len, y_ids, y_len))
    x2, y2 = x_ids.copy(), y_ids.copy()
    x2[1, 1:] = 3
    y2[0, 3:] = 4
    J2, g2 = model.loss((x2, x_len, y2, y_len))
    assert float(J) == float(J2)
    assert all(np.array_equal(g[k], g2[k]) for k in g)


@pytest.mark.parametrize("kind", ["lstm", "gru", "rnn"])
def test_log_prob_is_the_summed_loss_and_greedy_follows_decoder_step(kind):
    model = EncoderDecoder(SRC, TGT, n_a=4, n_s=5, kind=kind, rng=3, dtype=np.float64)
    x_ids, x_len, y_ids, y_len = model.batch(SOURCES, TARGETS)
    J, _ = model.loss((x_ids, x_len, y_ids, y_len))
    lp = model.log_prob(x_ids, [TGT.encode(t) for t in TARGETS], x_len)
    assert abs(-lp.sum() / y_len.sum() - float(J)) < 1e-12
    outs = model.greedy(x_ids, x_len, max_len=4)
    for i, out in enumerate(outs):              # one example at a time through decoder_step
        states = model.init_state(x_ids[i, :x_len[i]])
        last, mine = np.array([model.bos_id]), []
        for _ in range(4):
            log_probs, states = model.decoder_step(last, states)
            assert log_probs.shape == (1, len(TGT))
            np.testing.assert_allclose(np.exp(log_probs).sum(), 1.0)
            last = log_probs.argmax(axis=1)
            mine.append(int(last[0]))
            if mine[-1] == model.eos_id:
                break
        assert mine == out


def test_decoder_step_with_k_hypotheses_equals_k_single_steps():
    model = EncoderDecoder(SRC, TGT, n_a=4, n_s=5, rng=3, dtype=np.float64)
    states = model.init_state(np.array([3, 4, 5]))
    k_states = tuple(np.repeat(s, 3, axis=0) for s in states)
    lp, new = model.decoder_step(np.array([1, 3, 4]), k_states)
    for j, tok in enumerate([1, 3, 4]):
        lp1, new1 = model.decoder_step(np.array([tok]), states)
        np.testing.assert_allclose(lp[j], lp1[0], atol=1e-12)
        np.testing.assert_allclose(new[0][j], new1[0][0], atol=1e-12)


def test_save_load_roundtrip(tmp_path):
    model = EncoderDecoder(SRC, TGT, n_a=4, n_s=5, kind="gru", rng=5)
    model.save(tmp_path / "m.npz", seed=5, note="x")
    back = load_seq2seq(tmp_path / "m.npz")
    assert isinstance(back, EncoderDecoder) and back.meta == {"seed": 5, "note": "x"}
    x_ids, x_len = model.batch(SOURCES)
    assert back.greedy(x_ids, x_len, 5) == model.greedy(x_ids, x_len, 5)


def test_bad_arguments_raise():
    with pytest.raises(TypeError, match="TokenVocab"):
        EncoderDecoder("abc", TGT)
    model = EncoderDecoder(SRC, TGT, n_a=4, n_s=5)
    with pytest.raises(TypeError, match="x_ids"):             # float ids: the input contract
        model.greedy(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="y_seqs"):
        model.log_prob(np.array([[3, 4]]), [[3], [4]])
    with pytest.raises(ValueError, match="expected tokens of the vocabulary, got 'z'"):
        model.batch(["abz"])


def test_edit_distance_and_per():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance([], ["A"]) == 1
    hyps = [["K", "AE", "T"], ["D", "AO", "G"]]
    refs = [["K", "AE", "T"], [["D", "AA", "G", "Z"], ["D", "AO", "G"]]]
    assert phoneme_error_rate(hyps, refs) == 0.0
    assert phoneme_error_rate([["K", "T"]], [["K", "AE", "T"]]) == pytest.approx(1 / 3)
    assert exact_match(hyps, refs) == 1.0
    with pytest.raises(ValueError, match="equal length"):
        phoneme_error_rate(hyps, refs[:1])


def test_per_matches_a_brute_force_levenshtein():
    rng = np.random.default_rng(0)

    def lev(a, b):  # recursive definition, memoised
        from functools import lru_cache

        @lru_cache(None)
        def d(i, j):
            if i == 0 or j == 0:
                return i + j
            return min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] != b[j - 1]))
        return d(len(a), len(b))

    for _ in range(50):
        a = list(rng.integers(0, 3, rng.integers(0, 7)))
        b = list(rng.integers(0, 3, rng.integers(1, 7)))
        assert edit_distance(a, b) == lev(a, b)


# --------------------------------------------------------------- shipped models' claims
@pytest.mark.parametrize("name", ["g2p_encdec", "g2p_attention"])
def test_shipped_g2p_model_per_claim(name):
    path = PRETRAINED / f"{name}.npz"
    if not path.exists():
        pytest.skip(f"{path.name} not shipped")
    from seqlab.data.g2p import load_g2p

    model = load_seq2seq(path)
    assert path.stat().st_size < 2e6
    assert model.meta["seed"] == 0 and model.meta["task"] == "g2p"
    test = load_g2p("test")
    # every 10th word (590, all initial letters): the claim is over all 5,896 test words
    hyps = model.translate(test.words[::10], max_len=20)
    per = phoneme_error_rate(hyps, test.all_prons[::10])
    assert per == pytest.approx(model.meta["test_per_greedy"], abs=0.04)
    assert model.meta["test_per_greedy"] < 0.30


@pytest.mark.parametrize("name,threshold", [("dates_attention", 0.99), ("dates_plain", 0.0)])
def test_shipped_date_model_accuracy_claim(name, threshold):
    path = PRETRAINED / f"{name}.npz"
    if not path.exists():
        pytest.skip(f"{path.name} not shipped")
    from seqlab.data.dates import load_dates

    model = load_seq2seq(path)
    assert path.stat().st_size < 2e6
    humans, isos = load_dates("test", 2000, seed=0)
    n = 500
    preds = ["".join(t) for t in model.translate(humans[:n], max_len=12)]
    acc = exact_match([list(p) for p in preds], [list(i) for i in isos[:n]])
    claim = model.meta["test_accuracy"]
    assert claim >= threshold
    assert acc == pytest.approx(claim, abs=0.03)
