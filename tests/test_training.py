"""rnncore.tf.training: seeded Keras models, training that beats the baselines, reports, stops, and unroll graphs."""
import numpy as np
import pytest

from rnncore import run_manual

from rnncore.lesson import tasks

from rnncore.tf import training
from rnncore.config import AGREEMENT as TOLERANCE
from rnncore.config import RNNWeights
from rnncore.lesson.tasks import make_task


@pytest.fixture(scope="module")
def sine_run():
    """All three cells on the page's default sine task for half its default epochs (5 of 10), to keep CI
    quick: the first 5 epochs of a default run, exactly (same seed, same batches)."""
    data = make_task("sine", n_examples=1000, steps=50, seed=42)
    return data, training.train(data, training.CELLS, units=16, epochs=5, seed=42)


def test_training_beats_the_naive_forecast_on_sine(sine_run):
    """Measured (seed 42): naive 0.0225; after 5 epochs SimpleRNN 0.0040, LSTM 0.0112, GRU 0.0060
    (after the default 10: 0.0040, 0.0045, 0.0052)."""
    data, result = sine_run
    assert result.naive_mse == pytest.approx(tasks.naive_mse(data.X_valid, data.y_valid))
    assert [h.cell for h in result.histories] == list(training.CELLS) and not result.stopped
    for history in result.histories:
        assert history.final_mse < 0.75 * result.naive_mse, history.cell
        assert history.final_mse < history.valid_mse[0]  # it improved while training


def test_histories_are_plain_numbers_and_the_mse_is_the_predictions(sine_run):
    data, result = sine_run
    for history in result.histories:
        assert history.train_loss.shape == history.valid_mse.shape == (5,)
        assert history.valid_prediction.shape == (len(data.y_valid),)
        recomputed = np.mean((history.valid_prediction - data.y_valid[:, 0].astype(np.float64)) ** 2)
        assert history.final_mse == pytest.approx(recomputed, rel=1e-12)
        assert np.all(np.isfinite(history.train_loss)) and history.seconds > 0
    assert result.mean_mse == pytest.approx(tasks.mean_mse(data.y_train, data.y_valid))


def test_the_same_seed_trains_the_same_model():
    data = make_task("recall", n_examples=100, k=5, seed=1)
    first, again = (training.train(data, ["SimpleRNN"], units=4, epochs=2, seed=3) for _ in range(2))
    np.testing.assert_array_equal(first.histories[0].valid_mse, again.histories[0].valid_mse)
    np.testing.assert_array_equal(first.histories[0].valid_prediction, again.histories[0].valid_prediction)
    from rnncore.tf.runtime import keras

    keras().utils.set_random_seed(1234)  # the global generators, reset elsewhere, decide nothing
    keras().random.normal((3,))
    np.random.seed(99)
    reseeded = training.train(data, ["SimpleRNN"], units=4, epochs=2, seed=3)
    np.testing.assert_array_equal(first.histories[0].valid_prediction, reseeded.histories[0].valid_prediction)
    other = training.train(data, ["SimpleRNN"], units=4, epochs=2, seed=4)
    assert not np.array_equal(first.histories[0].valid_prediction, other.histories[0].valid_prediction)


def test_initial_weights_depend_on_the_seed_only():
    """No global random state decides them: drawing from Keras's global generator in between changes nothing."""
    from rnncore.tf.runtime import keras

    first = training.build_model("LSTM", 8, seed=5).get_weights()
    keras().utils.set_random_seed(99)
    keras().random.normal((3,))
    for unroll in (False, True):
        for a, b in zip(first, training.build_model("LSTM", 8, seed=5, unroll=unroll, steps=4).get_weights()):
            np.testing.assert_array_equal(a, b)


def test_simple_rnn_model_agrees_with_the_numpy_reference_unrolled_or_not():
    X = make_task("recall", n_examples=20, k=6, seed=2).X_train[:8]  # (8, 7, 1)
    for unroll in (False, True):
        model = training.build_model("SimpleRNN", 5, seed=7, unroll=unroll, steps=7)
        Wx, Wy, b, W_dense, b_dense = model.get_weights()
        last = run_manual(X, RNNWeights(Wx, Wy, b, "tanh")).state          # (8, 5): Y at the last step
        np.testing.assert_allclose(model.predict_on_batch(X), last @ W_dense + b_dense, atol=TOLERANCE)


def test_every_epoch_is_reported_and_stop_ends_the_run():
    data = make_task("sine", n_examples=60, steps=10, seed=0)
    reports, busy = [], []

    def on_epoch(report):
        reports.append(report)
        busy.append(training.busy())

    result = training.train(data, ["SimpleRNN", "LSTM"], units=3, epochs=4, seed=0, on_epoch=on_epoch,
                            should_stop=lambda: len(reports) == 6)
    assert [(r.cell, r.epoch, r.done, r.total) for r in reports] == (
        [("SimpleRNN", e, e, 8) for e in (1, 2, 3, 4)] + [("LSTM", 1, 5, 8), ("LSTM", 2, 6, 8)])
    assert result.stopped and [len(h.valid_mse) for h in result.histories] == [4, 2]
    assert [r.valid_mse for r in reports[4:]] == list(result.histories[1].valid_mse)
    assert all(busy) and not training.busy()


def test_a_stop_asked_after_the_last_epoch_is_not_a_stop():
    data = make_task("sine", n_examples=40, steps=5, seed=0)
    reports = []
    result = training.train(data, ["SimpleRNN"], units=2, epochs=2, seed=0, on_epoch=reports.append,
                            should_stop=lambda: len(reports) == 2)
    assert not result.stopped and len(result.histories[0].valid_mse) == 2


def test_keras_clear_session_from_another_thread_changes_nothing():
    """Streamlit calls keras.backend.clear_session() after every script run of every session, so on a
    server it can land in the middle of another session's training: the numbers must not move."""
    import threading

    from rnncore.tf.runtime import keras

    data = make_task("sine", n_examples=100, steps=10, seed=1)
    alone = training.train(data, ["SimpleRNN", "LSTM"], units=4, epochs=3, seed=5)
    done, clears = threading.Event(), []

    def clear_sessions():
        while not done.is_set():
            keras().backend.clear_session(free_memory=False)
            clears.append(1)
            done.wait(0.01)

    clearer = threading.Thread(target=clear_sessions)
    clearer.start()
    try:
        disturbed = training.train(data, ["SimpleRNN", "LSTM"], units=4, epochs=3, seed=5)
    finally:
        done.set()
        clearer.join()
    assert len(clears) > 10
    for a, b in zip(alone.histories, disturbed.histories):
        np.testing.assert_array_equal(a.valid_prediction, b.valid_prediction)


def test_two_runs_at_once_are_the_runs_one_after_the_other():
    """No lock: two threads train together (different settings, and the same twice), with the numbers
    of serial runs, and both are counted as in progress while they overlap."""
    import threading

    data = make_task("sine", n_examples=100, steps=10, seed=3)
    jobs = [(("SimpleRNN", "GRU"), 6), (("LSTM",), 7), (("SimpleRNN", "GRU"), 6)]
    serial = [training.train(data, cells, units=4, epochs=3, seed=seed) for cells, seed in jobs]
    both_running = threading.Barrier(len(jobs), timeout=120)
    overlapping, results = [], [None] * len(jobs)

    def run(index: int, cells, seed) -> None:
        def on_epoch(report) -> None:
            if report.done == 1:  # every run waits here for the others: they overlap for sure
                both_running.wait()
                overlapping.append(training._active_runs)
        results[index] = training.train(data, cells, units=4, epochs=3, seed=seed, on_epoch=on_epoch)

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlapping == [len(jobs)] * len(jobs) and not training.busy()
    for alone, together in zip(serial, results):
        for a, b in zip(alone.histories, together.histories, strict=True):
            np.testing.assert_array_equal(a.valid_prediction, b.valid_prediction)
            np.testing.assert_array_equal(a.train_loss, b.train_loss)


def test_a_result_goes_through_bytes_without_pickle(sine_run):
    _, result = sine_run
    again = training.result_from_bytes(training.result_to_bytes(result))
    assert (again.naive_mse, again.mean_mse, again.stopped) == (result.naive_mse, result.mean_mse, result.stopped)
    for a, b in zip(result.histories, again.histories, strict=True):
        assert (a.cell, a.seconds) == (b.cell, b.seconds)
        for name in ("train_loss", "valid_mse", "valid_prediction"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    import io
    import pickle

    pickled = io.BytesIO()
    np.save(pickled, np.array([object()], dtype=object), allow_pickle=True)
    for payload in (b"", b"not an npz", pickle.dumps(result), pickled.getvalue()):
        with pytest.raises(ValueError):
            training.result_from_bytes(payload)


def test_training_leaves_no_graph_behind():
    """TF keeps every traced custom gradient in a process-wide registry, with the whole traced training
    graph in its closure (~12 MB per model, measured: a server's memory grew ~35 MB per default run).
    train() removes its own entries, so after a run no traced graph is left alive."""
    import gc

    from tensorflow.python.framework import func_graph

    def graphs_alive() -> int:
        gc.collect()
        return sum(isinstance(o, func_graph.FuncGraph) for o in gc.get_objects())

    data = make_task("sine", n_examples=40, steps=5, seed=0)
    training.train(data, ["SimpleRNN"], units=2, epochs=1, seed=0)  # TF's own one-off state first
    registered, alive = training._custom_gradients(), graphs_alive()
    result = training.train(data, ["LSTM", "GRU"], units=2, epochs=2, seed=0)
    assert len(result.histories) == 2 and training._custom_gradients() == registered
    assert graphs_alive() <= alive


def test_recall_at_a_large_k_what_was_measured():
    """The page's defaults with k = 30 (1000 series, 16 units, 10 epochs, seed 42).

    Expected from the textbooks: the gated cells (LSTM, GRU) beat SimpleRNN when the memory must span
    many steps. Measured here, within this budget, the opposite: SimpleRNN 0.039, LSTM 0.177 and still
    falling, GRU 0.348 = the mean baseline (0.347: nothing remembered); the naive forecast is 0.623.
    The same order held for seeds 1 and 2 on a smaller run (600 series, 8 epochs). A likely reason: at
    initialisation Keras's orthogonal recurrent kernel lets SimpleRNN carry a value almost unchanged,
    while an LSTM's forget gate starts at sigmoid(1) = 0.73 (0.73**30 = 8e-5) and a GRU's update gate at
    about 0.5; an LSTM whose forget-gate bias starts at 3 instead of 1 reached 0.135 (vs 0.345) at
    k = 30 in 10 epochs on 800 series. The test pins the measured order, with margins.
    """
    data = make_task("recall", n_examples=1000, k=30, seed=42)
    result = training.train(data, training.CELLS, units=16, epochs=10, seed=42)
    final = {h.cell: h.final_mse for h in result.histories}
    assert final["SimpleRNN"] < 0.3 * result.mean_mse                 # it remembers
    assert final["SimpleRNN"] < 0.5 * final["LSTM"]
    assert final["LSTM"] < 0.8 * result.mean_mse                      # it has begun to remember
    assert final["GRU"] == pytest.approx(result.mean_mse, rel=0.05)  # not yet: the mean's error
    assert result.naive_mse > 1.5 * result.mean_mse                    # the last value is no clue


def test_unrolled_graphs_grow_with_the_steps_and_loops_do_not():
    for cell in ("SimpleRNN", "GRU"):
        short, long = (training.measure_unroll(cell, steps, units=4, batch=2, runs=1) for steps in (5, 10))
        loop_short, unrolled_short = short
        loop_long, unrolled_long = long
        assert not loop_short["unroll"] and unrolled_short["unroll"] and unrolled_long["steps"] == 10
        assert loop_short["op_count"] == loop_long["op_count"]
        assert unrolled_long["op_count"] > unrolled_short["op_count"] > loop_short["op_count"]
        assert unrolled_long["graphdef_bytes"] > unrolled_short["graphdef_bytes"]
        # five more steps add five more copies of the step: the growth per step is the same both times
        per_step = (unrolled_long["op_count"] - unrolled_short["op_count"]) / 5
        assert per_step == int(per_step) and per_step > 0


@pytest.mark.parametrize("kwargs, message", [
    ({"cells": []}, "cells must be one or more"),
    ({"cells": ["RNN"]}, "cells must be one or more"),
    ({"cells": ["LSTM", "LSTM"]}, "cells must be one or more"),
    ({"units": 0}, "units must be in"),
    ({"units": training.MAX_UNITS + 1}, "units must be in"),
    ({"epochs": 0}, "epochs must be in"),
    ({"epochs": training.MAX_EPOCHS + 1}, "epochs must be in"),
    ({"epochs": 2.0}, "epochs must be an integer"),
    ({"seed": -1}, "seed must be in"),
])
def test_caps_raise_value_error(kwargs, message):
    data = make_task("sine", n_examples=20, steps=3)
    with pytest.raises(ValueError, match=message):
        training.train(data, **{"cells": ["SimpleRNN"], **kwargs})


def test_measure_unroll_caps():
    with pytest.raises(ValueError, match="cells must be"):
        training.measure_unroll("RNN", 5, 4)
    with pytest.raises(ValueError, match="steps must be in"):
        training.measure_unroll("LSTM", tasks.MAX_TASK_STEPS + 1, 4)
    with pytest.raises(ValueError, match="units must be in"):
        training.measure_unroll("GRU", 5, training.MAX_UNITS + 1)
    with pytest.raises(ValueError, match=r"seed must be in 0..2147483647, got -1"):
        training.measure_unroll("GRU", 5, 4, seed=-1)


def test_epoch_reports_survive_json_and_a_diverged_loss_stays_nan():
    import json
    import math

    report = training.EpochReport("LSTM", 3, 0.25, float("nan"), 7, 30)
    back = training.report_from_dict(json.loads(json.dumps(training.report_to_dict(report), allow_nan=False)))
    assert back.cell == "LSTM" and back.epoch == 3 and back.train_loss == 0.25 and math.isnan(back.valid_mse)
    assert (back.done, back.total) == (7, 30)
    with pytest.raises(ValueError):
        training.report_from_dict({"cell": "LSTM"})
