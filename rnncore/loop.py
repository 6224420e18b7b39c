"""The one NumPy loop: every NumPy cell (basic, LSTM, GRU, the text lab's) steps through `run_loop`.

Keras's split (`keras.layers.RNN` and its cells): a cell computes one step, the loop is written once.
A cell here is a function

    step(X_t, states) -> (output, new_states, inner)
        X_t         (batch, inputs)  the inputs at step t
        states      tuple of (batch, units): (Y[t-1],) for the basic cell and the GRU, (h[t-1], c[t-1])
                    for the LSTM; all zero before the first step
        output      (batch, units)   the cell's output at step t
        inner       {name: (batch, units)}: what the cell computed on the way (gates, slopes), or {}

and the loop, with rnncore.cell's length rule, for an example of length L:

    for t in range(steps):
        output, new_states, inner = step(X[:, t], states)
        outputs[:, t] = output        if t < L else 0       (each inner value too)
        states        = new_states    if t < L else states
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.cell import length_rule, valid_mask


@dataclass(frozen=True)
class Loop:
    outputs: np.ndarray   # (batch, steps, units): zero past each length
    states: tuple         # each (batch, units): the last valid states (zero for length 0)
    inner: dict           # name -> (batch, steps, units): the cell's inner values, zero past each length


def run_loop(step, X: np.ndarray, states: tuple, lengths=None) -> Loop:
    """Step the cell `step` over X (batch, steps, inputs) from `states`, by the length rule.

    Outputs and inner values take the dtype of the first state (float32 for the reference).
    """
    batch, steps = X.shape[:2]
    live = valid_mask(lengths, batch, steps)                        # (batch, steps)
    shape, dtype = (batch, steps, states[0].shape[-1]), states[0].dtype
    outputs, inner_over_time = np.zeros(shape, dtype), {}
    with np.errstate(over="ignore", invalid="ignore"):              # overflow shows as inf, as TF's does
        for t in range(steps):
            on = live[:, t, None]                                   # (batch, 1)
            output, new_states, inner = step(X[:, t], states)
            outputs[:, t], states = length_rule(on, output, new_states, states)
            for name, value in inner.items():
                inner_over_time.setdefault(name, np.zeros(shape, dtype))[:, t] = np.where(on, value, 0)
    return Loop(outputs, states, inner_over_time)
