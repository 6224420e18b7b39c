import numpy as np

from dashboard import charts, ragged
from rnncore import init_weights, run_manual
from rnncore.lesson.book import LESSON_X

BOOK_LENGTHS = np.array([2, 1, 2, 2])


def _tooltip_fields(encoding: dict) -> list[str]:
    return [tip["field"] for tip in encoding["tooltip"]]


def _dataset(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    return rows


def test_padded_batch_grid_with_status_colours_and_input_tooltips():
    spec = charts.padded_batch(ragged.batch_frame(LESSON_X, BOOK_LENGTHS)).to_dict()
    cells, text = spec["layer"]
    assert cells["mark"]["type"] == "rect" and text["mark"]["type"] == "text"
    assert cells["encoding"]["x"]["field"] == "step" and cells["encoding"]["x"]["title"] == "Time step t"
    assert cells["encoding"]["y"]["field"] == "example" and cells["encoding"]["y"]["title"] == "Example"
    assert cells["encoding"]["color"]["field"] == "status"
    assert cells["encoding"]["color"]["scale"] == {"domain": ["sequence", "padding"],
                                                   "range": list(charts.STATUS_COLORS.values())}
    assert _tooltip_fields(cells["encoding"]) == ["example", "step", "status", "length", "inputs"]
    assert text["encoding"]["text"]["field"] == "inputs"
    padding = [row for row in _dataset(spec) if row["status"] == "padding"]
    assert padding == [{"example": 1, "step": 1, "status": "padding", "length": 1, "inputs": "0 0 0"}]


def test_padded_batch_without_values_has_no_text_layer():
    spec = charts.padded_batch(ragged.batch_frame(LESSON_X, BOOK_LENGTHS), show_values=False).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect"]
    assert spec["width"] == {"step": 28}


def _outputs_spec(bound=1.0):
    result = run_manual(LESSON_X, init_weights(), sequence_length=BOOK_LENGTHS)
    frame = ragged.output_frame(result.outputs, BOOK_LENGTHS, BOOK_LENGTHS - 1)
    return result, charts.outputs_with_final_state(frame, "Y[t] with lengths", bound, columns=2).to_dict()


def test_outputs_with_final_state_outlines_padding_and_the_state_step():
    result, spec = _outputs_spec()
    assert spec["title"] == "Y[t] with lengths" and spec["columns"] == 2
    assert spec["facet"]["field"] == "example"
    cells, padding, final = spec["spec"]["layer"]
    assert cells["encoding"]["color"]["field"] == "value"
    assert cells["encoding"]["color"]["scale"]["domain"] == [-1.0, 1.0]
    assert (cells["encoding"]["x"]["field"], cells["encoding"]["y"]["field"]) == ("neuron", "step")
    assert padding["transform"] == [{"filter": "datum.status == 'padding'"}]
    assert padding["mark"]["strokeDash"] == [3, 2]
    assert final["transform"] == [{"filter": "datum.final"}] and final["mark"]["stroke"] == "black"
    for layer in (cells, padding, final):
        assert _tooltip_fields(layer["encoding"]) == ["example", "step", "neuron", "value", "status", "final"]
    value_tip = cells["encoding"]["tooltip"][3]
    assert value_tip["format"] == charts.VALUE_FORMAT
    state_rows = sorted((row["example"], row["neuron"], row["value"]) for row in _dataset(spec) if row["final"])
    assert state_rows == [(e, j, float(result.state[e, j])) for e in range(4) for j in range(5)]


def test_outputs_with_final_state_takes_a_wider_bound():
    _, spec = _outputs_spec(bound=3.5)
    assert spec["spec"]["layer"][0]["encoding"]["color"]["scale"]["domain"] == [-3.5, 3.5]


def test_lengths_difference_is_symmetric_about_zero_with_both_values_in_the_tooltip():
    w = init_weights()
    told, not_told = run_manual(LESSON_X, w, sequence_length=BOOK_LENGTHS), run_manual(LESSON_X, w)
    frame = ragged.padding_effect_frame(told.outputs, not_told.outputs, BOOK_LENGTHS)
    spec = charts.lengths_difference(frame, columns=2).to_dict()
    cells, padding = spec["spec"]["layer"]  # no final-state layer: the frame has no `final` column
    bound = float(np.abs(not_told.outputs[1, 1]).max())
    assert cells["encoding"]["color"]["field"] == "difference"
    np.testing.assert_allclose(cells["encoding"]["color"]["scale"]["domain"], [-bound, bound])
    assert _tooltip_fields(cells["encoding"]) == ["example", "step", "neuron", "status", "with_lengths",
                                                  "without_lengths", "difference"]
    assert padding["transform"] == [{"filter": "datum.status == 'padding'"}]


def test_lengths_difference_of_identical_runs_keeps_a_usable_scale():
    frame = ragged.padding_effect_frame(np.zeros((1, 2, 1), np.float32), np.zeros((1, 2, 1), np.float32),
                                        np.array([2]))
    spec = charts.lengths_difference(frame).to_dict()
    assert spec["spec"]["layer"][0]["encoding"]["color"]["scale"]["domain"] == [-1e-6, 1e-6]


# --- recurrence by hand: outputs, state, weights, and the pinned what-if ------------------------------

def _by_hand_runs():
    from dashboard import pinning, tidy

    Y_base = run_manual(LESSON_X, init_weights(3, 5, 42)).outputs
    Y_now = run_manual(LESSON_X, init_weights(3, 5, 7)).outputs
    return Y_base, Y_now, pinning.runs_frame(Y_base, Y_now), tidy


def test_outputs_with_baseline_dashes_the_baseline_and_keeps_neuron_colours():
    Y_base, Y_now, frame, _ = _by_hand_runs()
    spec = charts.outputs_with_baseline(frame).to_dict()
    encoding = spec["spec"]["encoding"]
    assert spec["facet"]["field"] == "example"
    assert (encoding["x"]["field"], encoding["y"]["field"]) == ("step", "value")
    assert encoding["x"]["title"] == "Time step t" and encoding["y"]["title"] == "Output Y[t]"
    assert encoding["color"]["field"] == "neuron"
    assert encoding["color"]["scale"]["range"] == charts.NEURON_PALETTE
    assert encoding["strokeDash"]["field"] == "run"
    assert encoding["strokeDash"]["scale"] == {"domain": ["current", "baseline"], "range": [[1, 0], [5, 3]]}
    assert _tooltip_fields(encoding) == ["run", "example", "step", "neuron", "value"]
    rows = _dataset(spec)
    for run, Y in (("current", Y_now), ("baseline", Y_base)):
        values = [r["value"] for r in sorted((r for r in rows if r["run"] == run),
                                             key=lambda r: (r["example"], r["step"], r["neuron"]))]
        np.testing.assert_allclose(values, Y.ravel(), atol=1e-7)


def test_difference_heatmap_is_symmetric_about_zero_and_titled_as_a_difference():
    Y_base, Y_now, _, tidy = _by_hand_runs()
    difference = Y_now - Y_base
    spec = charts.difference_heatmap(tidy.sequence_frame(difference)).to_dict()
    color = spec["spec"]["encoding"]["color"]
    bound = float(np.abs(difference).max())
    assert color["scale"]["domain"] == [-bound, bound] and color["scale"]["scheme"] == charts.VALUE_SCHEME
    assert color["title"] == "current − baseline"
    assert spec["spec"]["encoding"]["tooltip"][-1]["title"] == "current − baseline"
    zero = charts.difference_heatmap(tidy.sequence_frame(np.zeros((1, 2, 3)))).to_dict()
    assert zero["spec"]["encoding"]["color"]["scale"]["domain"] == [-1e-6, 1e-6]  # identical runs: still drawable


def test_state_heatmap_takes_a_domain_for_relu_and_linear():
    _, Y_now, _, tidy = _by_hand_runs()
    default = charts.state_heatmap(tidy.sequence_frame(Y_now)).to_dict()
    assert default["spec"]["encoding"]["color"]["scale"]["domain"] == [-1, 1]
    wide = charts.state_heatmap(tidy.sequence_frame(Y_now), domain=(-7.5, 7.5)).to_dict()
    assert wide["spec"]["encoding"]["color"]["scale"]["domain"] == [-7.5, 7.5]
    assert (wide["spec"]["encoding"]["x"]["field"], wide["spec"]["encoding"]["y"]["field"]) == ("neuron", "step")


def test_weight_pair_shows_wx_and_wy_on_one_colour_scale():
    from dashboard import tidy

    w = init_weights(3, 5, 42)
    spec = charts.weight_pair(tidy.matrix_frame(w.Wx), tidy.matrix_frame(w.Wy)).to_dict()
    wx_panel, wy_panel = spec["hconcat"]
    assert wx_panel["title"].startswith("Wx") and wy_panel["title"].startswith("Wy")
    assert wx_panel["encoding"]["y"]["title"] == "From input"
    assert wy_panel["encoding"]["y"]["title"] == "From neuron at t−1"
    bound = float(max(np.abs(w.Wx).max(), np.abs(w.Wy).max()))
    for panel in (wx_panel, wy_panel):
        assert panel["encoding"]["color"]["scale"]["domain"] == [-bound, bound]
        assert _tooltip_fields(panel["encoding"]) == ["row", "col", "value"]
    for panel, matrix in ((wx_panel, w.Wx), (wy_panel, w.Wy)):
        rows = sorted(spec["datasets"][panel["data"]["name"]], key=lambda r: (r["row"], r["col"]))
        np.testing.assert_allclose([r["value"] for r in rows], matrix.ravel(), atol=1e-7)


def test_neuron_legend_lists_only_the_neurons_shown_with_their_fixed_colours():
    from dashboard import tidy

    Y = run_manual(LESSON_X, init_weights(3, 5, 42)).outputs
    color = charts.outputs_over_time(tidy.sequence_frame(Y)).to_dict()["spec"]["encoding"]["color"]
    assert color["legend"]["values"] == [0, 1, 2, 3, 4]
    assert color["scale"]["domain"] == list(range(16)) and color["scale"]["range"] == charts.NEURON_PALETTE
    assert "legend" not in charts.neuron_color().to_dict()  # without `shown`, Altair's default legend
