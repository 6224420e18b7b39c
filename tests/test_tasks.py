"""rnncore.lesson.tasks: the lab's data, seeded and split, its two baselines, and its caps."""
import numpy as np
import pytest

from rnncore.lesson import tasks
from rnncore.lesson.tasks import make_task, mean_mse, naive_mse


def test_sine_shapes_and_split():
    data = make_task("sine", n_examples=1000, steps=50, seed=42)
    assert data.X_train.shape == (800, 50, 1) and data.y_train.shape == (800, 1)
    assert data.X_valid.shape == (200, 50, 1) and data.y_valid.shape == (200, 1)
    assert data.steps == 50
    for array in (data.X_train, data.y_train, data.X_valid, data.y_valid):
        assert array.dtype == np.float32


def test_recall_sequences_are_k_plus_one_long_and_the_target_is_the_first_value():
    data = make_task("recall", n_examples=100, k=7, seed=3)
    assert data.X_train.shape == (80, 8, 1) and data.X_valid.shape == (20, 8, 1)
    np.testing.assert_array_equal(data.y_train, data.X_train[:, 0])   # X[:, t - k] at t = k
    np.testing.assert_array_equal(data.y_valid, data.X_valid[:, 0])
    assert -1 <= data.X_train.min() < -0.9 and 0.9 < data.X_train.max() <= 1


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    for task in tasks.TASKS:
        first, again, other = (make_task(task, 200, 20, 5, seed) for seed in (7, 7, 8))
        for name in ("X_train", "y_train", "X_valid", "y_valid"):
            np.testing.assert_array_equal(getattr(first, name), getattr(again, name))
        assert not np.array_equal(first.X_train, other.X_train)


def test_unused_settings_do_not_change_the_data():
    """k means nothing to "sine" and steps nothing to "recall"."""
    np.testing.assert_array_equal(make_task("sine", 100, 20, 3, 1).X_train, make_task("sine", 100, 20, 9, 1).X_train)
    np.testing.assert_array_equal(make_task("recall", 100, 20, 3, 1).X_train,
                                  make_task("recall", 100, 50, 3, 1).X_train)


def test_sine_series_follow_the_books_recipe():
    """0.5 sin + 0.2 sin + noise in +-0.05: every value within 0.75, and drawn from the seed alone."""
    series = tasks.sine_series(500, 51, np.random.default_rng(0))
    assert series.shape == (500, 51) and np.abs(series).max() <= 0.75
    np.testing.assert_array_equal(series, tasks.sine_series(500, 51, np.random.default_rng(0)))
    data = make_task("sine", 500, 50, seed=0)  # the task reads 50 values of such a series, predicts the 51st
    np.testing.assert_array_equal(np.concatenate([data.X_train, data.X_valid])[:, :, 0], series[:, :50])
    np.testing.assert_array_equal(np.concatenate([data.y_train, data.y_valid])[:, 0], series[:, 50])


def test_validation_is_the_last_fifth():
    assert len(make_task("sine", 101, 5).X_valid) == 20 and len(make_task("sine", 101, 5).X_train) == 81
    assert len(make_task("recall", 20, k=2).X_valid) == 4


def test_naive_and_mean_baselines_by_hand():
    X = np.array([[[1], [2]], [[3], [5]]], np.float32)  # last values read: 2 and 5
    y = np.array([[2], [4]], np.float32)
    assert naive_mse(X, y) == 0.5                       # (0² + 1²) / 2
    assert mean_mse(np.array([[1], [3]], np.float32), y) == 2.0  # mean 2: (0² + 2²) / 2


def test_baselines_at_the_defaults():
    """Measured: sine naive 0.0225 (the book reports about 0.020 for its 50-step series), recall naive
    about 2/3 (two independent uniform values) and mean about 1/3 (the variance of a uniform value)."""
    sine = make_task("sine", 1000, 50, seed=42)
    assert naive_mse(sine.X_valid, sine.y_valid) == pytest.approx(0.022456, abs=1e-6)
    recall = make_task("recall", 2000, k=10, seed=42)
    assert naive_mse(recall.X_valid, recall.y_valid) == pytest.approx(2 / 3, abs=0.1)
    assert mean_mse(recall.y_train, recall.y_valid) == pytest.approx(1 / 3, abs=0.05)


@pytest.mark.parametrize("kwargs, message", [
    ({"task": "copy"}, "task must be one of"),
    ({"n_examples": tasks.MIN_EXAMPLES - 1}, "n_examples must be in"),
    ({"n_examples": tasks.MAX_EXAMPLES + 1}, "n_examples must be in"),
    ({"n_examples": 100.0}, "n_examples must be an integer"),
    ({"steps": 0}, "steps must be in"),
    ({"steps": tasks.MAX_TASK_STEPS + 1}, "steps must be in"),
    ({"k": 0}, "k must be in"),
    ({"k": tasks.MAX_DELAY + 1}, "k must be in"),
    ({"k": True}, "k must be an integer"),
    ({"seed": -1}, "seed must be in"),
])
def test_caps_raise_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_task(**kwargs)
