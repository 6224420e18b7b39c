"""Runnable notebook code that reproduces one run: the inputs, the exact weights, the same numbers.

Two styles of the same computation, Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b):
- "tf1":   the lesson's TensorFlow 1 form through `tf.compat.v1`: a placeholder per step, shared `Wx`,
           `Wy`, `b` variables and a Session; with sequence lengths, the lesson's `BasicRNNCell` and
           `dynamic_rnn(sequence_length=...)` with the same weights loaded into the cell.
- "keras": Keras 3 `SimpleRNN` with `set_weights([Wx, Wy, b])`; lengths become a Keras mask.

Weights and inputs are written as literals that read back to the same float32 values bit for bit, so
the code needs nothing from Recurrence Lab. The code leaves `outputs` (batch, steps, neurons) and
`state` (batch, neurons) as NumPy arrays and prints them.
"""
from __future__ import annotations

import numpy as np

from rnncore.activations import ACTIVATION
from rnncore.config import RNNWeights
from rnncore.lesson.book import LESSON_X
from rnncore.validate import check_inputs

STYLES = ("tf1", "keras")
EXPLICIT_STEPS = 3  # up to this many steps the TF1 code names X0, Y0, X1, Y1, ... as the lesson does
INDENT = "    "
INDENT_WIDTH, LINE_WIDTH = len(INDENT), 100


def float_literal(value) -> str:
    """The shortest text that reads back (through a Python float) to exactly this float32."""
    value = np.float32(value)
    short = str(value)  # NumPy's shortest round-trip form for a float32
    return short if np.float32(float(short)) == value else repr(float(value))


def array_literal(array: np.ndarray, depth: int = 0) -> str:
    """A nested-list literal: on one line when short, else one sub-array per line."""
    if array.ndim == 1:
        if np.issubdtype(array.dtype, np.integer):
            return "[" + ", ".join(str(int(v)) for v in array) + "]"
        return "[" + ", ".join(float_literal(v) for v in array) + "]"
    one_line = "[" + ", ".join(array_literal(row) for row in array) + "]"
    if "\n" not in one_line and len(one_line) + INDENT_WIDTH * depth <= LINE_WIDTH:
        return one_line
    inner = INDENT * (depth + 1)
    rows = ",\n".join(inner + array_literal(row, depth + 1) for row in array)
    return "[\n" + rows + ",\n" + INDENT * depth + "]"


def np_array_line(name: str, array: np.ndarray, dtype: str, comment: str) -> str:
    return f"{name} = np.array({array_literal(array)}, dtype=np.{dtype})  # {comment}"


def data_lines(X: np.ndarray, w: RNNWeights, lengths: np.ndarray | None, b_shape: str) -> list[str]:
    batch, steps, n_inputs = X.shape
    lines = [f"n_inputs, n_neurons, n_steps = {n_inputs}, {w.n_neurons}, {steps}", "",
             np_array_line("X_batch", X, "float32", "(batch, steps, inputs): X_batch[:, t] is the batch at step t"),
             np_array_line("Wx_init", w.Wx, "float32", "(inputs, neurons): input -> neuron"),
             np_array_line("Wy_init", w.Wy, "float32", "(neurons, neurons): previous output -> neuron"),
             np_array_line("b_init", w.b if b_shape == "(neurons,)" else w.b[None, :], "float32", b_shape)]
    if lengths is not None:
        lines.append(np_array_line("lengths", lengths, "int32", "(batch,): each example's sequence length"))
    return lines


def tf1_manual_lines(X: np.ndarray, w: RNNWeights, b_is_row: bool = True) -> list[str]:
    """The lesson's hand-built network: one placeholder per step, one shared Wx, Wy, b.

    `b_is_row`: `b_init` is already the lesson's (1, neurons); False: it is (neurons,), as Keras wants
    it, and the variable makes it a row."""
    steps = X.shape[1]
    act = ACTIVATION[w.activation].tf_op
    lines = ["graph = tf.Graph()  # a graph of our own, so the cell can be run again",
             "with graph.as_default():"]
    if steps <= EXPLICIT_STEPS:
        lines += [f"    X{t} = v1.placeholder(tf.float32, [None, n_inputs], name=\"X{t}\")" for t in range(steps)]
    else:
        lines += ["    X = [v1.placeholder(tf.float32, [None, n_inputs], name=f\"X{t}\") for t in range(n_steps)]"]
    lines += ["    Wx = tf.Variable(Wx_init, name=\"Wx\")",
              "    Wy = tf.Variable(Wy_init, name=\"Wy\")  # [n_neurons, n_neurons]: Y(t-1) -> Y(t)",
              "    b = tf.Variable(b_init, name=\"b\")" if b_is_row else
              "    b = tf.Variable(b_init.reshape(1, n_neurons), name=\"b\")  # (1, neurons), the lesson's shape", ""]
    if steps <= EXPLICIT_STEPS:
        lines.append(f"    Y0 = {act}(tf.matmul(X0, Wx) + b)")
        lines += [f"    Y{t} = {act}(tf.matmul(Y{t - 1}, Wy) + tf.matmul(X{t}, Wx) + b)" for t in range(1, steps)]
        Y_list = "[" + ", ".join(f"Y{t}" for t in range(steps)) + "]"
        feed = "{" + ", ".join(f"X{t}: X_batch[:, {t}]" for t in range(steps)) + "}"
    else:
        lines += [f"    Y = [{act}(tf.matmul(X[0], Wx) + b)]",
                  "    for t in range(1, n_steps):  # the same Wx, Wy, b at every step",
                  f"        Y.append({act}(tf.matmul(Y[t - 1], Wy) + tf.matmul(X[t], Wx) + b))"]
        Y_list, feed = "Y", "{X[t]: X_batch[:, t] for t in range(n_steps)}"
    lines += ["    init = v1.global_variables_initializer()", "",
              "with v1.Session(graph=graph) as sess:",
              "    init.run()",
              f"    Y_val = sess.run({Y_list}, feed_dict={feed})", "",
              "outputs = np.stack(Y_val, axis=1)  # (batch, steps, neurons)",
              "state = Y_val[-1]                  # (batch, neurons): the last output is the state",
              "for t, Y_t in enumerate(Y_val):",
              "    print(f\"Y{t}_val =\\n{Y_t}\")"]
    return lines


def tf1_dynamic_lines(w: RNNWeights) -> list[str]:
    """The lesson's variable-length form: BasicRNNCell in dynamic_rnn with a sequence_length."""
    act = ACTIVATION[w.activation].tf_op
    return ["graph = tf.Graph()  # a graph of our own, so the cell can be run again",
            "with graph.as_default():",
            "    X = v1.placeholder(tf.float32, [None, n_steps, n_inputs])",
            "    seq_length = v1.placeholder(tf.int32, [None])",
            f"    basic_cell = v1.nn.rnn_cell.BasicRNNCell(num_units=n_neurons, activation={act})",
            "    outputs_op, state_op = v1.nn.dynamic_rnn(basic_cell, X, dtype=tf.float32,",
            "                                             sequence_length=seq_length)",
            "    # The cell computes act([X_t, Y(t-1)] @ kernel + bias): its kernel is Wx stacked over Wy.",
            "    kernel, bias = basic_cell.weights",
            "    load_weights = [kernel.assign(np.concatenate([Wx_init, Wy_init])), bias.assign(b_init)]",
            "    init = v1.global_variables_initializer()", "",
            "with v1.Session(graph=graph) as sess:",
            "    init.run()",
            "    sess.run(load_weights)",
            "    outputs, state = sess.run([outputs_op, state_op], feed_dict={X: X_batch, seq_length: lengths})",
            "",
            "# Past each length the output is zero and the state is the last valid output.",
            "print(\"outputs (batch, steps, neurons) =\\n\", outputs)",
            "print(\"state (batch, neurons) =\\n\", state)"]


def keras_lines(w: RNNWeights, with_lengths: bool) -> list[str]:
    lines = [f"layer = keras.layers.SimpleRNN(n_neurons, activation={ACTIVATION[w.activation].keras_code},",
             "                               return_sequences=True, return_state=True)",
             "layer.build((None, n_steps, n_inputs))",
             "layer.set_weights([Wx_init, Wy_init, b_init])  # kernel, recurrent_kernel, bias", ""]
    if not with_lengths:
        lines.append("outputs, state = layer(X_batch)")
    else:
        lines += ["mask = np.arange(n_steps)[None, :] < lengths[:, None]  # (batch, steps): True within a sequence",
                  "outputs, state = layer(X_batch, mask=mask)"]
    lines += ["outputs = keras.ops.convert_to_numpy(outputs)  # (batch, steps, neurons)",
              "state = keras.ops.convert_to_numpy(state)      # (batch, neurons)"]
    if with_lengths:
        lines += ["# Keras repeats the last output past a sequence's end; TensorFlow's rule is zero there.",
                  "outputs = np.where(mask[:, :, None], outputs, np.float32(0))"]
    lines += [
              "print(\"outputs (batch, steps, neurons) =\\n\", outputs)",
              "print(\"state (batch, neurons) =\\n\", state)"]
    return lines


def notebook_code(style: str, w: RNNWeights, X=None, sequence_length=None, origin: str = "") -> str:
    """Python source that reproduces run_manual(X, w, sequence_length) in `style` ("tf1" or "keras").

    X defaults to the lesson's batch; `origin` says where the weights came from (e.g. "seed 42,
    scale 1.0") and goes into the header comment.
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}, got {style!r}")
    X, lengths = check_inputs(LESSON_X if X is None else X, w, sequence_length)
    if style == "tf1":
        header = ["# Recurrence Lab: this run in the lesson's TensorFlow 1 style (tf.compat.v1).",
                  "import os",
                  "os.environ[\"TF_USE_LEGACY_KERAS\"] = \"1\"  # before TensorFlow's first import (restart the kernel"
                  " if it was imported)",
                  "", "import numpy as np", "import tensorflow as tf", "", "v1 = tf.compat.v1"]
        b_shape = "(1, neurons)" if lengths is None else "(neurons,)"
        body = tf1_manual_lines(X, w) if lengths is None else tf1_dynamic_lines(w)
    else:
        header = ["# Recurrence Lab: this run with Keras 3 (TensorFlow 2).",
                  "import os",
                  "os.environ.setdefault(\"KERAS_BACKEND\", \"tensorflow\")",
                  "", "import keras", "import numpy as np"]
        b_shape = "(neurons,)"
        body = keras_lines(w, lengths is not None)
    about = [f"# Activation: {w.activation}. Weights: {origin or 'as shown in the dashboard'}, written out exactly."]
    lines = header[:1] + about + header[1:] + [""] + data_lines(X, w, lengths, b_shape) + [""] + body
    return "\n".join(lines) + "\n"


# --- Gated cells: Keras 3 SimpleRNN, LSTM and GRU side by side, with the exact weights -------------------

def layer_lines(name: str, keras_class: str, weights: list[tuple[str, np.ndarray, str]], units: int,
                 extra: str = "") -> list[str]:
    """One Keras layer built, loaded with `weights` (variable name, array, shape comment) and run on X_batch."""
    lines = [np_array_line(var, array, "float32", comment) for var, array, comment in weights]
    lines += [f"layer = keras.layers.{keras_class}({units}, return_sequences=True, return_state=True{extra})",
              "layer.build((None, n_steps, n_inputs))",
              f"layer.set_weights([{', '.join(var for var, _, _ in weights)}])  # kernel, recurrent_kernel, bias",
              "outputs_and_states = [keras.ops.convert_to_numpy(a) for a in layer(X_batch)]",
              f"outputs[\"{name}\"], states[\"{name}\"] = outputs_and_states[:2]  # (batch, steps, units), (batch, units)"]
    if keras_class == "LSTM":
        lines.append("cell = outputs_and_states[2]  # (batch, units): the LSTM's last cell state c[T-1]")
    return lines + [""]


def gated_notebook_code(X, simple: RNNWeights, lstm, gru, origin: str = "") -> str:
    """Python source that runs the same X (batch, steps, inputs) through Keras 3 `SimpleRNN`, `LSTM` and
    `GRU` holding the exact weights `simple` (rnncore's basic cell), `lstm` and `gru` (rnncore.gates'
    GatedWeights, Keras' layout). It leaves `outputs` and `states` (dicts by layer name) and `cell`."""
    for name, w, kind in (("lstm", lstm, "lstm"), ("gru", gru, "gru")):
        if getattr(w, "kind", None) != kind:
            raise ValueError(f"{name} must be GatedWeights of kind {kind!r} (from rnncore.gates.init_weights)")
    if simple.activation != "tanh":
        raise ValueError(f"the SimpleRNN beside the gated cells uses tanh, got {simple.activation!r}")
    X, _ = check_inputs(X, simple)
    for w in (lstm, gru):
        check_inputs(X, w)
    units = {simple.n_neurons, lstm.n_units, gru.n_units}
    if len(units) != 1:
        raise ValueError(f"the three layers must have the same number of units, got {sorted(units)}")
    (n_units,) = units
    lines = ["# Recurrence Lab: one sequence through SimpleRNN, LSTM and GRU with Keras 3 (TensorFlow 2).",
             f"# Weights: {origin or 'as shown in the dashboard'}, written out exactly.",
             "import os", "os.environ.setdefault(\"KERAS_BACKEND\", \"tensorflow\")", "",
             "import keras", "import numpy as np", "",
             f"n_inputs, n_units, n_steps = {X.shape[2]}, {n_units}, {X.shape[1]}",
             np_array_line("X_batch", X, "float32", "(batch, steps, inputs)"),
             "outputs, states = {}, {}", ""]
    lines += layer_lines("SimpleRNN", "SimpleRNN", [("Wx", simple.Wx, "(inputs, units)"),
                                                      ("Wy", simple.Wy, "(units, units)"),
                                                      ("b", simple.b, "(units,)")], n_units)
    lines += layer_lines("LSTM", "LSTM", [
        ("lstm_kernel", lstm.kernel, "(inputs, 4 * units): gates i, f, c, o side by side"),
        ("lstm_recurrent", lstm.recurrent_kernel, "(units, 4 * units)"),
        ("lstm_bias", lstm.bias, "(4 * units,): the f block holds the forget bias")], n_units)
    lines += layer_lines("GRU", "GRU", [
        ("gru_kernel", gru.kernel, "(inputs, 3 * units): gates z, r, h side by side"),
        ("gru_recurrent", gru.recurrent_kernel, "(units, 3 * units)"),
        ("gru_bias", gru.bias, "(2, 3 * units): input-side row, recurrent-side row (reset_after=True)")],
        n_units)
    lines += ["for name in outputs:", "    print(name, \"outputs (batch, steps, units) =\\n\", outputs[name])",
              "print(\"LSTM cell state c[T-1] =\\n\", cell)"]
    return "\n".join(lines) + "\n"
