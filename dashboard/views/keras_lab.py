"""Keras lab: train SimpleRNN, LSTM and GRU models on tasks that need memory, and watch them learn."""
import streamlit as st

from dashboard import chart_cache, charts, experiment, notices
from dashboard.sections import keras_lab as sections
from dashboard.sections import predict
from dashboard.controls import select, slider, toggle
from rnncore.lesson import tasks
from rnncore.tf import training
st.title("Keras lab: train a recurrent network")
notices.show_url_notices("keras_lab")
st.markdown(
    "The lesson ends with a Keras lab; here it is inside the app. Each model is one Keras 3 recurrent layer "
    "that reads a sequence one value per step, then a `Dense(1)` that turns its last output into one number. "
    "It is trained with Adam on the mean squared error (MSE) and judged on series it never trained on. "
    "Two baselines set the bar: the **naive** forecast repeats the last value read, and the **mean** answers "
    "the average target whatever it sees.")

with st.sidebar:
    st.header("The task")
    task = select("lab_task")  # no format_func: a bound selectbox writes the formatted label into the URL
    st.caption(tasks.TASKS[task])
    steps, k = slider("lab_steps"), slider("lab_k")  # each used by its own task only (see the labels)
    st.caption(f"How an LSTM holds a value for k = {k} steps:")  # a page link's label is one line, cut when long
    experiment.page_link("gated", label="Gated cells", query_params={"lab_k": str(k)})
    examples = slider("lab_examples")
    st.header("The models")
    cells = tuple(cell for cell, key in sections.CELL_KEYS.items() if toggle(key))
    units, epochs, seed = slider("lab_units"), slider("lab_epochs"), slider("lab_seed")
    st.caption(f"Caps: {training.MAX_UNITS} units, {training.MAX_EPOCHS} epochs, {tasks.MAX_EXAMPLES} series "
               f"of at most {tasks.MAX_TASK_STEPS} steps. Batches of {training.BATCH_SIZE}, Adam with learning "
               f"rate {training.LEARNING_RATE}. A run at the defaults took 19 s on our shared two-core server, "
               "TensorFlow's first import included; the largest allowed run takes minutes. Runs with "
               "different settings take turns in one queue for the whole server.")
settings = sections.LabSettings(task, examples, steps, k, cells, units, epochs, seed)

predict.predict_first("keras_lab.lstm_weights")
st.header("1. Train")
if not cells:
    st.warning("Turn on at least one of SimpleRNN, LSTM and GRU in the sidebar to train.")
train_column, stop_column, note_column = st.columns([1, 1, 4])
train = train_column.button("Train", type="primary", key="lab_train", disabled=not cells)
stop = stop_column.button("Stop", key="lab_stop", disabled=not (train or sections.waiting(settings)),
                          help="Stop watching this run. If other students are watching it too, it goes on "
                          "for them; if nobody is, it ends.")
notice = sections.settle(settings)  # a run of this student's that ended, or is for settings no longer shown
if stop:
    sections.stop_waiting(stop=True)
elif train and cells:
    notice = sections.submit(settings) or notice
if notice is not None:
    level, text = notice
    (note_column.info if level == "info" else st.error)(text)
result = sections.stored(settings.key) if cells and not sections.waiting(settings) else None

if sections.waiting(settings):
    sections.live_run(settings)  # polls the run while it is queued or training
elif result is not None:
    chart_cache.show(sections.loss_spec(settings.key, result))
    st.dataframe(sections.results_table(result), column_config={
        "validation MSE": st.column_config.NumberColumn(format="%.6f"),
        "÷ naive MSE": st.column_config.NumberColumn(format="%.3f")})
    st.caption(sections.times_text(result) + " Times vary with the load on the server; the numbers do not.")
elif (partial := sections.partial_for(settings)) is not None:
    chart_cache.show(chart_cache.to_spec(charts.loss_curves(partial["frame"], partial["baselines"])))
    st.warning(f"Training stopped after {partial['done']} of {partial['total']} epochs "
               f"({'Stop was pressed' if partial['stop'] or stop else 'you left the run'}). The run goes on while "
               "other students wait for it; press Train to join it again, or to train it in full.")
elif cells:
    st.info("Press **Train** to train these models. A run with the same settings is trained once for the "
            "whole server: anyone who presses Train meanwhile watches the same run, and a finished one "
            "shows up here at once.")

chart_text, try_text = st.columns(2)
chart_text.markdown(
    "**Reading the chart.** One colour per cell type; the solid line is the validation MSE after each epoch, "
    "the dashed one the training loss (the mean over the epoch's batches, while the weights were still "
    "moving). The grey rules are the baselines. The axis is logarithmic: halving the error is the same "
    "step anywhere on it.")
try_text.markdown(
    "**Try.** On *sine* at the defaults, every model beats the naive forecast (0.0225) four to five times "
    "over (SimpleRNN 0.0040, LSTM 0.0045, GRU 0.0052): the two waves make the next value predictable from "
    "the last few. With fewer series or epochs, see which falls short. Then try *recall*: the last value says "
    "nothing about the target, so the naive forecast is bad (about 2/3) and the mean (about 1/3) is the "
    "real bar. A curve that sits on the mean line has remembered nothing yet. Raise k: the flat start "
    "grows longer, then the curve drops when the network finds a way to carry the value, or never does.\n\n"
    "**Notice** which cell gets there first. LSTM and GRU were built to keep a value for long, since their "
    "gates can pass it on unchanged, yet in runs this short SimpleRNN is often first. Their gates start "
    "part-way closed: an LSTM's forget gate lets through about 0.73 per step (0.73³⁰ ≈ 0.0001), a GRU's "
    "update gate about half, so a value fades until training opens them, while Keras starts SimpleRNN "
    "with an orthogonal `Wy` that passes a small state on almost unchanged. At k = 30 and the other "
    "defaults we measured SimpleRNN 0.039, LSTM 0.18 (still falling) and GRU 0.35, the mean's error.")

st.header("2. unroll=True or unroll=False: the layer's graph")
st.markdown(
    f"Keras can run a recurrent layer as one loop (`unroll=False`, a `while_loop` in the graph, as "
    f"`dynamic_rnn` does) or write out one copy of the cell per step (`unroll=True`, as `static_rnn` does). "
    f"This builds the forward graph of each model above both ways, for {settings.length} steps and "
    f"{units} units, and times it on a batch of 32.")
measure = st.button("Measure the graphs", key="lab_measure", disabled=not cells)
unroll_rows = sections.stored(sections.unroll_key(settings)) if cells else None
if measure and unroll_rows is None:
    unroll_rows = sections.measure_unroll(settings)
    if isinstance(unroll_rows, str):
        st.error(unroll_rows)
        unroll_rows = None
if unroll_rows is not None:
    chart_cache.show(sections.unroll_spec(sections.unroll_key(settings), unroll_rows))
    st.markdown(
        "**Notice**: unrolled, the graph grows with the steps (the loop's body is counted once, its ops sit in "
        "the function library) and takes longer to trace, but each call can be quicker, with no loop to "
        "step through. That trade suits short sequences of a fixed length; long or varying lengths want "
        "the loop. Times are measured on a shared server and vary from run to run.")

st.header("3. Take this experiment with you")
if cells:
    experiment.notebook_download("keras_lab", lambda: sections.notebook(settings))
