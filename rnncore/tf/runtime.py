"""TensorFlow, imported lazily and once, with the legacy Keras that the lesson's `BasicRNNCell` needs.

`TF_USE_LEGACY_KERAS=1` must be set before TensorFlow's first import, or `BasicRNNCell` refuses to
exist under Keras 3. Keras 3 itself (`import keras`) stays available for the modern path.

`TF_ENABLE_ONEDNN_OPTS=0` (unless set otherwise): TensorFlow's oneDNN kernels set themselves up again in
every new thread, and Streamlit runs every script run in a new thread; on the lab's small models that
set-up cost more than the kernels saved, both for a TF1 check from a fresh thread and for training (set
the variable to 1 and run `make bench` to compare on a given machine).

One thread per operation (`RECURRENCE_LAB_TF_THREADS`, default 1), set right after the import: the lab's
models are small, and splitting each operation over threads cost more than it gained (compare with
RECURRENCE_LAB_TF_THREADS=2 under `make bench`). It also leaves the other cores to the server's students
while a run trains, and the job queue runs as many runs at once as there are cores.
"""
from __future__ import annotations

import os
import threading

from rnncore.activations import ACTIVATION

_lock = threading.Lock()
_configured = False  # TensorFlow's thread pools and logger set, once
# Hold it while building a Keras 3 layer or model: construction touches Keras's process-wide name counters.
keras_lock = threading.Lock()


def tf():
    """The `tensorflow` module, imported on first use (seconds and hundreds of MB: `make bench` times the
    first render of a TensorFlow page and measures the server's memory)."""
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    global _configured
    with _lock:  # a first import from two threads at once can deadlock on TF's own import locks
        import tensorflow

        if not _configured:
            threads = op_threads()
            try:
                tensorflow.config.threading.set_intra_op_parallelism_threads(threads)
                tensorflow.config.threading.set_inter_op_parallelism_threads(threads)
            except RuntimeError:  # something ran TensorFlow before this module imported it: keep its pools
                pass
            tensorflow.get_logger().setLevel("ERROR")
            _configured = True
    return tensorflow


def op_threads() -> int:
    """RECURRENCE_LAB_TF_THREADS as a thread count from 1 to 64 (1 when unset or not such a number)."""
    text = os.environ.get("RECURRENCE_LAB_TF_THREADS", "1").strip()
    return min(int(text), 64) if text.isdigit() and int(text) >= 1 else 1


def keras():
    """Keras 3 (the modern path), on the TensorFlow backend."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    tf()
    with _lock:
        import keras as keras3
    return keras3


def tf_activation(name: str):
    """The TF op of an activation of rnncore.activations' table: `tf.identity` for linear."""
    return ACTIVATION[name].tf(tf())
