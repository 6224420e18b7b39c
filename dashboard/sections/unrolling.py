"""The unrolling page's measurements: which paths, at which step counts, cached as plain rows.

Each (path, steps) point is measured by `rnncore.tf.graphs` and cached on its own (`st.cache_data`), so a
progress bar can move between points and a new largest step count reuses every point already measured.
Metrics that need the graph to run (run times, tensor bytes) are measured with runs; the others only
build the graph, which is what costs little at 200 steps.
"""
from __future__ import annotations

import math
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import chart_cache, charts
from dashboard.controls import slider
from dashboard.sections.shared import on_demand
from dashboard.graph_drawing import graph_dot, group_ops
from rnncore.config import init_weights
from rnncore.lesson import notebooks
from rnncore.tf.graphs import GROWING, PATHS, measure, sweep

PAIRS = {  # URL toggle key -> (the path that grows with the steps, the one that loops)
    "unr_tf1": ("static", "dynamic"),
    "unr_tf2": ("tf2_unrolled", "tf2_while"),
    "unr_keras": ("keras_unroll", "keras_loop"),
}
DRAWINGS = "unr_drawings"  # the expander that holds the two graph drawings
SWEEP_POINTS = 5  # log-spaced step counts from 1 to the largest: the cold sweep's cost is mostly the largest
SHOW_PROGRESS_AFTER = 0.03  # seconds: cached points return sooner, so a warm re-render shows no bar


@dataclass(frozen=True)
class Metric:
    field: str       # the sweep row's field
    axis: str        # the chart's axis title
    needs_run: bool  # False: building the graph is enough
    scale: float     # row value -> shown value (seconds -> ms)
    format: str      # d3 format of the shown value
    notice: str      # what to notice on the chart


# The keys are the options of the `unr_metric` setting (dashboard/settings.py), shown in the selectbox and
# the URL as they are (Streamlit binds a selectbox to the URL by its displayed text).
METRICS = {
    "Operations": Metric(
        "op_count", "Operations in the graph", False, 1, ",d",
        "The dashed lines rise with the steps, the solid ones stay flat."),
    "GraphDef bytes": Metric(
        "graphdef_bytes", "Serialized graph (bytes)", False, 1, ",d",
        "The graph written out as bytes (what is saved or sent to a TensorFlow server) grows with the steps "
        "for the dashed lines and stays the same for the solid ones."),
    "Build time": Metric(
        "build_seconds", "Build / trace time (ms)", False, 1000, ",.2f",
        "Building a dashed graph takes longer the more steps it has; a loop takes about the same time at "
        "any length."),
    "First run time": Metric(
        "first_run_seconds", "First run, graph optimisation included (ms)", True, 1000, ",.2f",
        "The first run includes TensorFlow optimising the graph, so a dashed graph pays again for every "
        "copy of the cell; the loop's first run stays short."),
    "Later run time": Metric(
        "steady_run_seconds", "Later runs, median of 3 (ms)", True, 1000, ",.3f",
        "Both kinds rise: every step does the same work however the graph was built. The loop usually "
        "comes out slower here, since it pays a little bookkeeping each time round."),
    "Tensor bytes": Metric(
        "tensor_bytes", "Bytes of tensors made in one forward run", True, 1, ",d",
        "Both lines rise: every step makes new tensors however the graph was built, and training keeps "
        "them all for backpropagation (see the memory section below)."),
}

_warmed: set[str] = set()
_warm_lock = threading.Lock()


def step_points(largest: int, count: int = SWEEP_POINTS) -> list[int]:
    """About `count` log-spaced whole step counts from 1 to `largest`, both included."""
    return sorted({int(round(s)) for s in np.geomspace(1, largest, count)} | {1, largest})


def chosen_paths(toggles: dict[str, bool]) -> list[str]:
    """The paths of every pair whose toggle is on, in PAIRS order."""
    return [path for key, pair in PAIRS.items() if toggles.get(key) for path in pair]


def tensorflow_loaded() -> bool:
    return "tensorflow" in sys.modules


def _warm_up(path: str) -> None:
    """Build each path once per process before timing it: its first build pays one-off costs
    (tracing machinery, Keras layer set-up) that would otherwise show as a bump at the smallest step count."""
    with _warm_lock:
        if path in _warmed:
            return
        measure(path, 1, init_weights(), run=False)
        _warmed.add(path)


@st.cache_data(show_spinner=False, max_entries=2000)
def measure_point(path: str, steps: int, with_runs: bool) -> dict:
    """One sweep row for the lesson's layer (3 inputs, 5 neurons, batch 4): plain numbers."""
    _warm_up(path)
    return sweep([path], [steps], init_weights(), run=with_runs)[0]


def sweep_rows(paths, points, with_runs: bool, progress=None) -> list[dict]:
    """Every path at every point; `progress(done, total, path, steps)` is called before each point."""
    rows, total = [], len(paths) * len(points)
    for path in paths:
        for steps in points:
            if progress is not None:
                progress(len(rows), total, path, steps)
            rows.append(measure_point(path, steps, with_runs))
    return rows


def sweep_with_progress(paths, points, with_runs: bool) -> list[dict]:
    """`sweep_rows` with a progress bar that shows only while something is really being measured."""
    bar, start, shown = st.empty(), time.perf_counter(), []

    def progress(done, total, path, steps):
        if time.perf_counter() - start > SHOW_PROGRESS_AFTER:
            bar.progress(done / total, text=f"Measuring {PATHS[path]} at {steps} steps ({done + 1} of {total})")
            shown.append(True)

    rows = sweep_rows(paths, points, with_runs, progress)
    if shown:
        bar.empty()
    return rows


def notebook(points: list[int]):
    """The TF1 pair's operation counts at `points` (as the chart measured them) as a notebook that builds the
    same graphs again and counts them."""
    counts = {path: {steps: measure_point(path, steps, False)["op_count"] for steps in points}
              for path in PAIRS["unr_tf1"]}
    return notebooks.unrolling_notebook(init_weights(), counts)


def metric_frame(rows: list[dict], metric: str) -> pd.DataFrame:
    """Tidy rows for the chart: path, path_label, steps, value (in shown units), graph. Rows without
    the metric (tensor bytes of the TF2/Keras paths) are left out."""
    m = METRICS[metric]
    kept = [r for r in rows if r.get(m.field) is not None]
    return pd.DataFrame({
        "path": [r["path"] for r in kept],
        "path_label": [PATHS[r["path"]] for r in kept],
        "steps": [r["steps"] for r in kept],
        "value": [r[m.field] * m.scale for r in kept],
        "graph": ["one copy per step" if r["path"] in GROWING else "one loop" for r in kept],
    }, columns=["path", "path_label", "steps", "value", "graph"])


@chart_cache.cached_spec
def cost_chart_spec(rows: list[dict], metric: str, log_scale: bool):
    """charts.graph_cost of these rows (metric in its shown units)."""
    m = METRICS[metric]
    return charts.graph_cost(metric_frame(rows, metric), m.axis, m.format, log_scale)


@st.cache_data(show_spinner=False, max_entries=20)
def drawing(path: str, steps: int) -> tuple[str, int, int]:
    """(DOT text, operations, boxes drawn) for the forward graph of `path` ("static" or "dynamic")."""
    stats = measure(path, steps, init_weights(), run=False)
    groups, _ = group_ops(stats.nodes, stats.edges)
    return graph_dot(stats.nodes, stats.edges, f"{PATHS[path]}, {steps} step(s)"), stats.op_count, len(groups)


@st.fragment
def drawings_section() -> None:
    """The two forward graphs, drawn only when opened (Graphviz lays each out in the browser, and an
    unrolled graph is wide). A fragment: its step slider and its expander rerun this section only."""
    draw_steps = slider("unr_draw_steps")
    if not (box := on_demand("Draw both graphs", DRAWINGS)).open:
        return
    for path in ("static", "dynamic"):  # one above the other: an unrolled graph is wide
        dot, op_count, boxes = drawing(path, draw_steps)
        box.graphviz_chart(dot)
        box.caption(f"`{PATHS[path]}` at {draw_steps} step(s): {op_count} operations, drawn as {boxes} boxes.")


def shown(value: float, metric: str) -> str:
    """A row value of `metric` in its shown units, formatted as the chart's tooltip formats it."""
    m = METRICS[metric]
    value = value * m.scale
    return format(int(round(value)), m.format) if m.format.endswith("d") else format(value, m.format)


def ops_per_step(rows: list[dict], path: str) -> float:
    """How many operations one more step adds to `path`'s graph, from its smallest and largest points."""
    mine = sorted((r["steps"], r["op_count"]) for r in rows if r["path"] == path)
    (first_steps, first_ops), (last_steps, last_ops) = mine[0], mine[-1]
    return (last_ops - first_ops) / (last_steps - first_steps)


def first_larger(rows: list[dict], growing: str, looping: str) -> int | None:
    """The first step count at which `growing`'s graph has more operations than `looping`'s, from a
    straight line through `growing`'s points (its op count grows by the same amount each step); None if
    it never does up to the largest measured step count."""
    mine = sorted((r["steps"], r["op_count"]) for r in rows if r["path"] == growing)
    loop_ops = max(r["op_count"] for r in rows if r["path"] == looping)
    per_step, (first_steps, first_ops) = ops_per_step(rows, growing), mine[0]
    if per_step <= 0:
        return None
    steps = first_steps + max(0, math.floor((loop_ops - first_ops) / per_step) + 1)
    return steps if steps <= mine[-1][0] else None
