"""The generated notebook code runs on its own and gives the NumPy reference's numbers."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from rnncore.lesson.codegen import STYLES, array_literal, float_literal, notebook_code
from rnncore.config import AGREEMENT as TOLERANCE
from rnncore.config import RNNWeights, init_weights
from rnncore.manual import run_manual
from rnncore.lesson.book import LESSON_X, book_weights

SAVE = "\nnp.savez('result.npz', outputs=np.asarray(outputs), state=np.asarray(state))\n"


def _biased(w: RNNWeights, seed: int) -> RNNWeights:
    b = np.random.default_rng(seed).standard_normal(w.n_neurons).astype(np.float32)
    return RNNWeights(w.Wx, w.Wy, b, w.activation)


# (name, X, weights, lengths): the lesson with the book's weights; a longer relu and linear batch with
# a bias, with lengths that include an empty and a full sequence.
X_LONG = np.random.default_rng(7).standard_normal((3, 5, 2)).astype(np.float32)  # (batch, steps, inputs)
CASES = {
    "lesson-book": (LESSON_X, book_weights(), None),
    "lesson-book-lengths": (LESSON_X, book_weights(), [2, 1, 0, 2]),
    "long-relu-lengths": (X_LONG, _biased(init_weights(2, 4, seed=3, scale=0.7, activation="relu"), 1), [0, 5, 3]),
    "long-linear": (X_LONG, _biased(init_weights(2, 4, seed=5, scale=0.5, activation="linear"), 2), None),
}
# Each subprocess imports TensorFlow (a few seconds): run each style on the two cases that need it most.
RUNS = [("tf1", "lesson-book"), ("tf1", "long-relu-lengths"), ("keras", "lesson-book-lengths"),
        ("keras", "long-linear")]


def _run_generated(code: str, tmp_path) -> np.lib.npyio.NpzFile:
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    (tmp_path / "notebook.py").write_text(code + SAVE)
    done = subprocess.run([sys.executable, "notebook.py"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return np.load(tmp_path / "result.npz")


@pytest.mark.parametrize("style,case", RUNS)
def test_generated_code_reproduces_the_reference(style, case, tmp_path):
    X, w, lengths = CASES[case]
    saved = _run_generated(notebook_code(style, w, X, lengths, origin="a test"), tmp_path)
    want = run_manual(X, w, lengths)
    np.testing.assert_allclose(saved["outputs"], want.outputs, rtol=TOLERANCE, atol=TOLERANCE)
    np.testing.assert_allclose(saved["state"], want.state, rtol=TOLERANCE, atol=TOLERANCE)
    if lengths is not None:  # exactly zero past each length
        past = np.arange(X.shape[1])[None, :] >= np.asarray(lengths)[:, None]
        assert np.all(saved["outputs"][past] == 0)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_literals_in_the_code_are_the_exact_float32_values(style, case):
    X, w, lengths = CASES[case]
    namespace = {"np": np}
    code = notebook_code(style, w, X, lengths)
    data = code[code.index("n_inputs, n_neurons"):code.index("\n\n", code.index("X_batch"))]
    exec(data, namespace)  # only the data lines: no TensorFlow needed
    assert namespace["X_batch"].tobytes() == X.tobytes()
    assert namespace["Wx_init"].tobytes() == w.Wx.tobytes()
    assert namespace["Wy_init"].tobytes() == w.Wy.tobytes()
    assert namespace["b_init"].ravel().tobytes() == w.b.tobytes()
    assert (namespace["n_inputs"], namespace["n_neurons"], namespace["n_steps"]) == \
        (w.n_inputs, w.n_neurons, X.shape[1])
    if lengths is None:
        assert "lengths" not in namespace
    else:
        assert namespace["lengths"].tolist() == list(lengths)


def test_tf1_code_follows_the_lesson_for_two_steps():
    code = notebook_code("tf1", book_weights(), origin="the book's weights")
    assert 'os.environ["TF_USE_LEGACY_KERAS"] = "1"' in code
    assert code.index("TF_USE_LEGACY_KERAS") < code.index("import tensorflow")
    assert "Y1 = tf.tanh(tf.matmul(Y0, Wy) + tf.matmul(X1, Wx) + b)" in code
    assert "v1.Session(graph=graph)" in code and "the book's weights" in code


def test_tf1_code_with_lengths_uses_dynamic_rnn_and_keras_code_uses_set_weights():
    w = book_weights()
    assert "dynamic_rnn(basic_cell, X" in notebook_code("tf1", w, sequence_length=[1, 2, 2, 0])
    keras_code = notebook_code("keras", w)
    assert "keras.layers.SimpleRNN(n_neurons" in keras_code and "set_weights" in keras_code


def test_long_runs_use_a_loop_and_the_activation_is_written_out():
    X = np.zeros((1, 6, 3), np.float32)
    code = notebook_code("tf1", init_weights(activation="relu"), X)
    assert "for t in range(1, n_steps)" in code and "tf.nn.relu(" in code
    assert "activation=None" in notebook_code("keras", init_weights(activation="linear"), X)


@pytest.mark.parametrize("value", [0.1, -2.473193, 1e-8, 3.4028235e38, 1.4e-45, 0.0, 123456.79])
def test_float_literal_reads_back_exactly(value):
    v = np.float32(value)
    assert np.float32(float(float_literal(v))) == v


def test_array_literal_wraps_long_rows_and_keeps_integers():
    assert array_literal(np.array([2, 0, 1], np.int32)) == "[2, 0, 1]"
    wide = array_literal(np.full((2, 30), 0.123456, np.float32))
    assert wide.count("\n") == 3
    assert np.array(eval(wide), np.float32).tobytes() == np.full((2, 30), 0.123456, np.float32).tobytes()


@pytest.mark.parametrize("bad,match", [
    (dict(style="pytorch"), "style must be one of"),
    (dict(X=np.zeros((2, 2, 4), np.float32)), "inputs per step"),
    (dict(sequence_length=[3, 0, 0, 0]), "sequence_length"),
])
def test_bad_requests_raise_a_clear_error(bad, match):
    args = dict(style="tf1", w=book_weights(), X=None, sequence_length=None) | bad
    with pytest.raises(ValueError, match=match):
        notebook_code(**args)
