"""The book's manual RNN: the preset weights and the lesson's batch reproduce its printed Y0/Y1 table."""
import json
from pathlib import Path

import numpy as np
import pytest

from rnncore import run_dynamic, run_manual, run_static
from rnncore.lesson.book import LESSON_X, book_weights, generate_book_weights

ROOT = Path(__file__).resolve().parents[1]
BOOK = json.loads((ROOT.parent / "shared" / "reference" / "homl_ch14_manual_rnn.json").read_text())
RUNS = {
    "numpy": lambda X, w: run_manual(X, w),
    "tf1": lambda X, w: run_manual(X, w, backend="tf1"),
    "static": run_static,
    "dynamic": run_dynamic,
}


def test_lesson_batch_is_the_books():
    assert LESSON_X.shape == (4, 2, 3) and LESSON_X.dtype == np.float32
    np.testing.assert_array_equal(LESSON_X[:, 0], BOOK["X0"])
    np.testing.assert_array_equal(LESSON_X[:, 1], BOOK["X1"])


def test_book_weights_are_the_books_network():
    w = book_weights()
    assert (w.n_inputs, w.n_neurons, w.activation) == (BOOK["n_inputs"], BOOK["n_neurons"], "tanh")
    assert w.Wx.dtype == w.Wy.dtype == np.float32 and w.Wy.shape == (5, 5)
    np.testing.assert_array_equal(w.b, np.zeros(5, np.float32))


@pytest.mark.parametrize("path", RUNS)
def test_reproduces_the_books_table(path):
    r = RUNS[path](LESSON_X, book_weights())
    np.testing.assert_allclose(r.outputs[:, 0], BOOK["Y0"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(r.outputs[:, 1], BOOK["Y1"], rtol=0, atol=1e-5)
    np.testing.assert_array_equal(r.state, r.outputs[:, 1])


def test_stored_weights_are_exactly_tensorflows_seeded_draw():
    drawn, stored = generate_book_weights(), book_weights()
    np.testing.assert_array_equal(drawn.Wx, stored.Wx)
    np.testing.assert_array_equal(drawn.Wy, stored.Wy)
    np.testing.assert_array_equal(drawn.b, stored.b)
    assert drawn.activation == stored.activation
