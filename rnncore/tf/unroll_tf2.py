"""The same two ideas in today's TensorFlow: an unrolled graph and a loop that stays a loop.

- `tf.function` with a Python `for t in range(steps)`: tracing runs the Python loop, so the graph holds
  one copy of the step per time step (like `static_rnn`).
- `tf.function` with `for t in tf.range(steps)`: AutoGraph turns it into a `tf.while_loop`, so the
  graph holds one step whatever the length (like `dynamic_rnn`).
- Keras 3 `SimpleRNN` with `unroll=True` / `unroll=False`: the same contrast inside a Keras layer,
  loaded with the same `Wx`, `Wy`, `b`.

Each call traces its own function or builds its own layer: nothing is shared between calls or threads.
"""
from __future__ import annotations

import numpy as np

from rnncore.activations import ACTIVATION
from rnncore.cell import cell_step, length_rule
from rnncore.config import RNNResult, RNNWeights
from rnncore.validate import check_inputs

TF2_LOOPS = ("unrolled", "while")


def make_tf2_function(w: RNNWeights, steps: int, loop: str, with_lengths: bool):
    """A fresh tf.function computing (outputs, state) for X (batch, steps, inputs) [, lengths]."""
    if loop not in TF2_LOOPS:
        raise ValueError(f"loop must be one of {TF2_LOOPS}, got {loop!r}")
    from rnncore.tf.runtime import tf, tf_activation

    tf = tf()
    Wx, Wy, b = tf.constant(w.Wx), tf.constant(w.Wy), tf.constant(w.b)
    act = tf_activation(w.activation)

    def step(X_t, Y_prev, live):  # live: (batch, 1) bool, True where t < length
        Y_t = cell_step(X_t, Y_prev, Wx, Wy, b, act, tf.matmul)
        output, (state,) = length_rule(live, Y_t, (Y_t,), (Y_prev,), tf.where)
        return output, state

    def recurrence(X, lengths=None):
        batch = tf.shape(X)[0]
        if lengths is None:
            lengths = tf.fill([batch], steps)
        state = tf.zeros([batch, w.n_neurons])
        if loop == "unrolled":
            outputs = []
            for t in range(steps):  # a Python loop: traced once per step
                output, state = step(X[:, t], state, (t < lengths)[:, None])
                outputs.append(output)
            return tf.stack(outputs, axis=1), state
        outputs = tf.TensorArray(tf.float32, size=steps)
        for t in tf.range(steps):  # a tensor loop: AutoGraph makes it a while_loop
            output, state = step(X[:, t], state, (t < lengths)[:, None])
            outputs = outputs.write(t, output)
        return tf.transpose(outputs.stack(), [1, 0, 2]), state

    return _as_function(recurrence, steps, w.n_inputs, with_lengths)


def make_keras_function(w: RNNWeights, steps: int, unroll: bool, with_lengths: bool):
    """A tf.function around a Keras 3 `SimpleRNN` holding Wx, Wy, b; same contract as above."""
    from rnncore.tf.runtime import keras, keras_lock, tf

    keras, tf = keras(), tf()
    with keras_lock:
        layer = keras.layers.SimpleRNN(w.n_neurons, activation=ACTIVATION[w.activation].keras,
                                       return_sequences=True, return_state=True, unroll=unroll)
        layer.build((None, steps, w.n_inputs))
        layer.set_weights([w.Wx, w.Wy, w.b])

    def recurrence(X, lengths=None):
        if lengths is None:
            return layer(X)
        valid = tf.sequence_mask(lengths, steps)            # (batch, steps)
        outputs, state = layer(X, mask=valid)
        # Keras repeats the last output past a mask; the lesson's rule (TF's rnn()) is zero there.
        return tf.where(valid[:, :, None], outputs, 0.0), state

    return _as_function(recurrence, steps, w.n_inputs, with_lengths)


def _as_function(recurrence, steps: int, n_inputs: int, with_lengths: bool):
    """`recurrence` as a tf.function of X, or of (X, lengths) when `with_lengths`."""
    from rnncore.tf.runtime import tf

    tf = tf()
    X_spec = tf.TensorSpec([None, steps, n_inputs], tf.float32)  # (batch, steps, inputs)
    if with_lengths:
        return tf.function(recurrence, input_signature=[X_spec, tf.TensorSpec([None], tf.int32)])
    return tf.function(lambda X: recurrence(X), input_signature=[X_spec])


def _call(function, X, lengths) -> RNNResult:
    outputs, state = function(X) if lengths is None else function(X, lengths)
    return RNNResult(outputs.numpy().astype(np.float32), state.numpy().astype(np.float32))


def run_tf2(X, w: RNNWeights, sequence_length=None, loop: str = "while") -> RNNResult:
    """A TF2 `tf.function`; `loop` is "unrolled" (Python loop, traced) or "while" (`tf.range`)."""
    X, lengths = check_inputs(X, w, sequence_length)
    return _call(make_tf2_function(w, X.shape[1], loop, lengths is not None), X, lengths)


def run_keras(X, w: RNNWeights, sequence_length=None, unroll: bool = False) -> RNNResult:
    """Keras 3 `SimpleRNN(unroll=...)` with the given weights; lengths become a Keras mask."""
    X, lengths = check_inputs(X, w, sequence_length)
    return _call(make_keras_function(w, X.shape[1], unroll, lengths is not None), X, lengths)
