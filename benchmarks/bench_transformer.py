"""Transformer training step (forward + backward, float32), seqlab vs the same model in PyTorch.

The same work on both sides, on the same batch: a small encoder-decoder (d_model 64/128,
2 + 2 layers, 4 heads, d_ff = 2·d_model, post-LN), embeddings scaled by √d_model plus the
sinusoidal encoding, padding and look-ahead masks, the final linear layer, the label-smoothed
cross-entropy over the non-pad positions, and the gradients of every parameter. seqlab:
``Transformer.loss(batch)``; torch: the twin built from ``nn.MultiheadAttention(batch_first)``,
``nn.LayerNorm`` and ``nn.Linear`` with seqlab's weights copied in, ``F.cross_entropy(
label_smoothing, ignore_index)`` and ``.backward()``, gradients set to None between calls.
No optimizer step on either side. Threads: ``benchmarks/run.py`` sets torch's; NumPy's BLAS
uses OMP/OPENBLAS_NUM_THREADS.

Units are target tokens (m·T_y per step).

Run alone (prints the table and writes ``benchmarks/results/transformer.md``)::

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_transformer.py
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import HEADER, Case, measure  # noqa: E402

from seqlab.transformer import Transformer, TransformerConfig  # noqa: E402

SIZES = ((32, 24, 64, 0.0), (32, 24, 128, 0.0), (32, 24, 64, 0.1))   # (m, T, d_model, dropout)
VOCAB = 40
REPEATS = 9


def _batch(m: int, T: int, rng):
    src = rng.integers(1, VOCAB, (m, T))
    tgt = rng.integers(1, VOCAB, (m, T + 1))
    tgt[:, 0] = 1
    for i in range(m):                      # ragged lengths: a quarter of the tokens are pad
        src[i, T - rng.integers(0, T // 2):] = 0
        tgt[i, T + 1 - rng.integers(0, T // 2):] = 0
    return src, tgt[:, :-1], tgt[:, 1:]


class TorchTransformer(torch.nn.Module):
    """The twin of seqlab's Transformer (float32), weights copied from ``model.params``."""

    def __init__(self, model: Transformer):
        super().__init__()
        nn, c, p = torch.nn, model.config, model.params
        self.c = c
        T = lambda a: torch.tensor(np.asarray(a))  # noqa: E731

        def mha(prefix):
            layer = nn.MultiheadAttention(c.d_model, c.n_heads, dropout=0.0, batch_first=True)
            with torch.no_grad():
                layer.in_proj_weight.copy_(T(np.concatenate([p[f"{prefix}.W_{n}"].T
                                                             for n in "qkv"])))
                layer.in_proj_bias.copy_(T(np.concatenate([p[f"{prefix}.b_{n}"] for n in "qkv"])))
                layer.out_proj.weight.copy_(T(p[f"{prefix}.W_o"].T))
                layer.out_proj.bias.copy_(T(p[f"{prefix}.b_o"]))
            return layer

        def ln():
            return nn.LayerNorm(c.d_model, eps=1e-6)

        def ffn(prefix):
            seq = nn.Sequential(nn.Linear(c.d_model, c.d_ff), nn.ReLU(),
                                nn.Linear(c.d_ff, c.d_model))
            with torch.no_grad():
                seq[0].weight.copy_(T(p[f"{prefix}.W_1"].T))
                seq[2].weight.copy_(T(p[f"{prefix}.W_2"].T))
            return seq

        self.src_emb = nn.Parameter(T(p["src_emb"]))
        self.tgt_emb = nn.Parameter(T(p["tgt_emb"]))
        self.enc = nn.ModuleList(nn.ModuleList([mha(f"enc.{i}.mha"), ln(), ffn(f"enc.{i}.ffn"),
                                                ln()]) for i in range(c.n_layers))
        self.dec = nn.ModuleList(nn.ModuleList([mha(f"dec.{i}.self"), ln(), mha(f"dec.{i}.cross"),
                                                ln(), ffn(f"dec.{i}.ffn"), ln()])
                                 for i in range(c.n_layers))
        self.out = nn.Linear(c.d_model, c.tgt_vocab)
        with torch.no_grad():
            self.out.weight.copy_(T(p["W_out"].T))
        self.register_buffer("pe", T(model.pe))
        self.drop = nn.Dropout(c.dropout)

    def forward(self, src, tgt_in):
        c = self.c
        src_pad, tgt_pad = src == c.pad_id, tgt_in == c.pad_id
        T_y = tgt_in.shape[1]
        causal = ~torch.tril(torch.ones(T_y, T_y, dtype=torch.bool))
        x = self.drop(self.src_emb[src] * math.sqrt(c.d_model) + self.pe[:src.shape[1]])
        for att, ln1, ffn, ln2 in self.enc:
            x = ln1(x + self.drop(att(x, x, x, key_padding_mask=src_pad, need_weights=False)[0]))
            x = ln2(x + self.drop(ffn(x)))
        y = self.drop(self.tgt_emb[tgt_in] * math.sqrt(c.d_model) + self.pe[:T_y])
        for sa, ln1, ca, ln2, ffn, ln3 in self.dec:
            y = ln1(y + self.drop(sa(y, y, y, key_padding_mask=tgt_pad, attn_mask=causal,
                                     need_weights=False)[0]))
            y = ln2(y + self.drop(ca(y, x, x, key_padding_mask=src_pad, need_weights=False)[0]))
            y = ln3(y + self.drop(ffn(y)))
        return self.out(y)


def cases() -> list[Case]:
    out = []
    for m, T, d_model, dropout in SIZES:
        config = TransformerConfig(VOCAB, VOCAB, d_model=d_model, n_heads=4, d_ff=2 * d_model,
                                   n_layers=2, max_len=T, dropout=dropout, label_smoothing=0.1)
        model = Transformer(config, seed=0, dtype="float32")
        batch = _batch(m, T, np.random.default_rng(0))
        twin = TorchTransformer(model).train()
        t_src, t_in, t_out = (torch.tensor(a) for a in batch)

        def ours(model=model, batch=batch):
            return model.loss(batch, train=True)

        def ref(twin=twin, t_src=t_src, t_in=t_in, t_out=t_out, V=config.tgt_vocab):
            twin.zero_grad(set_to_none=True)
            logits = twin(t_src, t_in)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), t_out.reshape(-1),
                                                     ignore_index=0, label_smoothing=0.1)
            loss.backward()

        name = (f"Transformer train step f32, m={m}, T={T}, d_model={d_model}, 2+2 layers, "
                f"4 heads, dropout={dropout}")
        out.append(Case(name, ours, ref, "torch (nn.MultiheadAttention) CPU", units=m * T,
                        unit_name="tokens"))
    return out


if __name__ == "__main__":
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))
    torch.set_num_threads(threads)
    lines = [f"numpy {np.__version__}, torch {torch.__version__}, {threads} thread(s), "
             f"load average {os.getloadavg()[0]:.1f} at start", "", HEADER]
    print("\n".join(lines), flush=True)
    for case in cases():
        lines.append(measure(case, repeats=REPEATS).row())
        print(lines[-1], flush=True)
    lines.append(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    out = Path(__file__).resolve().parent / "results" / "transformer.md"
    out.write_text("\n".join(lines) + "\n")
    print(lines[-1], f"\nwritten to {out}")
