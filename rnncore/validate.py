"""Checks on everything that enters rnncore: each raises ValueError naming the value and what is allowed."""
from __future__ import annotations

import math

import numpy as np

from rnncore import caps

REAL_KINDS = "biufO"  # dtype kinds cast to float32: a cast alone would drop an imaginary part or parse text


def check_int(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")
    return int(value)


def check_scale(scale) -> float:
    if not isinstance(scale, (int, float, np.integer, np.floating)) or isinstance(scale, bool):
        raise ValueError(f"scale must be a number in (0, {caps.MAX_WEIGHT_SCALE}], got {scale!r}")
    if not math.isfinite(scale) or not 0 < scale <= caps.MAX_WEIGHT_SCALE:
        raise ValueError(f"scale must be in (0, {caps.MAX_WEIGHT_SCALE}], got {scale}")
    return float(scale)


def check_number(name: str, value, low: float, high: float, low_open: bool = False) -> float:
    """`value` as a float if it is a real number in [low, high] ((low, high] when `low_open`)."""
    allowed = f"{'(' if low_open else '['}{low:g}, {high:g}]"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number in {allowed}, got {value!r}")
    if not math.isfinite(value) or not (low < value if low_open else low <= value) or value > high:
        raise ValueError(f"{name} must be in {allowed}, got {value}")
    return float(value)


def check_array(name: str, array, shape: tuple) -> None:
    """`array` must be a finite float32 NumPy array of exactly `shape`."""
    if not isinstance(array, np.ndarray) or array.dtype != np.float32:
        raise ValueError(f"{name} must be a float32 NumPy array, got {type(array).__name__}"
                         f"{'' if not isinstance(array, np.ndarray) else ' of ' + str(array.dtype)}")
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold only finite values (no NaN or inf)")


def check_weights(w) -> None:
    if w.activation not in caps.ACTIVATIONS:
        raise ValueError(f"activation must be one of {caps.ACTIVATIONS}, got {w.activation!r}")
    if not isinstance(w.Wx, np.ndarray) or w.Wx.ndim != 2:
        raise ValueError(f"Wx must be a 2-D (inputs, neurons) array, got {getattr(w.Wx, 'shape', w.Wx)!r}")
    n_inputs, n_neurons = w.Wx.shape
    check_int("n_inputs", n_inputs, 1, caps.MAX_INPUTS)
    check_int("n_neurons", n_neurons, 1, caps.MAX_NEURONS)
    check_array("Wx", w.Wx, (n_inputs, n_neurons))
    check_array("Wy", w.Wy, (n_neurons, n_neurons))
    check_array("b", w.b, (n_neurons,))


def check_inputs(X, w, sequence_length=None) -> tuple[np.ndarray, np.ndarray | None]:
    """Returns X as float32 (batch, steps, inputs) and the lengths as int32 (batch,) or None."""
    try:
        raw = np.asarray(X)
        X = raw.astype(np.float32, copy=False) if raw.dtype.kind in REAL_KINDS else None
    except (TypeError, ValueError) as error:
        raise ValueError(f"X must be numeric, shape (batch, steps, inputs): {error}") from None
    if X is None:
        raise ValueError(f"X must hold real numbers, shape (batch, steps, inputs), got dtype {raw.dtype}")
    if X.ndim != 3:
        raise ValueError(f"X must have shape (batch, steps, inputs), got {X.shape}")
    batch, steps, n_inputs = X.shape
    check_int("batch", batch, 1, caps.MAX_BATCH)
    check_int("steps", steps, 1, caps.MAX_STEPS)
    if n_inputs != w.n_inputs:
        raise ValueError(f"X has {n_inputs} inputs per step but Wx expects {w.n_inputs}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must hold only finite values (no NaN or inf)")
    if np.abs(X).max() > caps.MAX_ABS_INPUT:
        raise ValueError(f"X values must lie within +-{caps.MAX_ABS_INPUT:g}, got {np.abs(X).max():g}")
    if sequence_length is None:
        return X, None
    lengths = np.asarray(sequence_length)
    if lengths.shape != (batch,):
        raise ValueError(f"sequence_length must hold one length per example ({batch}), got shape {lengths.shape}")
    if not np.issubdtype(lengths.dtype, np.integer):
        if not np.issubdtype(lengths.dtype, np.floating) or not np.all(np.isfinite(lengths)) \
                or np.any(lengths != np.round(lengths)):
            raise ValueError(f"sequence_length must be whole numbers in 0..{steps}, got {lengths.tolist()}")
    if np.any(lengths < 0) or np.any(lengths > steps):
        raise ValueError(f"sequence_length values must be in 0..{steps}, got {lengths.tolist()}")
    return X, lengths.astype(np.int32)
