"""course_pkg.cells: Keras 3 cells written with keras.ops, and converters to the NumPy reference.

Importing this package does not import Keras; the converters only call layer methods.
"""

from .converters import set_simple_rnn_weights, simple_rnn_weights

__all__ = ["set_simple_rnn_weights", "simple_rnn_weights"]
