"""The Keras lab page's settings, its training runs as shared jobs, and its tidy frames.

A training run is a job of the job queue (`dashboard.state.jobs`), trained by a worker process and named by
its settings (`LabSettings.key`): a student who presses Train with settings someone is already training,
on any server process, joins that run and sees the same live curves; settings already trained show
their stored result at once; other settings wait in the queue, where the page shows the student's place
and an estimate. The live part of the page is a fragment that polls the job every POLL_S seconds (no
script run is held open). Stop ends only this student's wait: the run goes on while anyone else waits for it.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard import chart_cache, charts
from dashboard.state import jobs
from rnncore.lesson import notebooks, tasks
from rnncore.tf import training
CELL_KEYS = {"SimpleRNN": "lab_simple", "LSTM": "lab_lstm", "GRU": "lab_gru"}
WAITER = "_lab_waiter"    # session state: this student's id in the job queue
TICKET = "_lab_ticket"    # session state: this student's claim on a run until it ends or they stop waiting
PARTIAL = "_lab_partial"  # session state: the curves of a run this student stopped waiting for
EPOCHS_SEEN = "_lab_epochs_seen"  # session state: run key -> [(epochs done, when this page first saw it)]
BASELINES = {"naive": "naive: last value read", "mean": "mean of the training targets"}
POLL_S = 1.0   # the live fragment's polling period: about a default epoch on 2 cores
MEASURE_TIMEOUT_S = 300  # far past the graph measurement at the largest settings (README "Caps": its CPU)


@dataclass(frozen=True)
class LabSettings:
    task: str
    examples: int
    steps: int    # sine: values read per series
    k: int        # recall: steps back
    cells: tuple
    units: int
    epochs: int
    seed: int

    @property
    def length(self) -> int:
        """Steps per sequence the model reads."""
        return self.steps if self.task == "sine" else self.k + 1

    @property
    def key(self) -> tuple:
        """What decides a run; a setting the task does not use is left out, so it splits no job."""
        return ("train", self.task, self.examples, self.length, self.cells, self.units, self.epochs, self.seed,
                training.LEARNING_RATE, training.BATCH_SIZE)


KINDS = {"train": "keras_lab.train", "unroll": "keras_lab.unroll"}  # a key's first item -> its work


def lab_queue() -> jobs.JobQueue:
    return jobs.default_queue()


def params(s: LabSettings) -> dict:
    """What the worker needs to train `s` (dashboard.state.work's "keras_lab.train")."""
    return {"task": s.task, "examples": s.examples, "steps": s.steps, "k": s.k, "seed": s.seed,
            "cells": list(s.cells), "units": s.units, "epochs": s.epochs}


def stored(key: tuple):
    """The finished run (or measurement) for `key` that any process stored for this code, or None; decoded
    once per process, not on every rerun of every student."""
    return lab_queue().stored(KINDS[key[0]], key)


@st.cache_data(max_entries=16, show_spinner=False)
def task_data(task: str, examples: int, steps: int, k: int, seed: int) -> tasks.TaskData:
    return tasks.make_task(task, examples, steps, k, seed)


def data_for(s: LabSettings) -> tasks.TaskData:
    return task_data(s.task, s.examples, s.steps, s.k, s.seed)


def baselines_frame(naive: float, mean: float) -> pd.DataFrame:
    return pd.DataFrame({"baseline": list(BASELINES.values()), "mse": [naive, mean]})


@st.cache_data(max_entries=16, show_spinner=False)
def _baselines(task: str, examples: int, steps: int, k: int, seed: int) -> pd.DataFrame:
    data = task_data(task, examples, steps, k, seed)
    return baselines_frame(tasks.naive_mse(data.X_valid, data.y_valid), tasks.mean_mse(data.y_train, data.y_valid))


def baselines_for(s: LabSettings) -> pd.DataFrame:
    """The two baselines' validation MSE for `s`'s data, once per data (the live chart asks every poll)."""
    return _baselines(s.task, s.examples, s.steps, s.k, s.seed)


def history_rows(report: training.EpochReport) -> list[dict]:
    return [{"cell": report.cell, "epoch": report.epoch, "split": "training", "mse": report.train_loss},
            {"cell": report.cell, "epoch": report.epoch, "split": "validation", "mse": report.valid_mse}]


def history_frame(result: training.LabResult) -> pd.DataFrame:
    return pd.DataFrame([{"cell": h.cell, "epoch": epoch + 1, "split": split, "mse": float(values[epoch])}
                         for h in result.histories
                         for split, values in (("training", h.train_loss), ("validation", h.valid_mse))
                         for epoch in range(len(values))])


def results_table(result: training.LabResult) -> pd.DataFrame:
    """One row per model and per baseline: validation MSE, and how it compares with the naive forecast."""
    rows = [(h.cell, h.final_mse) for h in result.histories]
    rows += list(zip(BASELINES.values(), (result.naive_mse, result.mean_mse)))
    return pd.DataFrame([{"model": model, "validation MSE": mse, "÷ naive MSE": mse / result.naive_mse}
                         for model, mse in rows]).set_index("model")


@chart_cache.cached_spec
def loss_spec(key: tuple, _result: training.LabResult):
    """The finished run's loss chart, built and validated once per run (`key`: the run's settings)."""
    baselines = baselines_frame(_result.naive_mse, _result.mean_mse)
    return charts.loss_curves(history_frame(_result), baselines)


def times_text(result: training.LabResult) -> str:
    return "Training time of this run: " + ", ".join(f"{h.cell} {h.seconds:.1f} s" for h in result.histories) + "."


def waiter_id() -> str:
    if WAITER not in st.session_state:
        st.session_state[WAITER] = uuid.uuid4().hex
    return st.session_state[WAITER]


def submit(s: LabSettings) -> tuple[str, str] | None:
    """Train pressed: join or queue the run for `s`. Returns a notice (level, text) or None."""
    try:
        ticket = lab_queue().submit(KINDS["train"], s.key, params(s), waiter_id())
    except jobs.QueueFull as full:
        return "error", str(full)
    status = lab_queue().status(ticket)
    if status.state == "done":
        return "info", "These settings were trained before: this is the stored run. Change the seed to train anew."
    st.session_state[TICKET] = ticket
    others = status.waiters - 1
    return ("info", f"Someone is already training these settings: you joined their run ({others} other "
                    f"student{'s' if others != 1 else ''} waiting for it).") if others else None


def stop_waiting(stop: bool = False) -> None:
    """Leave this student's run (Stop, or settings changed): keep its curves so far as PARTIAL."""
    ticket = st.session_state.pop(TICKET, None)
    if ticket is None:
        return
    status = lab_queue().status(ticket)
    lab_queue().leave(ticket)
    if status.state != "done":
        st.session_state[PARTIAL] = {"key": ticket.key, "rows": rows_of(status.progress), "stop": stop}


def settle(s: LabSettings) -> tuple[str, str] | None:
    """Before drawing: drop this student's claim on a run that ended or whose settings are no longer
    the page's. Returns a notice for a run that failed or ended without a waiter."""
    ticket = st.session_state.get(TICKET)
    if ticket is None:
        return None
    if ticket.key != s.key:
        stop_waiting()
        return None
    status = lab_queue().status(ticket)
    if not status.finished:
        return None
    del st.session_state[TICKET]
    if status.state == "failed":
        return "error", (status.error if status.error == jobs.LOST_MESSAGE else
                         "This training run failed on the server (its log has the details). Press Train to try again.")
    if status.state == "stopped":
        st.session_state[PARTIAL] = {"key": s.key, "rows": rows_of(status.progress), "stop": False}
    return None


def waiting(s: LabSettings) -> bool:
    """Whether this student waits for a run of `s` (then the page shows `live_run`)."""
    ticket = st.session_state.get(TICKET)
    return ticket is not None and ticket.key == s.key


def rows_of(progress) -> list[dict]:
    return [row for report in progress for row in history_rows(report)]


def duration_text(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def remaining_s(seen: list[tuple[int, float]], total: int) -> float | None:
    """Seconds left at the pace this page measured: `seen` holds (epochs done, clock time when this page
    first saw that count); the time between the first and the last count over the epochs finished between
    them is one epoch's time. None until two counts were seen: the first epoch alone also holds
    TensorFlow's start-up, and the mean of other runs is no guide to one with other settings."""
    if len(seen) < 2 or seen[-1][0] <= seen[0][0]:
        return None
    (first_done, first_at), (last_done, last_at) = seen[0], seen[-1]
    return (last_at - first_at) / (last_done - first_done) * max(total - last_done, 0)


def left_text(seconds: float | None) -> str:
    return ("Measuring how long an epoch takes…" if seconds is None
            else f"About {duration_text(seconds)} left, at the pace of the epochs so far.")


@chart_cache.cached_spec
def live_spec(key: tuple, done: int, _rows: list[dict], _baselines: pd.DataFrame):
    """The loss chart after `done` epochs of the run `key`: built once however many students watch."""
    return charts.loss_curves(pd.DataFrame(_rows), _baselines)


@st.fragment(run_every=POLL_S)
def live_run(s: LabSettings) -> None:
    """This student's run as it stands: place and estimate while queued, curves while training. When it
    ends, the whole page reruns (and shows the result without polling)."""
    ticket = st.session_state.get(TICKET)
    if ticket is None or ticket.key != s.key:
        return
    status = lab_queue().status(ticket)
    if status.finished:
        st.rerun()
    total = len(s.cells) * s.epochs
    watchers = (f" {status.waiters} students are waiting for this run." if status.waiters > 1 else "")
    if status.state == "queued":
        st.progress(0.0, text=f"Waiting: place {status.place} in the queue. Expected in about "
                              f"{duration_text(status.estimate_s)}.{watchers}")
        st.caption("Runs with other settings are ahead of this one; as many train at once as the server has "
                   "cores. Stop leaves the queue.")
        return
    if not status.progress:
        st.progress(0.0, text=f"Starting: the first run of a server loads TensorFlow (a few s).{watchers}")
        return
    last = status.progress[-1]
    seen = st.session_state.setdefault(EPOCHS_SEEN, {}).setdefault(s.key, [])
    if not seen or seen[-1][0] != last.done:
        seen.append((last.done, time.monotonic()))
    st.progress(last.done / total, text=f"{last.cell}: epoch {last.epoch} of {s.epochs} (validation MSE "
                                        f"{last.valid_mse:.4g}). {left_text(remaining_s(seen, total))}"
                                        f"{watchers}")
    chart_cache.show(live_spec(s.key, len(status.progress), rows_of(status.progress), baselines_for(s)))


def partial_for(s: LabSettings) -> dict | None:
    """This session's last run with these settings, if it stopped waiting for it: its curves so far
    ("frame"), "baselines", epochs "done" of "total", and whether Stop was pressed ("stop"); else None."""
    partial = st.session_state.get(PARTIAL)
    if partial is None or partial["key"] != s.key or not partial["rows"]:
        return None
    return {"frame": pd.DataFrame(partial["rows"]), "baselines": baselines_for(s), "done": len(partial["rows"]) // 2,
            "total": len(s.cells) * s.epochs, "stop": partial["stop"]}


UNROLL_MEASURES = {"op_count": ("graph operations", 1), "graphdef_bytes": ("GraphDef (kB)", 1e-3),
                   "build_seconds": ("tracing (ms)", 1e3), "steady_run_seconds": ("one forward call (ms)", 1e3)}


def notebook(s: LabSettings):
    """The run as a notebook. The page's numbers it checks: the data's two baselines and validation targets, and
    each model's validation MSE before training (built here with the page's seeds, as `training.train` builds
    it); a finished run's final MSE is printed beside the notebook's short training."""
    data = data_for(s)
    untrained = {}
    for cell in s.cells:
        forecast = training.build_model(cell, s.units, s.seed).predict_on_batch(data.X_valid)
        untrained[cell] = float(((forecast.astype("float64") - data.y_valid) ** 2).mean())
    result = stored(s.key)
    trained = {h.cell: h.final_mse for h in result.histories} if result is not None else None
    return notebooks.keras_lab_notebook(s.task, s.examples, s.steps, s.k, s.seed, s.cells, s.units,
                                        tasks.naive_mse(data.X_valid, data.y_valid),
                                        tasks.mean_mse(data.y_train, data.y_valid), data.y_valid, untrained, trained,
                                        learning_rate=training.LEARNING_RATE, batch_size=training.BATCH_SIZE)


def unroll_key(s: LabSettings) -> tuple:
    return ("unroll", s.cells, s.length, s.units)


def measure_unroll(s: LabSettings) -> list[dict] | str:
    """The graph measurement of `s`'s cells, as a job of the same queue (shared and stored like a run);
    a few seconds, so the script waits for it. Returns the rows, or a message if there is no room."""
    try:
        ticket = lab_queue().submit(KINDS["unroll"], unroll_key(s), {"cells": list(s.cells), "length": s.length,
                                                                     "units": s.units}, waiter_id())
    except jobs.QueueFull as full:
        return str(full)
    with st.spinner("Building the graphs (the first time loads TensorFlow)…"):
        status = lab_queue().wait(ticket, timeout=MEASURE_TIMEOUT_S)
    lab_queue().leave(ticket)
    if status.state != "done":
        return "The measurement did not finish; press the button again."
    return status.result


@chart_cache.cached_spec
def unroll_spec(key: tuple, _rows: list[dict]):
    return charts.unroll_cost(unroll_frame(_rows))


def unroll_frame(rows: list[dict]) -> pd.DataFrame:
    """Measurement rows to cell, unroll, measure, value (in the units the chart shows)."""
    return pd.DataFrame([{"cell": row["cell"], "unroll": str(row["unroll"]), "measure": title,
                          "value": row[field] * factor}
                         for row in rows for field, (title, factor) in UNROLL_MEASURES.items()])
