"""Week 1, recurrent neural networks: RNN, GRU and LSTM cells and sequences with BPTT.

Every model has a cell pair (``*_cell_forward`` / ``*_cell_backward``) and a sequence pair
(``*_forward`` / ``*_backward``) in the course's column layout, x of shape (n_x, m, T_x).
The output layer ŷ<t> = softmax(W_ya a<t> + b_y) is shared: :func:`output_forward`,
:func:`output_backward`.
"""

from seqlab.rnn.gru import (
    GRUCache,
    GRUCellCache,
    gru_backward,
    gru_cell_backward,
    gru_cell_forward,
    gru_forward,
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

__all__ = [
    "GRUCache",
    "GRUCellCache",
    "LSTMCache",
    "LSTMCellCache",
    "RNNCache",
    "RNNCellCache",
    "gru_backward",
    "gru_cell_backward",
    "gru_cell_forward",
    "gru_forward",
    "init_gru_params",
    "init_lstm_params",
    "init_rnn_params",
    "lstm_backward",
    "lstm_cell_backward",
    "lstm_cell_forward",
    "lstm_forward",
    "output_backward",
    "output_forward",
    "rnn_backward",
    "rnn_cell_backward",
    "rnn_cell_forward",
    "rnn_forward",
]
