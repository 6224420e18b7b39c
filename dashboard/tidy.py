"""NumPy arrays to the tidy (long) DataFrames that the chart builders take."""
from __future__ import annotations

import numpy as np
import pandas as pd


def sequence_frame(values: np.ndarray, name: str = "value") -> pd.DataFrame:
    """(batch, steps, neurons) -> rows of example, step, neuron, value."""
    batch, steps, neurons = values.shape
    example, step, neuron = np.meshgrid(np.arange(batch), np.arange(steps), np.arange(neurons), indexing="ij")
    return pd.DataFrame({"example": example.ravel(), "step": step.ravel(), "neuron": neuron.ravel(),
                         name: values.ravel().astype(float)})


def matrix_frame(matrix: np.ndarray) -> pd.DataFrame:
    """(rows, cols) -> rows of row, col, value."""
    rows, cols = np.meshgrid(np.arange(matrix.shape[0]), np.arange(matrix.shape[1]), indexing="ij")
    return pd.DataFrame({"row": rows.ravel(), "col": cols.ravel(), "value": matrix.ravel().astype(float)})
