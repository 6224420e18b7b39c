"""A ragged batch for the sequence-lengths page: inputs from the settings, padding, and tidy frames.

No Streamlit here. Every input value is a whole number 0..9 (like the lesson's): the lesson's batch
where it fits (3 inputs: the first 4 examples' first 2 steps), the rest drawn from the seed. Values are
drawn once on a fixed grid and cut, so adding a step or an example keeps the values already shown.
Past each sequence's length the batch holds padding zeros, whatever was drawn there.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from rnncore import cell
from rnncore.lesson.book import LESSON_X
from dashboard.tidy import sequence_frame

INPUT_GRID = (8, 20, 8)  # (batch, steps, inputs): the sliders' largest batch, drawn whole and cut
INPUT_STREAM = 1         # the inputs' own random stream: the weights use the seed's first one
SEQUENCE, PADDING = "sequence", "padding"

# Settings that load a batch whose lengths all differ, and the lesson's own example back.
RAGGED_BATCH = {"steps": 6, "batch": 4, "inputs": 3, "len0": 6, "len1": 3, "len2": 1, "len3": 5}
LESSON_BATCH = {"steps": 2, "batch": 4, "inputs": 3, "neurons": 5, "len0": 2, "len1": 1, "len2": 2, "len3": 2}


def uses_lesson_batch(n_inputs: int) -> bool:
    return n_inputs == LESSON_X.shape[2]


def raw_inputs(batch: int, steps: int, n_inputs: int, seed: int) -> np.ndarray:
    """(batch, steps, inputs) float32 whole numbers 0..9, before padding; the same settings, the same values."""
    rng = np.random.default_rng([seed, INPUT_STREAM])
    grid = np.maximum(INPUT_GRID, (batch, steps, n_inputs))
    X = rng.integers(0, 10, size=tuple(grid))[:batch, :steps, :n_inputs].astype(np.float32)
    if uses_lesson_batch(n_inputs):
        b, s = min(batch, LESSON_X.shape[0]), min(steps, LESSON_X.shape[1])
        X[:b, :s] = LESSON_X[:b, :s]
    return X


def clamp_lengths(requested, steps: int) -> tuple[np.ndarray, list[int]]:
    """Each length cut to at most `steps`, as int32, and the examples whose length was cut."""
    requested = np.asarray(requested, dtype=np.int64)
    return np.minimum(requested, steps).astype(np.int32), [int(i) for i in np.flatnonzero(requested > steps)]


def valid_mask(lengths: np.ndarray, steps: int) -> np.ndarray:
    """(batch, steps) bool: True where step t < the example's length (rnncore.cell's rule)."""
    return cell.valid_mask(lengths, len(lengths), steps)


def padded(X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """X with zeros at every step past its example's length: the batch that is fed to the network."""
    return np.where(valid_mask(lengths, X.shape[1])[:, :, None], X, 0).astype(np.float32)


def batch_frame(X: np.ndarray, lengths: np.ndarray) -> pd.DataFrame:
    """One row per (example, step): status (sequence or padding), length, and the input values."""
    batch, steps, _ = X.shape
    valid = valid_mask(lengths, steps)
    example, step = np.meshgrid(np.arange(batch), np.arange(steps), indexing="ij")
    return pd.DataFrame({
        "example": example.ravel(), "step": step.ravel(),
        "status": np.where(valid, SEQUENCE, PADDING).ravel(),
        "length": np.repeat(np.asarray(lengths), steps),
        "inputs": [" ".join(f"{v:g}" for v in X[e, t]) for e, t in zip(example.ravel(), step.ravel())],
    })


def output_frame(outputs: np.ndarray, lengths: np.ndarray, final_step: np.ndarray) -> pd.DataFrame:
    """sequence_frame(outputs) plus status (of the input at that step) and `final`: the state's step."""
    frame = sequence_frame(outputs)
    batch, steps, neurons = outputs.shape
    frame["status"] = np.repeat(np.where(valid_mask(lengths, steps), SEQUENCE, PADDING).ravel(), neurons)
    frame["final"] = frame["step"].to_numpy() == np.repeat(np.asarray(final_step), steps * neurons)
    return frame


def state_table(state: np.ndarray, lengths: np.ndarray, final_step: np.ndarray) -> pd.DataFrame:
    """The final state, one row per example, with the step it was taken from (none for length 0)."""
    table = pd.DataFrame(state.astype(float), columns=[f"neuron {j}" for j in range(state.shape[1])])
    table.insert(0, "from step", [str(t) if t >= 0 else "none (zeros)" for t in final_step])
    table.insert(0, "length", np.asarray(lengths))
    table.index.name = "example"
    return table


def padding_effect_frame(with_lengths: np.ndarray, without_lengths: np.ndarray,
                         lengths: np.ndarray) -> pd.DataFrame:
    """Outputs with and without sequence_length side by side, their difference (without - with), status."""
    frame = output_frame(with_lengths, lengths, np.full(len(lengths), -1)).drop(columns="final")
    frame = frame.rename(columns={"value": "with_lengths"})
    frame.insert(4, "without_lengths", without_lengths.ravel().astype(float))
    frame.insert(5, "difference", (without_lengths - with_lengths).ravel().astype(float))
    return frame
