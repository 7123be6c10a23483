"""Exercises of notebook 20 (CTC): the collapse rule and one step of the α recursion.

``ctc_collapse(path, blank)`` is the lecture's rule (:func:`seqlab.speech.ctc_collapse`);
``ctc_alpha_step(log_alpha_prev, log_y_t, ext, blank)`` is eq. (3) of :mod:`seqlab.speech.ctc`
for one utterance and one frame, in log space. Each known mistake is the function written once
with one bug switched on, and the message a learner whose output matches it gets.
"""

from __future__ import annotations

from itertools import groupby

import numpy as np

from seqlab.exercises.core import Case, Exercise, Mistake
from seqlab.speech.ctc import ctc_alpha_step
from seqlab.speech.ctc_decode import ctc_collapse

# ------------------------------------------------------------------------------ ctc_collapse


def _collapse_reference(path, blank):
    return ctc_collapse(path, blank)


def _collapse(path, blank, bug=None):
    """The collapse rule in plain Python with one known ``bug`` switched on."""
    path = [int(k) for k in path]
    if bug == "blank zero":
        blank = 0
    if bug == "blanks first":
        return [k for k, _ in groupby(k for k in path if k != blank)]
    if bug == "no merge":
        return [k for k in path if k != blank]
    if bug == "blanks kept":
        return [k for k, _ in groupby(path)]
    if bug == "unique":
        seen: list[int] = []
        return [seen.append(k) or k for k in path if k != blank and k not in seen]
    if bug == "drops last":
        return [path[i - 1] for i in range(1, len(path))
                if path[i] != path[i - 1] and path[i - 1] != blank]
    return [k for k, _ in groupby(path) if k != blank]


def _collapse_mistake(bug):
    return lambda path, blank: _collapse(path, blank, bug)


def _path_case(path, blank):
    return lambda r: {"path": list(path), "blank": blank}


def _random_path_case(n_y, T, blank):
    return lambda r: {"path": [int(k) for k in r.integers(0, n_y, size=T)], "blank": blank}


CTC_COLLAPSE = Exercise(
    name="ctc_collapse",
    signature="ctc_collapse(path, blank) -> labels (a list of ints)",
    reference=_collapse_reference,
    source=ctc_collapse,
    library_name="seqlab.speech.ctc_collapse",
    week="3",
    output_names=("labels",),
    cases=[
        Case("runs only, no blank: [1, 1, 2, 2, 2, 3]", _path_case([1, 1, 2, 2, 2, 3], 0)),
        Case("a label that comes back: [1, 2, 1]", _path_case([1, 2, 1], 0)),
        Case("a blank between equal labels: [1, 1, 0, 1, 2]", _path_case([1, 1, 0, 1, 2], 0)),
        Case("the lecture's ttt_h_eee__ (t=3, h=2, e=1)",
             _path_case([3, 3, 3, 0, 2, 0, 1, 1, 1, 0, 0], 0)),
        Case("ends on a label: [0, 2, 2]", _path_case([0, 2, 2], 0)),
        Case("blank is 4, and 0 is a label: [0, 0, 4, 0, 1, 4, 4]",
             _path_case([0, 0, 4, 0, 1, 4, 4], 4)),
        Case("random path, 5 symbols, 30 frames", _random_path_case(5, 30, 0)),
        Case("only blanks", _path_case([0, 0, 0], 0)),
    ],
    mistakes=[
        Mistake("blanks first", _collapse_mistake("blanks first"),
                "you removed the blanks BEFORE merging the repeats, so 'a_a' became 'a'. The "
                "blank is what keeps two equal characters apart: merge runs first (only "
                "neighbours that are equal), then drop the blanks."),
        Mistake("no merge", _collapse_mistake("no merge"),
                "the blanks are gone but repeated characters are not merged: 'ttt' should give "
                "one 't'. Collapse runs of equal neighbours first."),
        Mistake("blanks kept", _collapse_mistake("blanks kept"),
                "the runs are merged but the blanks are still in your output: after merging, "
                "drop every symbol equal to `blank`."),
        Mistake("unique", _collapse_mistake("unique"),
                "you kept each label only once in the whole sequence; the rule merges only "
                "*neighbouring* repeats, so a label may come back later ('a b a' stays 'aba')."),
        Mistake("blank zero", _collapse_mistake("blank zero"),
                "you assumed the blank is 0; use the `blank` argument (here it is another "
                "index, and 0 is a real label)."),
        Mistake("drops last", _collapse_mistake("drops last"),
                "the last run is missing: comparing each symbol with the NEXT one and keeping "
                "path[i-1] never emits the final run. Compare with the previous symbol "
                "instead (or append the last run after the loop)."),
    ],
    hints=[
        "Two steps, in this order: (1) merge each run of equal neighbouring symbols into one, "
        "(2) remove the blanks. The order matters: 'a_a' is two a's.",
        "Walk the path keeping the previous symbol: append k when k != previous and "
        "k != blank; then set previous = k (also when k is a blank!).",
        "out, prev = [], None\nfor k in path:\n    if k != prev and k != blank:\n"
        "        out.append(k)\n    prev = k\nreturn out   (or itertools.groupby)",
    ],
)

# ----------------------------------------------------------------------------- ctc_alpha_step


def _alpha_reference(log_alpha_prev, log_y_t, ext, blank):
    return ctc_alpha_step(log_alpha_prev, log_y_t, ext, blank)


def _lse(*terms):
    return np.logaddexp.reduce(np.stack(terms), axis=0)


def _alpha(log_alpha_prev, log_y_t, ext, blank, bug=None):
    """log α_t(s) = log ŷ_t[l'_s] + logsumexp(α_{t-1}(s), α_{t-1}(s-1), [skip] α_{t-1}(s-2)),
    with one known ``bug`` switched on."""
    a = np.asarray(log_alpha_prev, dtype=float)
    ext = np.asarray(ext)
    L = a.shape[0]
    pad = 0.0 if bug == "log sum of present terms" else -np.inf     # log 1: a term left out
    s1 = np.concatenate([[pad], a[:-1]])                             # α_{t-1}(s-1)
    s2 = np.concatenate([[pad, pad], a[:-2]])[:L]                    # α_{t-1}(s-2)
    prev2 = np.concatenate([[blank, blank], ext[:-2]])[:L]           # l'_{s-2}
    skip = (ext != blank) & (ext != prev2)
    if bug == "skip equal":
        skip = ext != blank
    if bug == "skip blanks":
        skip = ext == ext                                            # every s ≥ 2
    skip = skip & (np.arange(L) >= 2)
    if bug == "no skip":
        skip = np.zeros(L, bool)
    stay = np.full(L, -np.inf) if bug == "no stay" else a
    if bug == "max":
        total = np.maximum(np.maximum(stay, s1), np.where(skip, s2, -np.inf))
    elif bug in ("log sum", "log sum of present terms"):
        total = stay + s1 + np.where(skip, s2, 0.0)                  # adds logs: a product
    else:
        total = _lse(stay, s1, np.where(skip, s2, -np.inf))
    if bug == "emission by s":
        return total + np.asarray(log_y_t)[np.arange(L) % len(log_y_t)]
    if bug == "no emission":
        return total
    return total + np.asarray(log_y_t)[ext]                          # × ŷ_t[l'_s]


def _alpha_mistake(bug):
    return lambda log_alpha_prev, log_y_t, ext, blank: _alpha(log_alpha_prev, log_y_t, ext,
                                                              blank, bug)


def _alpha_case(target, n_y, blank, t=3, T=6):
    """α_{t-1} from the library's own lattice, for a random utterance and ``target`` (t late
    enough that every node is reachable: all finite, so differences are well defined)."""
    def make(r):
        from seqlab.speech.ctc import ctc_lattice
        z = r.normal(size=(n_y, 1, T))
        lat = ctc_lattice(z, [list(target)], blank=blank)
        ext = lat.ext[0]
        prev = lat.log_alpha[0, :, t - 1]
        return {"log_alpha_prev": prev.copy(), "log_y_t": lat.log_probs[:, 0, t].copy(),
                "ext": ext.copy(), "blank": blank}
    return make


CTC_ALPHA_STEP = Exercise(
    name="ctc_alpha_step",
    signature="ctc_alpha_step(log_alpha_prev, log_y_t, ext, blank) -> log_alpha_t",
    reference=_alpha_reference,
    source=ctc_alpha_step,
    library_name="seqlab.speech.ctc.ctc_alpha_step",
    week="3",
    output_names=("log_alpha_t",),
    cases=[
        Case("target 'ab' (no repeats), frame 4", _alpha_case([1, 2], 4, 0)),
        Case("target 'ab', frame 6", _alpha_case([1, 2], 4, 0, t=5, T=7)),
        Case("target 'aab': the skip a→a is not allowed", _alpha_case([1, 1, 2], 4, 0, t=5,
                                                                       T=8)),
        Case("target 'abcb', blank = 2", _alpha_case([1, 3, 0, 3], 4, 2, T=9, t=5)),
        Case("target 'bb', blank = 3 (last index)", _alpha_case([1, 1], 4, 3, T=6, t=4)),
        Case("empty target", _alpha_case([], 3, 0, T=4)),
    ],
    mistakes=[
        Mistake("no skip", _alpha_mistake("no skip"),
                "the skip transition α_{t-1}(s-2) is missing: an alignment may jump over a "
                "blank from one label to the next DIFFERENT label ('a' → 'b' with no '_' "
                "between), eq. (3)."),
        Mistake("skip equal", _alpha_mistake("skip equal"),
                "you allowed the skip between EQUAL labels: from 'a' to the next 'a' the path "
                "must go through the blank, or 'aa' would collapse to 'a' (eq. 4: skip only "
                "when l'_s ≠ blank and l'_s ≠ l'_{s-2})."),
        Mistake("skip blanks", _alpha_mistake("skip blanks"),
                "you allowed the skip into a blank node too: a blank l'_s = _ may be reached "
                "only from itself or from the label just before it (eq. 4)."),
        Mistake("no stay", _alpha_mistake("no stay"),
                "the 'stay' term α_{t-1}(s) is missing: a symbol may last several frames "
                "('ttt'), so node s at t can come from node s at t-1."),
        Mistake("no emission", _alpha_mistake("no emission"),
                "the emission term is missing: add log ŷ_t[l'_s], the log-probability of the "
                "symbol of node s at this frame (log_y_t[ext[s]])."),
        Mistake("emission by s", _alpha_mistake("emission by s"),
                "the emission must be indexed by the SYMBOL of node s, log_y_t[ext[s]], not "
                "by the node index s."),
        Mistake("max", _alpha_mistake("max"),
                "you took the max of the incoming terms (Viterbi, the best single alignment); "
                "α SUMS over all alignments: use logsumexp (np.logaddexp)."),
        Mistake("log sum", _alpha_mistake("log sum"),
                "you added the log-probabilities of the incoming paths, which multiplies their "
                "probabilities; the paths are alternatives, so their probabilities ADD: in log "
                "space that is log-sum-exp, log(e^a + e^b) = np.logaddexp(a, b).",
                variants=(_alpha_mistake("log sum of present terms"),)),
    ],
    hints=[
        "Node s at frame t can be reached from s (stay), s-1 (advance) and, only when "
        "ext[s] is a label different from ext[s-2], from s-2 (skip the blank). Add those "
        "probabilities, then multiply by ŷ_t of the symbol ext[s].",
        "In log space, adding probabilities is np.logaddexp and multiplying is +. Shift "
        "α_{t-1} right by one and two places, padding with -np.inf, to get the s-1 and s-2 "
        "terms for all s at once.",
        "s1 = np.concatenate([[-np.inf], a[:-1]]); s2 = np.concatenate([[-np.inf, -np.inf], "
        "a[:-2]])[:L]; skip = (ext != blank) & (np.arange(L) >= 2) & (ext != "
        "np.concatenate([[blank, blank], ext[:-2]])[:L]); total = np.logaddexp(np.logaddexp("
        "a, s1), np.where(skip, s2, -np.inf)); return total + log_y_t[ext]",
    ],
)

EXERCISES = {ex.name: ex for ex in (CTC_COLLAPSE, CTC_ALPHA_STEP)}
