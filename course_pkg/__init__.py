"""course_pkg: the code behind the RNN course.

Subpackages, one concept each:

- ``course_pkg.reference``: pure NumPy cells and sequences with forward *and* backward passes.
- ``course_pkg.cells``: Keras 3 cells written with ``keras.ops`` and converters to the reference.
- ``course_pkg.data``: offline datasets and generators.
- ``course_pkg.plots``: every figure of the book.
- ``course_pkg.checks``: the diagnostics that graded notebooks and the autograder share.
- ``course_pkg.show_source``: a function's own source as a highlighted listing on a page.

Importing ``course_pkg`` imports nothing heavy: NumPy, Keras and TensorFlow are only
loaded by the subpackages that need them.
"""

from .source import show_source

__version__ = "0.1.0"
__all__ = ["show_source"]
