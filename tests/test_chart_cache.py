"""Cached chart specs: the same spec the builder makes, with its data as Arrow bytes, reused on a repeat."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from dashboard import chart_cache, charts, pinning, tidy
from rnncore import init_weights, run_manual
from rnncore.presets import LESSON_X

Y = run_manual(LESSON_X, init_weights(3, 5, 42)).outputs


def _rows(arrow: bytes) -> list[dict]:
    return pa.ipc.open_stream(arrow).read_all().to_pylist()


def _same(cached: dict, built: dict) -> None:
    """`cached` is `built` with each dataset turned into Arrow bytes holding the same rows."""
    assert {k: v for k, v in cached.items() if k != "datasets"} == {k: v for k, v in built.items() if k != "datasets"}
    assert cached["datasets"].keys() == built["datasets"].keys()
    for name, rows in built["datasets"].items():
        assert isinstance(cached["datasets"][name], bytes)
        assert _rows(cached["datasets"][name]) == rows


def test_sequence_spec_is_the_builders_spec():
    _same(chart_cache.sequence_spec("outputs_over_time", Y), charts.outputs_over_time(tidy.sequence_frame(Y)).to_dict())
    _same(chart_cache.sequence_spec("state_heatmap", Y, domain=(-2, 2)),
          charts.state_heatmap(tidy.sequence_frame(Y), domain=(-2, 2)).to_dict())


def test_comparison_and_weight_specs_are_the_builders_specs():
    base = run_manual(LESSON_X, init_weights(3, 5, 7)).outputs
    _same(chart_cache.comparison_spec(Y, base), charts.outputs_with_baseline(pinning.runs_frame(base, Y)).to_dict())
    w = init_weights(3, 5, 42)
    _same(chart_cache.weight_pair_spec(w.Wx, w.Wy),
          charts.weight_pair(tidy.matrix_frame(w.Wx), tidy.matrix_frame(w.Wy)).to_dict())


def test_a_repeat_comes_from_the_cache_and_new_data_does_not():
    first = chart_cache.sequence_spec("outputs_over_time", Y)
    again = chart_cache.sequence_spec("outputs_over_time", Y.copy())
    assert again == first and again is not first  # a copy: Streamlit may edit the spec it is given
    other = chart_cache.sequence_spec("outputs_over_time", np.tanh(Y + 0.5))
    assert other["datasets"] != first["datasets"]
