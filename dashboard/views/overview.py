"""Overview: what Recurrence Lab is, the lesson's objectives, a recurrent cell unrolled, and the map of pages."""
import streamlit as st

from dashboard import exports, notices
from dashboard.cell_diagram import unrolled_cell_dot
from dashboard.presets import PRESET, PRESETS
from rnncore.lesson.notebooks import HELLO_WORLD_FILE

PAGE_KEYS = ()
notices.show_url_notices(PAGE_KEYS)

# (page file, its title as in app.py, what the student does there, the objectives it serves)
PAGES = (
    ("views/by_hand.py", "Recurrence by hand",
     "Run the lesson's hand-built network for 1 to 20 steps, edit its inputs, and see one output computed "
     "term by term; check the NumPy loop against the TF1 graph.", (1, 3)),
    ("views/unrolling.py", "Static vs dynamic",
     "Watch `static_rnn`'s graph grow with every step while `dynamic_rnn`'s loop stays the same size; "
     "what `swap_memory` is for.", (3,)),
    ("views/lengths.py", "Sequence lengths",
     "Give each example its own length: outputs stop, the final state is the last real step, and without "
     "`sequence_length` the padding leaks in.", (2, 3)),
    ("views/memory.py", "Memory and state",
     "Send one pulse in and watch how long the state remembers it as `Wy` grows or shrinks; why training "
     "struggles to reach far back; the same input after different histories.", (2,)),
    ("views/keras_lab.py", "Keras lab",
     "The lesson's lab inside the app: train small Keras `SimpleRNN`, `LSTM` and `GRU` models on tasks "
     "that need memory, and compare them with a naive baseline.", (2, 3)),
    ("views/gated.py", "Gated cells",
     "Look inside LSTM and GRU: every gate at every step beside a SimpleRNN, how the forget gate's bias decides "
     "how long a value lasts, and a value held for k steps by gates set by hand.", (2, 3)),
    ("views/bptt.py", "Backpropagation through time",
     "Walk back from a loss on the last output one step at a time, with the numbers filled in: each step adds "
     "its contribution to the one shared `Wy`, and early ones vanish or explode.", (2,)),
    ("views/text_lab.py", "Text lab",
     "Type a word, train a character RNN on it in a second beside a model with no state, and see why “hello” "
     "needs a state: each model's guess at every letter, the state over the text, a neuron's colouring, "
     "sampled text.", (2, 3)),
    ("views/class.py", "Class session",
     "Predict first, together: the instructor asks a question, every student answers on a phone, then the "
     "class sees the truth beside its own answers and opens the experiment.", (1, 2, 3)),
)

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
for page, title, what, objectives in PAGES:
    link, text = st.columns([1, 3])
    link.page_link(page, label=title)
    text.markdown(f"{what} *(objective {' and '.join(map(str, objectives))})*")

st.header("The lesson's lab as a notebook")
lab, about = st.columns([1, 3])
lab.download_button("Download the lab (.ipynb)", HELLO_WORLD_FILE.read_bytes(),
                    file_name=HELLO_WORLD_FILE.name, mime=exports.MIME["ipynb"], key="hello_world_notebook",
                    on_click="ignore", icon=":material/menu_book:")
about.markdown(
    "**A hello world for TensorFlow and Keras**, the lesson's lab, ready for Jupyter: the lesson's two-step network with the book's weights in TensorFlow's "
    "low-level API, then with `BasicRNNCell` (`static_rnn`, `dynamic_rnn` with `sequence_length`) and with "
    "Keras 3's `SimpleRNN`, each checked against the book's numbers, and a first Keras model trained on a time "
    "series. Every experiment page also offers its own run as a notebook (*Download as a Jupyter notebook*).")

st.header("Ready-made experiments for class")
st.markdown("Each opens its page with the settings that make one point. Share the link with a class; add "
            "`presenter=1` to it for larger type and only the controls that point needs.")
for preset in PRESETS.values():
    link, text = st.columns([1, 3])
    link.page_link(f"views/{preset.page}.py", label=preset.title, query_params={PRESET: preset.name})
    text.markdown(f"{preset.point} Link: `{preset.link}`")

st.info(
    "**Good to know.** Neuron 0 has the same colour on every page, and so has example 0. Every setting "
    "is in the page's link: copy the address to share exactly what you see (same seed, same numbers). "
    "Add `?presenter=1` to a link for larger type on a projector.", icon=":material/lightbulb:")
