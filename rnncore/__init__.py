"""rnncore: recurrence in NumPy and TensorFlow, every path checked against one NumPy loop.

    from rnncore import init_weights, run_manual, run_static, run_dynamic
    w = init_weights(n_inputs=3, n_neurons=5, seed=42)
    r = run_dynamic(X, w, sequence_length=[2, 1, 2, 2])   # X: (batch, steps, inputs)
    r.outputs, r.state                                     # (batch, steps, neurons), (batch, neurons)

TensorFlow is imported only when a TensorFlow path is first called.
"""
from rnncore.config import ACTIVATIONS, RNNResult, RNNWeights, init_weights
from rnncore.manual import run_manual
from rnncore.unroll_tf1 import run_dynamic, run_static

__all__ = ["ACTIVATIONS", "RNNResult", "RNNWeights", "init_weights", "run_manual", "run_static",
           "run_dynamic"]
