r"""The long-range dependency experiment: agreement across a gap, RNN vs GRU vs LSTM.

*Sequence Models*, week 1: "Vanishing gradients with RNNs", "Gated Recurrent Unit",
"LSTM". "The cat, which already ate ..., was full" / "The cats, which ..., were full": the verb
depends on a word ``gap`` words back. Each sentence of
:func:`seqlab.data.synthetic.agreement_batch` carries its answer only in that noun (the filler
is identical for both classes), so a model is right more often than chance (50 %) only if it
carries the noun's number across the gap.

For each cell kind, gap and seed, :func:`train_agreement` trains a fresh one-layer
many-to-one :class:`~seqlab.rnn.RecurrentNetwork` (Adam, clipped gradients; the same hidden
size, batch size and step budget for every kind, each with its own learning rate) and measures
its accuracy on held-out sentences; :func:`gap_sweep` runs the grid. The plain RNN's gradient
through ``gap`` steps is a product of ``gap`` Jacobians (eq. 1) that shrinks with the gap, so
beyond some gap it never finds the dependency. The GRU's memory c<t> = Γ_u c̃<t> +
(1 - Γ_u) c<t-1> and the LSTM's c<t> = Γ_u c̃<t> + Γ_f c<t-1> give the gradient a path that
does not shrink while Γ_u ≈ 0 (GRU) or Γ_f ≈ 1 (LSTM) (eqs. 2-3).

Equations
---------
(1) ∂a<t>/∂a<t-k> = Π_{s=t-k+1..t} diag(1 - a<s>²) W_aa          (RNN: shrinks with k)
(2) ∂c<t>/∂c<t-1> = diag(1 - Γ_u<t>) + (terms through Γ_u, c̃)     (GRU)
(3) ∂c<t>/∂c<t-1> = diag(Γ_f<t>) + (terms through the gates)       (LSTM)
(4) accuracy = 1/n Σ_i [argmax z^(i)<T_x> = y^(i)], on n held-out sentences

Notes
-----
The LSTM starts with b_f = 2 here (``forget_bias``; the library's default is 1): with
Γ_f ≈ σ(1) = 0.73 its memory, and the gradient along it, shrink like 0.73^gap ≈ 6e-9 at a gap
of 60. In the pilot runs (seeds 0-2) the LSTM with b_f = 1 learned a gap of 60 in at most 2
seeds of 3 and a gap of 100 in none, at any of the three learning rates; with b_f = 2
(σ(2) = 0.88) and a learning rate of 0.003 it learned both in 3 of 3. Gers et al. (2000) and
Jozefowicz et al. (2015) also start with the forget gate open.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from typing import NamedTuple

from tqdm.auto import tqdm

from seqlab._validate import check_choice, check_int, check_number, check_sequence, lookup
from seqlab.arrays import host_rng
from seqlab.data.synthetic import AGREEMENT_VOCAB, agreement_batch
from seqlab.rnn.network import RecurrentNetwork
from seqlab.tasks.training import TrainHistory, classifier_step, classify, fit

__all__ = ["EXPERIMENT", "LEARNING_RATES", "QUICK", "AgreementRun", "gap_sweep", "train_agreement"]

# The shipped experiment (tools/long_range_experiment.py) and a quick live version of it.
# Each cell kind has its own Adam learning rate, the best of (0.003, 0.01, 0.03) in pilot runs
# with seeds 0-2 (``tools/long_range_experiment.py --pilot``): the plain RNN at gaps 20-40 (it
# learns no gap of 60 or 100 at any of them), the GRU and LSTM at gaps 60 and 100. The
# experiment itself uses other seeds.
LEARNING_RATES = {"rnn": 0.003, "gru": 0.03, "lstm": 0.003}
EXPERIMENT = dict(kinds=("rnn", "gru", "lstm"), gaps=(5, 10, 15, 20, 30, 40, 60, 80, 100),
                  seeds=(10, 11, 12, 13, 14), n_a=32, m=64, n_steps=600, lr=LEARNING_RATES,
                  clip=1.0, forget_bias=2.0, n_test=1000, stop_at=0.99)
QUICK = dict(EXPERIMENT, gaps=(60,), seeds=(10,))      # one point of the curve, ~5 s
_TRAIN_KEYS = ("n_a", "m", "n_steps", "lr", "clip", "forget_bias", "n_test", "stop_at")


class AgreementRun(NamedTuple):
    """One trained model and how it did."""

    net: RecurrentNetwork
    accuracy: float           # held-out accuracy (eq. 4)
    history: TrainHistory     # losses, steps, seconds


def train_agreement(kind: str, gap: int, seed: int = 0, *, n_a: int = 32, m: int = 64,
                    n_steps: int = 600, lr: float | dict = 0.01, clip: float = 1.0,
                    forget_bias: float | None = None, n_test: int = 1000,
                    stop_at: float | None = 0.99,
                    progress: bool = False) -> AgreementRun:
    """Train a one-layer ``kind`` network on agreement across ``gap`` words; test it.

    Parameters
    ----------
    kind : "rnn", "gru" or "lstm"
    gap : int ≥ 2, words between the noun and the verb
    seed : int, seeds the initial params (``seed``), the training sentences (a stream from
        ``10_000 + seed``), the validation ones (``30_000 + seed``) and the held-out test ones
        (``20_000 + seed``)
    n_a, m : hidden size, batch size
    n_steps : the most training steps
    stop_at : stop once the accuracy on 256 validation sentences, checked every 20 steps,
        reaches it (None: always ``n_steps``)
    lr : Adam's learning rate, or a dict kind -> learning rate
    clip : the bound on the global gradient norm
    forget_bias : kind="lstm" only, the initial b_f (None: the library's 1)
    n_test : held-out sentences for the accuracy

    Returns
    -------
    AgreementRun(net, accuracy, history)
    """
    f = "train_agreement"
    check_choice(kind, ("rnn", "gru", "lstm"), f"{f}(kind)")
    gap = check_int(gap, f'{f}(gap) ("which" and "," are always between noun and verb)', 2)
    n_a, m, n_steps, n_test = (check_int(v, f"{f}({k})", 1) for k, v in (
        ("n_a", n_a), ("m", m), ("n_steps", n_steps), ("n_test", n_test)))
    if isinstance(lr, dict):
        lr = lookup(lr, kind, f"{f}(lr)", "kind")
    lr = check_number(lr, f"{f}(lr)", 0, low_open=True)
    clip = check_number(clip, f"{f}(clip) (inf: no clipping)", 0, low_open=True, allow_inf=True)
    if stop_at is not None:
        check_number(stop_at, f"{f}(stop_at) (an accuracy, or None)", 0, 1)
    if forget_bias is not None:
        check_number(forget_bias, f"{f}(forget_bias)")
    net = RecurrentNetwork(len(AGREEMENT_VOCAB), n_a, 2, kind, rng=seed)
    if kind == "lstm" and forget_bias is not None:
        net.params["l1/b_f"][...] = forget_bias       # Γf = σ(b_f + ...) starts near σ(b_f)
    stream = host_rng(10_000 + seed)                  # a fresh batch at every step
    val_ids, val_y = agreement_batch(256, gap, rng=30_000 + seed)

    def learned(net) -> bool:
        return stop_at is not None and float((classify(net, val_ids) == val_y).mean()) >= stop_at

    history = fit(net, classifier_step, lambda i: agreement_batch(m, gap, stream), n_steps,
                  lr=lr, clip=clip, stop=learned, progress=progress, desc=f"{kind} gap {gap}")
    ids, y = agreement_batch(n_test, gap, rng=20_000 + seed)
    accuracy = float((classify(net, ids) == y).mean())  # (4)
    return AgreementRun(net, accuracy, history)


def gap_sweep(kinds=EXPERIMENT["kinds"], gaps=EXPERIMENT["gaps"], seeds=EXPERIMENT["seeds"],
              progress: bool = True, workers: int = 1, **train) -> dict:
    """Held-out accuracy of every (kind, gap, seed), each a fresh :func:`train_agreement`.

    Parameters
    ----------
    kinds, gaps, seeds : the grid (K kinds, G gaps, S seeds)
    progress : one tqdm bar over the K·G·S runs
    workers : processes running the runs (1: here, one after the other)
    **train : keyword arguments of :func:`train_agreement` (n_a, m, n_steps, lr, clip,
        forget_bias, n_test, stop_at); EXPERIMENT's values where missing

    Returns
    -------
    dict: "kinds", "gaps", "seeds" (lists), "accuracy", "steps", "seconds" (nested lists
        [K][G][S]), "config" (the training keywords), "seconds_total" (wall time)
    """
    f = "gap_sweep"
    unknown = set(train) - set(_TRAIN_KEYS)
    if unknown:
        raise TypeError(f"{f}(**train): expected keywords of train_agreement {_TRAIN_KEYS}, got "
                        f"{sorted(unknown)}")
    config = {k: train.get(k, EXPERIMENT[k]) for k in _TRAIN_KEYS}
    kinds = [check_choice(k, ("rnn", "gru", "lstm"), f"{f}(kinds)") for k in check_sequence(
        kinds, f"{f}(kinds)", "a list of cell kinds", empty=False)]
    gaps = [check_int(g, f"{f}(gaps)", 2) for g in check_sequence(gaps, f"{f}(gaps)",
                                                                 "a list of gaps", empty=False)]
    seeds = [check_int(s, f"{f}(seeds)", 0) for s in check_sequence(seeds, f"{f}(seeds)",
                                                                    "a list of seeds",
                                                                    empty=False)]
    workers = check_int(workers, f"{f}(workers)", 1)
    out = {"kinds": kinds, "gaps": gaps, "seeds": seeds, "config": config}
    for key in ("accuracy", "steps", "seconds"):
        out[key] = [[[0.0] * len(seeds) for _ in gaps] for _ in kinds]
    # longest sentences first, so that parallel workers finish together
    jobs = sorted(((k, g, s, kind, gap, seed, config) for k, kind in enumerate(kinds)
                   for g, gap in enumerate(gaps) for s, seed in enumerate(seeds)),
                  key=lambda job: -job[4])
    start = time.perf_counter()
    with tqdm(total=len(jobs), desc="gap sweep", disable=not progress) as bar:
        if workers == 1:
            results = map(_run, jobs)
        else:
            pool = ProcessPoolExecutor(workers)
            results = pool.map(_run, jobs)
        for (k, g, s), accuracy, steps, seconds in results:
            out["accuracy"][k][g][s] = accuracy
            out["steps"][k][g][s] = steps
            out["seconds"][k][g][s] = seconds
            bar.set_postfix_str(f"{kinds[k]} gap {gaps[g]}: {accuracy:.2f}")
            bar.update()
        if workers != 1:
            pool.shutdown()
    out["seconds_total"] = time.perf_counter() - start
    return out


def _run(job):
    """One run of the sweep (a top-level function, so that worker processes can take it)."""
    k, g, s, kind, gap, seed, config = job
    run = train_agreement(kind, gap, seed, **config)
    return (k, g, s), run.accuracy, run.history["steps"], run.history["seconds"]
