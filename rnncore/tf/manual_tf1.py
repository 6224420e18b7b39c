"""The lesson's hand-built TF1 network: a placeholder per step, shared `Wx`, `Wy`, `b` variables, a Session.

The TensorFlow twin of `rnncore.manual.recurrence_numpy` (the reference it is tested against).
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from rnncore.cell import valid_mask
from rnncore.config import RNNResult, RNNWeights
from rnncore.tf.session import BuiltGraph


def build_tf1(steps: int, w: RNNWeights) -> BuiltGraph:
    """The lesson's graph: X0, X1, ... placeholders and one shared Wx, Wy, b, in a new tf.Graph."""
    return _with_weights(_lesson_graph(steps, w.n_inputs, w.n_neurons, w.activation), w)


def _lesson_graph(steps: int, n_inputs: int, n_neurons: int, activation: str) -> BuiltGraph:
    """The graph alone: the weights are variables whose values each Session loads (`_with_weights`)."""
    from rnncore.tf.runtime import tf, tf_activation

    tf = tf()
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        X_steps = [v1.placeholder(tf.float32, [None, n_inputs], name=f"X{t}") for t in range(steps)]
        Wx = tf.Variable(tf.zeros([n_inputs, n_neurons]), name="Wx")  # values loaded per session
        Wy = tf.Variable(tf.zeros([n_neurons, n_neurons]), name="Wy")
        b = tf.Variable(tf.zeros([1, n_neurons]), name="b")
        act = tf_activation(activation)
        Y = [act(tf.matmul(X_steps[0], Wx) + b)]            # Y0 = act(X0 @ Wx + b)
        for t in range(1, steps):                          # Yt = act(Y(t-1) @ Wy + Xt @ Wx + b)
            Y.append(act(tf.matmul(Y[-1], Wy) + tf.matmul(X_steps[t], Wx) + b))

    def feed(X, lengths=None):
        return {X_steps[t]: X[:, t] for t in range(steps)}

    return BuiltGraph(graph, Y, feed, [(Wx, None), (Wy, None), (b, None)])


def _with_weights(built: BuiltGraph, w: RNNWeights) -> BuiltGraph:
    (Wx, _), (Wy, _), (b, _) = built.loads
    return dataclasses.replace(built, loads=[(Wx, w.Wx), (Wy, w.Wy), (b, w.b[None, :])])


@functools.lru_cache(maxsize=64)
def _finished_lesson_graph(steps: int, n_inputs: int, n_neurons: int, activation: str) -> BuiltGraph:
    """`_lesson_graph`, built once per shape and then read-only (`finalize`): many threads may open
    Sessions on it at once, each with its own variable values. The build is a large part of a TF1
    check's time (by-hand page); the unrolling page's measurements still build afresh (`build_tf1`)."""
    built = _lesson_graph(steps, n_inputs, n_neurons, activation)
    built.graph.finalize()
    return built


def recurrence_tf1(X: np.ndarray, w: RNNWeights, lengths: np.ndarray | None = None) -> RNNResult:
    """Runs the lesson's graph in a Session of its own; lengths are applied to its full outputs."""
    built = _with_weights(_finished_lesson_graph(X.shape[1], w.n_inputs, w.n_neurons, w.activation), w)
    Y_val = built.run(X)
    return _apply_lengths(np.stack(Y_val, axis=1).astype(np.float32), lengths)


def _apply_lengths(full_outputs: np.ndarray, lengths: np.ndarray | None) -> RNNResult:
    """Zero the outputs past each length and take the last valid one as the state.

    Exact for the hand-built network: a step never reads a later one, so the outputs before a length
    are the same whether or not the batch is padded.
    """
    batch, steps, neurons = full_outputs.shape
    valid = valid_mask(lengths, batch, steps)
    outputs = np.where(valid[:, :, None], full_outputs, 0).astype(np.float32)
    last = (valid.sum(axis=1) - 1)                         # index of each last valid step, -1 if none
    state = np.where((last >= 0)[:, None], full_outputs[np.arange(batch), np.maximum(last, 0)], 0)
    return RNNResult(outputs, state.astype(np.float32))
