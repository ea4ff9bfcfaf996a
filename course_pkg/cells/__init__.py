"""course_pkg.cells: Keras 3 cells written with keras.ops, and converters to the NumPy reference.

Importing this package does not import Keras; the converters only call layer methods.
"""

from .converters import set_simple_rnn_weights, simple_rnn_weights
from .lstm_gru_converters import (
    bidirectional_params,
    gru_weights,
    lstm_weights,
    model_params,
    recurrent_params,
    reference_cell,
    reference_layers,
    set_bidirectional_params,
    set_gru_weights,
    set_lstm_weights,
    set_model_params,
    set_recurrent_params,
)

__all__ = [
    "set_simple_rnn_weights", "simple_rnn_weights",
    "bidirectional_params", "gru_weights", "lstm_weights", "model_params", "recurrent_params",
    "reference_cell", "reference_layers", "set_bidirectional_params", "set_gru_weights",
    "set_lstm_weights", "set_model_params", "set_recurrent_params",
]
