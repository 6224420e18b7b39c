"""dashboard/sections/keras_lab.py's SharedRuns: a Keras lab run in progress, as other processes see it
through the database (the conftest's temporary SQLite file)."""
import math
import time

from dashboard.sections.keras_lab import SharedRuns, StoredResults
from dashboard.state import store
from rnncore.tf import training
KEY = ("train", "sine", 100, 10, ("SimpleRNN",), 4, 2, 12345, training.LEARNING_RATE, training.BATCH_SIZE)
REPORTS = [training.EpochReport("SimpleRNN", 1, 0.5, float("nan"), 1, 2),
           training.EpochReport("SimpleRNN", 2, 0.25, 0.3, 2, 2)]


def test_a_training_run_is_claimed_once_and_its_epochs_read_back():
    runs = SharedRuns()
    assert runs.peek(KEY) is None
    assert runs.claim(KEY, "process-a") and not runs.claim(KEY, "process-b")
    runs.beat(KEY, "process-a", REPORTS)
    seen = runs.peek(KEY)
    assert [(r.cell, r.epoch, r.train_loss, r.done, r.total) for r in seen] == \
        [(r.cell, r.epoch, r.train_loss, r.done, r.total) for r in REPORTS]
    assert math.isnan(seen[0].valid_mse) and seen[1].valid_mse == 0.3
    runs.release(KEY, "process-a")
    assert runs.peek(KEY) is None and runs.claim(KEY, "process-b")
    runs.release(KEY, "process-b")


def test_measurements_stay_local():
    runs, key = SharedRuns(), ("unroll", "LSTM", 50, 8)
    assert runs.claim(key, "process-a") and runs.claim(key, "process-b")  # both may measure: short work
    runs.beat(key, "process-a", [{"anything": 1}])
    assert runs.peek(key) is None and store.peek_run(StoredResults.text(key)) is None  # nothing written


def test_a_silent_holder_is_not_followed(monkeypatch):
    runs = SharedRuns()
    assert runs.claim(KEY, "process-a")
    runs.beat(KEY, "process-a", REPORTS[:1])
    assert runs.peek(KEY) is not None
    monkeypatch.setattr(time, "time", lambda real=time.time: real() + SharedRuns.STALE_S + 1)
    assert runs.peek(KEY) is None          # its process went quiet: followers may claim the run
    assert runs.claim(KEY, "process-b")
    runs.release(KEY, "process-b")
