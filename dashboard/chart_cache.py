"""One way to cache a chart: `@cached_spec` turns a function that builds an Altair chart into one that
returns the chart's Vega-Lite spec, built once per distinct arguments and then reused.

Turning an Altair chart into JSON validates it against the Vega-Lite schema, ~15-20 ms a chart, every
rerun. A function decorated with `@cached_spec` takes what the chart shows (NumPy arrays, settings:
quick to hash) and builds the tidy frame and the chart with the pure builders of `dashboard/charts.py`;
the finished spec is cached with its data already in Arrow form, which is what `st.altair_chart` would
send. A slider moved back to a value it had costs a dictionary copy instead of a validation. Arguments
whose name starts with `_` are not hashed (Streamlit's rule): pass a key beside them.

The spec functions two pages share are here; a page's own live in its sections module.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard import charts, pinning, tidy

CACHE_ENTRIES = 256  # per function: specs are a few kB to a few hundred kB each


def _arrow_bytes(records: list[dict]) -> bytes:
    """A dataset's rows as Arrow IPC stream bytes, the form Streamlit hands to the browser."""
    table = pa.Table.from_pandas(pd.DataFrame.from_records(records), preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def to_spec(chart) -> dict:
    """An Altair chart as the Vega-Lite spec `st.vega_lite_chart` takes, data as Arrow."""
    spec = chart.to_dict()  # validates once, here
    spec["datasets"] = {name: _arrow_bytes(rows) for name, rows in spec.get("datasets", {}).items()}
    return spec


def cached_spec(chart_of):
    """Decorator: `chart_of(...) -> alt.Chart` becomes `(...) -> spec`, cached by its arguments.

    `functools.wraps` keeps `chart_of`'s module, name and source, which is what Streamlit keys a cache
    by: every decorated function has a cache of its own."""
    @functools.wraps(chart_of)
    def spec(*args, **kwargs) -> dict:
        return to_spec(chart_of(*args, **kwargs))

    return st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)(spec)


@cached_spec
def outputs_over_time(Y: np.ndarray):
    """Each neuron's output over time, a panel per example. Y: (batch, steps, neurons)."""
    return charts.outputs_over_time(tidy.sequence_frame(Y))


@cached_spec
def state_heatmap(Y: np.ndarray, domain=(-1, 1)):
    return charts.state_heatmap(tidy.sequence_frame(Y), domain=domain)


@cached_spec
def difference_heatmap(difference: np.ndarray):
    """Current minus baseline, (batch, steps, neurons)."""
    return charts.difference_heatmap(tidy.sequence_frame(difference))


@cached_spec
def outputs_with_baseline(current: np.ndarray, baseline: np.ndarray):
    """Two (batch, steps, neurons) runs, of any shapes: the current solid, the baseline dashed."""
    return charts.outputs_with_baseline(pinning.runs_frame(baseline, current))


@cached_spec
def weight_pair(Wx: np.ndarray, Wy: np.ndarray):
    return charts.weight_pair(tidy.matrix_frame(Wx), tidy.matrix_frame(Wy))


def show(spec: dict, where=st) -> None:
    where.vega_lite_chart(spec)
