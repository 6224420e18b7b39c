"""The lesson's `BasicRNNCell` unrolled through time, two ways (TF1 graphs, `tf.compat.v1`).

- static:  `static_rnn` puts one copy of the cell in the graph per step: the graph grows with the steps.
- dynamic: `dynamic_rnn` puts one cell inside a `while_loop`: the graph stays the same size, and
           `swap_memory=True` lets the loop move the tensors it keeps for backprop off the GPU.

The cell computes act([X_t, Y_prev] @ kernel + bias), so loading kernel = [Wx; Wy] and bias = b makes
it compute exactly the hand-built network of `manual.py`. Every call builds its own `tf.Graph` and
`Session` and closes them, so calls from many threads never share state.
"""
from __future__ import annotations

import numpy as np

from rnncore.config import MAX_STATIC_LENGTH_STEPS, RNNResult, RNNWeights
from rnncore.tf.session import BuiltGraph
from rnncore.validate import check_inputs, check_int

KINDS = ("static", "dynamic")


def build(kind: str, steps: int, w: RNNWeights, with_lengths: bool = False,
          swap_memory: bool = False) -> BuiltGraph:
    """Build the forward graph of `kind` ("static" or "dynamic") in a new tf.Graph."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if kind == "static" and with_lengths:  # two conds per step: the slowest graph to build (README "Caps")
        check_int("steps (static_rnn with sequence_length)", steps, 1, MAX_STATIC_LENGTH_STEPS)
    from rnncore.tf.runtime import tf, tf_activation

    tf = tf()
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        X = v1.placeholder(tf.float32, [None, steps, w.n_inputs], name="X")  # (batch, steps, inputs)
        lengths = v1.placeholder(tf.int32, [None], name="seq_length") if with_lengths else None
        cell = v1.nn.rnn_cell.BasicRNNCell(num_units=w.n_neurons, activation=tf_activation(w.activation))
        if kind == "static":
            X_seqs = tf.unstack(tf.transpose(X, perm=[1, 0, 2]))  # steps x (batch, inputs)
            output_seqs, state = v1.nn.static_rnn(cell, X_seqs, dtype=tf.float32, sequence_length=lengths)
            outputs = tf.transpose(tf.stack(output_seqs), perm=[1, 0, 2])
        else:
            outputs, state = v1.nn.dynamic_rnn(cell, X, dtype=tf.float32, sequence_length=lengths,
                                               swap_memory=swap_memory)
    kernel_var, bias_var = cell.weights
    kernel = np.concatenate([w.Wx, w.Wy], axis=0)  # (inputs + neurons, neurons)

    def feed(X_val, lengths_val=None):
        return {X: X_val} if lengths is None else {X: X_val, lengths: lengths_val}

    return BuiltGraph(graph, (outputs, state), feed, [(kernel_var, kernel), (bias_var, w.b)])


def run_unrolled(kind: str, X, w: RNNWeights, sequence_length=None, swap_memory: bool = False) -> RNNResult:
    X, lengths = check_inputs(X, w, sequence_length)
    built = build(kind, X.shape[1], w, with_lengths=lengths is not None, swap_memory=swap_memory)
    outputs, state = built.run(X, lengths)
    return RNNResult(outputs.astype(np.float32), state.astype(np.float32))


def run_static(X, w: RNNWeights, sequence_length=None) -> RNNResult:
    """`BasicRNNCell` through `static_rnn`: one copy of the cell per step."""
    return run_unrolled("static", X, w, sequence_length)


def run_dynamic(X, w: RNNWeights, sequence_length=None, swap_memory: bool = False) -> RNNResult:
    """`BasicRNNCell` through `dynamic_rnn`: one cell in a `while_loop`."""
    return run_unrolled("dynamic", X, w, sequence_length, swap_memory)
