"""Training small Keras 3 recurrent models (SimpleRNN, LSTM, GRU) on a task from rnncore.lesson.tasks.

Each model is one recurrent layer of `units` cells reading one value per step, then `Dense(1)` on its
last output, trained with Adam on the mean squared error. `train` reports after every epoch (for live
loss curves and a progress bar), stops early when `should_stop()` says so, and returns plain NumPy
histories and floats beside two baselines: the naive last-value forecast and the training mean.

Reproducibility and threads: a run is defined by its data and (cells, units, epochs, seed). Every
weight is drawn by a Keras initializer given its own integer seed (stateless draws), the batches are
shuffled by a NumPy generator seeded with `seed`, and no layer here draws at run time (no dropout), so no
global random state decides anything: `keras.utils.set_random_seed` is not called (it decided nothing,
tested: drawing from the global generators in between changes no number), and two runs may train at once
in two threads with the same numbers as one after the other (tested). `training_slot()` counts the runs in
progress (`busy()`: any); TF's gradient registry is cleaned when the last one ends (see
`_forget_custom_gradients`). Another thread resetting Keras meanwhile (Streamlit calls
`keras.backend.clear_session()` after every script run of every session) changes no number of a run
(tested).

`measure_unroll` builds the same layers with `unroll=True` and `unroll=False` and measures their graphs.
"""
from __future__ import annotations

import dataclasses
import io
import json
import math
import threading
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from rnncore.lesson.tasks import TaskData, mean_mse, naive_mse
from rnncore.validate import check_int

CELLS = ("SimpleRNN", "LSTM", "GRU")
# Caps: with rnncore.lesson.tasks' caps, the largest allowed run (3 cells, 32 units, 30 epochs, 2000 series
# of 100 steps) takes a few minutes on two cores (see README "Caps").
MAX_UNITS = 32
MAX_EPOCHS = 30
BATCH_SIZE = 32
LEARNING_RATE = 0.005  # Adam; the default 0.001 needs several times more epochs on these tasks

_runs_lock = threading.Lock()  # guards the two below
_active_runs = 0               # training runs in progress in this process
_registry_before: set = set()  # TF's custom-gradient names when the first of them began


@dataclass(frozen=True)
class CellHistory:
    cell: str
    train_loss: np.ndarray  # (epochs run,) Keras's mean of the batch losses (MSE) during each epoch
    valid_mse: np.ndarray   # (epochs run,) validation MSE after each epoch
    seconds: float          # wall-clock time of this cell's training
    valid_prediction: np.ndarray  # (n_valid,) the trained model's forecast for each validation series

    @property
    def final_mse(self) -> float:
        return float(self.valid_mse[-1])


@dataclass(frozen=True)
class LabResult:
    histories: tuple        # CellHistory per cell trained, in the order asked; a stopped run may lack some
    naive_mse: float        # the next value is the last one read
    mean_mse: float         # the training targets' mean, whatever the input
    stopped: bool           # should_stop() ended the run before every epoch of every cell ran


@dataclass(frozen=True)
class EpochReport:
    cell: str
    epoch: int              # 1-based
    train_loss: float
    valid_mse: float
    done: int               # epochs finished over all cells
    total: int              # epochs asked for over all cells


def report_to_dict(report: EpochReport) -> dict:
    """An EpochReport as JSON-ready values (a loss that is not finite becomes None)."""
    return {name: (value if not isinstance(value, float) or math.isfinite(value) else None)
            for name, value in dataclasses.asdict(report).items()}


def report_from_dict(values: dict) -> EpochReport:
    """`report_to_dict`'s inverse (None back to NaN); ValueError for anything else."""
    try:
        return EpochReport(str(values["cell"]), int(values["epoch"]),
                           *(math.nan if values[k] is None else float(values[k]) for k in ("train_loss", "valid_mse")),
                           int(values["done"]), int(values["total"]))
    except (KeyError, TypeError) as error:
        raise ValueError(f"not an epoch report: {values!r}") from error


RESULT_FORMAT = 1  # of result_to_bytes; a payload of another format is refused


def result_to_bytes(result: LabResult) -> bytes:
    """`result` as a NumPy .npz: the arrays as they are, the rest as one JSON text (no pickle, so a
    payload read back from a shared database cannot run code)."""
    meta = {"format": RESULT_FORMAT, "cells": [h.cell for h in result.histories],
            "seconds": [h.seconds for h in result.histories], "naive_mse": result.naive_mse,
            "mean_mse": result.mean_mse, "stopped": result.stopped}
    arrays = {f"{name}_{i}": getattr(h, name) for i, h in enumerate(result.histories)
              for name in ("train_loss", "valid_mse", "valid_prediction")}
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta)), **arrays)
    return buffer.getvalue()


def result_from_bytes(payload: bytes) -> LabResult:
    """The LabResult `result_to_bytes` wrote; ValueError for anything else."""
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            meta = json.loads(str(npz["meta"]))
            if meta.get("format") != RESULT_FORMAT:
                raise ValueError(f"result format {meta.get('format')!r}, expected {RESULT_FORMAT}")
            histories = tuple(CellHistory(cell, npz[f"train_loss_{i}"], npz[f"valid_mse_{i}"], float(seconds),
                                          npz[f"valid_prediction_{i}"])
                              for i, (cell, seconds) in enumerate(zip(meta["cells"], meta["seconds"])))
    except (OSError, EOFError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:  # ValueError passes
        raise ValueError(f"not a stored Keras lab result: {exc}") from exc
    return LabResult(histories, float(meta["naive_mse"]), float(meta["mean_mse"]), bool(meta["stopped"]))


def busy() -> bool:
    """True while any training run is in progress in this process."""
    return _active_runs > 0


@contextmanager
def training_slot():
    """Count one training run for as long as the block lasts; runs may overlap.

    When the last run in progress ends, the custom gradients registered since the first one began are
    dropped from TF's registry (see `_forget_custom_gradients`): earlier, another run may still be
    tracing with its own entries, and the entries cannot be told apart by run. On a server that always
    has a run in progress they wait for a quiet moment (each model's traced graph is held meanwhile)."""
    global _active_runs, _registry_before
    with _runs_lock:
        if _active_runs == 0:
            _registry_before = _custom_gradients()
        _active_runs += 1
    try:
        yield
    finally:
        with _runs_lock:
            _active_runs -= 1
            if _active_runs == 0:
                _forget_custom_gradients(_registry_before)


def check_cells(cells) -> tuple[str, ...]:
    cells = tuple(cells)
    if not cells or len(set(cells)) != len(cells) or any(cell not in CELLS for cell in cells):
        raise ValueError(f"cells must be one or more distinct names from {CELLS}, got {cells!r}")
    return cells


def build_model(cell: str, units: int, seed: int, unroll: bool = False, steps: int | None = None):
    """A fresh Keras model: cell(units) -> Dense(1), every weight drawn from its own seed."""
    check_cells([cell])
    check_int("units", units, 1, MAX_UNITS)
    from rnncore.tf.runtime import keras, keras_lock

    keras = keras()
    init = keras.initializers
    with keras_lock:
        return keras.Sequential([
            keras.Input((steps, 1)),  # (batch, steps, 1); steps None: any length
            getattr(keras.layers, cell)(units, unroll=unroll,
                                        kernel_initializer=init.GlorotUniform(seed=seed),
                                        recurrent_initializer=init.Orthogonal(seed=seed + 1)),
            keras.layers.Dense(1, kernel_initializer=init.GlorotUniform(seed=seed + 2)),
        ])


def train(data: TaskData, cells=CELLS, units: int = 16, epochs: int = 10, seed: int = 42,
          on_epoch=None, should_stop=None) -> LabResult:
    """Train one model per cell on `data`, one after another; see the module docstring.

    `on_epoch(EpochReport)` is called after every epoch; `should_stop()` after every epoch too, and a
    True ends the whole run (the histories so far are returned, `stopped=True`).
    """
    cells = check_cells(cells)
    check_int("units", units, 1, MAX_UNITS)
    check_int("epochs", epochs, 1, MAX_EPOCHS)
    check_int("seed", seed, 0, 2**31 - 1)
    from rnncore.tf.runtime import keras

    keras = keras()
    histories, done, stopped = [], 0, False

    def report(cell: str, epoch: int, train_loss: float, valid_mse: float) -> bool:
        """Reports an epoch; True when the run must stop here."""
        nonlocal done, stopped
        done += 1
        if on_epoch is not None:
            on_epoch(EpochReport(cell, epoch, train_loss, valid_mse, done, epochs * len(cells)))
        stopped = should_stop is not None and should_stop() and done < epochs * len(cells)
        return stopped

    with training_slot():
        for cell in cells:
            histories.append(_train_cell(keras, data, cell, units, epochs, seed, report))
            if stopped:
                break
    return LabResult(tuple(histories), naive_mse(data.X_valid, data.y_valid),
                     mean_mse(data.y_train, data.y_valid), stopped)


def _train_cell(keras, data: TaskData, cell: str, units: int, epochs: int, seed: int, report) -> CellHistory:
    """One model trained for `epochs` epochs, or until `report(...)` returns True."""
    start = time.perf_counter()
    model = build_model(cell, units, seed)
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse", jit_compile=False)
    rng = np.random.default_rng(seed)  # the same batches for every cell
    train_loss, valid_mse = [], []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(data.X_train))
        fit = model.fit(data.X_train[order], data.y_train[order], batch_size=BATCH_SIZE, epochs=1,
                        shuffle=False, verbose=0)
        prediction = np.asarray(model.predict_on_batch(data.X_valid), np.float64)  # (n_valid, 1)
        train_loss.append(float(fit.history["loss"][0]))
        valid_mse.append(float(np.mean((prediction - data.y_valid) ** 2)))
        if report(cell, epoch, train_loss[-1], valid_mse[-1]):
            break
    return CellHistory(cell, np.array(train_loss), np.array(valid_mse), time.perf_counter() - start,
                       prediction[:, 0])


def _gradient_registry() -> dict:
    """TensorFlow's process-wide gradient registry: a private dict (TF 2.21 is pinned; test_training
    checks that training leaves it as it found it)."""
    from rnncore.tf.runtime import tf

    tf()  # imported the project's way first (its environment set)
    from tensorflow.python.framework import ops

    return ops._gradient_registry._registry


def _custom_gradients() -> set:
    return {name for name in _gradient_registry() if name.startswith("CustomGradient-")}


def _forget_custom_gradients(before: set) -> None:
    """Drop the custom gradients registered since `before`: a leak fix for a shared server.

    Tracing a `tf.custom_gradient` registers it under a fresh name in TensorFlow's process-wide gradient
    registry, which nothing ever removes; Keras's train step traces one (the distribution strategy's
    `all_reduce`) and its closure holds the whole traced training graph of every model trained (megabytes
    each; tests/test_training.py checks the registry is left as it was found). It is needed only while
    that graph is traced, and the model is dropped after training, so the entries can go once no run is
    in progress (`training_slot`): no other code here traces custom gradients, so the entries registered
    meanwhile are the runs'.
    """
    registry = _gradient_registry()
    for name in _custom_gradients() - before:
        registry.pop(name, None)


def measure_unroll(cell: str, steps: int, units: int, batch: int = 32, runs: int = 5, seed: int = 0) -> list[dict]:
    """Forward graphs of `cell(units)` over `steps` steps, unroll=False then True: one row each.

    op_count counts the top-level graph (a loop's body sits in the function library, counted in
    graphdef_bytes); build_seconds is the tracing; first_run includes TF's one-off graph optimisation.
    """
    from rnncore.tf.graphs import timed_runs
    from rnncore.lesson.tasks import MAX_TASK_STEPS
    from rnncore.tf.runtime import tf

    check_cells([cell])
    check_int("steps", steps, 1, MAX_TASK_STEPS)  # a recall sequence (k + 1 <= 100) or a sine series
    check_int("units", units, 1, MAX_UNITS)
    check_int("batch", batch, 1, 256)
    check_int("runs", runs, 1, 100)
    check_int("seed", seed, 0, 2**31 - 1)  # as in train: build_model draws with seed, seed + 1, seed + 2
    tf = tf()
    X = tf.constant(np.random.default_rng(seed).uniform(-1, 1, (batch, steps, 1)).astype(np.float32))
    rows = []
    for unroll in (False, True):
        model = build_model(cell, units, seed, unroll=unroll, steps=steps)
        start = time.perf_counter()
        function = tf.function(lambda X, model=model: model(X),
                               input_signature=[tf.TensorSpec([None, steps, 1], tf.float32)])
        concrete = function.get_concrete_function()
        build_seconds = time.perf_counter() - start
        first, steady = timed_runs(lambda: concrete(X), runs)
        rows.append({"cell": cell, "unroll": unroll, "steps": steps,
                     "op_count": len(concrete.graph.get_operations()),
                     "graphdef_bytes": concrete.graph.as_graph_def().ByteSize(), "build_seconds": build_seconds,
                     "first_run_seconds": first, "steady_run_seconds": steady})
    return rows
