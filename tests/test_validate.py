"""Bad input raises ValueError where it enters, naming the value and what is allowed."""
import re

import numpy as np
import pytest

from rnncore import RNNWeights, init_weights, run_dynamic, run_manual, run_static
from rnncore.config import MAX_ABS_INPUT, MAX_BATCH, MAX_INPUTS, MAX_NEURONS, MAX_STEPS, MAX_WEIGHT_SCALE
from rnncore.tf.unroll_tf2 import run_keras, run_tf2
from rnncore.validate import check_inputs

W = init_weights(n_inputs=3, n_neurons=4, seed=0)
X = np.zeros((2, 3, 3), np.float32)  # (batch, steps, inputs)
ENTRY_POINTS = [run_manual, run_static, run_dynamic, run_tf2, run_keras]


def X_with(value):
    X_bad = X.copy()
    X_bad[1, 2, 0] = value
    return X_bad


@pytest.mark.parametrize("X_bad, message", [
    (np.zeros((2, 3), np.float32), r"shape \(batch, steps, inputs\), got \(2, 3\)"),
    (np.zeros((1, 2, 3, 3), np.float32), r"got \(1, 2, 3, 3\)"),
    (np.float32(1.0), r"got \(\)"),
    (np.zeros((2, 3, 4), np.float32), "4 inputs per step but Wx expects 3"),
    (np.zeros((2, 0, 3), np.float32), f"steps must be in 1..{MAX_STEPS}, got 0"),
    (np.zeros((2, MAX_STEPS + 1, 3), np.float32), f"steps must be in 1..{MAX_STEPS}, got {MAX_STEPS + 1}"),
    (np.zeros((0, 3, 3), np.float32), f"batch must be in 1..{MAX_BATCH}, got 0"),
    (np.zeros((MAX_BATCH + 1, 3, 3), np.float32), f"batch must be in 1..{MAX_BATCH}, got {MAX_BATCH + 1}"),
    (X_with(np.nan), "X must hold only finite values"),
    (X_with(np.inf), "X must hold only finite values"),
    (X_with(-np.inf), "X must hold only finite values"),
    (X_with(2 * MAX_ABS_INPUT),
     re.escape(f"X values must lie within +-{MAX_ABS_INPUT:g}, got {2 * MAX_ABS_INPUT:g}")),
    ("abc", "X must hold real numbers.*dtype <U3"),
    ([[["a", "b", "c"]]], "X must hold real numbers.*dtype <U1"),
    (np.ones((2, 3, 3), complex), "X must hold real numbers.*complex128"),
    ([[[1, 2, 3]], [[1, 2]]], "X must be numeric.*inhomogeneous"),
    ({"X": 1}, "X must be numeric.*dict"),
])
def test_bad_X_is_refused(X_bad, message):
    with pytest.raises(ValueError, match=message):
        check_inputs(X_bad, W)


@pytest.mark.parametrize("lengths, message", [
    ([-1, 2], r"sequence_length values must be in 0..3, got \[-1, 2\]"),
    ([1, 4], r"sequence_length values must be in 0..3, got \[1, 4\]"),
    ([1, 2, 3], r"one length per example \(2\), got shape \(3,\)"),
    ([1], r"one length per example \(2\), got shape \(1,\)"),
    (2, r"one length per example \(2\), got shape \(\)"),
    ([[1, 2]], r"one length per example \(2\), got shape \(1, 2\)"),
    ([1.5, 2], r"whole numbers in 0..3, got \[1.5, 2.0\]"),
    ([np.nan, 2], r"whole numbers in 0..3, got \[nan, 2.0\]"),
    ([True, False], r"whole numbers in 0..3, got \[True, False\]"),
    (["1", "2"], r"whole numbers in 0..3, got \['1', '2'\]"),
    ([1, None], r"whole numbers in 0..3, got \[1, None\]"),
])
def test_bad_lengths_are_refused(lengths, message):
    with pytest.raises(ValueError, match=message):
        check_inputs(X, W, lengths)


def test_good_input_passes_as_float32_and_int32():
    X_checked, lengths = check_inputs(X.astype(np.float64).tolist(), W, [0.0, 3.0])
    assert X_checked.dtype == np.float32 and X_checked.shape == (2, 3, 3)
    assert lengths.dtype == np.int32 and lengths.tolist() == [0, 3]
    assert check_inputs(X, W)[1] is None
    big = X_with(MAX_ABS_INPUT)  # the cap itself is allowed
    assert check_inputs(big, W)[0][1, 2, 0] == MAX_ABS_INPUT


@pytest.mark.parametrize("run", ENTRY_POINTS)
def test_every_entry_point_checks_before_building(run):
    with pytest.raises(ValueError, match="X must hold only finite values"):
        run(X_with(np.nan), W)
    with pytest.raises(ValueError, match=r"sequence_length values must be in 0..3, got \[0, 5\]"):
        run(X, W, [0, 5])


@pytest.mark.parametrize("kwargs, message", [
    (dict(activation="sigmoid"), r"activation must be one of \('tanh', 'relu', 'linear'\), got 'sigmoid'"),
    (dict(scale=0), rf"scale must be in \(0, {MAX_WEIGHT_SCALE}\], got 0"),
    (dict(scale=-1.0), r"got -1.0"),
    (dict(scale=MAX_WEIGHT_SCALE * 2), rf"got {MAX_WEIGHT_SCALE * 2}"),
    (dict(scale=float("nan")), r"got nan"),
    (dict(scale=float("inf")), r"got inf"),
    (dict(scale="1"), r"scale must be a number.*got '1'"),
    (dict(scale=True), r"scale must be a number.*got True"),
    (dict(n_inputs=0), f"n_inputs must be in 1..{MAX_INPUTS}, got 0"),
    (dict(n_neurons=MAX_NEURONS + 1), f"n_neurons must be in 1..{MAX_NEURONS}, got {MAX_NEURONS + 1}"),
    (dict(n_inputs=3.0), f"n_inputs must be an integer in 1..{MAX_INPUTS}, got 3.0"),
    (dict(seed=-1), "seed must be in 0..4294967295, got -1"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        init_weights(**kwargs)


def test_numpy_numbers_are_settings_too():
    a = init_weights(np.int64(3), np.int64(4), seed=np.int64(1), scale=np.int64(2))
    b = init_weights(3, 4, seed=1, scale=2.0)
    np.testing.assert_array_equal(a.Wx, b.Wx)
    np.testing.assert_array_equal(init_weights(3, 4, seed=1, scale=np.float32(0.5)).Wy, b.Wy / 4)


@pytest.mark.parametrize("change, message", [
    (dict(Wx=W.Wx.astype(np.float64)), "Wx must be a float32 NumPy array, got ndarray of float64"),
    (dict(Wx=W.Wx[0]), r"Wx must be a 2-D \(inputs, neurons\) array, got \(4,\)"),
    (dict(Wy=W.Wy[:3]), r"Wy must have shape \(4, 4\), got \(3, 4\)"),
    (dict(b=np.zeros(5, np.float32)), r"b must have shape \(4,\), got \(5,\)"),
    (dict(b=[0.0] * 4), "b must be a float32 NumPy array, got list"),
    (dict(Wy=np.full((4, 4), np.nan, np.float32)), "Wy must hold only finite values"),
    (dict(activation="softmax"), "activation must be one of .*got 'softmax'"),
])
def test_bad_weights_are_refused(change, message):
    fields = dict(Wx=W.Wx, Wy=W.Wy, b=W.b, activation=W.activation) | change
    with pytest.raises(ValueError, match=message):
        RNNWeights(**fields)
