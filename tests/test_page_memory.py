"""The memory page through AppTest: renders, every control changes what is shown, charts, hostile URLs."""
import json
from xml.etree import ElementTree

import numpy as np
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from tests.apptest import assert_clean, open_page
from dashboard import exports
from dashboard.settings import SETTINGS
from rnncore import memory

DEFAULTS = {key: SETTINGS[key].default for key in ("seed", "neurons", "activation", "mem_radius", "mem_steps",
                                                   "mem_pattern", "mem_amplitude", "mem_history")}


@pytest.fixture(scope="module")
def page():
    return open_page("memory")


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def shown(at) -> tuple:
    """Every number on the page a student reads: metrics, tables and the text beside the charts."""
    return (tuple(metrics(at).items()), tuple(d.value.to_csv() for d in at.dataframe),
            tuple(m.value for m in at.markdown), tuple(c.value for c in at.caption))


def charts(at) -> list[tuple[dict, list]]:
    """Each chart's Vega-Lite spec and its datasets as DataFrames."""
    return [(json.loads(c.proto.spec), [convert_arrow_bytes_to_pandas_df(d.data.data) for d in c.proto.datasets])
            for c in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")]


def test_defaults_show_the_reference_numbers(page):
    d = DEFAULTS
    w = memory.memory_weights(d["neurons"], d["seed"], d["mem_radius"], d["activation"])
    norms = memory.state_norms(memory.impulse_response(w, memory.input_pattern(d["mem_steps"], "pulse")))
    shown_metrics = metrics(page)
    assert shown_metrics["‖Y[0]‖"] == f"{norms[0]:.4g}"
    assert shown_metrics[f"‖Y[{d['mem_steps'] - 1}]‖"] == f"{norms[-1]:.4g}"
    assert shown_metrics["Below 1% of ‖Y[0]‖"] == f"at t = {memory.fade_step(norms)}"
    example = memory.history_example(w, d["mem_history"], d["mem_amplitude"], d["seed"])
    assert shown_metrics["‖Y_quiet[T] − Y_busy[T]‖"] == f"{example.difference:.4g}"
    page.session_state["mem_history_table"] = True  # the table is drawn only once its expander is open
    page.run()
    table = page.dataframe[0].value
    np.testing.assert_allclose(table["after zeros"], example.outputs[0, -1], rtol=1e-6)
    np.testing.assert_allclose(table["after noise"], example.outputs[1, -1], rtol=1e-6)
    assert not page.warning                                       # a clean URL gives no notice
    assert page.toggle(key="mem_credit").value is False           # the gradients wait until asked


def test_charts_carry_the_expected_fields(page):
    (norm_spec, [norm_data]), (eigen_spec, eigen_data), (history_spec, [history_data]) = charts(page)
    assert norm_spec["encoding"]["x"]["field"] == "step" and norm_spec["encoding"]["y"]["field"] == "value"
    assert norm_spec["encoding"]["y"]["scale"]["type"] == "log"   # log scale on by default
    assert norm_spec["encoding"]["color"]["field"] == "run" and norm_spec["encoding"]["color"]["type"] == "nominal"
    assert norm_spec["encoding"]["color"]["scale"]["domain"] == ["ρ = 0.50", "yours (ρ = 0.90)", "ρ = 1.10", "ρ = 1.50"]
    assert {t["field"] for t in norm_spec["encoding"]["tooltip"]} == {"run", "step", "value"}
    assert sorted(norm_data["radius"].unique()) == [0.5, 0.9, 1.1, 1.5]
    assert norm_data.loc[norm_data["chosen"], "radius"].unique().tolist() == [0.9]
    assert len(norm_data) == 4 * DEFAULTS["mem_steps"]
    w = memory.memory_weights(DEFAULTS["neurons"], DEFAULTS["seed"], 1.5, DEFAULTS["activation"])
    expected = memory.state_norms(memory.impulse_response(w, memory.input_pattern(DEFAULTS["mem_steps"])))
    np.testing.assert_allclose(norm_data.loc[norm_data["radius"] == 1.5, "value"], expected, rtol=1e-12)

    points = next(layer for layer in eigen_spec["layer"] if layer["mark"]["type"] == "point")
    assert {points["encoding"][c]["field"] for c in ("x", "y")} == {"real", "imag"}
    eigen_rows = next(frame for frame in eigen_data if "magnitude" in frame)
    assert len(eigen_rows) == DEFAULTS["neurons"]
    assert eigen_rows["magnitude"].max() == pytest.approx(DEFAULTS["mem_radius"], abs=1e-6)

    assert history_spec["encoding"]["x"]["field"] == "neuron"
    assert history_spec["encoding"]["color"]["field"] == "example"
    assert sorted(history_data["example"].unique()) == [0, 1]


SLIDER_MOVES = {"mem_radius": 1.3, "mem_steps": 12, "mem_amplitude": 2.5, "neurons": 7, "seed": 5, "mem_history": 9}


@pytest.mark.parametrize("key, value", SLIDER_MOVES.items())
def test_moving_each_slider_changes_the_numbers_shown(key, value):
    at = open_page("memory")
    before = shown(at)
    at.slider(key=key).set_value(value).run()
    assert_clean(at)
    assert shown(at) != before


@pytest.mark.parametrize("key, value", [("activation", "linear"), ("mem_pattern", "noise")])
def test_each_select_changes_the_numbers_shown(key, value):
    at = open_page("memory")
    before = shown(at)
    at.selectbox(key=key).set_value(value).run()
    assert_clean(at)
    assert shown(at) != before


def test_log_toggle_changes_the_axis():
    at = open_page("memory", {"mem_log": "false"})
    assert "type" not in charts(at)[0][0]["encoding"]["y"].get("scale", {})


def test_url_reproduces_a_run():
    at = open_page("memory", {"mem_radius": "1.5", "activation": "linear", "mem_steps": "20", "seed": "3"})
    w = memory.memory_weights(5, 3, 1.5, "linear")
    norms = memory.state_norms(memory.impulse_response(w, memory.input_pattern(20)))
    assert metrics(at)["‖Y[19]‖"] == f"{norms[-1]:.4g}"
    assert metrics(at)["Below 1% of ‖Y[0]‖"] == "never"
    assert not at.warning


def test_gradients_on_demand_match_rnncore():
    at = open_page("memory", {"mem_steps": "10"})
    at.toggle(key="mem_credit").set_value(True).run()
    assert_clean(at)
    w = memory.memory_weights(5, 42, 0.9, "tanh")
    credit = memory.credit_through_time(w, memory.input_pattern(10))
    shown_metrics = metrics(at)
    assert shown_metrics["‖∂Y[T]/∂X[0]‖"] == f"{credit[0]:.4g}"
    assert shown_metrics["‖∂Y[T]/∂X[T]‖"] == f"{credit[-1]:.4g}"
    spec, [data] = charts(at)[-1]
    assert spec["encoding"]["y"]["scale"]["type"] == "log" and spec["encoding"]["y"]["field"] == "value"
    assert len(data) == 4 * 10
    assert any("within the 1e-5 tolerance" in c.value for c in at.caption)
    at.slider(key="mem_radius").set_value(1.5).run()             # a slider move recomputes them
    assert_clean(at)
    assert metrics(at)["‖∂Y[T]/∂X[0]‖"] != shown_metrics["‖∂Y[T]/∂X[0]‖"]


@pytest.mark.parametrize("query", [{"mem_radius": "abc"}, {"mem_radius": "1e30"}, {"mem_radius": "-1"},
                                   {"mem_radius": "nan"}, {"mem_steps": "0"}, {"mem_pattern": "sawtooth"},
                                   {"mem_credit": "maybe"}, {"mem_history": "99999"}])
def test_hostile_url_values_show_a_notice_and_the_default(query):
    at = open_page("memory", query)
    (key, raw), = query.items()
    assert any(f"`{key}=" in w.value for w in at.warning), [w.value for w in at.warning]
    widget = at.toggle(key=key) if key == "mem_credit" else (
        at.selectbox(key=key) if key == "mem_pattern" else at.slider(key=key))
    assert widget.value == SETTINGS[key].default
    assert metrics(at)["‖Y[0]‖"] == metrics(open_page("memory"))["‖Y[0]‖"]


def test_radius_zero_and_steps_at_the_caps_render():
    at = open_page("memory", {"mem_radius": "0", "mem_steps": "100", "activation": "linear", "neurons": "16",
                              "mem_amplitude": "5"})
    assert metrics(at)["‖Y_quiet[T] − Y_busy[T]‖"] == "0"      # no recurrence: the past cannot matter
    assert any("log axis has no place for 0" in c.value for c in at.caption)


def test_the_share_link_holds_a_moved_slider_and_the_norm_chart_saves_as_an_image():
    at = open_page("memory")
    at.slider(key="mem_radius").set_value(1.3)
    at.query_params["mem_radius"] = "1.3"  # what a browser does on a move: the rerun carries the new URL
    at.run()
    assert_clean(at)
    link = at.code[-1].value  # AppTest has no address: the query alone
    assert link.startswith("?") and "mem_radius=1.3" in link and "seed" not in link
    w = memory.memory_weights(5, 42, 1.3, "tanh")
    norms = memory.state_norms(memory.impulse_response(w, memory.input_pattern(30)))
    assert metrics(at)["‖Y[29]‖"] == f"{norms[-1]:.4g}"  # the run is the moved slider's
    assert [b.label for b in at.get("download_button")] == ["Save chart as SVG", "Save chart as PNG",
                                                            "Download as a Jupyter notebook"]
    element = (at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart"))[0]  # the state norms
    spec = json.loads(element.proto.spec) | {"datasets": {d.name: d.data.data for d in element.proto.datasets}}
    root = ElementTree.fromstring(exports.chart_svg(spec))
    texts = {text.text for text in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"Time step t", "State norm ‖Y[t]‖"} <= texts


def test_the_fading_preset_for_a_presenter_folds_what_its_point_does_not_need():
    at = open_page("memory", {"preset": "fading", "presenter": "1"})
    folded = [e for e in at.sidebar.expander if e.label == "More settings"]
    assert len(folded) == 2  # under "The layer" and under "The input"
    assert {w.key for e in folded for w in (*e.slider, *e.selectbox)} == {
        "neurons", "seed", "mem_pattern", "mem_amplitude", "mem_steps"}  # the radius and activation stay
    assert at.slider(key="mem_radius").value == 0.8 and at.selectbox(key="activation").value == "linear"
    w = memory.memory_weights(5, 42, 0.8, "linear")
    norms = memory.state_norms(memory.impulse_response(w, memory.input_pattern(30, "pulse")))
    assert metrics(at)["‖Y[29]‖"] == f"{norms[-1]:.4g}"
    assert norms[-1] < 0.01 * norms[0]  # the point of the preset: the pulse fades
    link = at.code[-1].value
    assert "preset=fading" in link and "presenter=1" in link
