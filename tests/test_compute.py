"""Cached compute wrappers: the same numbers as rnncore, whichever weights a run asks for."""
from __future__ import annotations

import numpy as np
import pytest

from dashboard import compute
from rnncore import init_weights, run_manual
from rnncore.presets import LESSON_X, book_weights


def test_seeded_weights_are_rnncores_draw():
    w, ref = compute.layer_weights(4, 6, 7, 2.0, "relu"), init_weights(4, 6, 7, 2.0, "relu")
    np.testing.assert_array_equal(w.Wx, ref.Wx)
    np.testing.assert_array_equal(w.Wy, ref.Wy)
    assert w.activation == "relu"


def test_book_weights_are_the_books_times_the_scale_whatever_the_seed():
    book = book_weights()
    for seed in (0, 42):
        w = compute.layer_weights(3, 5, seed, 0.5, "linear", source="book")
        np.testing.assert_array_equal(w.Wx, np.float32(0.5) * book.Wx)
        np.testing.assert_array_equal(w.Wy, np.float32(0.5) * book.Wy)
        assert w.Wx.dtype == np.float32 and w.activation == "linear" and not w.b.any()


@pytest.mark.parametrize("shape", [(4, 5), (3, 6)])
def test_book_weights_refuse_another_shape(shape):
    with pytest.raises(ValueError, match=f"the book's weights have 3 inputs and 5 neurons, not {shape[0]} and {shape[1]}"):
        compute.layer_weights(*shape, 42, 1.0, "tanh", source="book")


def test_an_unknown_weights_source_is_refused():
    with pytest.raises(ValueError, match="weights must be 'seeded' or 'book', got 'random'"):
        compute.layer_weights(3, 5, 42, 1.0, "tanh", source="random")


def test_manual_outputs_are_run_manuals():
    np.testing.assert_array_equal(compute.manual_outputs(LESSON_X, 5, 42, 1.0, "tanh"),
                                  run_manual(LESSON_X, init_weights(3, 5, 42)).outputs)
    np.testing.assert_array_equal(compute.manual_outputs(LESSON_X, 5, 0, 1.0, "tanh", source="book"),
                                  run_manual(LESSON_X, book_weights()).outputs)


def test_tf1_outputs_agree_with_numpy():
    numpy = compute.manual_outputs(LESSON_X, 5, 3, 1.5, "tanh")
    tf1 = compute.manual_outputs(LESSON_X, 5, 3, 1.5, "tanh", backend="tf1")
    np.testing.assert_allclose(tf1, numpy, atol=1e-5)
