"""A Keras layer's outputs and gradients from the backend's own autodiff, on every backend.

``keras.ops`` has no gradient operation: each backend differentiates in its own way
(``tf.GradientTape``, ``jax.grad`` over ``stateless_call``, ``torch.autograd.grad``). This module
is the one place that knows the three, so that a check of a cell's backward pass against the NumPy
reference (the tests, ``benchmarks/cells_equivalence.py``) reads the same on TensorFlow, JAX and
PyTorch.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["BACKENDS", "outputs_and_gradients"]

#: The Keras backends this course runs on (and tests on).
BACKENDS = ("tensorflow", "jax", "torch")


def _as_list(outputs) -> list:
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def outputs_and_gradients(layer, x: np.ndarray, upstream: Sequence[np.ndarray]):
    """Run ``layer(x)`` and differentiate L = sum_k sum(outputs_k * upstream_k) with the backend's
    autodiff; dL/doutputs_k is upstream_k, the ``dy`` the reference backward passes take.

    Args:
        layer: a built Keras layer (e.g. ``keras.layers.RNN(cell, return_state=True)``).
        x: its input, e.g. (N, T, D), in the layer's dtype.
        upstream: one array per output of the layer, each of that output's shape.

    Returns:
        ``(outputs, grads)``: the outputs as NumPy arrays, and the gradients (NumPy) with respect
        to ``x`` and then to every ``layer.trainable_variables``, in that order.

    Raises:
        NotImplementedError: a backend other than TensorFlow, JAX or PyTorch.
    """
    import keras
    from keras import ops

    backend = keras.backend.backend()

    def loss_of(outputs):
        return sum(ops.sum(o * ops.convert_to_tensor(g, dtype=o.dtype))
                   for o, g in zip(outputs, upstream))

    if backend == "tensorflow":
        import tensorflow as tf

        x = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = _as_list(layer(x))
            loss = loss_of(outputs)
        grads = tape.gradient(loss, [x] + list(layer.trainable_variables))
    elif backend == "jax":
        import jax

        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]

        def loss_and_outputs(x, trainable):
            outputs, _ = layer.stateless_call(trainable, non_trainable, x)
            outputs = _as_list(outputs)
            return loss_of(outputs), outputs

        grad_fn = jax.grad(loss_and_outputs, argnums=(0, 1), has_aux=True)
        (dx, dvars), outputs = grad_fn(jax.numpy.asarray(x), trainable)
        grads = [dx, *dvars]
    elif backend == "torch":
        import torch

        # On Keras's device, in x's own dtype: without dtype=, Keras's torch backend turns a float64
        # NumPy array into floatx (float32), and a float64 layer would compute on rounded inputs.
        x = ops.convert_to_tensor(x, dtype=str(np.asarray(x).dtype)).detach().requires_grad_(True)
        outputs = _as_list(layer(x))
        loss = loss_of(outputs)
        # A KerasVariable's .value is the torch.nn.Parameter autograd tracks.
        grads = torch.autograd.grad(loss, [x] + [v.value for v in layer.trainable_variables])
        outputs = [o.detach() for o in outputs]
    else:
        raise NotImplementedError(f"outputs_and_gradients: backend must be one of {list(BACKENDS)}, "
                                  f"got {backend!r}")
    return ([ops.convert_to_numpy(o) for o in outputs],
            [ops.convert_to_numpy(g) for g in grads])
