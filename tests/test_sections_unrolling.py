"""The unrolling page's sweep: step points, paths, tidy rows, shown numbers and the crossing point."""
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.sections import unrolling as sweep
from dashboard.settings import SETTINGS
from rnncore import init_weights
from rnncore.tf.graphs import measure


def rows_for(path, counts):
    """Sweep-like rows with the given op counts {steps: ops}."""
    return [{"path": path, "steps": steps, "op_count": ops} for steps, ops in counts.items()]


@pytest.mark.parametrize("largest, points", [(2, [1, 2]), (5, [1, 2, 3, 5]), (50, [1, 3, 7, 19, 50]),
                                             (200, [1, 4, 14, 53, 200])])
def test_step_points_are_log_spaced_from_one_to_the_largest(largest, points):
    assert sweep.step_points(largest) == points


@given(st.integers(SETTINGS["unr_max_steps"].low, SETTINGS["unr_max_steps"].high))
def test_step_points_always_fit_a_sweep(largest):
    points = sweep.step_points(largest)
    assert points[0] == 1 and points[-1] == largest and points == sorted(set(points))
    assert 2 <= len(points) <= sweep.SWEEP_POINTS


def test_pairs_and_metrics_match_the_settings():
    assert set(sweep.PAIRS) == {"unr_tf1", "unr_tf2", "unr_keras"} <= set(SETTINGS)
    assert tuple(sweep.METRICS) == SETTINGS["unr_metric"].options
    assert sweep.chosen_paths({"unr_tf1": True, "unr_keras": True, "unr_tf2": False}) == \
        ["static", "dynamic", "keras_unroll", "keras_loop"]
    assert sweep.chosen_paths({}) == []


def test_metric_frame_converts_units_and_leaves_out_missing_values():
    rows = [{"path": "static", "steps": 2, "build_seconds": 0.0125, "tensor_bytes": 800},
            {"path": "tf2_while", "steps": 2, "build_seconds": 0.5, "tensor_bytes": None}]
    frame = sweep.metric_frame(rows, "Build time")
    assert frame.to_dict("records") == [
        {"path": "static", "path_label": "static_rnn", "steps": 2, "value": 12.5, "graph": "one copy per step"},
        {"path": "tf2_while", "path_label": "tf.function, tf.range loop", "steps": 2, "value": 500.0,
         "graph": "one loop"}]
    bytes_frame = sweep.metric_frame(rows, "Tensor bytes")
    assert bytes_frame["path"].tolist() == ["static"] and bytes_frame["value"].tolist() == [800]
    assert list(sweep.metric_frame([], "Operations").columns) == ["path", "path_label", "steps", "value", "graph"]


@pytest.mark.parametrize("value, metric, text", [(1043, "Operations", "1,043"), (139271, "GraphDef bytes", "139,271"),
                                                 (0.29345, "Build time", "293.45"),
                                                 (0.0018234, "Later run time", "1.823")])
def test_shown_values_use_the_chart_units(value, metric, text):
    assert sweep.shown(value, metric) == text


def test_ops_per_step_and_where_the_static_graph_becomes_bigger():
    static = rows_for("static", {steps: 43 + 5 * steps for steps in (1, 3, 7, 19, 50)})
    dynamic = rows_for("dynamic", dict.fromkeys((1, 3, 7, 19, 50), 94))
    assert sweep.ops_per_step(static, "static") == 5
    # 43 + 5 * 10 = 93 <= 94 < 98 = 43 + 5 * 11
    assert sweep.first_larger(static + dynamic, "static", "dynamic") == 11
    assert sweep.first_larger(static + rows_for("dynamic", {1: 40, 50: 40}), "static", "dynamic") == 1
    assert sweep.first_larger(static + rows_for("dynamic", {1: 293, 50: 293}), "static", "dynamic") is None
    assert sweep.first_larger(static + rows_for("dynamic", {1: 292, 50: 292}), "static", "dynamic") == 50


def test_measured_points_match_rnncore_and_build_only_skips_the_runs():
    built = sweep.measure_point("static", 3, False)
    ran = sweep.measure_point("static", 3, True)
    reference = measure("static", 3, init_weights(), run=False)
    assert built["op_count"] == ran["op_count"] == reference.op_count
    assert built["graphdef_bytes"] == ran["graphdef_bytes"] == reference.graphdef_bytes
    assert built["first_run_seconds"] is built["steady_run_seconds"] is built["tensor_bytes"] is None
    assert ran["first_run_seconds"] > 0 and ran["steady_run_seconds"] > 0 and ran["tensor_bytes"] > 0


def test_sweep_rows_report_progress_before_each_point():
    calls = []
    rows = sweep.sweep_rows(["static", "dynamic"], [1, 2], False, lambda *args: calls.append(args))
    assert calls == [(0, 4, "static", 1), (1, 4, "static", 2), (2, 4, "dynamic", 1), (3, 4, "dynamic", 2)]
    assert [(r["path"], r["steps"]) for r in rows] == [(path, steps) for _, _, path, steps in calls]
    assert rows[1]["op_count"] - rows[0]["op_count"] == 5  # one more copy of the cell
    assert rows[2]["op_count"] == rows[3]["op_count"]


def test_drawing_is_the_measured_graph_grouped():
    dot, op_count, boxes = sweep.drawing("static", 2)
    stats = measure("static", 2, init_weights(), run=False)
    assert op_count == stats.op_count
    assert boxes == 7 and dot.count("cell copy\\nt=") == 2  # X, kernel, bias, prepare, 2 cells, collect
    assert 'label="static_rnn, 2 step(s)"' in dot


def test_cost_chart_spec_is_the_chart_of_the_rows():
    rows = [{"path": "static", "steps": 1, "op_count": 48}, {"path": "dynamic", "steps": 1, "op_count": 94}]
    spec = sweep.cost_chart_spec(rows, "Operations", False)
    (arrow,) = spec["datasets"].values()
    values = pa.ipc.open_stream(arrow).read_all().to_pylist()
    assert [(v["path"], v["value"], v["graph"]) for v in values] == [("static", 48, "one copy per step"),
                                                                      ("dynamic", 94, "one loop")]
    assert spec["encoding"]["y"]["title"] == "Operations in the graph"
