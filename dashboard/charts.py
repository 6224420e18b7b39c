"""Every chart in Recurrence Lab: pure functions from a tidy DataFrame to an `alt.Chart`.

Colours carry meaning across pages: neuron i has the same colour everywhere, and so has example i.
Every mark a student may ask about has a tooltip with exact values.
"""
from __future__ import annotations

import math

import altair as alt
import pandas as pd

# The first eight of each palette are Okabe and Ito's colours for colour-blind readers (yellow left out: it
# vanishes on white), so the first neurons and examples stay apart with deuteranopia; past eight, the
# legend and the tooltip tell lines apart.
NEURON_PALETTE = ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#56b4e9", "#cc79a7", "#000000", "#999933",
                  "#9467bd", "#8c564b", "#17becf", "#7f7f7f", "#393b79", "#637939", "#843c39", "#7b4173"]
EXAMPLE_PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#882255"]
VALUE_SCHEME = "redblue"  # diverging: negative red, positive blue, 0 white (red-blue survives deuteranopia)
VALUE_FORMAT = ".6f"


def _count(df: pd.DataFrame, field: str) -> int:
    return int(df[field].nunique()) if len(df) else 0


def neuron_color(field: str = "neuron", title: str = "Neuron", shown=None) -> alt.Color:
    """Neuron i is NEURON_PALETTE[i] on every page (neurons are numbered from 0).

    `shown`: the neurons in the chart, so the legend lists only those (the colours stay the same)."""
    legend = {} if shown is None else {"legend": alt.Legend(values=[int(n) for n in shown])}
    return alt.Color(f"{field}:N", title=title,
                     scale=alt.Scale(domain=list(range(len(NEURON_PALETTE))), range=NEURON_PALETTE), **legend)


def example_color(field: str = "example", title: str = "Example") -> alt.Color:
    """Example i is EXAMPLE_PALETTE[i] on every page (examples are numbered from 0)."""
    return alt.Color(f"{field}:N", title=title,
                     scale=alt.Scale(domain=list(range(len(EXAMPLE_PALETTE))), range=EXAMPLE_PALETTE))


def value_color(field: str = "value", title: str = "Value", domain=(-1, 1)) -> alt.Color:
    return alt.Color(f"{field}:Q", title=title, scale=alt.Scale(scheme=VALUE_SCHEME, domain=list(domain)))


def outputs_over_time(df: pd.DataFrame) -> alt.Chart:
    """One line per neuron, one panel per example. df: example, step, neuron, value."""
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("step:O", title="Time step t"),
        y=alt.Y("value:Q", title="Output Y[t]"),
        color=neuron_color(shown=sorted(df["neuron"].unique())),
        tooltip=[alt.Tooltip("example:N", title="Example"), alt.Tooltip("step:O", title="t"),
                 alt.Tooltip("neuron:N", title="Neuron"), alt.Tooltip("value:Q", title="Y", format=VALUE_FORMAT)],
    ).properties(width=180, height=160).facet(facet=alt.Facet("example:N", title="Example"), columns=4).properties(
        description=f"Line chart: each neuron's output Y[t] against the time step, one panel for each of "
                    f"{_count(df, 'example')} examples.")


def state_heatmap(df: pd.DataFrame, domain=(-1, 1), value_title: str = "Y[t]") -> alt.Chart:
    """The hidden state as a heatmap, time x neuron, one panel per example. df: example, step, neuron, value.

    `domain` is the colour scale's range (tanh's (-1, 1) by default; wider for relu or linear)."""
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("neuron:O", title="Neuron"),
        y=alt.Y("step:O", title="Time step t"),
        color=value_color(title=value_title, domain=domain),
        tooltip=[alt.Tooltip("example:N", title="Example"), alt.Tooltip("step:O", title="t"),
                 alt.Tooltip("neuron:N", title="Neuron"),
                 alt.Tooltip("value:Q", title=value_title, format=VALUE_FORMAT)],
    ).properties(width=140, height=alt.Step(22)).facet(facet=alt.Facet("example:N", title="Example"), columns=4).properties(
        description=f"Heatmap of {value_title}: time steps down, neurons across, one panel for each of "
                    f"{_count(df, 'example')} examples; red is negative, blue positive.")


def weight_heatmap(df: pd.DataFrame, title: str, bound: float | None = None, row_title: str = "From") -> alt.Chart:
    """A weight matrix. df: row, col, value (row = from, col = to-neuron). Colours span +-bound
    (default: the largest |weight|); pass one bound to several matrices to make their colours comparable."""
    bound = max(float(df["value"].abs().max()), 1e-6) if bound is None else bound
    return alt.Chart(df, title=title, description=f"Heatmap of the weight matrix {title}: rows {row_title.lower()}, "
                                                  "columns to neuron; red is negative, blue positive.").mark_rect().encode(
        x=alt.X("col:O", title="To neuron"),
        y=alt.Y("row:O", title=row_title),
        color=value_color(title="Weight", domain=(-bound, bound)),
        tooltip=[alt.Tooltip("row:O", title=row_title), alt.Tooltip("col:O", title="To neuron"),
                 alt.Tooltip("value:Q", title="Weight", format=VALUE_FORMAT)],
    )


def outputs_with_baseline(df: pd.DataFrame) -> alt.Chart:
    """outputs_over_time with a pinned run beside the current one: the baseline dashed.

    df: example, step, neuron, value, run ("current" or "baseline")."""
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("step:O", title="Time step t"),
        y=alt.Y("value:Q", title="Output Y[t]"),
        color=neuron_color(shown=sorted(df["neuron"].unique())),
        strokeDash=alt.StrokeDash("run:N", title="Run", sort=["current", "baseline"],
                                  scale=alt.Scale(domain=["current", "baseline"], range=[[1, 0], [5, 3]])),
        opacity=alt.Opacity("run:N", legend=None, scale=alt.Scale(domain=["current", "baseline"], range=[1, 0.55])),
        tooltip=[alt.Tooltip("run:N", title="Run"), alt.Tooltip("example:N", title="Example"),
                 alt.Tooltip("step:O", title="t"), alt.Tooltip("neuron:N", title="Neuron"),
                 alt.Tooltip("value:Q", title="Y", format=VALUE_FORMAT)],
    ).properties(width=180, height=160).facet(facet=alt.Facet("example:N", title="Example"), columns=4).properties(
        description="Line chart: each neuron's output over time in the current run (solid) and the pinned "
                    "baseline (dashed), one panel per example.")


def difference_heatmap(df: pd.DataFrame) -> alt.Chart:
    """current - baseline, time x neuron, one panel per example, on a scale symmetric about 0.

    df: example, step, neuron, value (the difference)."""
    bound = max(float(df["value"].abs().max()), 1e-6)
    return state_heatmap(df, domain=(-bound, bound), value_title="current − baseline")


SIDE_BY_SIDE_NEURONS = 8  # tests/browser/test_a11y.py sweeps the by-hand page to its largest layer


def weight_pair(wx: pd.DataFrame, wy: pd.DataFrame) -> alt.HConcatChart | alt.VConcatChart:
    """Wx and Wy side by side on one colour scale. wx, wy: row, col, value (matrix_frame)."""
    bound = max(float(wx["value"].abs().max()), float(wy["value"].abs().max()), 1e-6)
    # side by side up to 8 neurons; past that the pair is wider than the page's weights column, so stacked
    concat = alt.hconcat if wy["col"].nunique() <= SIDE_BY_SIDE_NEURONS else alt.vconcat
    return concat(weight_heatmap(wx, "Wx: input → neuron", bound, row_title="From input"),
                       weight_heatmap(wy, "Wy: previous output → neuron", bound, row_title="From neuron at t−1"),
                       description="Two heatmaps on one colour scale: the input weights Wx and the recurrent "
                                   "weights Wy; red is negative, blue positive.")


STATUS_COLORS = {"sequence": "#c6dbef", "padding": "#eeeeee"}  # a step inside its sequence, or padding


def padded_batch(df: pd.DataFrame, show_values: bool = True) -> alt.LayerChart:
    """The padded batch as a grid, example x step: inside the sequence or padding, with the inputs.

    df: example, step, status ("sequence" or "padding"), length, inputs (the values as text)."""
    tooltip = [alt.Tooltip("example:N", title="Example"), alt.Tooltip("step:O", title="t"),
               alt.Tooltip("status:N", title="Cell"), alt.Tooltip("length:Q", title="Length"),
               alt.Tooltip("inputs:N", title="Inputs X[t]")]
    base = alt.Chart().encode(x=alt.X("step:O", title="Time step t", axis=alt.Axis(labelAngle=0)),
                              y=alt.Y("example:O", title="Example"), tooltip=tooltip)
    layers = [base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("status:N", title="Cell",
                        scale=alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values()))))]
    if show_values:
        layers.append(base.mark_text(fontSize=11).encode(
            text="inputs:N",
            color=alt.condition("datum.status == 'padding'", alt.value("#8a8a8a"), alt.value("#1f2a37"))))
    label_chars = int(df["inputs"].str.len().max()) if show_values and len(df) else 0
    return alt.layer(*layers, data=df).properties(
        width=alt.Step(max(28, 7 * label_chars + 14)), height=alt.Step(28),
        description=f"Grid of the padded batch: {_count(df, 'example')} examples down, time steps across; light "
                    "blue cells are inside a sequence, grey cells are padding.")


def _step_neuron_panels(df: pd.DataFrame, color: alt.Color, tooltip: list, title: str,
                        columns: int, description: str) -> alt.FacetChart:
    """Time x neuron heatmaps, one panel per example; padding steps outlined dashed grey and, when df
    has a `final` column, the final state's step outlined black."""
    base = alt.Chart().encode(x=alt.X("neuron:O", title="Neuron", axis=alt.Axis(labelAngle=0)),
                              y=alt.Y("step:O", title="Time step t"), tooltip=tooltip)
    # the outlines are decoration (the tooltip and the Numbers say it in words), and a panel with no padding
    # would hold an empty mark group that a screen reader announces without a name: aria=False
    layers = [base.mark_rect().encode(color=color),
              base.mark_rect(fillOpacity=0, stroke="#7f7f7f", strokeDash=[3, 2], strokeWidth=1, aria=False)
              .transform_filter("datum.status == 'padding'")]
    if "final" in df:
        layers.append(base.mark_rect(fillOpacity=0, stroke="black", strokeWidth=2.5, aria=False)
                      .transform_filter("datum.final"))
    return alt.layer(*layers, data=df).properties(width=alt.Step(22), height=alt.Step(22)).facet(
        facet=alt.Facet("example:N", title="Example"), columns=columns).properties(title=title,
                                                                                   description=description)


def outputs_with_final_state(df: pd.DataFrame, title: str, bound: float = 1.0, columns: int = 4) -> alt.FacetChart:
    """Outputs Y[t] with the final state marked: its step outlined black, padding steps dashed grey.

    df: example, step, neuron, value, status (of the input at t), final (True on the state's step).
    Colours span +-bound (1 suits tanh; pass the largest |value| for relu or linear)."""
    tooltip = [alt.Tooltip("example:N", title="Example"), alt.Tooltip("step:O", title="t"),
               alt.Tooltip("neuron:N", title="Neuron"), alt.Tooltip("value:Q", title="Y[t]", format=VALUE_FORMAT),
               alt.Tooltip("status:N", title="Input at t"), alt.Tooltip("final:N", title="Final state")]
    return _step_neuron_panels(df, value_color(title="Y[t]", domain=(-bound, bound)), tooltip, title, columns,
                               f"{title}: heatmaps of the outputs Y[t], time steps down and neurons across, one panel for each "
                               f"of {_count(df, 'example')} examples; padding steps outlined dashed grey, the final "
                               "state's step outlined black.")


def lengths_difference(df: pd.DataFrame, columns: int = 4) -> alt.FacetChart:
    """What feeding the padding changes: outputs without sequence_length minus outputs with it.

    df: example, step, neuron, with_lengths, without_lengths, difference, status."""
    bound = max(float(df["difference"].abs().max()), 1e-6) if len(df) else 1.0
    tooltip = [alt.Tooltip("example:N", title="Example"), alt.Tooltip("step:O", title="t"),
               alt.Tooltip("neuron:N", title="Neuron"), alt.Tooltip("status:N", title="Input at t"),
               alt.Tooltip("with_lengths:Q", title="Y with lengths", format=VALUE_FORMAT),
               alt.Tooltip("without_lengths:Q", title="Y without", format=VALUE_FORMAT),
               alt.Tooltip("difference:Q", title="without − with", format=VALUE_FORMAT)]
    return _step_neuron_panels(df, value_color("difference", "without − with", (-bound, bound)), tooltip,
                               "Without minus with sequence_length", columns,
                               "Heatmaps of how much the outputs change when the padding is fed in (without minus "
                               "with sequence_length), one panel per example; white is no change.")


# Unrolling paths (rnncore.tf.graphs.PATHS): one colour per path on every chart; each pair shares a hue,
# darker for the path whose graph grows with the steps.
# Blue, orange, grey and purple: no two pairs meet under red-green colour blindness (a green Keras pair did
# with the orange one).
PATH_COLORS = {"manual_tf1": "#6a51a3", "static": "#08519c", "dynamic": "#6baed6", "tf2_unrolled": "#a63603",
               "tf2_while": "#fd8d3c", "keras_unroll": "#252525", "keras_loop": "#969696"}
GRAPH_DASH = {"one copy per step": [6, 3], "one loop": [1, 0]}  # dashed where the graph grows


def path_color(df: pd.DataFrame) -> alt.Color:
    """Colour by `path_label`, each path keeping its PATH_COLORS colour whichever paths are shown."""
    shown = [p for p in PATH_COLORS if p in set(df["path"])]
    labels = dict(zip(df["path"], df["path_label"]))
    # labelLimit 0: the Keras labels differ only at their end ("unroll=True" / "unroll=False"); below the
    # plot, one entry a row, so the legend takes no width from a phone's plot
    return alt.Color("path_label:N", title="Path", sort=[labels[p] for p in shown],
                     legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=0),
                     scale=alt.Scale(domain=[labels[p] for p in shown], range=[PATH_COLORS[p] for p in shown]))


def graph_cost(df: pd.DataFrame, axis_title: str, value_format: str, log_scale: bool = False) -> alt.Chart:
    """One line per TF path: a measurement against the number of steps, dashed where the graph grows.

    df: path, path_label, steps, value, graph ("one copy per step" | "one loop"). `log_scale` puts
    both axes on log scales, where growth in proportion to the steps is a straight rising line."""
    scale = alt.Scale(type="log") if log_scale else alt.Scale(zero=True)
    return alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("steps:Q", title="Time steps T", scale=scale),
        y=alt.Y("value:Q", title=axis_title, scale=scale),
        color=path_color(df),
        strokeDash=alt.StrokeDash("graph:N", title="Graph", legend=alt.Legend(symbolType="stroke", orient="bottom", direction="vertical"),
                                  scale=alt.Scale(domain=list(GRAPH_DASH), range=list(GRAPH_DASH.values()))),
        tooltip=[alt.Tooltip("path_label:N", title="Path"), alt.Tooltip("steps:Q", title="Steps T"),
                 alt.Tooltip("value:Q", title=axis_title, format=value_format),
                 alt.Tooltip("graph:N", title="Graph")],
    ).properties(height=340, width="container",
                 description=f"Line chart: {axis_title} against the number of time steps, one line per TensorFlow "
                             f"path ({', '.join(dict.fromkeys(df['path_label']))}); dashed where the graph grows "
                             "with the steps.")


# Memory page: a spectral radius rho has the same colour on every memory chart, blue where the past fades
# (rho < 1), grey at exactly 1, red where it grows (rho > 1); the hue flips right at 1, so 0.9 and 1.1
# look different although they are close.
RADIUS_COLORS = {"domain": [0.0, 0.99, 1.0, 1.01, 2.0],
                 "range": ["#08306b", "#6baed6", "#8c8c8c", "#fc9272", "#67000d"]}
NUMBER_FORMAT = ".6~g"  # six significant digits: norms span many orders of magnitude


YOURS_COLOR = "#1f2a37"  # the student's own run: near black, drawn thick, whatever its radius


def _radius_hex(radius: float) -> str:
    """RADIUS_COLORS at `radius`, interpolated in RGB between its stops (clamped to its domain)."""
    stops, colours = RADIUS_COLORS["domain"], RADIUS_COLORS["range"]
    radius = min(max(radius, stops[0]), stops[-1])
    i = max(j for j in range(len(stops) - 1) if stops[j] <= radius)
    share = (radius - stops[i]) / (stops[i + 1] - stops[i])
    low, high = (tuple(int(c[k:k + 2], 16) for k in (1, 3, 5)) for c in (colours[i], colours[i + 1]))
    return "#" + "".join(f"{round(a + share * (b - a)):02x}" for a, b in zip(low, high))


def run_label(radius: float, chosen: bool) -> str:
    return f"yours (ρ = {radius:.2f})" if chosen else f"ρ = {radius:.2f}"


def radius_runs(df: pd.DataFrame) -> pd.DataFrame:
    """df with a `run` column naming each line: "ρ = 0.50", ..., "yours (ρ = 1.20)"."""
    return df.assign(run=[run_label(r, bool(c)) for r, c in zip(df["radius"], df["chosen"])])


def radius_color(df: pd.DataFrame) -> alt.Color:
    """The runs are a handful of named lines, so a nominal legend names each; in order of radius, blue
    where the past fades, red where it grows, the student's own near black."""
    runs = sorted({(float(r), bool(c)) for r, c in zip(df["radius"], df["chosen"])})
    return alt.Color("run:N", title="Run", sort=[run_label(r, c) for r, c in runs],
                     legend=alt.Legend(labelLimit=0),
                     scale=alt.Scale(domain=[run_label(r, c) for r, c in runs],
                                     range=[YOURS_COLOR if c else _radius_hex(r) for r, c in runs]))


def _radius_lines(df: pd.DataFrame, x_title: str, value_title: str, log_scale: bool) -> alt.Chart:
    """One line per radius; the student's own radius (`chosen`) drawn thick. df: radius, step, value, chosen."""
    df = radius_runs(df)
    chart = alt.Chart(df)
    if log_scale:  # a log axis has no place for 0
        chart = chart.transform_filter("datum.value > 0")
    return chart.mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("step:Q", title=x_title),
        y=alt.Y("value:Q", title=value_title, scale=alt.Scale(type="log") if log_scale else alt.Scale(zero=True)),
        color=radius_color(df),
        strokeWidth=alt.condition("datum.chosen", alt.value(3.5), alt.value(1.3)),
        tooltip=[alt.Tooltip("run:N", title="Run"), alt.Tooltip("step:Q", title="t"),
                 alt.Tooltip("value:Q", title=value_title, format=NUMBER_FORMAT)],
    ).properties(height=320, width="container",
                 description=f"Line chart: {value_title} against {x_title.lower()}, one line for each of "
                             f"{_count(df, 'run')} runs ({', '.join(dict.fromkeys(df['run']))})"
                             f"{', on a log axis' if log_scale else ''}.")


def state_norm_by_radius(df: pd.DataFrame, log_scale: bool = True) -> alt.Chart:
    """||Y[t]|| over time, one line per spectral radius of Wy. df: radius, step, value, chosen."""
    return _radius_lines(df, "Time step t", "State norm ‖Y[t]‖", log_scale)


def credit_by_radius(df: pd.DataFrame) -> alt.Chart:
    """||d Y[T] / d X[t]|| against t on a log axis, one line per radius. df: radius, step, value, chosen."""
    return _radius_lines(df, "Input step t (the output is at the last step T)", "Gradient norm ‖∂Y[T]/∂X[t]‖",
                         log_scale=True)


def eigenvalue_plane(df: pd.DataFrame, radius: float) -> alt.LayerChart:
    """Wy's eigenvalues in the complex plane, with the unit circle and the circle |λ| = ρ.

    df: real, imag, magnitude (one row per eigenvalue)."""
    extent = 1.15 * max(1.0, radius, float(df["real"].abs().max()), float(df["imag"].abs().max()))
    axis_scale = alt.Scale(domain=[-extent, extent], nice=False)
    circles = pd.DataFrame([
        {"circle": name, "order": i, "x": r * math.cos(2 * math.pi * i / 120), "y": r * math.sin(2 * math.pi * i / 120)}
        for name, r in (("|λ| = 1 (unit circle)", 1.0), (f"|λ| = ρ = {radius:.2f}", radius)) for i in range(121)])
    rings = alt.Chart(circles).mark_line(strokeWidth=1.5).encode(
        x=alt.X("x:Q", title="Real part", scale=axis_scale),
        y=alt.Y("y:Q", title="Imaginary part", scale=axis_scale),
        order="order:Q",
        strokeDash=alt.StrokeDash("circle:N", title=None, sort=None, legend=alt.Legend(orient="bottom"),
                                  scale=alt.Scale(range=[[1, 0], [5, 3]])),
        color=alt.value("#555555"),
    )
    points = alt.Chart(df).mark_point(filled=True, size=90, opacity=0.9).encode(
        x=alt.X("real:Q", scale=axis_scale), y=alt.Y("imag:Q", scale=axis_scale),
        color=alt.Color("magnitude:Q", title="|λ|", legend=alt.Legend(orient="right", gradientLength=120),
                        scale=alt.Scale(domain=RADIUS_COLORS["domain"], range=RADIUS_COLORS["range"], clamp=True)),
        tooltip=[alt.Tooltip("real:Q", title="Real part", format=NUMBER_FORMAT),
                 alt.Tooltip("imag:Q", title="Imaginary part", format=NUMBER_FORMAT),
                 alt.Tooltip("magnitude:Q", title="|λ|", format=NUMBER_FORMAT)],
    )
    # autosize "pad": the 300 px are the plot itself, so the circles stay round whatever the legends take
    return alt.layer(rings, points).properties(
        width=300, height=300, autosize=alt.AutoSizeParams(type="pad"),
        description=f"The complex plane with the unit circle and the circle of radius ρ = {radius:.2f}, and Wy's "
                    f"{len(df)} eigenvalues as dots, {int((df['magnitude'] > 1 + 1e-6).sum())} of them outside "
                    "the unit circle.")


HISTORY_LABELS = "datum.label == '0' ? 'quiet: zeros, then x' : 'busy: noise, then x'"


def history_outputs(df: pd.DataFrame) -> alt.Chart:
    """Each neuron's output at the last step after two histories, side by side. df: example, neuron, value."""
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("neuron:O", title="Neuron"),
        xOffset="example:N",
        y=alt.Y("value:Q", title="Output at the last step Y[T]"),
        color=example_color(title="History").legend(labelExpr=HISTORY_LABELS, values=[0, 1]),
        tooltip=[alt.Tooltip("example:N", title="History (0 quiet, 1 busy)"), alt.Tooltip("neuron:N", title="Neuron"),
                 alt.Tooltip("value:Q", title="Y[T]", format=VALUE_FORMAT)],
    ).properties(height=260, width="container",
                 description="Bar chart: each neuron's output at the last step after a quiet history (zeros) "
                             "and after a busy one (noise), side by side.")


# Keras lab: each cell type (rnncore.tf.training.CELLS) has one colour on every chart.
CELL_COLORS = {"SimpleRNN": "#1b9e77", "LSTM": "#d95f02", "GRU": "#7570b3"}
SPLIT_DASH = {"training": [5, 3], "validation": [1, 0]}  # training dashed, validation solid
BASELINE_COLOR = "#666666"


def cell_color() -> alt.Color:
    return alt.Color("cell:N", title="Cell", sort=list(CELL_COLORS),
                     scale=alt.Scale(domain=list(CELL_COLORS), range=list(CELL_COLORS.values())))


def loss_curves(df: pd.DataFrame, baselines: pd.DataFrame) -> alt.LayerChart:
    """Mean squared error per epoch on a log axis, one colour per cell, each baseline a grey rule.

    df: cell, epoch, split ("training" | "validation"), mse. baselines: baseline (a label), mse."""
    mse = alt.Y("mse:Q", title="Mean squared error (log scale)", scale=alt.Scale(type="log"))
    rules = alt.Chart(baselines).mark_rule(color=BASELINE_COLOR, strokeDash=[2, 2]).encode(
        y=mse, tooltip=[alt.Tooltip("baseline:N", title="Baseline"),
                        alt.Tooltip("mse:Q", title="Validation MSE", format=NUMBER_FORMAT)])
    # the labels sit at the right end of their rule, drawn over the curves with a white halo under
    # them: at the left the curves start high and covered the "naive" label
    label = dict(align="right", dx=-4, dy=-7, fontSize=12)
    halo = alt.Chart(baselines).mark_text(**label, stroke="white", strokeWidth=4, strokeJoin="round", aria=False).encode(
        y=mse, x=alt.value({"expr": "width"}), text="baseline:N")
    labels = alt.Chart(baselines).mark_text(**label, color="#4d4d4d").encode(
        y=mse, x=alt.value({"expr": "width"}), text="baseline:N")
    curves = alt.Chart(df).encode(
        x=alt.X("epoch:Q", title="Epoch", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(domainMin=1)),
        y=mse, color=cell_color())
    # the points are a layer of their own: with mark_line(point=True) the dash legend shows no symbols
    lines = curves.mark_line().encode(
        strokeDash=alt.StrokeDash("split:N", title="Data", sort=list(SPLIT_DASH),
                                  legend=alt.Legend(symbolType="stroke", symbolStrokeColor=BASELINE_COLOR),
                                  scale=alt.Scale(domain=list(SPLIT_DASH), range=list(SPLIT_DASH.values()))))
    points = curves.mark_circle(size=45, opacity=1).encode(
        tooltip=[alt.Tooltip("cell:N", title="Cell"), alt.Tooltip("split:N", title="Data"),
                 alt.Tooltip("epoch:Q", title="Epoch"), alt.Tooltip("mse:Q", title="MSE", format=NUMBER_FORMAT)])
    return alt.layer(rules, lines, points, halo, labels).properties(
        height=340, width="container",
        description=f"Line chart: mean squared error against the epoch on a log axis for "
                    f"{', '.join(dict.fromkeys(df['cell'])) if len(df) else 'no cell yet'}, training dashed and "
                    f"validation solid, with grey rules for the baselines ({', '.join(baselines['baseline'])}).")


def unroll_cost(df: pd.DataFrame) -> alt.FacetChart:
    """The Keras layer's forward graph with unroll=False and True, per cell, one panel per measure.

    df: cell, unroll ("False" | "True"), measure (panel title, panels in order of first appearance), value."""
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("cell:N", title=None, sort=list(CELL_COLORS), axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("unroll:N", sort=["False", "True"]),
        y=alt.Y("value:Q", title=None),
        color=cell_color(),
        opacity=alt.Opacity("unroll:N", title="unroll", sort=["False", "True"],
                            scale=alt.Scale(domain=["False", "True"], range=[0.45, 1.0])),
        tooltip=[alt.Tooltip("cell:N", title="Cell"), alt.Tooltip("unroll:N", title="unroll"),
                 alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("value:Q", title="Value", format=NUMBER_FORMAT)],
    ).properties(width=150, height=200).facet(
        column=alt.Column("measure:N", title=None, sort=list(dict.fromkeys(df["measure"])))
    ).resolve_scale(y="independent").properties(
        description=f"Bar charts, one per measure ({', '.join(dict.fromkeys(df['measure']))}): the Keras layer's "
                    "forward graph for each cell with unroll=False (pale) and unroll=True (full colour).")


# Gated cells page: every activation on one diverging scale, so 0 (a closed gate) is white everywhere,
# an open gate (near 1) blue, a negative candidate or output red.
def gate_heatmaps(df: pd.DataFrame, title: str, width_step: int = 14, legend: bool = True) -> alt.FacetChart:
    """One heatmap per gate (panels stacked in `order`, each titled above): time across, one row per unit.

    df: gate (panel label), order, step, unit, value. Values beyond +-1 (an LSTM's cell state) take the
    end colours; the tooltip has the exact value. `legend=False` for all but one of charts set side by side."""
    return alt.Chart(df).mark_rect().encode(
        x=alt.X("step:O", title="Time step t", axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("unit:O", title="Unit", axis=alt.Axis(labelOverlap=False)),  # every unit's row labelled
        color=alt.Color("value:Q", title="Activation", legend=alt.Legend() if legend else None,
                        scale=alt.Scale(scheme=VALUE_SCHEME, domain=[-1, 1], clamp=True)),
        tooltip=[alt.Tooltip("gate:N", title="Gate"), alt.Tooltip("step:O", title="t"),
                 alt.Tooltip("unit:O", title="Unit"), alt.Tooltip("value:Q", title="Value", format=VALUE_FORMAT)],
    ).properties(width=alt.Step(width_step), height=alt.Step(16)).facet(
        row=alt.Row("gate:N", title=None, sort=alt.SortField("order"),
                    header=alt.Header(labelAngle=0, labelOrient="top", labelAnchor="start", labelFontWeight="bold")),
    ).properties(title=title, description=f"Heatmaps of the {title}'s gates ({', '.join(dict.fromkeys(df['gate']))}),"
                                          " time steps across and one row per unit; white is 0, blue near +1, "
                                          "red negative.")


CELL_OUTPUT_DASH = {"cell state c[t]": [1, 0], "output h[t]": [5, 3]}


def cell_and_output(df: pd.DataFrame) -> alt.Chart:
    """The LSTM's cell state (solid) and output (dashed) over time, one colour per unit.

    df: step, unit, series ("cell state c[t]" | "output h[t]"), value."""
    return alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("step:Q", title="Time step t", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", title="Value"),
        color=neuron_color("unit", "Unit", shown=sorted(df["unit"].unique())),
        strokeDash=alt.StrokeDash("series:N", title=None, sort=list(CELL_OUTPUT_DASH),
                                  legend=alt.Legend(symbolType="stroke"),
                                  scale=alt.Scale(domain=list(CELL_OUTPUT_DASH), range=list(CELL_OUTPUT_DASH.values()))),
        tooltip=[alt.Tooltip("series:N", title="Series"), alt.Tooltip("step:Q", title="t"),
                 alt.Tooltip("unit:N", title="Unit"), alt.Tooltip("value:Q", title="Value", format=VALUE_FORMAT)],
    ).properties(height=280, width="container",
                 description="Line chart: the LSTM's cell state c[t] (solid) and output h[t] (dashed) over time, "
                             "one colour per unit.")


def kept_by_forget_bias(df: pd.DataFrame, log_scale: bool = True, fade: float = 0.01) -> alt.LayerChart:
    """The fraction of a written value still in the cell, one line per forget bias; the student's own
    bias (`chosen`) thick; a dotted rule where it has faded (`fade`, 1%). df: bias, step, kept, chosen."""
    lines = alt.Chart(df)
    if log_scale:  # a log axis has no place for 0 (sigma(-10)^t underflows)
        lines = lines.transform_filter("datum.kept > 0")
    y = alt.Y("kept:Q", title="Fraction of the value kept c[t] / c[0]",
              scale=alt.Scale(type="log") if log_scale else alt.Scale(zero=True, domain=[0, 1]))
    lines = lines.mark_line(point=alt.OverlayMarkDef(size=16)).encode(
        x=alt.X("step:Q", title="Steps since the value was written"),
        y=y,
        color=alt.Color("bias:Q", title="Forget bias", scale=alt.Scale(scheme="viridis")),
        detail="bias:N",
        strokeWidth=alt.condition("datum.chosen", alt.value(3.5), alt.value(1.3)),
        tooltip=[alt.Tooltip("bias:Q", title="Forget bias", format="g"), alt.Tooltip("step:Q", title="Steps"),
                 alt.Tooltip("kept:Q", title="Kept", format=NUMBER_FORMAT)],
    )
    rule = alt.Chart(pd.DataFrame({"kept": [fade], "label": [f"{fade:.0%}: faded"]})).mark_rule(
        color=BASELINE_COLOR, strokeDash=[2, 2]).encode(y="kept:Q", tooltip=alt.Tooltip("label:N", title="Line"))
    return alt.layer(lines, rule).properties(
        height=320, width="container",
        description=f"Line chart: the fraction of a written value still in the LSTM's cell against the steps since, "
                    f"one line per forget bias ({', '.join(f'{b:g}' for b in dict.fromkeys(df['bias']))}), with a "
                    f"dotted rule at {fade:.0%}.")


def hold_trace(df: pd.DataFrame, k: int) -> alt.LayerChart:
    """A hand-set LSTM over time: its gates, cell state and output, with a rule at t = k (the read).

    df: step, series, value."""
    series = list(dict.fromkeys(df["series"]))
    dashes = [[6, 3] if name.endswith("gate f") else [2, 3] if name.endswith("gate o") else [1, 0] for name in series]
    lines = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=20)).encode(
        x=alt.X("step:Q", title="Time step t", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", title="Value"),
        color=alt.Color("series:N", title=None, sort=series),
        # f and o both sit at 1 while the value is held: dashed and dotted, so neither hides the other
        strokeDash=alt.StrokeDash("series:N", title=None, sort=series, scale=alt.Scale(domain=series, range=dashes)),
        tooltip=[alt.Tooltip("series:N", title="Series"), alt.Tooltip("step:Q", title="t"),
                 alt.Tooltip("value:Q", title="Value", format=VALUE_FORMAT)])
    read = alt.Chart(pd.DataFrame({"step": [k], "label": [f"t = k = {k}: the value is read"]})).mark_rule(
        color=BASELINE_COLOR, strokeDash=[4, 3]).encode(x="step:Q", tooltip=alt.Tooltip("label:N", title="Rule"))
    return alt.layer(lines, read).properties(
        height=300, width="container",
        description=f"Line chart: a hand-set LSTM's gates, cell state and output over time ({', '.join(series)}), "
                    f"with a rule at t = {k}, where the value is read.")


# BPTT page: the three shared weights, one colour each; Wy, the page's subject, drawn thickest.
WEIGHT_COLORS = {"Wx": "#4c78a8", "Wy": "#e45756", "b": "#9d755d"}


def contribution_norms(df: pd.DataFrame, log_scale: bool = True) -> alt.Chart:
    """The size of each step's contribution to dL/dWx, dL/dWy and dL/db against the step.

    df: step, weight ("Wx" | "Wy" | "b"), value (a Frobenius norm; inf rows left out by the caller)."""
    chart = alt.Chart(df)
    if log_scale:
        chart = chart.transform_filter("datum.value > 0")
    return chart.mark_line(point=alt.OverlayMarkDef(size=40)).encode(
        x=alt.X("step:Q", title="Step t", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("value:Q", title="Size of step t's contribution ‖dW[t]‖",
                scale=alt.Scale(type="log") if log_scale else alt.Scale(zero=True)),
        color=alt.Color("weight:N", title="Weight", sort=list(WEIGHT_COLORS),
                        scale=alt.Scale(domain=list(WEIGHT_COLORS), range=list(WEIGHT_COLORS.values()))),
        strokeWidth=alt.condition("datum.weight == 'Wy'", alt.value(3.5), alt.value(1.5)),
        tooltip=[alt.Tooltip("weight:N", title="Weight"), alt.Tooltip("step:Q", title="Step t"),
                 alt.Tooltip("value:Q", title="‖contribution‖", format=NUMBER_FORMAT)],
    ).properties(height=320, width="container",
                 description="Line chart: the size of each step's contribution to the gradients of Wx, Wy and b "
                             f"against the step{', on a log axis' if log_scale else ''}.")


PANELS_WIDTH = 900  # px the BPTT page's grid of panels may take: its full-width block at a 1400 px window


def contribution_panels(df: pd.DataFrame, columns: int | None = None) -> alt.FacetChart:
    """Each step's contribution to dL/dWy as a small matrix, then their sum: the one gradient Wy gets.

    df: panel (e.g. "t = 3", "sum"), order, row, col, value. One colour scale for every panel."""
    bound = max(float(df["value"].abs().max()), 1e-12) if len(df) else 1.0
    if columns is None:  # as many panels in a row as fit: a panel is 14 px per neuron, its axis ~40 px more
        columns = max(1, min(6, PANELS_WIDTH // (14 * (int(df["col"].max()) + 1 if len(df) else 1) + 40)))
    # As inline records: at the caps (20 steps of 16 x 16, and the sum) there are 5376 rows, past the
    # 5000 that Altair's guard allows a DataFrame; the spec still carries them as a named dataset.
    # every panel its own x axis, untitled: with one shared axis per column, a last row that is not full
    # left axes under empty places; the title says which way the matrix reads
    return alt.Chart(alt.InlineData(values=df.to_dict("records"))).mark_rect().encode(
        x=alt.X("col:O", title=None),
        y=alt.Y("row:O", title="From neuron"),
        color=value_color(title="dL/dWy", domain=(-bound, bound)),
        tooltip=[alt.Tooltip("panel:N", title="Panel"), alt.Tooltip("row:O", title="From neuron"),
                 alt.Tooltip("col:O", title="To neuron"), alt.Tooltip("value:Q", title="Value", format=".6g")],
    ).properties(width=alt.Step(14), height=alt.Step(14)).facet(
        facet=alt.Facet("panel:N", title=None, sort=alt.SortField("order")), columns=columns).resolve_axis(
        x="independent").properties(
        title=alt.Title("Rows: from neuron · columns: to neuron", fontSize=12, fontWeight="normal", anchor="start"),
        description=f"Small heatmaps, one per panel ({_count(df, 'panel')} in all): each step's contribution to "
                    "dL/dWy as a matrix, from neuron down, to neuron across, then their sum; red is negative, "
                    "blue positive.")


def class_answers(df: pd.DataFrame, truth, kind: str) -> alt.LayerChart:
    """The class's answers with the truth marked. df: answer (a choice's text, or a number); for a choice
    also count and is_truth. kind "choice": a bar per choice (every choice shown, the true one green); "number": a histogram
    with a rule at the truth."""
    if kind == "choice":
        bars = alt.Chart(df).mark_bar().encode(
            x=alt.X("answer:N", title="Answer", sort=None, axis=alt.Axis(labelAngle=0, labelLimit=160)),
            y=alt.Y("count:Q", title="Students"),
            color=alt.Color("is_truth:N", scale=alt.Scale(domain=[True, False], range=["#2ca02c", "#9ecae1"]),
                            legend=None),
            tooltip=[alt.Tooltip("answer:N", title="Answer"), alt.Tooltip("count:Q", title="Students")])
        return alt.layer(bars).properties(
            title=f"The class's answers (green: the truth, {truth})",
            description=f"Bar chart: how many students gave each answer; the true answer, {truth}, in green.")
    bars = alt.Chart(df).mark_bar(color="#9ecae1").encode(
        x=alt.X("answer:Q", bin=alt.Bin(maxbins=20), title="Answer"),
        y=alt.Y("count():Q", title="Students"),
        tooltip=[alt.Tooltip("answer:Q", bin=True, title="Answers in"), alt.Tooltip("count():Q", title="Students")])
    rule = alt.Chart(pd.DataFrame({"truth": [truth]})).mark_rule(color="#2ca02c", size=3).encode(
        x="truth:Q", tooltip=[alt.Tooltip("truth:Q", title="The truth")])
    return alt.layer(bars, rule).properties(
        title=f"The class's answers (green line: the truth, {truth:g})",
        description=f"Histogram: how many students answered in each range, with a green line at the truth, {truth:g}.")


TEXT_MODEL_COLORS = {"RNN": "#1b9e77", "stateless": "#666666"}  # the text lab's two models


def text_loss_curves(df: pd.DataFrame) -> alt.LayerChart:
    """The text lab's training: cross-entropy per epoch of both models, on a log axis.

    df: epoch, model ("RNN" | "stateless"), loss (nats per character)."""
    curves = alt.Chart(df).encode(
        x=alt.X("epoch:Q", title="Epoch", axis=alt.Axis(tickMinStep=1), scale=alt.Scale(domainMin=1)),
        y=alt.Y("loss:Q", title="Cross-entropy per character (log scale)", scale=alt.Scale(type="log")),
        color=alt.Color("model:N", title="Model", sort=list(TEXT_MODEL_COLORS),
                        scale=alt.Scale(domain=list(TEXT_MODEL_COLORS), range=list(TEXT_MODEL_COLORS.values())),
                        legend=alt.Legend(orient="top")))
    points = curves.mark_circle(size=25, opacity=1).encode(
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("epoch:Q", title="Epoch"),
                 alt.Tooltip("loss:Q", title="Loss", format=NUMBER_FORMAT)])
    return alt.layer(curves.mark_line(), points).properties(
        height=280, width="container",
        description="Line chart: the cross-entropy per character against the epoch on a log axis, for the RNN "
                    "and for the stateless model.")


TEXT_ROW = "text"  # the row under the text lab's heatmap that spells the text out


def text_state_heatmap(df: pd.DataFrame, bound: float = 1.0) -> alt.LayerChart:
    """The hidden state over a text: one row per neuron, one column per character read, the text spelt
    out in a last row underneath. df: position, char (as shown), row ("h0", "h1", ...), neuron, value."""
    rows = [*dict.fromkeys(df["row"]), TEXT_ROW]
    x = alt.X("position:O", title="Position in the text (the character read)",
              axis=alt.Axis(labelOverlap=True, labelAngle=0))
    y = alt.Y("row:N", title="Neuron", sort=rows, scale=alt.Scale(domain=rows),
              axis=alt.Axis(labelExpr=f"datum.value == '{TEXT_ROW}' ? 'text' : slice(datum.value, 1)"))
    cells = alt.Chart(df).mark_rect().encode(
        x=x, y=y, color=value_color(title="h[t]", domain=(-bound, bound)),
        tooltip=[alt.Tooltip("position:O", title="Position"), alt.Tooltip("char:N", title="Character read"),
                 alt.Tooltip("neuron:O", title="Neuron"), alt.Tooltip("value:Q", title="h[t]", format=VALUE_FORMAT)])
    letters = alt.Chart(df[df["neuron"] == 0].assign(row=TEXT_ROW)).mark_text(fontSize=13, font="monospace").encode(
        x=x, y=y, text="char:N", tooltip=[alt.Tooltip("position:O", title="Position"),
                                          alt.Tooltip("char:N", title="Character read")])
    return alt.layer(cells, letters).properties(
        width="container", height=alt.Step(16),
        description=f"Heatmap of the hidden state over the text: one row per neuron ({len(rows) - 1}), one column "
                    "per character read, the text spelt out in the last row; red is negative, blue positive.")


def text_by_activation(df: pd.DataFrame, bound: float = 1.0) -> alt.LayerChart:
    """A text laid out in lines, each character's box coloured by one neuron's activation after reading it.

    df: position, line, column, char (as shown), value."""
    x = alt.X("column:O", axis=None)
    y = alt.Y("line:O", axis=None)
    color = alt.Color("value:Q", title="h[t]", scale=alt.Scale(scheme=VALUE_SCHEME, domain=[-bound, bound]),
                      legend=alt.Legend(orient="top", direction="horizontal", gradientLength=160))
    boxes = alt.Chart(df).mark_rect(stroke="white", strokeWidth=1).encode(
        x=x, y=y, color=color,
        tooltip=[alt.Tooltip("position:O", title="Position"), alt.Tooltip("char:N", title="Character read"),
                 alt.Tooltip("value:Q", title="h[t]", format=VALUE_FORMAT)])
    letters = alt.Chart(df).mark_text(fontSize=14, font="monospace").encode(x=x, y=y, text="char:N")
    return alt.layer(boxes, letters).properties(
        width=alt.Step(20), height=alt.Step(24),
        description="The text laid out in lines, each character's box coloured by one neuron's activation "
                    "after reading it; red is negative, blue positive.")
