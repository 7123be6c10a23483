"""The Transformer's PyTorch twin: the same encoder-decoder from nn.MultiheadAttention,
nn.LayerNorm and nn.Linear, with our weights (tests/test_transformer_model.py and
tests/test_transformer_trace.py)."""

from __future__ import annotations

import math

import numpy as np

from seqlab.transformer import Transformer


class TorchTwin:
    """The same encoder-decoder from nn.MultiheadAttention, nn.LayerNorm, nn.Linear."""

    def __init__(self, torch, model: Transformer):
        nn, c, p = torch.nn, model.config, model.params
        self.torch, self.c, self.model = torch, c, model
        T = lambda a: torch.tensor(np.array(a), dtype=torch.float64)  # noqa: E731
        self.tensors = {}

        def mha(prefix):
            layer = nn.MultiheadAttention(c.d_model, c.n_heads, batch_first=True,
                                          dtype=torch.float64)
            with torch.no_grad():
                layer.in_proj_weight.copy_(T(np.concatenate(
                    [p[f"{prefix}.W_{n}"].T for n in "qkv"])))
                layer.in_proj_bias.copy_(T(np.concatenate([p[f"{prefix}.b_{n}"] for n in "qkv"])))
                layer.out_proj.weight.copy_(T(p[f"{prefix}.W_o"].T))
                layer.out_proj.bias.copy_(T(p[f"{prefix}.b_o"]))
            self.tensors[prefix] = layer
            return layer

        def ln(prefix):
            layer = nn.LayerNorm(c.d_model, eps=1e-6, dtype=torch.float64)
            with torch.no_grad():
                layer.weight.copy_(T(p[f"{prefix}.gamma"]))
                layer.bias.copy_(T(p[f"{prefix}.beta"]))
            self.tensors[prefix] = layer
            return layer

        def linear(W, b, name):
            layer = nn.Linear(*W.shape, dtype=torch.float64)
            with torch.no_grad():
                layer.weight.copy_(T(W.T))
                layer.bias.copy_(T(b))
            self.tensors[name] = layer
            return layer

        def ffn(prefix):
            return nn.Sequential(linear(p[f"{prefix}.W_1"], p[f"{prefix}.b_1"], f"{prefix}.1"),
                                 nn.ReLU(),
                                 linear(p[f"{prefix}.W_2"], p[f"{prefix}.b_2"], f"{prefix}.2"))

        self.src_emb = T(p["src_emb"]).requires_grad_()
        self.tgt_emb = T(p["tgt_emb"]).requires_grad_()
        self.enc = [(mha(f"enc.{i}.mha"), ln(f"enc.{i}.ln1"), ffn(f"enc.{i}.ffn"),
                     ln(f"enc.{i}.ln2")) for i in range(c.n_layers)]
        self.dec = [(mha(f"dec.{i}.self"), ln(f"dec.{i}.ln1"), mha(f"dec.{i}.cross"),
                     ln(f"dec.{i}.ln2"), ffn(f"dec.{i}.ffn"), ln(f"dec.{i}.ln3"))
                    for i in range(c.n_layers)]
        self.out = linear(p["W_out"], p["b_out"], "out")
        self.pe = T(model.pe)

    def logits(self, src, tgt_in):
        torch, c = self.torch, self.c
        s, t = torch.tensor(src), torch.tensor(tgt_in)
        src_pad, tgt_pad = s == c.pad_id, t == c.pad_id                  # True = ignore
        causal = ~torch.tril(torch.ones(t.shape[1], t.shape[1], dtype=torch.bool))
        x = self.src_emb[s] * math.sqrt(c.d_model) + self.pe[:s.shape[1]]
        for att, ln1, ffn, ln2 in self.enc:
            x = ln1(x + att(x, x, x, key_padding_mask=src_pad, need_weights=False)[0])
            x = ln2(x + ffn(x))
        y = self.tgt_emb[t] * math.sqrt(c.d_model) + self.pe[:t.shape[1]]
        for sa, ln1, ca, ln2, ffn, ln3 in self.dec:
            y = ln1(y + sa(y, y, y, key_padding_mask=tgt_pad, attn_mask=causal,
                           need_weights=False)[0])
            y = ln2(y + ca(y, x, x, key_padding_mask=src_pad, need_weights=False)[0])
            y = ln3(y + ffn(y))
        return self.out(y)

    def grads(self) -> dict:
        g = {"src_emb": self.src_emb.grad.numpy(), "tgt_emb": self.tgt_emb.grad.numpy()}
        for name, layer in self.tensors.items():
            if isinstance(layer, self.torch.nn.MultiheadAttention):
                d = self.c.d_model
                gw, gb = layer.in_proj_weight.grad.numpy(), layer.in_proj_bias.grad.numpy()
                for i, n in enumerate("qkv"):
                    g[f"{name}.W_{n}"] = gw[i * d:(i + 1) * d].T
                    g[f"{name}.b_{n}"] = gb[i * d:(i + 1) * d]
                g[f"{name}.W_o"] = layer.out_proj.weight.grad.numpy().T
                g[f"{name}.b_o"] = layer.out_proj.bias.grad.numpy()
            elif isinstance(layer, self.torch.nn.LayerNorm):
                g[f"{name}.gamma"], g[f"{name}.beta"] = (layer.weight.grad.numpy(),
                                                         layer.bias.grad.numpy())
            elif name == "out":
                g["W_out"], g["b_out"] = layer.weight.grad.numpy().T, layer.bias.grad.numpy()
            else:                                  # "<prefix>.ffn.1" / ".2": W_1,b_1 / W_2,b_2
                prefix, i = name.rsplit(".", 1)
                g[f"{prefix}.W_{i}"] = layer.weight.grad.numpy().T
                g[f"{prefix}.b_{i}"] = layer.bias.grad.numpy()
        return g
