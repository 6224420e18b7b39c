"""The memory page's cached calls into rnncore.memory, its tidy frames, chart specs and longer sections.

Every cached computation takes plain settings (ints, floats, strings, tuples) and returns NumPy, so
`st.cache_data` keys it by the settings; TensorFlow is imported only by `credit`, on first use. Chart
specs are cached too, as `chart_cache` does for the other pages: a slider moved back to a value it had
skips Altair's schema validation.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import chart_cache, charts
from dashboard.compute import CACHE_ENTRIES
from dashboard.controls import slider, toggle
from dashboard.sections.shared import on_demand
from rnncore import memory
from rnncore.lesson import notebooks
from rnncore.manual import run_manual
from rnncore.config import AGREEMENT, init_weights

COMPARE_RADII = (0.5, 0.9, 1.1, 1.5)  # drawn beside the student's own radius: two that fade, two that grow


def radii(chosen: float) -> tuple[float, ...]:
    return tuple(sorted(set(COMPARE_RADII) | {chosen}))


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def state_norms(neurons: int, seed: int, activation: str, radii: tuple, steps: int, pattern: str,
                amplitude: float) -> np.ndarray:
    """(radii, steps) ||Y[t]||, inf from where a state overflowed float32."""
    X = memory.input_pattern(steps, pattern, amplitude, seed)
    drawn = init_weights(memory.MEMORY_INPUTS, neurons, seed, 1.0, activation)  # rescaled once per radius,
    return memory.radius_sweep(drawn, radii, X)                 # so the same Wy as memory_weights(..., radius)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def eigenvalues(neurons: int, seed: int, radius: float) -> tuple[np.ndarray, float]:
    """Wy's eigenvalues at `radius`, and the spectral radius of Wy as drawn (before rescaling)."""
    drawn = init_weights(memory.MEMORY_INPUTS, neurons, seed)
    return memory.eigenvalues(memory.with_radius(drawn, radius).Wy), memory.spectral_radius(drawn.Wy)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def history(neurons: int, seed: int, activation: str, radius: float, history_steps: int,
            amplitude: float) -> memory.HistoryExample:
    w = memory.memory_weights(neurons, seed, radius, activation)
    return memory.history_example(w, history_steps, amplitude, seed)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner="Computing gradients with tf.GradientTape "
                                                         "(the first time loads TensorFlow)…")
def credit(neurons: int, seed: int, activation: str, radii: tuple, steps: int, pattern: str,
           amplitude: float) -> tuple[np.ndarray, float]:
    """(radii, steps) ||d Y[T] / d X[t]|| by GradientTape, and TF's largest |Y[T] - NumPy's Y[T]|,
    relative to the size of Y[T] where that exceeds 1 (a linear state can reach 1e30)."""
    X = memory.input_pattern(steps, pattern, amplitude, seed)
    ws = [memory.memory_weights(neurons, seed, r, activation) for r in radii]
    result = memory.credit_sweep(ws, X)
    reference = np.stack([memory.impulse_response(w, X)[-1] for w in ws])
    with np.errstate(invalid="ignore"):
        gap = np.abs(result.final.astype(np.float64) - reference) / np.maximum(1.0, np.abs(reference))
    gap = float(gap.max()) if np.all(np.isfinite(gap)) else float("inf")
    return result.norms, gap


def notebook(neurons: int, seed: int, activation: str, radius: float, steps: int, pattern: str, amplitude: float):
    """The chosen radius's run as a notebook: its outputs and the page's ||Y[t]|| (the thick line) to check."""
    X = memory.input_pattern(steps, pattern, amplitude, seed)[None]  # (1, steps, inputs)
    w = memory.memory_weights(neurons, seed, radius, activation)
    shown = radii(radius)
    norms = state_norms(neurons, seed, activation, shown, steps, pattern, amplitude)[shown.index(radius)]
    origin = f"Recurrence Lab's init_weights, seed {seed}, with Wy rescaled to spectral radius {radius:g}"
    return notebooks.memory_notebook(X, w, run_manual(X, w).outputs, norms, radius, origin)


def radius_frame(radii: tuple, values: np.ndarray, chosen: float) -> pd.DataFrame:
    """(radii, steps) -> rows radius, step, value, chosen; steps that overflowed are left out."""
    steps = values.shape[1]
    frame = pd.DataFrame({"radius": np.repeat(radii, steps), "step": np.tile(np.arange(steps), len(radii)),
                          "value": values.ravel(), "chosen": np.repeat(np.isclose(radii, chosen), steps)})
    return frame[np.isfinite(frame["value"])].reset_index(drop=True)


def eigen_frame(values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"real": values.real, "imag": values.imag, "magnitude": np.abs(values)})


def history_frame(final: np.ndarray) -> pd.DataFrame:
    """The last step's outputs (2, neurons): rows example (0 quiet, 1 busy), neuron, value."""
    final = final.astype(float)
    neurons = final.shape[1]
    return pd.DataFrame({"example": np.repeat([0, 1], neurons), "neuron": np.tile(np.arange(neurons), 2),
                         "value": final.ravel()})


@chart_cache.cached_spec
def state_norm_spec(radii: tuple, norms: np.ndarray, chosen: float, log_scale: bool):
    return charts.state_norm_by_radius(radius_frame(radii, norms, chosen), log_scale)


@chart_cache.cached_spec
def credit_spec(radii: tuple, norms: np.ndarray, chosen: float):
    return charts.credit_by_radius(radius_frame(radii, norms, chosen))


@chart_cache.cached_spec
def eigen_spec(values: np.ndarray, radius: float):
    return charts.eigenvalue_plane(eigen_frame(values), radius)


@chart_cache.cached_spec
def history_spec(final: np.ndarray):
    return charts.history_outputs(history_frame(final))


FLOAT32 = ("float32's largest number, about 3.4e38", "float32's smallest number, about 1e-45")
FLOAT64 = ("float64's largest number, about 1.8e308", "float64's smallest number, about 1e-308")


def range_notes(radii: tuple, values: np.ndarray, what: str, number_type: tuple, log_scale: bool) -> None:
    """Captions for the points a chart cannot draw: past the number type's range (inf), or 0 on a log axis."""
    for radius, row in zip(radii, values):
        if np.isinf(row).any():
            st.caption(f"ρ = {radius:.2f}: the {what} passed {number_type[0]} from "
                       f"t = {int(np.argmax(np.isinf(row)))} on; those steps are not drawn.")
    zeros = {radius: int((row == 0).sum()) for radius, row in zip(radii, values) if (row == 0).any()}
    if zeros and log_scale:
        listed = ", ".join(f"ρ = {r:.2f} at {n} step{'s' if n > 1 else ''}" for r, n in zeros.items())
        st.caption(f"The {what} is 0 (or below {number_type[1]}) for {listed}: a log axis has no place for 0, "
                   "so those points are missing.")


def fade_text(norms: np.ndarray, pattern: str) -> tuple[str, str]:
    """A label and a value for the third metric: when the pulse faded (pulse) or the largest norm."""
    if pattern != "pulse":
        return "Largest ‖Y[t]‖", f"{norms.max():.4g}"
    if norms[0] == 0:
        return "Below 1% of ‖Y[0]‖", "Y[0] = 0"
    step = memory.fade_step(norms)
    return "Below 1% of ‖Y[0]‖", (f"at t = {step}" if step is not None else "never")


@st.fragment
def history_section(neurons: int, seed: int, activation: str, radius: float, amplitude: float) -> None:
    """The same last input after a quiet and a busy past. A fragment: its history slider reruns this
    section only; the table of the two outputs is drawn only when opened."""
    example = history(neurons, seed, activation, radius, slider("mem_history"), amplitude)
    chart_column, text_column = st.columns([3, 2])
    chart_cache.show(history_spec(example.outputs[:, -1]), chart_column)
    text_column.markdown(
        f"Two sequences end with the **same** input x (every input = {amplitude:g}). Before it, one saw "
        f"{example.inputs.shape[1] - 1} steps of zeros, the other as many steps of noise. A network without "
        "state would give both the same last output; this one does not, because Y[T−1] · Wy brings the past "
        "in. **Try** ρ = 0: `Wy` = 0, the past is forgotten and the bars match. Make the history longer with a "
        "small ρ: only the last few steps of noise still count.")
    text_column.metric("‖Y_quiet[T] − Y_busy[T]‖", f"{example.difference:.4g}")
    if (box := on_demand("Both last outputs, neuron by neuron", "mem_history_table", text_column)).open:
        box.dataframe({"neuron": np.arange(neurons), "after zeros": example.outputs[0, -1].astype(float),
                       "after noise": example.outputs[1, -1].astype(float)},
                      hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.6f")
                                                      for c in ("after zeros", "after noise")})


@st.fragment
def credit_section(settings: tuple, chosen: float) -> None:
    """Credit through time, computed only when asked: TensorFlow's import costs seconds the first time.

    A fragment: the toggle reruns this section only. `settings`: (neurons, seed, activation, steps,
    pattern, amplitude)."""
    neurons, seed, activation, steps, pattern, amplitude = settings
    if not toggle("mem_credit"):
        st.info("Switch on **Compute the gradients** to run `tf.GradientTape` for the radii above.", icon=":material/trending_down:")
        return
    compared = radii(chosen)
    norms, gap = credit(neurons, seed, activation, compared, steps, pattern, amplitude)
    chart_column, text_column = st.columns([3, 2])
    chart_cache.show(credit_spec(compared, norms, chosen), chart_column)
    own = norms[compared.index(chosen)]
    text_column.markdown(
        "Each point answers: *if the input at step t changed a little, how much would the last output "
        "move?* Training learns from exactly these numbers, so a step whose gradient is tiny can hardly "
        "teach the network anything.\n\n"
        "**Notice** that the lines are nearly straight on the log axis: every step back multiplies by `Wy` "
        "(and by tanh's slope, at most 1) once more. Below ρ = 1 the gradient **vanishes** the further "
        "back you go; above it, it **explodes**. **Try** tanh with ρ = 1.5: the state saturates, tanh's "
        "slope there is small, and the gradient vanishes after all.")
    first, last, ratio = chart_column.columns(3)
    first.metric("‖∂Y[T]/∂X[0]‖", f"{own[0]:.4g}")
    last.metric("‖∂Y[T]/∂X[T]‖", f"{own[-1]:.4g}")
    ratio.metric("First ÷ last", f"{own[0] / own[-1]:.3g}" if own[-1] > 0 else "—")
    if np.isfinite(gap):
        text_column.caption(f"Check: TensorFlow's forward pass and the NumPy loop differ in Y[T] by at most "
                            f"{gap:.1e} ({'within' if gap <= AGREEMENT else 'OUTSIDE'} the 1e-5 tolerance).")
    range_notes(compared, norms, "gradient", FLOAT64, log_scale=True)
