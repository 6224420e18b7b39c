"""Why recurrence creates memory: how long an input lives in the state, and how far back credit reaches.

The cell is the lesson's, Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b): the only way an input at step t
can affect a later output is through `Y[t-1] @ Wy`, so `Wy` alone decides how long the past is kept.

- Impulse response: one pulse into every input at t=0, then zeros (or a steady input, or seeded noise),
  run through the NumPy reference `recurrence_numpy`; the state norm ||Y[t]|| says how much of it is left.
- The size of `Wy` is set by its *spectral radius* rho (the largest |eigenvalue|): `with_radius` rescales
  the drawn matrix, `Wy * rho / radius(Wy)`, so the same random directions are kept and only the size
  changes. With a linear activation the state after a pulse is `Y[t] = Y[0] @ Wy^t`, which shrinks
  like rho^t when rho < 1 and grows like rho^t when rho > 1; tanh bounds the growth (it saturates),
  relu cuts the negative part.
- Credit through time: the norm of the Jacobian d Y[T] / d X[t] (T the last step) for every t, computed
  with `tf.GradientTape`, and by central finite differences in NumPy (the check in the tests). Back-
  propagation multiplies by `Wy` (and the activation's slope) once per step, so this norm vanishes or
  explodes with T - t in the same way.
- State: two histories that end with the same input give different outputs at that last step.

TensorFlow is imported only when `credit_sweep` runs (its tape is rnncore.tf.credit's). Every function
returns plain NumPy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from rnncore.config import MAX_INPUTS, MAX_STEPS, RNNWeights, init_weights
from rnncore.manual import recurrence_numpy
from rnncore.tf.credit import jacobian_norms
from rnncore.validate import REAL_KINDS, check_inputs, check_int, check_number

PATTERNS = ("pulse", "steady", "noise")  # pulse: t=0 only; steady: every step; noise: Normal(0, 1) each step
MEMORY_INPUTS = 3      # the lesson's 3 inputs per step
MAX_RADIUS = 3.0       # spectral radius of Wy; 3**200 would overflow float32 long before the last step
MAX_AMPLITUDE = 10.0   # size of the pulse (and of the steady input, and the noise's standard deviation)
MAX_RADII = 8          # radii compared at once
MAX_HISTORY = 50       # steps of history before the shared last input
FADE_FRACTION = 0.01   # a pulse has faded once the state norm falls below 1% of its size at t=0
_TINY_RADIUS = 1e-12   # below this, Wy has no direction left to rescale


def check_radius(radius) -> float:
    return check_number("radius", radius, 0.0, MAX_RADIUS)


def spectral_radius(Wy: np.ndarray) -> float:
    """The largest |eigenvalue| of Wy."""
    return float(np.abs(eigenvalues(Wy)).max())


def eigenvalues(Wy: np.ndarray) -> np.ndarray:
    """Wy's eigenvalues (complex128), largest magnitude first."""
    Wy = np.asarray(Wy)
    if Wy.ndim != 2 or Wy.shape[0] != Wy.shape[1] or Wy.size == 0:
        raise ValueError(f"Wy must be a square (neurons, neurons) matrix, got shape {Wy.shape}")
    if not np.all(np.isfinite(Wy)):
        raise ValueError("Wy must hold only finite values (no NaN or inf)")
    values = np.linalg.eigvals(Wy.astype(np.float64))
    return values[np.argsort(-np.abs(values), kind="stable")]


def with_radius(w: RNNWeights, radius: float) -> RNNWeights:
    """The same weights with Wy rescaled to spectral radius `radius`: Wy * radius / radius(Wy).

    Rescaling (rather than drawing Wy with a different `scale`) keeps Wy's eigenvectors, so two radii
    differ only in how strongly the state is carried from one step to the next. Radius 0 gives Wy = 0:
    no recurrence, no memory.
    """
    radius = check_radius(radius)
    current = spectral_radius(w.Wy)
    if current < _TINY_RADIUS:
        raise ValueError(f"Wy has spectral radius {current:g}: it cannot be rescaled to {radius:g}")
    return replace(w, Wy=(w.Wy.astype(np.float64) * (radius / current)).astype(np.float32))


def memory_weights(n_neurons: int = 5, seed: int = 42, radius: float = 0.9, activation: str = "tanh",
                   n_inputs: int = MEMORY_INPUTS) -> RNNWeights:
    """`init_weights(n_inputs, n_neurons, seed, 1.0, activation)` with Wy rescaled to `radius`."""
    return with_radius(init_weights(n_inputs, n_neurons, seed, 1.0, activation), radius)


def input_pattern(steps: int, pattern: str = "pulse", amplitude: float = 1.0, seed: int = 0,
                  n_inputs: int = MEMORY_INPUTS) -> np.ndarray:
    """One input sequence (steps, inputs), float32: every input gets the same value at a step.

    pulse: `amplitude` at t=0, then zeros; steady: `amplitude` at every step;
    noise: Normal(0, amplitude**2) at every step, drawn from `seed` (its own stream, not the weights').
    """
    check_int("steps", steps, 1, MAX_STEPS)
    check_int("n_inputs", n_inputs, 1, MAX_INPUTS)
    check_int("seed", seed, 0, 2**32 - 1)
    amplitude = check_number("amplitude", amplitude, 0.0, MAX_AMPLITUDE, low_open=True)
    if pattern not in PATTERNS:
        raise ValueError(f"pattern must be one of {PATTERNS}, got {pattern!r}")
    X = np.zeros((steps, n_inputs), np.float32)        # (steps, inputs)
    if pattern == "pulse":
        X[0] = amplitude
    elif pattern == "steady":
        X[:] = amplitude
    else:
        X[:] = amplitude * np.random.default_rng([seed, 2]).standard_normal((steps, n_inputs))
    return X


def _one_sequence(X, w: RNNWeights) -> np.ndarray:
    """X (steps, inputs) checked against w's caps; returned as (1, steps, inputs) float32."""
    try:
        X = np.asarray(X)  # not cast here: check_inputs casts only real numbers (no text, no complex)
        if X.dtype.kind not in REAL_KINDS:
            raise TypeError(f"got dtype {X.dtype}")
    except (TypeError, ValueError) as error:
        raise ValueError(f"X must be one numeric sequence of shape (steps, inputs): {error}") from None
    if X.ndim != 2:
        raise ValueError(f"X must be one sequence of shape (steps, inputs), got shape {X.shape}")
    return check_inputs(X[None], w)[0]


def impulse_response(w: RNNWeights, X) -> np.ndarray:
    """The outputs Y[t] (steps, neurons) of the NumPy reference for one input sequence X (steps, inputs)."""
    return recurrence_numpy(_one_sequence(X, w), w).outputs[0]


def state_norms(outputs: np.ndarray) -> np.ndarray:
    """||Y[t]|| for every t (float64); inf from the first step whose state overflowed float32."""
    with np.errstate(over="ignore", invalid="ignore"):
        norms = np.sqrt(np.square(np.asarray(outputs, np.float64)).sum(axis=-1))
    return np.where(np.isfinite(norms), norms, np.inf)


def radius_sweep(w: RNNWeights, radii, X) -> np.ndarray:
    """State norms (len(radii), steps) for the same weights with Wy rescaled to each radius."""
    radii = _check_radii(radii)
    return np.stack([state_norms(impulse_response(with_radius(w, r), X)) for r in radii])


def _check_radii(radii) -> list[float]:
    radii = list(radii)
    if not 1 <= len(radii) <= MAX_RADII:
        raise ValueError(f"give 1..{MAX_RADII} radii, got {len(radii)}")
    return [check_radius(r) for r in radii]


def fade_step(norms: np.ndarray, fraction: float = FADE_FRACTION) -> int | None:
    """The first t at which ||Y[t]|| < fraction * ||Y[0]|| (None if it never happens in these steps)."""
    norms = np.asarray(norms, np.float64)
    below = np.flatnonzero(norms < fraction * norms[0])
    return int(below[0]) if below.size else None


@dataclass(frozen=True)
class Credit:
    norms: np.ndarray   # (radii, steps): ||d Y[T] / d X[t]|| (Frobenius), T = last step; inf on overflow
    final: np.ndarray   # (radii, neurons): Y[T], the output that was differentiated (float64)


def credit_sweep(weights, X) -> Credit:
    """||d Y[T] / d X[t]|| for every t and for every weights in `weights`, by `tf.GradientTape`
    (rnncore.tf.credit: one backward pass for the whole sweep, in float64). The weights must share their
    shapes and activation; everything is checked here, before TensorFlow is imported."""
    weights = list(weights)
    if not 1 <= len(weights) <= MAX_RADII:
        raise ValueError(f"give 1..{MAX_RADII} sets of weights, got {len(weights)}")
    first = weights[0]
    for w in weights[1:]:
        if w.Wx.shape != first.Wx.shape or w.activation != first.activation:
            raise ValueError("all weights in a sweep must have the same shapes and activation, got "
                             f"{w.Wx.shape}/{w.activation!r} and {first.Wx.shape}/{first.activation!r}")
    X = _one_sequence(X, first)[0]                     # (steps, inputs)
    norms, final = jacobian_norms(weights, X)
    return Credit(np.where(np.isfinite(norms), norms, np.inf), final)


def credit_through_time(w: RNNWeights, X) -> np.ndarray:
    """||d Y[T] / d X[t]|| (steps,) for one set of weights, by `tf.GradientTape` (see `credit_sweep`)."""
    return credit_sweep([w], X).norms[0]


def credit_finite_differences(w: RNNWeights, X, h: float = 3e-3) -> np.ndarray:
    """The same norms by central differences through the NumPy reference: the check on `credit_sweep`.

    Every input X[t, k] is moved by +-h, all perturbed copies run as one batch, and the Jacobian column
    is (Y[T](+) - Y[T](-)) / (the actual float32 difference of the two inputs). In float32 the error is
    about h**2 (curvature) plus 1e-7 * |Y[T]| / h (rounding), so these are good to about 1e-4 relative
    where the Jacobian is not much smaller than Y[T] itself.
    """
    X = _one_sequence(X, w)[0]                         # (steps, inputs)
    h = check_number("h", h, 0.0, 1.0, low_open=True)
    steps, n_inputs = X.shape
    plus = np.broadcast_to(X, (steps, n_inputs, steps, n_inputs)).copy()  # (t, k, steps, inputs)
    minus = plus.copy()
    t, k = np.meshgrid(np.arange(steps), np.arange(n_inputs), indexing="ij")
    plus[t, k, t, k] += h
    minus[t, k, t, k] -= h
    final = lambda batch: recurrence_numpy(batch.reshape(-1, steps, n_inputs), w).state  # noqa: E731
    with np.errstate(over="ignore", invalid="ignore"):
        change = final(plus).astype(np.float64) - final(minus)         # (t*k, neurons)
        jacobian = change / (plus[t, k, t, k] - minus[t, k, t, k]).astype(np.float64).reshape(-1, 1)
        norms = np.sqrt(np.square(jacobian).reshape(steps, -1).sum(axis=1))
    return np.where(np.isfinite(norms), norms, np.inf)


@dataclass(frozen=True)
class HistoryExample:
    inputs: np.ndarray      # (2, steps, inputs): history 0 is quiet (zeros), history 1 is busy (noise)
    outputs: np.ndarray     # (2, steps, neurons)
    difference: float       # ||Y_0[T] - Y_1[T]||: what the two histories left in the state


def history_example(w: RNNWeights, history_steps: int = 5, amplitude: float = 1.0, seed: int = 0) -> HistoryExample:
    """Two inputs sequences that end with the same input (`amplitude` into every input) after different
    histories: `history_steps` zeros, or `history_steps` steps of seeded noise. The last outputs differ
    only because the state remembers the history (with Wy = 0 they are equal)."""
    check_int("history_steps", history_steps, 1, MAX_HISTORY)
    busy = input_pattern(history_steps, "noise", amplitude, seed, w.n_inputs)
    shared = input_pattern(1, "steady", amplitude, seed, w.n_inputs)      # (1, inputs): the same last input
    X = np.stack([np.concatenate([np.zeros_like(busy), shared]), np.concatenate([busy, shared])])
    outputs = recurrence_numpy(check_inputs(X, w)[0], w).outputs          # (2, steps, neurons)
    with np.errstate(over="ignore", invalid="ignore"):
        difference = float(np.linalg.norm(outputs[0, -1].astype(np.float64) - outputs[1, -1]))
    return HistoryExample(X, outputs, difference if math.isfinite(difference) else math.inf)
