"""rnncore.bptt's totals by tf.GradientTape: the check the BPTT page runs when asked.

The same forward pass and loss as rnncore.bptt (rnncore.cell's basic cell and length rule, run on TF ops
in float64 with one Wx, Wy, b; L = 0.5 * ||Y[T-1] - target||^2): the tape differentiates through
every step and adds the contributions itself. TensorFlow is imported on the first call, after the
inputs are checked.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.bptt import Backprop, check_backprop_inputs
from rnncore.cell import cell_step, length_rule, valid_mask
from rnncore.config import RNNWeights


@dataclass(frozen=True)
class TapeTotals:
    loss: float
    dWx: np.ndarray   # (inputs, neurons)
    dWy: np.ndarray   # (neurons, neurons)
    db: np.ndarray    # (neurons,)

    def largest_difference(self, r: Backprop) -> float:
        """The largest |tape - rnncore| over the three totals, relative where a value exceeds 1."""
        gaps = [np.abs(a - b) / np.maximum(1.0, np.abs(b)) for a, b in
                ((self.dWx, r.dWx), (self.dWy, r.dWy), (self.db, r.db))]
        with np.errstate(invalid="ignore"):
            largest = max(float(g.max()) for g in gaps)
        return largest if np.isfinite(largest) else float("inf")


def tape_totals(X, w: RNNWeights, target=None, sequence_length=None) -> TapeTotals:
    X, lengths, target = check_backprop_inputs(X, w, target, sequence_length)
    batch, steps, _ = X.shape
    from rnncore.tf.runtime import tf, tf_activation

    tf, act = tf(), tf_activation(w.activation)
    live = tf.constant(valid_mask(lengths, batch, steps))             # (batch, steps)
    Xt = tf.constant(X.astype(np.float64))
    Wx, Wy, b = (tf.Variable(a.astype(np.float64)) for a in (w.Wx, w.Wy, w.b))
    with tf.GradientTape() as tape:
        state = tf.zeros([batch, w.n_neurons], tf.float64)            # Y[-1] = 0
        for t in range(steps):
            Y_t = cell_step(Xt[:, t], state, Wx, Wy, b, act, tf.matmul)
            _, (state,) = length_rule(live[:, t, None], Y_t, (Y_t,), (state,), tf.where)
        loss = 0.5 * tf.reduce_sum(tf.square(state - tf.constant(target)))
    dWx, dWy, db = tape.gradient(loss, [Wx, Wy, b], unconnected_gradients=tf.UnconnectedGradients.ZERO)
    return TapeTotals(float(loss), dWx.numpy(), dWy.numpy(), db.numpy())
