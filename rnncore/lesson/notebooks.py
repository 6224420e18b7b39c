"""Jupyter notebooks (.ipynb, nbformat v4) that redo an experiment page's run and check it against the page.

Every notebook reads top to bottom the same way:
1. what it redoes and where the numbers came from (markdown);
2. a set-up cell: `TF_USE_LEGACY_KERAS=1` before TensorFlow's first import (the lesson's `BasicRNNCell`
   exists only then, beside Keras 3), the same kernels as the dashboard (oneDNN off, one thread per
   operation), and `check(name, page, notebook)`;
3. the run's exact inputs and weights, and the numbers the page showed, as literals (codegen's
   `float_literal`: each reads back to the same float32 bit for bit);
4. the lesson's TensorFlow 1 style, then Keras 3, each ending in `check` calls that print the page's
   numbers beside the notebook's with their largest difference and assert they agree to AGREEMENT
   (rnncore.caps: 1e-5, relative where a number exceeds 1);
5. a summary line, `CHECKED {...}`: every check by name and its largest difference, for the reader and
   for the tests (tests/test_notebooks.py runs each notebook in a real Jupyter kernel).

The notebooks need nothing from Recurrence Lab: NumPy, TensorFlow, tf-keras and Keras. Builders take the
page's arrays and return a `nbformat.NotebookNode`; `to_bytes` writes the .ipynb file's bytes.
The lesson's own lab ("a hello world for TensorFlow and Keras") is built the same way, in
rnncore/lesson/hello_world.py.
"""
from __future__ import annotations

import nbformat
import numpy as np
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from rnncore.activations import ACTIVATION
from rnncore.caps import AGREEMENT
from rnncore.config import RNNWeights
from rnncore.lesson import codegen
from rnncore.lesson.codegen import float_literal, np_array_line
from rnncore.validate import check_inputs

SUMMARY_MARK = "CHECKED "  # the summary cell's output starts with this, then JSON: {check name: largest difference}
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

SETUP = f'''\
import os
os.environ["TF_USE_LEGACY_KERAS"] = "1"        # before TensorFlow's first import: the lesson's BasicRNNCell needs it
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # the dashboard's kernels, so float rounding is the same
import json
import numpy as np
import tensorflow as tf
import keras

tf.config.threading.set_intra_op_parallelism_threads(1)  # as the dashboard runs TensorFlow
tf.config.threading.set_inter_op_parallelism_threads(1)
v1 = tf.compat.v1
print("TensorFlow", tf.__version__, "| Keras", keras.__version__)

AGREEMENT = {AGREEMENT!r}  # float32 precision: absolute near zero, relative where a number exceeds 1
checked = {{}}  # check name -> largest difference, printed at the end


def check(name, page, notebook, tolerance=AGREEMENT):
    """Print the page's numbers beside this notebook's, and assert they agree."""
    page, notebook = np.asarray(page, np.float64), np.asarray(notebook, np.float64)
    assert page.shape == notebook.shape, f"{{name}}: shape {{notebook.shape}} here, {{page.shape}} on the page"
    finite = np.isfinite(page)
    assert np.array_equal(finite, np.isfinite(notebook)), f"{{name}}: overflows where the page's does not, or not where it does"
    gap = np.abs(page - notebook)[finite] / np.maximum(1.0, np.abs(page[finite]))
    largest = float(gap.max()) if gap.size else 0.0
    with np.printoptions(precision=6, suppress=True, threshold=40, edgeitems=3):
        print(f"{{name}}\\n  the page:      {{page.ravel()}}\\n  this notebook: {{notebook.ravel()}}")
    print(f"  largest difference {{largest:.2e}} (agreement: {{tolerance:g}})")
    assert largest <= tolerance, f"{{name}} differs from the page's by {{largest:.3g}}"
    checked[name] = largest
'''
SUMMARY = f'print("{SUMMARY_MARK}" + json.dumps(checked))  # every check above, and its largest difference'


def notebook(title: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """A v4 notebook: `title` as its first heading, then ("md" | "code", source) cells, validated."""
    for kind, source in cells:
        if kind not in ("md", "code") or not isinstance(source, str):
            raise TypeError(f"a cell is ('md' or 'code', source text), got ({kind!r}, {type(source).__name__})")
    built = new_notebook(metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    built.cells = [new_markdown_cell(f"# {title}")]
    built.cells += [new_markdown_cell(source) if kind == "md" else new_code_cell(source) for kind, source in cells]
    for number, cell in enumerate(built.cells):
        cell.id = f"cell-{number}"  # not nbformat's random ids: the same run gives the same file
    nbformat.validate(built)
    return built


def to_bytes(built: nbformat.NotebookNode) -> bytes:
    return nbformat.writes(built).encode()


def joined(*lines: str) -> str:
    return "\n".join(lines)


def literal_line(name: str, array, comment: str) -> str:
    return np_array_line(name, np.asarray(array, np.float32), "float32", comment)


def _intro(page: str, origin: str, what: str) -> tuple[str, str]:
    return ("md", f"Downloaded from Recurrence Lab's **{page}** page. {what}\n\n"
                  f"Weights: {origin or 'as shown on the page'}, written out exactly. Run the cells in order "
                  "(*Run All*). Each `check` prints the page's numbers beside the ones this notebook computes, "
                  f"with their largest difference, and stops the notebook if they differ by more than {AGREEMENT:g}.")


def setup_cells() -> list[tuple[str, str]]:
    return [("md", "## Set-up\n`TF_USE_LEGACY_KERAS=1` must be set before TensorFlow is first imported: the "
                   "lesson's `BasicRNNCell` lives in the legacy Keras (`tf-keras`), beside Keras 3. If TensorFlow "
                   "was already imported in this kernel, restart the kernel first."),
            ("code", SETUP)]


def summary_cells() -> list[tuple[str, str]]:
    return [("md", "## Every check\nEach check's name and the largest difference it found."), ("code", SUMMARY)]


# --- the basic cell: by_hand, lengths, memory ---------------------------------------------------------------

def _layer_cells(X: np.ndarray, w: RNNWeights, outputs, state, lengths) -> list[tuple[str, str]]:
    """Inputs, weights and the page's numbers; the lesson's TF1 graph; Keras 3 SimpleRNN; each checked."""
    data = codegen.data_lines(X, w, lengths, "(neurons,)")
    page = [literal_line("page_outputs", outputs, "(batch, steps, neurons): the page's Y[t], zero past each length"),
            literal_line("page_state", state, "(batch, neurons): the page's final state")]
    if lengths is None:
        tf1_text = ("## The lesson's TensorFlow 1 style\nOne placeholder per time step and **one** set of "
                    "variables `Wx`, `Wy`, `b` that every step shares: "
                    "`Y[t] = act(X[t] @ Wx + Y[t-1] @ Wy + b)`, `Y[-1] = 0`. A `Session` feeds each step's batch. "
                    "The output of the last step is the state.")
        tf1 = codegen.tf1_manual_lines(X, w, b_is_row=False)
    else:
        tf1_text = ("## The lesson's TensorFlow 1 style, with sequence lengths\n`BasicRNNCell` in `dynamic_rnn` "
                    "with `sequence_length`: past each example's length the output is 0 and the state is copied "
                    "through, so the final state is the output at step length − 1 (zeros for a length of 0). "
                    "The cell's kernel is `Wx` stacked over `Wy`.")
        tf1 = codegen.tf1_dynamic_lines(w)
    keras_text = ("## Keras 3\nThe same layer as `keras.layers.SimpleRNN`, holding the same weights "
                  "(`set_weights([kernel, recurrent_kernel, bias])`)"
                  + (": the lengths become a mask." if lengths is not None else "."))
    checks = ['check("outputs (batch, steps, neurons)", page_outputs, outputs)',
              'check("final state (batch, neurons)", page_state, state)']
    return [("md", "## The run's inputs and weights, and the page's numbers\nExactly the arrays of the page's run."),
            ("code", joined(*data, "", *page)),
            ("md", tf1_text), ("code", joined(*tf1, "", *[c.replace('("', '("TF1 ', 1) for c in checks])),
            ("md", keras_text), ("code", joined(*codegen.keras_lines(w, lengths is not None), "",
                                                *[c.replace('("', '("Keras ', 1) for c in checks]))]


def layer_notebook(X, w: RNNWeights, outputs, state, sequence_length=None, origin: str = "",
                   page: str = "Recurrence by hand") -> nbformat.NotebookNode:
    """The basic cell's run `run_manual(X, w, sequence_length)` -> (outputs, state) as the page showed it."""
    X, lengths = check_inputs(X, w, sequence_length)
    what = ("It runs the same recurrent layer on the same batch"
            + (", with the same sequence lengths," if lengths is not None else "") +
            " in the lesson's TensorFlow 1 style and in Keras 3.")
    return notebook(f"Recurrence Lab: {page}", [_intro(page, origin, what), *setup_cells(),
                                               *_layer_cells(X, w, outputs, state, lengths), *summary_cells()])


def memory_notebook(X, w: RNNWeights, outputs, norms, radius: float, origin: str = "") -> nbformat.NotebookNode:
    """The memory page's layer (Wy rescaled to spectral radius `radius`) on its one input sequence X
    (1, steps, inputs): its outputs and the page's state norms ||Y[t]|| (steps,)."""
    X, _ = check_inputs(X, w)
    what = (f"`Wy` was rescaled to spectral radius ρ = {radius:g}; one input sequence goes in, and how long it "
            "lives in the state is the size ‖Y[t]‖ of the state at every step.")
    cells = _layer_cells(X, w, outputs, outputs[:, -1], None)
    cells[1] = ("code", cells[1][1] + "\n" + literal_line("page_norms", norms, "(steps,): the page's ||Y[t]||"))
    cells += [("md", f"## How long the input lives in the state\nThe norm of the state at every step, ‖Y[t]‖, "
                     f"as the page's thick line draws it, and the spectral radius of `Wy` (the page's ρ = {radius:g})."),
              ("code", joined("norms = np.linalg.norm(outputs[0].astype(np.float64), axis=-1)  # (steps,)",
                              'check("state norms ||Y[t]||", page_norms, norms)',
                              f'check("spectral radius of Wy", {float_literal(radius)}, '
                              "np.abs(np.linalg.eigvals(Wy_init.astype(np.float64))).max())"))]
    return notebook("Recurrence Lab: Memory and state", [_intro("Memory and state", origin, what), *setup_cells(),
                                                         *cells, *summary_cells()])


# --- backpropagation through time ----------------------------------------------------------------------------

def bptt_notebook(X, w: RNNWeights, loss: float, dWx, dWy, db, origin: str = "") -> nbformat.NotebookNode:
    """The BPTT page's gradients of L = ½ Σ Y[T−1]² with respect to the one Wx, Wy and b."""
    X, _ = check_inputs(X, w)
    act = ACTIVATION[w.activation].tf_op
    data = codegen.data_lines(X, w, None, "(neurons,)")
    page = [f"page_loss = {float_literal(loss)}  # L = 1/2 sum(Y[T-1]^2): the target is 0",
            literal_line("page_dWx", dWx, "(inputs, neurons): dL/dWx, the sum of every step's contribution"),
            literal_line("page_dWy", dWy, "(neurons, neurons): dL/dWy"),
            literal_line("page_db", db, "(neurons,): dL/db")]
    tf1 = ["graph = tf.Graph()  # a graph of our own, so the cell can be run again",
           "with graph.as_default():",
           "    X = v1.placeholder(tf.float32, [None, n_steps, n_inputs])  # (batch, steps, inputs)",
           "    Wx = tf.Variable(Wx_init, name=\"Wx\")",
           "    Wy = tf.Variable(Wy_init, name=\"Wy\")",
           "    b = tf.Variable(b_init.reshape(1, n_neurons), name=\"b\")",
           f"    Y = [{act}(tf.matmul(X[:, 0], Wx) + b)]",
           "    for t in range(1, n_steps):  # the same Wx, Wy, b at every step",
           f"        Y.append({act}(tf.matmul(Y[t - 1], Wy) + tf.matmul(X[:, t], Wx) + b))",
           "    loss = 0.5 * tf.reduce_sum(tf.square(Y[-1]))",
           "    gradients = v1.gradients(loss, [Wx, Wy, b])  # one gradient per variable: the sum over the steps",
           "    init = v1.global_variables_initializer()", "",
           "with v1.Session(graph=graph) as sess:",
           "    init.run()",
           "    loss_val, (dWx, dWy, db) = sess.run([loss, gradients], feed_dict={X: X_batch})", "",
           'check("TF1 loss", page_loss, loss_val)', 'check("TF1 dL/dWx", page_dWx, dWx)',
           'check("TF1 dL/dWy", page_dWy, dWy)', 'check("TF1 dL/db", page_db, db.reshape(-1))']
    keras = [f"layer = keras.layers.SimpleRNN(n_neurons, activation={ACTIVATION[w.activation].keras_code})",
             "layer.build((None, n_steps, n_inputs))",
             "layer.set_weights([Wx_init, Wy_init, b_init])  # kernel, recurrent_kernel, bias",
             "with tf.GradientTape() as tape:",
             "    state = layer(X_batch)  # (batch, neurons): the last output",
             "    loss = 0.5 * tf.reduce_sum(tf.square(state))",
             "dWx, dWy, db = [g.numpy() for g in tape.gradient(loss, layer.trainable_weights)]", "",
             'check("Keras loss", page_loss, float(loss))', 'check("Keras dL/dWx", page_dWx, dWx)',
             'check("Keras dL/dWy", page_dWy, dWy)', 'check("Keras dL/db", page_db, db)']
    what = ("A loss reads the last output against a target of 0; backpropagation through time gives its gradient "
            "for the **one** `Wx`, `Wy` and `b` that every step shares: the sum of every step's contribution.")
    return notebook("Recurrence Lab: Backpropagation through time", [
        _intro("Backpropagation through time", origin, what), *setup_cells(),
        ("md", "## The run's inputs and weights, and the page's gradients"), ("code", joined(*data, "", *page)),
        ("md", "## The lesson's TensorFlow 1 style: `tf.gradients` on the graph\nThe graph is the lesson's "
               "recurrence unrolled over the steps; `gradients` walks it back from the loss."),
        ("code", joined(*tf1)),
        ("md", "## Keras 3 and `tf.GradientTape`\nThe tape records the forward pass of a `SimpleRNN` holding the "
               "same weights, then plays it back."),
        ("code", joined(*keras)), *summary_cells()])


# --- static and dynamic unrolling ----------------------------------------------------------------------------

def unrolling_notebook(w: RNNWeights, op_counts: dict, batch: int = 4, seed: int = 0) -> nbformat.NotebookNode:
    """The unrolling page's graph sizes: `op_counts` {"static" | "dynamic": {steps: operations}} as the page
    measured them for the layer `w` (BasicRNNCell), built again here; then both run on one batch and agree."""
    points = sorted({steps for counts in op_counts.values() for steps in counts})
    if not points:
        raise ValueError("op_counts holds no measurement")
    data = [f"n_inputs, n_neurons = {w.n_inputs}, {w.n_neurons}",
            literal_line("Wx_init", w.Wx, "(inputs, neurons)"), literal_line("Wy_init", w.Wy, "(neurons, neurons)"),
            literal_line("b_init", w.b, "(neurons,)"),
            "page_op_counts = {" + ", ".join(f"{kind!r}: {{{', '.join(f'{s}: {n}' for s, n in sorted(c.items()))}}}"
                                             for kind, c in op_counts.items()) + "}  # path -> {steps: operations}"]
    build = [f"def build(kind, n_steps, activation={ACTIVATION[w.activation].tf_op}):",
             '    """The forward graph of static_rnn or dynamic_rnn over n_steps, in a tf.Graph of its own."""',
             "    graph = tf.Graph()",
             "    with graph.as_default():",
             "        X = v1.placeholder(tf.float32, [None, n_steps, n_inputs], name=\"X\")  # (batch, steps, inputs)",
             "        cell = v1.nn.rnn_cell.BasicRNNCell(num_units=n_neurons, activation=activation)",
             "        if kind == \"static\":  # one copy of the cell per step",
             "            X_seqs = tf.unstack(tf.transpose(X, perm=[1, 0, 2]))  # steps x (batch, inputs)",
             "            output_seqs, state = v1.nn.static_rnn(cell, X_seqs, dtype=tf.float32)",
             "            outputs = tf.transpose(tf.stack(output_seqs), perm=[1, 0, 2])",
             "        else:                  # one cell inside a while_loop",
             "            outputs, state = v1.nn.dynamic_rnn(cell, X, dtype=tf.float32)",
             "        forward_ops = len(graph.get_operations())  # the forward graph, as the page counts it",
             "        kernel, bias = cell.weights  # loading the weights below adds operations of its own",
             "        load = [kernel.assign(np.concatenate([Wx_init, Wy_init])), bias.assign(b_init)]",
             "    return graph, X, outputs, state, load, forward_ops", "",
             "for kind, counts in page_op_counts.items():",
             "    here = {steps: build(kind, steps)[-1] for steps in counts}",
             "    print(kind, \"operations by steps:\", here)",
             "    check(f\"{kind} graph operations\", list(counts.values()), list(here.values()), tolerance=0)"]
    largest = points[-1]
    run = [f"n_steps = {largest}",
           f"X_batch = np.random.default_rng({seed}).standard_normal(({batch}, n_steps, n_inputs)).astype(np.float32)",
           "results = {}",
           "for kind in (\"static\", \"dynamic\"):",
           "    graph, X, outputs, state, load, _ = build(kind, n_steps)",
           "    with v1.Session(graph=graph) as sess:",
           "        sess.run(load)",
           "        results[kind] = sess.run([outputs, state], feed_dict={X: X_batch})",
           "layer = keras.layers.SimpleRNN(n_neurons, activation="
           f"{ACTIVATION[w.activation].keras_code}, return_sequences=True, unroll=True)",
           "layer.build((None, n_steps, n_inputs))",
           "layer.set_weights([Wx_init, Wy_init, b_init])",
           "keras_unrolled = keras.ops.convert_to_numpy(layer(X_batch))",
           "layer.unroll = False  # the same weights, now as a loop",
           "keras_loop = keras.ops.convert_to_numpy(layer(X_batch))",
           'check("dynamic_rnn outputs beside static_rnn\'s", results["static"][0], results["dynamic"][0])',
           'check("Keras unroll=False beside unroll=True", keras_unrolled, keras_loop)',
           'check("Keras beside static_rnn", results["static"][0], keras_unrolled)']
    what = ("The page builds the lesson's layer into a graph two ways, one copy of the cell per step "
            "(`static_rnn`) and one loop (`dynamic_rnn`), and counts the graph's operations. Here the same graphs "
            "are built again and counted (the counts must be equal), then both run on one batch.")
    return notebook("Recurrence Lab: Static vs dynamic unrolling", [
        _intro("Static vs dynamic unrolling", "Recurrence Lab's init_weights, seed 42, scale 1", what), *setup_cells(),
        ("md", "## The lesson's layer, and the operation counts the page measured"), ("code", joined(*data)),
        ("md", "## The two graphs, counted\n`static_rnn` gains a copy of the cell with every step; `dynamic_rnn`'s "
               "graph keeps one cell inside a `while_loop` and stays the same size."), ("code", joined(*build)),
        ("md", f"## The same numbers either way\nAt {largest} steps both graphs, and Keras 3's `SimpleRNN` with "
               "`unroll=True` and `unroll=False`, compute the same outputs: unrolling changes the graph, not the "
               "maths."), ("code", joined(*run)), *summary_cells()])


# --- gated cells -----------------------------------------------------------------------------------------------

def gated_notebook(X, simple: RNNWeights, lstm, gru, outputs: dict, lstm_cell, origin: str = "") -> nbformat.NotebookNode:
    """One sequence X (batch, steps, inputs) through SimpleRNN, LSTM and GRU; `outputs` {"SimpleRNN" | "LSTM" |
    "GRU": (batch, steps, units)} and the LSTM's last cell state (batch, units) are the page's (rnncore.gates)."""
    code = codegen.gated_notebook_code(X, simple, lstm, gru)  # validates the weights and shapes
    X, _ = check_inputs(X, simple)
    n_units = simple.n_neurons
    data = [f"n_inputs, n_units, n_steps = {X.shape[2]}, {n_units}, {X.shape[1]}",
            literal_line("X_batch", X, "(batch, steps, inputs)"),
            *[literal_line(f"page_{name}", outputs[name], "(batch, steps, units): the page's h[t]") for name in outputs],
            literal_line("page_LSTM_cell", lstm_cell, "(batch, units): the page's LSTM cell state c[T-1]")]
    tf1 = ["# The SimpleRNN's weights, for the TF1 graph below (Keras 3 loads the same ones further down).",
           literal_line("Wx_init", simple.Wx, "(inputs, units)"), literal_line("Wy_init", simple.Wy, "(units, units)"),
           literal_line("b_init", simple.b, "(units,)"),
           "n_neurons = n_units", *codegen.tf1_manual_lines(X, simple, b_is_row=False), "",
           'check("TF1 SimpleRNN outputs", page_SimpleRNN, outputs)']
    layers = code[code.index("outputs, states = {}, {}"):code.index("for name in outputs:")].rstrip()
    keras = [layers, "", *[f'check("Keras {name} outputs", page_{name}, outputs["{name}"])' for name in outputs],
             'check("Keras LSTM cell state", page_LSTM_cell, cell)']
    what = ("The same sequence goes into a SimpleRNN, an LSTM and a GRU holding the page's weights (Keras' layout "
            "and gate order); the page computed every gate by hand in NumPy.")
    return notebook("Recurrence Lab: Inside the gated cells", [
        _intro("Inside the gated cells", origin, what), *setup_cells(),
        ("md", "## The sequence, and the page's outputs"), ("code", joined(*data)),
        ("md", "## The lesson's TensorFlow 1 style, for the SimpleRNN\nThe basic cell of the lesson, one placeholder "
               "per step. (The gated cells have no form in the lesson; they follow in Keras 3.)"),
        ("code", joined(*tf1)),
        ("md", "## Keras 3: SimpleRNN, LSTM and GRU\nEach layer is built, given the page's weights with "
               "`set_weights`, and run on the sequence. An LSTM's kernel holds its four gates side by side "
               "(i, f, c, o), a GRU's its three (z, r, h)."), ("code", joined(*keras)), *summary_cells()])


# --- training pages ------------------------------------------------------------------------------------------------

def keras_lab_notebook(task: str, examples: int, steps: int, k: int, seed: int, cells, units: int,
                       naive: float, mean: float, y_valid, untrained: dict, trained: dict | None = None,
                       epochs_here: int = 1, learning_rate: float = 0.005, batch_size: int = 32) -> nbformat.NotebookNode:
    """The Keras lab's run: its data made again from the seed, the page's two baselines (`naive`, `mean`
    validation MSE) and validation targets `y_valid` checked; each model of `cells` built with the page's
    initializer seeds and its untrained validation MSE (`untrained`, by cell) checked; then `epochs_here`
    epochs of training, printed beside the page's finished run (`trained`: final validation MSE by cell)."""
    from rnncore.lesson import tasks  # the generator below is tasks.py's, written out

    length = steps if task == "sine" else k + 1
    n_valid = round(examples * tasks.VALID_FRACTION)
    data = [f"task, n_examples, steps, k, seed = {task!r}, {examples}, {steps}, {k}, {seed}",
            f"cells, units = {tuple(cells)!r}, {units}",
            f"page_naive_mse, page_mean_mse = {float_literal(naive)}, {float_literal(mean)}  # the page's baselines",
            literal_line("page_y_valid", np.asarray(y_valid).reshape(-1), f"({n_valid},): the page's validation targets"),
            "page_untrained_mse = {" + ", ".join(f"{c!r}: {float_literal(v)}" for c, v in untrained.items()) + "}",
            "page_trained_mse = " + ("{" + ", ".join(f"{c!r}: {float_literal(v)}" for c, v in trained.items()) + "}"
                                     if trained else "None") + "  # after the page's full run, if one was shown"]
    make = [
        "rng = np.random.default_rng(seed)  # NumPy's PCG64: the same arrays on any machine",
        "if task == \"sine\":  # two sine waves of random frequency and phase, plus noise",
        "    freq1, freq2, offsets1, offsets2 = rng.random((4, n_examples, 1))",
        "    time = np.linspace(0, 1, steps + 1)",
        "    series = 0.5 * np.sin((time - offsets1) * (freq1 * 10 + 10))",
        "    series += 0.2 * np.sin((time - offsets2) * (freq2 * 20 + 20))",
        "    series += 0.1 * (rng.random((n_examples, steps + 1)) - 0.5)",
        "    series = series.astype(np.float32)",
        "    X, y = series[:, :steps], series[:, steps:]  # read `steps` values, predict the next",
        "else:                # recall: the target is the first of k + 1 random values",
        "    X = rng.uniform(-1, 1, (n_examples, k + 1)).astype(np.float32)",
        "    y = X[:, :1]",
        "X = X[:, :, np.newaxis]  # (examples, steps, 1)",
        f"n_train = n_examples - {n_valid}  # the last 20% are held out for validation",
        "X_train, y_train, X_valid, y_valid = X[:n_train], y[:n_train], X[n_train:], y[n_train:]",
        "naive_mse = float(np.mean((X_valid[:, -1, :].astype(np.float64) - y_valid) ** 2))  # repeat the last value",
        "mean_mse = float(np.mean((y_valid.astype(np.float64) - y_train.astype(np.float64).mean()) ** 2))",
        'check("validation targets", page_y_valid, y_valid.reshape(-1))',
        'check("naive baseline MSE", page_naive_mse, naive_mse)',
        'check("mean baseline MSE", page_mean_mse, mean_mse)']
    models = [
        "def build_model(cell):",
        '    """cell(units) -> Dense(1), each weight drawn from its own seed, as the page builds it."""',
        "    init = keras.initializers",
        "    return keras.Sequential([",
        f"        keras.Input(({length}, 1)),",
        "        getattr(keras.layers, cell)(units, kernel_initializer=init.GlorotUniform(seed=seed),",
        "                                    recurrent_initializer=init.Orthogonal(seed=seed + 1)),",
        "        keras.layers.Dense(1, kernel_initializer=init.GlorotUniform(seed=seed + 2)),",
        "    ])", "",
        "models = {cell: build_model(cell) for cell in cells}",
        "for cell, model in models.items():",
        "    forecast = model.predict_on_batch(X_valid)  # (n_valid, 1), before any training",
        "    check(f\"{cell} untrained validation MSE\", page_untrained_mse[cell],",
        "          float(np.mean((forecast.astype(np.float64) - y_valid) ** 2)))"]
    train = [
        f"epochs_here = {epochs_here}  # the page trains for more; raise this to train as long",
        "for cell, model in models.items():",
        f"    model.compile(optimizer=keras.optimizers.Adam({learning_rate}), loss=\"mse\")",
        f"    model.fit(X_train, y_train, batch_size={batch_size}, epochs=epochs_here, verbose=0)",
        "    mse = float(np.mean((model.predict_on_batch(X_valid).astype(np.float64) - y_valid) ** 2))",
        "    after_page = page_trained_mse[cell] if page_trained_mse and cell in page_trained_mse else None",
        "    print(f\"{cell}: validation MSE {mse:.4f} after {epochs_here} epoch(s) here; naive {naive_mse:.4f}, \"",
        "          f\"mean {mean_mse:.4f}\" + (f\"; the page's full run ended at {after_page:.4f}\" if after_page else \"\"))"]
    what = ("Its data are made again here from the seed and checked against the page's baselines; each model is "
            "built with the page's initializer seeds and checked before training (its untrained validation MSE). "
            "A short training follows: its numbers are printed, not checked, since the page trains for longer.")
    return notebook("Recurrence Lab: Keras lab", [
        _intro("Keras lab", f"Keras initializers with seeds {seed}, {seed + 1}, {seed + 2}", what), *setup_cells(),
        ("md", "## The page's settings and numbers"), ("code", joined(*data)),
        ("md", f"## The data, and the two baselines\nTask *{task}*: {tasks.TASKS[task]}. The **naive** forecast "
               "repeats the last value read; the **mean** answers the training targets' mean whatever it reads. A "
               "model has learnt something only once it beats both."), ("code", joined(*make)),
        ("md", "## The models, before training\nOne recurrent layer, then `Dense(1)` on its last output."),
        ("code", joined(*models)),
        ("md", "## A short training\nAdam on the mean squared error, as the page trains (which shuffles its "
               "batches with its own seeded generator, so the numbers here are close to the page's, not equal)."),
        ("code", joined(*train)), *summary_cells()])


def text_lab_notebook(text: str, cell: str, units: int, epochs: int, seed: int, rnn_probs,
                      stateless_probs) -> nbformat.NotebookNode:
    """The text lab's run: chars_codegen's training code in cells, then each model's next-character
    probabilities (steps, vocab) checked against the page's (rnncore's NumPy pass of the trained weights)."""
    from rnncore.lesson.chars_codegen import code_parts

    parts = code_parts(text, cell, units, epochs, seed)
    page = [literal_line("page_rnn_probs", rnn_probs, "(steps, vocab): the page's RNN p(next character)"),
            literal_line("page_stateless_probs", stateless_probs, "(steps, vocab): the page's stateless model's")]
    what = ("Two models train on the same text with the same seeds: a recurrent layer and a softmax on the "
            "current character alone. Trained the same way, they give the page's probabilities.")
    return notebook("Recurrence Lab: Text lab", [
        _intro("Text lab", f"Keras initializers seeded from {seed}, trained here", what), *setup_cells(),
        ("md", "## The text, one-hot, and the page's probabilities"), ("code", joined(parts["data"], *page)),
        ("md", "## The two models\nThe recurrent one reads a character and its state; the stateless one only the "
               "character."), ("code", parts["models"]),
        ("md", f"## Train\n{epochs} epochs, one Adam step each on the whole text."), ("code", parts["train"]),
        ("md", "## What each model predicts next\nFor every position, each model's likeliest next character and "
               "its probability; then every probability beside the page's."),
        ("code", joined(parts["predict"], 'check("RNN p(next character)", page_rnn_probs, rnn_probs)',
                        'check("stateless p(next character)", page_stateless_probs, stateless_probs)')),
        *summary_cells()])
