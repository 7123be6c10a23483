"""seqlab.lm.model, scoring and train: the whole language-model loss and what is built on it.

Float64 finite differences of the whole loss (every cell kind, two layers, padded batches),
truncated BPTT (two windows with the carried state give the whole sequence's loss), the loss
and perplexity against torch's cross-entropy on the same logits, sentence log-probabilities
against a step-by-step product of softmax probabilities, the n-gram baselines against counts
done by hand on a toy text, save/load, training (the loss falls, callbacks, history) and the
non-finite-loss error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from seqlab.functional import softmax
from seqlab.gradcheck import check_grads, random_direction_check
from seqlab.lm import (
    History,
    LanguageModel,
    NonFiniteLossError,
    Vocabulary,
    evaluate,
    ngram_baselines,
    pad_batch,
    perplexity,
    sequence_log_prob,
    stream,
    stream_windows,
    token_log_probs,
    train,
)

WORDS = ["abba", "baab", "cab", "a", "bacca", "abc", "cc"]


def toy_model(kind="rnn", n_layers=1, n_a=4, dtype=np.float64, seed=0):
    vocab = Vocabulary.build(WORDS)
    model = LanguageModel(vocab, n_a, kind, n_layers, rng=seed, dtype=dtype)
    g = np.random.default_rng(seed + 1)
    for k, v in model.params.items():   # non-zero biases, so every term is exercised
        if k.rsplit("/", 1)[-1].startswith("b_"):
            model.params[k] = (0.3 * g.standard_normal(v.shape)).astype(dtype)
    return model


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("n_layers", [1, 2])
def test_whole_lm_loss_gradients_match_finite_differences(kind, n_layers):
    model = toy_model(kind, n_layers)
    x, y, mask = pad_batch([model.vocab.encode(w) for w in WORDS[:4]])
    loss, grads, _ = model.loss(x, y, mask)

    def f():
        return model.loss(x, y, mask, grads=False)[0]

    result = check_grads(f, model.params, grads)
    assert result.passed(1e-7), result
    assert random_direction_check(f, model.params, grads, per_key=False).passed(1e-7)


def test_gradients_with_a_carried_state_match_finite_differences():
    model = toy_model("lstm", 2)
    windows = stream_windows(stream([model.vocab.encode(w) for w in WORDS]), 2, 3)
    _, _, state = model.loss(*windows[0], None, None, grads=False)
    x, y = windows[1]
    _, grads, _ = model.loss(x, y, None, state)
    result = check_grads(lambda: model.loss(x, y, None, state, grads=False)[0],
                         model.params, grads)
    assert result.passed(1e-7), result


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
def test_truncated_bptt_two_windows_with_carried_state_equal_the_whole_sequence(kind):
    model = toy_model(kind, 2)
    tokens = stream([model.vocab.encode(w) for w in WORDS])
    (x, y), = stream_windows(tokens, 2, 100)             # one window: the whole rows
    whole, _, end = model.loss(x, y, grads=False)
    first, _, state = model.loss(x[:, :5], y[:, :5], grads=False)
    second, _, end2 = model.loss(x[:, 5:], y[:, 5:], None, state, grads=False)
    T = x.shape[1]
    assert np.isclose((5 * first + (T - 5) * second) / T, whole, rtol=1e-12, atol=0)
    for a, b in zip(end, end2, strict=True):
        assert (a is None and b is None) or np.allclose(a, b, rtol=1e-12, atol=1e-14)
    # without the carried state the second window is scored from a<0> = 0: a different loss
    fresh, _, _ = model.loss(x[:, 5:], y[:, 5:], grads=False)
    assert not np.isclose(fresh, second)


def test_loss_and_perplexity_match_torch_cross_entropy():
    torch = pytest.importorskip("torch")
    model = toy_model("gru", 1)
    x, y, mask = pad_batch([model.vocab.encode(w) for w in WORDS])
    loss, _, _ = model.loss(x, y, mask, grads=False)
    logits, _, _ = model.forward(x)                        # (n_y, m, T)
    t_logits = torch.tensor(logits).permute(1, 2, 0)       # (m, T, n_y)
    t_y = torch.tensor(np.where(mask, y, -100))
    t_loss = torch.nn.functional.cross_entropy(t_logits.reshape(-1, len(model.vocab)),
                                               t_y.reshape(-1), ignore_index=-100)
    assert np.isclose(loss, t_loss.item(), rtol=1e-12, atol=0)
    assert np.isclose(perplexity(evaluate(model, WORDS)), math.exp(t_loss.item()), rtol=1e-10)


def test_perplexity_is_exp_of_the_mean_loss_per_token():
    assert perplexity(0.0) == 1.0
    assert np.isclose(perplexity(math.log(27)), 27.0)
    model = toy_model("rnn")
    mean = evaluate(model, WORDS, batch_size=3)
    per_token = np.concatenate(token_log_probs(model, WORDS))
    assert np.isclose(mean, -per_token.mean(), rtol=1e-12)
    assert np.isclose(perplexity(mean), np.exp(-per_token.mean()))


def test_sentence_log_prob_is_the_sum_of_step_by_step_conditionals_with_eos():
    model = toy_model("lstm", 2)
    vocab, text = model.vocab, "bacab"
    ids = vocab.encode(text)                       # b a c a b <EOS>
    assert ids[-1] == vocab.eos_id and len(ids) == 6
    total, state, prev = 0.0, None, vocab.eos_id   # x<1> = <EOS>
    for target in ids:                             # one step at a time, feeding y<t-1>
        logits, _, state = model.forward(np.array([[prev]]), state)
        total += math.log(softmax(logits[:, :, 0])[target, 0])
        prev = target
    assert np.isclose(sequence_log_prob(model, text), total, rtol=1e-12)
    # token_log_probs gives the same terms in a padded batch with other texts
    lp = token_log_probs(model, ["a", text, "abcabcabc"])
    assert [len(v) for v in lp] == [2, 6, 10] and np.isclose(lp[1].sum(), total, rtol=1e-12)


def test_ngram_baselines_on_a_toy_text_match_counts_by_hand():
    vocab = Vocabulary(["a", "b"])                 # ids: <EOS> 0, <UNK> 1, a 2, b 3
    train_texts, val_texts = ["ab", "a"], ["b"]
    # training pairs (prev -> next): <EOS>->a, a->b, b-><EOS>, <EOS>->a, a-><EOS>
    # val pairs: <EOS>->b, b-><EOS>;  V = 4, add-one smoothing
    got = ngram_baselines(vocab, train_texts, val_texts, alpha=1.0)
    p_uni_b, p_uni_eos = (1 + 1) / (5 + 4), (2 + 1) / (5 + 4)
    p_bi_eos_b, p_bi_b_eos = (0 + 1) / (2 + 4), (1 + 1) / (1 + 4)
    assert np.isclose(got["uniform"], math.log(4))
    assert np.isclose(got["unigram"], -(math.log(p_uni_b) + math.log(p_uni_eos)) / 2)
    assert np.isclose(got["bigram"], -(math.log(p_bi_eos_b) + math.log(p_bi_b_eos)) / 2)
    alpha = ngram_baselines(vocab, train_texts, val_texts, alpha=0.5)["bigram"]
    assert np.isclose(alpha, -(math.log(0.5 / 4) + math.log(1.5 / 3)) / 2)
    with pytest.raises(ValueError, match="alpha"):
        ngram_baselines(vocab, train_texts, val_texts, alpha=0)


def test_save_and_load_round_trip(tmp_path):
    model = toy_model("gru", 2, dtype=np.float32)
    model.save(tmp_path / "m.npz", info={"note": "toy"})
    loaded = LanguageModel.load(tmp_path / "m.npz")
    assert loaded.vocab == model.vocab and loaded.info == {"note": "toy"}
    assert loaded.net.config == model.net.config
    for k, v in model.params.items():
        assert loaded.params[k].dtype == v.dtype and np.array_equal(loaded.params[k], v)
    assert sequence_log_prob(loaded, "abc") == sequence_log_prob(model, "abc")


def test_a_bidirectional_language_model_is_refused():
    with pytest.raises(ValueError, match="bidirectional"):
        LanguageModel(Vocabulary.build(WORDS), 4, bidirectional=True)


@pytest.mark.parametrize("window", [None, 4])
def test_training_lowers_the_loss_and_reports_to_the_callback(window):
    model = toy_model("lstm", dtype=np.float32, n_a=16)
    data = WORDS * 8 if window is None else " ".join(WORDS * 8)
    before = evaluate(model, data, window)
    seen = []
    history = train(model, data, data, epochs=15, batch_size=8, window=window, lr=0.03,
                    callback=lambda h: seen.append(len(h.step)), every=10, progress=False)
    assert isinstance(history, History) and history.step == list(range(1, len(history.step) + 1))
    assert history.val_loss[-1] < before - 0.3 and history.val_step[-1] == history.step[-1]
    assert len(history.val_loss) == 15           # once per epoch
    assert seen[:2] == [10, 20] and seen[-1] == len(history.step)
    assert history.tokens > 0 and all(np.isfinite(history.grad_norm))
    smooth = history.smoothed(5)
    assert np.isclose(smooth[9], np.mean(history.train_loss[5:10]))


def test_training_with_steps_and_clip_value_stops_on_time():
    model = toy_model("rnn", dtype=np.float32)
    history = train(model, WORDS, None, steps=7, batch_size=2, clip_norm=None, clip_value=0.1,
                    progress=False)
    assert history.step[-1] == 7 and history.val_loss == []


def test_non_finite_loss_raises_a_clear_error_suggesting_clipping():
    vocab = Vocabulary.build(WORDS)
    model = LanguageModel(vocab, 32, "rnn", rng=0, activation="relu")
    with pytest.raises(NonFiniteLossError) as info:
        train(model, " ".join(WORDS * 20), None, epochs=3, window=50, batch_size=4, lr=50.0,
              clip_norm=None, progress=False)     # relu states grow like (lr·n_a)^t
    err = info.value
    assert isinstance(err, FloatingPointError) and isinstance(err, ValueError)
    msg = str(err)
    assert "non-finite at step" in msg and "clip_norm=5.0" in msg and "lr=5" in msg
    assert isinstance(err.__cause__, FloatingPointError)


def test_train_refuses_a_stream_without_a_window_and_empty_data():
    model = toy_model()
    with pytest.raises(ValueError, match="window"):
        train(model, "abc abc", progress=False)
    with pytest.raises(ValueError, match="at least one"):
        train(model, [], progress=False)


def test_training_uses_one_blas_thread_and_restores_the_setting():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["user_api"] == "blas"]

    before, seen = blas_threads(), []
    model = toy_model("rnn", dtype=np.float32)
    train(model, WORDS, None, steps=2, batch_size=4, progress=False, every=1,
          callback=lambda h: seen.append(blas_threads()))
    assert seen and all(all(n == 1 for n in s) for s in seen)
    assert blas_threads() == before
    seen.clear()
    train(model, WORDS, None, steps=1, batch_size=4, progress=False, every=1, blas_threads=None,
          callback=lambda h: seen.append(blas_threads()))
    assert seen[0] == before
