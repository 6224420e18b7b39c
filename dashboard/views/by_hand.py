"""Recurrence by hand: the lesson's two-step network, generalised to 1..N steps."""
import numpy as np
import streamlit as st

from dashboard.sections import by_hand as sections
from dashboard.sections import predict
from dashboard import chart_cache, compute, experiment, inputs_table, notices
from rnncore.caps import AGREEMENT

notices.show_url_notices("by_hand")

st.title("Recurrence by hand")
st.markdown(
    "The lesson builds a recurrent layer with its bare hands: one input placeholder per time step and "
    "**one** set of weights `Wx`, `Wy`, `b` that every step shares. Each step mixes that step's inputs "
    "with the previous step's outputs:\n\n"
    "$$Y^{(t)} = \\tanh\\big(X^{(t)} W_x + Y^{(t-1)} W_y + b\\big), \\qquad Y^{(-1)} = 0$$\n\n"
    "This page runs that network for as many steps as you like. The defaults are the lesson's: 3 inputs, "
    "5 neurons, 2 steps, and its batch of 4 examples.")

with st.sidebar:
    st.header("The layer")
    side = st.container()
section_1 = st.container()  # filled below, once the table's shape (set in section 2's strip) is known
st.header("2. Each neuron's output over time")
st.markdown(
    "One panel per example, one line per neuron (the colours mean the same neurons on every page). "
    "**Notice** that at t = 0 a neuron sees only the inputs; from t = 1 on it also sees the previous "
    "outputs. **Try** the seed (new weights, same inputs) and the weight scale: large weights push tanh "
    "to ±1, where a neuron stops telling its inputs apart.")
places = sections.layer_places(side, main=sections.PAGE)  # steps, seed and scale just above the chart
shape = sections.layer_controls(places, sections.SHAPE_KEYS)  # the others: in the_run, below
steps, batch = shape["steps"], shape["batch"]

section_1.header("1. The input batch, one row per time step and example")
table_column, table_text = section_1.columns([3, 2])
with table_column:
    X, notes = inputs_table.editor(batch, steps, shape["inputs"])  # (batch, steps, inputs)
for note in notes:
    section_1.warning(f"In the input table: {note}", icon=":material/edit:")
table_text.markdown(
    f"Rows with **t = 0** are the batch fed to the first placeholder (the lesson's `X_t0`), rows with "
    f"**t = 1** the second (`X_t1`), and so on. Click a cell to change it. Cells outside the lesson's "
    f"4 examples × 2 steps × 3 inputs start at **{inputs_table.NEW_CELL_VALUE:g}**; values you typed "
    "come back when a slider shrinks the table and grows it again.")
table_text.button("Reset the table to the lesson's batch", on_click=inputs_table.reset)
if predict.predict_first("by_hand.zero_input", table_text):
    table_text.markdown(
        "**Try:** in the lesson's batch, example 1 gets all zeros at t = 1. Yet its outputs at t = 1 below "
        "are not zero: with `b` = 0, they come entirely from `Y[0] · Wy`, the network's memory of t = 0.")


@st.fragment
def the_run(X: np.ndarray, shape: dict, places: dict) -> None:
    """Sections 2 to 7 for the input table X. A fragment: the settings that leave the table's shape alone
    (seed, scale, neurons, activation, weights) rerun this part only; the table and the page's frame stay."""
    chosen = shape | sections.layer_controls(places, [k for k in sections.LAYER_KEYS if k not in shape])
    settings = {key: chosen[key] for key in sections.LAYER_KEYS}
    neurons, activation = settings["neurons"], settings["activation"]
    w = experiment.layer_weights(settings)  # drawn from the seed, or the book's (with a warning if they don't fit)
    Y = compute.manual_outputs(X, w)  # (batch, steps, neurons)
    sections.what_if_section(X, settings, Y)
    experiment.chart_download(chart_cache.outputs_over_time(Y), "by_hand", "outputs")

    st.header("3. The hidden state, step by step")
    st.markdown(
        "The same numbers as a grid: a row per time step, a column per neuron, blue positive and red "
        "negative. In this simple cell the output **is** the state handed to the next step. "
        "**Try** many steps with a large scale: rows settle into a pattern that no longer depends on the "
        "inputs of long ago. With `relu` or `linear` the colour scale widens to the largest |Y|.")
    bound = 1.0 if activation == "tanh" else max(float(np.abs(Y).max()), 1e-6)
    chart_cache.show(chart_cache.state_heatmap(Y, domain=(-bound, bound)))

    st.header("4. The weights: one set for every step")
    weights_column, weights_text = st.columns([3, 2])
    chart_cache.show(chart_cache.weight_pair(w.Wx, w.Wy), weights_column)
    count = w.Wx.size + w.Wy.size + w.b.size
    weights_text.markdown(
        f"These are all the network's weights: {w.n_inputs}×{neurons} + {neurons}×{neurons} + {neurons} = "
        f"**{count}** numbers, whether it runs 2 steps or 20 (from {experiment.origin(settings)}). Every "
        "step reads the same `Wx` and `Wy`: unrolling copies the computation, not the weights.\n\n"
        "`Wy` is neurons × neurons because it carries the previous outputs into the neurons. The lesson's "
        "slide declares `Wy` as `[n_inputs, n_neurons]` and computes `Y1` from `X0 @ Wy`, which links no "
        "output to the next step; the recurrence its notes describe is `Y1 = tanh(Y0 @ Wy + X1 @ Wx + b)`, "
        "and that is what runs here. `b` starts at zero (`tf.zeros`: the slide's `tf.zeroes` is a typo).")

    st.header("5. One output, computed by hand")
    st.markdown(
        "Choose an example, a time step and a neuron: here is that one number with every term filled in. "
        "Compare the first line's terms with `Wx` and `Wy` above (the column of the chosen neuron).")
    sections.equation_section(X, w, Y)

    st.header("6. The same network the lesson's way: TF1 placeholders and a Session")
    st.markdown(
        "The lesson writes this network in TensorFlow 1: a `tf.placeholder` per step, shared `tf.Variable`s, "
        "a `Session` that feeds each step's batch. Here that graph is built in its own `tf.Graph` and run "
        "with the weights above; both columns should agree up to float32 rounding, which grows with the steps "
        f"and the weights' scale: the page checks the largest gap against a bar of {AGREEMENT:g}.")
    sections.tf1_section(X, w, Y)

    st.header("7. Take this experiment with you")
    sections.take_away_section(X, w, Y, settings)


the_run(X, shape, places)
