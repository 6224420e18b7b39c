"""The lesson's inputs and the book's exact weights.

The book (Hands-On ML, 1st ed., ch. 14, "Manual RNN") prints a Y0/Y1 table for weights drawn by TF's
seeded `random_normal`. `generate_book_weights` redraws them on TF 2.x; `book_weights` reads the stored
copy of that draw (`rnncore/data/homl_ch14_weights.json`, whose "how" names the function that wrote it),
so the preset needs no TensorFlow. A test checks that the two agree and reproduce the printed table.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rnncore.config import RNNWeights

BOOK_WEIGHTS_FILE = Path(__file__).parent.parent / "data" / "homl_ch14_weights.json"

# The lesson's batch: 4 examples of 3 inputs at t=0 and t=1 (the book's X_t1; see NOTES on the lesson).
LESSON_X = np.array([
    [[0, 1, 2], [9, 8, 7]],
    [[3, 4, 5], [0, 0, 0]],
    [[6, 7, 8], [6, 5, 4]],
    [[9, 0, 1], [3, 2, 1]],
], np.float32)  # (batch=4, steps=2, inputs=3)


def generate_book_weights() -> RNNWeights:
    """Redraw the book's Wx, Wy with TF's seeded normal: graph seed 42, op seeds 5 and 14."""
    from rnncore.tf.runtime import tf

    tf = tf()
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        v1.set_random_seed(42)
        Wx = v1.random_normal([3, 5], seed=5)
        Wy = v1.random_normal([5, 5], seed=14)
    with v1.Session(graph=graph) as sess:
        Wx_val, Wy_val = sess.run([Wx, Wy])
    return RNNWeights(Wx_val, Wy_val, np.zeros(5, np.float32), "tanh")


def book_weights() -> RNNWeights:
    """The book's weights (3 inputs, 5 neurons, tanh, zero bias), from the stored draw."""
    stored = json.loads(BOOK_WEIGHTS_FILE.read_text())
    return RNNWeights(np.array(stored["Wx"], np.float32), np.array(stored["Wy"], np.float32),
                      np.zeros(5, np.float32), "tanh")


def write_book_weights() -> None:
    """Store `generate_book_weights()`'s draw (run once; floats kept exactly via repr)."""
    w = generate_book_weights()
    BOOK_WEIGHTS_FILE.write_text(json.dumps({"Wx": w.Wx.tolist(), "Wy": w.Wy.tolist(),
                                             "how": "rnncore.lesson.book.generate_book_weights()"}, indent=1))
