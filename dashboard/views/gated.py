"""Gated cells: SimpleRNN, LSTM and GRU on the same sequence, each gate over time, and the gates' job."""
import streamlit as st

from dashboard import experiment, notices, presenter
from dashboard.chart_cache import show
from dashboard.controls import select, slider, toggle
from dashboard.sections import gated as sections
from dashboard.sections import predict
from rnncore import gates


st.title("Inside the gated cells: LSTM and GRU")
notices.show_url_notices("gated")
st.markdown(
    "A SimpleRNN overwrites its state at every step: Y[t] = tanh(X[t] · Wx + Y[t−1] · Wy + b), so what it "
    "keeps of the past is whatever survives another pass through `Wy` and tanh. LSTM and GRU add **gates**: "
    "numbers between 0 and 1, computed at every step from the input and the previous output, that multiply "
    "what is written, kept and shown. A gate at 1 passes a value unchanged, a gate at 0 blocks it. This page "
    "runs the three cells by hand in NumPy (`rnncore.gates`, Keras' own weight layout and gate order) and "
    "shows every gate at every step.")

with st.sidebar:
    st.header("The sequence")
    where = presenter.places(("gate_pattern", "gate_steps", "seed"))
    pattern, steps = select("gate_pattern", where["gate_pattern"]), slider("gate_steps", where["gate_steps"])
    seed = slider("seed", where["seed"])
    st.header("The cells")
    where = presenter.places(("gate_units", "gate_forget_bias"))
    units, forget_bias = slider("gate_units", where["gate_units"]), slider("gate_forget_bias", where["gate_forget_bias"])
settings = (units, seed, forget_bias, steps, pattern)
shown = sections.compare(*settings)

st.subheader("1. One sequence, three cells")
st.markdown(
    f"The same {steps}-step `{pattern}` sequence (3 inputs, each the same value at a step) goes into a SimpleRNN, "
    f"an LSTM and a GRU of {units} unit{'s' if units > 1 else ''} each, weights drawn from seed {seed} as Keras "
    "draws them (the SimpleRNN: rnncore's basic cell, `Wy` at spectral radius 0.9). Each panel is one gate "
    "over time, **one row per unit**: white is 0 (closed), blue near +1 (open), red negative.")
for column, cell in zip(st.columns([5, 5, 6]), sections.CELLS):  # at their own size: stretched, they are cut
    show(sections.gate_spec(shown[cell], cell), column, width="content")
st.markdown(
    "**Notice** the LSTM's forget gate: with the bias at Keras' default of 1 it sits around σ(1) = 0.73, "
    "so without new input the cell loses about a quarter of itself per step. **Try** the forget-gate bias "
    "in the sidebar: at 5 the row turns deep blue (≈ 0.99) and the cell state keeps its colour across the "
    "whole run. The GRU has no separate cell: its update gate z mixes the old output and the candidate, "
    "h[t] = z · h[t−1] + (1 − z) · n[t].")

st.subheader("2. The LSTM's cell state against its output")
chart_column, text_column = st.columns([3, 2])
show(sections.cell_output_spec(shown["LSTM"]["cell"], shown["LSTM"]["outputs"]), chart_column)
text_column.markdown(
    "An LSTM carries **two** things from step to step: the cell state c[t] (solid) and the output "
    "h[t] = o[t] · tanh(c[t]) (dashed). The cell is the memory: it is only ever scaled by the forget gate "
    "and added to, c[t] = f[t] · c[t−1] + i[t] · g[t], never squashed, so it can grow past 1. The output is "
    "what the rest of the network sees: squashed by tanh and dimmed by the output gate.")
first, last = text_column.columns(2)
first.metric("Largest |c[t]|", f"{abs(shown['LSTM']['cell']).max():.4f}")
last.metric("Largest |h[t]|", f"{abs(shown['LSTM']['outputs']).max():.4f}")

st.subheader("3. How long does the cell keep a value? The forget-gate bias")
answered = predict.predict_first("gated.pulse_20")
pulse_steps = slider("gate_pulse_steps")
kept = sections.pulse_kept_over_time(sections.biases(forget_bias), pulse_steps)
own = kept[sections.biases(forget_bias).index(forget_bias)]
chart_column, text_column = st.columns([3, 2])
with chart_column:
    log_scale = toggle("gate_log")
    spec = sections.kept_spec(sections.biases(forget_bias), kept, forget_bias, log_scale)
    show(spec)
    experiment.chart_download(spec, sections.PAGE, "kept_by_forget_bias")
text_column.markdown(
    "Here the LSTM's gates are **set by hand** (`gates.hold_weights`): one pulse is written at t = 0, then "
    "nothing more is written, and the forget gate sits at σ(bias) at every step. So the cell keeps exactly "
    "σ(bias)ᵗ of the value after t steps. The thick line is your bias; thin lines compare others. "
    "Keras starts every LSTM with bias 1 (`unit_forget_bias=True`): before training, such a cell "
    "forgets most of a value within about 15 steps.")
faded = sections.faded_after(forget_bias)
one, two, three = chart_column.columns(3)
one.metric("Kept per step σ(bias)", f"{gates.kept_fraction(forget_bias, 1):.4f}")
two.metric(f"Kept after {pulse_steps} steps", f"{own[-1]:.4g}")
three.metric("Below 1% after", (f"{faded} steps" if faded else "never (200 steps)") if answered else "predict first")

st.subheader("4. Hold a value for k steps, with the gates set by hand")
k_column, value_column = st.columns(2)
k, value = slider("lab_k", k_column), slider("gate_hold_value", value_column)
held = sections.hold(k, value)
table = sections.hold_table(held, gates.hold_inputs(sections.hold_steps(k), value, clear_at=k + 1))
chart_column, text_column = st.columns([3, 2])
show(sections.hold_spec(k, value), chart_column)
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
with st.expander("Every gate at every step, as numbers"):
    st.dataframe(table, hide_index=True, column_config={c: st.column_config.NumberColumn(format="%.6f")
                                                        for c in table.columns if c not in ("t",)})
st.markdown(
    "A trained LSTM has to *find* weights like these by gradient descent, starting from a forget gate at "
    "0.73: that is why, in the Keras lab, it often needs more epochs than you would expect on long recalls.")

st.subheader("5. Check with Keras")
sections.keras_section(*settings)

st.subheader("6. Take this experiment with you")
sections.take_away_section(*settings)
experiment.share_link()
