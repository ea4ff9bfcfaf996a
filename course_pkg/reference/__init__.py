"""course_pkg.reference: RNNs in pure NumPy, forward and backward, float32 and float64.

Batch-first shapes and row-vector weights as Keras stores them::

    h_t = f(x_t @ W + h_{t-1} @ U + b)     x_t (N, D), h_t (N, H), W (D, H), U (H, H), b (H,)
    y_t = h_t @ V + c                      V (H, K), c (K,)

Modules, one concept each:

- ``activations``: tanh, sigmoid, identity, relu and their derivatives (from outputs), softmax.
- ``rnn``: one step and a whole sequence, forward and backward.
- ``lstm_cell``: one plain LSTM step, forward and backward, written as the LSTM page writes it.
- ``lstm``: the LSTM and its variants (one implementation), step and sequence, forward and backward.
- ``lstm_variants``: ``LSTMVariant`` (peephole, coupled, no forget / output gate), initialisers.
- ``masking``: masks (N, T) for variable-length sequences; masked steps keep the state.
- ``wrappers``: one ``Cell`` interface for RNN/LSTM/GRU; bidirectional and stacked layers.
- ``gru_cell``: one plain GRU step in both forms, forward and backward, as the GRU page writes it.
- ``gru``: the GRU, reset_after=True (Keras default) and False (2014), forward and backward.
- ``output``: the output projection y = h @ V + c.
- ``losses``: softmax cross-entropy; many-to-many and many-to-one sequence losses.
- ``tbptt``: truncated BPTT, TBPTT(k1, k2).
- ``clipping``: clip by value and by global norm.
- ``gradcheck``: centred-difference gradient checks.
- ``text``: CharVocab, one-hot vectors, sampling with a temperature.
- ``char_rnn``: a character language model with its training loop.
- ``attention``: global attention for one decoder step (dot, general, additive scores, the
  masked softmax, the context), its backward pass, a decoder step with attention, beam search.
- ``ctc``: the CTC loss of one label by the forward (alpha) recursion in log space, greedy
  (best path) decoding, and the same through ``keras.ops.ctc_loss`` / ``ctc_decode``.
- ``forecasting``: input windows and their targets, the persistence baseline and its errors.
"""

from .activations import (
    ACTIVATIONS,
    Activation,
    get_activation,
    identity,
    identity_derivative,
    log_softmax,
    relu,
    relu_derivative,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh,
    tanh_derivative,
)
from .char_rnn import (
    Adagrad,
    Adam,
    CharRNN,
    char_rnn_logits,
    char_rnn_loss_and_grads,
    sample_ids,
    sample_text,
    train_char_rnn,
)
from .clipping import clip_by_global_norm, clip_by_value, global_norm
from .gradcheck import format_gradient_check, gradient_check, numerical_gradient, relative_error
from .gru import (
    GRUCache,
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
    random_gru_params,
)
from .gru_cell import (
    GRUCellCache,
    GRUCellGrads,
    gru_cell_backward,
    gru_cell_forward,
    gru_cell_reset_before_backward,
    gru_cell_reset_before_forward,
)
from .losses import (
    PARAM_NAMES,
    SequenceLoss,
    many_to_many_loss,
    many_to_one_loss,
    softmax_cross_entropy,
    temporal_softmax_cross_entropy,
)
from .lstm import (
    LSTMCache,
    LSTMGrads,
    LSTMStepGrads,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    lstm_variant_backward,
    lstm_variant_forward,
    lstm_variant_step_backward,
    lstm_variant_step_forward,
)
from .lstm_cell import LSTMCellCache, LSTMCellGrads, lstm_cell_backward, lstm_cell_forward
from .lstm_variants import LSTM_VARIANTS, LSTMVariant, init_lstm_params, random_lstm_params
from .masking import (
    MaskedCache,
    check_mask,
    is_right_padded,
    mask_from_lengths,
    masked_backward,
    masked_forward,
)
from .output import OutputCache, output_backward, output_forward
from .rnn import (
    RNNCache,
    RNNStepCache,
    random_rnn_params,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from .tbptt import TBPTTResult, TBPTTWindow, tbptt_backward, tbptt_gradients, tbptt_windows
from .text import CharVocab, one_hot, sample_index, softmax_with_temperature
from .wrappers import (
    MERGE_MODES,
    Bidirectional,
    BidirectionalCache,
    Cell,
    GRUCell,
    LSTMCell,
    RecurrentCache,
    RNNCell,
    StackedCache,
    bidirectional_backward,
    bidirectional_forward,
    layer_output_size,
    random_stacked_params,
    recurrent_backward,
    recurrent_forward,
    stacked_backward,
    stacked_forward,
)

__all__ = [
    # activations
    "ACTIVATIONS", "Activation", "get_activation", "identity", "identity_derivative",
    "log_softmax", "relu", "relu_derivative", "sigmoid", "sigmoid_derivative", "softmax",
    "tanh", "tanh_derivative",
    # rnn
    "RNNCache", "RNNStepCache", "random_rnn_params", "rnn_backward", "rnn_forward",
    "rnn_step_backward", "rnn_step_forward",
    # lstm and its variants
    "LSTMCache", "LSTMGrads", "LSTMStepGrads", "lstm_backward", "lstm_forward",
    "lstm_step_backward", "lstm_step_forward", "lstm_variant_backward", "lstm_variant_forward",
    "lstm_variant_step_backward", "lstm_variant_step_forward",
    "LSTM_VARIANTS", "LSTMVariant", "init_lstm_params", "random_lstm_params",
    "LSTMCellCache", "LSTMCellGrads", "lstm_cell_backward", "lstm_cell_forward",
    # gru
    "GRUCache", "gru_backward", "gru_forward", "gru_step_backward", "gru_step_forward",
    "random_gru_params", "GRUCellCache", "GRUCellGrads",
    "gru_cell_backward", "gru_cell_forward", "gru_cell_reset_before_backward",
    "gru_cell_reset_before_forward",
    # masks, cells behind one interface, bidirectional and stacked wrappers
    "MaskedCache", "check_mask", "is_right_padded", "mask_from_lengths", "masked_backward",
    "masked_forward",
    "MERGE_MODES", "Bidirectional", "BidirectionalCache", "Cell", "GRUCell", "LSTMCell",
    "RecurrentCache", "RNNCell", "StackedCache", "bidirectional_backward", "bidirectional_forward",
    "layer_output_size", "random_stacked_params", "recurrent_backward", "recurrent_forward",
    "stacked_backward", "stacked_forward",
    # output and losses
    "OutputCache", "output_backward", "output_forward", "PARAM_NAMES", "SequenceLoss",
    "many_to_many_loss", "many_to_one_loss", "softmax_cross_entropy",
    "temporal_softmax_cross_entropy",
    # truncated BPTT, clipping, gradient checks
    "TBPTTResult", "TBPTTWindow", "tbptt_backward", "tbptt_gradients", "tbptt_windows",
    "clip_by_global_norm", "clip_by_value", "global_norm",
    "format_gradient_check", "gradient_check", "numerical_gradient", "relative_error",
    # text and the character model
    "CharVocab", "one_hot", "sample_index", "softmax_with_temperature",
    "Adagrad", "Adam", "CharRNN", "char_rnn_logits", "char_rnn_loss_and_grads", "sample_ids",
    "sample_text", "train_char_rnn",
]
