"""rnncore.bptt: every step's error and contribution against tf.GradientTape (one weight copy per step),
the totals against finite differences, the factor of each step, vanishing and exploding, input checks."""
import numpy as np
import pytest

from tests.cases import TOLERANCE, random_case
from rnncore import RNNWeights, bptt, init_weights
from rnncore.cell import valid_mask
from rnncore.manual import run_manual
from rnncore.memory import memory_weights

SEEDS = range(9)  # cases.random_case: activation tanh, relu, linear by seed % 3; lengths on odd seeds


def case(seed: int):
    """X, w, lengths from cases.random_case, and a random target (zeros, the default, every 4th seed)."""
    X, w, lengths = random_case(seed, with_lengths=seed % 2 == 1)
    target = np.random.default_rng(seed + 1).standard_normal((X.shape[0], w.n_neurons)) if seed % 4 else None
    return X, w, target, lengths


def assert_close(got, want):
    """To AGREEMENT, relative where the values are large (relu and linear grow)."""
    want = np.asarray(want, np.float64)
    scale = max(1.0, float(np.abs(want).max(initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=TOLERANCE, atol=TOLERANCE * scale)


def tape_gradients(X, w: RNNWeights, target, lengths) -> dict:
    """The same loss in TF ops (float64) with one copy of Wx, Wy, b per step, so that the tape gives
    each step's contribution (the gradient of its copy) beside the shared weights' gradient."""
    from rnncore.tf.runtime import tf, tf_activation

    tf, act = tf(), tf_activation(w.activation)
    batch, steps, _ = X.shape
    live = tf.constant(valid_mask(lengths, batch, steps))            # (batch, steps)
    X = tf.constant(X.astype(np.float64))
    shared = [tf.constant(a.astype(np.float64)) for a in (w.Wx, w.Wy, w.b)]
    target = tf.zeros([batch, w.n_neurons], tf.float64) if target is None else tf.constant(target)
    with tf.GradientTape() as tape:
        tape.watch(shared)
        copies = [[tf.identity(a) for a in shared] for _ in range(steps)]  # step t's view of Wx, Wy, b
        state, states = tf.zeros([batch, w.n_neurons], tf.float64), []
        for t, (Wx, Wy, b) in enumerate(copies):
            Y_t = act(X[:, t] @ Wx + state @ Wy + b)
            state = tf.where(live[:, t, None], Y_t, state)
            states.append(state)
        loss = 0.5 * tf.reduce_sum(tf.square(state - target))
    grads = tape.gradient(loss, {"shared": shared, "steps": copies, "states": states},
                          unconnected_gradients=tf.UnconnectedGradients.ZERO)
    as_np = lambda tensors: np.stack([g.numpy() for g in tensors])  # noqa: E731
    return {"loss": float(loss), "dWx": grads["shared"][0].numpy(), "dWy": grads["shared"][1].numpy(),
            "db": grads["shared"][2].numpy(), "error": as_np(grads["states"]).transpose(1, 0, 2),
            "dWx_steps": as_np([g[0] for g in grads["steps"]]), "dWy_steps": as_np([g[1] for g in grads["steps"]]),
            "db_steps": as_np([g[2] for g in grads["steps"]])}


@pytest.mark.parametrize("seed", SEEDS)
def test_every_step_agrees_with_gradient_tape(seed):
    X, w, target, lengths = case(seed)
    r, tape = bptt.backprop(X, w, target, lengths), tape_gradients(X, w, target, lengths)
    assert r.loss == pytest.approx(tape["loss"], rel=TOLERANCE)
    for name in ("error", "dWx_steps", "dWy_steps", "db_steps", "dWx", "dWy", "db"):
        assert getattr(r, name).shape == tape[name].shape, name
        assert_close(getattr(r, name), tape[name])
    # TF's own numbers say it too: the shared Wy's gradient is the sum of the per-step copies' gradients
    assert_close(tape["dWy_steps"].sum(axis=0), tape["dWy"])


def loss_float64(X, Wx, Wy, b, activation, target, lengths) -> float:
    """L = 0.5 * sum((final state - target)^2), written out again for the finite differences."""
    act = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "linear": lambda z: z}[activation]
    batch, steps, _ = X.shape
    lengths = np.full(batch, steps) if lengths is None else np.asarray(lengths)
    state = np.zeros((batch, Wy.shape[0]))
    for t in range(steps):
        state = np.where((t < lengths)[:, None], act(X[:, t] @ Wx + state @ Wy + b), state)
    return 0.5 * float(np.square(state - (0 if target is None else target)).sum())


@pytest.mark.parametrize("seed", SEEDS)
def test_totals_agree_with_finite_differences(seed):
    X, w, target, lengths = case(seed)
    r = bptt.backprop(X, w, target, lengths)
    weights = [w.Wx.astype(np.float64), w.Wy.astype(np.float64), w.b.astype(np.float64)]
    h = 1e-6  # float64: error ~ h^2 (curvature) + 1e-16 * L / h (rounding)
    for index, analytic in enumerate((r.dWx, r.dWy, r.db)):
        numeric = np.zeros_like(weights[index])
        for position in np.ndindex(numeric.shape):
            moved = [[a.copy() for a in weights] for _ in range(2)]
            moved[0][index][position] += h
            moved[1][index][position] -= h
            plus, minus = (loss_float64(X.astype(np.float64), *m, w.activation, target, lengths) for m in moved)
            numeric[position] = (plus - minus) / (2 * h)
        assert_close(analytic, numeric)
    assert r.loss == pytest.approx(loss_float64(X.astype(np.float64), *weights, w.activation, target, lengths))


@pytest.mark.parametrize("seed", SEEDS)
def test_forward_is_the_reference_loop_and_totals_are_sums_of_steps(seed):
    X, w, target, lengths = case(seed)
    r = bptt.backprop(X, w, target, lengths)
    reference = run_manual(X, w, lengths)
    assert_close(r.outputs, reference.outputs)
    assert_close(r.state, reference.state)
    np.testing.assert_array_equal(r.error[:, -1], r.state - r.target)          # e[T-1] = Y[T-1] - target
    np.testing.assert_array_equal(r.dWy, r.dWy_steps.sum(axis=0))             # one Wy, a sum over steps
    np.testing.assert_array_equal(r.dWx, r.dWx_steps.sum(axis=0))
    np.testing.assert_array_equal(r.db, r.db_steps.sum(axis=0))
    assert not r.dWy_steps[0].any()                                            # Y[-1] = 0: nothing at t=0
    assert r.dWx_norms.shape == r.dWy_norms.shape == r.db_norms.shape == r.error_norms.shape == (X.shape[1],)


def test_the_factor_of_a_tanh_step_is_diag_one_minus_Y_squared_times_Wy_transposed():
    X, w, _, lengths = case(3)                                                 # tanh, with lengths
    assert w.activation == "tanh"
    r = bptt.backprop(X, w, sequence_length=lengths)
    Wy = w.Wy.astype(np.float64)
    for t in range(X.shape[1]):
        factor = r.factor(t)                                                   # (batch, neurons, neurons)
        for i, length in enumerate(lengths):
            if t < length:
                np.testing.assert_allclose(factor[i], np.diag(1 - r.outputs[i, t] ** 2) @ Wy.T, rtol=1e-12)
            else:
                np.testing.assert_array_equal(factor[i], np.eye(w.n_neurons))  # state copied: passed back as is
        if t > 0:
            np.testing.assert_allclose(r.error[:, t - 1], np.einsum("bi,bij->bj", r.error[:, t], factor),
                                       rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(r.factor_norms[:, 0], np.linalg.norm(r.factor(0), ord=2, axis=(1, 2)))
    assert np.all(r.factor_norms <= max(np.linalg.norm(Wy, 2), 1) + 1e-12)    # tanh's slope is at most 1


def test_relu_and_linear_slopes():
    w = init_weights(2, 3, seed=4, activation="relu")
    X = np.random.default_rng(4).standard_normal((3, 4, 2)).astype(np.float32)
    r = bptt.backprop(X, w)
    np.testing.assert_array_equal(r.slope, (r.outputs > 0).astype(float))     # 1 where z > 0, else 0
    linear = bptt.backprop(X, RNNWeights(w.Wx, w.Wy, w.b, "linear"))
    np.testing.assert_array_equal(linear.slope, 1.0)
    np.testing.assert_array_equal(linear.factor(2), np.broadcast_to(w.Wy.T, (3, 3, 3)))
    np.testing.assert_array_equal(r.delta, r.error * r.slope)


@pytest.mark.parametrize("radius, vanishes", [(0.5, True), (1.6, False)])
def test_early_contributions_vanish_or_explode_with_the_radius_of_Wy(radius, vanishes):
    """Linear cell: e[t] = e[T-1] @ (Wy^T)^(T-1-t), so the error reaching early steps, and their share of
    dL/dWx = sum X[:, t]^T d[t], shrink or grow like radius^(T-1-t). (Wy's share, Y[t-1]^T d[t], vanishes
    too, but when Wy explodes the forward Y[t-1] grows as fast as d[t] shrinks, so it need not.)"""
    w = memory_weights(5, 42, radius, "linear")
    X = np.random.default_rng(0).standard_normal((2, 25, 3)).astype(np.float32)
    r = bptt.backprop(X, w, target=np.full((2, 5), 3.0))
    ratio = r.error_norms[0] / r.error_norms[-1]                              # ~ radius^24: 6e-8 or 8e4
    assert ratio < 1e-4 if vanishes else ratio > 1e3, ratio
    early, late = r.dWx_norms[:3].mean(), r.dWx_norms[-3:].mean()
    assert early < 1e-3 * late if vanishes else early > 1e2 * late, (early, late)
    if vanishes:
        assert r.dWy_norms[1:4].mean() < 1e-3 * r.dWy_norms[-3:].mean()
        assert r.largest_dWy_step >= 20                                       # the predict-first answer


def test_largest_dWy_step_is_the_step_with_the_largest_contribution():
    X, w, target, lengths = case(4)
    r = bptt.backprop(X, w, target, lengths)
    norms = [np.linalg.norm(r.dWy_steps[t]) for t in range(X.shape[1])]
    assert r.largest_dWy_step == int(np.argmax(norms)) and isinstance(r.largest_dWy_step, int)


def test_overflow_shows_as_inf_not_nan():
    w = init_weights(3, 8, seed=0, scale=10.0, activation="linear")
    X = np.ones((1, 200, 3), np.float32)
    r = bptt.backprop(X, w)
    assert r.loss == np.inf and np.isinf(r.error_norms).any() and not np.isnan(r.dWy_norms).any()


@pytest.mark.parametrize("call, match", [
    (lambda: bptt.backprop(np.zeros((2, 3, 3)), init_weights(3, 4), target=np.zeros((2, 5))),
     r"target must have shape \(batch, neurons\) = \(2, 4\), got \(2, 5\)"),
    (lambda: bptt.backprop(np.zeros((1, 3, 3)), init_weights(3, 2), target=[[np.nan, 0]]),
     r"target values must be finite"),
    (lambda: bptt.backprop(np.zeros((1, 3, 3)), init_weights(3, 2), target=[["a", "b"]]), r"target must hold real"),
    (lambda: bptt.backprop(np.zeros((1, 3, 3)), "weights"), r"w must be RNNWeights"),
    (lambda: bptt.backprop(np.zeros((1, 3, 2)), init_weights(3, 2)), r"X has 2 inputs per step but Wx expects 3"),
    (lambda: bptt.backprop(np.zeros((1, 3, 3)), init_weights(3, 2), sequence_length=[4]),
     r"sequence_length values must be in 0\.\.3, got \[4\]"),
    (lambda: bptt.backprop(np.zeros((1, 3, 3)), init_weights(3, 2)).factor(3), r"t must be a step in 0\.\.2, got 3"),
])
def test_bad_input_is_refused_naming_the_value_and_the_range(call, match):
    with pytest.raises(ValueError, match=match):
        call()
