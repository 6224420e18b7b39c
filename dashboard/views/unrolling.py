"""Static vs dynamic unrolling: how big and how slow each TensorFlow path's graph is as the steps grow."""
import streamlit as st

from dashboard import chart_cache, experiment, notices, presenter
from dashboard.sections import predict
from dashboard.sections import unrolling as sections
from dashboard.controls import select, slider, strip, toggle
from rnncore.tf.graphs import PATHS

TIMING_NOTE = ("Times are measured on this shared server the first time a setting is asked for, then "
               "cached. Other work on the server makes them vary: compare the shapes of the lines, not "
               "the last digits.")
TENSOR_BYTES_NOTE = (
    "What this measures: the sizes of every tensor that every operation outputs during one forward run, "
    "added up from TensorFlow's run trace (TF1 paths only; the TF2 and Keras paths have no such trace "
    "here). It is not the peak memory: TensorFlow frees a tensor once nothing needs it, and the loop's own "
    "plumbing ops pass tensors along and are counted each time, which is why `dynamic_rnn` counts more. "
    "What it shows: both grow with the steps, because every step makes new tensors.")

st.title("Static vs dynamic unrolling")
notices.show_url_notices("unrolling")
st.markdown(
    "A recurrent layer applies the same cell at every time step. TensorFlow can put that into a graph in "
    "two ways: **write the cell out once per step** (`static_rnn`, a Python loop in a `tf.function`, Keras "
    "`unroll=True`) or **write it once inside a loop** that runs it step after step (`dynamic_rnn`, a "
    "`tf.range` loop, Keras `unroll=False`). Below, the lesson's layer (3 inputs, 5 neurons, a batch of 4) "
    "is built both ways at several lengths and measured live on this server.")

with st.sidebar:
    where = presenter.places((*sections.PAIRS, "unr_log"))  # the presenter view folds extras
    toggles = {key: toggle(key, where[key]) for key in sections.PAIRS}
    log_scale = toggle("unr_log", where["unr_log"])
steps_column, metric_column = strip("unrolling", 2)  # in the main area, above the chart they drive
largest, metric = slider("unr_max_steps", steps_column), select("unr_metric", metric_column)

paths = sections.chosen_paths(toggles)
if not paths:
    st.info("No pair is switched on, so the TF1 pair (`static_rnn` vs `dynamic_rnn`) is shown.", icon=":material/info:")
    paths = sections.chosen_paths({"unr_tf1": True})
m = sections.METRICS[metric]
points = sections.step_points(largest)
if not sections.tensorflow_loaded():
    with st.spinner("Starting TensorFlow (a few seconds, once per server)…"):
        from rnncore.tf.runtime import tf
        tf()
rows = sections.sweep_with_progress(paths, points, m.needs_run)

predict.predict_first("unrolling.static_ops")
st.header(f"{metric} against the number of steps")
chart_column, text_column = st.columns([3, 2])
cost_spec = sections.cost_chart_spec(rows, metric, log_scale)
chart_cache.show(cost_spec, chart_column)
experiment.chart_download(cost_spec, "unrolling", m.field, chart_column)
at_largest = {r["path"]: r[m.field] for r in rows if r["steps"] == largest}
with text_column:
    st.markdown(f"Measured at {', '.join(map(str, points))} steps. Dashed lines: one copy of the cell per "
                "step. Solid lines: one loop. Point at a dot for its exact value.")
    for growing, looping in (pair for pair in sections.PAIRS.values() if pair[0] in paths):
        if at_largest[growing] is not None and at_largest[looping] is not None:
            # one to a row: side by side, a Keras label was cut before its unroll=True/False
            st.metric(f"{PATHS[growing]}, {largest} steps", sections.shown(at_largest[growing], metric))
            st.metric(f"{PATHS[looping]}, {largest} steps", sections.shown(at_largest[looping], metric))
    if m.field == "tensor_bytes":
        st.caption(TENSOR_BYTES_NOTE)
    elif m.field.endswith("seconds"):
        st.caption(TIMING_NOTE)

notice = [m.notice]
if "static" in paths:
    notice.append(f"`static_rnn` adds {sections.ops_per_step(rows, 'static'):g} operations per step: one more "
                  "copy of the cell (see the drawing below).")
    crossing = sections.first_larger(rows, "static", "dynamic")
    if crossing is not None and crossing > 1:
        notice.append(f"Below {crossing} steps the *static* graph is the smaller one: the loop has a fixed "
                      "cost of its own.")
st.markdown("**What to try.** Raise the largest step count to 200 and watch the operation count; switch the "
            "measure to GraphDef bytes, build time and run times; switch on the TF2 and Keras pairs; turn on "
            "log scales.  \n**What to notice.** " + " ".join(notice))

st.header("The graphs themselves")
st.markdown(
    "These are the real forward graphs that TensorFlow builds, with their bookkeeping operations grouped "
    "by name scope: blue boxes compute, yellow boxes hold the weights that every step shares. Each box "
    "says how many operations it stands for; point at it to see which. Add a step: `static_rnn` gains a "
    "copy of the cell, `dynamic_rnn` does not. Its loop keeps the cell in the graph's function library "
    "and runs it once per step.")
sections.drawings_section()

st.header("Memory: why long static graphs run out, and what `swap_memory` does")
st.markdown(
    "Two things grow with the steps, and only one of them is the graph.\n\n"
    "1. **The graph.** `static_rnn` writes the cell into the graph once per step, so TensorFlow stores, "
    "optimises and places every copy before the first run: see the build and first-run times above. In "
    "bytes the graph itself stays small (GraphDef bytes, above).\n"
    "2. **The tensors kept for training.** To compute the gradients, backpropagation through time needs "
    "every step's input and output from the forward pass, so they are kept until the backward pass. That "
    "memory grows with the steps for *both* versions, and it is what runs out on a GPU: a batch of 64, "
    "1,000 steps and 1,024 neurons make 262 MB of outputs alone (64 × 1,000 × 1,024 × 4 bytes), with "
    "several such tensors per step and per layer.\n\n"
    "`dynamic_rnn(..., swap_memory=True)` lets the `while_loop` move those kept tensors from GPU memory "
    "to the larger CPU memory during the forward pass and fetch them back when backpropagation needs "
    "them: slower, but a long sequence then fits. `static_rnn` has no loop and no such option.\n\n"
    "**On this server it changes nothing measurable.** There is no GPU here: everything already lives in "
    "CPU memory, so there is nowhere to swap to, and the lesson's layer is tiny (its 200-step forward "
    "pass makes well under a megabyte of tensors). To see `swap_memory` matter you need a GPU, a big "
    "layer and long sequences.")

st.header("Take this experiment with you")
experiment.notebook_download("unrolling", lambda: sections.notebook(points))
experiment.share_link()
