"""The text lab page through AppTest: "hello" needs a state, the numbers are rnncore's, the text and its link."""
from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.apptest import assert_clean, open_page
from dashboard.sections import text_lab as view
from dashboard.settings import SETTINGS
from rnncore import text as chars
from rnncore.tf import chars_model
from rnncore.lesson.chars_codegen import notebook_code

QUESTION = "predict_text_lab.stateless_after_l"
TRAIN_TIMEOUT_S = 120  # the first run in the process loads TensorFlow


def trained_page(query: dict | None = None, predict: str | None = None):
    """The page after Train, polled until the run is shown; with `predict`, that choice committed (else
    the question skipped)."""
    at = open_page("text_lab", query)
    at.button(key="text_train").click().run()
    assert_clean(at)
    deadline = time.monotonic() + TRAIN_TIMEOUT_S
    while not any(c.value.startswith("Trained in") for c in at.caption):
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.3)
        at.run()
        assert_clean(at)
    if predict is None:
        at.button(key=f"{QUESTION}_skip").click().run()
    else:
        at.radio(key=QUESTION).set_value(predict)
        at.button(key=f"{QUESTION}_commit").click().run()
    assert_clean(at)
    return at


@pytest.fixture(scope="module")
def hello():
    return trained_page()


def test_the_page_opens_at_its_defaults_and_trains_nothing():
    at = open_page("text_lab")
    assert at.text_area(key="text").value == "hello"
    assert at.selectbox(key="text_cell").value == "SimpleRNN"
    assert (at.slider(key="text_units").value, at.slider(key="text_epochs").value) == (16, 100)
    assert any("Press **Train**" in info.value for info in at.info)
    assert not at.dataframe and not at.get("arrow_vega_lite_chart") and not at.get("vega_lite_chart")


def test_on_hello_the_rnn_predicts_every_next_character_and_the_stateless_model_cannot(hello):
    table = hello.dataframe[0].value
    assert list(table["read"]) == list("hell") and list(table["next"]) == list("ello")
    assert list(table["RNN guess"]) == list("ello")                         # every next character
    assert (table["RNN p(next)"] > 0.95).all()
    assert list(table["stateless guess"]) != list("ello")                   # the two "l"s look the same
    assert table["stateless guess"][2] == table["stateless guess"][3]
    assert table["stateless p(next)"][2] == pytest.approx(0.5, abs=0.05)
    metrics = {m.label: m.value for m in hello.metric}
    assert metrics["RNN: next characters right"] == "4 of 4"
    assert metrics["Stateless: next characters right"] != "4 of 4"


def test_the_table_holds_rnncores_numpy_numbers_for_the_same_run(hello):
    run = chars_model.train("hello")  # the same settings, trained again here: the same weights (seeded)
    ids = chars.encode("hello").ids
    rnn, stateless = chars.forward(run.rnn, ids[:-1]), chars.forward_stateless(run.stateless, ids[:-1])
    table = hello.dataframe[0].value
    np.testing.assert_allclose(table["RNN p(next)"], rnn.probs[np.arange(4), ids[1:]], atol=1e-6)
    np.testing.assert_allclose(table["stateless p(next)"], stateless.probs[np.arange(4), ids[1:]], atol=1e-6)
    assert table["RNN top 3"][2].startswith("l 1.000")


def test_the_charts_and_the_notebook_code_follow_the_run(hello):
    codes = [c.value for c in hello.code]
    assert notebook_code("hello", "SimpleRNN", 16, 100, 42).strip() in codes
    assert any(c.startswith("h") and len(c) == 1 + SETTINGS["text_sample_chars"].default for c in codes)
    assert len(hello.get("arrow_vega_lite_chart") + hello.get("vega_lite_chart")) == 3  # loss, state, neuron


def test_the_table_waits_for_a_prediction():
    at = open_page("text_lab")
    at.button(key="text_train").click().run()
    deadline = time.monotonic() + TRAIN_TIMEOUT_S
    while not any(c.value.startswith("Trained in") for c in at.caption):
        assert time.monotonic() < deadline
        time.sleep(0.3)
        at.run()
    assert not at.dataframe and any("appears once you commit" in c.value for c in at.caption)
    at.radio(key=QUESTION).set_value('"l", almost surely')
    at.button(key=f"{QUESTION}_commit").click().run()
    assert_clean(at)
    assert at.dataframe and any("not quite" in m.value for m in at.markdown)


def test_the_csv_holds_every_probability_tidily():
    run = chars_model.train("hello", epochs=3)
    reading = view.reading(("csv test",), run)
    frame = pd.read_csv(io.BytesIO(view.probabilities_csv(reading)), keep_default_na=False)
    assert len(frame) == 2 * 4 * 4 and set(frame["model"]) == {"RNN", "stateless"}
    np.testing.assert_allclose(frame.groupby(["model", "position"])["probability"].sum(), 1, atol=1e-6)
    assert list(frame[frame["is_next"]]["candidate"][:4]) == list("ello")


@pytest.mark.parametrize("bad", ["", "h", "a\tb", "bell\x07", "zero\u200bwidth", "\u202eevil"])
def test_bad_text_gives_a_message_and_no_train_button(bad):
    at = open_page("text_lab")
    at.text_area(key="text").input(bad).run()
    assert_clean(at)
    assert any("cannot be trained on" in e.value for e in at.error), bad
    assert at.button(key="text_train").disabled


def test_a_preset_button_fills_the_text_and_the_link():
    at = open_page("text_lab")
    at.button(key="text_preset_2").click().run()
    assert at.text_area(key="text").value == "mississippi"
    assert at.query_params["text"] == "mississippi"


def test_a_links_text_is_used_and_a_typed_one_is_written():
    at = open_page("text_lab", {"text": "abracadabra"})
    assert at.text_area(key="text").value == "abracadabra" and not at.warning
    at.text_area(key="text").input("banana").run()
    assert at.query_params["text"] == "banana"
    at.text_area(key="text").input("x" * 301).run()                      # too long for a link
    assert_clean(at)
    assert "text" not in at.query_params
    assert any("longer than the 300 characters a link carries" in c.value for c in at.caption)


@pytest.mark.parametrize("linked, reason", [("x" * 301, "a link carries at most 300"),
                                            ("a\tb", "printable"), ("h", "2..2000")])
def test_a_links_bad_text_gets_a_notice_and_the_default(linked, reason):
    at = open_page("text_lab", {"text": linked})
    notice = " ".join(w.value for w in at.warning)
    assert "`text=" in notice and reason in notice and "using the default 'hello'" in notice
    assert at.text_area(key="text").value == "hello"


TEXTS = st.one_of(st.text(max_size=40), st.text(st.characters(codec="utf-8"), min_size=1990, max_size=2010),
                  st.sampled_from(["", "\x00", "🙂🙂", "שלום עולם", "\u202eabc", "x" * 10_000, "a\r\nb"]))


def test_any_typed_text_gives_the_page_or_a_message(record_property):
    """Hypothesis over the text box: empty, 10 kB, control characters, emoji, right-to-left text. The box
    takes no more than 2,000 characters (a longer paste leaves it as it was, as AppTest and the browser's
    maxlength do); the page then shows rnncore's reason to refuse, or a Train button."""
    tried = []

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(typed=TEXTS)
    def case(typed):
        tried.append(typed)
        at = open_page("text_lab")
        at.text_area(key="text").input(typed).run()
        assert_clean(at)
        kept = typed if len(typed) <= chars.MAX_TEXT_CHARS else SETTINGS["text"].default
        assert at.text_area(key="text").value == kept
        refused = view.problem_with(kept) is not None
        assert any("cannot be trained on" in e.value for e in at.error) == refused
        assert at.button(key="text_train").disabled == refused

    case()
    record_property("tried", f"{len(tried)} typed texts")


def test_stop_ends_a_long_run_and_keeps_nothing():
    at = open_page("text_lab", {"text": "ab" * 150, "text_cell": "GRU", "text_units": 64, "text_epochs": 200})
    at.button(key="text_train").click().run()
    at.button(key="text_stop").click().run()
    deadline = time.monotonic() + TRAIN_TIMEOUT_S
    while not any("was stopped" in w.value for w in at.warning):
        assert time.monotonic() < deadline, "the run did not stop"
        time.sleep(0.3)
        at.run()
        assert_clean(at)


def test_the_state_heatmap_spells_the_text_under_one_row_per_neuron():
    run = chars_model.train("hello", units=3, epochs=2)
    reading = view.reading(("heatmap test",), run)
    spec = view.state_spec(("heatmap test",), reading)
    cells, letters = spec["layer"]
    assert cells["encoding"]["y"]["scale"]["domain"] == ["h0", "h1", "h2", "text"]
    assert [t["field"] for t in cells["encoding"]["tooltip"]] == ["position", "char", "neuron", "value"]
    assert letters["mark"]["type"] == "text" and letters["encoding"]["text"]["field"] == "char"
    colour = view.neuron_spec(("heatmap test",), 1, reading)["layer"][0]["encoding"]["color"]
    assert colour["scale"]["domain"] == [-1.0, 1.0] and colour["field"] == "value"
