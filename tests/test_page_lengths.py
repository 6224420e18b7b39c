"""The sequence-lengths page through AppTest: its numbers are rnncore's, for the settings shown."""
import json
from xml.etree import ElementTree

import numpy as np
import pytest

from dashboard import exports, ragged
from rnncore import init_weights, run_manual
from rnncore.lesson.book import LESSON_X
from tests.apptest import assert_clean, open_page


BOOK_LENGTHS = [2, 1, 2, 2]
TABLES = ("state_with", "state_without", "tf_check")  # the page's tables in order (AppTest sees no keys)


def _frame(at, name: str):
    return at.dataframe[TABLES.index(name)].value


def _table(at, key: str) -> np.ndarray:
    """The neuron columns of a final-state table, as float32 like rnncore's state."""
    frame = _frame(at, key)
    return frame[[c for c in frame.columns if c.startswith("neuron")]].to_numpy(np.float32)


def _metrics(at) -> dict[str, float]:
    return {m.label: float(m.value) for m in at.metric}


def _lengths(at) -> list[int]:
    return _frame(at, "state_with")["length"].tolist()


@pytest.fixture(scope="module")
def default_page():
    return open_page("lengths")


def test_defaults_are_the_books_example(default_page):
    at = default_page
    assert at.slider(key="steps").value == 2 and at.slider(key="batch").value == 4
    assert [at.slider(key=f"len{i}").value for i in range(4)] == BOOK_LENGTHS
    assert "len4" not in [s.key for s in at.slider]  # one slider per example in the batch
    assert _lengths(at) == BOOK_LENGTHS
    assert _frame(at, "state_with")["from step"].tolist() == ["1", "0", "1", "1"]
    assert any("second step `0 0 0` is padding" in m.value for m in at.markdown)


def test_final_states_shown_are_rnncores(default_page):
    w = init_weights(3, 5, seed=42)
    np.testing.assert_array_equal(_table(default_page, "state_with"),
                                  run_manual(LESSON_X, w, sequence_length=BOOK_LENGTHS).state)
    np.testing.assert_array_equal(_table(default_page, "state_without"), run_manual(LESSON_X, w).state)


def test_without_lengths_differs_only_where_there_is_padding(default_page):
    told, not_told = _table(default_page, "state_with"), _table(default_page, "state_without")
    np.testing.assert_array_equal(told[[0, 2, 3]], not_told[[0, 2, 3]])  # full-length examples
    assert np.abs(told[1] - not_told[1]).max() > 0.1                      # example 1 was fed its padding
    w = init_weights(3, 5, seed=42)
    padding_output = run_manual(LESSON_X, w).outputs[1, 1]  # with lengths this output is 0
    metrics = _metrics(default_page)
    assert metrics["Largest |without − with| in the outputs"] == pytest.approx(np.abs(padding_output).max(),
                                                                               abs=1e-6)
    assert metrics["Largest |without − with| in the final state"] == pytest.approx(
        np.abs(told[1] - not_told[1]).max(), abs=1e-6)


def test_charts_carry_the_expected_fields(default_page):
    specs = [json.loads(chart.proto.spec) for chart in default_page.get("vega_lite_chart")]
    fields = [json.dumps(spec) for spec in specs]
    assert '"field": "inputs"' in fields[0] and '"field": "status"' in fields[0]  # the padded batch
    assert all('"filter": "datum.final"' in f for f in fields[1:3])           # with and without lengths
    assert '"field": "difference"' in fields[3]


def test_moving_a_length_slider_changes_the_numbers():
    at = open_page("lengths")
    before = _table(at, "state_with")
    at.slider(key="len1").set_value(2).run()
    assert_clean(at)
    assert _lengths(at) == [2, 2, 2, 2]
    after = _table(at, "state_with")
    w = init_weights(3, 5, seed=42)
    np.testing.assert_array_equal(after, run_manual(LESSON_X, w, sequence_length=[2, 2, 2, 2]).state)
    assert np.abs(after[1] - before[1]).max() > 0.1
    # no padding left: told or not, the network computes the same thing
    assert _metrics(at)["Largest |without − with| in the outputs"] == 0.0
    np.testing.assert_array_equal(after, _table(at, "state_without"))


def test_lengths_above_the_steps_are_clamped_with_a_note():
    at = open_page("lengths", {"steps": "1"})
    assert _lengths(at) == [1, 1, 1, 1]
    notes = [i.value for i in at.info]
    assert any("examples 0, 2, 3 is taken as 1" in n for n in notes), notes
    assert at.slider(key="len0").value == 2  # the chosen length is kept for when the steps grow again


def test_other_inputs_come_from_the_seed():
    at = open_page("lengths", {"inputs": "2", "steps": "4", "seed": "7", "len0": "4", "len2": "0"})
    lengths = [4, 1, 0, 2]
    assert _lengths(at) == lengths
    X = ragged.padded(ragged.raw_inputs(4, 4, 2, seed=7), np.array(lengths))
    w = init_weights(2, 5, seed=7)
    np.testing.assert_array_equal(_table(at, "state_with"), run_manual(X, w, sequence_length=lengths).state)
    np.testing.assert_array_equal(_table(at, "state_without"), run_manual(X, w).state)
    assert any("drawn from the seed (7)" in m.value for m in at.markdown)


def test_hostile_url_values_give_the_notice_and_the_defaults():
    at = open_page("lengths", {"len0": "999", "len1": "-3", "len2": "abc", "len3": "nan", "lenX": "1",
                               "steps": ["2", "3"]})
    assert [at.slider(key=f"len{i}").value for i in range(4)] == BOOK_LENGTHS
    assert at.slider(key="steps").value == 2
    (notice,) = [w.value for w in at.warning]
    for part in ("`len0=999` must be between 0 and 20", "`len1=-3`", "`len2=abc` is not a number",
                 "`len3=nan`", "`lenX` is not a setting", "`steps` was given 2 times"):
        assert part in notice, part
    assert _lengths(at) == BOOK_LENGTHS


def test_ragged_batch_button_loads_the_preset():
    at = open_page("lengths")
    at.button(key="lengths_ragged").click().run()
    assert_clean(at)
    assert at.slider(key="steps").value == 6
    assert _lengths(at) == [6, 3, 1, 5]
    X = ragged.padded(ragged.raw_inputs(4, 6, 3, seed=42), np.array([6, 3, 1, 5]))
    np.testing.assert_array_equal(_table(at, "state_with"),
                                  run_manual(X, init_weights(), sequence_length=[6, 3, 1, 5]).state)
    at.button(key="lengths_lesson").click().run()
    assert_clean(at)
    assert _lengths(at) == BOOK_LENGTHS and at.slider(key="steps").value == 2


def test_pin_compare_and_unpin():
    at = open_page("lengths")
    assert at.button(key="lengths_unpin").disabled
    at.button(key="lengths_pin").click().run()
    assert_clean(at)
    assert any("Changed since the pin: nothing yet" in m.value for m in at.markdown)
    assert _metrics(at)["Largest |current − baseline| in the outputs"] == 0.0

    at.slider(key="len1").set_value(2).run()
    assert_clean(at)
    assert any("lengths [2, 1, 2, 2] → [2, 2, 2, 2]" in m.value for m in at.markdown)
    w = init_weights(3, 5, seed=42)
    baseline = run_manual(LESSON_X, w, sequence_length=BOOK_LENGTHS)
    current = run_manual(LESSON_X, w, sequence_length=[2, 2, 2, 2])
    metrics = _metrics(at)
    assert metrics["Largest |current − baseline| in the outputs"] == pytest.approx(
        np.abs(current.outputs - baseline.outputs).max(), abs=1e-6)
    assert metrics["Largest |current − baseline| in the final state"] == pytest.approx(
        np.abs(current.state - baseline.state).max(), abs=1e-6)
    assert len(at.get("vega_lite_chart")) == 6  # plus the dashed baseline and the difference heatmap

    at.slider(key="steps").set_value(3).run()  # a change of shape: compared on the common steps
    assert_clean(at)
    assert any("steps: 2 in the baseline, 3 now, compared on the first 2" in i.value for i in at.info)

    at.button(key="lengths_unpin").click().run()
    assert_clean(at)
    assert not any("Changed since the pin" in m.value for m in at.markdown)
    assert len(at.get("vega_lite_chart")) == 4


def test_dynamic_rnn_agrees_when_asked():
    at = open_page("lengths", {"len1": "2", "len2": "0", "steps": "3"})
    at.button(key="lengths_run_tf").click().run()
    assert_clean(at)
    check = _frame(at, "tf_check")
    assert check["dynamic_rnn"].tolist() == ["with sequence_length", "without"]
    assert (check.drop(columns="dynamic_rnn").to_numpy() <= 1e-5).all()
    assert any("agrees with the NumPy loop" in s.value for s in at.success)
    # relu's outputs grow large here (tens): agreement is then judged relative to the values
    at.selectbox(key="activation").set_value("relu").run()
    at.button(key="lengths_run_tf").click().run()
    assert_clean(at)
    assert _table(at, "state_without").max() > 10
    assert any("agrees with the NumPy loop" in s.value for s in at.success)
    assert not at.error


def test_each_outputs_chart_saves_as_svg_and_png(default_page):
    buttons = [b for b in default_page.get("download_button") if b.label.startswith("Save chart")]
    assert [b.proto.id.rsplit("-", 1)[-1] for b in buttons] == [
        f"chart_lengths_outputs_{told}_lengths_{extension}" for told in ("with", "without") for extension in ("svg", "png")]
    (element,) = [c for c in default_page.get("arrow_vega_lite_chart") + default_page.get("vega_lite_chart")
                  if "Y[t] with lengths" in c.proto.spec]
    spec = json.loads(element.proto.spec) | {"datasets": {d.name: d.data.data for d in element.proto.datasets}}
    texts = {t.text for t in ElementTree.fromstring(exports.chart_svg(spec)).iter("{http://www.w3.org/2000/svg}text")}
    assert {"Y[t] with lengths", "Example", "Time step t", "Neuron", "Y[t]"} <= texts


def test_the_final_state_text_follows_the_lengths():
    from dashboard.sections.lengths import final_state_text

    text = final_state_text(np.array([6, 3, 0, 5]))
    assert "example 0: t = 5; example 1: t = 2; example 2: zeros; example 3: t = 4." in text
