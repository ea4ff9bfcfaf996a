"""course_pkg.cells: Keras 3 cells written with keras.ops, and converters to the NumPy reference.

Cells (each usable in ``keras.layers.RNN`` and ``Bidirectional``, serializable, mixed precision):

- ``ElmanCell``: h_t = f(x_t @ W + h_{t-1} @ U + b), f = tanh, sigmoid, relu or identity.
- ``PeepholeLSTMCell``: the LSTM whose gates also see the cell state (p_i, p_f, p_o).
- ``CoupledLSTMCell``: the LSTM with i = 1 - f (blocks f, c, o).
- ``VariantLSTMCell``: any LSTM of Greff et al.'s study (peepholes, coupled gates, no forget
  gate, no output gate), the switches of ``course_pkg.reference.LSTMVariant``.

Importing this package does not import Keras: the converters only call layer methods, and the
cell classes are loaded (with Keras) the first time one is asked for, e.g.
``from course_pkg.cells import PeepholeLSTMCell``.
"""

from course_pkg import require
from course_pkg._lazy import lazy_exports

require(__name__, "numpy")  # the converters need NumPy; the cells also need Keras (see _lazy)

from .cell_converters import cell_params, cell_reference, set_cell_params
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

#: Cell classes, loaded with Keras on first access: name -> module.
_LAZY_CELLS = {
    "ElmanCell": ".elman",
    "PeepholeLSTMCell": ".peephole_lstm",
    "CoupledLSTMCell": ".coupled_lstm",
    "VariantLSTMCell": ".variant_lstm",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY_CELLS, globals())

__all__ = [
    "ElmanCell", "PeepholeLSTMCell", "CoupledLSTMCell", "VariantLSTMCell",
    "cell_params", "cell_reference", "set_cell_params",
    "set_simple_rnn_weights", "simple_rnn_weights",
    "bidirectional_params", "gru_weights", "lstm_weights", "model_params", "recurrent_params",
    "reference_cell", "reference_layers", "set_bidirectional_params", "set_gru_weights",
    "set_lstm_weights", "set_model_params", "set_recurrent_params",
]
