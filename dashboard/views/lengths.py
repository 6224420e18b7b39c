"""Variable sequence lengths: a padded batch, its mask, and what `sequence_length` changes."""
import numpy as np
import streamlit as st

from dashboard import chart_cache, compute, experiment, notices, presenter, ragged
from dashboard.sections import lengths as sections
from dashboard.sections import predict, shared
from dashboard.controls import select, slider

PER_ROW = 4  # length sliders per row

st.title("Variable sequence lengths")
notices.show_url_notices("lengths")
st.markdown(
    "A batch is one tensor, so every sequence in it has the same number of time steps. Shorter sequences "
    "are **padded** with zeros up to that number, and `dynamic_rnn(..., sequence_length=lengths)` is told "
    "how many steps of each row are real. Give each example a length, then compare what the network does "
    "with the padding when it is told the lengths and when it is not.")

with st.sidebar:
    st.button("Load a ragged batch", key="lengths_ragged", help="6 time steps, lengths 6, 3, 1 and 5.",
              on_click=st.session_state.update, args=(ragged.RAGGED_BATCH,))
    st.button("Back to the lesson's example", key="lengths_lesson", on_click=st.session_state.update,
              args=(ragged.LESSON_BATCH,), help="2 steps, 4 examples of 3 inputs, 5 neurons, lengths 2, 1, 2, 2.")
    # the presenter view folds what the preset does not need
    where = presenter.places(("steps", "batch", "inputs", "neurons", "seed", "scale", "activation"))
    steps, batch = slider("steps", where["steps"]), slider("batch", where["batch"])
    n_inputs, n_neurons = slider("inputs", where["inputs"]), slider("neurons", where["neurons"])
    seed, scale = slider("seed", where["seed"]), slider("scale", where["scale"])
    activation = select("activation", where["activation"])

st.header("One length per example")
columns = st.columns(PER_ROW)
requested = [slider(f"len{i}", columns[i % PER_ROW]) for i in range(batch)]
lengths, cut = ragged.clamp_lengths(requested, steps)
if cut:
    st.info(f"The batch has {steps} time steps, so no sequence can be longer: the length of example"
            f"{'s' if len(cut) > 1 else ''} {', '.join(map(str, cut))} is taken as {steps}.", icon=":material/content_cut:")

X = ragged.padded(ragged.raw_inputs(batch, steps, n_inputs, seed), lengths)  # (batch, steps, inputs)
weights = (n_neurons, seed, scale, activation)
with_lengths = compute.manual_result(X, *weights, tuple(lengths.tolist()))
without_lengths = compute.manual_result(X, *weights, None)

st.header("The padded batch")
chart_column, text_column = st.columns([3, 2])
chart_cache.show(sections.padded_batch_spec(X, lengths, show_values=steps <= 8), chart_column)
text_column.markdown(sections.batch_text(n_inputs, seed))

st.header("The outputs, told the lengths and not")
bound = max(1.0, float(np.abs(without_lengths.outputs).max()), float(np.abs(with_lengths.outputs).max()))
told, not_told = st.columns(2)
with told:
    current = {"inputs": n_inputs, "neurons": n_neurons, "seed": seed, "scale": scale, "activation": activation,
               "steps": steps, "batch": batch, **{f"len{i}": int(n) for i, n in enumerate(lengths)}}
    st.markdown("**With `sequence_length`**: for t ≥ length the output is 0 and the state is copied through"
                + (", " + sections.final_state_text(lengths)
                   if predict.predict_first("lengths.final_state", current=current) else "."))
    sections.outputs_panel("Y[t] with lengths", with_lengths, lengths, lengths - 1, bound)
with not_told:
    st.markdown("**Without `sequence_length`**: the padding zeros go through the cell like data, "
                f"Y[t] = {activation}(0 · Wx + Y[t−1] · Wy + b), so the outputs keep moving and the final "
                "state is taken at the last step of the batch.")
    sections.outputs_panel("Y[t] without lengths", without_lengths, lengths, np.full(batch, steps - 1), bound)

sections.padding_effect(with_lengths, without_lengths, X, lengths)
with st.expander("Check it with TensorFlow: `dynamic_rnn(cell, X, sequence_length=lengths)`"):
    sections.tensorflow_check(X, weights, lengths, with_lengths, without_lengths)
layer = {"inputs": n_inputs, "neurons": n_neurons, "seed": seed, "scale": scale, "activation": activation}
settings = layer | {"steps": steps, "batch": batch, "lengths": lengths.tolist()}
sections.what_if(with_lengths, settings)
shared.take_away(experiment.Run.of(X, experiment.weights_from_settings(layer), with_lengths, lengths,
                                   experiment.origin(layer), settings), "lengths")
