"""Train the small character-level RNN, GRU and LSTM of notebooks 04 and 27.

Notebook 04's gate explorer shows the GRU's and the LSTM's gates; notebook 27's connectivity
map compares what all three remember. Each reads Shakespeare's sonnets
(:func:`seqlab.data.text.sonnet_corpus`), one character at a time, and predicts the next one.
A tenth of the sonnets (a seeded split of the 154) is held out: after every epoch the
validation loss is measured on them, and the params of the best epoch are kept (early
stopping: 95 KB of text is little, and 128 units soon memorise it). Training is truncated BPTT
over contiguous streams: the training text is cut into ``--batch`` streams, each read in
windows of ``--window`` characters, and the last states of a window
(``RecurrentNetwork.final_state``) start the next one.

Writes ``seqlab/data/pretrained/sonnets_<kind>.npz`` (float32 params, the network's config, the
vocabulary and the measured losses in the metadata; well under 1 MB each), read by
:func:`seqlab.rnn.inspect.load_gate_model`. Usage::

    python tools/train_gate_models.py              # the three models, ~5 min on 2 CPU cores
    python tools/train_gate_models.py --kind rnn   # one of them
    python tools/train_gate_models.py --kind lstm --epochs 2   # a quick one
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# One BLAS thread: these matrices are small, and on a busy 2-core machine two OpenBLAS threads
# per process spin against each other (measured: 0.1 s per update with one thread, 1-10 s with
# two while other jobs ran). Set before NumPy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from tqdm.auto import tqdm  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from seqlab.data.text import sonnet_corpus  # noqa: E402
from seqlab.losses import temporal_cross_entropy  # noqa: E402
from seqlab.npz import save_arrays  # noqa: E402
from seqlab.optim import Adam, clip_by_norm  # noqa: E402
from seqlab.rnn import RecurrentNetwork  # noqa: E402

OUT = ROOT / "seqlab" / "data" / "pretrained"


def corpus(seed: int = 0) -> tuple[str, str, str]:
    """(vocabulary, training text, validation text): :func:`seqlab.data.text.sonnet_corpus`."""
    return sonnet_corpus(seed, val_fraction=0.1)


def streams(ids: np.ndarray, m: int) -> np.ndarray:
    """Cut a 1-D id array into m contiguous rows (m, len // m), dropping the remainder."""
    n = len(ids) // m
    return ids[: m * n].reshape(m, n)


def evaluate(net: RecurrentNetwork, ids: np.ndarray, m: int = 16, window: int = 200) -> float:
    """Mean cross-entropy (nats per character) of next-character prediction on ``ids``."""
    rows = streams(ids, m)
    a0 = c0 = None
    total, count = 0.0, 0
    for s in range(0, rows.shape[1] - 1, window):
        x, y = rows[:, s:s + window], rows[:, s + 1:s + window + 1]
        x = x[:, :y.shape[1]]
        logits, cache = net.forward(x, a0, c0)
        loss, _ = temporal_cross_entropy(logits, y)
        total, count = total + float(loss) * y.size, count + y.size
        a0, c0 = net.final_state(cache)
    return total / count


def train(kind: str, n_a: int, epochs: int, m: int, window: int, lr: float, seed: int,
          patience: int = 8) -> dict:
    vocab, train_text, val_text = corpus(seed)
    index = {ch: i for i, ch in enumerate(vocab)}
    train_ids = np.array([index[ch] for ch in train_text], dtype=np.int64)
    val_ids = np.array([index[ch] for ch in val_text], dtype=np.int64)
    net = RecurrentNetwork(len(vocab), n_a, len(vocab), kind=kind, rng=seed, dtype=np.float32)
    opt = Adam(lr)
    rows = streams(train_ids, m)
    n_windows = (rows.shape[1] - 1) // window
    history = []
    start = time.perf_counter()
    best = {"val": float("inf")}
    bar = tqdm(total=epochs * n_windows, desc=f"{kind} n_a={n_a}")
    for epoch in range(epochs):
        a0 = c0 = None
        for w in range(n_windows):
            x = rows[:, w * window:(w + 1) * window]        # (m, T) ids
            y = rows[:, w * window + 1:(w + 1) * window + 1]  # the next characters
            logits, cache = net.forward(x, a0, c0)
            loss, dlogits = temporal_cross_entropy(logits, y)
            grads = net.backward(dlogits, cache)
            clip_by_norm(grads, 5.0)
            opt.step(net.params, grads)
            a0, c0 = net.final_state(cache)                 # truncated BPTT: carry the state
            history.append(float(loss))
            bar.update()
        val = evaluate(net, val_ids)                         # early stopping: keep the best
        if val < best["val"]:
            best = {"val": val, "epoch": epoch + 1, "train": float(np.mean(history[-n_windows:])),
                    "params": {k: v.copy() for k, v in net.params.items()}}
        else:
            opt.lr = max(opt.lr / 2, lr / 16)                # halve the rate on a plateau
        bar.set_postfix(train=f"{np.mean(history[-n_windows:]):.3f}", val=f"{val:.3f}",
                        best=f"{best['val']:.3f}@{best['epoch']}")
        if epoch + 1 - best["epoch"] >= patience:            # no progress for `patience` epochs
            break
    bar.close()
    seconds = time.perf_counter() - start
    net.params = best["params"]
    val, train_loss = best["val"], best["train"]
    meta = {"config": net.config, "vocab": vocab, "corpus": "sonnets", "seed": seed,
            "epochs": best["epoch"], "epochs_run": epoch + 1, "batch": m, "window": window,
            "lr": lr,
            "train_loss": round(train_loss, 4), "val_loss": round(val, 4),
            "train_seconds": round(seconds, 1),
            "command": f"python tools/train_gate_models.py --kind {kind} --n-a {n_a} "
                       f"--epochs {epochs} --seed {seed}"}
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"sonnets_{kind}.npz"
    save_arrays(path, net.params, meta)
    size = path.stat().st_size
    if size >= 1_000_000:
        raise SystemExit(f"{path.name} is {size:,} bytes: over the 1 MB limit, use a smaller n_a")
    print(f"{path.relative_to(ROOT)}: {size / 1e3:.0f} kB; train loss {train_loss:.3f}, "
          f"validation loss {val:.3f} nats/char ({val / np.log(2):.2f} bits/char), "
          f"{seconds:.0f} s")
    return meta


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=("rnn", "gru", "lstm", "all"), default="all")
    parser.add_argument("--n-a", type=int, default=128, help="hidden units (default 128)")
    parser.add_argument("--epochs", type=int, default=60, help="at most (early stopping)")
    parser.add_argument("--batch", type=int, default=32, help="parallel streams m")
    parser.add_argument("--window", type=int, default=64, help="characters per BPTT window")
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for kind in ("rnn", "gru", "lstm") if args.kind == "all" else (args.kind,):
        train(kind, args.n_a, args.epochs, args.batch, args.window, args.lr, args.seed)


if __name__ == "__main__":
    main()
