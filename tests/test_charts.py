import numpy as np

from dashboard import charts, ragged
from rnncore import init_weights, run_manual
from rnncore.presets import LESSON_X

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
