"""Backpropagation through time, step by step: a loss on the last output, then one step back at a time."""
import numpy as np
import streamlit as st

from dashboard import experiment, notices
from dashboard.chart_cache import show
from dashboard.controls import toggle
from dashboard.sections import bptt as sections
from dashboard.sections import by_hand, predict


st.title("Backpropagation through time, step by step")
notices.show_url_notices("bptt")
st.markdown(
    "Training asks one question: *if each weight moved a little, how would the loss move?* For a recurrent "
    "network the answer is computed by **backpropagation through time** (BPTT): run the network forward, "
    "then walk back from the last step to the first, carrying the error with you.\n\n"
    "**A common misconception:** the unrolled drawing shows one copy of the cell per step, so it is "
    "tempting to think each step has weights of its own. It does not. There is **one** `Wx`, **one** `Wy` "
    "and **one** `b`, used at every step. Walking back, each step *contributes* to the gradient of that one "
    "`Wy`, and the gradient training uses is the **sum** of the contributions. One update, one matrix.")

with st.sidebar:
    st.header("The layer (shared with Recurrence by hand)")
    side = st.container()
settings = by_hand.layer_settings(side, main="bptt")  # steps, seed and scale in the main area
steps, activation = settings["steps"], settings["activation"]
X = sections.inputs(settings["batch"], steps, settings["inputs"])  # (batch, steps, inputs)
w = experiment.layer_weights(settings)
r = sections.backprop(X, w)

st.header("1. Forward, then a loss on the last output")
left, right = st.columns([2, 3])
left.metric("Loss L = ½ Σ (Y[T−1] − 0)²", f"{r.loss:.6g}")
right.markdown(
    f"The network of *Recurrence by hand* (its input table, {steps} step{'s' if steps > 1 else ''}, "
    f"{settings['neurons']} neurons, `{activation}`) runs forward. The loss reads only the last output "
    "Y[T−1] of each example, against a target of 0: so the error at the last step is e[T−1] = Y[T−1]. "
    "Every earlier step affects the loss only through the steps after it.")

st.header("2. One step back, with the numbers filled in")
st.markdown(
    "Going back through step t: the error e[t] is multiplied by the slope of the activation, "
    "s[t] = 1 − Y[t]² for tanh, giving d[t] = e[t] · s[t]. That is what reaches the weights at step t, and "
    "it goes one step further back through `Wy`: e[t−1] = d[t] · Wyᵀ. Together: **e[t−1] = e[t] · "
    "diag(s[t]) · Wyᵀ**, one factor per step. Choose an example, a step and a neuron:")
sections.step_section(r, w)

st.header("3. One Wy, a sum of contributions")
answered = predict.predict_first("bptt.largest_dWy")
st.markdown(
    "Step t adds Y[t−1]ᵀ · d[t] to the gradient of `Wy` (step 0 adds nothing: there is no Y[−1]). Below, "
    "each step's contribution as a small matrix, and, last, their **sum**: the only gradient `Wy` ever "
    "receives. Training moves the one `Wy` by it, and every step then uses the moved `Wy`.")
show(sections.panels_spec(X, w))
chart_column, text_column = st.columns([3, 2])
with chart_column:
    log_scale = toggle("bptt_log")
    spec = sections.norms_spec(X, w, log_scale)
    show(spec)
    experiment.chart_download(spec, sections.PAGE, "contribution_norms")
text_column.markdown(
    "The size of each step's contribution to `Wx`, `Wy` (thick) and `b`. Each step back multiplies the error "
    "by one more factor diag(s[t]) · Wyᵀ: where those factors stretch less than 1 the contributions "
    "**vanish** going back, where they stretch more they **explode**. tanh's slope is at most 1, and near 0 "
    "when a neuron saturates. `Wx` hears only from steps whose input is not 0 (past the lesson's 2 steps the "
    "input table holds zeros unless you edit it on *Recurrence by hand*). **Try** the `vanishing` preset's 20 "
    "steps, then move the weight scale and the activation and watch where the red line starts to fall.\n\n"
    + sections.vanish_text(r))
largest = r.largest_dWy_step
text_column.metric("Largest contribution to Wy from step", f"t = {largest}" if answered else "predict first")
text_column.metric("‖dL/dWy‖, the sum", f"{np.linalg.norm(r.dWy):.6g}")
if log_scale and (r.dWy_norms == 0).any():
    text_column.caption("A log axis has no place for 0: the zero contributions (step 0's to Wy, at least) "
                        "are not drawn.")

st.header("4. Check with tf.GradientTape")
sections.tape_section(X, w)

st.header("5. Take this experiment with you")
experiment.notebook_download(sections.PAGE, lambda: sections.notebook(X, w, experiment.origin(settings)))
experiment.share_link()
