"""Overview: what Recurrence Lab is, the lesson's objectives, a recurrent cell unrolled, and the map of pages."""
import streamlit as st

from dashboard import experiment, exports, notices, registry
from dashboard.cell_diagram import unrolled_cell_dot
from dashboard.presets import PRESET, PRESETS
from rnncore.lesson.hello_world import HELLO_WORLD_FILE

notices.show_url_notices("overview")

st.title("Recurrence Lab")
st.markdown(
    "An interactive companion to the lesson **Recurrent neural networks in TensorFlow**. Every page "
    "runs a small recurrent layer live: move a slider and the numbers, the hidden states and the graphs "
    "change at once, with a few lines on what to try and what to notice. Every number is computed by a "
    "plain NumPy loop and checked against TensorFlow.")

st.header("What you will learn")
st.markdown(
    "1. **What recurrence is**, and what makes a network recurrent: the same weights applied at every "
    "time step, each step fed its own input *and* the previous step's output.\n"
    "2. **Why recurrence creates memory and state**: the output handed from step to step carries what the "
    "network has seen so far.\n"
    "3. **How to implement a recurrent network in TensorFlow**: by hand with placeholders, with "
    "`BasicRNNCell` and `static_rnn` / `dynamic_rnn`, with variable sequence lengths, and in Keras.")

st.header("A recurrent cell, unrolled through time")
picture, words = st.columns([3, 2])
picture.graphviz_chart(unrolled_cell_dot(3))
words.markdown(
    "On the left, the cell as it is usually drawn: inputs `X` come in through the weights `Wx`, and the "
    "cell's own output loops back in through `Wy`.\n\n"
    "On the right, the same cell **unrolled**: one copy per time step. Step t reads the step's input "
    "`X(t)` and the previous output `Y(t−1)`:\n\n"
    "$$Y(t) = \\tanh\\big(X(t)\\,W_x + Y(t-1)\\,W_y + b\\big)$$\n\n"
    "Every copy uses **the same** `Wx`, `Wy` and `b` (the blue and red arrows). The very first step has "
    "no previous output, so `Y(−1) = 0`. That red chain is the network's memory: anything at t = 0 "
    "can reach t = 2 only through it.")

st.header("Where each page fits")
for page in registry.PAGES:
    if page.what:  # every page but this one
        link, text = st.columns([1, 3])
        experiment.page_link(page.url_path, link)
        text.markdown(f"{page.what} *(objective {' and '.join(map(str, page.objectives))})*")

st.header("The lesson's lab as a notebook")
lab, about = st.columns([1, 3])
lab.download_button("Download the lab (.ipynb)", HELLO_WORLD_FILE.read_bytes(),
                    file_name=HELLO_WORLD_FILE.name, mime=exports.MIME["ipynb"], key="hello_world_notebook",
                    on_click="ignore", icon=":material/menu_book:")
about.markdown(
    "**A hello world for TensorFlow and Keras**, the lesson's lab, ready for Jupyter: the lesson's two-step "
    "network with the book's weights in TensorFlow's low-level API, then with `BasicRNNCell` (`static_rnn`, `dynamic_rnn` with `sequence_length`) and with "
    "Keras 3's `SimpleRNN`, each checked against the book's numbers, and a first Keras model trained on a time "
    "series. Every experiment page also offers its own run as a notebook (*Download as a Jupyter notebook*).")

st.header("Ready-made experiments for class")
st.markdown("Each opens its page with the settings that make one point. Share the link with a class; add "
            "`presenter=1` to it for larger type and only the controls that point needs.")
for preset in PRESETS.values():
    link, text = st.columns([1, 3])
    experiment.page_link(preset.page, link, label=preset.title, query_params={PRESET: preset.name})
    text.markdown(f"{preset.point} Link: `{preset.link}`")

st.info(
    "**Good to know.** Neuron 0 has the same colour on every page, and so has example 0. Every setting "
    "is in the page's link: copy the address to share exactly what you see (same seed, same numbers). "
    "Add `?presenter=1` to a link for larger type on a projector.", icon=":material/lightbulb:")
