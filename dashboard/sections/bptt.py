"""The BPTT page's cached call into rnncore.bptt, the filled-in step back, its tidy frames and chart specs.

`step_back` recomputes one number of the backward pass term by term, as dashboard/equation.py does for
the forward step, and keeps rnncore's value beside it, so the page can show that the two agree:

    e[t-1][e, n] = sum_j d[t][e, j] * Wy[n, j],     d[t][e, j] = e[t][e, j] * s[t][e, j]
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import chart_cache, charts, controls, inputs_table
from dashboard.sections.by_hand import pick
from dashboard.compute import CACHE_ENTRIES
from dashboard.equation import TERMS_PER_LINE, tex_number
from rnncore import bptt
from rnncore.lesson import notebooks
from rnncore.config import AGREEMENT, RNNWeights

PAGE = "bptt"
SLOPE_TEX = {"tanh": "1 - (Y^{{({t})}})^2", "relu": r"[z^{{({t})}} > 0]", "linear": "1"}  # .format(t=step)


def inputs(batch: int, steps: int, n_inputs: int) -> np.ndarray:
    """The by-hand page's input table as this session left it (the lesson's batch if it was never edited)."""
    canvas = st.session_state.get(inputs_table.CANVAS_KEY)
    canvas = inputs_table.default_canvas() if canvas is None else canvas
    return np.array(canvas[:batch, :steps, :n_inputs], np.float32)  # (batch, steps, inputs)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def backprop(X: np.ndarray, w: RNNWeights) -> bptt.Backprop:
    return bptt.backprop(X, w)


@dataclass(frozen=True)
class StepBack:
    """One number of the backward pass, filled in: the error that step t sends to step t-1, neuron n."""
    example: int
    step: int
    neuron: int
    error: float                              # e[t][e, n]
    output: float                             # Y[t][e, n]
    slope: float                              # s[t][e, n]
    terms: tuple[tuple[float, float], ...]    # (d[t][e, j], Wy[n, j]) for each neuron j
    reference: float | None                   # rnncore's e[t-1][e, n]; None at t = 0

    @property
    def value(self) -> float:
        return math.fsum(d * wy for d, wy in self.terms)

    @property
    def agrees(self) -> bool:
        return self.reference is None or abs(self.value - self.reference) <= AGREEMENT * max(1.0, abs(self.reference))


def step_back(r: bptt.Backprop, example: int, step: int, neuron: int) -> StepBack:
    batch, steps, neurons = r.error.shape
    if not (0 <= example < batch and 0 <= step < steps and 0 <= neuron < neurons):
        raise ValueError(f"(example, step, neuron) must lie within ({batch}, {steps}, {neurons}), "
                         f"got ({example}, {step}, {neuron})")
    delta = r.delta[example, step]                                   # (neurons,) d[t] = e[t] * s[t]
    terms = tuple((float(d), float(wy)) for d, wy in zip(delta, r.Wy[neuron]))
    return StepBack(example, step, neuron, float(r.error[example, step, neuron]),
                    float(r.outputs[example, step, neuron]), float(r.slope[example, step, neuron]), terms,
                    float(r.error[example, step - 1, neuron]) if step else None)


def _factor(value: float) -> str:
    return f"({tex_number(value)})" if value < 0 else tex_number(value)


def step_back_latex(s: StepBack, activation: str) -> str:
    """The slope, the error times the slope, and the sum that carries the error one step back."""
    t, e, n = s.step, s.example, s.neuron
    slope = {"tanh": rf"1 - {_factor(s.output)}^2", "relu": "[z > 0]", "linear": "1"}[activation]
    lines = [rf"s^{{({t})}}_{{{e},{n}}} &= {SLOPE_TEX[activation].format(t=t)}",
             rf"&= {slope} = {tex_number(s.slope)}",
             rf"d^{{({t})}}_{{{e},{n}}} &= e^{{({t})}}_{{{e},{n}}}\, s^{{({t})}}_{{{e},{n}}}",  # short lines: a phone
             rf"&= {_factor(s.error)}\cdot{_factor(s.slope)} = {tex_number(s.error * s.slope)}"]
    if t > 0:
        products = [rf"{_factor(d)}\cdot{_factor(wy)}" for d, wy in s.terms]
        rows = [" + ".join(products[i:i + TERMS_PER_LINE]) for i in range(0, len(products), TERMS_PER_LINE)]
        lines += [rf"e^{{({t - 1})}}_{{{e},{n}}} &= \sum_j d^{{({t})}}_{{{e},j}}\, W_y[{n},j]",
                  "&= " + r" \\ &\qquad + ".join(rows), rf"&= {tex_number(s.value)}"]
    return r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}"


SIX = {"format": "%.6g"}


@st.fragment
def step_section(r: bptt.Backprop, w: RNNWeights) -> None:
    """Pick an example, a step and a neuron; show that step back with its numbers, and what the step adds to
    the weights. A fragment: these three sliders rerun this section only."""
    batch, steps, neurons = r.error.shape
    columns = st.columns(3)
    example, step, neuron = (pick(key, count, column) for key, count, column in
                             zip(("example", "step", "neuron"), (batch, steps, neurons), columns))
    filled = step_back(r, example, step, neuron)
    st.latex(step_back_latex(filled, w.activation))
    if step == 0:
        st.markdown("At t = 0 the walk ends: there is no earlier step to send the error to. Move the step "
                    "slider up to see the error travel back through `Wy`.")
    else:
        verdict = "the same number" if filled.agrees else "**a different number: please report this**"
        st.markdown(f"`rnncore.bptt` computed e[{step - 1}] = `{filled.reference:.6g}` for this example and "
                    f"neuron: {verdict}.")
    factor, adds = st.columns(2)
    factor.markdown(f"**The factor of step {step}**, diag(s[{step}]) · Wyᵀ, for example {example}: "
                    f"e[{step - 1 if step else '−1'}] = e[{step}] · factor. Rows: neuron at t, columns: neuron at t−1.")
    factor.dataframe(matrix_table(r.factor(step)[example], "at t", "to t−1"),
                     column_config={f"to t−1 {j}": st.column_config.NumberColumn(**SIX) for j in range(neurons)})
    adds.markdown(f"**What step {step} adds to dL/dWy**, Y[{step - 1}]ᵀ · d[{step}] summed over the batch"
                  + (" (nothing at t = 0):" if step == 0 else ":"))
    adds.dataframe(matrix_table(r.dWy_steps[step], "from", "to"),
                   column_config={f"to {j}": st.column_config.NumberColumn(**SIX) for j in range(neurons)})
    adds.markdown(f"and to dL/db: d[{step}] summed over the batch = "
                  + ", ".join(f"`{v:.6g}`" for v in r.db_steps[step]))
    st.markdown("**Every step, last first** (the order the walk visits them). ‖·‖ is the size of a whole "
                "vector or matrix (the square root of the sum of squares); ‖factor‖ is how much it can "
                "stretch an error at most.")
    table = steps_table(r, example)
    st.dataframe(table, hide_index=True, column_config={c: st.column_config.NumberColumn(**SIX)
                                                        for c in table.columns if c != "t"})


def steps_table(r: bptt.Backprop, example: int) -> pd.DataFrame:
    """One row per step, last first (the order backpropagation visits them)."""
    factor = r.factor_norms[example]
    table = pd.DataFrame({"t": np.arange(r.error.shape[1]), "‖e[t]‖": r.error_norms,
                          f"‖factor[t]‖ (example {example})": factor, "‖dWx[t]‖": r.dWx_norms,
                          "‖dWy[t]‖": r.dWy_norms, "‖db[t]‖": r.db_norms})
    return table.iloc[::-1].reset_index(drop=True)


def matrix_table(matrix: np.ndarray, row: str, col: str) -> pd.DataFrame:
    """A small matrix with named rows and columns, for st.dataframe."""
    return pd.DataFrame(matrix, index=pd.Index([f"{row} {i}" for i in range(matrix.shape[0])]),
                        columns=[f"{col} {j}" for j in range(matrix.shape[1])])


def norms_frame(r: bptt.Backprop) -> pd.DataFrame:
    """rows step, weight, value: each step's contribution norm to Wx, Wy and b; overflowed (inf) ones left out."""
    steps = r.error.shape[1]
    frame = pd.concat([pd.DataFrame({"step": np.arange(steps), "weight": weight, "value": norms})
                       for weight, norms in (("Wx", r.dWx_norms), ("Wy", r.dWy_norms), ("b", r.db_norms))],
                      ignore_index=True)
    return frame[np.isfinite(frame["value"])].reset_index(drop=True)


def panels_frame(r: bptt.Backprop) -> pd.DataFrame:
    """rows panel, order, row, col, value: each step's dWy[t], then their sum dL/dWy."""
    frames = []
    matrices = list(r.dWy_steps) + [r.dWy]
    for order, matrix in enumerate(matrices):
        rows, cols = np.meshgrid(np.arange(matrix.shape[0]), np.arange(matrix.shape[1]), indexing="ij")
        label = f"t = {order}" if order < len(matrices) - 1 else "sum = dL/dWy"
        frames.append(pd.DataFrame({"panel": label, "order": order, "row": rows.ravel(), "col": cols.ravel(),
                                    "value": matrix.ravel()}))
    frame = pd.concat(frames, ignore_index=True)
    return frame[np.isfinite(frame["value"])].reset_index(drop=True)


@chart_cache.cached_spec
def norms_spec(X: np.ndarray, w: RNNWeights, log_scale: bool):
    return charts.contribution_norms(norms_frame(backprop(X, w)), log_scale)


@chart_cache.cached_spec
def panels_spec(X: np.ndarray, w: RNNWeights):
    return charts.contribution_panels(panels_frame(backprop(X, w)))


def vanish_text(r: bptt.Backprop) -> str:
    """Where the contributions to Wy vanish or explode, in a sentence."""
    norms = r.dWy_norms[1:]  # dWy[0] is 0: there is no Y[-1]
    if len(norms) < 2:
        return "With one step back there is only one contribution to Wy: add steps to see them shrink or grow."
    if not np.isfinite(norms).all():
        return "Some contributions overflowed (inf): the error **exploded** on its way back."
    first, last = norms[0], norms[-1]
    if last == 0:
        return "The last step's contribution is 0 here (a relu that is off, or a zero state)."
    ratio = first / last
    if ratio < 1e-2:
        return (f"The contribution of t = 1 is {ratio:.2g} times the last step's: the error **vanished** on "
                "its way back, and the early steps hardly move Wy.")
    if ratio > 1e2:
        return (f"The contribution of t = 1 is {ratio:.2g} times the last step's: the error **exploded** on "
                "its way back, and the early steps dominate the sum.")
    return (f"The contribution of t = 1 is {ratio:.2g} times the last step's: over these few steps the error "
            "neither vanished nor exploded. **Try** 20 steps, then a small or a large weight scale.")


def notebook(X: np.ndarray, w: RNNWeights, origin: str):
    """This run's loss and gradients as a notebook: tf.gradients (TF1) and tf.GradientTape (Keras 3) check them."""
    r = backprop(X, w)
    return notebooks.bptt_notebook(X, w, r.loss, r.dWx, r.dWy, r.db, origin)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner="Computing the gradients with tf.GradientTape (the "
                                                         "first time loads TensorFlow)…")
def tape_gap(X: np.ndarray, w: RNNWeights) -> tuple[float, float]:
    """TF's loss and the largest |tape - rnncore| over dL/dWx, dL/dWy, dL/db (relative above 1)."""
    from rnncore.tf.bptt_tape import tape_totals

    totals = tape_totals(X, w)
    return totals.loss, totals.largest_difference(backprop(X, w))


@st.fragment
def tape_section(X: np.ndarray, w: RNNWeights) -> None:
    """The GradientTape check, only when asked: a fragment, so the toggle reruns this section alone."""
    if not controls.toggle("bptt_tape"):
        st.caption("The check is off. Switch it on to let `tf.GradientTape` differentiate the same loss "
                   "through the same steps and compare its dL/dWx, dL/dWy, dL/db with the sums above.")
        return
    try:
        loss, gap = tape_gap(X, w)
    except Exception as error:  # TensorFlow missing or broken: the NumPy numbers still stand
        st.warning(f"The GradientTape check could not run here ({type(error).__name__}); the NumPy numbers stand.")
        return
    left, right = st.columns(2)
    left.metric("Loss by TensorFlow", f"{loss:.6g}")
    right.metric("Largest |tape − by hand|", f"{gap:.2e}", help="Over every entry of dL/dWx, dL/dWy and dL/db; "
                 "relative where an entry exceeds 1.")
    st.caption(("They agree" if gap <= AGREEMENT else "They DISAGREE: please report this")
               + f" (tolerance {AGREEMENT:g}). The tape never sees separate weights per step: it adds the "
                 "steps' contributions itself, exactly as the sums above do.")
