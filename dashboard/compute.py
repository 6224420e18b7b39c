"""Cached calls into rnncore for the pages.

`st.cache_data` keys each result by its arguments (settings and input arrays) and stores plain NumPy,
never a TensorFlow graph or session, so a slider moved back to a value it had re-renders from memory.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from rnncore.config import RNNResult, RNNWeights, init_weights
from rnncore.manual import run_manual
from rnncore.presets import book_weights

CACHE_ENTRIES = 128  # per function: a class exploring a page stays well within a few MB


def layer_weights(n_inputs: int, n_neurons: int, seed: int, scale: float, activation: str,
                  source: str = "seeded") -> RNNWeights:
    """The layer's weights: drawn from `seed` ("seeded"), or the book's exact Wx, Wy ("book", only for
    3 inputs and 5 neurons; ValueError otherwise), in both cases times `scale`."""
    if source == "seeded":
        return init_weights(n_inputs, n_neurons, seed, scale, activation)
    if source != "book":
        raise ValueError(f"weights must be 'seeded' or 'book', got {source!r}")
    book = book_weights()
    if (n_inputs, n_neurons) != (book.n_inputs, book.n_neurons):
        raise ValueError(f"the book's weights have {book.n_inputs} inputs and {book.n_neurons} neurons, "
                         f"not {n_inputs} and {n_neurons}")
    return RNNWeights(np.float32(scale) * book.Wx, np.float32(scale) * book.Wy, book.b, activation)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def weights(n_inputs: int, n_neurons: int, seed: int, scale: float, activation: str,
            source: str = "seeded") -> RNNWeights:
    return layer_weights(n_inputs, n_neurons, seed, scale, activation, source)


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def manual_outputs(X: np.ndarray, n_neurons: int, seed: int, scale: float, activation: str,
                   backend: str = "numpy", source: str = "seeded") -> np.ndarray:
    """The hand-built network's outputs (batch, steps, neurons) for X (batch, steps, inputs).

    backend "numpy" is the reference loop; "tf1" builds the lesson's placeholder graph and runs it in
    its own Session (TensorFlow is imported on the first such call, a few seconds). `source` as in
    `layer_weights`.
    """
    w = layer_weights(X.shape[2], n_neurons, seed, scale, activation, source)
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
    from rnncore.unroll_tf1 import run_dynamic

    w = init_weights(X.shape[2], n_neurons, seed, scale, activation)
    return run_dynamic(X, w, sequence_length=None if lengths is None else list(lengths))
