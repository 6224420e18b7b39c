"""The work a job queue's worker can do, by kind: each kind runs from JSON-ready parameters and says how
its result and its progress snapshots travel through the database (bytes and JSON, never a pickle, so a
row read back from a shared database cannot run code).

A kind's `run(params, on_progress, should_stop)` returns its result; `on_progress(snapshot)` is called as
the work goes (an epoch's losses), and `should_stop()` turns True once nobody waits for the run any more.
TensorFlow is imported by the work, in the worker process, never by a web process that only waits.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class Work:
    run: Callable[[dict, Callable, Callable], Any]
    encode: Callable[[Any], bytes]              # the result, as stored in the results table
    decode: Callable[[bytes], Any]
    snapshot_to_json: Callable[[Any], dict]     # one progress snapshot, as stored in the runs row
    snapshot_from_json: Callable[[dict], Any]
    default_estimate_s: float                   # a run's duration until one of this kind has finished


def _train_keras(params: dict, on_progress, should_stop):
    from rnncore.lesson import tasks
    from rnncore.tf import training

    data = tasks.make_task(params["task"], params["examples"], params["steps"], params["k"], params["seed"])
    return training.train(data, tuple(params["cells"]), params["units"], params["epochs"], params["seed"],
                          on_epoch=on_progress, should_stop=should_stop)


def _measure_unroll(params: dict, on_progress, should_stop) -> list[dict]:
    from rnncore.tf import training

    return [row for cell in params["cells"] for row in training.measure_unroll(cell, params["length"], params["units"])]


def _train_text(params: dict, on_progress, should_stop):
    from rnncore.tf import chars_model

    return chars_model.train(params["text"], params["cell"], params["units"], params["epochs"], params["seed"],
                             on_epoch=on_progress, should_stop=should_stop)


def _keras(name: str):
    def call(*args):
        from rnncore.tf import training

        return getattr(training, name)(*args)
    return call


def _chars(name: str):
    def call(*args):
        from rnncore.tf import chars_model

        return getattr(chars_model, name)(*args)
    return call


def _text_epoch(values: dict):
    from rnncore.tf import chars_model

    return chars_model.TextEpoch(**values)


def _json_bytes(value) -> bytes:
    return json.dumps(value).encode()


KINDS: dict[str, Work] = {
    # estimates: about a run at the defaults on 2 cores (make class-load TRAIN=1, docs/benchmark.md)
    "keras_lab.train": Work(_train_keras, _keras("result_to_bytes"), _keras("result_from_bytes"),
                            _keras("report_to_dict"), _keras("report_from_dict"), 30.0),
    "keras_lab.unroll": Work(_measure_unroll, _json_bytes, json.loads, dict, dict, 5.0),
    "text_lab.train": Work(_train_text, _chars("result_to_bytes"), _chars("result_from_bytes"),
                           dataclasses.asdict, _text_epoch, 2.0),
}


def work(kind: str) -> Work:
    if kind not in KINDS:
        raise ValueError(f"no work of kind {kind!r}; the kinds are {sorted(KINDS)}")
    return KINDS[kind]
