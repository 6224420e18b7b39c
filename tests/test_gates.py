"""rnncore.gates: the NumPy LSTM and GRU against Keras 3, against tf.keras cells in a TF1 dynamic_rnn and
the TF1 LSTMCell; lengths, gate ranges, the forget bias, gates set by hand, and the checks on input."""
import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.cases import TOLERANCE, draw_case
from rnncore import gates
from rnncore.tf.session import BuiltGraph

ROOT = Path(__file__).resolve().parents[1]


def random_case(kind: str, seed: int, with_lengths: bool):
    """A gated cell's case (tests/cases.py's `draw_case`), with a random bias: Keras' zeros test less."""
    def weights_of(rng, n_inputs: int, n_units: int) -> gates.GatedWeights:
        w = gates.init_weights(kind, n_inputs, n_units, seed=seed)
        return replace(w, bias=rng.standard_normal(w.bias.shape).astype(np.float32))

    return draw_case(seed, with_lengths, weights_of)


def assert_agrees(got: gates.GatedResult, want: gates.GatedResult, lengths=None):
    pairs = [(got.outputs, want.outputs), (got.state, want.state)]
    if want.cell is not None:
        pairs.append((got.cell, want.cell))
    for a, b in pairs:
        assert type(a) is np.ndarray and a.dtype == np.float32 and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE)
    if lengths is not None:
        past = np.arange(got.outputs.shape[1])[None, :] >= np.asarray(lengths)[:, None]  # (batch, steps)
        assert not got.outputs[past].any()


# --- against Keras 3 and tf.keras -----------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("kind", gates.KINDS)
def test_numpy_agrees_with_keras3_layers(kind, seed):
    X, w, lengths = random_case(kind, seed, with_lengths=seed % 2 == 1)
    assert_agrees(gates.run(X, w, lengths, backend="keras"), gates.run(X, w, lengths), lengths)


@pytest.mark.parametrize("kind", gates.KINDS)
def test_lengths_at_both_ends_on_both_backends(kind):
    """All empty: zero outputs, state and cell (Keras would repeat the last output). All full: as none."""
    X, w, _ = random_case(kind, 20, with_lengths=False)
    batch, steps = X.shape[:2]
    for backend in gates.BACKENDS:
        empty = gates.run(X, w, [0] * batch, backend=backend)
        assert not empty.outputs.any() and not empty.state.any()
        assert empty.cell is None if kind == "gru" else not empty.cell.any()
        full, without = gates.run(X, w, [steps] * batch, backend=backend), gates.run(X, w, backend=backend)
        assert_agrees(full, without)
        np.testing.assert_array_equal(without.state, without.outputs[:, -1])


def tf1_dynamic_rnn(cell_factory, weights: list, X, lengths) -> tuple:
    """(outputs, state) of tf.compat.v1.nn.dynamic_rnn over `cell_factory()` in its own tf.Graph."""
    from rnncore.tf.runtime import tf

    tf = tf()
    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        X_in = v1.placeholder(tf.float32, [None] + list(X.shape[1:]))  # (batch, steps, inputs)
        lengths_in = v1.placeholder(tf.int32, [None])
        cell = cell_factory()
        outputs, state = v1.nn.dynamic_rnn(cell, X_in, sequence_length=lengths_in, dtype=tf.float32)
    built = BuiltGraph(graph, (outputs, state), lambda X, L: {X_in: X, lengths_in: L},
                       list(zip(cell.weights, weights)))
    return built.run(X, np.asarray(lengths, np.int32))


@pytest.mark.parametrize("seed", [31, 33])
@pytest.mark.parametrize("kind", gates.KINDS)
def test_numpy_agrees_with_tf_keras_cells_in_a_tf1_dynamic_rnn(kind, seed):
    """tf.keras (legacy Keras 2) LSTMCell / GRUCell take the same arrays; dynamic_rnn's own length rule
    (zero outputs, state copied through) gives rnncore's, the LSTM cell state included."""
    from rnncore.tf.runtime import tf

    X, w, lengths = random_case(kind, seed, with_lengths=True)
    layers = tf().keras.layers
    assert "tf_keras" in layers.LSTMCell.__module__  # the legacy Keras, not Keras 3
    factory = {"lstm": layers.LSTMCell, "gru": layers.GRUCell}[kind]
    outputs, state = tf1_dynamic_rnn(lambda: factory(w.n_units), [w.kernel, w.recurrent_kernel, w.bias],
                                     X, lengths)
    h, c = state if kind == "lstm" else (state, None)
    assert_agrees(gates.GatedResult(outputs, h, c, {}), gates.run(X, w, lengths), lengths)


def test_numpy_lstm_agrees_with_the_tf1_lstm_cell_once_its_gates_are_reordered():
    """TF1's own LSTMCell orders its gates i, c, f, o (Keras: i, f, c, o), reads [X, h] @ one kernel,
    and adds its `forget_bias` inside the sigmoid instead of storing it in the bias (set to 0 here)."""
    from rnncore.tf.runtime import tf

    X, w, lengths = random_case("lstm", 35, with_lengths=True)
    u = w.n_units
    order = np.concatenate([np.arange(u), np.arange(2 * u, 3 * u), np.arange(u, 2 * u), np.arange(3 * u, 4 * u)])
    kernel = np.concatenate([w.kernel, w.recurrent_kernel])[:, order]   # (inputs + units, 4u): i, c, f, o
    outputs, state = tf1_dynamic_rnn(lambda: tf().compat.v1.nn.rnn_cell.LSTMCell(u, forget_bias=0.0),
                                     [kernel, w.bias[order]], X, lengths)
    assert_agrees(gates.GatedResult(outputs, state.h, state.c, {}), gates.run(X, w, lengths), lengths)


# --- the NumPy cells themselves -------------------------------------------------------------------------

def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_one_lstm_and_one_gru_step_match_the_formulas_worked_by_hand():
    """One input, one unit, two steps, every product written out."""
    x = [0.5, -1.0]
    lstm = gates.GatedWeights("lstm", np.array([[0.1, 0.2, 0.3, 0.4]], np.float32),
                              np.array([[-0.5, 0.6, -0.7, 0.8]], np.float32),
                              np.array([0.01, 1.0, -0.02, 0.03], np.float32))
    h = c = 0.0
    for x_t in x:
        i, f = sigma(0.1 * x_t - 0.5 * h + 0.01), sigma(0.2 * x_t + 0.6 * h + 1.0)
        g, o = math.tanh(0.3 * x_t - 0.7 * h - 0.02), sigma(0.4 * x_t + 0.8 * h + 0.03)
        c = f * c + i * g
        h = o * math.tanh(c)
    r = gates.run(np.array(x, np.float32).reshape(1, 2, 1), lstm)
    assert r.state[0, 0] == pytest.approx(h, rel=1e-6) and r.cell[0, 0] == pytest.approx(c, rel=1e-6)
    assert r.gates["input"][0, 1, 0] == pytest.approx(i, rel=1e-6)
    assert r.gates["forget"][0, 1, 0] == pytest.approx(f, rel=1e-6)
    assert r.gates["candidate"][0, 1, 0] == pytest.approx(g, rel=1e-6)
    assert r.gates["output"][0, 1, 0] == pytest.approx(o, rel=1e-6)
    assert r.gates["cell"][0, 1, 0] == pytest.approx(c, rel=1e-6)

    gru = gates.GatedWeights("gru", np.array([[0.1, 0.2, 0.3]], np.float32), np.array([[-0.4, 0.5, -0.6]], np.float32),
                             np.array([[0.01, 0.02, 0.03], [-0.04, 0.05, -0.06]], np.float32))
    h = 0.0
    for x_t in x:
        z, r_gate = sigma(0.1 * x_t + 0.01 - 0.4 * h - 0.04), sigma(0.2 * x_t + 0.02 + 0.5 * h + 0.05)
        n = math.tanh(0.3 * x_t + 0.03 + r_gate * (-0.6 * h - 0.06))     # reset after the recurrent matmul
        h = z * h + (1 - z) * n
    r = gates.run(np.array(x, np.float32).reshape(1, 2, 1), gru)
    assert r.state[0, 0] == pytest.approx(h, rel=1e-6) and r.cell is None
    assert r.gates["update"][0, 1, 0] == pytest.approx(z, rel=1e-6)
    assert r.gates["reset"][0, 1, 0] == pytest.approx(r_gate, rel=1e-6)
    assert r.gates["candidate"][0, 1, 0] == pytest.approx(n, rel=1e-6)


@pytest.mark.parametrize("kind", gates.KINDS)
def test_lengths_zero_outputs_and_gates_and_keep_the_last_valid_state(kind):
    X, w, lengths = random_case(kind, 41, with_lengths=True)
    r = gates.run(X, w, lengths)
    assert set(r.gates) == set(gates.GATES[kind]) | ({"cell"} if kind == "lstm" else set())
    for i, length in enumerate(lengths):
        alone = gates.run(X[i:i + 1, :max(length, 1)], w)  # the example without its padding
        for name, over_time in r.gates.items():
            assert over_time.shape == r.outputs.shape and over_time.dtype == np.float32
            assert not over_time[i, length:].any()
            np.testing.assert_allclose(over_time[i, :length], alone.gates[name][0, :length], rtol=1e-6, atol=1e-6)
        assert not r.outputs[i, length:].any()
        last_h = r.outputs[i, length - 1] if length else np.zeros(w.n_units)
        np.testing.assert_array_equal(r.state[i], last_h)
        if kind == "lstm":
            np.testing.assert_array_equal(r.cell[i], r.gates["cell"][i, length - 1] if length else 0)


@pytest.mark.parametrize("kind", gates.KINDS)
def test_sigmoid_gates_lie_in_0_1_and_tanh_ones_in_minus_1_1(kind):
    rng = np.random.default_rng(5)
    w = gates.init_weights(kind, 4, 6, seed=5)
    X = (3 * rng.standard_normal((8, 30, 4))).astype(np.float32)
    r = gates.run(X, w)
    sigmoid_gates = {"lstm": ("input", "forget", "output"), "gru": ("update", "reset")}[kind]
    for name in sigmoid_gates:
        assert np.all((r.gates[name] > 0) & (r.gates[name] < 1)), name
    assert np.all(np.abs(r.gates["candidate"]) < 1) and np.all(np.abs(r.outputs) < 1)
    assert np.all(gates.sigmoid(np.array([-200.0, 0.0, 200.0], np.float32)) == [0, 0.5, 1])  # no NaN


def test_init_weights_layout_determinism_and_forget_bias():
    lstm = gates.init_weights("lstm", 3, 5, seed=7)
    assert (lstm.kernel.shape, lstm.recurrent_kernel.shape, lstm.bias.shape) == ((3, 20), (5, 20), (20,))
    assert (lstm.n_inputs, lstm.n_units) == (3, 5)
    np.testing.assert_array_equal(lstm.bias, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])  # unit_forget_bias
    gru = gates.init_weights("gru", 3, 5, seed=7)
    assert (gru.kernel.shape, gru.recurrent_kernel.shape, gru.bias.shape) == ((3, 15), (5, 15), (2, 15))
    assert not gru.bias.any()
    for w in (lstm, gru):
        assert {a.dtype for a in (w.kernel, w.recurrent_kernel, w.bias)} == {np.dtype(np.float32)}
        np.testing.assert_allclose(w.recurrent_kernel @ w.recurrent_kernel.T, np.eye(5), atol=1e-6)  # orthogonal
        limit = math.sqrt(6 / (3 + w.kernel.shape[1]))                                           # Glorot
        assert np.abs(w.kernel).max() <= limit
    again = gates.init_weights("lstm", 3, 5, seed=7)
    np.testing.assert_array_equal(again.kernel, lstm.kernel)
    assert not np.array_equal(gates.init_weights("lstm", 3, 5, seed=8).kernel, lstm.kernel)
    biased = gates.init_weights("lstm", 3, 5, seed=7, forget_bias=-2.5)
    np.testing.assert_array_equal(biased.kernel, lstm.kernel)               # only the f block changes
    np.testing.assert_array_equal(biased.bias[5:10], -2.5)


def test_a_higher_forget_bias_keeps_a_pulse_longer():
    """Random Keras-like LSTMs (seeded) read a pulse at t=0; 20 steps later more of it is left in the cell
    the higher the forget bias."""
    X = np.zeros((1, 21, 3), np.float32)
    X[0, 0] = 2.0                                                           # (batch, steps, inputs)
    for seed in range(3):
        left = [np.linalg.norm(gates.run(X, gates.init_weights("lstm", 3, 8, seed, forget_bias=b)).cell)
                for b in (-2.0, 0.0, 1.0, 3.0, 6.0)]
        assert np.all(np.diff(left) > 0), (seed, left)


# --- gates set by hand ------------------------------------------------------------------------------------

@pytest.mark.parametrize("forget_bias", [-1.0, 1.0, 4.0, 10.0])
def test_hold_weights_keep_sigma_of_the_forget_bias_per_step(forget_bias):
    steps = 40
    r = gates.run(gates.hold_inputs(steps, value=0.8), gates.hold_weights(forget_bias))
    cell = r.gates["cell"][0, :, 0].astype(np.float64)                       # (steps,)
    assert cell[0] == pytest.approx(math.tanh(0.8), rel=1e-4)               # the written value, squashed
    kept = [gates.kept_fraction(forget_bias, t) for t in range(steps)]
    np.testing.assert_allclose(cell / cell[0], kept, rtol=1e-5, atol=1e-30)
    np.testing.assert_allclose(r.outputs[0, :, 0], np.tanh(cell), rtol=1e-4, atol=1e-6)  # output gate open
    assert np.all(r.gates["input"][0, 1:] < 1e-4) and r.gates["input"][0, 0] > 1 - 1e-4


def test_hold_weights_clear_empties_the_cell_at_the_asked_step():
    r = gates.run(gates.hold_inputs(12, value=-1.5, clear_at=7), gates.hold_weights())
    cell = r.gates["cell"][0, :, 0]
    assert np.all(np.abs(cell[:7] - math.tanh(-1.5)) < 1e-3)                 # held for 7 steps
    assert np.all(np.abs(cell[7:]) < 1e-3)                                   # then gone
    assert r.gates["forget"][0, 7, 0] < 1e-4


def test_pulse_kept_answers_the_predict_first_question_as_the_cell_does():
    assert gates.pulse_kept(1.0, 20) is False                               # 0.73^20 = 0.2%
    assert gates.pulse_kept(5.0, 20) is True                                # 0.993^20 = 87%
    assert gates.kept_fraction(1.0, 20) == pytest.approx(sigma(1.0) ** 20)
    assert gates.kept_fraction(3.0, 0) == 1.0
    for forget_bias in (0.0, 1.0, 2.0, 3.0, 4.0):
        cell = gates.run(gates.hold_inputs(101), gates.hold_weights(forget_bias)).gates["cell"][0, :, 0]
        for steps in (5, 10, 20, 50, 100):
            seen = cell[steps] / cell[0] >= 0.01
            assert gates.pulse_kept(forget_bias, steps) == seen, (forget_bias, steps)


# --- checks on input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda: gates.init_weights("rnn", 3, 4), r"kind must be one of \('lstm', 'gru'\), got 'rnn'"),
    (lambda: gates.init_weights("lstm", 0, 4), r"n_inputs must be in 1\.\.32, got 0"),
    (lambda: gates.init_weights("gru", 3, 65), r"n_units must be in 1\.\.64, got 65"),
    (lambda: gates.init_weights("gru", 3, 2.5), r"n_units must be an integer in 1\.\.64, got 2\.5"),
    (lambda: gates.init_weights("lstm", 3, 4, seed=-1), r"seed must be in"),
    (lambda: gates.init_weights("lstm", 3, 4, forget_bias=11), r"forget_bias must be in \[-10, 10\], got 11"),
    (lambda: gates.init_weights("lstm", 3, 4, forget_bias=float("nan")), r"forget_bias must be in"),
    (lambda: gates.init_weights("lstm", 3, 4, forget_bias=True), r"forget_bias must be a number"),
    (lambda: gates.init_weights("gru", 3, 4, forget_bias=1.0), r"forget_bias applies to LSTM only"),
    (lambda: gates.GatedWeights("lstm", np.zeros((3, 6), np.float32), np.zeros((2, 6), np.float32),
                                np.zeros(6, np.float32)), r"4 \* units columns, got 6"),
    (lambda: gates.GatedWeights("gru", np.zeros((3, 6), np.float32), np.zeros((2, 6), np.float32),
                                np.zeros(6, np.float32)), r"bias must have shape \(2, 6\), got \(6,\)"),
    (lambda: gates.GatedWeights("gru", np.zeros((3, 6), np.float32), np.zeros((2, 6)),
                                np.zeros((2, 6), np.float32)), r"recurrent_kernel must be a float32"),
    (lambda: gates.run(np.zeros((1, 2, 3)), gates.init_weights("lstm", 3, 2), backend="torch"),
     r"backend must be one of \('numpy', 'keras'\), got 'torch'"),
    (lambda: gates.run(np.zeros((1, 2, 3)), object()), r"w must be GatedWeights"),
    (lambda: gates.run(np.zeros((1, 2, 4)), gates.init_weights("gru", 3, 2)), r"X has 4 inputs per step but"),
    (lambda: gates.run(np.zeros((1, 2, 3)), gates.init_weights("gru", 3, 2), [3]),
     r"sequence_length values must be in 0\.\.2, got \[3\]"),
    (lambda: gates.run(np.full((1, 2, 3), np.nan), gates.init_weights("gru", 3, 2)), r"finite"),
    (lambda: gates.hold_weights(-12.0), r"forget_bias must be in \[-10, 10\], got -12"),
    (lambda: gates.hold_inputs(5, clear_at=5), r"clear_at must be in 1\.\.4, got 5"),
    (lambda: gates.kept_fraction(1.0, 201), r"steps must be in 0\.\.200, got 201"),
    (lambda: gates.pulse_kept(1.0, 20, fraction=0), r"fraction must be in \(0, 1\], got 0"),
])
def test_bad_input_is_refused_naming_the_value_and_the_range(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_a_bad_keras_run_is_refused_before_tensorflow_is_imported():
    code = ("import sys\nfrom rnncore import gates\nw = gates.init_weights('lstm', 3, 2)\n"
            "gates.run(gates.hold_inputs(4), gates.hold_weights())\n"
            "try:\n    gates.run([[[1, 2]]], w, backend='keras')\nexcept ValueError as e:\n    print(e)\n"
            "print(sorted({'tensorflow', 'keras', 'tf_keras'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["X has 2 inputs per step but Wx expects 3", "[]"]
