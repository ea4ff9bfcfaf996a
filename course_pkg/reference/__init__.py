"""course_pkg.reference: RNNs in pure NumPy, forward and backward, float32 and float64.

Batch-first shapes and row-vector weights as Keras stores them::

    h_t = f(x_t @ W + h_{t-1} @ U + b)     x_t (N, D), h_t (N, H), W (D, H), U (H, H), b (H,)
    y_t = h_t @ V + c                      V (H, K), c (K,)

Modules, one concept each:

- ``activations``: tanh, sigmoid, identity, relu and their derivatives (from outputs), softmax.
- ``rnn``: one step and a whole sequence, forward and backward.
- ``output``: the output projection y = h @ V + c.
- ``losses``: softmax cross-entropy; many-to-many and many-to-one sequence losses.
- ``tbptt``: truncated BPTT, TBPTT(k1, k2).
- ``clipping``: clip by value and by global norm.
- ``gradcheck``: centred-difference gradient checks.
- ``text``: CharVocab, one-hot vectors, sampling with a temperature.
- ``char_rnn``: a character language model with its training loop.
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
from .losses import (
    PARAM_NAMES,
    SequenceLoss,
    many_to_many_loss,
    many_to_one_loss,
    softmax_cross_entropy,
    temporal_softmax_cross_entropy,
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
from .tbptt import TBPTTResult, TBPTTWindow, tbptt_gradients
from .text import CharVocab, one_hot, sample_index, softmax_with_temperature

__all__ = [
    # activations
    "ACTIVATIONS", "Activation", "get_activation", "identity", "identity_derivative",
    "log_softmax", "relu", "relu_derivative", "sigmoid", "sigmoid_derivative", "softmax",
    "tanh", "tanh_derivative",
    # rnn
    "RNNCache", "RNNStepCache", "random_rnn_params", "rnn_backward", "rnn_forward",
    "rnn_step_backward", "rnn_step_forward",
    # output and losses
    "OutputCache", "output_backward", "output_forward", "PARAM_NAMES", "SequenceLoss",
    "many_to_many_loss", "many_to_one_loss", "softmax_cross_entropy",
    "temporal_softmax_cross_entropy",
    # truncated BPTT, clipping, gradient checks
    "TBPTTResult", "TBPTTWindow", "tbptt_gradients",
    "clip_by_global_norm", "clip_by_value", "global_norm",
    "format_gradient_check", "gradient_check", "numerical_gradient", "relative_error",
    # text and the character model
    "CharVocab", "one_hot", "sample_index", "softmax_with_temperature",
    "Adagrad", "Adam", "CharRNN", "char_rnn_logits", "char_rnn_loss_and_grads", "sample_ids",
    "sample_text", "train_char_rnn",
]
