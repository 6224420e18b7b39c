"""Credit through time by `tf.GradientTape`: ||d Y[T] / d X[t]|| for every step t (rnncore.memory's sweep).

One backward pass gives the whole Jacobian: the sequence is copied once per neuron i and copy i
differentiates only its own neuron's output Y[T][i], so the gradient of the sum over copies holds, in
copy i, row i of the Jacobian (copies never interact). All weights run together as a batch (batched
matmul), so a sweep over radii costs one pass.

The pass runs in float64 on the float32 weights and inputs: a vanishing gradient falls below float32's
smallest number (1e-45) within a few dozen steps and would show as 0, while float64 keeps it down to
1e-308. The final output still agrees with the float32 NumPy loop to float32 rounding.
"""
from __future__ import annotations

import numpy as np

from rnncore.cell import cell_step


def jacobian_norms(weights, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(norms (weights, steps), final Y[T] (weights, neurons)) for checked weights of one shape and
    activation and one checked sequence X (steps, inputs); norms may hold inf or NaN after an overflow."""
    from rnncore.tf.runtime import tf, tf_activation

    tf, act = tf(), tf_activation(weights[0].activation)
    n_weights, neurons = len(weights), weights[0].n_neurons
    as64 = lambda arrays: tf.constant(np.stack(arrays).astype(np.float64))  # noqa: E731
    Wx = as64([w.Wx for w in weights])                                   # (weights, inputs, neurons)
    Wy = as64([w.Wy for w in weights])                                   # (weights, neurons, neurons)
    b = as64([w.b[None, :] for w in weights])                            # (weights, 1, neurons)
    X_copies = as64([np.broadcast_to(X, (neurons,) + X.shape)] * n_weights)  # (weights, copies, steps, inputs)
    with tf.GradientTape() as tape:
        tape.watch(X_copies)
        Y = tf.zeros([n_weights, neurons, neurons], tf.float64)         # Y[-1] = 0, per (weights, copy)
        for X_t in tf.unstack(X_copies, axis=2):                         # (weights, copies, inputs)
            Y = cell_step(X_t, Y, Wx, Wy, b, act, tf.matmul)             # batched over (weights, copy)
        own_output = tf.linalg.diag_part(Y)                              # (weights, copies): copy i's Y[T][i]
        total = tf.reduce_sum(own_output)
    jacobian = tape.gradient(total, X_copies).numpy()                    # (w, neuron i, steps, inputs)
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.sqrt(np.square(jacobian.astype(np.float64)).sum(axis=(1, 3)))
    return norms, Y.numpy()[:, 0, :]                                     # every copy carries the same outputs
