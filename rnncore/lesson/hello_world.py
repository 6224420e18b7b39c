"""The lesson's lab, "a hello world for TensorFlow and Keras", as a ready notebook (rnncore.lesson.notebooks' form).

The book's two-step network, its weights drawn with TF's seeded normal as the book draws them, run the TF1
way, with BasicRNNCell and with Keras 3, each checked against the book's table (rnncore's NumPy reference
reproduces it), then a first Keras model trained for a few epochs. The shipped file is HELLO_WORLD_FILE (the
overview offers it); `python -m rnncore.lesson.hello_world` writes it again, and a test checks they agree.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from rnncore.lesson.codegen import array_literal
from rnncore.lesson.notebooks import joined, literal_line, notebook, setup_cells, summary_cells, to_bytes

HELLO_WORLD_FILE = Path(__file__).parent.parent / "data" / "hello_tensorflow_keras.ipynb"


def hello_world() -> nbformat.NotebookNode:
    """The lesson's lab, "a hello world for TensorFlow and Keras": the book's two-step network drawn with
    TF's seeded normal, run the TF1 way, with BasicRNNCell and with Keras 3, checked against the book's table
    (rnncore's NumPy reference), then a first Keras model trained for a few epochs."""
    from rnncore.lesson.book import LESSON_X, book_weights
    from rnncore.manual import run_manual

    w = book_weights()
    book = run_manual(LESSON_X, w).outputs
    X0, X1 = LESSON_X[:, 0].astype(int), LESSON_X[:, 1].astype(int)
    return notebook("A hello world for TensorFlow and Keras", [
        ("md", "The lab of the lesson *TensorFlow RNN*, ready to run (*Run All*). It builds the lesson's recurrent "
               "layer with TensorFlow's low-level API, then the same layer with `BasicRNNCell` and with Keras 3, "
               "and checks every version against the book's numbers (Hands-On Machine Learning, 1st ed., ch. 14), "
               "which Recurrence Lab's NumPy loop reproduces exactly. Last, a first Keras model learns to forecast "
               "a time series. About half a minute on a laptop."),
        *setup_cells(),
        ("md", "## Hello, TensorFlow\nA tensor, an operation, a result."),
        ("code", joined('hello = tf.constant("Hello, TensorFlow!")', "print(hello.numpy().decode())",
                        "a = tf.constant([[1.0, 2.0], [3.0, 4.0]])",
                        "print(\"a @ a =\\n\", tf.matmul(a, a).numpy())")),
        ("md", "## The lesson's batch and the book's weights\nFour examples of three inputs at t = 0 and t = 1. "
               "The book draws `Wx` and `Wy` with TensorFlow's seeded normal (graph seed 42, operation seeds 5 and "
               "14), so the draw below is the book's, bit for bit. Note `Wy` is `[n_neurons, n_neurons]`: it carries "
               "the previous outputs `Y0` into the next step (the slide's `[n_inputs, n_neurons]` is a typo, as is "
               "its `tf.zeroes`)."),
        ("code", joined("n_inputs, n_neurons = 3, 5",
                        f"X0_batch = np.array({array_literal(X0)}, dtype=np.float32)  # t = 0",
                        f"X1_batch = np.array({array_literal(X1)}, dtype=np.float32)  # t = 1",
                        "draw = tf.Graph()",
                        "with draw.as_default():",
                        "    v1.set_random_seed(42)",
                        "    Wx_draw = v1.random_normal([n_inputs, n_neurons], seed=5)",
                        "    Wy_draw = v1.random_normal([n_neurons, n_neurons], seed=14)",
                        "with v1.Session(graph=draw) as sess:",
                        "    Wx_init, Wy_init = sess.run([Wx_draw, Wy_draw])",
                        "b_init = np.zeros(n_neurons, np.float32)",
                        literal_line("book_Y", book, "(batch, steps, neurons): the book's Y0 and Y1"),
                        'check("the book\'s Wx", ' + array_literal(w.Wx) + ", Wx_init)",
                        'check("the book\'s Wy", ' + array_literal(w.Wy) + ", Wy_init)")),
        ("md", "## The recurrence with bare hands (TensorFlow 1 style)\nOne placeholder per step, one set of weights "
               "that both steps share: `Y0 = tanh(X0 @ Wx + b)`, `Y1 = tanh(Y0 @ Wy + X1 @ Wx + b)`."),
        ("code", joined("graph = tf.Graph()",
                        "with graph.as_default():",
                        "    X0 = v1.placeholder(tf.float32, [None, n_inputs])",
                        "    X1 = v1.placeholder(tf.float32, [None, n_inputs])",
                        "    Wx = tf.Variable(Wx_init)",
                        "    Wy = tf.Variable(Wy_init)",
                        "    b = tf.Variable(tf.zeros([1, n_neurons], dtype=tf.float32))",
                        "    Y0 = tf.tanh(tf.matmul(X0, Wx) + b)",
                        "    Y1 = tf.tanh(tf.matmul(Y0, Wy) + tf.matmul(X1, Wx) + b)",
                        "    init = v1.global_variables_initializer()",
                        "with v1.Session(graph=graph) as sess:",
                        "    init.run()",
                        "    Y0_val, Y1_val = sess.run([Y0, Y1], feed_dict={X0: X0_batch, X1: X1_batch})",
                        'print("Y0_val =\\n", Y0_val)', 'print("Y1_val =\\n", Y1_val)',
                        'check("Y0 by hand", book_Y[:, 0], Y0_val)', 'check("Y1 by hand", book_Y[:, 1], Y1_val)')),
        ("md", "## The same layer as a cell: `BasicRNNCell` in `static_rnn` and `dynamic_rnn`\nThe cell holds `Wx` "
               "stacked over `Wy` as one kernel. `static_rnn` writes the cell out once per step; `dynamic_rnn` "
               "loops over it, and with `sequence_length` it stops each example at its own length (the second "
               "example has one step here: its output at t = 1 is 0)."),
        ("code", joined("X_batch = np.stack([X0_batch, X1_batch], axis=1)  # (batch, steps, inputs)",
                        "lengths = np.array([2, 1, 2, 2], dtype=np.int32)",
                        "graph = tf.Graph()",
                        "with graph.as_default():",
                        "    X = v1.placeholder(tf.float32, [None, 2, n_inputs])",
                        "    seq_length = v1.placeholder(tf.int32, [None])",
                        "    cell = v1.nn.rnn_cell.BasicRNNCell(num_units=n_neurons)",
                        "    static_outputs, _ = v1.nn.static_rnn(cell, tf.unstack(X, axis=1), dtype=tf.float32)",
                        "    dynamic_outputs, states = v1.nn.dynamic_rnn(cell, X, dtype=tf.float32, sequence_length=seq_length)",
                        "    kernel, bias = cell.weights",
                        "    load = [kernel.assign(np.concatenate([Wx_init, Wy_init])), bias.assign(b_init)]",
                        "    init = v1.global_variables_initializer()",
                        "with v1.Session(graph=graph) as sess:",
                        "    init.run()",
                        "    sess.run(load)",
                        "    static_val, dynamic_val = sess.run([static_outputs, dynamic_outputs],",
                        "                                       feed_dict={X: X_batch, seq_length: lengths})",
                        'check("static_rnn", book_Y, np.stack(static_val, axis=1))',
                        "book_with_lengths = book_Y * (np.arange(2)[None, :] < lengths[:, None])[:, :, None]",
                        'check("dynamic_rnn with sequence_length", book_with_lengths, dynamic_val)')),
        ("md", "## Hello, Keras\nKeras 3 writes the layer as `SimpleRNN`; `set_weights` gives it the book's weights."),
        ("code", joined("layer = keras.layers.SimpleRNN(n_neurons, return_sequences=True)",
                        "layer.build((None, 2, n_inputs))",
                        "layer.set_weights([Wx_init, Wy_init, b_init])  # kernel, recurrent_kernel, bias",
                        "keras_Y = keras.ops.convert_to_numpy(layer(X_batch))",
                        'check("Keras SimpleRNN", book_Y, keras_Y)')),
        ("md", "## A first Keras model that learns\nNoisy sine waves (the book's `generate_time_series`): read 20 "
               "values, forecast the next. The naive forecast repeats the last value; a `SimpleRNN` with a "
               "`Dense(1)` on top learns to do better in a few epochs."),
        ("code", joined("rng = np.random.default_rng(42)",
                        "freq1, freq2, offsets1, offsets2 = rng.random((4, 1000, 1))",
                        "time = np.linspace(0, 1, 21)",
                        "series = 0.5 * np.sin((time - offsets1) * (freq1 * 10 + 10))",
                        "series += 0.2 * np.sin((time - offsets2) * (freq2 * 20 + 20))",
                        "series = (series + 0.1 * (rng.random((1000, 21)) - 0.5)).astype(np.float32)[:, :, np.newaxis]",
                        "X_train, y_train = series[:800, :20], series[:800, 20]",
                        "X_valid, y_valid = series[800:, :20], series[800:, 20]",
                        "naive = float(np.mean((X_valid[:, -1] - y_valid) ** 2))",
                        "init = keras.initializers",
                        "model = keras.Sequential([",
                        "    keras.Input((20, 1)),",
                        "    keras.layers.SimpleRNN(16, kernel_initializer=init.GlorotUniform(seed=42),",
                        "                           recurrent_initializer=init.Orthogonal(seed=43)),",
                        "    keras.layers.Dense(1, kernel_initializer=init.GlorotUniform(seed=44)),",
                        "])",
                        "model.compile(optimizer=keras.optimizers.Adam(0.005), loss=\"mse\")",
                        "history = model.fit(X_train, y_train, epochs=5, batch_size=32, validation_data=(X_valid, y_valid),",
                        "                    verbose=0)",
                        "for epoch, mse in enumerate(history.history[\"val_loss\"], 1):",
                        "    print(f\"epoch {epoch}: validation MSE {mse:.4f} (naive forecast {naive:.4f})\")")),
        *summary_cells()])


def write_hello_world() -> None:
    """Write HELLO_WORLD_FILE from `hello_world()`."""
    HELLO_WORLD_FILE.write_bytes(to_bytes(hello_world()))


if __name__ == "__main__":
    write_hello_world()
    print(f"wrote {HELLO_WORLD_FILE}")
