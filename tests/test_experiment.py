"""Weights from settings, the export panel and the share link (small AppTest scripts)."""
from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import experiment
from rnncore.config import init_weights
from rnncore.lesson.book import book_weights

LAYER = {"inputs": 3, "neurons": 5, "seed": 42, "scale": 1.0, "activation": "tanh"}


def test_seeded_weights_are_init_weights():
    w = experiment.weights_from_settings(LAYER | {"seed": 7, "scale": 0.5, "activation": "relu"})
    want = init_weights(3, 5, seed=7, scale=0.5, activation="relu")
    assert w.activation == "relu" and np.array_equal(w.Wx, want.Wx) and np.array_equal(w.Wy, want.Wy)
    assert np.array_equal(experiment.weights_from_settings(LAYER).Wy, init_weights().Wy)  # no `weights` key


def test_book_weights_are_the_books_times_the_scale():
    book = book_weights()
    w = experiment.weights_from_settings(LAYER | {"weights": "book"})
    assert np.array_equal(w.Wx, book.Wx) and np.array_equal(w.Wy, book.Wy) and not w.b.any()
    half = experiment.weights_from_settings(LAYER | {"weights": "book", "scale": 0.5, "activation": "linear"})
    assert np.array_equal(half.Wy, book.Wy * np.float32(0.5)) and half.activation == "linear"
    with pytest.raises(ValueError, match="3 inputs and 5 neurons"):
        experiment.weights_from_settings(LAYER | {"weights": "book", "neurons": 4})


def test_origin_says_where_the_weights_came_from():
    assert experiment.origin(LAYER) == "Recurrence Lab's init_weights, seed 42, scale 1"
    assert experiment.origin(LAYER | {"weights": "book"}).startswith("the book's weights")
    assert experiment.origin(LAYER | {"weights": "book", "scale": 2.0}).endswith("times scale 2")


def _panel_script():
    import streamlit as st

    from dashboard import experiment
    from rnncore.manual import run_manual
    from rnncore.lesson.book import LESSON_X, book_weights

    w = book_weights()
    run = experiment.Run.of(LESSON_X, w, run_manual(LESSON_X, w, [2, 1, 0, 2]), [2, 1, 0, 2], origin="the book")
    experiment.export_panel(run, "test")
    st.slider("Seed", 0, 9999, 42, key="seed", bind="query-params")
    experiment.share_link()


def test_export_panel_offers_every_file_and_both_notebook_styles():
    at = AppTest.from_function(_panel_script, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.get("download_button") and not at.tabs  # closed: nothing made, nothing drawn
    at.session_state["test_take_away"] = True  # the student opens it
    at.run()
    buttons = at.get("download_button")
    assert len(buttons) == 6
    assert {b.proto.label for b in buttons} == {"Inputs (CSV)", "Weights (CSV)", "Outputs (CSV)",
                                                 "States (CSV)", "All (NPZ)", "All (JSON)"}
    code = [c.value for c in at.code]
    assert any("v1.nn.dynamic_rnn" in c and "lengths = np.array([2, 1, 0, 2]" in c for c in code)
    assert any("keras.layers.SimpleRNN" in c for c in code)
    assert [t.label for t in at.tabs] == list(experiment.STYLES.values())


def test_share_link_holds_the_settings_and_leaves_out_unknown_keys():
    at = AppTest.from_function(_panel_script, default_timeout=30)
    at.query_params.update({"seed": "7", "preset": "lesson", "junk": "1", "x": "abc"})
    at.run()
    assert not at.exception
    link = at.code[-1].value  # no browser here, so no address: the query alone
    assert link.startswith("?") and "seed=7" in link and "preset=lesson" in link and "x=abc" in link
    assert "junk" not in link


def test_share_link_at_the_defaults_says_so():
    at = AppTest.from_function(_panel_script, default_timeout=30)
    at.run()
    assert "no settings in the link" in at.code[-1].value


def _chart_script():
    from dashboard import experiment

    # A spec that vl-convert refuses (it names outside data): rendering the buttons must not convert it.
    experiment.chart_download({"data": {"url": "https://example.com/data.csv"}, "mark": "point"}, "test", "demo")


def test_chart_download_offers_svg_and_png_and_draws_nothing_until_clicked():
    at = AppTest.from_function(_chart_script, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Save chart as SVG", "Save chart as PNG"]
    assert [b.proto.id.rsplit("-", 1)[-1] for b in buttons] == ["chart_test_demo_svg", "chart_test_demo_png"]


def _layer_script():
    import streamlit as st

    from dashboard import experiment

    w = experiment.layer_weights({"inputs": 3, "neurons": 4, "seed": 42, "scale": 1.0, "activation": "tanh",
                                  "weights": "book"})
    st.text(f"{w.n_inputs}x{w.n_neurons} {float(w.Wx[0, 0])!r}")


def test_book_weights_that_do_not_fit_give_a_warning_and_seeded_weights():
    at = AppTest.from_function(_layer_script, default_timeout=30)
    at.run()
    assert not at.exception
    assert "3 inputs and 5 neurons" in at.warning[0].value
    assert at.text[0].value == f"3x4 {float(init_weights(3, 4, seed=42).Wx[0, 0])!r}"


def _notebook_script():
    import streamlit as st

    from dashboard import experiment
    from rnncore.lesson import notebooks
    from rnncore.lesson.book import LESSON_X, book_weights
    from rnncore.manual import run_manual

    def make():
        st.session_state["built"] = st.session_state.get("built", 0) + 1  # counts the builds
        w = book_weights()
        result = run_manual(LESSON_X, w)
        return notebooks.layer_notebook(LESSON_X, w, result.outputs, result.state, origin="the book")

    experiment.notebook_download("test", make)


def test_notebook_download_offers_an_ipynb_and_builds_nothing_until_clicked():
    at = AppTest.from_function(_notebook_script, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    [button] = at.get("download_button")
    assert button.proto.label == "Download as a Jupyter notebook"
    assert button.proto.deferred_file_id and not button.proto.url  # made when clicked, not on every rerun
    assert "built" not in at.session_state
