"""Two small tasks that need memory, generated here from a seed (no download), for the Keras lab.

- "sine": the noisy two-sine series of Hands-On ML (2nd ed., ch. 15). Each series is `steps + 1`
  values of two sine waves of random frequency and phase plus uniform noise; the model reads the first
  `steps` values and predicts the last one. The naive forecast (repeat the last value read) is already
  decent here, so a model must do better than that to have learnt anything.
- "recall": each sequence is `k + 1` values drawn uniformly from [-1, 1]; at the last step (t = k) the
  target is the input from k steps before it, the first value, X[:, 0]. Every value after the first is
  a distractor, so the model must carry one number through k updates of its state. The last value says
  nothing about the target: the naive forecast scores about 2/3 (the difference of two independent
  uniforms) and always answering the mean scores about 1/3 (the target's variance), so only a model
  below 1/3 remembers anything.

Every array is float32: X is (examples, steps, 1), y is (examples, 1). The same arguments give the same
arrays on any machine (NumPy's PCG64 generator seeded with `seed`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncore.validate import check_int

TASKS = {
    "sine": "noisy two-sine series: predict the next value",
    "recall": "random values: recall the value from k steps ago",
}
# Caps (with rnncore.tf.training's) keep the largest allowed run within a few minutes on two cores and its
# data under 1 MB (2000 x 101 float32 values).
MAX_EXAMPLES = 2000   # series per task, training and validation together
MIN_EXAMPLES = 20     # at least a few in the validation split
MAX_TASK_STEPS = 100  # sine: values the model reads per series
MAX_DELAY = 99        # recall: k, so a sequence has at most 100 steps
VALID_FRACTION = 0.2  # the last 20% of the series are held out for validation


@dataclass(frozen=True)
class TaskData:
    task: str
    X_train: np.ndarray  # (n_train, steps, 1)
    y_train: np.ndarray  # (n_train, 1)
    X_valid: np.ndarray  # (n_valid, steps, 1)
    y_valid: np.ndarray  # (n_valid, 1)

    @property
    def steps(self) -> int:
        return self.X_train.shape[1]


def sine_series(n_series: int, n_values: int, rng: np.random.Generator) -> np.ndarray:
    """(n_series, n_values) float32: the book's `generate_time_series`, drawn from `rng`."""
    freq1, freq2, offsets1, offsets2 = rng.random((4, n_series, 1))
    time = np.linspace(0, 1, n_values)
    series = 0.5 * np.sin((time - offsets1) * (freq1 * 10 + 10))    # wave 1
    series += 0.2 * np.sin((time - offsets2) * (freq2 * 20 + 20))   # + wave 2
    series += 0.1 * (rng.random((n_series, n_values)) - 0.5)        # + noise
    return series.astype(np.float32)


def make_task(task: str = "sine", n_examples: int = 1000, steps: int = 50, k: int = 10,
              seed: int = 42) -> TaskData:
    """The data of `task`: `steps` is used by "sine" only, `k` by "recall" only (its length is k + 1)."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {tuple(TASKS)}, got {task!r}")
    check_int("n_examples", n_examples, MIN_EXAMPLES, MAX_EXAMPLES)
    check_int("steps", steps, 1, MAX_TASK_STEPS)
    check_int("k", k, 1, MAX_DELAY)
    check_int("seed", seed, 0, 2**32 - 1)
    rng = np.random.default_rng(seed)
    if task == "sine":
        series = sine_series(n_examples, steps + 1, rng)
        X, y = series[:, :steps], series[:, steps:]                     # read `steps`, predict the next
    else:
        X = rng.uniform(-1, 1, (n_examples, k + 1)).astype(np.float32)  # t = 0..k
        y = X[:, :1]                                                     # X[:, t - k] at t = k
    X = X[:, :, np.newaxis]                                              # (examples, steps, 1)
    n_train = n_examples - round(n_examples * VALID_FRACTION)
    return TaskData(task, X[:n_train], y[:n_train].copy(), X[n_train:], y[n_train:].copy())


def naive_mse(X: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error of the naive forecast: the next value is the last one read, X[:, -1]."""
    return float(np.mean((X[:, -1, :].astype(np.float64) - y) ** 2))


def mean_mse(y_train: np.ndarray, y_valid: np.ndarray) -> float:
    """Mean squared error of answering the training targets' mean every time (no input read at all)."""
    return float(np.mean((y_valid.astype(np.float64) - y_train.astype(np.float64).mean()) ** 2))
