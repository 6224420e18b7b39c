"""The text lab's notebook code runs on its own, learns "hello", and gives rnncore.tf.chars_model's numbers."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from rnncore.tf import chars_model
from rnncore.lesson.chars_codegen import notebook_code

SAVE = "\nnp.savez('result.npz', rnn_probs=rnn_probs, stateless_probs=stateless_probs)\n"


def _run(code: str, tmp_path):
    (tmp_path / "notebook.py").write_text(code + SAVE)
    done = subprocess.run([sys.executable, "notebook.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, np.load(tmp_path / "result.npz")


@pytest.mark.slow  # trains the text model in a TensorFlow subprocess: make test, not test-fast
def test_the_notebook_learns_hello_as_the_page_does(tmp_path):
    stdout, saved = _run(notebook_code("hello", "SimpleRNN", 16, 100, 42), tmp_path)
    vocab = ["e", "h", "l", "o"]
    assert "".join(vocab[i] for i in saved["rnn_probs"].argmax(axis=1)) == "ello"
    assert saved["stateless_probs"][2, 2] == pytest.approx(0.5, abs=0.05)   # after "l": "l" or "o"
    assert "read 'l'    next 'o'    RNN 'o'" in stdout
    page = chars_model.train("hello")
    np.testing.assert_allclose(saved["rnn_probs"], page.keras_probs, atol=1e-4)
    np.testing.assert_allclose(saved["stateless_probs"], page.keras_stateless_probs, atol=1e-4)


def test_any_printable_text_is_a_valid_literal():
    text = "Quote \" and ' and \\ and\nnew line, emoji 🙂, עברית"
    code = notebook_code(text, "GRU", 4, 2, 0)
    namespace = {}
    exec(code[code.index("text = "):code.index("\ncell, units")], namespace)
    assert namespace["text"] == text


def test_bad_arguments_are_refused_before_any_code_is_written():
    for args in (("a\tb", "SimpleRNN", 4, 2, 0), ("hello", "Dense", 4, 2, 0), ("hello", "LSTM", 0, 2, 0)):
        with pytest.raises(ValueError):
            notebook_code(*args)
