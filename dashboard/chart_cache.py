"""One way to cache a chart: `@cached_spec` turns a function that builds an Altair chart into one that
returns the chart's Vega-Lite spec, built once per distinct arguments and then reused.

A function decorated with `@cached_spec` takes what the chart shows (NumPy arrays, settings: quick to
hash) and builds the tidy frame and the chart with the pure builders of `dashboard/charts.py`; the
finished spec is cached with its data already in Arrow form, which is what `st.altair_chart` would send.
A slider moved back to a value it had costs a dictionary copy. Arguments whose name starts with `_` are
not hashed (Streamlit's rule): pass a key beside them.

A new spec (a slider moved to a value nobody chose yet) costs about a third of Altair's own time (by-hand
page, outputs chart, timeit): no schema validation, neither of the whole spec in
`to_dict` nor of each part as it is made (Altair's "debug mode", off for this process), and each
DataFrame goes to Arrow directly instead of through JSON records. With 30 students moving sliders at
once, those milliseconds are what the last one waits for. The validation is not lost:
tests/test_chart_cache.py checks specs against the validated `chart.to_dict()` of the same builder, row
for row, and every page test validates each chart the page sends (tests/apptest.py).

The spec functions two pages share are here; a page's own live in its sections module.
"""
from __future__ import annotations

import functools
import hashlib

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard import charts, pinning, tidy

alt.utils.schemapi.disable_debug_mode()  # no validation of each alt.Scale, alt.Legend, ... as it is made
CACHE_ENTRIES = 256  # per function: specs are a few kB to a few hundred kB each
NUMBER_ROWS = 200  # rows of a chart's data shown under "Numbers": enough to read, small enough to send each run


def _arrow_bytes(frame: pd.DataFrame) -> bytes:
    """A dataset's rows as Arrow IPC stream bytes, the form Streamlit hands to the browser."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _as_json_would(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns as Altair's JSON records would carry them: float32 widened to the same float64,
    categories as their strings."""
    changed = {}
    for name, column in frame.items():
        if isinstance(column.dtype, pd.CategoricalDtype):
            changed[name] = column.astype(str)
        elif column.dtype == np.float32:
            changed[name] = column.astype(np.float64)
    return frame.assign(**changed) if changed else frame


def _named_data(chart, frames: dict[str, pd.DataFrame]):
    """`chart` (shallow copies where needed) with every DataFrame it holds replaced by a named dataset,
    the frames collected in `frames`; layers and concatenations are walked, other data left to Altair."""
    chart = chart.copy(deep=False)
    data = getattr(chart, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        name = f"frame-{len(frames)}"
        frames[name] = _as_json_would(data)
        chart.data = alt.NamedData(name=name)
    for part in ("layer", "hconcat", "vconcat", "concat"):
        children = getattr(chart, part, alt.Undefined)
        if isinstance(children, list):
            setattr(chart, part, [_named_data(child, frames) for child in children])
    return chart


def to_spec(chart) -> dict:
    """An Altair chart as the Vega-Lite spec `st.vega_lite_chart` takes, data as Arrow."""
    frames: dict[str, pd.DataFrame] = {}
    spec = _named_data(chart, frames).to_dict(validate=False)
    datasets = {name: _arrow_bytes(pd.DataFrame.from_records(rows)) for name, rows in spec.get("datasets", {}).items()}
    datasets.update({name: _arrow_bytes(frame) for name, frame in frames.items()})
    if datasets:
        spec["datasets"] = datasets
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


def _arrow_datasets(spec: dict) -> list[bytes]:
    """The datasets of a spec that `to_spec` turned into Arrow bytes."""
    return [data for data in spec.get("datasets", {}).values() if isinstance(data, bytes)]


def numbers(spec: dict) -> list[pa.Table]:
    """The tables a spec draws, the largest first (a chart's own data before its rules and labels)."""
    tables = [pa.ipc.open_stream(data).read_all() for data in _arrow_datasets(spec)]
    return sorted(tables, key=lambda table: -table.num_rows)


def show(spec: dict, where=st, width="stretch", key: str | None = None) -> None:
    """The chart, and under it a "Numbers" button that opens its data as tables: the text alternative
    to the picture (the chart's `description` is its ARIA label), one click away. `width="content"` for
    a chart that keeps its own size.

    The tables are drawn only while the popover is open (`on_change="rerun"`: opening it reruns the
    page, or the fragment it sits in): a closed one costs the server and the browser nothing on each
    rerun. Its key is `key`, else one made from the chart's title and description: two charts with the
    same title and description on a page need a `key` each."""
    where.vega_lite_chart(spec, width=width)
    if not _arrow_datasets(spec):  # nothing to tabulate (decoded only once the popover is open)
        return
    description = spec.get("description")
    named = f"{spec.get('title')}|{description}"  # what tells a page's charts apart
    key = key or "numbers_" + hashlib.sha1(named.encode()).hexdigest()[:12]
    box = where.popover("Numbers", icon=":material/table:", help=description, key=key, on_change="rerun")
    if not box.open:
        return
    with box:
        for table in numbers(spec):
            # st.table: a real HTML table a screen reader can walk (st.dataframe draws on a canvas)
            st.table(table.slice(0, NUMBER_ROWS))
            if table.num_rows > NUMBER_ROWS:
                st.caption(f"The first {NUMBER_ROWS} of {table.num_rows} rows; point at the chart for any other.")
