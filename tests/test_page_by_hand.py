"""The "Recurrence by hand" page through AppTest: the lesson's defaults, every control, the numbers shown."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit import dataframe_util

from tests.apptest import assert_clean, open_page
from dashboard import inputs_table
from dashboard.sections.by_hand import TABLES
from rnncore import init_weights, run_manual
from rnncore.config import MAX_ABS_INPUT
from rnncore.lesson.book import LESSON_X


def charts(at) -> list[tuple[dict, dict]]:
    """Every Vega-Lite chart on the page: (spec, {dataset name: DataFrame})."""
    found = []
    for element in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"):
        datasets = {d.name: dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data)
                    for d in element.proto.datasets}
        found.append((json.loads(element.proto.spec), datasets))
    return found


def chart_data(at, kind: str):
    """The (spec, one DataFrame) of the chart of `kind` on the page, or None."""
    for spec, datasets in charts(at):
        if _kind(spec) == kind:
            return spec, next(iter(datasets.values()))
    return None


def _kind(spec: dict) -> str:
    if "hconcat" in spec:
        return "weights"
    inner = spec.get("spec", spec)
    encoding = inner.get("encoding", {})
    if "strokeDash" in encoding:
        return "compare"
    if encoding.get("color", {}).get("title") == "current − baseline":
        return "difference"
    mark = inner["mark"]["type"] if isinstance(inner["mark"], dict) else inner["mark"]
    return {"line": "outputs", "rect": "state"}[mark]


def read_only_tables(at) -> list:
    """The tables of every number, opening their expander first (closed, they are not drawn at all)."""
    if TABLES not in at.session_state or not at.session_state[TABLES]:
        at.session_state[TABLES] = True
        at.run()
    return [d.value for d in at.dataframe if d.editing_mode == "read_only"]


def numpy_table(at) -> np.ndarray:
    """The NumPy result table (rows t-major, a column per neuron) as (batch, steps, neurons)."""
    table = read_only_tables(at)[0]
    steps, batch = (int(table.index.get_level_values(level).max()) + 1 for level in ("t", "example"))
    assert list(table.index) == [(t, e) for t in range(steps) for e in range(batch)]  # t-major, as the lesson prints
    values = table.to_numpy(dtype=np.float64)
    return values.reshape(steps, batch, -1).transpose(1, 0, 2)


def equation_value(at) -> float:
    """The last number of the filled-in equation: the output it computes."""
    text = at.latex[0].value
    return float(re.findall(r"= (-?[0-9.]+(?:\\times 10\^\{-?\d+\})?)\s*\\end\{aligned\}", text)[0]
                 .replace(r"\times 10^{", "e").replace("}", ""))


def tf1_max_difference(at) -> float:
    return float(at.metric[0].value)


def reference(X, inputs=3, neurons=5, seed=42, scale=1.0, activation="tanh") -> np.ndarray:
    return run_manual(X, init_weights(inputs, neurons, seed, scale, activation)).outputs


@pytest.fixture(scope="module")
def page():
    """One AppTest opened at the defaults; each test that changes it reopens its own."""
    return open_page("by_hand")


def test_defaults_reproduce_the_lesson(page):
    values = {key: page.slider(key=key).value for key in ("inputs", "neurons", "steps", "batch")}
    assert values == {"inputs": 3, "neurons": 5, "steps": 2, "batch": 4}
    assert page.selectbox(key="activation").value == "tanh"
    table = page.data_editor(key="x_table_0").value
    assert list(table.columns) == ["t", "example", "x0", "x1", "x2"]
    np.testing.assert_array_equal(table[["x0", "x1", "x2"]].to_numpy()[:4], LESSON_X[:, 0])  # X_t0
    np.testing.assert_array_equal(table[["x0", "x1", "x2"]].to_numpy()[4:], LESSON_X[:, 1])  # X_t1
    np.testing.assert_allclose(numpy_table(page), reference(LESSON_X), atol=1e-6)
    assert "45" in " ".join(m.value for m in page.markdown)  # 3x5 + 5x5 + 5 weights


def test_charts_carry_the_expected_fields(page):
    Y = reference(LESSON_X)
    spec, data = chart_data(page, "outputs")
    assert spec["facet"]["field"] == "example"
    encoding = spec["spec"]["encoding"]
    assert (encoding["x"]["field"], encoding["y"]["field"], encoding["color"]["field"]) == ("step", "value", "neuron")
    assert [t["field"] for t in encoding["tooltip"]] == ["example", "step", "neuron", "value"]
    assert encoding["x"]["title"] and encoding["y"]["title"]
    np.testing.assert_allclose(data.sort_values(["example", "step", "neuron"])["value"], Y.ravel(), atol=1e-6)

    spec, data = chart_data(page, "state")
    encoding = spec["spec"]["encoding"]
    assert (encoding["x"]["field"], encoding["y"]["field"]) == ("neuron", "step")
    assert encoding["color"]["scale"]["domain"] == [-1.0, 1.0]
    assert len(data) == Y.size

    spec, data = chart_data(page, "weights")
    w = init_weights(3, 5, 42, 1.0)
    titles = [panel["title"] for panel in spec["hconcat"]]
    assert titles[0].startswith("Wx") and titles[1].startswith("Wy")
    names = [panel["data"]["name"] for panel in spec["hconcat"]]
    frames = dict(charts(page)[[_kind(s) for s, _ in charts(page)].index("weights")][1])
    wx, wy = (frames[name].sort_values(["row", "col"])["value"].to_numpy() for name in names)
    np.testing.assert_allclose(wx, w.Wx.ravel(), atol=1e-7)
    np.testing.assert_allclose(wy, w.Wy.ravel(), atol=1e-7)
    bounds = {tuple(panel["encoding"]["color"]["scale"]["domain"]) for panel in spec["hconcat"]}
    assert len(bounds) == 1  # one colour scale for both matrices


def test_the_equation_equals_rnncore_output(page):
    Y = reference(LESSON_X)
    assert equation_value(page) == pytest.approx(Y[0, 1, 0], abs=1e-5)
    assert r"W_y" in page.latex[0].value  # t = 1 has the recurrent terms
    at = open_page("by_hand", {"example": "3", "step": "0", "neuron": "4", "activation": "relu", "seed": "7"})
    Y = reference(LESSON_X, seed=7, activation="relu")
    assert equation_value(at) == pytest.approx(Y[3, 0, 4], abs=1e-5)
    assert r"\sum_j" not in at.latex[0].value  # at t = 0 there is no previous output


def test_numpy_and_tf1_agree_and_the_difference_is_shown(page):
    assert 0 <= tf1_max_difference(page) < 1e-5
    tables = read_only_tables(page)
    assert len(tables) == 2
    np.testing.assert_allclose(tables[0], tables[1], atol=1e-5)


def test_tf1_check_can_be_turned_off():
    at = open_page("by_hand", {"tf1_check": "false"})
    assert not at.metric
    np.testing.assert_allclose(numpy_table(at), reference(LESSON_X), atol=1e-6)


def _shown(at) -> tuple:
    """Everything numeric the page shows: the NumPy table, the equation, the charts' data."""
    data = tuple(frame.to_csv() for _, datasets in charts(at) for frame in datasets.values())
    return numpy_table(at).tobytes(), at.latex[0].value, data


@pytest.mark.parametrize("key, value", [("steps", 3), ("neurons", 6), ("inputs", 4), ("batch", 5), ("seed", 43),
                                        ("scale", 2.0), ("example", 2), ("step", 0), ("neuron", 3)])
def test_moving_each_slider_changes_the_numbers(key, value):
    at = open_page("by_hand")
    before = _shown(at)
    at.slider(key=key).set_value(value).run()
    assert_clean(at)
    assert _shown(at) != before
    if key in ("steps", "neurons", "inputs", "batch"):
        shape = {"steps": (4, 3, 5), "neurons": (4, 2, 6), "inputs": (4, 2, 5), "batch": (5, 2, 5)}[key]
        assert numpy_table(at).shape == shape


def test_the_activation_changes_the_numbers():
    at = open_page("by_hand")
    at.selectbox(key="activation").set_value("linear").run()
    assert_clean(at)
    np.testing.assert_allclose(numpy_table(at), reference(LESSON_X, activation="linear"), rtol=1e-5, atol=1e-5)
    spec, _ = chart_data(at, "state")
    assert spec["spec"]["encoding"]["color"]["scale"]["domain"][1] > 1  # the scale widens past tanh's


def test_new_cells_start_at_zero_and_edits_survive_a_change_of_shape():
    at = open_page("by_hand")
    at.session_state["x_table_0"] = {"edited_rows": {0: {"x1": 5.5}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.slider(key="steps").set_value(3).run()
    at.slider(key="inputs").set_value(4).run()
    assert_clean(at)
    table = at.data_editor(key="x_table_0").value
    X = np.zeros((4, 3, 4), np.float32)
    X[:, :2, :3] = LESSON_X
    X[0, 0, 1] = 5.5
    np.testing.assert_array_equal(table.drop(columns=["t", "example"]).to_numpy(),
                                  X.transpose(1, 0, 2).reshape(12, 4))
    np.testing.assert_allclose(numpy_table(at), reference(X, inputs=4), atol=1e-6)
    assert "x" in at.query_params  # an edited table is part of the link


def test_hostile_table_values_are_cleaned_with_a_message():
    at = open_page("by_hand")
    at.session_state["x_table_0"] = {"edited_rows": {0: {"x0": "abc", "x1": None, "x2": float("nan")},
                                                   1: {"x0": float("inf"), "x1": 1e30, "x2": -1e30}},
                                   "added_rows": [], "deleted_rows": []}
    at.run()
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "3 cells were empty or not a number: treated as 0" in warnings
    assert f"3 cells were infinite or beyond ±{MAX_ABS_INPUT:g}" in warnings
    X = LESSON_X.copy()
    X[0, 0] = 0
    X[1, 0] = [MAX_ABS_INPUT, MAX_ABS_INPUT, -MAX_ABS_INPUT]
    np.testing.assert_allclose(numpy_table(at), reference(X), atol=1e-6)
    assert 0 <= tf1_max_difference(at) < 1e-5
    assert equation_value(at) == pytest.approx(reference(X)[0, 1, 0], abs=1e-5)


def test_an_edited_table_is_in_the_link_and_the_link_reproduces_it():
    at = open_page("by_hand")
    at.session_state["x_table_0"] = {"edited_rows": {5: {"x2": -2.25}}, "added_rows": [], "deleted_rows": []}
    at.run()
    link = dict(at.query_params)
    assert "x" in link
    X = LESSON_X.copy()
    X[1, 1, 2] = -2.25
    np.testing.assert_array_equal(inputs_table.decode(link["x"], (4, 2, 3)), X)
    fresh = open_page("by_hand", link)
    np.testing.assert_allclose(numpy_table(fresh), reference(X), atol=1e-6)


@pytest.mark.parametrize("bad", ["1,2,3", "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x", "inf," * 23 + "1"])
def test_a_bad_table_in_the_link_falls_back_to_the_lesson_with_a_notice(bad):
    at = open_page("by_hand", {"x": bad})
    assert any("input table in this link could not be used" in w.value for w in at.warning)
    np.testing.assert_allclose(numpy_table(at), reference(LESSON_X), atol=1e-6)


def test_reset_brings_back_the_lessons_batch():
    at = open_page("by_hand")
    at.session_state["x_table_0"] = {"edited_rows": {0: {"x0": 9.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not np.allclose(numpy_table(at), reference(LESSON_X), atol=1e-6)
    [button] = [b for b in at.button if "Reset the table" in b.label]
    button.click().run()
    assert_clean(at)
    np.testing.assert_allclose(numpy_table(at), reference(LESSON_X), atol=1e-6)


def test_a_single_step_example_and_neuron_need_no_slider():
    at = open_page("by_hand", {"steps": "1", "batch": "1", "neurons": "1"})
    assert not {"example", "step", "neuron"} & {s.key for s in at.slider}
    assert sum("(the only one)" in c.value for c in at.caption) == 3
    assert equation_value(at) == pytest.approx(reference(LESSON_X[:1, :1], neurons=1)[0, 0, 0], abs=1e-5)


def test_the_equation_sliders_follow_the_batch():
    at = open_page("by_hand", {"example": "3"})
    at.slider(key="batch").set_value(2).run()
    assert_clean(at)
    assert at.slider(key="example").value == 1 and at.slider(key="example").max == 1


def test_pin_change_and_compare():
    at = open_page("by_hand")
    assert chart_data(at, "compare") is None and chart_data(at, "difference") is None
    before = reference(LESSON_X)
    [pin] = [b for b in at.button if "Pin as baseline" in b.label]
    pin.click().run()
    at.slider(key="seed").set_value(7).run()
    assert_clean(at)
    after = reference(LESSON_X, seed=7)
    spec, data = chart_data(at, "compare")
    assert spec["spec"]["encoding"]["strokeDash"]["field"] == "run"
    for run, Y in (("current", after), ("baseline", before)):
        shown = data[data["run"] == run].sort_values(["example", "step", "neuron"])["value"]
        np.testing.assert_allclose(shown, Y.ravel(), atol=1e-6)
    _, difference = chart_data(at, "difference")
    np.testing.assert_allclose(difference.sort_values(["example", "step", "neuron"])["value"],
                               (after - before).ravel(), atol=1e-6)
    assert any("seed 42 → 7" in m.value for m in at.markdown)
    assert any(f"{np.abs(after - before).max():.6f}" in m.value for m in at.markdown)
    [unpin] = [b for b in at.button if b.label == "Unpin"]
    unpin.click().run()
    assert chart_data(at, "compare") is None and chart_data(at, "difference") is None


def test_pin_then_change_the_shape_compares_the_common_part():
    at = open_page("by_hand")
    [pin] = [b for b in at.button if "Pin as baseline" in b.label]
    pin.click().run()
    at.slider(key="neurons").set_value(3).run()
    at.slider(key="steps").set_value(4).run()
    assert_clean(at)
    text = " ".join(m.value for m in at.markdown)
    assert "neurons: 5 in the baseline, 3 now, compared on the first 3" in text
    assert "drawn afresh" in text
    _, difference = chart_data(at, "difference")
    assert (difference["neuron"].max(), difference["step"].max()) == (2, 1)  # the common (4, 2, 3) part
    X = np.zeros((4, 4, 3), np.float32)
    X[:, :2] = LESSON_X
    expected = reference(X, neurons=3)[:, :2, :3] - reference(LESSON_X)[:, :2, :3]
    np.testing.assert_allclose(difference.sort_values(["example", "step", "neuron"])["value"],
                               expected.ravel(), atol=1e-6)


BOOK_TABLE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "homl_ch14_manual_rnn.json"
BOOK = json.loads(BOOK_TABLE.read_text())


def test_the_books_weights_reproduce_the_books_printed_table():
    at = open_page("by_hand", {"weights": "book"})
    Y = numpy_table(at)
    np.testing.assert_allclose(Y[:, 0], BOOK["Y0"], atol=1e-5)
    np.testing.assert_allclose(Y[:, 1], BOOK["Y1"], atol=1e-5)
    assert 0 <= tf1_max_difference(at) < 1e-5
    assert equation_value(at) == pytest.approx(BOOK["Y1"][0][0], abs=1e-5)


def test_the_books_weights_need_the_books_shape():
    at = open_page("by_hand", {"weights": "book", "neurons": "6"})
    assert any("Seeded weights are used instead: the book's weights are for 3 inputs and 5 neurons" in w.value
               for w in at.warning)
    np.testing.assert_allclose(numpy_table(at), reference(LESSON_X, neurons=6), atol=1e-6)


def test_the_link_and_the_downloads_are_offered():
    at = open_page("by_hand", {"seed": "7"})
    assert any("seed=7" in c.value for c in at.code)  # the share link holds the settings
    at.session_state["by_hand_take_away"] = True  # the files and code are made once their expander is open
    at.run()
    labels = {b.label for b in at.get("download_button")}
    assert {"Outputs (CSV)", "All (NPZ)", "All (JSON)"} <= labels
    assert any("Session" in c.value for c in at.code)  # the TF1-style notebook code


def test_the_presenter_view_folds_away_what_the_preset_does_not_need():
    at = open_page("by_hand", {"preset": "book", "presenter": "1"})
    [more] = [e for e in at.sidebar.expander if e.label == "More settings"]
    folded = {s.key for s in more.slider}
    assert {"steps", "neurons", "inputs", "batch", "seed", "scale"} <= folded
    assert at.selectbox(key="weights").value == "book"
    np.testing.assert_allclose(numpy_table(at)[:, 1], BOOK["Y1"], atol=1e-5)


@pytest.mark.parametrize("edits", [
    {"edited_rows": {999: {"x0": 1.0}}, "added_rows": [], "deleted_rows": []},
    {"edited_rows": {"abc": {"x0": [1, 2]}}},
    {"edited_rows": {0: {"nonexistent": 1, "t": "zz"}}, "added_rows": [{"x0": 3}], "deleted_rows": [0, 55]},
])
def test_edits_no_browser_sends_are_dropped_with_a_notice(edits):
    at = open_page("by_hand")
    at.session_state["x_table_0"] = edits
    at.run()
    assert_clean(at)
    assert any("edits could not be read, so they were dropped" in w.value for w in at.warning)
    np.testing.assert_allclose(numpy_table(at), reference(LESSON_X), atol=1e-6)


def test_hostile_url_values_give_notices_and_the_defaults():
    at = open_page("by_hand", {"steps": "999", "example": "abc", "scale": "nan", "tf1_check": "maybe",
                               "activation": "sigmoid"})
    notices = " ".join(w.value for w in at.warning)
    for key in ("steps", "example", "scale", "tf1_check", "activation"):
        assert f"`{key}=" in notices
    assert (at.slider(key="steps").value, at.slider(key="scale").value) == (2, 1.0)
    np.testing.assert_allclose(numpy_table(at), reference(LESSON_X), atol=1e-6)
