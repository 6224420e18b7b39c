"""The gated cells page's cached calls into rnncore.gates, its tidy frames, chart specs and longer sections.

Every cached computation takes plain settings and returns NumPy (or rnncore's frozen results), so
`st.cache_data` keys it by the settings; TensorFlow is imported only by `keras_check`, when its
toggle is on. The SimpleRNN beside the gated cells is rnncore's basic cell with `Wy` rescaled to
spectral radius 0.9 (rnncore.memory.memory_weights): one that neither dies out at once nor saturates.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import chart_cache, charts, controls, experiment
from dashboard.sections import predict
from dashboard.sections.shared import on_demand
from dashboard.compute import CACHE_ENTRIES
from rnncore import gates, memory
from rnncore.lesson import notebooks
from rnncore.lesson.codegen import gated_notebook_code
from rnncore.config import AGREEMENT, MAX_STEPS, RNNWeights
from rnncore.manual import run_manual

PAGE = "gated"
SIMPLE_RADIUS = 0.9               # the SimpleRNN's Wy: the memory page's default spectral radius
COMPARE_BIASES = (-1.0, 0.0, 1.0, 3.0, 5.0)  # drawn beside the student's own forget bias
HOLD_AFTER = 2                    # steps drawn after the clear, so the emptied cell shows
CELLS = ("SimpleRNN", "LSTM", "GRU")
PANELS = {  # each cell's panels, top to bottom: (key in GatedResult.gates or "outputs", label)
    "SimpleRNN": (("outputs", "output Y[t] = state"),),
    "LSTM": (("input", "input gate i"), ("forget", "forget gate f"), ("candidate", "candidate g"),
             ("output", "output gate o"), ("cell", "cell state c"), ("outputs", "output h")),
    "GRU": (("update", "update gate z"), ("reset", "reset gate r"), ("candidate", "candidate n"),
            ("outputs", "output h")),
}


def layers(units: int, seed: int, forget_bias: float) -> tuple[RNNWeights, gates.GatedWeights, gates.GatedWeights]:
    """The three layers of the comparison, drawn from one seed."""
    return (memory.memory_weights(units, seed, SIMPLE_RADIUS),
            gates.init_weights("lstm", memory.MEMORY_INPUTS, units, seed, forget_bias),
            gates.init_weights("gru", memory.MEMORY_INPUTS, units, seed))


def sequence(steps: int, pattern: str, seed: int) -> np.ndarray:
    """The one input sequence all three read: (1, steps, 3), every input the same value at a step."""
    return memory.input_pattern(steps, pattern, 1.0, seed)[None]


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def compare(units: int, seed: int, forget_bias: float, steps: int, pattern: str) -> dict:
    """Each cell's panels over time for the one sequence: {cell: {panel key: (steps, units)}}, and its
    last state {cell: (units,)} under "state"."""
    X = sequence(steps, pattern, seed)
    simple, lstm, gru = layers(units, seed, forget_bias)
    runs = {"SimpleRNN": run_manual(X, simple), "LSTM": gates.run(X, lstm), "GRU": gates.run(X, gru)}
    shown = {}
    for cell, result in runs.items():
        over_time = {"outputs": result.outputs, **getattr(result, "gates", {})}
        shown[cell] = {key: over_time[key][0] for key, _ in PANELS[cell]}
        shown[cell]["state"] = result.state[0]
    return shown


def gate_frame(panels: dict, cell: str) -> pd.DataFrame:
    """One cell's panels {key: (steps, units)} -> rows gate, order, step, unit, value."""
    frames = []
    for order, (key, label) in enumerate(PANELS[cell]):
        values = panels[key]
        steps, units = values.shape
        step, unit = np.meshgrid(np.arange(steps), np.arange(units), indexing="ij")
        frames.append(pd.DataFrame({"gate": label, "order": order, "step": step.ravel(), "unit": unit.ravel(),
                                    "value": values.ravel().astype(float)}))
    return pd.concat(frames, ignore_index=True)


def cell_output_frame(cell: np.ndarray, outputs: np.ndarray) -> pd.DataFrame:
    """(steps, units) cell state and output -> rows step, unit, series, value."""
    frames = []
    for series, values in (("cell state c[t]", cell), ("output h[t]", outputs)):
        steps, units = values.shape
        step, unit = np.meshgrid(np.arange(steps), np.arange(units), indexing="ij")
        frames.append(pd.DataFrame({"step": step.ravel(), "unit": unit.ravel(), "series": series,
                                    "value": values.ravel().astype(float)}))
    return pd.concat(frames, ignore_index=True)


HEATMAP_WIDTH = 180  # px of time axis per cell: three cells and their axes fit side by side in a wide page


@chart_cache.cached_spec
def gate_spec(panels: dict, cell: str):
    steps = next(iter(panels.values())).shape[0]
    return charts.gate_heatmaps(gate_frame(panels, cell), cell, width_step=max(4, min(18, HEATMAP_WIDTH // steps)),
                                legend=cell == CELLS[-1])


@chart_cache.cached_spec
def cell_output_spec(cell: np.ndarray, outputs: np.ndarray):
    return charts.cell_and_output(cell_output_frame(cell, outputs))


# --- How long the cell keeps a value: the forget bias ----------------------------------------------------

def biases(chosen: float) -> tuple[float, ...]:
    return tuple(sorted(set(COMPARE_BIASES) | {chosen}))


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def pulse_kept_over_time(biases: tuple, steps: int) -> np.ndarray:
    """(biases, steps + 1) c[t] / c[0] of `gates.hold_weights(bias)` after one pulse at t = 0 (never
    cleared): the cell's own numbers, float64 ratios of the float32 cell states."""
    X = gates.hold_inputs(steps + 1)
    kept = []
    for bias in biases:
        c = gates.run(X, gates.hold_weights(bias)).gates["cell"][0, :, 0].astype(np.float64)  # (steps + 1,)
        kept.append(c / c[0])
    return np.stack(kept)


def kept_frame(biases: tuple, kept: np.ndarray, chosen: float) -> pd.DataFrame:
    steps = kept.shape[1]
    return pd.DataFrame({"bias": np.repeat(biases, steps), "step": np.tile(np.arange(steps), len(biases)),
                         "kept": kept.ravel(), "chosen": np.repeat(np.isclose(biases, chosen), steps)})


@chart_cache.cached_spec
def kept_spec(biases: tuple, kept: np.ndarray, chosen: float, log_scale: bool):
    return charts.kept_by_forget_bias(kept_frame(biases, kept, chosen), log_scale, memory.FADE_FRACTION)


def faded_after(forget_bias: float) -> int | None:
    """The fewest steps after which less than 1% of the value is left (gates.pulse_kept is False);
    None if it is still visible after rnncore's longest run."""
    return next((steps for steps in range(1, MAX_STEPS + 1) if not gates.pulse_kept(forget_bias, steps)), None)


# --- Hold a value for k steps: gates set by hand ---------------------------------------------------------

def hold_steps(k: int) -> int:
    """The held sequence's length: write at 0, read at k, clear at k + 1, then HOLD_AFTER more steps."""
    return k + 2 + HOLD_AFTER


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def hold(k: int, value: float) -> gates.GatedResult:
    """The hand-set LSTM (gates.hold_weights) writing `value` at t = 0 and cleared at t = k + 1."""
    return gates.run(gates.hold_inputs(hold_steps(k), value, clear_at=k + 1), gates.hold_weights())


HOLD_SERIES = (("write", "input gate i"), ("forget", "forget gate f"), ("output", "output gate o"),
               ("cell", "cell state c"), ("h", "output h"))


def hold_table(result: gates.GatedResult, X: np.ndarray) -> pd.DataFrame:
    """One row per step: the three inputs, the gates, the cell state and the output."""
    g = {name: result.gates[name][0, :, 0].astype(float) for name in ("input", "forget", "candidate", "output", "cell")}
    return pd.DataFrame({"t": np.arange(X.shape[1]), "value in": X[0, :, 0], "write": X[0, :, 1],
                         "clear": X[0, :, 2], "input gate i": g["input"], "forget gate f": g["forget"],
                         "candidate g": g["candidate"], "output gate o": g["output"], "cell state c": g["cell"],
                         "output h": result.outputs[0, :, 0].astype(float)})


def hold_frame(table: pd.DataFrame) -> pd.DataFrame:
    series = ["input gate i", "forget gate f", "output gate o", "cell state c", "output h"]
    return table.melt(id_vars="t", value_vars=series, var_name="series", value_name="value").rename(
        columns={"t": "step"})


@chart_cache.cached_spec
def hold_spec(k: int, value: float):
    result = hold(k, value)
    X = gates.hold_inputs(hold_steps(k), value, clear_at=k + 1)
    return charts.hold_trace(hold_frame(hold_table(result, X)), k)


# --- Check with Keras, and take it away --------------------------------------------------------------------

@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner="Running Keras' LSTM and GRU (the first time loads "
                                                         "TensorFlow)…")
def keras_gaps(units: int, seed: int, forget_bias: float, steps: int, pattern: str) -> dict:
    """{cell: largest |Keras - NumPy|} over outputs, state (and LSTM's cell state)."""
    X = sequence(steps, pattern, seed)
    _, lstm, gru = layers(units, seed, forget_bias)
    gaps = {}
    for cell, w in (("LSTM", lstm), ("GRU", gru)):
        mine, theirs = gates.run(X, w), gates.run(X, w, backend="keras")
        pairs = [(mine.outputs, theirs.outputs), (mine.state, theirs.state)]
        if w.kind == "lstm":
            pairs.append((mine.cell, theirs.cell))
        gaps[cell] = max(float(np.abs(a.astype(np.float64) - b).max()) for a, b in pairs)
    return gaps


@st.fragment
def pulse_section(forget_bias: float) -> None:
    """One pulse kept by a forget gate at σ(bias). A fragment: its question, step slider and log toggle
    rerun this section only (the forget-gate bias is the page's, so it reruns the page)."""
    answered = predict.predict_first("gated.pulse_20")
    pulse_steps = controls.slider("gate_pulse_steps")
    kept = pulse_kept_over_time(biases(forget_bias), pulse_steps)
    own = kept[biases(forget_bias).index(forget_bias)]
    chart_column, text_column = st.columns([3, 2])
    with chart_column:
        log_scale = controls.toggle("gate_log")
        spec = kept_spec(biases(forget_bias), kept, forget_bias, log_scale)
        chart_cache.show(spec)
        experiment.chart_download(spec, PAGE, "kept_by_forget_bias")
    text_column.markdown(
        "Here the LSTM's gates are **set by hand** (`gates.hold_weights`): one pulse is written at t = 0, then "
        "nothing more is written, and the forget gate sits at σ(bias) at every step. So the cell keeps exactly "
        "σ(bias)ᵗ of the value after t steps. The thick line is your bias; thin lines compare others. "
        "Keras starts every LSTM with bias 1 (`unit_forget_bias=True`): before training, such a cell "
        "forgets most of a value within about 15 steps.")
    faded = faded_after(forget_bias)
    one, two, three = chart_column.columns(3)
    one.metric("Kept per step σ(bias)", f"{gates.kept_fraction(forget_bias, 1):.4f}")
    two.metric(f"Kept after {pulse_steps} steps", f"{own[-1]:.4g}")
    three.metric("Below 1% after", (f"{faded} steps" if faded else "never (200 steps)") if answered else "predict first")


@st.fragment
def hold_section() -> None:
    """An LSTM with gates set by hand holds a value for k steps. A fragment: its two sliders rerun this
    section only; the table of every gate at every step is drawn only when opened."""
    k_column, value_column = st.columns(2)
    k, value = controls.slider("lab_k", k_column), controls.slider("gate_hold_value", value_column)
    table = hold_table(hold(k, value), gates.hold_inputs(hold_steps(k), value, clear_at=k + 1))
    chart_column, text_column = st.columns([3, 2])
    chart_cache.show(hold_spec(k, value), chart_column)
    text_column.markdown(
        f"The Keras lab's **recall** task shows a network k + 1 values and asks, at the last step, for the "
        f"first. An LSTM can do it with three inputs per step (value, write, clear) and gates set by hand: the "
        f"input gate opens only when *write* is 1, the forget gate stays at σ(10) ≈ 0.99995 until *clear* is 1, "
        f"the output gate is always open. The value goes in at t = 0, is read at t = k = {k} (the dashed rule), "
        f"and the cell is cleared at t = {k + 1}.")
    start, read = text_column.columns(2)
    start.metric("Cell at t = 0", f"{table['cell state c'].iloc[0]:.6f}")
    read.metric(f"Cell at t = k = {k}", f"{table['cell state c'].iloc[k]:.6f}")
    experiment.page_link("keras_lab", text_column, label=f"Train on recall with k = {k} in the Keras lab",
                         query_params={"lab_task": "recall", "lab_k": str(k)})
    if (box := on_demand("Every gate at every step, as numbers", "gate_hold_table")).open:
        box.dataframe(table, hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.6f")
                                                             for c in table.columns if c not in ("t",)})


@st.fragment
def keras_section(units: int, seed: int, forget_bias: float, steps: int, pattern: str) -> None:
    """The Keras check, only when asked: a fragment, so the toggle reruns this section alone."""
    if not controls.toggle("gate_keras"):
        st.caption("The Keras check is off: the numbers above are rnncore's NumPy cells. Switch it on to run "
                   "`keras.layers.LSTM` and `GRU` with the same weights.")
        return
    try:
        gaps = keras_gaps(units, seed, forget_bias, steps, pattern)
    except Exception as error:  # TensorFlow missing or broken: the NumPy half of the page still works
        st.warning(f"The Keras check could not run here ({type(error).__name__}); the NumPy numbers stand.")
        return
    columns = st.columns(len(gaps))
    for column, (cell, gap) in zip(columns, gaps.items()):
        column.metric(f"Largest |Keras − NumPy|, {cell}", f"{gap:.2e}",
                      help=f"Over every output, the last state{' and cell state' if cell == 'LSTM' else ''}.")
    agree = all(gap <= AGREEMENT for gap in gaps.values())
    st.caption(("They agree" if agree else "They DISAGREE: please report this")
               + f" (tolerance {AGREEMENT:g}, float32 rounding). Keras does not hand out its gates, so only "
               "outputs and states can be compared; the gates follow from them.")


def npz_bytes(units: int, seed: int, forget_bias: float, steps: int, pattern: str) -> bytes:
    """The sequence, every layer's weights and every panel over time, for `np.load`."""
    X = sequence(steps, pattern, seed)
    simple, lstm, gru = layers(units, seed, forget_bias)
    shown = compare(units, seed, forget_bias, steps, pattern)
    arrays = {"X": X, "simple_Wx": simple.Wx, "simple_Wy": simple.Wy, "simple_b": simple.b}
    for name, w in (("lstm", lstm), ("gru", gru)):
        arrays |= {f"{name}_kernel": w.kernel, f"{name}_recurrent_kernel": w.recurrent_kernel, f"{name}_bias": w.bias}
    for cell, panels in shown.items():
        arrays |= {f"{cell}_{key}": np.asarray(value) for key, value in panels.items()}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def notebook(units: int, seed: int, forget_bias: float, steps: int, pattern: str):
    """The page's sequence through the three cells as a notebook, with the page's NumPy outputs to check."""
    X, (simple, lstm, gru) = sequence(steps, pattern, seed), layers(units, seed, forget_bias)
    runs = {"SimpleRNN": run_manual(X, simple), "LSTM": gates.run(X, lstm), "GRU": gates.run(X, gru)}
    return notebooks.gated_notebook(X, simple, lstm, gru, {cell: r.outputs for cell, r in runs.items()},
                                    runs["LSTM"].cell, origin(seed, forget_bias))


def origin(seed: int, forget_bias: float) -> str:
    return (f"Recurrence Lab, seed {seed}: SimpleRNN by rnncore.memory.memory_weights (spectral radius "
            f"{SIMPLE_RADIUS}), LSTM and GRU by rnncore.gates.init_weights, forget bias {forget_bias:g}")


def take_away_section(units: int, seed: int, forget_bias: float, steps: int, pattern: str) -> None:
    """The notebook (built on click), then the arrays and notebook code, made only while their expander is open."""
    experiment.notebook_download(PAGE, lambda: notebook(units, seed, forget_bias, steps, pattern))
    box = on_demand("Take this run with you: files and notebook code", experiment.take_away_key(PAGE),
                    icon=":material/download:")
    if not box.open:
        return
    with box:
        settings = (units, seed, forget_bias, steps, pattern)
        st.download_button("All arrays (NPZ)", lambda: npz_bytes(*settings), file_name="recurrence_lab_gated.npz",
                           mime="application/octet-stream", key="download_gated_npz", on_click="ignore")
        st.markdown("**Reproduce in a notebook**: Keras 3's `SimpleRNN`, `LSTM` and `GRU` with the exact "
                    "weights of this page, on the same sequence; it prints the same outputs (the copy button "
                    "is at the top right of the code).")
        simple, lstm, gru = layers(*settings[:3])
        st.code(gated_notebook_code(sequence(steps, pattern, seed), simple, lstm, gru, origin(seed, forget_bias)),
                language="python")
