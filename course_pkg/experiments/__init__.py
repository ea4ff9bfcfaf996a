"""course_pkg.experiments: the small experiments that check a lecture's claim in seconds.

Each module measures one claim, with seeds, and returns plain numbers (the book page prints them
and ``course_pkg.plots.claims`` draws them):

- ``activations``: tanh, ReLU and sigmoid simple RNNs on a delayed-recall memory task.
- ``exploding``: a ReLU RNN trained by plain gradient descent, with and without clipping by the
  global norm, and the step at which its weights stop being finite.
- ``dilation``: a dilated GRU stack against the plain stack of the same layers on a long lag.
- ``bidirectional``: a unidirectional and a bidirectional tagger on the "Teddy" sentences.

Importing this package imports nothing heavy; each module imports Keras when it trains.
"""
