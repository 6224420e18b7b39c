"""rnncore.activations: each row's slope is its function's derivative, and its TF op, Keras name and code
text compute what its NumPy function computes."""
import numpy as np
import pytest

import rnncore
from rnncore import caps, config
from rnncore.activations import ACTIVATION, ACTIVATIONS, sigmoid

ROWS = [ACTIVATION[name] for name in ACTIVATIONS]


def random_z(seed: int, dtype=np.float32) -> np.ndarray:
    """(4, 6) values of both signs, spread over the range where the activations differ."""
    return (3 * np.random.default_rng(seed).standard_normal((4, 6))).astype(dtype)


def test_the_table_is_the_one_list_of_activations():
    assert ACTIVATIONS == tuple(ACTIVATION) == rnncore.ACTIVATIONS == config.ACTIVATIONS == caps.ACTIVATIONS
    assert all(row.name == name for name, row in ACTIVATION.items())


@pytest.mark.parametrize("row", ROWS, ids=ACTIVATIONS)
def test_slope_matches_a_central_difference_of_the_function(row):
    z = random_z(1, np.float64)
    z = z[np.abs(z) > 1e-3]  # relu has no derivative at 0 (its slope there is TF's, checked below)
    h = 1e-6
    difference = (row.act(z + h) - row.act(z - h)) / (2 * h)
    np.testing.assert_allclose(row.slope(z, row.act(z)), difference, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("row", ROWS, ids=ACTIVATIONS)
def test_function_and_slope_keep_the_dtype(row):
    for dtype in (np.float32, np.float64):
        z = random_z(2, dtype)
        assert row.act(z).dtype == dtype and row.slope(z, row.act(z)).dtype == dtype


@pytest.mark.parametrize("row", ROWS, ids=ACTIVATIONS)
def test_tf_op_keras_name_and_code_text_agree_with_numpy(row):
    from rnncore.tf.runtime import keras, tf

    tf, keras = tf(), keras()
    z = np.concatenate([random_z(3), np.zeros((1, 6), np.float32)])  # 0 included: relu's kink
    want = row.act(z)
    np.testing.assert_allclose(row.tf(tf)(tf.constant(z)).numpy(), want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(keras.activations.get(row.keras)(z)), want, rtol=1e-6, atol=1e-7)
    assert eval(row.tf_op, {"tf": tf}) is row.tf(tf)          # the code text names that same op
    assert eval(row.keras_code) == row.keras                   # and the Keras argument as written
    # TF's own gradient is the table's slope, at relu's kink too (0 there); float64, as rnncore.bptt runs
    z64 = tf.constant(z.astype(np.float64))
    with tf.GradientTape() as tape:
        tape.watch(z64)
        Y = row.tf(tf)(z64)
    np.testing.assert_allclose(tape.gradient(Y, z64).numpy(), row.slope(z64.numpy(), Y.numpy()), rtol=1e-12, atol=1e-15)


def test_sigmoid_is_the_logistic_function_without_overflow_warnings():
    z = random_z(4, np.float64)
    np.testing.assert_allclose(sigmoid(z), np.exp(z) / (1 + np.exp(z)), rtol=1e-12)
    with np.errstate(over="raise"):
        extremes = sigmoid(np.array([-200.0, 0.0, 200.0], np.float32))
    assert extremes.dtype == np.float32 and extremes.tolist() == [0, 0.5, 1]
