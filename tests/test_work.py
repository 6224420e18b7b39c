"""dashboard/state/work.py's kinds and dashboard/state/workers.py's start: what a worker receives is what
the page meant, results travel as bytes without pickle, and a served process starts its workers once."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from tests.at_once import at_once

from dashboard.sections import keras_lab, text_lab
from dashboard.state import jobs, work, workers
from rnncore.lesson import tasks
from rnncore.text import CharRNNWeights, StatelessWeights
from rnncore.tf import chars_model


def test_every_page_names_a_kind_that_exists():
    assert set(keras_lab.KINDS.values()) | {text_lab.KIND} <= set(work.KINDS)
    with pytest.raises(ValueError, match="no work of kind 'nope'"):
        work.work("nope")


def test_the_worker_builds_the_data_the_keras_page_shows(monkeypatch):
    """The page draws its baselines from `data_for(s)`; the worker trains on the data `params(s)` names."""
    s = keras_lab.LabSettings("recall", 100, 10, 3, ("SimpleRNN",), 4, 2, 5)
    seen = {}
    monkeypatch.setattr("rnncore.tf.training.train", lambda data, *args, **kwargs: seen.update(data=data, args=args))
    work.work("keras_lab.train").run(keras_lab.params(s), None, None)
    expected = tasks.make_task(s.task, s.examples, s.steps, s.k, s.seed)
    assert np.array_equal(seen["data"].X_train, expected.X_train) and np.array_equal(seen["data"].y_valid, expected.y_valid)
    assert seen["args"] == (s.cells, s.units, s.epochs, s.seed)


def test_a_text_result_travels_as_bytes_and_comes_back_equal():
    rng = np.random.default_rng(0)
    vocab, units, steps = ("e", "h", "l", "o"), 3, 4
    result = chars_model.TextResult(
        "hello", vocab, rng.random(5), rng.random(5),
        CharRNNWeights("SimpleRNN", rng.random((4, units)), rng.random((units, units)), rng.random(units),
                       rng.random((units, 4)), rng.random(4)),
        StatelessWeights(rng.random((4, 4)), rng.random(4)),
        rng.random((steps, 4)), rng.random((steps, units)), rng.random((steps, 4)), False, 1.25)
    payload = work.work("text_lab.train").encode(result)
    back = work.work("text_lab.train").decode(payload)
    assert (back.text, back.vocab, back.stopped, back.seconds, back.rnn.cell) == ("hello", vocab, False, 1.25, "SimpleRNN")
    for name in ("rnn_loss", "stateless_loss", "keras_probs", "keras_hidden", "keras_stateless_probs"):
        assert np.array_equal(getattr(back, name), getattr(result, name))
    assert all(np.array_equal(getattr(back.rnn, n), getattr(result.rnn, n)) for n in ("Wx", "Wh", "b", "Wy", "by"))
    for foreign in (b"\x80\x04 a pickle", payload[:100]):  # refused, never unpickled
        with pytest.raises(ValueError):
            chars_model.result_from_bytes(foreign)


def test_a_text_epoch_travels_as_json():
    epoch = chars_model.TextEpoch(3, 0.5, 0.75, 100)
    kind = work.work("text_lab.train")
    assert kind.snapshot_from_json(kind.snapshot_to_json(epoch)) == epoch


class FakePopen:
    started: list = []

    def __init__(self, command, **kwargs):
        self.command, self.env, self.pid = command, kwargs["env"], 4242
        FakePopen.started.append(self)

    def poll(self):
        return 0


def test_a_served_process_starts_its_workers_once_however_many_sessions_ask(monkeypatch):
    monkeypatch.setattr(workers, "_started", None)
    monkeypatch.setattr(FakePopen, "started", [])
    monkeypatch.setattr(workers.subprocess, "Popen", FakePopen)
    monkeypatch.setattr(workers.atexit, "register", lambda *args: None)
    monkeypatch.setenv(jobs.WORKERS_ENV, "3")
    assert at_once(lambda i: workers.start_for_server(), 8) == []
    (started,) = FakePopen.started
    assert started.command[-4:] == ["--workers", "3", "--parent", str(workers.os.getpid())]
    assert str(jobs.ROOT) in started.env["PYTHONPATH"].split(":")
    assert workers.start_for_server() is started


def test_no_workers_are_started_when_they_run_elsewhere(monkeypatch):
    monkeypatch.setattr(workers, "_started", None)
    monkeypatch.setattr(workers.subprocess, "Popen", lambda *a, **k: pytest.fail("a worker was started"))
    monkeypatch.setenv(jobs.WORKERS_ENV, "0")
    assert workers.start_for_server() is None


def test_the_page_tests_runtime_starts_no_workers(monkeypatch):
    """AppTest's runtime is not a real server: its pages use a queue of the test's own."""
    from tests.apptest import open_page

    monkeypatch.setattr(workers, "start_for_server", lambda: pytest.fail("AppTest started workers"))
    open_page("overview")
    assert not threading.current_thread().daemon
