"""Memory and state: how long an input lives in the state, why Wy decides, and how far back gradients reach."""
import numpy as np
import streamlit as st

from dashboard import chart_cache, experiment, notices, presenter
from dashboard.sections import memory as sections
from dashboard.sections import predict
from dashboard.controls import select, slider, strip, toggle

st.title("Memory and state")
notices.show_url_notices("memory")
st.markdown(
    "A recurrent layer has no memory cells: what it remembers is its **state**, the output Y[t] that each "
    "step hands to the next through `Wy`, in Y[t] = act(X[t] · Wx + Y[t−1] · Wy + b). So `Wy` alone decides "
    "how long the past is kept. Its size is measured here by its **spectral radius** ρ, the largest "
    "|eigenvalue|: this page draws `Wy` from the seed and rescales it to the ρ you choose, keeping its "
    "directions. There are 3 inputs per step, as in the lesson, and `b` = 0.")

with st.sidebar:  # the presenter view folds what the preset does not need into "More settings"
    st.header("The layer")
    where = presenter.places(("activation", "neurons", "seed"))
    activation = select("activation", where["activation"])
    neurons, seed = slider("neurons", where["neurons"]), slider("seed", where["seed"])
    st.header("The input")
    where = presenter.places(("mem_pattern", "mem_amplitude", "mem_steps"))
    pattern, amplitude = select("mem_pattern", where["mem_pattern"]), slider("mem_amplitude", where["mem_amplitude"])
    steps = slider("mem_steps", where["mem_steps"])

predict.predict_first("memory.exploding")
st.header("1. How long an input lives in the state")
radius = slider("mem_radius", strip("memory", 1)[0])  # in the main area, just above the chart it drives
compared = sections.radii(radius)
norms = sections.state_norms(neurons, seed, activation, compared, steps, pattern, amplitude)  # (radii, steps)
own = norms[compared.index(radius)]
chart_column, text_column = st.columns([3, 2])
with chart_column:
    log_scale = toggle("mem_log")
    norm_spec = sections.state_norm_spec(compared, norms, radius, log_scale)
    chart_cache.show(norm_spec)
    experiment.chart_download(norm_spec, "memory", "state_norms")
text_column.markdown(
    f"One pulse goes into every input at t = 0 (size {amplitude:g}); after that the inputs are zero, so "
    "whatever is left in ‖Y[t]‖ is memory. The thick line is your ρ; thin lines compare ρ = 0.5, 0.9, 1.1 "
    "and 1.5 with the same weights, blue for ρ < 1, red for ρ > 1.\n\n"
    "**Notice**, with `linear`: below 1 the pulse fades by a factor of about ρ per step (a straight line "
    "on the log axis), above 1 it grows without end. With `tanh` the growth stops at saturation: the "
    "state settles into a pattern of its own that no longer says much about the input. "
    "**Try** the `steady` and `noise` inputs: the state then tracks the recent inputs, and ρ sets how many "
    "steps of them it mixes together."
    if pattern == "pulse" else
    f"The input is `{pattern}` (size {amplitude:g}), so the state never empties: it mixes recent inputs, "
    "and ρ sets how many steps back that mixture reaches. The thick line is your ρ; thin lines compare ρ = 0.5, "
    "0.9, 1.1 and 1.5 with the same weights. **Try** `pulse` to see one input fade or grow on its own.")
first, last, faded = chart_column.columns(3)  # under the chart: room for numbers like 1.034e+17
first.metric("‖Y[0]‖", f"{own[0]:.4g}")
last.metric(f"‖Y[{steps - 1}]‖", f"{own[-1]:.4g}")
faded.metric(*sections.fade_text(own, pattern))
with text_column:
    sections.range_notes(compared, norms, "state norm", sections.FLOAT32, log_scale)

st.header("2. Why ρ decides: the eigenvalues of Wy")
eigen, drawn_radius = sections.eigenvalues(neurons, seed, radius)
chart_column, text_column = st.columns([1, 1])
chart_cache.show(sections.eigen_spec(eigen, radius), chart_column, width="content")  # round circles: its own size
outside = int((np.abs(eigen) > 1 + 1e-6).sum())  # rescaled in float32: |λ| = 1 comes out as 1 ± 1e-7
text_column.markdown(
    f"`Wy` has {neurons} eigenvalues, complex numbers in general (a complex pair makes the state rotate as "
    f"it shrinks or grows). As drawn from seed {seed} its spectral radius was {drawn_radius:.4f}; "
    + (f"every entry was multiplied by {radius / drawn_radius:.4f} to make it ρ = {radius:.2f}.\n\n" if radius > 0
       else "with ρ = 0 every entry is 0: all eigenvalues sit at 0 and nothing is carried over.\n\n") +
    "With a linear activation, the state after a pulse is Y[0] · Wyᵗ, and each eigenvalue λ contributes "
    "a part that scales by |λ|ᵗ. Parts inside the unit circle die out; a part outside it grows at every "
    "step. So the outermost eigenvalue, |λ| = ρ, decides in the long run. tanh and relu bend this rule "
    "(tanh is nearly linear only near 0), but it still tells whether a small state fades or grows.\n\n"
    f"**Now:** {outside} of {neurons} eigenvalue{'s' if neurons > 1 else ''} outside the unit circle.")

st.header("3. State: the same input, a different past")
sections.history_section(neurons, seed, activation, radius, amplitude)

st.header("4. Credit through time: how far back can training reach?")
st.markdown(
    "To learn from the past, training needs to know how the last output Y[T] depends on each earlier "
    "input: the gradient ∂Y[T]/∂X[t], computed here with `tf.GradientTape` for the same settings and "
    "radii. Its norm is drawn on a log axis against t.")
sections.credit_section((neurons, seed, activation, steps, pattern, amplitude), radius)

st.header("5. Take this experiment with you")
experiment.notebook_download("memory", lambda: sections.notebook(neurons, seed, activation, radius, steps, pattern, amplitude))
experiment.share_link()
