"""Cached compute wrappers: the same numbers as rnncore, cached by the values they are given."""
from __future__ import annotations

import numpy as np

from dashboard import compute
from rnncore import init_weights, run_manual
from rnncore.lesson.book import LESSON_X, book_weights


def test_manual_outputs_are_run_manuals_for_seeded_and_book_weights():
    for w in (init_weights(3, 5, 42), init_weights(3, 7, 1, 2.0, "relu"), book_weights()):
        np.testing.assert_array_equal(compute.manual_outputs(LESSON_X, w), run_manual(LESSON_X, w).outputs)


def test_manual_outputs_are_keyed_by_the_weights_values():
    first = compute.manual_outputs(LESSON_X, init_weights(3, 5, 42))
    other = compute.manual_outputs(LESSON_X, init_weights(3, 5, 43))
    again = compute.manual_outputs(LESSON_X, init_weights(3, 5, 42))  # equal values, a new object
    assert not np.allclose(first, other)
    np.testing.assert_array_equal(again, first)


def test_tf1_outputs_agree_with_numpy():
    w = init_weights(3, 5, 3, 1.5)
    np.testing.assert_allclose(compute.manual_outputs(LESSON_X, w, backend="tf1"),
                               compute.manual_outputs(LESSON_X, w), atol=1e-5)
