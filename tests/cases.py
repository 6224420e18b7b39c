"""Random cases shared by the tests that hold a path against the NumPy reference, and the comparison."""
from __future__ import annotations

import numpy as np

from rnncore import ACTIVATIONS, RNNResult, RNNWeights, init_weights
from rnncore.config import AGREEMENT as TOLERANCE
from rnncore.manual import recurrence_numpy


def draw_case(seed: int, with_lengths: bool, weights_of):
    """X (batch 1..6, steps 1..8, inputs 1..5), weights `weights_of(rng, n_inputs, n_units)` (units 1..7),
    lengths: every random case of the tests, whichever cell it is for.

    With lengths and a batch of 3 or more, one sequence is empty and one is full, so every case with
    lengths covers both ends of 0..steps.
    """
    rng = np.random.default_rng(seed)
    batch, steps = int(rng.integers(1, 7)), int(rng.integers(1, 9))
    n_inputs, n_units = int(rng.integers(1, 6)), int(rng.integers(1, 8))
    w = weights_of(rng, n_inputs, n_units)
    X = rng.standard_normal((batch, steps, n_inputs)).astype(np.float32)  # (batch, steps, inputs)
    if not with_lengths:
        return X, w, None
    lengths = rng.integers(0, steps + 1, batch)
    if batch >= 3:
        lengths[:2] = (0, steps)
    return X, w, lengths


def random_case(seed: int, with_lengths: bool) -> tuple[np.ndarray, RNNWeights, np.ndarray | None]:
    """A basic cell's case (`draw_case`): activation by seed, and a random bias too."""
    def weights_of(rng, n_inputs: int, n_neurons: int) -> RNNWeights:
        w = init_weights(n_inputs, n_neurons, seed=seed, activation=ACTIVATIONS[seed % len(ACTIVATIONS)])
        return RNNWeights(w.Wx, w.Wy, rng.standard_normal(n_neurons).astype(np.float32), w.activation)

    return draw_case(seed, with_lengths, weights_of)


def assert_matches_reference(result: RNNResult, X: np.ndarray, w: RNNWeights, lengths=None) -> None:
    """`result` is plain float32 NumPy, agrees with the NumPy loop, and is exactly zero past each length."""
    reference = recurrence_numpy(X, w, None if lengths is None else np.asarray(lengths))
    for got, want in ((result.outputs, reference.outputs), (result.state, reference.state)):
        assert type(got) is np.ndarray and got.dtype == np.float32
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=TOLERANCE, atol=TOLERANCE)
    if lengths is not None:
        past_length = np.arange(X.shape[1])[None, :] >= np.asarray(lengths)[:, None]  # (batch, steps)
        assert np.all(result.outputs[past_length] == 0)
        assert np.all(result.state[np.asarray(lengths) == 0] == 0)
