"""Charts from dashboard/charts.py, turned into Vega-Lite once per distinct data and then reused.

Turning an Altair chart into JSON validates it against the Vega-Lite schema, ~15-20 ms a chart, every
rerun. These wrappers take the NumPy arrays a chart shows (quick to hash) and the builder's options,
build the tidy frame and the chart with the same pure functions, and cache the finished spec with its
data already in Arrow form, which is what `st.altair_chart` would send. A slider moved back to a value
it had costs a dictionary copy instead of a validation.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard import charts, pinning, ragged, tidy

CACHE_ENTRIES = 256  # specs are a few kB to a few hundred kB each
FRAME_MODULES = {"tidy": tidy, "ragged": ragged, "pinning": pinning}  # where frame_spec's frame builders live


def _arrow_bytes(records: list[dict]) -> bytes:
    """A dataset's rows as Arrow IPC stream bytes, the form Streamlit hands to the browser."""
    table = pa.Table.from_pandas(pd.DataFrame.from_records(records), preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def to_spec(chart) -> dict:
    """An Altair chart as the Vega-Lite spec `st.vega_lite_chart` takes, data as Arrow; cache the result
    (the other modules' cached *_spec functions call this too)."""
    spec = chart.to_dict()  # validates once, here
    spec["datasets"] = {name: _arrow_bytes(rows) for name, rows in spec.get("datasets", {}).items()}
    return spec


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def sequence_spec(builder: str, values: np.ndarray, **options) -> dict:
    """charts.<builder>(sequence_frame(values), **options) as a spec. values: (batch, steps, neurons)."""
    return to_spec(getattr(charts, builder)(tidy.sequence_frame(values), **options))


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def comparison_spec(current: np.ndarray, baseline: np.ndarray) -> dict:
    """charts.outputs_with_baseline for two (batch, steps, neurons) runs, of any shapes."""
    return to_spec(charts.outputs_with_baseline(pinning.runs_frame(baseline, current)))


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def weight_pair_spec(Wx: np.ndarray, Wy: np.ndarray) -> dict:
    return to_spec(charts.weight_pair(tidy.matrix_frame(Wx), tidy.matrix_frame(Wy)))


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def frame_spec(builder: str, frame: str, arrays: tuple, **options) -> dict:
    """charts.<builder>(<frame>(*arrays), **options) as a spec, for charts whose tidy frame is built from
    several arrays. frame: "module.function" of a module in FRAME_MODULES (pure NumPy -> DataFrame), e.g.
    frame_spec("padded_batch", "ragged.batch_frame", (X, lengths), show_values=True)."""
    module, function = frame.split(".")
    return to_spec(getattr(charts, builder)(getattr(FRAME_MODULES[module], function)(*arrays), **options))


def show(spec: dict, where=st) -> None:
    where.vega_lite_chart(spec)
