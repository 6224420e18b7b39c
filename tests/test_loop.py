"""rnncore.loop, the one NumPy loop: the length rule on any cell, and the text lab's cells through it."""
import numpy as np
import pytest

from rnncore import gates, text
from rnncore.config import AGREEMENT
from rnncore.loop import run_loop
from tests.cases import draw_case


def running_sum(X_t, states):
    """A cell whose numbers are easy to predict: its state is the sum of the inputs so far, its second
    state the count of steps, and it shows the input it read."""
    total, count = states
    return total + X_t, (total + X_t, count + 1), {"read": X_t}


@pytest.mark.parametrize("seed", range(6))
def test_past_a_length_outputs_and_inner_values_are_zero_and_states_are_copied(seed):
    X, _, lengths = draw_case(seed, True, lambda rng, n_inputs, n_units: None)
    batch, steps, n_inputs = X.shape
    zeros = np.zeros((batch, n_inputs), np.float32)
    loop = run_loop(running_sum, X, (zeros, zeros), lengths)
    live = np.arange(steps)[None, :, None] < lengths[:, None, None]          # (batch, steps, 1)
    np.testing.assert_allclose(loop.outputs, np.where(live, np.cumsum(X, axis=1), 0), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(loop.inner["read"], np.where(live, X, 0))
    total, count = loop.states
    np.testing.assert_allclose(total, np.where(live, X, 0).sum(axis=1), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(count, np.broadcast_to(lengths[:, None], count.shape))
    assert loop.outputs.dtype == np.float32 and set(loop.inner) == {"read"}


def test_without_lengths_every_step_runs():
    X = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    zeros = np.zeros((2, 2), np.float32)
    loop = run_loop(running_sum, X, (zeros, zeros))
    np.testing.assert_array_equal(loop.outputs, np.cumsum(X, axis=1))
    np.testing.assert_array_equal(loop.states[1], np.full((2, 2), 3))


def char_weights(cell: str, seed: int, vocab: int = 5, units: int = 4) -> text.CharRNNWeights:
    rng = np.random.default_rng(seed)
    width = text.GATES[cell] * units
    draw = lambda *shape: (0.7 * rng.standard_normal(shape)).astype(np.float32)  # noqa: E731
    return text.CharRNNWeights(cell, draw(vocab, width), draw(units, width),
                               draw(2, width) if cell == "GRU" else draw(width), draw(units, vocab), draw(vocab))


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_the_text_labs_gated_cells_are_rnncore_gates_cells(cell):
    """The same arrays as rnncore.gates' weights, on one-hot inputs: the same states, step for step."""
    w = char_weights(cell, seed=3)
    ids = np.random.default_rng(4).integers(0, 5, 9)
    one_hot = np.eye(5, dtype=np.float32)[ids][np.newaxis]                     # (1, steps, vocab)
    gated = gates.run(one_hot, gates.GatedWeights(cell.lower(), w.Wx, w.Wh, w.b))
    np.testing.assert_allclose(text.forward(w, ids).hidden, gated.outputs[0], rtol=AGREEMENT, atol=AGREEMENT)


@pytest.mark.parametrize("cell", list(text.GATES))
def test_the_text_labs_cells_through_the_loop_agree_with_keras_layers(cell):
    """Untrained random weights loaded into Keras 3's own layer (tests/test_text.py does it after training)."""
    from rnncore.tf.runtime import keras, keras_lock

    keras = keras()
    w = char_weights(cell, seed=5)
    ids = np.random.default_rng(6).integers(0, 5, 12)
    with keras_lock:
        layer = getattr(keras.layers, cell)(4, return_sequences=True)
        layer.build((None, None, 5))
        layer.set_weights([w.Wx, w.Wh, w.b])
    keras_hidden = np.asarray(layer(np.eye(5, dtype=np.float32)[ids][np.newaxis]))[0]   # (steps, units)
    np.testing.assert_allclose(text.forward(w, ids).hidden, keras_hidden, rtol=AGREEMENT, atol=AGREEMENT)
