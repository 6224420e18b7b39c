"""What a student takes home from a run: CSV, NPZ and JSON files, notebook code, charts. No Streamlit.

Every function is pure: a `Run` in, bytes or text out. Numbers keep their float32 values exactly:
the CSV writes 9 significant digits (enough for any float32), the JSON the float's exact decimal form.
Charts become SVG or PNG here on the server (vl-convert runs Vega-Lite itself), so saving one needs no
connection; its first conversion in a server process starts vl-convert's engine (seconds, tens of MB).
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import vl_convert

from rnncore.lesson.codegen import notebook_code
from rnncore.config import RNNResult, RNNWeights
from rnncore.validate import check_inputs

CSV_FLOAT = "%.9g"  # 9 significant digits read back to the same float32
CSV_TABLES = ("inputs", "weights", "outputs", "states")
MIME = {"csv": "text/csv", "npz": "application/octet-stream", "json": "application/json", "py": "text/x-python",
        "svg": "image/svg+xml", "png": "image/png",
        "ipynb": "application/x-ipynb+json"}
VEGALITE = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])  # the Vega-Lite release Altair writes: "6.4"
PNG_SCALE = 2


@dataclass(frozen=True)
class Run:
    """One run of the recurrent layer, as the page computed it."""
    X: np.ndarray                          # (batch, steps, inputs) float32
    w: RNNWeights
    outputs: np.ndarray                    # (batch, steps, neurons); zero past each length
    state: np.ndarray                      # (batch, neurons)
    sequence_length: np.ndarray | None = None  # (batch,) int32, or None: every sequence is full
    origin: str = ""                       # where the weights came from, e.g. "seed 42, scale 1.0"
    settings: dict = field(default_factory=dict)  # the page's settings, as in the link

    def __post_init__(self):
        X, lengths = check_inputs(self.X, self.w, self.sequence_length)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "sequence_length", lengths)
        batch, steps, _ = X.shape
        for name, shape in (("outputs", (batch, steps, self.w.n_neurons)), ("state", (batch, self.w.n_neurons))):
            value = np.asarray(getattr(self, name), np.float32)
            if value.shape != shape:
                raise ValueError(f"{name} must have shape {shape} for this X and these weights, got {value.shape}")
            object.__setattr__(self, name, value)

    @classmethod
    def of(cls, X, w: RNNWeights, result: RNNResult, sequence_length=None, origin: str = "",
           settings: dict | None = None) -> Run:
        return cls(X, w, result.outputs, result.state, sequence_length, origin, dict(settings or {}))

    @property
    def lengths(self) -> np.ndarray:
        """Each example's length; the full number of steps where no lengths were given."""
        batch, steps, _ = self.X.shape
        return np.full(batch, steps, np.int32) if self.sequence_length is None else self.sequence_length


def _grid(values: np.ndarray, names: tuple[str, ...]) -> pd.DataFrame:
    """An n-d array -> one row per element: an index column per axis, then `value`."""
    index = np.meshgrid(*(np.arange(n) for n in values.shape), indexing="ij")
    return pd.DataFrame({name: axis.ravel() for name, axis in zip(names, index)} | {"value": values.ravel()})


def table(run: Run, what: str) -> pd.DataFrame:
    """A tidy table of the run: "inputs", "weights", "outputs" or "states"."""
    if what == "inputs":       # example, step, input, value
        return _grid(run.X, ("example", "step", "input"))
    if what == "weights":      # matrix (Wx, Wy or b), row, col, value
        parts = [("Wx", run.w.Wx), ("Wy", run.w.Wy), ("b", run.w.b[None, :])]
        return pd.concat([_grid(m, ("row", "col")).assign(matrix=name) for name, m in parts],
                         ignore_index=True)[["matrix", "row", "col", "value"]]
    if what == "outputs":      # example, step, neuron, length, value
        frame = _grid(run.outputs, ("example", "step", "neuron"))
    elif what == "states":     # example, neuron, length, value
        frame = _grid(run.state, ("example", "neuron"))
    else:
        raise ValueError(f"table must be one of {CSV_TABLES}, got {what!r}")
    frame.insert(len(frame.columns) - 1, "length", run.lengths[frame["example"]])
    return frame


def csv_bytes(run: Run, what: str) -> bytes:
    return table(run, what).to_csv(index=False, float_format=CSV_FLOAT).encode()


def arrays(run: Run) -> dict[str, np.ndarray]:
    """Every array of the run by name, as the NPZ holds them."""
    named = {"X": run.X, "Wx": run.w.Wx, "Wy": run.w.Wy, "b": run.w.b, "outputs": run.outputs,
             "state": run.state, "activation": np.array(run.w.activation)}
    if run.sequence_length is not None:
        named["sequence_length"] = run.sequence_length
    return named


def npz_bytes(run: Run) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays(run))
    return buffer.getvalue()


def _plain(value):
    """JSON for NumPy scalars and arrays found among the settings."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_bytes(run: Run) -> bytes:
    """The whole run as JSON: nested lists in (batch, steps, ...) order, floats exact."""
    document = {
        "about": "Recurrence Lab run: Y[t] = act(X[:, t] @ Wx + Y[t-1] @ Wy + b), Y[-1] = 0",
        "activation": run.w.activation, "origin": run.origin, "settings": run.settings,
        **{name: value.tolist() for name, value in arrays(run).items() if name != "activation"},
    }
    document.setdefault("sequence_length", None)
    return json.dumps(document, indent=1, default=_plain).encode()


def notebook(run: Run, style: str) -> str:
    """Runnable code for this run: style "tf1" (the lesson's) or "keras"."""
    return notebook_code(style, run.w, run.X, run.sequence_length, origin=run.origin)


def _records(data) -> list[dict]:
    """A dataset of a spec: rows as given, or Arrow IPC bytes (dashboard/chart_cache.py's form)."""
    if isinstance(data, (bytes, bytearray)):
        return pa.ipc.open_stream(pa.BufferReader(data)).read_all().to_pylist()
    return data


def chart_spec(chart: alt.TopLevelMixin | dict) -> dict:
    """A chart (Altair, or a Vega-Lite spec as chart_cache keeps it) as a spec that holds its data inline."""
    spec = chart.to_dict() if isinstance(chart, alt.TopLevelMixin) else dict(chart)  # never the cached dict
    spec["datasets"] = {name: _records(data) for name, data in spec.get("datasets", {}).items()}
    return spec


def chart_svg(chart: alt.TopLevelMixin | dict) -> bytes:
    """The chart as an SVG document, drawn on the server: no connection needed, no data fetched."""
    return vl_convert.vegalite_to_svg(chart_spec(chart), vl_version=VEGALITE, allowed_base_urls=[]).encode()


def chart_png(chart: alt.TopLevelMixin | dict, scale: float = PNG_SCALE) -> bytes:
    """The chart as a PNG image, `scale` pixels per point of the chart (2: sharp on a projector)."""
    return vl_convert.vegalite_to_png(chart_spec(chart), vl_version=VEGALITE, scale=scale, allowed_base_urls=[])


def file_name(page: str, what: str, extension: str) -> str:
    return f"recurrence-lab_{page}_{what}.{extension}"
