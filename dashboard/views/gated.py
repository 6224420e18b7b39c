"""Gated cells: SimpleRNN, LSTM and GRU on the same sequence, each gate over time, and the gates' job."""
import streamlit as st

from dashboard import experiment, notices, presenter
from dashboard.chart_cache import show
from dashboard.controls import select, slider, strip
from dashboard.sections import gated as sections

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
    where = presenter.places(("gate_pattern", "seed"))
    pattern, seed = select("gate_pattern", where["gate_pattern"]), slider("seed", where["seed"])
    st.header("The cells")
    units = slider("gate_units", presenter.places(("gate_units",))["gate_units"])

st.header("1. One sequence, three cells")
bias_column, steps_column = strip(sections.PAGE, 2)  # in the main area, just above the charts they drive
forget_bias, steps = slider("gate_forget_bias", bias_column), slider("gate_steps", steps_column)
settings = (units, seed, forget_bias, steps, pattern)
shown = sections.compare(*settings)
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
    "above: at 5 the row turns deep blue (≈ 0.99) and the cell state keeps its colour across the "
    "whole run. The GRU has no separate cell: its update gate z mixes the old output and the candidate, "
    "h[t] = z · h[t−1] + (1 − z) · n[t].")

st.header("2. The LSTM's cell state against its output")
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

st.header("3. How long does the cell keep a value? The forget-gate bias")
sections.pulse_section(forget_bias)

st.header("4. Hold a value for k steps, with the gates set by hand")
sections.hold_section()
st.markdown(
    "A trained LSTM has to *find* weights like these by gradient descent, starting from a forget gate at "
    "0.73: that is why, in the Keras lab, it often needs more epochs than you would expect on long recalls.")

st.header("5. Check with Keras")
sections.keras_section(*settings)

st.header("6. Take this experiment with you")
sections.take_away_section(*settings)
experiment.share_link()
