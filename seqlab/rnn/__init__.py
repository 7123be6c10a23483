"""Week 1, recurrent neural networks: RNN, GRU and LSTM cells and sequences with BPTT.

Every model has a cell pair (``*_cell_forward`` / ``*_cell_backward``) and a sequence pair
(``*_forward`` / ``*_backward``) in the course's column layout, x of shape (n_x, m, T_x).
The output layer ŷ<t> = softmax(W_ya a<t> + b_y) is shared: :func:`output_forward`,
:func:`output_backward`. The bidirectional RNN (``brnn_*``) and the deep RNN (``deep_rnn_*``)
wrap any of the three cells (``kind="rnn" | "gru" | "lstm"``); their params are one flat dict
with prefixed keys ("fwd/W_aa", "l2/W_aa", "l1/bwd/W_u", ...). Every sequence backward returns
``(dx, d_initial_state, grads)``, d_initial_state an :class:`InitialStateGrad` (da0, dc0).
"""

from seqlab.rnn.bidirectional import (
    BRNNCache,
    LayerCache,
    brnn_backward,
    brnn_forward,
    init_brnn_params,
)
from seqlab.rnn.deep import (
    DeepRNNCache,
    deep_rnn_backward,
    deep_rnn_forward,
    init_deep_rnn_params,
)
from seqlab.rnn.gru import (
    GRUCache,
    GRUCellCache,
    gru_backward,
    gru_cell_backward,
    gru_cell_forward,
    gru_forward,
    gru_gates,
    init_gru_params,
)
from seqlab.rnn.lstm import (
    LSTMCache,
    LSTMCellCache,
    init_lstm_params,
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
    lstm_gates,
    lstm_memory,
)
from seqlab.rnn.lstm_loop import LSTMLoopCache, lstm_backward_loop, lstm_forward_loop
from seqlab.rnn.network import (
    NetworkCache,
    RecurrentNetwork,
    last_step,
    last_step_backward,
    one_hot,
)
from seqlab.rnn.rnn import (
    RNNCache,
    RNNCellCache,
    init_rnn_params,
    output_backward,
    output_forward,
    rnn_backward,
    rnn_cell_backward,
    rnn_cell_forward,
    rnn_forward,
)
from seqlab.rnn.state import InitialStateGrad, complete_grads

__all__ = [
    "BRNNCache",
    "DeepRNNCache",
    "GRUCache",
    "GRUCellCache",
    "InitialStateGrad",
    "LSTMCache",
    "LSTMCellCache",
    "LSTMLoopCache",
    "LayerCache",
    "NetworkCache",
    "RNNCache",
    "RNNCellCache",
    "RecurrentNetwork",
    "brnn_backward",
    "complete_grads",
    "brnn_forward",
    "deep_rnn_backward",
    "deep_rnn_forward",
    "gru_backward",
    "gru_cell_backward",
    "gru_cell_forward",
    "gru_forward",
    "gru_gates",
    "init_brnn_params",
    "init_deep_rnn_params",
    "init_gru_params",
    "init_lstm_params",
    "init_rnn_params",
    "last_step",
    "last_step_backward",
    "lstm_backward",
    "lstm_backward_loop",
    "lstm_cell_backward",
    "lstm_cell_forward",
    "lstm_forward",
    "lstm_forward_loop",
    "one_hot",
    "lstm_gates",
    "lstm_memory",
    "output_backward",
    "output_forward",
    "rnn_backward",
    "rnn_cell_backward",
    "rnn_cell_forward",
    "rnn_forward",
]
