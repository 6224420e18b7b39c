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


def test_time_left_comes_from_the_epochs_this_page_saw_finish():
    from dashboard.sections.keras_lab import left_text, remaining_s

    assert remaining_s([], 20) is None and remaining_s([(3, 100.0)], 20) is None  # one count: no pace yet
    assert remaining_s([(3, 100.0), (3, 104.0)], 20) is None
    # 2 epochs in 6 s: 3 s an epoch, 15 epochs left
    assert remaining_s([(3, 100.0), (4, 103.5), (5, 106.0)], 20) == 45.0
    assert remaining_s([(1, 0.0), (20, 38.0)], 20) == 0.0
    assert left_text(None) == "Measuring how long an epoch takes…"
    assert left_text(45.0) == "About 45 s left, at the pace of the epochs so far."
