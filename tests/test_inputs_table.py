"""The by-hand page's input table: layout, cleaning of hostile values, and its link encoding."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dashboard import inputs_table
from rnncore.config import MAX_ABS_INPUT
from rnncore.lesson.book import LESSON_X


def test_the_default_canvas_holds_the_lesson_batch_and_zeros_elsewhere():
    canvas = inputs_table.default_canvas()
    assert canvas.shape == inputs_table.CANVAS_SHAPE == (8, 20, 8) and canvas.dtype == np.float32
    np.testing.assert_array_equal(canvas[:4, :2, :3], LESSON_X)
    rest = canvas.copy()
    rest[:4, :2, :3] = 0
    assert not rest.any() and inputs_table.NEW_CELL_VALUE == 0


def test_the_table_reads_like_the_lessons_blocks():
    table = inputs_table.to_table(LESSON_X)
    assert list(table.columns) == ["t", "example", "x0", "x1", "x2"]
    assert table["t"].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert table["example"].tolist() == [0, 1, 2, 3, 0, 1, 2, 3]
    assert table.iloc[:4, 2:].to_numpy().tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 0, 1]]  # X_t0
    assert table.iloc[4:, 2:].to_numpy().tolist() == [[9, 8, 7], [0, 0, 0], [6, 5, 4], [3, 2, 1]]  # X_t1


def test_a_clean_table_comes_back_unchanged_with_no_notes():
    X, notes = inputs_table.clean(inputs_table.to_table(LESSON_X), LESSON_X.shape)
    np.testing.assert_array_equal(X, LESSON_X)
    assert X.dtype == np.float32 and notes == []


def test_hostile_cells_become_zero_or_are_clipped_and_each_fix_is_named():
    table = inputs_table.to_table(LESSON_X).astype({"x0": object, "x1": object, "x2": object})
    table.loc[0, ["x0", "x1", "x2"]] = ["abc", None, np.nan]
    table.loc[1, ["x0", "x1", "x2"]] = [np.inf, 1e30, -np.inf]
    table.loc[2, "x0"] = "2.5"  # text that is a number is read as that number
    X, notes = inputs_table.clean(table, LESSON_X.shape)
    expected = LESSON_X.copy()
    expected[0, 0] = 0
    expected[1, 0] = [MAX_ABS_INPUT, MAX_ABS_INPUT, -MAX_ABS_INPUT]
    expected[2, 0, 0] = 2.5
    np.testing.assert_array_equal(X, expected)
    assert notes == ["3 cells were empty or not a number: treated as 0.",
                     f"3 cells were infinite or beyond ±{MAX_ABS_INPUT:g}: clipped to ±{MAX_ABS_INPUT:g}, "
                     "the largest input the network accepts."]


def test_one_bad_cell_is_named_in_the_singular():
    table = inputs_table.to_table(LESSON_X)
    table.loc[3, "x2"] = np.nan
    _, notes = inputs_table.clean(table, LESSON_X.shape)
    assert notes == ["1 cell was empty or not a number: treated as 0."]


def test_missing_rows_or_columns_count_as_empty_cells():
    table = inputs_table.to_table(LESSON_X).drop(columns=["x2"]).head(5)
    X, notes = inputs_table.clean(table, LESSON_X.shape)
    expected = np.zeros_like(LESSON_X)
    expected[:, 0, :2] = LESSON_X[:, 0, :2]
    expected[0, 1, :2] = LESSON_X[0, 1, :2]
    np.testing.assert_array_equal(X, expected)
    assert notes == ["14 cells were empty or not a number: treated as 0."]  # 5 in x2, 3 rows of 3


def test_the_link_encoding_is_short_for_the_lesson_batch():
    assert inputs_table.encode(LESSON_X) == "0,1,2,3,4,5,6,7,8,9,0,1,9,8,7,0,0,0,6,5,4,3,2,1"


@settings(max_examples=60, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 8), st.integers(1, 20), st.integers(1, 8)),
              elements=st.floats(-MAX_ABS_INPUT, MAX_ABS_INPUT, width=32)))
def test_the_link_encoding_reads_back_exactly(X):
    X = X + np.float32(0)  # -0.0 reads back as 0.0, which is the same input
    decoded = inputs_table.decode(inputs_table.encode(X), X.shape)
    assert decoded.dtype == np.float32
    np.testing.assert_array_equal(decoded, X)


@pytest.mark.parametrize("text, reason", [
    ("1,2,3", "it holds 3 values, but 2 steps × 4 examples × 3 inputs need 24"),
    (",".join(["a"] * 24), "it holds something that is not a number"),
    (",".join(["nan"] * 24), "its values must be finite"),
    (",".join(["1e7"] * 24), "its values must be finite and within ±1e+06"),
])
def test_a_bad_link_encoding_says_why(text, reason):
    with pytest.raises(ValueError, match=reason.replace("+", r"\+")):
        inputs_table.decode(text, (4, 2, 3))


def test_the_table_shape_follows_the_settings():
    X = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    table = inputs_table.to_table(X)
    assert table.shape == (6, 6) and isinstance(table, pd.DataFrame)
    np.testing.assert_array_equal(inputs_table.clean(table, X.shape)[0], X)
