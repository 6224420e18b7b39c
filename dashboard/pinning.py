"""What-if comparison: pin a run as a baseline, change a setting, compare the new run with it.

Pure helpers, no Streamlit: a page passes `st.session_state` (or any dict) as the store, so a pin lasts
for the browser session and is never shared with another student. A pin keeps copies of the arrays
the student saw and the settings that made them; `compare` cuts two runs to their common shape, so a
baseline with 2 steps can still be compared with a run of 5 (on the first 2) and the page can say so.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, MutableMapping

import numpy as np
import pandas as pd

from dashboard.tidy import sequence_frame

AXES = ("example", "step", "neuron")  # the axes of an outputs array (batch, steps, neurons)


@dataclass(frozen=True)
class Pin:
    settings: dict                  # the settings of the pinned run
    arrays: dict[str, np.ndarray]   # its results, copied: e.g. outputs (batch, steps, neurons), state


@dataclass(frozen=True)
class Comparison:
    baseline: np.ndarray    # the pinned array, cut to the common shape
    current: np.ndarray     # the current array, cut to the common shape
    note: str               # "" when the shapes agree, else which part is compared

    @property
    def difference(self) -> np.ndarray:
        return self.current - self.baseline

    @property
    def max_abs_difference(self) -> float:
        return float(np.abs(self.difference).max()) if self.difference.size else 0.0


def _key(page: str) -> str:
    return f"pinned:{page}"


def pin(store: MutableMapping, page: str, settings: Mapping, **arrays: np.ndarray) -> Pin:
    """Keep `arrays` (copied, so a later run cannot change them) and `settings` as `page`'s baseline."""
    if not arrays:
        raise ValueError("pin needs at least one array to keep, got none")
    kept = Pin(dict(settings), {name: np.array(value, copy=True) for name, value in arrays.items()})
    store[_key(page)] = kept
    return kept


def pinned(store: Mapping, page: str) -> Pin | None:
    """`page`'s baseline, or None when nothing is pinned."""
    kept = store.get(_key(page))
    return kept if isinstance(kept, Pin) else None


def unpin(store: MutableMapping, page: str) -> None:
    store.pop(_key(page), None)


def changed_settings(before: Mapping, after: Mapping) -> dict[str, tuple]:
    """{key: (baseline value, current value)} for every setting that differs (missing counts as None)."""
    return {key: (before.get(key), after.get(key)) for key in sorted(set(before) | set(after), key=str)
            if before.get(key) != after.get(key)}


def compare(baseline: np.ndarray, current: np.ndarray, axes=AXES) -> Comparison:
    """The two arrays on their common shape; the note names each axis whose size differs."""
    baseline, current = np.asarray(baseline), np.asarray(current)
    if baseline.ndim != current.ndim:
        raise ValueError(f"cannot compare a {baseline.ndim}-D baseline with a {current.ndim}-D run")
    if len(axes) < baseline.ndim:
        raise ValueError(f"need a name for each of the {baseline.ndim} axes, got {tuple(axes)}")
    common = tuple(slice(0, min(a, b)) for a, b in zip(baseline.shape, current.shape))
    differing = [f"{axes[i]}s: {a} in the baseline, {b} now, compared on the first {min(a, b)}"
                 for i, (a, b) in enumerate(zip(baseline.shape, current.shape)) if a != b]
    return Comparison(baseline[common], current[common], "; ".join(differing))


def runs_frame(baseline: np.ndarray, current: np.ndarray) -> pd.DataFrame:
    """Both (batch, steps, neurons) runs in full, as rows of example, step, neuron, value, run
    ("baseline" or "current"): the frame `charts.outputs_with_baseline` draws."""
    return pd.concat([sequence_frame(current).assign(run="current"),
                      sequence_frame(baseline).assign(run="baseline")], ignore_index=True)
