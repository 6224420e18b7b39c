"""The data every run shares: the weights of one recurrent layer and a run's result (caps: rnncore.caps).

A recurrent layer here is the lesson's (and Hands-On ML ch. 14's) basic cell:

    Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b)      Y[-1] = 0

`RNNWeights` holds `Wx`, `Wy`, `b` and the activation, so a seed and a few settings define a run
completely. `init_weights` draws them from a seeded normal distribution, scaled.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.caps import (  # noqa: F401  (re-exported: rnncore.config is where callers look)
    ACTIVATIONS, AGREEMENT, MAX_ABS_INPUT, MAX_BATCH, MAX_INPUTS, MAX_NEURONS, MAX_STATIC_LENGTH_STEPS, MAX_STEPS,
    MAX_WEIGHT_SCALE)
from rnncore.validate import check_int, check_scale, check_weights


@dataclass(frozen=True)
class RNNWeights:
    Wx: np.ndarray           # (inputs, neurons)  input -> neuron
    Wy: np.ndarray           # (neurons, neurons) previous output -> neuron: the recurrence
    b: np.ndarray            # (neurons,)
    activation: str = "tanh"  # one of ACTIVATIONS

    @property
    def n_inputs(self) -> int:
        return self.Wx.shape[0]

    @property
    def n_neurons(self) -> int:
        return self.Wx.shape[1]

    def __post_init__(self):
        check_weights(self)


@dataclass(frozen=True)
class RNNResult:
    outputs: np.ndarray  # (batch, steps, neurons); zero past each sequence's length
    state: np.ndarray    # (batch, neurons): each sequence's last valid output (zero for length 0)


def init_weights(n_inputs: int = 3, n_neurons: int = 5, seed: int = 42, scale: float = 1.0,
                 activation: str = "tanh") -> RNNWeights:
    """Normal(0, scale**2) weights from `seed`, zero bias: the lesson's `tf.random_normal` init.

    The same (n_inputs, n_neurons, seed, scale) always gives the same weights, on any machine.
    """
    check_int("n_inputs", n_inputs, 1, MAX_INPUTS)
    check_int("n_neurons", n_neurons, 1, MAX_NEURONS)
    check_int("seed", seed, 0, 2**32 - 1)
    check_scale(scale)
    rng = np.random.default_rng(seed)
    Wx = (scale * rng.standard_normal((n_inputs, n_neurons))).astype(np.float32)
    Wy = (scale * rng.standard_normal((n_neurons, n_neurons))).astype(np.float32)
    b = np.zeros(n_neurons, np.float32)
    return RNNWeights(Wx, Wy, b, activation)
