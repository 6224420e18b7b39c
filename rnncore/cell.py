"""The basic recurrent cell and the variable-length rule, each written once for every backend.

The cell (the lesson's, Hands-On ML ch. 14's):

    Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b)        Y[-1] = 0

The length rule (TF's `rnn()` docstring): for an example of length L, at every step t >= L the output
is zero and the state is copied through, so the final state is the last valid output (zero for L = 0):

    output[t] = Y[t]      if t < L else 0
    state[t]  = Y[t]      if t < L else state[t-1]

Both take the array library's ops as arguments, so the NumPy loop (the reference), the TF2 step and
any other loop run the same lines: `cell_step(..., matmul=np.matmul)` or `matmul=tf.matmul`.
"""
from __future__ import annotations

import numpy as np

NUMPY_ACTIVATION = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),  # keeps z's dtype (NumPy 2: a Python 0 is weak)
    "linear": lambda z: z,
}


def pre_activation(X_t, Y_prev, Wx, Wy, b, matmul=np.matmul):
    """z[t] = X[:, t] @ Wx + Y[t-1] @ Wy + b: what goes inside act(...)."""
    return matmul(X_t, Wx) + matmul(Y_prev, Wy) + b


def cell_step(X_t, Y_prev, Wx, Wy, b, act, matmul=np.matmul):
    """Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b)   # (batch, neurons)"""
    return act(pre_activation(X_t, Y_prev, Wx, Wy, b, matmul))


def length_rule(live, Y_t, Y_prev, where=np.where):
    """(output[t], state[t]) from the cell's Y[t]: `live` (batch, 1) is True where t < length."""
    return where(live, Y_t, 0.0), where(live, Y_t, Y_prev)


def valid_mask(lengths, batch: int, steps: int) -> np.ndarray:
    """(batch, steps) bool: True where step t < the example's length (all True without lengths)."""
    if lengths is None:
        return np.ones((batch, steps), bool)
    return np.arange(steps)[None, :] < np.asarray(lengths)[:, None]
