"""A skip GRU (Campos et al., 2018): a GRU that learns to skip state updates.

At every step a binary gate u_t decides whether the GRU updates its state or copies it::

    u_t      = round(ut_t)                                   binary: update (1) or skip (0)
    h_t      = u_t * GRU(x_t, h_{t-1}) + (1 - u_t) * h_{t-1}
    du_t     = sigmoid(h_t @ w_p + b_p)                       how much the next update is wanted
    ut_{t+1} = u_t * du_t + (1 - u_t) * (ut_t + min(du_t, 1 - ut_t))

so after a skip the probability ``ut`` grows until it rounds to one. ``round`` has no gradient;
the straight-through estimator takes its gradient as one: ``ut + stop_gradient(round(ut) - ut)``.
The cell returns [h_t, u_t] at each step so that a model can count the updates (and penalise them,
the paper's budget loss). It is a custom cell in ``keras.layers.RNN``, so unlike Keras's ``GRU``
it has no cuDNN kernel. The first step always updates (``ut_1 = 1``).

Example:
    >>> import numpy as np
    >>> layer = keras.layers.RNN(SkipGRUCell(4), return_sequences=True)
    >>> h_and_u = layer(np.zeros((2, 5, 3), dtype="float32"))
    >>> tuple(h_and_u.shape)
    (2, 5, 5)
"""

from __future__ import annotations

import keras
from keras import ops

__all__ = ["SkipGRUCell"]


class SkipGRUCell(keras.layers.Layer):
    """A GRU cell (``keras.layers.GRUCell``, reset_after=True) with a learned binary update gate.

    Output per step: the concatenation [h_t, u_t], of size units + 1. State: [h_t, ut_{t+1}].
    """

    def __init__(self, units: int, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"SkipGRUCell: argument units expected a positive integer, got {units!r}")
        self.units = units
        self.gru = keras.layers.GRUCell(units, name="gru_cell")
        self.state_size = [units, 1]
        self.output_size = units + 1

    def build(self, input_shape):
        self.gru.build(input_shape)
        self.w_p = self.add_weight(shape=(self.units, 1), initializer="glorot_uniform", name="w_p")
        # start wanting updates: sigmoid(1) = 0.73 added after a skip
        self.b_p = self.add_weight(shape=(1,), initializer=keras.initializers.Constant(1.0),
                                   name="b_p")
        super().build(input_shape)

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), dtype=self.compute_dtype),
                ops.ones((batch_size, 1), dtype=self.compute_dtype)]

    def call(self, x, states, training=False):
        h_prev, u_tilde = states[0], states[1]
        u = u_tilde + ops.stop_gradient(ops.round(u_tilde) - u_tilde)    # straight through
        candidate, _ = self.gru(x, [h_prev], training=training)
        h = u * candidate + (1.0 - u) * h_prev
        delta = ops.sigmoid(ops.matmul(h, self.w_p) + self.b_p)
        u_next = u * delta + (1.0 - u) * (u_tilde + ops.minimum(delta, 1.0 - u_tilde))
        return ops.concatenate([h, u], axis=-1), [h, u_next]

    def get_config(self):
        return {**super().get_config(), "units": self.units}
