"""The sections of the "Recurrence by hand" page that hold more than a chart and a sentence.

Each function draws one section and returns what the page needs next. The page itself
(dashboard/views/by_hand.py) reads top to bottom: controls, the input table, the run, the charts.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from dashboard import chart_cache, compute, controls, equation, experiment, pinning, presenter
from dashboard.sections import shared
from dashboard.settings import SETTINGS
from rnncore.config import AGREEMENT, RNNResult, RNNWeights

PAGE = "by_hand"
TABLES = "by_hand_tables"  # the expander that holds the tables of every number
LAYER_KEYS = ("steps", "neurons", "inputs", "batch", "seed", "scale", "activation", "weights")
CHOICES = ("activation", "weights")  # select boxes; the other layer settings are sliders
MAIN_KEYS = ("steps", "seed", "scale")  # what the page's first chart is about: in the main area, above it
SHAPE_KEYS = ("steps", "inputs", "batch")  # the input table's shape: moving one redraws the table


def layer_places(where=st, main: str | None = None) -> dict:
    """Where each layer setting goes: `where`, or with `main` (a page name) MAIN_KEYS in a strip of the
    main area made here (controls.strip). In the presenter view, the controls that the preset's point does
    not need fold into "More settings". A fragment may fill these places, made by the page's full run."""
    places = presenter.places(LAYER_KEYS, where)
    shown = [key for key in MAIN_KEYS if presenter.shown(key)]
    if main is not None and shown:
        places |= dict(zip(shown, controls.strip(main, len(shown))))
    return places


def layer_controls(places: dict, keys=LAYER_KEYS) -> dict:
    """The sliders and select boxes of `keys`, each in its place, in the order a student meets them."""
    return {key: (controls.select if key in CHOICES else controls.slider)(key, places[key]) for key in keys}


def layer_settings(where=st, main: str | None = None) -> dict:
    """Every layer setting's control (`layer_places`, then `layer_controls`): the settings of the run."""
    return layer_controls(layer_places(where, main))


def table_digest(X: np.ndarray) -> str:
    """A short fingerprint of the input table, so a pinned run can tell that the table was edited."""
    return hashlib.sha1(np.ascontiguousarray(X).tobytes() + str(X.shape).encode()).hexdigest()[:10]


def outputs_table(Y: np.ndarray) -> pd.DataFrame:
    """(batch, steps, neurons) -> the lesson's print layout: one row per (t, example), a column per neuron."""
    batch, steps, neurons = Y.shape
    t, example = np.meshgrid(np.arange(steps), np.arange(batch), indexing="ij")
    rows = Y.transpose(1, 0, 2).reshape(steps * batch, neurons)
    index = pd.MultiIndex.from_arrays([t.ravel(), example.ravel()], names=["t", "example"])
    return pd.DataFrame({f"neuron {n}": rows[:, n] for n in range(neurons)}, index=index)


def pick(key: str, count: int, where) -> int:
    """A slider over 0..count-1, or the only index when there is one (a slider needs two values)."""
    if count == 1:
        where.caption(f"{SETTINGS[key].label}: 0 (the only one)")
        return 0
    return controls.slider(key, where, high=count - 1)


@st.fragment
def equation_section(X: np.ndarray, w: RNNWeights, Y: np.ndarray) -> None:
    """Pick an example, a step and a neuron; show that one output computed term by term.

    A fragment: moving these three sliders reruns this section only, not the charts above it."""
    batch, steps, _ = X.shape
    columns = st.columns(3)
    example = pick("example", batch, columns[0])
    step = pick("step", steps, columns[1])
    neuron = pick("neuron", w.n_neurons, columns[2])
    filled = equation.fill(X, w, Y, example, step, neuron)
    st.latex(equation.latex(filled))
    verdict = "the same number" if filled.agrees else "**a different number: please report this**"
    st.markdown(f"The NumPy loop in `rnncore` computed Y = `{filled.reference:.6f}` for this cell: "
                f"{verdict} (difference {filled.difference:.1e}, float32 rounding)."
                + (" At t = 0 there is no previous output (Y[−1] = 0), so no Wy term appears: "
                   "move the step slider to 1 to see the recurrence." if step == 0 else ""))


def agreement_verdict(gap: float, bar: float = AGREEMENT) -> str:
    """The verdict on a measured gap between two backends, with both numbers, so the words cannot promise
    a smaller gap than the one shown (float32 rounding grows with the steps and the weights' scale)."""
    if gap < bar:
        return f"They agree: the largest gap, {gap:.1e}, is below the bar of {bar:g} (float32 rounding)."
    return f"They disagree: the largest gap, {gap:.1e}, is above the bar of {bar:g}. Please report this."


@st.fragment
def tf1_section(X: np.ndarray, w: RNNWeights, Y: np.ndarray) -> None:
    """The NumPy loop and the lesson's TF1 graph: their largest difference, and both tables when opened.

    A fragment: its toggle and its tables rerun this section only. The tables (two grids of every
    number) are drawn only while their expander is open: most students read the one number."""
    if not controls.toggle("tf1_check", presenter.places(("tf1_check",))["tf1_check"]):
        st.caption("The TF1 check is off. Turn it on to build the lesson's graph for these settings.")
        if (box := shared.on_demand("Every number of the NumPy loop: one row per (t, example)", TABLES)).open:
            _show_table(Y, box)
        return
    try:
        Y_tf1 = compute.manual_outputs(X, w, backend="tf1")  # a spinner shows if this takes a while
    except Exception as error:  # TensorFlow missing or broken: the NumPy half of the page still works
        st.warning(f"The TF1 comparison could not run here ({type(error).__name__}); "
                   "the NumPy results above are unaffected.")
        return
    largest = float(np.abs(Y_tf1.astype(np.float64) - Y).max())
    st.metric("Largest |NumPy − TF1| over the whole batch", f"{largest:.2e}",
              help=f"Below {AGREEMENT:g} means the two agree up to float32 rounding.")
    st.caption(agreement_verdict(largest))
    box = shared.on_demand("Both tables, every number: one row per (t, example), as the lesson prints Y0_val "
                           "then Y1_val", TABLES)
    if not box.open:
        return
    left, right = box.columns(2)
    left.markdown("**NumPy loop** (`rnncore.run_manual`)")
    _show_table(Y, left)
    right.markdown("**TF1 graph in a Session** (placeholders, shared Variables)")
    _show_table(Y_tf1, right)


@st.cache_data(max_entries=compute.CACHE_ENTRIES, show_spinner=False)
def _shown_table(Y: np.ndarray) -> pa.Table:
    """outputs_table as Arrow (its (t, example) index kept), so a repeat skips the pandas conversion."""
    return pa.Table.from_pandas(outputs_table(Y))


def _show_table(Y: np.ndarray, where=st) -> None:
    """Six decimals, as the equation shows them: 0.99999 must not read as 1."""
    six = st.column_config.NumberColumn(format="%.6f")
    where.dataframe(_shown_table(Y), height=min(35 * (Y.shape[0] * Y.shape[1] + 1) + 3, 420),  # header + rows
                    column_config={f"neuron {n}": six for n in range(Y.shape[2])})


def what_if_section(X: np.ndarray, settings: dict, Y: np.ndarray) -> None:
    """Pin this run; once pinned, the baseline dashed beside the current run and their difference."""
    recorded = {**settings, "table": table_digest(X)}
    kept = shared.pin_controls(PAGE, recorded, {"outputs": Y}, ("pin", "unpin"),
                               "Nothing pinned yet. Pin this run, change one thing (the seed, the scale, a cell of "
                               "the table), and the charts below compare the new run with it.")
    if kept is None:
        chart_cache.show(chart_cache.outputs_over_time(Y))
        return
    comparison = shared.compared_outputs(Y, kept)
    notes = [comparison.note] if comparison.note else []
    if {"inputs", "neurons"} & set(pinning.changed_settings(kept.settings, recorded)):
        notes.append("The weights' shape changed, so they were drawn afresh: neuron i here is not the "
                     "baseline's neuron i, and nearly every number is expected to differ.")
    st.markdown(f"**Current − baseline**: largest difference {comparison.max_abs_difference:.6f}. "
                + " ".join(notes))


def take_away_section(X: np.ndarray, w: RNNWeights, Y: np.ndarray, settings: dict) -> None:
    """The link to this experiment, and its numbers and notebook code to download."""
    run = experiment.Run.of(X, w, RNNResult(Y, Y[:, -1]), origin=experiment.origin(settings), settings=settings)
    shared.take_away(run, PAGE)
