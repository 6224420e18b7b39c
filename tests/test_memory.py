"""rnncore.memory: impulse response, eigenvalues, credit through time (GradientTape vs finite differences)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnncore import memory
from rnncore.config import init_weights
from rnncore.manual import run_manual


def weights(radius, activation="linear", neurons=5, seed=42):
    return memory.memory_weights(neurons, seed, radius, activation)


# --- Wy and its spectral radius ----------------------------------------------------------------------

def test_eigenvalues_and_radius_match_numpy_linalg():
    w = init_weights(3, 6, seed=7)
    expected = np.linalg.eigvals(w.Wy.astype(np.float64))
    got = memory.eigenvalues(w.Wy)
    assert np.allclose(np.sort_complex(got), np.sort_complex(expected), atol=1e-12)
    assert np.all(np.diff(np.abs(got)) <= 1e-12)                     # largest magnitude first
    assert memory.spectral_radius(w.Wy) == pytest.approx(np.abs(expected).max(), rel=1e-12)


@pytest.mark.parametrize("radius", [0.0, 0.5, 1.0, 2.5])
def test_with_radius_sets_the_radius_and_keeps_the_directions(radius):
    w = init_weights(3, 5, seed=42)
    scaled = memory.with_radius(w, radius)
    assert memory.spectral_radius(scaled.Wy) == pytest.approx(radius, abs=1e-6)
    factor = radius / memory.spectral_radius(w.Wy)
    np.testing.assert_allclose(scaled.Wy, w.Wy * factor, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(scaled.Wx, w.Wx)                   # only Wy changes
    assert scaled.Wy.dtype == np.float32


def test_memory_weights_are_init_weights_rescaled():
    w = memory.memory_weights(4, 3, 0.8, "relu")
    base = init_weights(3, 4, 3, 1.0, "relu")
    np.testing.assert_array_equal(w.Wx, base.Wx)
    assert w.activation == "relu"
    assert memory.spectral_radius(w.Wy) == pytest.approx(0.8, abs=1e-6)


# --- impulse response ---------------------------------------------------------------------------------

def test_input_patterns():
    pulse = memory.input_pattern(4, "pulse", 2.0)
    np.testing.assert_array_equal(pulse, [[2, 2, 2], [0, 0, 0], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(memory.input_pattern(3, "steady", 0.5), np.full((3, 3), 0.5))
    noise = memory.input_pattern(50, "noise", 1.0, seed=3)
    np.testing.assert_array_equal(noise, memory.input_pattern(50, "noise", 1.0, seed=3))  # seeded
    assert not np.array_equal(noise, memory.input_pattern(50, "noise", 1.0, seed=4))
    assert 0.7 < noise.std() < 1.3 and noise.dtype == np.float32


def test_impulse_response_is_the_numpy_reference():
    w = weights(0.9, "tanh")
    X = memory.input_pattern(6, "noise", 1.0, seed=1)
    np.testing.assert_array_equal(memory.impulse_response(w, X), run_manual(X[None], w).outputs[0])


def test_linear_pulse_state_is_y0_times_wy_power():
    w = weights(0.9)
    Y = memory.impulse_response(w, memory.input_pattern(8, "pulse"))
    Y0 = np.ones(3) @ w.Wx.astype(np.float64)
    for t in range(8):
        np.testing.assert_allclose(Y[t], Y0 @ np.linalg.matrix_power(w.Wy.astype(np.float64), t), rtol=1e-4,
                                   atol=1e-6)


@pytest.mark.parametrize("radius", [0.3, 0.6, 0.9])
def test_linear_impulse_response_decays_below_radius_one(radius):
    norms = memory.state_norms(memory.impulse_response(weights(radius), memory.input_pattern(60, "pulse")))
    assert norms[-1] < 1e-2 * norms[0]
    # the long-run rate of decay per step is the spectral radius
    assert (norms[-1] / norms[-21]) ** (1 / 20) == pytest.approx(radius, rel=0.02)
    assert memory.fade_step(norms) is not None


@pytest.mark.parametrize("radius", [1.1, 1.5, 2.0])
def test_linear_impulse_response_grows_above_radius_one(radius):
    norms = memory.state_norms(memory.impulse_response(weights(radius), memory.input_pattern(100, "pulse")))
    assert norms[-1] > 100 * norms[0]
    assert (norms[-1] / norms[-21]) ** (1 / 20) == pytest.approx(radius, rel=0.02)
    assert memory.fade_step(norms) is None


def test_tanh_saturates_instead_of_exploding():
    norms = memory.state_norms(memory.impulse_response(weights(2.0, "tanh"), memory.input_pattern(60, "pulse")))
    assert np.all(norms <= np.sqrt(5) + 1e-6)                       # every |tanh| <= 1
    assert norms[-1] > 0.5                                           # and the pulse has not faded


def test_radius_sweep_and_overflow_is_inf():
    X = memory.input_pattern(200, "pulse")
    sweep = memory.radius_sweep(init_weights(3, 5, 42, activation="linear"), [0.5, 3.0], X)
    assert sweep.shape == (2, 200)
    assert sweep[0, -1] < 1e-30
    assert np.isinf(sweep[1, -1])                                    # 3**200 overflows float32
    assert np.all(np.isfinite(sweep[1, :40]))


def test_fade_step():
    assert memory.fade_step(np.array([1.0, 0.5, 0.02, 0.009, 0.001])) == 3
    assert memory.fade_step(np.array([1.0, 2.0, 3.0])) is None


def test_radius_zero_means_no_memory():
    norms = memory.state_norms(memory.impulse_response(weights(0.0, "tanh"), memory.input_pattern(5, "pulse")))
    assert norms[0] > 0 and np.all(norms[1:] == 0)


# --- credit through time ------------------------------------------------------------------------------

CREDIT_CASES = [(activation, radius) for activation in ("linear", "tanh") for radius in (0.5, 0.9, 1.2)]


@pytest.mark.parametrize("activation, radius", CREDIT_CASES)
def test_gradient_tape_agrees_with_finite_differences_after_a_pulse(activation, radius):
    w, X = weights(radius, activation), memory.input_pattern(12, "pulse")
    tape, fd = memory.credit_through_time(w, X), memory.credit_finite_differences(w, X)
    np.testing.assert_allclose(tape, fd, rtol=1e-3)
    assert tape.min() > 1e-4                                         # the comparison spans real values


@pytest.mark.parametrize("activation, pattern, radius",
                         [("relu", "steady", 0.9), ("relu", "noise", 1.2), ("tanh", "noise", 0.9)])
def test_gradient_tape_agrees_with_finite_differences_for_other_inputs(activation, pattern, radius):
    # float32 differences cannot resolve a gradient far smaller than Y[T] itself: absolute tolerance there
    w, X = weights(radius, activation), memory.input_pattern(12, pattern, 1.0, seed=0)
    tape, fd = memory.credit_through_time(w, X), memory.credit_finite_differences(w, X)
    np.testing.assert_allclose(tape, fd, rtol=1e-3, atol=1e-4 * tape.max())


@pytest.mark.parametrize("radius", [0.5, 1.5])
def test_linear_credit_is_the_norm_of_wx_times_wy_power(radius):
    # d Y[T] / d X[t] = (Wx @ Wy^(T-t))^T exactly; the tape runs in float64, so even the vanishing end
    # (far below float32's 1e-45) is checked tightly
    w, steps = weights(radius), 200
    tape = memory.credit_through_time(w, memory.input_pattern(steps, "pulse"))
    Wx, Wy = w.Wx.astype(np.float64), w.Wy.astype(np.float64)
    exact = [np.linalg.norm(Wx @ np.linalg.matrix_power(Wy, steps - 1 - t)) for t in range(steps)]
    np.testing.assert_allclose(tape, exact, rtol=1e-9)
    assert (tape[0] < 1e-50) if radius < 1 else (tape[0] > 1e30)  # vanishing / exploding


def test_credit_sweep_runs_each_weights_and_its_forward_pass_matches_numpy():
    X = memory.input_pattern(10, "noise", 1.0, seed=2)
    ws = [weights(r, "tanh") for r in (0.5, 1.0, 1.5)]
    credit = memory.credit_sweep(ws, X)
    assert credit.norms.shape == (3, 10)
    for i, w in enumerate(ws):
        np.testing.assert_allclose(credit.final[i], memory.impulse_response(w, X)[-1], atol=1e-5)
        np.testing.assert_allclose(credit.norms[i], memory.credit_through_time(w, X), rtol=1e-6)


def test_credit_with_radius_zero_reaches_only_the_last_step():
    w = weights(0.0, "tanh")
    X = memory.input_pattern(6, "noise", 1.0)
    tape = memory.credit_through_time(w, X)
    assert np.all(tape[:-1] == 0) and tape[-1] > 0
    np.testing.assert_allclose(memory.credit_finite_differences(w, X), tape, rtol=1e-3, atol=1e-6)


# --- state: the same input after different histories --------------------------------------------------

def test_same_last_input_different_history_gives_different_outputs():
    w = weights(0.9, "tanh")
    ex = memory.history_example(w, history_steps=4, amplitude=1.0, seed=0)
    assert ex.inputs.shape == (2, 5, 3) and ex.outputs.shape == (2, 5, 5)
    np.testing.assert_array_equal(ex.inputs[0, -1], ex.inputs[1, -1])   # the same last input
    assert np.all(ex.inputs[0, :-1] == 0) and np.any(ex.inputs[1, :-1] != 0)
    np.testing.assert_array_equal(ex.outputs, run_manual(ex.inputs, w).outputs)
    assert ex.difference == pytest.approx(np.linalg.norm(ex.outputs[0, -1] - ex.outputs[1, -1]), rel=1e-6)
    assert ex.difference > 0.05


def test_without_recurrence_history_does_not_matter():
    ex = memory.history_example(weights(0.0, "tanh"), history_steps=4)
    assert ex.difference == 0
    np.testing.assert_array_equal(ex.outputs[0, -1], ex.outputs[1, -1])


def test_linear_history_difference_is_what_the_state_carries():
    # linear, b = 0: the quiet history leaves Y = 0, so the two last outputs differ by exactly
    # (the busy history's last state) @ Wy
    w = weights(0.7, "linear")
    ex = memory.history_example(w, history_steps=6, amplitude=1.0, seed=3)
    busy_state = memory.impulse_response(w, ex.inputs[1, :-1])[-1].astype(np.float64)
    assert ex.difference == pytest.approx(np.linalg.norm(busy_state @ w.Wy), rel=1e-5)


# --- bad input ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: memory.with_radius(init_weights(), -0.1), "radius must be in"),
    (lambda: memory.with_radius(init_weights(), float("nan")), "radius must be in"),
    (lambda: memory.with_radius(init_weights(), 1e30), "radius must be in"),
    (lambda: memory.with_radius(init_weights(), "1"), "radius must be a number"),
    (lambda: memory.with_radius(memory.memory_weights(radius=0.0), 1.0), "cannot be rescaled"),
    (lambda: memory.memory_weights(n_neurons=0), "n_neurons must be in"),
    (lambda: memory.memory_weights(n_neurons=1000), "n_neurons must be in"),
    (lambda: memory.memory_weights(activation="sigmoid"), "activation must be one of"),
    (lambda: memory.input_pattern(0), "steps must be in"),
    (lambda: memory.input_pattern(10_000), "steps must be in"),
    (lambda: memory.input_pattern(5, "sawtooth"), "pattern must be one of"),
    (lambda: memory.input_pattern(5, "pulse", 0.0), "amplitude must be in"),
    (lambda: memory.input_pattern(5, "pulse", 1e9), "amplitude must be in"),
    (lambda: memory.impulse_response(init_weights(), np.zeros((2, 4, 3))), "one sequence"),
    (lambda: memory.impulse_response(init_weights(), np.zeros((4, 2))), "inputs per step"),
    (lambda: memory.impulse_response(init_weights(), np.full((4, 3), np.nan)), "finite"),
    (lambda: memory.impulse_response(init_weights(), [[1, 2, 3], [4, 5]]), "numeric sequence"),
    (lambda: memory.impulse_response(init_weights(), [["a", "b", "c"]]), "numeric sequence"),
    (lambda: memory.impulse_response(init_weights(), [["1", "2", "3"]]), "numeric sequence.*<U1"),  # not parsed
    (lambda: memory.impulse_response(init_weights(), np.ones((2, 3), complex)), "numeric sequence.*complex"),
    (lambda: memory.impulse_response(init_weights(), np.full((4, 3), 1e7)), r"within \+-"),
    (lambda: memory.radius_sweep(init_weights(), [], np.zeros((3, 3))), "radii"),
    (lambda: memory.radius_sweep(init_weights(), [0.5] * 9, np.zeros((3, 3))), "radii"),
    (lambda: memory.eigenvalues(np.zeros((2, 3))), "square"),
    (lambda: memory.history_example(init_weights(), 0), "history_steps must be in"),
    (lambda: memory.history_example(init_weights(), 51), "history_steps must be in"),
    (lambda: memory.credit_sweep([], np.zeros((3, 3))), "sets of weights"),
    (lambda: memory.credit_sweep([init_weights(), init_weights(activation="relu")], np.zeros((3, 3))),
     "same shapes and activation"),
    (lambda: memory.credit_finite_differences(init_weights(), np.zeros((3, 3)), h=0), "h must be in"),
])
def test_bad_input_raises_value_error_naming_it(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_module_does_not_import_tensorflow():
    code = ("import sys; import rnncore.memory as m; m.radius_sweep(m.memory_weights(), [0.5], "
            "m.input_pattern(5)); m.history_example(m.memory_weights()); print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "False"
