"""The gated page's notebook code runs on its own and gives rnncore's numbers; the BPTT page's tape check."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from rnncore import bptt, gates, init_weights
from rnncore.tf.bptt_tape import tape_totals
from rnncore.lesson.codegen import gated_notebook_code
from rnncore.config import AGREEMENT
from rnncore.manual import run_manual
from rnncore.memory import input_pattern, memory_weights

SAVE = ("\nnp.savez('result.npz', cell=cell, **{f'outputs_{k}': v for k, v in outputs.items()},"
        " **{f'state_{k}': v for k, v in states.items()})\n")


def _run_generated(code: str, tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    (tmp_path / "notebook.py").write_text(code + SAVE)
    done = subprocess.run([sys.executable, "notebook.py"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return np.load(tmp_path / "result.npz")


def layers(units: int = 3, seed: int = 5, forget_bias: float = 2.5):
    return (memory_weights(units, seed, 0.9), gates.init_weights("lstm", 3, units, seed, forget_bias),
            gates.init_weights("gru", 3, units, seed))


def test_generated_code_reproduces_all_three_layers(tmp_path):
    simple, lstm, gru = layers()
    X = input_pattern(9, "noise", 1.0, seed=5)[None]              # (1, steps, inputs)
    saved = _run_generated(gated_notebook_code(X, simple, lstm, gru, origin="a test"), tmp_path)
    want = {"SimpleRNN": run_manual(X, simple), "LSTM": gates.run(X, lstm), "GRU": gates.run(X, gru)}
    for name, result in want.items():
        np.testing.assert_allclose(saved[f"outputs_{name}"], result.outputs, atol=AGREEMENT)
        np.testing.assert_allclose(saved[f"state_{name}"], result.state, atol=AGREEMENT)
    np.testing.assert_allclose(saved["cell"], want["LSTM"].cell, atol=AGREEMENT)


def test_the_literals_are_the_exact_weights():
    simple, lstm, gru = layers(units=2)
    X = input_pattern(4, "pulse")[None]
    code = gated_notebook_code(X, simple, lstm, gru)
    namespace = {"np": np}
    exec(code[code.index("X_batch"):code.index("outputs, states")], namespace)
    for var, array in (("lstm_kernel", lstm.kernel), ("lstm_bias", lstm.bias), ("gru_bias", gru.bias),
                       ("gru_recurrent", gru.recurrent_kernel)):
        start = code.index(f"{var} = ")
        exec(code[start:code.index("\n", code.index("dtype=np.float32)", start))], namespace)
        assert namespace[var].tobytes() == array.tobytes(), var
    assert namespace["X_batch"].tobytes() == X.tobytes()


@pytest.mark.parametrize("bad, match", [
    (dict(lstm=gates.init_weights("gru", 3, 3)), "lstm must be GatedWeights"),
    (dict(simple=init_weights(3, 3, activation="relu")), "uses tanh"),
    (dict(gru=gates.init_weights("gru", 3, 2)), "same number of units"),
])
def test_bad_requests_raise_a_clear_error(bad, match):
    simple, lstm, gru = layers()
    args = dict(X=input_pattern(4)[None], simple=simple, lstm=lstm, gru=gru) | bad
    with pytest.raises(ValueError, match=match):
        gated_notebook_code(**args)


@pytest.mark.parametrize("activation, lengths", [("tanh", None), ("relu", [2, 0, 3])])
def test_tape_totals_agree_with_backprop(activation, lengths):
    X = np.random.default_rng(3).standard_normal((3, 3, 2)).astype(np.float32)
    w = init_weights(2, 4, seed=9, scale=0.8, activation=activation)
    target = np.ones((3, 4))
    r, tape = bptt.backprop(X, w, target, lengths), tape_totals(X, w, target, lengths)
    assert tape.loss == pytest.approx(r.loss, rel=AGREEMENT)
    assert tape.largest_difference(r) < AGREEMENT


def test_tape_refuses_bad_weights_before_importing_tensorflow():
    with pytest.raises(ValueError, match="RNNWeights"):
        tape_totals(np.zeros((1, 2, 3), np.float32), gates.init_weights("lstm", 3, 2))
