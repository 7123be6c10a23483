"""Contract cases: seqlab.viz.memory (notebook 27's connectivity pictures), on a small
hand-made MemoryTrace (no model to load)."""

from __future__ import annotations

import numpy as np

from seqlab.lm.connectivity import Connectivity
from seqlab.viz import memory as vmem
from tests.contract._harness import Registry
from tests.contract._kinds import TYPE, VALUE, Fn

P = "seqlab.viz.memory."


def memory(reg: Registry) -> None:
    G = np.tril(np.arange(1.0, 10.0).reshape(3, 3))                   # (T, T), T = 3
    trace = vmem.MemoryTrace("abcd", {"RNN": Connectivity(G, np.log([0.5, 0.4, 0.3]))})
    f = Fn(reg, P + "relative_row", vmem.relative_row, G, 1)
    f.bad("G: None", TYPE, "None", G=None)
    f.bad("G: 1-D", VALUE, G=G[0])
    f.bad("t: T", VALUE, t=3)
    f.bad("t: -1", VALUE, t=-1)
    f.bad("t: a float", TYPE, t=1.5)
    f = Fn(reg, P + "log_relative_map", vmem.log_relative_map, G)
    f.bad("G: None", TYPE, "None", G=None)
    f.bad("G: 1-D", VALUE, G=G[0])
    f.bad("G: not square", VALUE, G=G[:2])
    f = Fn(reg, P + "coloured_text", vmem.coloured_text, "abcd", np.array([1.0, 0.5]), "#1f77b4")
    f.bad("text: None", TYPE, "None", text=None)
    f.bad("weights: as many as the characters", VALUE, weights=np.ones(4))
    f.bad("weights: None", TYPE, "None", weights=None)
    f.bad("colour: a name", VALUE, colour="red")
    for name, fn in (("influence_html", vmem.influence_html),
                     ("influence_figure", vmem.influence_figure),
                     ("connectivity_heatmaps", vmem.connectivity_heatmaps)):
        f = Fn(reg, P + name, fn, trace, 1)
        f.bad("trace: None", TYPE, "None", trace=None)
        f.bad("t: T", VALUE, t=3)
        f.bad("t: a float", TYPE, t=1.5)
    f = Fn(reg, P + "decay_figure", vmem.decay_figure, {})
    f.bad("stats: a list", TYPE, stats=[1])
    f.bad("stats: not MemoryStats", TYPE, "MemoryStats", stats={"RNN": 1}, arg="stats")
    reg.no_input(P + "MemoryTrace", "a record returned by memory_trace")
    reg.no_input(P + "load_memory_models", "takes no argument")




def transformer_views(reg: Registry) -> None:
    from seqlab.viz import decoding as vdec
    from seqlab.viz import gradient_flow as vgf
    for name, fn in (("gradient_norms", vgf.gradient_norms),
                     ("residual_split", vgf.residual_split)):
        f = Fn(reg, f"seqlab.viz.gradient_flow.{name}", fn, None)
        f.bad("trace: None", TYPE, "None", trace=None)
        f.bad("trace: a dict", TYPE, "TransformerTrace", trace={})
    f = Fn(reg, "seqlab.viz.decoding.decoding_figure", vdec.decoding_figure, ["a", "b"])
    f.bad("vocab: None", TYPE, "None", vocab=None)
    f.bad("vocab: one str", TYPE, "str", vocab="ab")
    f.bad("vocab: empty", VALUE, vocab=[])




def step_through(reg: Registry) -> None:
    from seqlab.transformer.trace import Panel, Stage
    from seqlab.viz import step_through as vst
    panel = Panel("scores", np.zeros((2, 3, 3)), None, "tgt", "src", "real")
    stage = Stage("dec.0.cross.scores", "decoder", 0, "cross-attention", "scores", "s", "",
                  (panel,), (), ())
    f = Fn(reg, "seqlab.viz.step_through.stage_panels", vst.stage_panels, stage, 0, False)
    f.bad("stage: None", TYPE, "None", stage=None)
    f.bad("head: h", VALUE, head=2)
    f.bad("head: -1", VALUE, head=-1)
    f.bad("backward: a str", TYPE, backward="yes")
    f.ok("head: NumPy int64", same={"head": 1}, head=np.int64(1))
    f = Fn(reg, "seqlab.viz.step_through.prepare_text", vst.prepare_text, None, "12")
    f.bad("task: None", TYPE, "None", task=None)




def explorers(reg: Registry) -> None:
    from seqlab.rnn.inspect import load_gate_model
    from seqlab.viz import decoding as vdec
    from seqlab.viz import gradient_flow as vgf
    from seqlab.viz import step_through as vst
    models = {"GRU": load_gate_model("gru")}
    f = Fn(reg, P + "memory_trace", vmem.memory_trace, models, "to be or not")
    f.bad("models: a list", TYPE, models=[1])
    f.bad("models: empty", VALUE, models={})
    f.bad("models: a value not a GateModel", TYPE, "GateModel", models={"GRU": None},
          arg="models")
    f.bad("text: None", TYPE, "None", text=None)
    f = Fn(reg, P + "memory_explorer", vmem.memory_explorer, models, ("to be",))
    f.bad("models: a list", TYPE, models=[1])
    f.bad("texts: one str", TYPE, "str", texts="to be")
    for target, fn in (("decoding.decoding_explorer", vdec.decoding_explorer),
                       ("gradient_flow.gradient_flow_view", vgf.gradient_flow_view),
                       ("step_through.transformer_stepper", vst.transformer_stepper)):
        f = Fn(reg, "seqlab.viz." + target, fn, None, "12")
        f.bad("task: None", TYPE, "None", task=None)
        f.bad("task: a Transformer's config", TYPE, "TaskModel", task={}, arg="task")


def register(reg: Registry) -> None:
    memory(reg)
    transformer_views(reg)
    step_through(reg)
    explorers(reg)
