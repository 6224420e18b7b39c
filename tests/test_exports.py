"""The bytes a student downloads hold exactly the run's numbers."""
from __future__ import annotations

import io
import json
import struct
from xml.etree import ElementTree

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dashboard import charts, exports, tidy
from dashboard.exports import Run
from rnncore.config import RNNWeights, init_weights
from rnncore.manual import run_manual
from rnncore.lesson.book import LESSON_X, book_weights

LENGTHS = [2, 1, 0, 2]


def _run(lengths=None) -> Run:
    w = book_weights()
    return Run.of(LESSON_X, w, run_manual(LESSON_X, w, lengths), lengths, origin="the book's weights",
                  settings={"seed": 42, "scale": 1.0, "activation": "tanh", "weights": "book"})


def _odd_run() -> Run:
    """Values with many digits (and a bias), so a lossy format would show."""
    rng = np.random.default_rng(3)
    w = init_weights(2, 3, seed=9, scale=0.37, activation="relu")
    w = RNNWeights(w.Wx, w.Wy, rng.standard_normal(3).astype(np.float32) / 7, "relu")
    X = (rng.standard_normal((2, 4, 2)) * 1e3).astype(np.float32)
    return Run.of(X, w, run_manual(X, w, [4, 1]), [4, 1])


def _csv(run: Run, what: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(exports.csv_bytes(run, what)))


@pytest.mark.parametrize("make", [_run, _odd_run])
def test_csv_tables_hold_every_value_exactly(make):
    run = make()
    batch, steps, n_inputs = run.X.shape
    neurons = run.w.n_neurons
    inputs = _csv(run, "inputs")
    assert list(inputs.columns) == ["example", "step", "input", "value"]
    assert len(inputs) == batch * steps * n_inputs
    assert np.array_equal(inputs["value"].to_numpy(np.float32).reshape(run.X.shape), run.X)
    outputs = _csv(run, "outputs")
    assert list(outputs.columns) == ["example", "step", "neuron", "length", "value"]
    assert np.array_equal(outputs["value"].to_numpy(np.float32).reshape(run.outputs.shape), run.outputs)
    assert np.array_equal(outputs["length"].to_numpy().reshape(run.outputs.shape)[:, 0, 0], run.lengths)
    states = _csv(run, "states")
    assert list(states.columns) == ["example", "neuron", "length", "value"]
    assert np.array_equal(states["value"].to_numpy(np.float32).reshape(batch, neurons), run.state)
    weights = _csv(run, "weights")
    assert list(weights.columns) == ["matrix", "row", "col", "value"]
    for name, matrix in (("Wx", run.w.Wx), ("Wy", run.w.Wy), ("b", run.w.b[None, :])):
        rows = weights[weights["matrix"] == name]
        assert np.array_equal(rows["value"].to_numpy(np.float32).reshape(matrix.shape), matrix)


def test_csv_rows_name_their_indices():
    run = _run(LENGTHS)
    outputs = _csv(run, "outputs").set_index(["example", "step", "neuron"])
    assert outputs.loc[(2, 1, 3), "value"] == pytest.approx(float(run.outputs[2, 1, 3]))
    assert outputs.loc[(1, 0, 4), "length"] == 1
    inputs = _csv(run, "inputs").set_index(["example", "step", "input"])
    assert inputs.loc[(0, 1, 0), "value"] == 9  # the lesson's X_t1[0] = [9, 8, 7]
    weights = _csv(run, "weights").set_index(["matrix", "row", "col"])
    assert np.float32(weights.loc[("Wy", 1, 2), "value"]) == run.w.Wy[1, 2]
    # the book's Y0 for example 0, neuron 0 (Hands-On ML's printed table)
    states = _csv(_run(), "states").set_index(["example", "neuron"])
    assert states.loc[(0, 0), "length"] == 2
    assert _csv(_run(), "outputs").set_index(["example", "step", "neuron"]).loc[(0, 0, 0), "value"] == \
        pytest.approx(-0.0664, abs=1e-4)


@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_npz_arrays_equal_the_run(lengths):
    run = _run(lengths)
    with np.load(io.BytesIO(exports.npz_bytes(run))) as saved:  # no pickle needed
        for name, want in (("X", run.X), ("Wx", run.w.Wx), ("Wy", run.w.Wy), ("b", run.w.b),
                           ("outputs", run.outputs), ("state", run.state)):
            assert saved[name].dtype == want.dtype and np.array_equal(saved[name], want), name
        assert str(saved["activation"]) == "tanh"
        assert ("sequence_length" in saved) == (lengths is not None)
        if lengths is not None:
            assert saved["sequence_length"].tolist() == LENGTHS


@pytest.mark.parametrize("make", [lambda: _run(LENGTHS), _odd_run, _run])
def test_json_round_trips_to_the_same_float32_values(make):
    run = make()
    document = json.loads(exports.json_bytes(run))
    for name, want in (("X", run.X), ("Wx", run.w.Wx), ("Wy", run.w.Wy), ("b", run.w.b),
                       ("outputs", run.outputs), ("state", run.state)):
        assert np.array(document[name], np.float32).tobytes() == want.tobytes(), name
    assert document["activation"] == run.w.activation
    assert document["sequence_length"] == (None if run.sequence_length is None else run.sequence_length.tolist())
    assert document["settings"] == run.settings and document["origin"] == run.origin


def test_json_takes_numpy_values_among_the_settings():
    w = book_weights()
    run = Run.of(LESSON_X, w, run_manual(LESSON_X, w), settings={"steps": np.int64(2), "x": np.zeros(2)})
    assert json.loads(exports.json_bytes(run))["settings"] == {"steps": 2, "x": [0.0, 0.0]}


def test_notebook_code_embeds_this_run():
    run = _run(LENGTHS)
    tf1, keras = exports.notebook(run, "tf1"), exports.notebook(run, "keras")
    assert "dynamic_rnn" in tf1 and "the book's weights" in tf1
    assert "lengths = np.array([2, 1, 0, 2], dtype=np.int32)" in keras and "SimpleRNN" in keras


def _arrow_spec(chart: alt.Chart) -> dict:
    """The chart's spec with each dataset as Arrow IPC bytes, the form dashboard/chart_cache.py keeps."""
    spec = chart.to_dict()
    for name, rows in spec["datasets"].items():
        table = pa.Table.from_pylist(rows)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        spec["datasets"][name] = sink.getvalue().to_pybytes()
    return spec


def _outputs_chart() -> alt.FacetChart:
    w = book_weights()
    return charts.outputs_over_time(tidy.sequence_frame(run_manual(LESSON_X, w).outputs))


def _texts(svg: bytes) -> list[str]:
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return [element.text for element in root.iter("{http://www.w3.org/2000/svg}text")]


def test_chart_svg_is_an_svg_document_with_the_charts_titles_and_values():
    svg = exports.chart_svg(_outputs_chart())
    assert svg.startswith(b"<svg")
    texts = _texts(svg)
    assert {"Time step t", "Output Y[t]", "Example", "Neuron"} <= set(texts)  # axis and legend titles
    assert {"0", "1", "2", "3"} <= set(texts) and "−1.0" in texts         # facets, neurons, y ticks (−1.0)


def test_a_cached_spec_with_arrow_data_draws_the_same_and_stays_as_it_was():
    chart = alt.Chart(pd.DataFrame({"step": [0, 1], "value": [0.5, -0.125]})).mark_line().encode(
        x=alt.X("step:O", title="Time step t"), y=alt.Y("value:Q", title="Output Y[t]"))
    spec = _arrow_spec(chart)
    inline = exports.chart_spec(spec)
    assert list(inline["datasets"].values()) == [[{"step": 0, "value": 0.5}, {"step": 1, "value": -0.125}]]
    assert all(isinstance(data, bytes) for data in spec["datasets"].values())  # the cached spec is untouched
    assert exports.chart_svg(spec) == exports.chart_svg(chart)


def test_chart_png_has_the_signature_and_the_svgs_size_times_the_scale():
    chart = _outputs_chart()
    root = ElementTree.fromstring(exports.chart_svg(chart))
    width, height = int(root.get("width")), int(root.get("height"))
    assert 600 < width < 1200 and 150 < height < 400  # four facets side by side, a legend
    for scale in (1, exports.PNG_SCALE):
        png = exports.chart_png(chart, scale)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
        assert struct.unpack(">II", png[16:24]) == (width * scale, height * scale)


def test_a_chart_never_fetches_data_from_elsewhere():
    spec = {"data": {"url": "https://example.com/data.csv"}, "mark": "point",
            "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    with pytest.raises(ValueError, match="not allowed"):
        exports.chart_svg(spec)


def test_a_run_whose_parts_do_not_fit_is_refused():
    w = book_weights()
    result = run_manual(LESSON_X, w)
    with pytest.raises(ValueError, match="outputs must have shape"):
        Run(LESSON_X, w, result.outputs[:, :1], result.state)
    with pytest.raises(ValueError, match="sequence_length"):
        Run(LESSON_X, w, result.outputs, result.state, sequence_length=[3, 0, 0, 0])
    with pytest.raises(ValueError, match="table must be one of"):
        exports.table(_run(), "gradients")


def test_file_names_say_page_and_content():
    assert exports.file_name("by_hand", "outputs", "csv") == "recurrence-lab_by_hand_outputs.csv"
