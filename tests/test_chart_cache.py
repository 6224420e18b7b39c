"""Cached chart specs: the same spec the builder makes, with its data as Arrow bytes, reused on a repeat."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from dashboard import chart_cache, charts, pinning, ragged, tidy
from dashboard.sections import lengths as lengths_sections
from rnncore import init_weights, run_manual
from rnncore.lesson.book import LESSON_X

Y = run_manual(LESSON_X, init_weights(3, 5, 42)).outputs


def _rows(arrow: bytes) -> list[dict]:
    return pa.ipc.open_stream(arrow).read_all().to_pylist()


def _same(cached: dict, built: dict) -> None:
    """`cached` is `built` (Altair's validated `to_dict()`) with each dataset as Arrow bytes holding the
    same rows; a dataset's name may differ (Altair hashes the rows, the cache numbers the frames)."""
    assert all(isinstance(data, bytes) for data in cached.get("datasets", {}).values())
    used = set()

    def walk(c, b, path):
        if isinstance(b, dict) and isinstance(c, dict):
            if path and path[-1] == "data" and "name" in b:
                assert c.keys() == {"name"} == b.keys(), path
                assert _rows(cached["datasets"][c["name"]]) == built["datasets"][b["name"]], path
                used.add(c["name"])
                return
            assert c.keys() - {"datasets"} == b.keys() - {"datasets"}, path
            for key in b.keys() - {"datasets"}:
                walk(c[key], b[key], (*path, key))
        elif isinstance(b, list):
            assert isinstance(c, list) and len(c) == len(b), path
            for i, (ci, bi) in enumerate(zip(c, b)):
                walk(ci, bi, (*path, i))
        else:
            assert c == b, path

    walk(cached, built, ())
    assert used == set(cached.get("datasets", {})), "a dataset no mark uses"


def test_shared_specs_are_the_builders_specs():
    _same(chart_cache.outputs_over_time(Y), charts.outputs_over_time(tidy.sequence_frame(Y)).to_dict())
    _same(chart_cache.state_heatmap(Y, domain=(-2, 2)),
          charts.state_heatmap(tidy.sequence_frame(Y), domain=(-2, 2)).to_dict())


def test_comparison_and_weight_specs_are_the_builders_specs():
    base = run_manual(LESSON_X, init_weights(3, 5, 7)).outputs
    _same(chart_cache.outputs_with_baseline(Y, base), charts.outputs_with_baseline(pinning.runs_frame(base, Y)).to_dict())
    w = init_weights(3, 5, 42)
    _same(chart_cache.weight_pair(w.Wx, w.Wy),
          charts.weight_pair(tidy.matrix_frame(w.Wx), tidy.matrix_frame(w.Wy)).to_dict())


def test_a_repeat_comes_from_the_cache_and_new_data_does_not():
    first = chart_cache.outputs_over_time(Y)
    again = chart_cache.outputs_over_time(Y.copy())
    assert again == first and again is not first  # a copy: Streamlit may edit the spec it is given
    other = chart_cache.outputs_over_time(np.tanh(Y + 0.5))
    assert other["datasets"] != first["datasets"]


def test_section_specs_are_the_builders_specs_for_frames_made_of_several_arrays():
    lengths = np.array([2, 1, 2, 2], dtype=np.int32)
    X = ragged.padded(LESSON_X, lengths)
    _same(lengths_sections.padded_batch_spec(X, lengths, show_values=True),
          charts.padded_batch(ragged.batch_frame(X, lengths), show_values=True).to_dict())
    final = lengths - 1
    _same(lengths_sections.outputs_with_final_state_spec(Y, lengths, final, "Y[t] with lengths", 1.5),
          charts.outputs_with_final_state(ragged.output_frame(Y, lengths, final), "Y[t] with lengths", 1.5,
                                          columns=2).to_dict())
    without = np.tanh(Y + 0.5)
    spec = lengths_sections.padding_effect_spec(Y, without, lengths)
    _same(spec, charts.lengths_difference(ragged.padding_effect_frame(Y, without, lengths), columns=2).to_dict())
    rows = _rows(next(iter(spec["datasets"].values())))
    assert max(abs(r["difference"]) for r in rows) == np.abs(without - Y).max()


def test_section_specs_repeat_from_the_cache():
    lengths = np.array([2, 1, 2, 2], dtype=np.int32)
    first = lengths_sections.padded_batch_spec(LESSON_X, lengths, True)
    assert lengths_sections.padded_batch_spec(LESSON_X.copy(), lengths.copy(), True) == first
    other = lengths_sections.padded_batch_spec(LESSON_X, np.array([2, 2, 2, 2]), True)
    assert other["datasets"] != first["datasets"]


def test_each_decorated_function_has_a_cache_of_its_own():
    """Streamlit keys a cache by the function's module, name and source: `cached_spec` keeps the
    decorated function's, so two specs of the same array never answer for each other."""
    without_data = lambda spec: {k: v for k, v in spec.items() if k != "datasets"}  # noqa: E731
    assert without_data(chart_cache.outputs_over_time(Y)) != without_data(chart_cache.difference_heatmap(Y))
    assert chart_cache.outputs_over_time.__name__ == "outputs_over_time"


def test_a_charts_numbers_are_sent_only_while_its_popover_is_open():
    """Closed, the Numbers popover costs a button (no table is sent); open, it holds the chart's rows."""
    from tests.apptest import open_page

    at = open_page("memory")
    popovers = at.get("popover")
    assert len(popovers) == len(at.get("vega_lite_chart")) > 0 and not at.table
    first = popovers[0].proto.popover
    assert first.label == "Numbers" and not first.open
    key = first.id.rsplit("-", 1)[-1]  # the widget's user key, after Streamlit's id prefix
    at.session_state[key] = True  # as the browser does when the popover is opened
    at.run()
    shown = at.table[0].value
    assert {"run", "step", "value"} <= set(shown.columns), shown.columns
    assert 0 < len(shown) <= chart_cache.NUMBER_ROWS
    assert at.get("popover")[0].proto.popover.open
