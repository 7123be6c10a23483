"""seqlab.transformer.trace: every stage of the shipped Transformer's forward pass and every
gradient of one output token's loss, against a PyTorch twin (autograd of the same equations,
written with torch ops, ``retain_grad`` on every intermediate) in float64; the twin is first
checked against nn.MultiheadAttention / LayerNorm's TorchTwin (tests/helpers/transformer_twin.py).

Tolerance: relative_difference < 1e-10 (the project's torch tolerance); measured worst case
over all stages, both shipped models and three positions: 3e-16 (values) and 5e-14 (gradients).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import seqlab
from seqlab.gradcheck import relative_difference
from seqlab.transformer import Transformer
from seqlab.transformer.tasks import TaskModel
from seqlab.transformer.trace import TransformerTrace, trace_backward, trace_forward

torch = pytest.importorskip("torch")
TOL = 1e-10
PRETRAINED = Path(seqlab.__file__).parent / "transformer" / "pretrained"
CASES = {"numbers": "four million, seventeen thousand and sixty-one", "dates": "3 sep 1993"}


def _task(name):
    return TaskModel.load(PRETRAINED / f"{name}.npz")


def _as64(task):
    """The shipped float32 model in float64 (the same numbers, promoted)."""
    model = Transformer(task.model.config, seed=0, dtype="float64")
    model.params = {k: np.asarray(v, dtype=np.float64) for k, v in task.model.params.items()}
    return model


def _inputs(task, text):
    answer = task.greedy([text])[0]
    src, tgt_in, _ = task.batch([text], [answer])
    return src, tgt_in


class FunctionalTwin:
    """The encoder-decoder in torch ops; ``self.t[name]`` keeps every intermediate."""

    def __init__(self, model, src, tgt_in):
        c = model.config
        self.c, self.h, self.dk = c, c.n_heads, c.d_model // c.n_heads
        self.p = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
        self.pe = torch.tensor(np.asarray(model.pe, dtype=np.float64))
        self.t = {}
        src_t, tgt_t = torch.tensor(src), torch.tensor(tgt_in)
        pad_src = (src_t != c.pad_id)[:, None, None, :]                   # (m, 1, 1, T_x)
        T_y = tgt_t.shape[1]
        self_mask = ((tgt_t != c.pad_id)[:, None, None, :]
                     & torch.tril(torch.ones(T_y, T_y, dtype=torch.bool)))
        x = self.embed("encoder", src_t, "src_emb")
        for layer in range(c.n_layers):
            x = self.sublayer(x, self.mha(f"enc.{layer}.mha", x, x, pad_src),
                              f"enc.{layer}.ln1", f"enc.{layer}.mha")
            x = self.sublayer(x, self.ffn(f"enc.{layer}.ffn", x), f"enc.{layer}.ln2",
                              f"enc.{layer}.ffn")
        enc = x
        y = self.embed("decoder", tgt_t, "tgt_emb")
        for layer in range(c.n_layers):
            pre = f"dec.{layer}"
            y = self.sublayer(y, self.mha(f"{pre}.self", y, y, self_mask), f"{pre}.ln1",
                              f"{pre}.self")
            y = self.sublayer(y, self.mha(f"{pre}.cross", y, enc, pad_src), f"{pre}.ln2",
                              f"{pre}.cross")
            y = self.sublayer(y, self.ffn(f"{pre}.ffn", y), f"{pre}.ln3", f"{pre}.ffn")
        self.keep("dec_out", y)
        self.logits = self.keep("logits", y @ self.p["W_out"] + self.p["b_out"])

    def keep(self, name, t):
        t.retain_grad()
        self.t[name] = t
        return t

    def embed(self, side, ids, table):
        scaled = self.keep(f"{side}.scaled", self.p[table][ids] * math.sqrt(self.c.d_model))
        return self.keep(f"{side}.x0", scaled + self.pe[:ids.shape[1]])

    def mha(self, pre, q_in, kv_in, mask):
        p, m, T_q = self.p, q_in.shape[0], q_in.shape[1]

        def split(x):
            return x.reshape(m, x.shape[1], self.h, self.dk).transpose(1, 2)
        Q = self.keep(f"{pre}.Q", split(q_in @ p[f"{pre}.W_q"] + p[f"{pre}.b_q"]))
        K = self.keep(f"{pre}.K", split(kv_in @ p[f"{pre}.W_k"] + p[f"{pre}.b_k"]))
        V = self.keep(f"{pre}.V", split(kv_in @ p[f"{pre}.W_v"] + p[f"{pre}.b_v"]))
        e = self.keep(f"{pre}.e", Q @ K.transpose(-1, -2) / math.sqrt(self.dk))
        alpha = self.keep(f"{pre}.alpha", torch.softmax(e.masked_fill(~mask, -math.inf), -1))
        heads = self.keep(f"{pre}.heads", alpha @ V)
        concat = self.keep(f"{pre}.concat", heads.transpose(1, 2).reshape(m, T_q, -1))
        return concat @ p[f"{pre}.W_o"] + p[f"{pre}.b_o"]

    def ffn(self, pre, x):
        p = self.p
        hidden = self.keep(f"{pre}.hidden", torch.relu(x @ p[f"{pre}.W_1"] + p[f"{pre}.b_1"]))
        return hidden @ p[f"{pre}.W_2"] + p[f"{pre}.b_2"]

    def sublayer(self, x, out, ln, name):
        self.keep(f"{name}.x", x)
        self.keep(f"{name}.out", out)
        residual = self.keep(f"{name}.residual", x + out)
        return self.keep(f"{name}.ln", torch.nn.functional.layer_norm(
            residual, (self.c.d_model,), self.p[f"{ln}.gamma"], self.p[f"{ln}.beta"], 1e-6))


def _twin_names(stage):
    """The twin's tensor for each panel of a stage (None: no counterpart to compare)."""
    k = stage.key
    side = k.split(".")[0]
    if side in ("encoder", "decoder"):
        return {"tokens": [None], "embed": [f"{side}.scaled"],
                "pe": [f"{side}.scaled", None, f"{side}.x0"]}[k.split(".")[1]]
    if side == "out":
        return ["dec_out", "logits"] if k == "out.logits" else [None]
    pre, what = k.rsplit(".", 1)
    if pre.endswith(".ffn") and what == "ffn":
        return [f"{pre}.hidden", f"{pre}.out"]
    return {"qkv": [f"{pre}.Q", f"{pre}.K", f"{pre}.V"], "scores": [f"{pre}.e"], "mask": [None],
            "softmax": [f"{pre}.alpha"], "heads": [f"{pre}.heads"],
            "concat": [f"{pre}.concat", f"{pre}.out"],
            "residual": [f"{pre}.x", f"{pre}.out", f"{pre}.residual"],
            "norm": [f"{pre}.residual", f"{pre}.ln"]}[what]


@pytest.fixture(scope="module", params=sorted(CASES))
def traced(request):
    task = _task(request.param)
    model = _as64(task)
    src, tgt_in = _inputs(task, CASES[request.param])
    return model, src, tgt_in


def test_twin_is_the_nn_module_twin(traced):
    from tests.helpers.transformer_twin import TorchTwin

    model, src, tgt_in = traced
    twin = FunctionalTwin(model, src, tgt_in)
    reference = TorchTwin(torch, model).logits(src, tgt_in)
    assert relative_difference(twin.logits.detach().numpy(), reference.detach().numpy()) < TOL


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_every_stage_and_gradient_equals_torch_autograd(traced, where):
    model, src, tgt_in = traced
    T_y = tgt_in.shape[1]
    position = {"first": 0, "middle": T_y // 2, "last": T_y - 1}[where]
    tr = trace_backward(model, trace_forward(model, src, tgt_in), position)
    twin = FunctionalTwin(model, src, tgt_in)
    loss = -torch.log_softmax(twin.logits, -1)[0, position, tr.token]
    loss.backward()
    assert abs(loss.item() - tr.loss) < 1e-12 * max(1.0, abs(tr.loss))
    compared, worst_value, worst_grad = 0, 0.0, 0.0
    for stage in tr.stages:
        for panel, name in zip(stage.panels, _twin_names(stage), strict=True):
            if name is None:
                continue
            t = twin.t[name]
            value, grad = t.detach().numpy()[0], t.grad.numpy()[0]
            d_value = relative_difference(np.asarray(panel.value), value)
            assert d_value < TOL, (stage.key, panel.title, "value", d_value)
            worst_value = max(worst_value, d_value)
            if panel.grad is not None:
                d_grad = relative_difference(np.asarray(panel.grad), grad)
                assert d_grad < TOL, (stage.key, panel.title, "grad", d_grad)
                worst_grad = max(worst_grad, d_grad)
            compared += 1
    assert compared > 100
    print(f"\n{compared} tensors: worst relative difference {worst_value:.1e} (values), "
          f"{worst_grad:.1e} (gradients)")


def test_only_the_chosen_row_of_dlogits_is_nonzero_and_the_loss_is_minus_log_p(traced):
    model, src, tgt_in = traced
    fwd = trace_forward(model, src, tgt_in)
    tr = trace_backward(model, fwd, 2, token=5)
    dz = tr.flows["dlogits"][0]
    assert np.all(dz[np.arange(dz.shape[0]) != 2] == 0) and np.any(dz[2] != 0)
    assert abs(tr.loss + math.log(fwd.probs[2, 5])) < 1e-12
    assert tr.token == 5 and tr.position == 2 and fwd.loss is None
    assert trace_backward(model, fwd, 2).token == int(np.argmax(fwd.logits[2]))


def test_every_residual_splits_into_identity_and_sublayer_paths(traced):
    """(7) of blocks.py: ∂J/∂x = ∂J/∂(x + Sublayer(x)) + ∂J/∂x through the sub-layer; the
    residual stage's x panel holds the total, from the layer below's own backward."""
    model, src, tgt_in = traced
    tr = trace_backward(model, trace_forward(model, src, tgt_in), 1)
    residuals = [s for s in tr.stages if s.name == "residual"]
    assert len(residuals) == 2 * 2 + 3 * 2
    flows = {**{f"enc.{i}.{k}": v for i, g in enumerate(tr.flows["enc"]) for k, v in g.items()},
             **{f"dec.{i}.{k}": v for i, g in enumerate(tr.flows["dec"]) for k, v in g.items()}}
    for stage in residuals:
        g = flows[stage.key.removesuffix(".residual")]
        total = stage.panels[0].grad
        assert relative_difference(total, (g.dresidual + g.dx_sublayer)[0]) < 1e-12, stage.key


def test_float32_trace_agrees_with_float64_to_print_precision():
    """The notebook prints the float32 model's numbers at 2-3 significant digits."""
    task = _task("numbers")
    src, tgt_in = _inputs(task, CASES["numbers"])
    t32 = trace_backward(task.model, trace_forward(task.model, src, tgt_in), 3)
    t64 = trace_backward(_as64(task), trace_forward(_as64(task), src, tgt_in), 3)
    assert abs(t32.loss - t64.loss) < 1e-4 * max(1.0, t64.loss)
    for a, b in zip(t32.stages, t64.stages, strict=True):
        for pa, pb in zip(a.panels, b.panels, strict=True):
            if pb.grad is not None and pa.value.dtype != bool:
                scale = np.abs(pb.grad).max() + 1e-30
                assert np.abs(pa.grad - pb.grad).max() < 1e-3 * scale, (a.key, pa.title)


def test_a_trace_refuses_a_batch_and_a_bad_position():
    task = _task("numbers")
    src, tgt_in = _inputs(task, CASES["numbers"])
    with pytest.raises(ValueError, match=r"trace_forward\(src\): expected one example"):
        trace_forward(task.model, np.repeat(src, 2, axis=0), np.repeat(tgt_in, 2, axis=0))
    fwd = trace_forward(task.model, src, tgt_in)
    assert isinstance(fwd, TransformerTrace) and len(fwd.stages) == 68
    with pytest.raises(ValueError, match=r"trace_backward\(position\)"):
        trace_backward(task.model, fwd, tgt_in.shape[1])
    with pytest.raises(ValueError, match="padding"):
        trace_backward(task.model, fwd, 0, token=0)
