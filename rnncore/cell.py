"""The basic recurrent cell and the variable-length rule, each written once for every backend.

The cell (the lesson's, Hands-On ML ch. 14's):

    Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b)        Y[-1] = 0

The length rule (TF's `rnn()` docstring): for an example of length L, at every step t >= L the output
is zero and the state is copied through, so the final state is the last valid output (zero for L = 0):

    output[t] = Y[t]      if t < L else 0
    state[t]  = Y[t]      if t < L else state[t-1]

Both take the array library's ops as arguments, so the NumPy loop (the reference, rnncore.loop), the TF2
step and any other loop run the same lines: `cell_step(..., matmul=np.matmul)` or `matmul=tf.matmul`.
`basic_cell` is the cell in the form rnncore.loop steps through; the gated cells are rnncore.gates'.
"""
from __future__ import annotations

import numpy as np

from rnncore.activations import ACTIVATION


def pre_activation(X_t, Y_prev, Wx, Wy, b, matmul=np.matmul):
    """z[t] = X[:, t] @ Wx + Y[t-1] @ Wy + b: what goes inside act(...)."""
    return matmul(X_t, Wx) + matmul(Y_prev, Wy) + b


def cell_step(X_t, Y_prev, Wx, Wy, b, act, matmul=np.matmul):
    """Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b)   # (batch, neurons)"""
    return act(pre_activation(X_t, Y_prev, Wx, Wy, b, matmul))


def basic_cell(Wx, Wy, b, activation: str, with_slope: bool = False):
    """The cell as rnncore.loop steps it: `step(X_t, (Y_prev,)) -> (Y[t], (Y[t],), inner)`.

    `inner` is {} or, `with_slope`, {"slope": act'(z[t])}, the factor backprop through time needs."""
    row = ACTIVATION[activation]

    def step(X_t, states):
        z = pre_activation(X_t, states[0], Wx, Wy, b)
        Y = row.act(z)
        return Y, (Y,), {"slope": row.slope(z, Y)} if with_slope else {}

    return step


def length_rule(live, output, new_states, states, where=np.where):
    """(output[t], states[t]) from the cell's output and new states at step t: `live` (batch, 1) is True
    where t < length; elsewhere the output is zero and every state is copied through."""
    return where(live, output, 0.0), tuple(where(live, new, old) for new, old in zip(new_states, states))


def valid_mask(lengths, batch: int, steps: int) -> np.ndarray:
    """(batch, steps) bool: True where step t < the example's length (all True without lengths)."""
    if lengths is None:
        return np.ones((batch, steps), bool)
    return np.arange(steps)[None, :] < np.asarray(lengths)[:, None]
