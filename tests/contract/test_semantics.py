"""Where two functions do the same job they follow one rule (docs/input-contract.md):

- masks: True = may attend in both attentions (week 3's additive attention step and week 4's
  scaled dot-product / multi-head attention); a query with no allowed key gets weights 0 and
  output 0, with zero gradients; masks are boolean arrays in both;
- zero vectors: every similarity scores a zero vector 0.0 (the course's cosine_similarity);
- eos: every decoder refuses an eos >= V with the same words (it could never end a search);
- references: every BLEU function checks every reference the same way.
"""

from __future__ import annotations

import numpy as np
import pytest

from seqlab._validate import IdError
from seqlab.embeddings.keyed_vectors import KeyedVectors
from seqlab.embeddings.similarity import cosine_similarity
from seqlab.seq2seq import attention as att
from seqlab.seq2seq import beam, bleu, search
from seqlab.transformer import attention as sdpa
from seqlab.transformer import model as tm
from seqlab.transformer import multi_head as mh

RNG = np.random.default_rng(17)


# --------------------------------------------------------------------------- masks
def _additive(mask):
    s_prev, a = RNG.standard_normal((4, 3)), RNG.standard_normal((6, 3, 5))
    params = att.init_attention_params(4, 6, "additive", 7, 0)
    return s_prev, a, params, att.attention_step_forward(s_prev, a, params, mask=mask)


def _full_row_mask():
    mask = np.ones((3, 5), bool)
    mask[1, 3:] = False                      # padding in example 1
    mask[2] = False                          # example 2: nothing to attend to
    return mask


def test_a_query_with_no_allowed_key_gets_zero_weights_in_both_attentions():
    mask = _full_row_mask()
    s_prev, a, params, (ctx, alpha, _) = _additive(mask)
    assert np.all(alpha[2] == 0) and np.all(ctx[:, 2] == 0)
    assert np.all(alpha[1, 3:] == 0) and np.allclose(alpha[:2].sum(axis=1), 1, atol=1e-12)
    # the same mask, as the Transformer's (m, T_q = 1, T_k): True = may attend
    Q, K, V = (RNG.standard_normal((3, 1, 4)), RNG.standard_normal((3, 5, 4)),
               RNG.standard_normal((3, 5, 2)))
    out, w, _ = sdpa.scaled_dot_product_attention(Q, K, V, mask[:, None, :])
    assert np.all(w[2] == 0) and np.all(out[2] == 0)
    assert np.all(w[1, :, 3:] == 0) and np.allclose(w[:2].sum(axis=-1), 1, atol=1e-12)
    params = mh.init_multi_head_params(4, 0)
    out, w, _ = mh.multi_head_attention_forward(Q, K, params, 2, mask[:, None, :])
    assert np.all(w[2] == 0)
    assert np.allclose(out[2], params["b_o"])        # zero heads, then the output bias


def test_the_fully_masked_row_has_zero_gradients_checked_by_finite_differences():
    mask = _full_row_mask()
    s_prev, a, params, (ctx, _, cache) = _additive(mask)
    dctx = RNG.standard_normal(ctx.shape)
    ds_prev, da, _ = att.attention_step_backward(dctx, cache)
    assert np.all(ds_prev[:, 2] == 0) and np.all(da[:, 2] == 0)
    h = 1e-6
    for idx in [(0, 2, 1), (3, 1, 4), (2, 0, 0)]:    # example 2 (masked), padding, a real step
        a_plus, a_minus = a.copy(), a.copy()
        a_plus[idx] += h
        a_minus[idx] -= h
        J = [float((att.attention_step_forward(s_prev, x, params, mask=mask)[0] * dctx).sum())
             for x in (a_plus, a_minus)]
        assert abs((J[0] - J[1]) / (2 * h) - da[idx]) < 1e-7, idx


@pytest.mark.parametrize("call", [
    lambda m: _additive(m),
    lambda m: sdpa.scaled_dot_product_attention(np.ones((3, 1, 2)), np.ones((3, 5, 2)),
                                                np.ones((3, 5, 2)), m[:, None, :]),
])
def test_both_attentions_take_only_boolean_masks(call):
    with pytest.raises(TypeError, match="bool"):
        call(_full_row_mask().astype(int))


# --------------------------------------------------------------------------- zero vectors
def test_every_similarity_scores_a_zero_vector_zero():
    v = RNG.standard_normal(5)
    assert cosine_similarity(np.zeros(5), v) == 0.0
    kv = KeyedVectors(["zero", "a", "b"], np.vstack([np.zeros(5), v, -v]))
    assert kv.similarity("zero", "a") == 0.0
    scores = dict(kv.most_similar("a"))
    assert scores["zero"] == 0.0 and scores["b"] == pytest.approx(-1.0)


# --------------------------------------------------------------------------- eos
def _step(last, state):
    return np.tile(np.log([0.1, 0.2, 0.7]), (last.shape[0], 1)), state


TF = tm.Transformer(tm.TransformerConfig(5, 3, d_model=4, n_heads=1, d_ff=4, n_layers=1,
                                         max_len=4), seed=0, dtype="float64")


@pytest.mark.parametrize("name, call", [
    ("greedy_decode", lambda: search.greedy_decode(_step, None, 0, 3)),
    ("exhaustive_search", lambda: search.exhaustive_search(_step, None, 0, 3)),
    ("beam_search", lambda: beam.beam_search(_step, None, 0, 3)),
    ("Transformer.greedy_decode", lambda: TF.greedy_decode(np.array([[1, 2]]), 1, 3, 2)),
])
def test_every_decoder_refuses_an_eos_it_could_never_produce(name, call):
    with pytest.raises(IdError, match=rf"{name}\(eos\): expected a token id < V = 3, got 3"):
        call()


# --------------------------------------------------------------------------- references
H, R = "the cat sat".split(), "the cat sat down".split()
BLEU = {"modified_precision": lambda h, refs: bleu.modified_precision(h, refs, 1),
        "brevity_penalty": bleu.brevity_penalty, "sentence_bleu": bleu.sentence_bleu,
        "bleu_explain": bleu.bleu_explain,
        "corpus_bleu": lambda h, refs: bleu.corpus_bleu([h], [refs])}


@pytest.mark.parametrize("name", sorted(BLEU))
def test_every_bleu_function_checks_every_reference(name):
    fn = BLEU[name]
    with pytest.raises(TypeError, match=rf"{name}\(references\).*got the str 'the cat'"):
        fn(H, [R, "the cat"])                         # the second reference, not only the first
    with pytest.raises(TypeError, match="wrap a single reference in a list"):
        fn(H, R)
    with pytest.raises(ValueError, match="one or more references"):
        fn(H, [])
    assert fn(H, (tuple(R),)) == fn(H, [R]) or name == "bleu_explain"
