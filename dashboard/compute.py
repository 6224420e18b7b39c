"""Cached calls into rnncore for the pages.

`st.cache_data` keys each result by its arguments (settings and input arrays) and stores plain NumPy,
never a TensorFlow graph or session, so a slider moved back to a value it had re-renders from memory.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from rnncore.config import RNNResult, RNNWeights, init_weights
from rnncore.manual import run_manual

CACHE_ENTRIES = 128  # per function: a class exploring a page stays well within a few MB


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner="Running the network (the first TF1 run imports TensorFlow)…")
def manual_outputs(X: np.ndarray, w: RNNWeights, backend: str = "numpy") -> np.ndarray:
    """The hand-built network's outputs (batch, steps, neurons) for X (batch, steps, inputs).

    backend "numpy" is the reference loop; "tf1" builds the lesson's placeholder graph and runs it in
    its own Session (TensorFlow is imported on the first such call, a few seconds). Keyed by the
    weights' values, so seeded and book weights (dashboard/experiment.py decides) share one cache.
    """
    return run_manual(X, w, backend=backend).outputs


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def manual_result(X: np.ndarray, n_neurons: int, seed: int, scale: float, activation: str,
                  lengths: tuple[int, ...] | None = None) -> RNNResult:
    """The NumPy reference's outputs and final state; `lengths` as sequence_length (None: every step)."""
    w = init_weights(X.shape[2], n_neurons, seed, scale, activation)
    return run_manual(X, w, sequence_length=None if lengths is None else list(lengths))


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner="Running dynamic_rnn (the first call imports TensorFlow)…")
def dynamic_result(X: np.ndarray, n_neurons: int, seed: int, scale: float, activation: str,
                   lengths: tuple[int, ...] | None = None) -> RNNResult:
    """`BasicRNNCell` through TF1's `dynamic_rnn` with the same weights, in its own graph and Session."""
    from rnncore.tf.unroll_tf1 import run_dynamic

    w = init_weights(X.shape[2], n_neurons, seed, scale, activation)
    return run_dynamic(X, w, sequence_length=None if lengths is None else list(lengths))
