"""Keras 3's own `LSTM` and `GRU` layers holding rnncore.gates' weights: the check on the NumPy gated cells.

rnncore.gates keeps its weights in Keras's layout and gate order, so `set_weights([kernel,
recurrent_kernel, bias])` loads them unchanged. Lengths become a Keras mask; past a length Keras repeats
the last output, so the outputs there are set to zero by rnncore's rule (as rnncore.tf.unroll_tf2 does).
"""
from __future__ import annotations

import numpy as np

from rnncore.tf.runtime import keras_lock


def run_keras(X: np.ndarray, w, lengths) -> tuple:
    """(outputs (batch, steps, units), h (batch, units), c (batch, units) or None for GRU) of the Keras
    layer of `w.kind` holding `w` (rnncore.gates.GatedWeights), over checked X (batch, steps, inputs)."""
    from rnncore.tf.runtime import keras, tf

    keras, tf = keras(), tf()
    with keras_lock:
        layer = getattr(keras.layers, w.kind.upper())(w.n_units, return_sequences=True, return_state=True)
        layer.build((None, X.shape[1], w.n_inputs))
        layer.set_weights([w.kernel, w.recurrent_kernel, w.bias])
    valid = tf.sequence_mask(lengths, X.shape[1]) if lengths is not None else None  # (batch, steps)
    outputs, state, *cell = layer(X, mask=valid)
    if valid is not None:
        outputs = tf.where(valid[:, :, None], outputs, 0.0)
    as32 = lambda tensor: np.asarray(tensor, np.float32)  # noqa: E731
    return as32(outputs), as32(state), as32(cell[0]) if cell else None
