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


# --- charts a student can read: named legends, a description on every chart, colours for everyone ------

import pandas as pd  # noqa: E402
import pytest  # noqa: E402


def _radius_frame(chosen=0.95):
    from dashboard.sections.memory import radii, radius_frame

    compared = radii(chosen)
    return radius_frame(compared, np.arange(len(compared) * 3, dtype=float).reshape(len(compared), 3) + 1, chosen)


def test_memory_runs_get_a_nominal_legend_naming_each_run():
    for build in (charts.state_norm_by_radius, charts.credit_by_radius):
        spec = build(_radius_frame()).to_dict()
        color = spec["encoding"]["color"]
        assert color["field"] == "run" and color["type"] == "nominal"
        assert color["scale"]["domain"] == ["ρ = 0.50", "ρ = 0.90", "yours (ρ = 0.95)", "ρ = 1.10", "ρ = 1.50"]
        assert color["scale"]["range"][2] == charts.YOURS_COLOR
        assert len(set(color["scale"]["range"])) == 5                     # five lines, five colours
        assert {row["run"] for row in _dataset(spec)} == set(color["scale"]["domain"])
    shared = charts.state_norm_by_radius(_radius_frame(0.9)).to_dict()["encoding"]["color"]["scale"]["domain"]
    assert shared == ["ρ = 0.50", "yours (ρ = 0.90)", "ρ = 1.10", "ρ = 1.50"]  # yours is one of the four


def test_the_keras_legend_shows_its_labels_whole():
    frame = pd.DataFrame({"path": ["keras_unroll", "keras_loop"], "path_label": ["Keras SimpleRNN unroll=True",
                                                                                "Keras SimpleRNN unroll=False"],
                          "steps": [4, 4], "value": [1.0, 2.0], "graph": ["one copy per step", "one loop"]})
    color = charts.graph_cost(frame, "Operations", "d").to_dict()["encoding"]["color"]
    assert color["type"] == "nominal" and color["legend"]["labelLimit"] == 0
    assert color["scale"]["domain"] == ["Keras SimpleRNN unroll=True", "Keras SimpleRNN unroll=False"]


def test_baseline_labels_are_drawn_over_the_curves_with_a_halo():
    curves = pd.DataFrame({"cell": ["LSTM"] * 2, "epoch": [1, 2], "split": ["validation"] * 2, "mse": [0.5, 0.2]})
    baselines = pd.DataFrame({"baseline": ["naive: repeat the last value"], "mse": [0.3]})
    layers = charts.loss_curves(curves, baselines).to_dict()["layer"]
    marks = [layer["mark"]["type"] for layer in layers]
    assert marks == ["rule", "line", "circle", "text", "text"]            # the labels come last: on top
    halo, label = layers[3], layers[4]
    assert halo["mark"]["stroke"] == "white" and label["encoding"]["text"]["field"] == "baseline"
    assert label["encoding"]["x"] == {"value": {"expr": "width"}} and label["mark"]["align"] == "right"


def _chart_cases():
    from dashboard import tidy

    Y = run_manual(LESSON_X, init_weights(3, 5, 42)).outputs
    sequence = tidy.sequence_frame(Y)
    matrix = tidy.matrix_frame(init_weights(3, 5, 42).Wy)
    paths = pd.DataFrame({"path": ["static"], "path_label": ["static_rnn"], "steps": [2], "value": [3.0],
                          "graph": ["one copy per step"]})
    gates = pd.DataFrame({"gate": ["f"] * 2, "order": [0, 0], "step": [0, 1], "unit": [0, 0], "value": [0.2, 0.8]})
    series = pd.DataFrame({"step": [0, 1] * 2, "unit": [0] * 4, "value": [0.1, 0.2, 0.3, 0.4],
                           "series": ["cell state c[t]"] * 2 + ["output h[t]"] * 2})
    kept = pd.DataFrame({"bias": [1.0, 1.0], "step": [0, 1], "kept": [1.0, 0.7], "chosen": [True, True]})
    hold = pd.DataFrame({"step": [0, 1], "series": ["LSTM gate f"] * 2, "value": [1.0, 1.0]})
    norms = pd.DataFrame({"step": [0, 1], "weight": ["Wy", "Wy"], "value": [1.0, 0.5]})
    panels = pd.DataFrame({"panel": ["t = 0", "sum"], "order": [0, 1], "row": [0, 0], "col": [0, 0],
                           "value": [0.1, 0.1]})
    text = pd.DataFrame({"position": [0, 1], "char": ["h", "i"], "row": ["h0", "h0"], "neuron": [0, 0],
                         "value": [0.1, -0.2], "line": [0, 0], "column": [0, 1]})
    return {
        "outputs_over_time": lambda: charts.outputs_over_time(sequence),
        "state_heatmap": lambda: charts.state_heatmap(sequence),
        "difference_heatmap": lambda: charts.difference_heatmap(sequence),
        "weight_heatmap": lambda: charts.weight_heatmap(matrix, "Wy"),
        "weight_pair": lambda: charts.weight_pair(matrix, matrix),
        "outputs_with_baseline": lambda: charts.outputs_with_baseline(_by_hand_runs()[2]),
        "padded_batch": lambda: charts.padded_batch(ragged.batch_frame(LESSON_X, BOOK_LENGTHS)),
        "outputs_with_final_state": lambda: charts.outputs_with_final_state(
            ragged.output_frame(Y, BOOK_LENGTHS, BOOK_LENGTHS - 1), "Y[t]"),
        "lengths_difference": lambda: charts.lengths_difference(ragged.padding_effect_frame(Y, Y, BOOK_LENGTHS)),
        "graph_cost": lambda: charts.graph_cost(paths, "Operations", "d"),
        "state_norm_by_radius": lambda: charts.state_norm_by_radius(_radius_frame()),
        "credit_by_radius": lambda: charts.credit_by_radius(_radius_frame()),
        "eigenvalue_plane": lambda: charts.eigenvalue_plane(
            pd.DataFrame({"real": [0.5], "imag": [0.0], "magnitude": [0.5]}), 0.9),
        "history_outputs": lambda: charts.history_outputs(
            pd.DataFrame({"example": [0, 1], "neuron": [0, 0], "value": [0.1, 0.2]})),
        "loss_curves": lambda: charts.loss_curves(
            pd.DataFrame({"cell": ["GRU"], "epoch": [1], "split": ["training"], "mse": [0.3]}),
            pd.DataFrame({"baseline": ["naive"], "mse": [0.4]})),
        "unroll_cost": lambda: charts.unroll_cost(
            pd.DataFrame({"cell": ["LSTM"] * 2, "unroll": ["False", "True"], "measure": ["Operations"] * 2,
                          "value": [10, 40]})),
        "gate_heatmaps": lambda: charts.gate_heatmaps(gates, "LSTM"),
        "cell_and_output": lambda: charts.cell_and_output(series),
        "kept_by_forget_bias": lambda: charts.kept_by_forget_bias(kept),
        "hold_trace": lambda: charts.hold_trace(hold, 1),
        "contribution_norms": lambda: charts.contribution_norms(norms),
        "contribution_panels": lambda: charts.contribution_panels(panels),
        "class_answers": lambda: charts.class_answers(
            pd.DataFrame({"answer": ["above", "below"], "count": [3, 1], "is_truth": [True, False]}), "above", "choice"),
        "text_loss_curves": lambda: charts.text_loss_curves(
            pd.DataFrame({"epoch": [1], "model": ["RNN"], "loss": [2.0]})),
        "text_state_heatmap": lambda: charts.text_state_heatmap(text),
        "text_by_activation": lambda: charts.text_by_activation(text),
    }


CHART_CASES = _chart_cases()


def test_every_builder_in_the_charts_module_has_a_case():
    """So a new chart cannot skip the description check below: every public function returning a chart."""
    import inspect

    returns = {name: str(inspect.signature(f).return_annotation) for name, f in vars(charts).items()
               if inspect.isfunction(f) and f.__module__ == charts.__name__ and not name.startswith("_")}
    builders = {name for name, kind in returns.items() if kind.startswith("alt.") and kind != "alt.Color"}
    assert builders and builders <= set(CHART_CASES), sorted(builders - set(CHART_CASES))


@pytest.mark.parametrize("name", CHART_CASES)
def test_every_chart_has_a_one_sentence_description(name):
    """Vega-Lite's top-level `description` becomes the chart's ARIA label (vega-embed's role="graphics-document")."""
    spec = CHART_CASES[name]().to_dict()
    description = spec.get("description", "")
    assert description.endswith(".") and description.count(". ") == 0 and len(description) > 40, description
    assert "{" not in description and "nan" not in description.split()


MACHADO_DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                                 [-0.011820, 0.042940, 0.968881]])  # Machado et al. 2009, severity 1
CLEARLY_APART = 10.0  # CIELAB delta E: 2.3 is just noticeable; thin lines need far more


def _lab(hex_colour: str, deuteranopia: bool) -> np.ndarray:
    """The colour in CIELAB (D65), as a deuteranope sees it if asked."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if deuteranopia:
        linear = np.clip(MACHADO_DEUTERANOPIA @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    f = np.cbrt(xyz / np.array([0.95047, 1.0, 1.08883]))
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _closest_pair(colours, deuteranopia: bool = True) -> float:
    return min(float(np.linalg.norm(_lab(a, deuteranopia) - _lab(b, deuteranopia)))
               for i, a in enumerate(colours) for b in colours[i + 1:])


@pytest.mark.parametrize("palette", ["NEURON_PALETTE", "EXAMPLE_PALETTE", "PATH_COLORS", "CELL_COLORS"])
def test_the_colours_stay_apart_with_deuteranopia(palette):
    """Every pair of the first eight neuron or example colours, and of every path and cell colour, stays
    clearly apart under simulated deuteranopia; the old Tableau palette's green and red did not."""
    colours = getattr(charts, palette)
    colours = list(colours.values()) if isinstance(colours, dict) else colours[:8]
    assert _closest_pair(colours) >= CLEARLY_APART
    assert _closest_pair(["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]) < CLEARLY_APART  # the check bites


def test_a_wide_weight_pair_is_stacked_so_it_fits_its_column():
    from dashboard import tidy

    w = init_weights(3, charts.SIDE_BY_SIDE_NEURONS + 1, 42)
    spec = charts.weight_pair(tidy.matrix_frame(w.Wx), tidy.matrix_frame(w.Wy)).to_dict()
    assert "hconcat" not in spec and [p["title"][:2] for p in spec["vconcat"]] == ["Wx", "Wy"]
