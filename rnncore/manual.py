"""The lesson's hand-built recurrent network, generalised to any number of steps.

Two forms of the same function:
- `numpy`: a plain loop, the reference that every other path in rnncore is tested against;
- `tf1`:   the lesson's own TF1 form (`rnncore.tf.manual_tf1`), a placeholder per step, a Session.

The cell's equation and the variable-length rule are `rnncore.cell`'s (written once for every backend),
and the loop is `rnncore.loop`'s: past a sequence's length the output is zero and the state is copied through.
"""
from __future__ import annotations

import numpy as np

from rnncore.cell import basic_cell
from rnncore.config import RNNResult, RNNWeights
from rnncore.loop import run_loop
from rnncore.tf.manual_tf1 import recurrence_tf1
from rnncore.validate import check_inputs


def step_numpy(X_t: np.ndarray, Y_prev: np.ndarray, w: RNNWeights) -> np.ndarray:
    """One step of the cell: Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b)."""
    output, _, _ = basic_cell(w.Wx, w.Wy, w.b, w.activation)(X_t, (Y_prev,))
    return output.astype(np.float32)


def recurrence_numpy(X: np.ndarray, w: RNNWeights, lengths: np.ndarray | None = None) -> RNNResult:
    """The basic cell through rnncore.loop from Y[-1] = 0: the reference every other path is held to."""
    Y_init = np.zeros((X.shape[0], w.n_neurons), np.float32)    # Y[-1] = 0
    loop = run_loop(basic_cell(w.Wx, w.Wy, w.b, w.activation), X, (Y_init,), lengths)
    return RNNResult(loop.outputs, loop.states[0])


BACKENDS = {"numpy": recurrence_numpy, "tf1": recurrence_tf1}


def run_manual(X, w: RNNWeights, sequence_length=None, backend: str = "numpy") -> RNNResult:
    """Run the hand-built network over X (batch, steps, inputs); `backend` is "numpy" or "tf1"."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {tuple(BACKENDS)}, got {backend!r}")
    X, lengths = check_inputs(X, w, sequence_length)
    return BACKENDS[backend](X, w, lengths)
