"""rnncore: recurrence in NumPy and TensorFlow, every path checked against one NumPy loop.

    from rnncore import init_weights, run_manual, run_static, run_dynamic
    w = init_weights(n_inputs=3, n_neurons=5, seed=42)
    r = run_dynamic(X, w, sequence_length=[2, 1, 2, 2])   # X: (batch, steps, inputs)
    r.outputs, r.state                                     # (batch, steps, neurons), (batch, neurons)

    run_tf2(X, w, loop="unrolled" | "while"), run_keras(X, w, unroll=True | False)   # TF2 and Keras 3
    book_weights()                                         # the weights of the book's printed table

TensorFlow is imported only when a TensorFlow path is first called.
"""
from rnncore.config import ACTIVATIONS, RNNResult, RNNWeights, init_weights
from rnncore.manual import run_manual
from rnncore.lesson.book import LESSON_X, book_weights
from rnncore.tf.unroll_tf1 import run_dynamic, run_static
from rnncore.tf.unroll_tf2 import run_keras, run_tf2

__all__ = ["ACTIVATIONS", "LESSON_X", "RNNResult", "RNNWeights", "book_weights", "init_weights", "run_keras",
           "run_manual", "run_static", "run_dynamic", "run_tf2"]
