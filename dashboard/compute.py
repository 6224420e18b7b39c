"""Cached calls into rnncore for the pages.

`st.cache_data` keys each result by its arguments (settings and input arrays) and stores plain NumPy,
never a TensorFlow graph or session, so a slider moved back to a value it had re-renders from memory.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from rnncore.config import RNNWeights, init_weights
from rnncore.manual import run_manual

CACHE_ENTRIES = 128  # per function: a class exploring a page stays well within a few MB


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def weights(n_inputs: int, n_neurons: int, seed: int, scale: float, activation: str) -> RNNWeights:
    return init_weights(n_inputs, n_neurons, seed, scale, activation)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def manual_outputs(X: np.ndarray, n_neurons: int, seed: int, scale: float, activation: str,
                   backend: str = "numpy") -> np.ndarray:
    """The hand-built network's outputs (batch, steps, neurons) for X (batch, steps, inputs).

    backend "numpy" is the reference loop; "tf1" builds the lesson's placeholder graph and runs it in
    its own Session (TensorFlow is imported on the first such call, a few seconds).
    """
    w = init_weights(X.shape[2], n_neurons, seed, scale, activation)
    return run_manual(X, w, backend=backend).outputs
