"""The by-hand page's input batch X (batch, steps, inputs) as an editable table, and its checks.

One row per (time step t, example), t-major, so the rows for t=0 read like the lesson's `X_t0` block and
the rows for t=1 like its `X_t1`. The values live on a canvas of the largest allowed shape, kept in
Session State: the lesson's batch in its 4 x 2 x 3 corner and NEW_CELL_VALUE everywhere else. Shrinking
and growing a slider therefore shows the same numbers again, and a cell never seen before starts at 0.

Whatever the table holds (an empty cell, text, NaN, inf, 1e30), `clean` turns it into finite float32
values within rnncore's limit and says in plain words what it changed.

An edited table is part of the page's link: the URL parameter `x` holds its values (t-major, then
example, then input, comma-separated, each float32 written so that it reads back exactly); its shape
comes from the steps, batch and inputs settings in the same link. A table equal to the default has no `x`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.settings import SETTINGS
from rnncore.config import MAX_ABS_INPUT
from rnncore.lesson.book import LESSON_X

CANVAS_KEY = "by_hand_x_canvas"   # Session State: the (max batch, max steps, max inputs) values
URL_KEY = "x"                     # query parameter holding an edited table
VERSION_KEY = "by_hand_x_version" # Session State: bumped by a reset, giving the editor a fresh identity
NEW_CELL_VALUE = 0.0              # a cell outside the lesson's 4 x 2 x 3 batch starts here
CANVAS_SHAPE = (int(SETTINGS["batch"].high), int(SETTINGS["steps"].high), int(SETTINGS["inputs"].high))
INDEX_COLUMNS = ("t", "example")


def input_column(i: int) -> str:
    return f"x{i}"


def default_canvas() -> np.ndarray:
    """The lesson's batch in the corner, NEW_CELL_VALUE elsewhere. (max batch, max steps, max inputs)"""
    canvas = np.full(CANVAS_SHAPE, NEW_CELL_VALUE, np.float32)
    batch, steps, inputs = LESSON_X.shape
    canvas[:batch, :steps, :inputs] = LESSON_X
    return canvas


def to_table(X: np.ndarray) -> pd.DataFrame:
    """(batch, steps, inputs) -> one row per (t, example), t-major, columns t, example, x0, x1, ..."""
    batch, steps, inputs = X.shape
    t, example = np.meshgrid(np.arange(steps), np.arange(batch), indexing="ij")
    rows = X.transpose(1, 0, 2).reshape(steps * batch, inputs).astype(float)  # (steps*batch, inputs)
    return pd.DataFrame({"t": t.ravel(), "example": example.ravel(),
                         **{input_column(i): rows[:, i] for i in range(inputs)}})


def clean(table: pd.DataFrame, shape: tuple[int, int, int]) -> tuple[np.ndarray, list[str]]:
    """The table's values as X (batch, steps, inputs) float32, and a note for each kind of fix made.

    Empty, non-numeric and NaN cells become 0; +-inf and values beyond +-MAX_ABS_INPUT are clipped to
    +-MAX_ABS_INPUT. Missing rows or columns count as empty cells (this only happens when something
    other than the page edits the table).
    """
    batch, steps, inputs = shape
    values = np.full((steps * batch, inputs), np.nan)
    columns = [input_column(i) for i in range(inputs)]
    present = table.reindex(columns=columns).head(steps * batch)
    try:  # the usual case, all numbers: no per-column parsing
        numeric = present.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        numeric = present.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    values[:numeric.shape[0], :numeric.shape[1]] = numeric
    notes = []
    missing = int(np.isnan(values).sum())
    if missing:
        notes.append(f"{_cells(missing)} empty or not a number: treated as 0.")
    infinite = int(np.isinf(values).sum())
    huge = int((np.isfinite(values) & (np.abs(values) > MAX_ABS_INPUT)).sum())
    if infinite or huge:
        notes.append(f"{_cells(infinite + huge)} infinite or beyond ±{MAX_ABS_INPUT:g}: clipped to "
                     f"±{MAX_ABS_INPUT:g}, the largest input the network accepts.")
    values = np.clip(np.nan_to_num(values, nan=0.0), -MAX_ABS_INPUT, MAX_ABS_INPUT)
    X = values.reshape(steps, batch, inputs).transpose(1, 0, 2)  # (batch, steps, inputs)
    return np.ascontiguousarray(X, dtype=np.float32), notes


def _cells(count: int) -> str:
    return "1 cell was" if count == 1 else f"{count} cells were"


def encode(X: np.ndarray) -> str:
    """X (batch, steps, inputs) as the URL's `x`: t-major values, shortest float32 text that reads back exactly."""
    rows = X.transpose(1, 0, 2).ravel().astype(np.float32)
    return ",".join(np.format_float_positional(v, unique=True, trim="-") for v in rows)


def decode(text: str, shape: tuple[int, int, int]) -> np.ndarray:
    """The URL's `x` back to X (batch, steps, inputs); ValueError saying why when it does not fit."""
    batch, steps, inputs = shape
    parts = text.split(",")
    if len(parts) != batch * steps * inputs:
        raise ValueError(f"it holds {len(parts)} values, but {steps} steps × {batch} examples × {inputs} "
                         f"inputs need {batch * steps * inputs}")
    try:
        values = np.array([float(part) for part in parts])
    except ValueError:
        raise ValueError("it holds something that is not a number") from None
    if not np.all(np.isfinite(values)) or np.abs(values).max() > MAX_ABS_INPUT:
        raise ValueError(f"its values must be finite and within ±{MAX_ABS_INPUT:g}")
    return values.reshape(steps, batch, inputs).transpose(1, 0, 2).astype(np.float32)


def _canvas(shape: tuple[int, int, int]) -> np.ndarray:
    """This session's canvas; on the first run, the default with the link's `x` (if any) laid over it."""
    if CANVAS_KEY not in st.session_state:
        canvas = default_canvas()
        if URL_KEY in st.query_params:
            try:
                canvas[:shape[0], :shape[1], :shape[2]] = decode(st.query_params[URL_KEY], shape)
            except ValueError as reason:
                st.warning(f"The input table in this link could not be used ({reason}); showing the "
                           "lesson's batch instead.", icon=":material/link_off:")
        st.session_state[CANVAS_KEY] = canvas
    return st.session_state[CANVAS_KEY]


def _write_url(X: np.ndarray) -> None:
    batch, steps, inputs = X.shape
    if np.array_equal(X, default_canvas()[:batch, :steps, :inputs]):
        st.query_params.pop(URL_KEY, None)
    else:
        text = encode(X)
        if st.query_params.get(URL_KEY) != text:
            st.query_params[URL_KEY] = text


def editor_key() -> str:
    """The data editor's key: "x_table_0", then a new one after each reset, so the browser drops its
    edits too (it would send them again under the old key)."""
    return f"x_table_{st.session_state.get(VERSION_KEY, 0)}"


def reset_editor() -> None:
    """Forget the editor's own edits (the canvas keeps its values): the next editor has a new key."""
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1


def reset() -> None:
    """Back to the lesson's batch (a button callback: runs before the page draws the editor)."""
    st.session_state.pop(CANVAS_KEY, None)
    st.query_params.pop(URL_KEY, None)  # or the next run would read the edited table back from the link
    reset_editor()


def _draw(shown: pd.DataFrame, inputs: int, where) -> pd.DataFrame:
    number = st.column_config.NumberColumn(min_value=-MAX_ABS_INPUT, max_value=MAX_ABS_INPUT, format="%g")
    return where.data_editor(
        shown, key=editor_key(), hide_index=True, num_rows="fixed", disabled=list(INDEX_COLUMNS),
        column_config={"t": st.column_config.NumberColumn("t", help="time step"),
                       "example": st.column_config.NumberColumn("example", help="row of the batch"),
                       **{input_column(i): number for i in range(inputs)}},
        height=min(35 * (len(shown) + 1) + 3, 400))


def editor(batch: int, steps: int, inputs: int, where=st) -> tuple[np.ndarray, list[str]]:
    """Draw the editable table for the current shape; return its cleaned X and the notes on fixes."""
    canvas = _canvas((batch, steps, inputs))
    shown = to_table(canvas[:batch, :steps, :inputs])
    notes = []
    try:
        edited = _draw(shown, inputs, where)
    except Exception:  # noqa: BLE001  edits a browser never sends (a row that doesn't exist, a bad key)
        reset_editor()
        notes.append("The table's edits could not be read, so they were dropped; the last good values are shown.")
        edited = _draw(shown, inputs, where)
    X, fixes = clean(edited, (batch, steps, inputs))
    notes += fixes
    canvas[:batch, :steps, :inputs] = X  # edits survive a change of shape
    _write_url(X)
    return X, notes
