"""The Keras lab page's settings, its store of finished runs, live training, and its tidy frames.

Finished runs are kept with `st.cache_data` (shared by every session of the server, like every cache
here): a link to settings someone has already trained shows their result at once, without training.
Training itself never runs inside a cached function: it runs only when Train is pressed, reports every
epoch to the page, and its result is then stored under its settings. A run cut short (Stop, or any
setting changed while it trains, which restarts the page) is not stored; its curves so far are kept in
this session's state and shown with a note.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard import chart_cache, charts
from rnncore import tasks, training

CELL_KEYS = {"SimpleRNN": "lab_simple", "LSTM": "lab_lstm", "GRU": "lab_gru"}
PAGE_KEYS = ("lab_task", "lab_steps", "lab_k", "lab_examples", *CELL_KEYS.values(), "lab_units", "lab_epochs",
             "lab_seed")
STORE_ENTRIES = 64    # finished runs and graph measurements: a few kB each
PARTIAL = "_lab_partial"  # session state: the curves of the run in progress (or cut short)
BASELINES = {"naive": "naive: last value read", "mean": "mean of the training targets"}


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
        """What decides a run; a setting the task does not use is left out, so it splits no cache."""
        return ("train", self.task, self.examples, self.length, self.cells, self.units, self.epochs, self.seed,
                training.LEARNING_RATE, training.BATCH_SIZE)


@st.cache_data(max_entries=STORE_ENTRIES, show_spinner=False)
def _store(key: tuple, _value=None):
    """`st.cache_data` used as a store: returns the value kept under `key`; LookupError if none is.

    A first call with `_value` runs this body and caches `_value` under `key` (arguments starting with
    `_` are not part of the key); a call without it returns the cached value or raises, and an
    exception is never cached."""
    if _value is None:
        raise LookupError(key)
    return _value


def kept(key: tuple):
    try:
        return _store(key)
    except LookupError:
        return None


def keep(key: tuple, value) -> None:
    _store(key, _value=value)


@st.cache_data(max_entries=16, show_spinner=False)
def task_data(task: str, examples: int, steps: int, k: int, seed: int) -> tasks.TaskData:
    return tasks.make_task(task, examples, steps, k, seed)


def data_for(s: LabSettings) -> tasks.TaskData:
    return task_data(s.task, s.examples, s.steps, s.k, s.seed)


def baselines_frame(naive: float, mean: float) -> pd.DataFrame:
    return pd.DataFrame({"baseline": list(BASELINES.values()), "mse": [naive, mean]})


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


def train_live(s: LabSettings, chart_place, progress_place) -> training.LabResult:
    """Train with a progress bar and live curves; store and return the result.

    Pressing Stop (or changing any setting) restarts the page, which ends this run at its next update
    of the page, between two epochs; the curves so far stay in st.session_state[PARTIAL]."""
    data = data_for(s)
    baselines = baselines_frame(tasks.naive_mse(data.X_valid, data.y_valid),
                                tasks.mean_mse(data.y_train, data.y_valid))
    rows = []
    st.session_state[PARTIAL] = {"key": s.key, "rows": rows, "baselines": baselines, "total": len(s.cells) * s.epochs}
    waiting = "another training run on this server must finish first; " if training.busy() else ""
    progress = progress_place.progress(0.0, text=f"Starting: {waiting}the first run loads TensorFlow (a few s)…")

    def on_epoch(report: training.EpochReport) -> None:
        rows.extend(history_rows(report))
        progress.progress(report.done / report.total,
                          text=f"{report.cell}: epoch {report.epoch} of {s.epochs} (validation MSE "
                               f"{report.valid_mse:.4g})")
        chart_place.altair_chart(charts.loss_curves(pd.DataFrame(rows), baselines))

    result = training.train(data, s.cells, s.units, s.epochs, s.seed, on_epoch=on_epoch)
    keep(s.key, result)
    del st.session_state[PARTIAL]
    progress_place.empty()
    return result


def partial_for(s: LabSettings) -> dict | None:
    """This session's last run with these settings, if it was cut short: its curves so far ("frame"),
    "baselines", and epochs "done" of "total"; None if there is none."""
    partial = st.session_state.get(PARTIAL)
    if partial is None or partial["key"] != s.key or not partial["rows"]:
        return None
    return {"frame": pd.DataFrame(partial["rows"]), "baselines": partial["baselines"],
            "done": len(partial["rows"]) // 2, "total": partial["total"]}


UNROLL_MEASURES = {"op_count": ("graph operations", 1), "graphdef_bytes": ("GraphDef (kB)", 1e-3),
                   "build_seconds": ("tracing (ms)", 1e3), "steady_run_seconds": ("one forward call (ms)", 1e3)}


def unroll_key(s: LabSettings) -> tuple:
    return ("unroll", s.cells, s.length, s.units)


def measure_unroll(s: LabSettings, progress_place) -> list[dict]:
    rows = []
    bar = progress_place.progress(0.0, text="Building the graphs (the first time loads TensorFlow)…")
    for done, cell in enumerate(s.cells, 1):
        rows += training.measure_unroll(cell, s.length, s.units)
        bar.progress(done / len(s.cells), text=f"{cell} measured")
    keep(unroll_key(s), rows)
    progress_place.empty()
    return rows


@chart_cache.cached_spec
def unroll_spec(key: tuple, _rows: list[dict]):
    return charts.unroll_cost(unroll_frame(_rows))


def unroll_frame(rows: list[dict]) -> pd.DataFrame:
    """Measurement rows to cell, unroll, measure, value (in the units the chart shows)."""
    return pd.DataFrame([{"cell": row["cell"], "unroll": str(row["unroll"]), "measure": title,
                          "value": row[field] * factor}
                         for row in rows for field, (title, factor) in UNROLL_MEASURES.items()])
