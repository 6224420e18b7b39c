"""Keras lab: train SimpleRNN, LSTM and GRU models on tasks that need memory, and watch them learn."""
import entry_guard  # noqa: F401, I001  (first: see dashboard/entry_guard.py)
import streamlit as st

from dashboard import charts, state
from dashboard import keras_lab_view as view
from dashboard.controls import select, slider, toggle
from rnncore import tasks, training

st.title("Keras lab: train a recurrent network")
state.show_url_notices(view.PAGE_KEYS)
st.markdown(
    "The lesson ends with a Keras lab; here it is inside the app. Each model is one Keras 3 recurrent layer "
    "that reads a sequence one value per step, then a `Dense(1)` that turns its last output into one number. "
    "It is trained with Adam on the mean squared error (MSE) and judged on series it never trained on. "
    "Two baselines set the bar: the **naive** forecast repeats the last value read, and the **mean** answers "
    "the average target whatever it sees.")

with st.sidebar:
    st.header("The task")
    task = select("lab_task", format_func=lambda name: tasks.TASKS[name])
    steps = slider("lab_steps", disabled=task != "sine")
    k = slider("lab_k", disabled=task != "recall")
    examples = slider("lab_examples")
    st.header("The models")
    cells = tuple(cell for cell, key in view.CELL_KEYS.items() if toggle(key))
    units, epochs, seed = slider("lab_units"), slider("lab_epochs"), slider("lab_seed")
    st.caption(f"Caps: {training.MAX_UNITS} units, {training.MAX_EPOCHS} epochs, 2000 series of at most "
               f"{tasks.MAX_TASK_STEPS} steps; batches of {training.BATCH_SIZE}, Adam at {training.LEARNING_RATE}. "
               "The defaults train in about 10-20 s on two cores.")
settings = view.LabSettings(task, examples, steps, k, cells, units, epochs, seed)

st.subheader("1. Train")
if not cells:
    st.warning("Turn on at least one of SimpleRNN, LSTM and GRU in the sidebar to train.")
train_column, stop_column, note_column = st.columns([1, 1, 4])
train = train_column.button("Train", type="primary", key="lab_train", disabled=not cells)
stop = stop_column.button("Stop", key="lab_stop", help="Ends training after the epoch in progress.")
progress_place, chart_place = st.empty(), st.empty()
result = view.kept(settings.key) if cells else None
if train and result is not None:
    note_column.info("These settings were trained before: this is the stored run. Change the seed to train anew.")
elif train:
    result = view.train_live(settings, chart_place, progress_place)

if result is not None:
    chart_place.altair_chart(charts.loss_curves(view.history_frame(result),
                                                view.baselines_frame(result.naive_mse, result.mean_mse)))
    st.dataframe(view.results_table(result), column_config={
        "validation MSE": st.column_config.NumberColumn(format="%.6f"),
        "÷ naive MSE": st.column_config.NumberColumn(format="%.3f")})
elif (partial := view.partial_for(settings)) is not None:
    chart_place.altair_chart(charts.loss_curves(partial["frame"], partial["baselines"]))
    st.warning(f"Training stopped after {partial['done']} of {partial['total']} epochs "
               f"({'Stop was pressed' if stop else 'the page restarted'}). A stopped run is not kept: "
               "press Train to run it in full.")
elif cells:
    st.info("Press **Train** to train these models. Training runs only when you press it; a run already "
            "trained with the same settings (by anyone on this server) shows up here at once.")

chart_text, try_text = st.columns(2)
chart_text.markdown(
    "**Reading the chart.** One colour per cell type; the solid line is the validation MSE after each epoch, "
    "the dashed one the training loss (the mean over the epoch's batches, while the weights were still "
    "moving). The grey rules are the baselines. The axis is logarithmic: halving the error is the same "
    "step anywhere on it.")
try_text.markdown(
    "**Try.** On *sine*, every model soon beats the naive forecast (about 0.02) several times over: the "
    "two waves make the next value predictable from the last few. Then try *recall*: the last value says "
    "nothing about the target, so the naive forecast is bad (about 2/3) and the mean (about 1/3) is the "
    "real bar. A curve that sits on the mean line has remembered nothing yet. Raise k: the flat start "
    "grows longer, then the curve drops when the network finds a way to carry the value. **Notice** which "
    "cell finds it first: in short runs here it is often SimpleRNN, since an LSTM's forget gate and a "
    "GRU's update gate start half closed, so a value fades a little at every step until training opens "
    "them. Given more epochs and data, the gated cells are the ones that reach far back reliably.")

st.subheader("2. unroll=True or unroll=False: the layer's graph")
st.markdown(
    f"Keras can run a recurrent layer as one loop (`unroll=False`, a `while_loop` in the graph, as "
    f"`dynamic_rnn` does) or write out one copy of the cell per step (`unroll=True`, as `static_rnn` does). "
    f"This builds the forward graph of each model above both ways, for {settings.length} steps and "
    f"{units} units, and times it on a batch of 32.")
measure = st.button("Measure the graphs", key="lab_measure", disabled=not cells)
measure_place = st.empty()
unroll_rows = view.kept(view.unroll_key(settings)) if cells else None
if measure and unroll_rows is None:
    unroll_rows = view.measure_unroll(settings, measure_place)
if unroll_rows is not None:
    st.altair_chart(charts.unroll_cost(view.unroll_frame(unroll_rows)))
    st.markdown(
        "**Notice**: unrolled, the graph grows with the steps (the loop's body is counted once, its ops sit in "
        "the function library) and takes longer to trace, but each call can be quicker, with no loop to "
        "step through. That trade suits short sequences of a fixed length; long or varying lengths want "
        "the loop. Times are measured on a shared server and vary from run to run.")
