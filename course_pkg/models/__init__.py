"""course_pkg.models: small application models built from Keras layers (and our cells).

- ``recurrent_layers``: ``recurrent_layer(kind, units)``, Keras's SimpleRNN / GRU / LSTM in their
  cuDNN-eligible configuration and Greff et al.'s LSTM variants (``LSTM_ABLATIONS``).
- ``many_to_one``: ``sequence_regressor(kind, T, D, units)``, recurrent layer + Dense(1),
  the many-to-one model of the adding problem.

Importing this package does not import Keras; the builders load it on first use.
"""

from course_pkg._lazy import lazy_exports

_LAZY = {
    "KERAS_KINDS": ".recurrent_layers",
    "LSTM_ABLATIONS": ".recurrent_layers",
    "recurrent_layer": ".recurrent_layers",
    "sequence_regressor": ".many_to_one",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

__all__ = sorted(_LAZY)
