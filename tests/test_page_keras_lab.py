"""The Keras lab page through AppTest: training on demand as shared jobs, the numbers shown are rnncore's,
the store, the stop, the queue.

Each test's page talks to a job queue and a database of the test's own (`view.lab_queue` patched, the
SQLite files in a temporary folder, the workers threads of the test process). AppTest does not run the live fragment's timer, so a test waits for
the job itself (`finish`) and then reruns the page. Tests that need a run in progress hold it at its
start with a gate, so nothing depends on timing."""
from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest
from streamlit import dataframe_util

from tests.apptest import assert_clean, open_page
from tests.browser.live import wait_until
from dashboard.sections import keras_lab as view
from dashboard.settings import SETTINGS
from rnncore.tf import training
from tests.jobs_fixtures import LocalQueue

from dashboard.state import jobs
from rnncore.lesson.tasks import make_task

# Small settings: two cells, 100 series of 10 steps, 2 epochs of 4 units (a few seconds with TF loaded).
SMALL = {"lab_examples": 100, "lab_steps": 10, "lab_units": 4, "lab_epochs": 2, "lab_seed": 7}
SMALL_SETTINGS = view.LabSettings("sine", 100, 10, 10, ("SimpleRNN", "GRU"), 4, 2, 7)


WAIT_S = 120  # a deadline for a broken queue, never reached by a working one


def make_queue(monkeypatch, tmp_path, workers: int = 2) -> LocalQueue:
    """A job queue and a database of the caller's own, used by the page from now on (its workers are
    threads of this process: `gated_runs` holds their runs)."""
    monkeypatch.setenv("RECURRENCE_LAB_DB_PATH", str(tmp_path / "lab.sqlite3"))
    monkeypatch.setattr(jobs, "LEASE_S", WAIT_S * 5)  # AppTest polls no fragment: a waiter only asks when told
    queue = LocalQueue(tmp_path, workers)
    monkeypatch.setattr(view, "lab_queue", lambda: queue)
    return queue


@pytest.fixture(scope="module", autouse=True)
def module_queue(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        queue = make_queue(monkeypatch, tmp_path_factory.mktemp("lab"))
        yield queue
        queue.close()


@pytest.fixture
def fresh_queue(monkeypatch, tmp_path):
    queue = make_queue(monkeypatch, tmp_path)
    yield queue
    queue.close()


@pytest.fixture
def gated_runs(monkeypatch):
    """training.train counted, each run held at its start until the test sets the gate."""
    gate, calls, real = threading.Event(), [], training.train

    def counted(*args, **kwargs):
        calls.append(args[1:4])  # cells, units, epochs
        assert gate.wait(WAIT_S), "the test never opened the gate"
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "train", counted)
    yield gate, calls
    gate.set()


def started(calls: list) -> None:
    """Until a worker has begun a run (held at its start by the gate)."""
    deadline = time.monotonic() + WAIT_S
    while not calls:
        assert time.monotonic() < deadline, "no run started"
        time.sleep(0.05)


def finish(at) -> None:
    """Wait for the run this session waits for (if any) to end, then rerun the page as its poll would."""
    ticket = at.session_state[view.TICKET] if view.TICKET in at.session_state else None
    deadline = time.monotonic() + WAIT_S
    while ticket is not None and not view.lab_queue().wait(ticket, timeout=1).finished:
        assert time.monotonic() < deadline, "the run never finished"
    at.run()
    assert_clean(at)


def progress_texts(at) -> list[str]:
    return [element.proto.text for element in at.get("progress")]


def charts(at) -> list[dict]:
    """Every Vega-Lite chart on the page: its spec, with "datasets" as DataFrames."""
    found = []
    for element in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        spec["datasets"] = {d.name: dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data)
                            for d in element.proto.datasets}
        found.append(spec)
    return found


def small_page():
    at = open_page("keras_lab")
    for key, value in SMALL.items():
        at.slider(key=key).set_value(value)
    at.toggle(key="lab_lstm").set_value(False)
    at.run()
    assert_clean(at)
    return at


@pytest.fixture(scope="module")
def trained():
    at = small_page()
    at.button(key="lab_train").click().run()
    assert_clean(at)
    finish(at)
    return at


def test_the_page_opens_at_its_defaults_and_trains_nothing():
    at = open_page("keras_lab")
    assert at.selectbox(key="lab_task").value == "sine" and at.slider(key="lab_k").value == 10
    assert at.slider(key="lab_epochs").value == 10 and at.slider(key="lab_examples").value == 1000
    assert all(at.toggle(key=key).value for key in view.CELL_KEYS.values())
    assert any("Press **Train**" in info.value for info in at.info)
    assert not at.dataframe and not charts(at)


def test_train_shows_rnncores_numbers_beside_the_baselines(trained):
    table = trained.dataframe[0].value
    assert list(table.index) == ["SimpleRNN", "GRU", *view.BASELINES.values()]
    expected = training.train(make_task("sine", 100, 10, 10, 7), ("SimpleRNN", "GRU"), 4, 2, 7)
    shown = table["validation MSE"].to_numpy()
    np.testing.assert_array_equal(shown, [h.final_mse for h in expected.histories]
                                  + [expected.naive_mse, expected.mean_mse])
    np.testing.assert_allclose(table["÷ naive MSE"].to_numpy(), shown / expected.naive_mse, rtol=1e-12)
    assert table["÷ naive MSE"]["naive: last value read"] == 1.0
    assert list(table.columns) == ["validation MSE", "÷ naive MSE"]
    assert any(c.value.startswith("Training time of this run: SimpleRNN ") for c in trained.caption)


def test_the_loss_chart_has_every_epoch_and_both_baselines(trained):
    (spec,) = [c for c in charts(trained) if "layer" in c]
    lines, points = spec["layer"][1]["encoding"], spec["layer"][2]["encoding"]  # rules, lines, points, labels
    assert (lines["x"]["field"], lines["y"]["field"], lines["color"]["field"], lines["strokeDash"]["field"]) == (
        "epoch", "mse", "cell", "split")
    assert lines["y"]["scale"]["type"] == "log"
    assert [t["field"] for t in points["tooltip"]] == ["cell", "split", "epoch", "mse"]
    frames = sorted(spec["datasets"].values(), key=len)
    baselines, history = frames[0], frames[-1]
    assert len(history) == 2 * 2 * 2  # cells x epochs x (training, validation)
    assert set(history["cell"]) == {"SimpleRNN", "GRU"} and set(history["epoch"]) == {1, 2}
    table = trained.dataframe[0].value
    last = history[(history["split"] == "validation") & (history["epoch"] == 2)].set_index("cell")["mse"]
    assert last["GRU"] == table["validation MSE"]["GRU"]
    assert sorted(baselines["mse"]) == sorted(table["validation MSE"][list(view.BASELINES.values())])


def test_a_stored_run_shows_again_without_training(trained):
    before = trained.dataframe[0].value
    trained.run()  # a rerun without pressing Train: the stored result, same training times (no new run)
    assert_clean(trained)
    assert trained.dataframe[0].value.equals(before)
    trained.button(key="lab_train").click().run()  # Train again with the same settings: the stored run
    assert_clean(trained)
    assert trained.dataframe[0].value.equals(before)
    assert any("trained before" in info.value for info in trained.info)
    fresh = small_page()  # another session, the same settings: shown at once
    assert fresh.dataframe[0].value.equals(before)


def test_a_stopped_run_shows_its_curves_so_far_and_is_not_stored():
    at = small_page()
    at.slider(key="lab_seed").set_value(8).run()
    settings = view.LabSettings(**{**SMALL_SETTINGS.__dict__, "seed": 8})
    rows = [{"cell": "SimpleRNN", "epoch": 1, "split": split, "mse": mse}
            for split, mse in (("training", 0.5), ("validation", 0.25))]
    assert at.button(key="lab_stop").disabled                      # no run to stop yet
    at.session_state[view.PARTIAL] = {"key": settings.key, "rows": rows, "stop": True}  # as Stop's stop_waiting keeps it
    at.run()
    assert_clean(at)
    assert any("stopped after 1 of 4 epochs (Stop was pressed)" in w.value for w in at.warning)
    assert not at.dataframe and len(charts(at)) == 1
    assert view.stored(settings.key) is None


def test_no_cell_turned_on_gives_a_notice_and_no_train_button():
    at = open_page("keras_lab")
    for key in view.CELL_KEYS.values():
        at.toggle(key=key).set_value(False)
    at.run()
    assert_clean(at)
    assert any("at least one" in w.value for w in at.warning)
    assert at.button(key="lab_train").disabled and at.button(key="lab_measure").disabled


def test_a_link_sets_every_control():
    query = {"lab_task": "recall", "lab_k": "4", "lab_steps": "20", "lab_examples": "300", "lab_units": "3",
             "lab_epochs": "5", "lab_seed": "9", "lab_lstm": "false"}
    at = open_page("keras_lab", query)
    assert at.selectbox(key="lab_task").value == "recall"
    assert [at.slider(key=key).value for key in ("lab_k", "lab_steps", "lab_examples", "lab_units", "lab_epochs",
                                                  "lab_seed")] == [4, 20, 300, 3, 5, 9]
    assert [at.toggle(key=key).value for key in view.CELL_KEYS.values()] == [True, False, True]
    assert not [w.value for w in at.warning if "could not be used" in w.value]


def test_measure_the_graphs_shows_unroll_true_and_false():
    at = open_page("keras_lab", {"lab_task": "recall", "lab_k": "4", "lab_units": "3", "lab_lstm": "false",
                                 "lab_gru": "false"})
    assert at.selectbox(key="lab_task").value == "recall"  # the graphs are for k + 1 = 5 steps
    at.button(key="lab_measure").click().run()
    assert_clean(at)
    (spec,) = [c for c in charts(at) if "facet" in c]
    (frame,) = spec["datasets"].values()
    assert set(frame["cell"]) == {"SimpleRNN"} and set(frame["unroll"]) == {"False", "True"}
    operations = frame[frame["measure"] == "graph operations"].set_index("unroll")["value"]
    assert operations["True"] > operations["False"]
    rows = view.stored(view.unroll_key(view.LabSettings("recall", 1000, 50, 4, ("SimpleRNN",), 3, 10, 42)))
    assert rows is not None and {row["steps"] for row in rows} == {5}
    assert operations.to_dict() == {str(row["unroll"]): row["op_count"] for row in rows}
    assert spec["spec"]["encoding"]["xOffset"]["field"] == "unroll"


def test_identical_concurrent_training_requests_run_once(fresh_queue, gated_runs):
    gate, calls = gated_runs
    first, second = small_page(), small_page()  # two students, the same settings
    first.button(key="lab_train").click().run()
    second.button(key="lab_train").click().run()  # while the first one's run is held at its start
    assert_clean(first), assert_clean(second)
    assert any("you joined their run (1 other student waiting" in i.value for i in second.info)
    assert any("2 students are waiting for this run" in text for text in progress_texts(second))
    gate.set()
    finish(first), finish(second)
    assert calls == [(("SimpleRNN", "GRU"), 4, 2)]  # trained once
    assert first.dataframe[0].value.equals(second.dataframe[0].value)
    assert first.caption[-1].value == second.caption[-1].value  # the same run's training times


def test_a_run_in_progress_shows_its_epoch_and_curves(fresh_queue, monkeypatch):
    """A run held after its first epoch: the page shows that epoch, the pace still being measured, and the
    live curves (the part of the page the live fragment redraws)."""
    gate, reported, real = threading.Event(), threading.Event(), training.train

    def held(*args, on_epoch=None, **kwargs):
        def report(epoch):
            on_epoch(epoch)
            reported.set()
            assert gate.wait(WAIT_S), "the test never opened the gate"
        return real(*args, on_epoch=report, **kwargs)

    monkeypatch.setattr(training, "train", held)
    at = small_page()
    at.slider(key="lab_seed").set_value(11).run()
    at.button(key="lab_train").click().run()
    try:
        assert reported.wait(WAIT_S), "no epoch was reported"
        wait_until(lambda: fresh_queue.status(at.session_state[view.TICKET]).progress, WAIT_S,
                   what="the first epoch in the queue")
        at.run()
        assert_clean(at)
        (text,) = progress_texts(at)
        assert text.startswith("SimpleRNN: epoch 1 of 2 (validation MSE ") and "Measuring how long" in text
        assert len(charts(at)) == 1
    finally:
        gate.set()
    finish(at)
    assert at.dataframe


def test_a_student_behind_another_run_sees_a_place_in_the_queue(monkeypatch, tmp_path, gated_runs):
    gate, calls = gated_runs
    queue = make_queue(monkeypatch, tmp_path, workers=1)
    try:
        first, second = small_page(), small_page()
        second.slider(key="lab_seed").set_value(8).run()  # other settings: a run of its own
        first.button(key="lab_train").click().run()
        started(calls)  # the one worker has taken the first run
        second.button(key="lab_train").click().run()
        assert_clean(second)
        (waiting,) = progress_texts(second)
        assert waiting.startswith("Waiting: place 1 in the queue. Expected in about ")
        gate.set()
        finish(first), finish(second)
        assert len(calls) == 2 and first.dataframe and second.dataframe
    finally:
        queue.close()


def test_one_students_stop_leaves_the_others_run_going(fresh_queue, gated_runs):
    gate, calls = gated_runs
    first, second = small_page(), small_page()
    first.button(key="lab_train").click().run()
    second.button(key="lab_train").click().run()
    ticket = second.session_state[view.TICKET]
    started(calls)
    first.button(key="lab_stop").click().run()
    assert_clean(first)
    assert view.TICKET not in first.session_state and not first.get("progress") and not first.dataframe
    assert fresh_queue.status(ticket).state == "running" and fresh_queue.status(ticket).waiters == 1
    gate.set()
    finish(second)
    assert fresh_queue.status(ticket).state == "done" and len(calls) == 1 and second.dataframe
    first.run()  # the run the first student left finished for the other one: stored, so shown here too
    assert first.dataframe[0].value.equals(second.dataframe[0].value)


def test_a_full_queue_gives_a_clear_message(monkeypatch, tmp_path, gated_runs):
    gate, calls = gated_runs
    queue = make_queue(monkeypatch, tmp_path, workers=1)
    queue.max_waiting = 1
    try:
        pages = [small_page() for _ in range(3)]
        for seed, at in zip((7, 8, 9), pages):
            at.slider(key="lab_seed").set_value(seed).run()
            at.button(key="lab_train").click().run()
            if seed == 7:
                started(calls)  # the one worker holds the first run: the second waits, the third finds it full
        assert_clean(pages[2])
        assert any("The queue is full" in e.value for e in pages[2].error)
        assert view.TICKET not in pages[2].session_state
    finally:
        gate.set()
        queue.close()


def test_a_stored_result_is_read_without_pickle(fresh_queue):
    """What another server process stored is what the page shows; a foreign payload is not trusted."""
    settings = view.LabSettings("sine", 100, 10, 10, ("SimpleRNN",), 4, 2, 7)
    result = training.LabResult((training.CellHistory("SimpleRNN", np.array([0.5, 0.25]), np.array([0.3, 0.125]),
                                                      1.0, np.zeros(20)),), 0.5, 0.25, False)
    foreign = view.LabSettings("sine", 100, 10, 10, ("SimpleRNN",), 4, 2, 70)
    from dashboard.state import store
    with store.transaction(store.engine()) as conn:
        for key, payload in ((settings.key, training.result_to_bytes(result)), (foreign.key, b"\x80\x04not an npz")):
            store.put_result(conn, jobs.key_text(key), jobs.code_version(), "keras_lab.train", payload)
    assert view.stored(settings.key).histories[0].final_mse == 0.125
    assert view.stored(foreign.key) is None


@pytest.mark.parametrize("query", [
    {"lab_k": "abc"}, {"lab_epochs": "1e9"}, {"lab_task": "<script>alert(1)</script>"},
    {"lab_simple": "maybe"}, {"lab_units": "nan"}, {"lab_examples": "-5"}, {"lab_seed": "12345"},
])
def test_hostile_url_values_give_a_notice_and_the_default(query):
    at = open_page("keras_lab", query)
    (key, _), = query.items()
    notices = [w.value for w in at.warning if "could not be used" in w.value]
    assert notices and f"`{key}" in notices[0]
    widget = at.selectbox(key=key) if key == "lab_task" else (
        at.toggle(key=key) if key == "lab_simple" else at.slider(key=key))
    assert widget.value == SETTINGS[key].default


def test_a_fractional_seed_in_a_link_gets_a_notice():
    """Streamlit's slider reads lab_seed=4.5 as 4 (measured); the notice names that value."""
    at = open_page("keras_lab", {"lab_seed": "4.5"})
    assert any("`lab_seed=4.5` is not a whole number; using 4." in w.value for w in at.warning)
    assert at.slider(key="lab_seed").value == 4
