"""The data every run shares: the weights of one recurrent layer, a run's result, and the caps.

A recurrent layer here is the lesson's (and Hands-On ML ch. 14's) basic cell:

    Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b)      Y[-1] = 0

`RNNWeights` holds `Wx`, `Wy`, `b` and the activation, so a seed and a few settings define a run
completely. `init_weights` draws them from a seeded normal distribution, scaled.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("tanh", "relu", "linear")

# Caps on what a single run may ask for, chosen so the worst allowed request stays within the memory
# and time budgets of a small shared server (see README "Caps").
MAX_BATCH = 64
MAX_STEPS = 200
MAX_STATIC_LENGTH_STEPS = 100  # static_rnn with sequence_length builds two conds per step: 200 took 7-10 s
MAX_INPUTS = 32
MAX_NEURONS = 64
MAX_ABS_INPUT = 1e6  # finite inputs larger than this make every activation saturate or overflow
MAX_WEIGHT_SCALE = 10.0

# Every TensorFlow and Keras path agrees with the NumPy reference to this (float32: absolute near zero,
# relative where relu/linear outputs grow large).
AGREEMENT = 1e-5


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
        from rnncore.validate import check_weights

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
    from rnncore.validate import check_int, check_scale

    check_int("n_inputs", n_inputs, 1, MAX_INPUTS)
    check_int("n_neurons", n_neurons, 1, MAX_NEURONS)
    check_int("seed", seed, 0, 2**32 - 1)
    check_scale(scale)
    rng = np.random.default_rng(seed)
    Wx = (scale * rng.standard_normal((n_inputs, n_neurons))).astype(np.float32)
    Wy = (scale * rng.standard_normal((n_neurons, n_neurons))).astype(np.float32)
    b = np.zeros(n_neurons, np.float32)
    return RNNWeights(Wx, Wy, b, activation)
