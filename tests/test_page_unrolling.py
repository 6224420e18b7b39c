"""The static-vs-dynamic page through the real app: numbers from the live sweep, charts, drawings, URL."""
import json
from xml.etree import ElementTree

import pyarrow as pa
import pytest

from tests.apptest import assert_clean, open_page
from dashboard.sections.unrolling import DRAWINGS
from dashboard import charts, exports
from rnncore import init_weights
from rnncore.tf.graphs import measure

W = init_weights()


def ops(path, steps):
    return measure(path, steps, W, run=False).op_count


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def chart(at):
    """(the Vega-Lite spec, its data as a DataFrame) of the page's sweep chart."""
    (element,) = at.get("vega_lite_chart")
    (dataset,) = element.proto.datasets
    return json.loads(element.proto.spec), pa.ipc.open_stream(dataset.data.data).read_pandas()


def drawings(at) -> list[str]:
    """The two graph drawings, opening their expander first (closed, nothing is drawn or measured)."""
    if DRAWINGS not in at.session_state or not at.session_state[DRAWINGS]:
        at.session_state[DRAWINGS] = True
        at.run()
    return [element.proto.spec for element in at.get("graphviz_chart")]


@pytest.fixture(scope="module")
def default_page():
    return open_page("unrolling")


def test_defaults_measure_the_tf1_pair_up_to_50_steps(default_page):
    at = default_page
    assert metrics(at) == {"static_rnn, 50 steps": f"{ops('static', 50):,}",
                           "dynamic_rnn, 50 steps": f"{ops('dynamic', 50):,}"}
    _, data = chart(at)
    assert sorted(set(data["path"])) == ["dynamic", "static"]
    assert sorted(set(data["steps"])) == [1, 3, 7, 19, 50]
    at_50 = data[data["steps"] == 50].set_index("path")["value"]
    assert at_50["static"] > 3 * at_50["dynamic"]  # 293 against 94 operations
    static = data[data["path"] == "static"].sort_values("steps")
    assert static["value"].tolist() == [ops("static", steps) for steps in static["steps"]]
    assert data[data["path"] == "dynamic"]["value"].nunique() == 1
    text = " ".join(md.value for md in at.markdown)
    assert "adds 5 operations per step" in text and "Below 11 steps the *static* graph" in text


def test_chart_carries_paths_steps_values_and_tooltips(default_page):
    spec, _ = chart(default_page)
    encoding = spec["encoding"]
    assert (encoding["x"]["field"], encoding["x"]["title"]) == ("steps", "Time steps T")
    assert (encoding["y"]["field"], encoding["y"]["title"]) == ("value", "Operations in the graph")
    assert encoding["color"]["field"] == "path_label"
    assert encoding["color"]["scale"] == {"domain": ["static_rnn", "dynamic_rnn"], "range": ["#08519c", "#6baed6"]}
    assert encoding["strokeDash"]["field"] == "graph"
    assert [t["field"] for t in encoding["tooltip"]] == ["path_label", "steps", "value", "graph"]
    assert encoding["y"]["scale"] == {"zero": True}


def test_drawings_show_a_cell_per_step_against_one_loop(default_page):
    at = default_page
    static, dynamic = drawings(at)
    assert static.count("cell copy\\nt=") == 2 and "while_loop" not in static
    assert dynamic.count("while_loop") == 1 and "cell copy" not in dynamic
    assert [c.value for c in at.caption][:2] == [
        f"`static_rnn` at 2 step(s): {ops('static', 2)} operations, drawn as 7 boxes.",
        f"`dynamic_rnn` at 2 step(s): {ops('dynamic', 2)} operations, drawn as 6 boxes."]
    at.slider(key="unr_draw_steps").set_value(4).run()
    assert_clean(at)
    static, dynamic_4 = drawings(at)
    assert static.count("cell copy\\nt=") == 4
    assert dynamic_4.replace("4 step(s)", "2 step(s)") == dynamic  # the loop's graph does not change


def test_moving_the_largest_step_count_changes_the_numbers():
    at = open_page("unrolling", {"unr_max_steps": "8"})
    assert metrics(at) == {"static_rnn, 8 steps": f"{ops('static', 8):,}", "dynamic_rnn, 8 steps": "94"}
    at.slider(key="unr_max_steps").set_value(12).run()
    assert_clean(at)
    assert metrics(at) == {"static_rnn, 12 steps": f"{ops('static', 12):,}", "dynamic_rnn, 12 steps": "94"}
    assert ops("static", 12) - ops("static", 8) == 4 * 5  # four more copies of a 5-op cell
    assert sorted(set(chart(at)[1]["steps"])) == [1, 2, 3, 6, 12]


def test_tf2_and_keras_pairs_are_opt_in():
    at = open_page("unrolling", {"unr_max_steps": "3", "unr_tf2": "true", "unr_keras": "true",
                                 "unr_tf1": "false", "unr_log": "true"})
    assert metrics(at) == {f"{label}, 3 steps": f"{ops(path, 3):,}" for label, path in [
        ("tf.function, Python loop", "tf2_unrolled"), ("tf.function, tf.range loop", "tf2_while"),
        ("Keras SimpleRNN unroll=True", "keras_unroll"), ("Keras SimpleRNN unroll=False", "keras_loop")]}
    spec, data = chart(at)
    assert sorted(set(data["path"])) == ["keras_loop", "keras_unroll", "tf2_unrolled", "tf2_while"]
    assert spec["encoding"]["x"]["scale"] == spec["encoding"]["y"]["scale"] == {"type": "log"}
    assert spec["encoding"]["color"]["scale"]["range"] == [charts.PATH_COLORS[p] for p in
                                                           ("tf2_unrolled", "tf2_while", "keras_unroll", "keras_loop")]


def test_tensor_bytes_are_tf1_only_and_say_what_they_measure():
    at = open_page("unrolling", {"unr_max_steps": "4", "unr_tf2": "true", "unr_metric": "Tensor bytes"})
    spec, data = chart(at)
    assert sorted(set(data["path"])) == ["dynamic", "static"]
    assert (data["value"] > 0).all()
    assert set(metrics(at)) == {"static_rnn, 4 steps", "dynamic_rnn, 4 steps"}
    assert any("It is not the peak memory" in c.value for c in at.caption)
    assert spec["encoding"]["y"]["title"] == "Bytes of tensors made in one forward run"
    assert any("**What to notice.** Both lines rise" in md.value for md in at.markdown)


def test_run_times_are_measured_in_milliseconds():
    at = open_page("unrolling", {"unr_max_steps": "3", "unr_metric": "Later run time"})
    spec, data = chart(at)
    assert spec["encoding"]["y"]["title"] == "Later runs, median of 3 (ms)"
    assert ((data["value"] > 0) & (data["value"] < 10_000)).all()
    assert any("compare the shapes of the lines" in c.value for c in at.caption)


def test_no_pair_falls_back_to_tf1_with_a_note():
    at = open_page("unrolling", {"unr_max_steps": "3", "unr_tf1": "false"})
    assert any("No pair is switched on" in i.value for i in at.info)
    assert set(metrics(at)) == {"static_rnn, 3 steps", "dynamic_rnn, 3 steps"}


@pytest.mark.parametrize("query, named", [
    ({"unr_max_steps": "9999"}, "unr_max_steps=9999` must be between 2 and 200"),
    ({"unr_max_steps": "-3"}, "unr_max_steps=-3` must be between 2 and 200"),
    ({"unr_max_steps": "nan"}, "unr_max_steps=nan` must be between 2 and 200"),
    ({"unr_metric": "flops"}, "unr_metric=flops` must be one of Operations"),
    ({"unr_log": "maybe"}, "unr_log=maybe` must be true or false"),
    ({"unr_draw_steps": "500"}, "unr_draw_steps=500` must be between 1 and 5"),
    ({"unr_bogus": "1"}, "`unr_bogus` is not a setting"),
])
def test_hostile_url_values_give_a_notice_and_the_defaults(query, named):
    at = open_page("unrolling", query)
    assert any(named in w.value for w in at.warning), [w.value for w in at.warning]
    assert metrics(at) == {"static_rnn, 50 steps": f"{ops('static', 50):,}", "dynamic_rnn, 50 steps": "94"}
    assert drawings(at)[0].count("cell copy\\nt=") == 2


def test_a_repeated_url_value_gives_a_notice():
    at = open_page("unrolling", {"unr_max_steps": ["10", "20"]})
    assert any("`unr_max_steps` was given 2 times" in w.value for w in at.warning)
    assert "static_rnn, 50 steps" in metrics(at)


def svg_texts(at) -> set[str]:
    """The texts of the sweep chart as its *Save chart as SVG* button draws it (from the spec the page shows)."""
    (element,) = at.get("vega_lite_chart")
    spec = json.loads(element.proto.spec) | {"datasets": {d.name: d.data.data for d in element.proto.datasets}}
    root = ElementTree.fromstring(exports.chart_svg(spec))
    return {text.text for text in root.iter("{http://www.w3.org/2000/svg}text")}


def test_the_share_link_holds_a_moved_slider_and_the_chart_saves_as_an_image():
    at = open_page("unrolling", {"unr_max_steps": "8"})
    at.slider(key="unr_max_steps").set_value(12)
    at.query_params["unr_max_steps"] = "12"  # what a browser does on a move: the rerun carries the new URL
    at.run()
    assert_clean(at)
    link = at.code[-1].value  # AppTest has no address: the query alone
    assert link.startswith("?") and "unr_max_steps=12" in link and "unr_draw_steps" not in link
    assert [b.label for b in at.get("download_button")] == ["Save chart as SVG", "Save chart as PNG",
                                                            "Download as a Jupyter notebook"]
    assert {"Time steps T", "Operations in the graph", "12", "static_rnn", "dynamic_rnn"} <= svg_texts(at)


def test_the_long_preset_for_a_presenter_folds_the_pair_switches():
    at = open_page("unrolling", {"preset": "long", "presenter": "1"})
    (more,) = [e for e in at.sidebar.expander if e.label == "More settings"]
    assert {t.key for t in more.toggle} == {"unr_tf1", "unr_tf2", "unr_keras"}
    assert not more.slider and not more.selectbox  # the step count, the measure and log scales stay in view
    assert at.slider(key="unr_max_steps").value == 50 and at.toggle(key="unr_log").value is False
    assert metrics(at) == {"static_rnn, 50 steps": f"{ops('static', 50):,}", "dynamic_rnn, 50 steps": "94"}
    link = at.code[-1].value
    assert "preset=long" in link and "presenter=1" in link
