"""The NumPy reference against formulas written out by hand, and the lesson's TF1 form against it."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cases import TOLERANCE, assert_matches_reference, random_case
from rnncore import ACTIVATIONS, RNNWeights, init_weights, run_manual
from rnncore.manual import recurrence_numpy, step_numpy

HAND_ACTIVATION = {"tanh": math.tanh, "relu": lambda z: max(z, 0.0), "linear": lambda z: z}


def scalar_weights(activation: str) -> RNNWeights:
    """One input, one neuron: Wx = 0.5, Wy = -1.5, b = 0.25."""
    return RNNWeights(np.array([[0.5]], np.float32), np.array([[-1.5]], np.float32),
                      np.array([0.25], np.float32), activation)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_one_neuron_two_steps_match_the_formula_worked_by_hand(activation):
    act = HAND_ACTIVATION[activation]
    X = np.array([[[2.0], [-1.0]]], np.float32)    # (batch=1, steps=2, inputs=1)
    Y0 = act(2.0 * 0.5 + 0.25)                     # Y0 = act(X0 Wx + b)
    Y1 = act(-1.0 * 0.5 + Y0 * -1.5 + 0.25)        # Y1 = act(X1 Wx + Y0 Wy + b)
    r = run_manual(X, scalar_weights(activation))
    np.testing.assert_allclose(r.outputs[0, :, 0], [Y0, Y1], rtol=1e-6)
    assert r.state[0, 0] == r.outputs[0, 1, 0]


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_lesson_equations_for_one_and_two_steps(activation):
    """Y0 = act(X0 @ Wx + b); Y1 = act(Y0 @ Wy + X1 @ Wx + b), written per neuron with sums."""
    act = HAND_ACTIVATION[activation]
    w = init_weights(3, 4, seed=7, scale=0.5, activation=activation)
    w = RNNWeights(w.Wx, w.Wy, np.array([0.1, -0.2, 0.3, 0.0], np.float32), activation)
    X = np.random.default_rng(3).standard_normal((2, 2, 3)).astype(np.float32)
    Y0 = [[act(sum(X[i, 0, k] * w.Wx[k, j] for k in range(3)) + w.b[j]) for j in range(4)] for i in range(2)]
    Y1 = [[act(sum(Y0[i][m] * w.Wy[m, j] for m in range(4)) + sum(X[i, 1, k] * w.Wx[k, j] for k in range(3))
               + w.b[j]) for j in range(4)] for i in range(2)]
    np.testing.assert_allclose(run_manual(X[:, :1], w).outputs[:, 0], Y0, rtol=1e-5, atol=1e-6)
    two_steps = run_manual(X, w)
    np.testing.assert_allclose(two_steps.outputs, np.stack([Y0, Y1], axis=1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(two_steps.state, Y1, rtol=1e-5, atol=1e-6)


def test_step_numpy_is_one_step_of_the_loop():
    w = init_weights(3, 4, seed=1)  # tanh
    X = np.random.default_rng(1).standard_normal((2, 3, 3)).astype(np.float32)
    Y_prev = np.random.default_rng(2).standard_normal((2, 4)).astype(np.float32)
    Y_t = step_numpy(X[:, 0], Y_prev, w)
    assert Y_t.dtype == np.float32
    np.testing.assert_allclose(Y_t, np.tanh(X[:, 0] @ w.Wx + Y_prev @ w.Wy + w.b), rtol=1e-6)
    full = recurrence_numpy(X, w)
    np.testing.assert_array_equal(step_numpy(X[:, 2], full.outputs[:, 1], w), full.outputs[:, 2])


shapes = st.tuples(st.integers(1, 6), st.integers(1, 8), st.integers(1, 5), st.integers(1, 7))


@settings(max_examples=40, deadline=None)
@given(shape=shapes, activation=st.sampled_from(ACTIVATIONS), seed=st.integers(0, 2**16), data=st.data())
def test_lengths_zero_the_tail_and_keep_the_last_valid_output(shape, activation, seed, data):
    batch, steps, n_inputs, n_neurons = shape
    w = init_weights(n_inputs, n_neurons, seed=seed, activation=activation)
    X = np.random.default_rng(seed).standard_normal((batch, steps, n_inputs)).astype(np.float32)
    lengths = data.draw(st.lists(st.integers(0, steps), min_size=batch, max_size=batch))
    full = run_manual(X, w)
    r = run_manual(X, w, sequence_length=lengths)
    for i, length in enumerate(lengths):
        # before a length: what the unpadded sequence alone gives; after it: zeros
        np.testing.assert_array_equal(r.outputs[i, :length], full.outputs[i, :length])
        assert np.all(r.outputs[i, length:] == 0)
        expected_state = full.outputs[i, length - 1] if length > 0 else np.zeros(n_neurons, np.float32)
        np.testing.assert_array_equal(r.state[i], expected_state)
        if length > 0:
            alone = run_manual(X[i:i + 1, :length], w)
            # a different batch size may sum in another order: compare to the size of the numbers
            scale = max(1.0, float(np.abs(r.state[i]).max()))
            np.testing.assert_allclose(alone.state[0], r.state[i], rtol=TOLERANCE, atol=TOLERANCE * scale)


@settings(max_examples=20, deadline=None)
@given(shape=shapes, activation=st.sampled_from(ACTIVATIONS), seed=st.integers(0, 2**16))
def test_full_lengths_equal_no_lengths(shape, activation, seed):
    batch, steps, n_inputs, n_neurons = shape
    w = init_weights(n_inputs, n_neurons, seed=seed, activation=activation)
    X = np.random.default_rng(seed).standard_normal((batch, steps, n_inputs)).astype(np.float32)
    without = run_manual(X, w)
    with_full = run_manual(X, w, sequence_length=[steps] * batch)
    np.testing.assert_array_equal(with_full.outputs, without.outputs)
    np.testing.assert_array_equal(with_full.state, without.state)
    np.testing.assert_array_equal(without.state, without.outputs[:, -1])


def test_length_zero_everywhere_gives_zero_outputs_and_state():
    X, w, _ = random_case(2, with_lengths=False)
    r = run_manual(X, w, sequence_length=[0] * X.shape[0])
    assert not r.outputs.any() and not r.state.any()
    assert r.outputs.shape == (X.shape[0], X.shape[1], w.n_neurons)


@pytest.mark.parametrize("seed", range(12))
def test_tf1_form_agrees_with_the_reference(seed):
    X, w, lengths = random_case(seed, with_lengths=seed % 2 == 1)
    assert_matches_reference(run_manual(X, w, lengths, backend="tf1"), X, w, lengths)


def test_unknown_backend_is_refused():
    X, w, _ = random_case(0, with_lengths=False)
    with pytest.raises(ValueError, match="backend.*'torch'"):
        run_manual(X, w, backend="torch")
