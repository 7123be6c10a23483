"""The exercise framework: the library passes, known mistakes get their message, nothing crashes.

For every registered exercise: (1) the library's own implementation passes its check; (2) each
registered mistake, submitted as a learner's answer, gets that mistake's specific message;
(3) independently written wrong versions (other code, same bug) get the same diagnosis, and
every exercise has at least six of them, written as learners write them, in the catalogs
tests/test_*_exercises_learners.py (each checked there with :func:`assert_gets`); (4) no wrong
answer passes, on the visible cases or on other seeds'; (5) any misbehaving function (raises,
returns junk, loops over inputs in place) gets a diagnosis and never a traceback from inside
the checker.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from seqlab.exercises import (
    REGISTRY,
    Case,
    Exercise,
    Mistake,
    check,
    check_dense_forward,
    check_softmax,
    get_exercise,
    hint,
    progress,
    reveal,
)
from tests.helpers.catalog import fast

EXERCISES = sorted(REGISTRY)


@pytest.mark.parametrize("name", EXERCISES)
def test_library_implementation_passes_its_check(name):
    ex = REGISTRY[name]
    result = check(ex, ex.reference)
    assert result.status == "passed", repr(result)
    assert result.cases_passed == result.cases_total == len(ex.cases)


@pytest.mark.parametrize(("name", "mistake", "version"),
                         [(n, m.name, v) for n in EXERCISES for m in REGISTRY[n].mistakes
                          for v in range(1 + len(m.variants))])
def test_each_known_mistake_gets_its_own_message(name, mistake, version):
    ex = fast(name)
    wrong = next(m for m in ex.mistakes if m.name == mistake)
    result = check(ex, (wrong.fn, *wrong.variants)[version])
    assert result.status == "failed"
    assert result.mistake == mistake, repr(result)
    assert wrong.message in result.message


@pytest.mark.parametrize("name", EXERCISES)
def test_every_exercise_has_three_hints_and_at_least_six_known_mistakes(name):
    ex = REGISTRY[name]
    assert len(ex.hints) == 3 and len(ex.mistakes) >= 6   # hint() numbers them "Hint k/3"
    assert len({m.name for m in ex.mistakes}) == len({m.message for m in ex.mistakes}) == len(
        ex.mistakes)


@pytest.mark.parametrize("name", EXERCISES)
def test_no_known_mistake_passes_on_other_inputs_either(name):
    """A wrong answer never passes: every known mistake (each way of writing it) fails the
    cases drawn from two other seeds too, as a grader's hidden seeds draw them. (One that never
    stops is stopped on its case whatever the seed: the per-mistake test above.)"""
    ex = fast(name)
    for wrong in (m for m in ex.mistakes if not m.hangs):   # those never return, nor pass
        for fn in (wrong.fn, *wrong.variants):
            for seed in (1, 2):
                assert check(ex, fn, seed).status == "failed", (wrong.name, seed)


# ----------------------------------------------------- learners' own code, one catalog per week

LEARNER_MODULES = sorted(p.stem for p in Path(__file__).parent.glob("test_*_exercises_learners.py"))


def learner_catalog() -> list[tuple[str, Callable, str]]:
    """(exercise, learner's function, expected diagnosis) from every catalog module."""
    return [answer for module in LEARNER_MODULES
            for answer in importlib.import_module(f"tests.{module}").LEARNERS]


def test_every_exercise_has_six_learner_written_mistakes_with_their_diagnosis():
    count = Counter(name for name, _, _ in learner_catalog())
    assert LEARNER_MODULES and {n: count[n] for n in EXERCISES if count[n] < 6} == {}
    assert set(count) <= set(EXERCISES)


@pytest.mark.parametrize("name", EXERCISES)
def test_stub_as_shipped_is_open_not_failed(name):
    def stub(*args, **kwargs):
        # YOUR CODE HERE
        raise NotImplementedError()

    result = check(REGISTRY[name], stub)
    assert result.status == "open"
    assert "not done yet" in result.message and REGISTRY[name].library_name in result.message


# Wrong versions written differently from the registered mistakes: the diagnosis must generalise.
def _sm_axis_last(z):
    ez = np.exp(z)
    return ez / np.sum(ez, axis=-1)[:, None]


def _sm_overflow(z):
    return np.exp(z) / np.exp(z).sum(0)


def _sm_no_norm(z):
    return np.exp(z - np.max(z, axis=0))


def _sm_neg(z):
    e = np.exp(-(z - z.min(axis=0)))
    return e / np.sum(e, axis=0, keepdims=True)


@pytest.mark.parametrize(("fn", "mistake"), [
    (_sm_axis_last, "wrong axis"),
    (_sm_overflow, "overflow"),
    (_sm_no_norm, "not normalised"),
    (_sm_neg, "wrong sign"),
])
def test_softmax_learner_variants_are_diagnosed(fn, mistake):
    with np.errstate(all="ignore"):
        result = check_softmax(fn)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


@pytest.mark.parametrize(("fn", "mistake"), [
    (lambda x, W, b: np.tanh(np.dot(W, x)), "dropped bias"),
    (lambda x, W, b: 1.0 / (1.0 + np.exp(-np.dot(W, x) - b)), "sigmoid"),
    (lambda x, W, b: np.dot(W, x) + b, "no activation"),
    (lambda x, W, b: np.tanh(np.matmul(W.T, x) + b), "transposed weight"),
    (lambda x, W, b: np.tanh((W @ x).T + b.ravel()), "row layout"),
    (lambda x, W, b: np.tanh(W @ x - b), "wrong sign"),
])
def test_dense_learner_variants_are_diagnosed(fn, mistake):
    result = check_dense_forward(fn)
    assert result.status == "failed" and result.mistake == mistake, repr(result)


def test_dropped_bias_is_pinned_to_b_by_term_isolation():
    result = check_dense_forward(lambda x, W, b: np.tanh(W @ x))
    assert result.cases_passed == 0  # the first case leaves only b non-zero
    # an unknown bug on the b-only case reports the isolated term
    result = check_dense_forward(lambda x, W, b: np.tanh(W @ x + 2 * b))
    assert "related to b?" in result.message, repr(result)


def test_off_by_one_is_reported_with_the_largest_difference():
    result = check_dense_forward(lambda x, W, b: np.tanh(W @ x + b) + 1e-3)
    assert result.status == "failed"
    assert any("largest difference" in d for d in result.details), repr(result)


def _raises_inside(z):
    return z[:, 10**6]          # IndexError in the learner's own line


@pytest.mark.parametrize(("fn", "expected"), [
    (lambda z: None, "forget the `return`"),
    (lambda z: "probabilities", "should be a NumPy array"),
    (lambda z: z.tolist(), "should be a NumPy array"),
    (lambda z: z.sum(axis=0), "has shape"),
    (lambda z: (z, z), "tuple of 2 values"),
    (_raises_inside, "raised IndexError"),
    (lambda z: np.full_like(z, np.nan), "NaN or inf"),
    (42, "expected your function"),
])
def test_misbehaving_functions_get_a_diagnosis_not_a_traceback(fn, expected):
    result = check_softmax(fn)
    assert result.status == "failed"
    assert expected in result.message + " ".join(result.details), repr(result)


def test_exception_points_at_the_learners_line():
    result = check_softmax(_raises_inside)
    assert any("z[:, 10**6]" in d for d in result.details), repr(result)


def test_in_place_modification_of_an_input_is_reported():
    def softmax_in_place(z):
        z -= z.max(axis=0, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=0, keepdims=True)
        return z

    result = check_softmax(softmax_in_place)
    assert result.status == "failed" and "in place" in result.message


def test_transposed_output_shape_is_named():
    result = check_dense_forward(lambda x, W, b: np.tanh(W @ x + b).T)
    assert "transpose" in result.message or result.mistake == "row layout", repr(result)


def test_result_displays_as_text_and_html():
    result = check_softmax(REGISTRY["softmax"].reference)
    assert repr(result).startswith("✓ softmax")
    assert "#1a7f37" in result._repr_html_()
    assert bool(result)


def test_hints_are_tiered_and_reveal_shows_the_library_source():
    first, second = hint("softmax"), hint("softmax")
    assert repr(first) == str(first)  # displays as text, not as a quoted string
    assert first.startswith("Hint 1/") and second.startswith("Hint 2/")
    assert hint("softmax", 1).startswith("Hint 1/")
    with pytest.raises(ValueError, match="hint\\(level\\)"):
        hint("softmax", 99)
    source = reveal("softmax")
    assert "def softmax" in repr(source) and "<details>" in source._repr_html_()


def test_unknown_exercise_name_lists_known_ones():
    with pytest.raises(KeyError, match="softmax"):
        get_exercise("sofmax")


def test_progress_counts_the_exercise_cells_function_not_try_outs():
    def softmax(z):
        return REGISTRY["softmax"].reference(z)

    check_softmax(softmax)
    check_softmax(_sm_neg)  # a try-out with another name does not overwrite the result
    assert "✓ softmax" in progress()


# ----------------------------------------------- outputs: a dict of gradients and an ignored cache

def _grads_reference(x):
    return x * 2, {"dW": x.sum(axis=1, keepdims=True), "db": x.mean(axis=1, keepdims=True)}, ()


_GRADS = Exercise(name="grads", signature="grads(x) -> (y, grads, cache)",
                  reference=_grads_reference, output_names=("y", "grads", "cache"),
                  not_compared=("cache",),
                  cases=[Case("random 3 x 4", lambda r: {"x": r.normal(size=(3, 4))})])


def test_a_dict_output_is_compared_key_by_key_and_a_cache_is_not_compared():
    def right(x):
        y, g, _ = _grads_reference(x)
        return y, g, object()  # any cache at all

    assert check(_GRADS, right).passed

    def wrong_db(x):
        y, g, c = _grads_reference(x)
        return y, {**g, "db": g["db"] + 1}, c

    result = check(_GRADS, wrong_db)
    assert result.status == "failed" and 'grads["db"]' in result.message

    def missing_key(x):
        y, g, c = _grads_reference(x)
        return y, {"dW": g["dW"]}, c

    result = check(_GRADS, missing_key)
    assert "missing ['db']" in result.message

    def not_a_dict(x):
        y, g, c = _grads_reference(x)
        return y, [g["dW"], g["db"]], c

    assert "should be a dict with keys ['dW', 'db']" in check(_GRADS, not_a_dict).message

    def transposed_dW(x):
        y, g, c = _grads_reference(x)
        return y, {**g, "dW": g["dW"].T}, c

    assert 'grads["dW"]` has shape (1, 3), expected (3, 1)' in check(_GRADS, transposed_dW).message


def test_check_functions_exist_for_every_registered_exercise():
    import seqlab.exercises as exercises

    for name in REGISTRY:
        assert callable(getattr(exercises, f"check_{name}"))
        assert f"check_{name}" in exercises.__all__
    with pytest.raises(AttributeError, match="check_nope"):
        exercises.check_nope  # noqa: B018


def test_parameter_names_are_free_arguments_go_by_position():
    def dense_forward(inputs, weights, bias):  # the course's names, not the library's
        return np.tanh(weights @ inputs + bias)

    assert check_dense_forward(dense_forward).passed


def test_a_list_of_the_wrong_length_and_a_checker_failure_get_a_message_not_a_traceback():
    lst = Exercise(name="ids", signature="ids(x) -> ids", reference=lambda x: [1, 2, 3],
                   output_names=("ids",),
                   cases=[Case("any", lambda r: {"x": np.zeros(2)})])
    result = check(lst, lambda x: [1, 2])
    assert result.status == "failed" and "shape/length (2,)" in result.message
    broken = Exercise(name="broken", signature="broken(x) -> y", reference=lambda x: x,
                      output_names=("y",), cases=[Case("boom", lambda r: 1 / 0)])
    result = check(broken, lambda x: x)
    assert result.status == "failed" and "could not judge" in result.message


def test_known_mistakes_are_matched_on_untouched_inputs_after_an_in_place_answer():
    def scale_ref(g):
        return {k: v * 2 for k, v in g.items()}

    def forgot_b(g):
        return {"W": g["W"] * 2, "b": g["b"]}

    ex = Exercise(name="scale", signature="scale(g) -> g", reference=scale_ref,
                  output_names=("g",),
                  mistakes=[Mistake("forgot b", forgot_b, "b is not scaled.")],
                  cases=[Case("W and b", lambda r: {"g": {"W": r.normal(size=(2, 2)),
                                                          "b": r.normal(size=(2, 1))}})])

    def in_place_forgot_b(g):
        g["W"] *= 2  # the course's in-place style, with the same bug
        return g

    result = check(ex, in_place_forgot_b)
    assert result.mistake == "forgot b", result


def test_a_key_error_lists_the_keys_of_the_dicts_given():
    ex = Exercise(name="look_up", signature="look_up(params) -> w", output_names=("w",),
                  reference=lambda params: params["W_f"],
                  cases=[Case("one key", lambda r: {"params": {"W_f": np.ones(2)}})])
    result = check(ex, lambda params: params["Wf"])
    assert "KeyError: 'Wf'" in result.message and "`params` has the keys ['W_f']" in result.message


def test_scalar_outputs_compare_with_the_exercise_tolerance():
    # a float cost computed in another order differs in the last bits: still the same answer
    from seqlab.exercises.core import _same

    assert _same(0.1 + 0.2, 0.3, 1e-7, 1e-9)
    assert _same(np.float32(1.0), 1.0 + 1e-12, 1e-7, 1e-9)
    assert not _same(0.31, 0.3, 1e-7, 1e-9)
    assert _same(float("nan"), float("nan"), 1e-7, 1e-9)
    assert _same(True, True, 1e-7, 1e-9) and not _same(True, False, 1e-7, 1e-9)
    assert _same(["a", "b"], ["a", "b"], 1e-7, 1e-9) and not _same("a", "b", 1e-7, 1e-9)


def test_a_wrong_word_is_reported_as_the_word_not_a_shape():
    from seqlab.exercises.core import Case, Exercise, check

    ex = Exercise(name="_pick_word", signature="pick(words)", hints=("h1", "h2", "h3"),
                  reference=lambda words: words[0], output_names=("word",),
                  cases=(Case("three words", lambda rng: {"words": ["queen", "king", "man"]}),))
    result = check(ex, lambda words: words[1])
    assert result.status == "failed"
    assert "'king'" in result.message and "'queen'" in result.message, result.message
