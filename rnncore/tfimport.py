"""TensorFlow, imported lazily and once, with the legacy Keras that the lesson's `BasicRNNCell` needs.

`TF_USE_LEGACY_KERAS=1` must be set before TensorFlow's first import, or `BasicRNNCell` refuses to
exist under Keras 3. Keras 3 itself (`import keras`) stays available for the modern path.
"""
from __future__ import annotations

import os
import threading

_lock = threading.Lock()


def tf():
    """The `tensorflow` module, imported on first use (2-3 s, ~650 MB)."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _lock:  # a first import from two threads at once can deadlock on TF's own import locks
        import tensorflow

        tensorflow.get_logger().setLevel("ERROR")
    return tensorflow


def keras():
    """Keras 3 (the modern path), on the TensorFlow backend."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    tf()
    with _lock:
        import keras as keras3
    return keras3


ACTIVATION_FN = {"tanh": "tanh", "relu": "relu", "linear": None}


def tf_activation(name: str):
    """The TF op for an activation name; `tf.identity` for linear."""
    return {"tanh": tf().tanh, "relu": tf().nn.relu, "linear": tf().identity}[name]
