"""The lesson's hand-built recurrent network, generalised to any number of steps.

Two forms of the same function:
- `numpy`: a plain loop, the reference that every other path in rnncore is tested against;
- `tf1`:   the lesson's own TF1 form, a placeholder per step, shared `Wx`, `Wy`, `b` variables, a Session.

The cell's equation and the variable-length rule are `rnncore.cell`'s (written once for every backend):
past a sequence's length the output is zero and the state is copied through.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from rnncore.cell import NUMPY_ACTIVATION, cell_step, length_rule, valid_mask
from rnncore.config import RNNResult, RNNWeights
from rnncore.session import BuiltGraph
from rnncore.validate import check_inputs


def step_numpy(X_t: np.ndarray, Y_prev: np.ndarray, w: RNNWeights) -> np.ndarray:
    """One step of the cell: Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b)."""
    return cell_step(X_t, Y_prev, w.Wx, w.Wy, w.b, NUMPY_ACTIVATION[w.activation]).astype(np.float32)


def recurrence_numpy(X: np.ndarray, w: RNNWeights, lengths: np.ndarray | None = None) -> RNNResult:
    batch, steps, _ = X.shape
    valid = valid_mask(lengths, batch, steps)              # (batch, steps)
    state = np.zeros((batch, w.n_neurons), np.float32)      # Y[-1] = 0
    outputs = np.zeros((batch, steps, w.n_neurons), np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            outputs[:, t], state = length_rule(valid[:, t, None], step_numpy(X[:, t], state, w), state)
    return RNNResult(outputs, state)


def build_tf1(steps: int, w: RNNWeights) -> BuiltGraph:
    """The lesson's graph: X0, X1, ... placeholders and one shared Wx, Wy, b, in a new tf.Graph."""
    return _with_weights(_lesson_graph(steps, w.n_inputs, w.n_neurons, w.activation), w)


def _lesson_graph(steps: int, n_inputs: int, n_neurons: int, activation: str) -> BuiltGraph:
    """The graph alone: the weights are variables whose values each Session loads (`_with_weights`)."""
    from rnncore.tfimport import tf, tf_activation

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
    Sessions on it at once, each with its own variable values. Half of a TF1 check's time was the
    build (by-hand page, 5 steps); the unrolling page's measurements still build afresh (`build_tf1`)."""
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


BACKENDS = {"numpy": recurrence_numpy, "tf1": recurrence_tf1}


def run_manual(X, w: RNNWeights, sequence_length=None, backend: str = "numpy") -> RNNResult:
    """Run the hand-built network over X (batch, steps, inputs); `backend` is "numpy" or "tf1"."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {tuple(BACKENDS)}, got {backend!r}")
    X, lengths = check_inputs(X, w, sequence_length)
    return BACKENDS[backend](X, w, lengths)
