"""Links through the real app: a preset or settings in the URL reproduce a run; hostile values do no harm."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from streamlit.testing.v1 import AppTest

from tests.apptest import APP, FIRST_RENDER_TIMEOUT, assert_clean, open_page
from dashboard.sections.by_hand import TABLES
from dashboard import ragged
from dashboard.presets import PRESETS
from dashboard.registry import BY_PATH
from rnncore import init_weights, run_manual
from rnncore.lesson.codegen import float_literal
from rnncore.config import RNNWeights
from rnncore.tf.graphs import measure
from rnncore.lesson.book import LESSON_X, book_weights

BOOK_TABLE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "homl_ch14_manual_rnn.json"
NO_TF = {"tf1_check": "false"}  # the by-hand page's TF1 comparison imports TensorFlow: not needed here
HOSTILE = {"steps": "999999", "seed": "-5", "scale": "nan", "neurons": "abc", "batch": ["2", "3"],
           "foo": "1", "preset": "nonsense"}
HOSTILE_NOTICES = ("`steps=999999` must be between", "`seed=-5` must be between", "`scale=nan`",
                   "`neurons=abc` is not a number", "`batch` was given 2 times", "`foo` is not a setting",
                   "`preset=nonsense` is not a preset")


def by_hand_outputs(at) -> np.ndarray:
    """The by-hand page's NumPy result table (a row per (t, example), a column per neuron) as
    (batch, steps, neurons) float32, opening the tables' expander first (closed, they are not drawn)."""
    if TABLES not in at.session_state or not at.session_state[TABLES]:
        at.session_state[TABLES] = True
        at.run()
    table = [d for d in at.dataframe if d.editing_mode == "read_only"][0].value
    steps = int(table.index.get_level_values("t").max()) + 1
    values = table.to_numpy(np.float32)
    return values.reshape(steps, values.shape[0] // steps, -1).transpose(1, 0, 2)


def notice(at) -> str:
    (found,) = [w.value for w in at.warning if "could not be used" in w.value]
    return found


def test_the_lesson_preset_reproduces_the_lessons_run():
    at = open_page("by_hand", {"preset": "lesson"} | NO_TF)
    np.testing.assert_array_equal(by_hand_outputs(at), run_manual(LESSON_X, init_weights(3, 5, seed=42)).outputs)
    assert at.slider(key="steps").value == 2 and at.selectbox(key="weights").value == "seeded"


def test_the_book_preset_reproduces_the_books_printed_table():
    at = open_page("by_hand", {"preset": "book"} | NO_TF)
    outputs = by_hand_outputs(at)
    np.testing.assert_array_equal(outputs, run_manual(LESSON_X, book_weights()).outputs)
    printed = json.loads(BOOK_TABLE.read_text())
    np.testing.assert_allclose(outputs[:, 0], printed["Y0"], atol=1e-5)
    np.testing.assert_allclose(outputs[:, 1], printed["Y1"], atol=1e-5)
    at.session_state["by_hand_take_away"] = True  # the notebook code is made once its expander is open
    at.run()
    code = "\n".join(c.value for c in at.code)  # the notebook code embeds the book's exact weights
    assert float_literal(book_weights().Wy[4, 0]) in code and "preset=book" in code


def test_a_preset_opened_on_the_overview_holds_on_the_page_the_student_goes_to():
    at = AppTest.from_file(APP, default_timeout=FIRST_RENDER_TIMEOUT)
    at.query_params.update({"preset": "book", "presenter": "1"} | NO_TF)
    at.run()
    del at.query_params["preset"], at.query_params["presenter"]  # a page switch drops unbound parameters
    at.switch_page(BY_PATH["by_hand"].script).run()
    assert_clean(at)
    np.testing.assert_array_equal(by_hand_outputs(at), run_manual(LESSON_X, book_weights()).outputs)
    link = [c.value for c in at.code if "preset=" in c.value][0]  # written back into the URL
    assert "preset=book" in link and "presenter=1" in link


def test_a_setting_in_the_link_overrides_the_preset():
    at = open_page("by_hand", {"preset": "book", "scale": "0.5", "activation": "linear"} | NO_TF)
    book = book_weights()
    half = RNNWeights(book.Wx * np.float32(0.5), book.Wy * np.float32(0.5), book.b, "linear")
    np.testing.assert_array_equal(by_hand_outputs(at), run_manual(LESSON_X, half).outputs)
    link = [c.value for c in at.code if "preset=" in c.value][0]
    assert "preset=book" in link and "scale=0.5" in link and "activation=linear" in link


def test_hostile_values_on_the_by_hand_page_give_the_notice_and_the_defaults():
    at = open_page("by_hand", HOSTILE | NO_TF)
    text = notice(at)
    for part in HOSTILE_NOTICES:
        assert part in text, part
    np.testing.assert_array_equal(by_hand_outputs(at), run_manual(LESSON_X, init_weights()).outputs)


def lengths_state(at) -> tuple[list[int], np.ndarray]:
    """The lengths page's "with sequence_length" final-state table: lengths and the neuron columns."""
    frame = at.dataframe[0].value
    return frame["length"].tolist(), frame[[c for c in frame.columns if c.startswith("neuron")]].to_numpy(np.float32)


def ragged_state(steps: int, lengths: list[int], seed: int = 42) -> np.ndarray:
    X = ragged.padded(ragged.raw_inputs(len(lengths), steps, 3, seed), np.array(lengths))  # (batch, steps, inputs)
    return run_manual(X, init_weights(3, 5, seed=seed), sequence_length=lengths).state


def test_the_ragged_preset_reproduces_a_ragged_run():
    at = open_page("lengths", {"preset": "ragged"})
    lengths, state = lengths_state(at)
    assert lengths == [6, 3, 1, 5] and at.slider(key="steps").value == 6
    np.testing.assert_array_equal(state, ragged_state(6, [6, 3, 1, 5]))


def test_a_bad_value_under_a_preset_falls_back_to_the_presets_value():
    at = open_page("lengths", {"preset": "ragged", "len0": "999", "len1": "2", "seed": "7"})
    assert "`len0=999` must be between 0 and 20; using the default 6" in notice(at)
    lengths, state = lengths_state(at)
    assert lengths == [6, 2, 1, 5]
    np.testing.assert_array_equal(state, ragged_state(6, [6, 2, 1, 5], seed=7))


@pytest.mark.parametrize("query", [
    HOSTILE,
    {"len0": "1e308", "len1": "1.5", "len2": "２", "len3": "0x2", "preset": ["ragged", "lesson"]},
    {"steps": "", "preset": "", "presenter": "yes", "": "1"},
])
def test_hostile_values_on_the_lengths_page_give_the_notice_and_the_defaults(query):
    at = open_page("lengths", query)
    assert "could not be used" in notice(at)
    lengths, state = lengths_state(at)
    assert lengths == [2, 1, 2, 2]
    np.testing.assert_array_equal(state, run_manual(LESSON_X, init_weights(), sequence_length=[2, 1, 2, 2]).state)


@pytest.mark.parametrize("name,grows", [("fading", False), ("exploding", True)])
def test_the_memory_presets_fade_or_explode(name, grows):
    at = open_page("memory", {"preset": name})
    assert at.selectbox(key="activation").value == "linear"
    assert at.slider(key="mem_radius").value == PRESETS[name].settings["mem_radius"]
    first, last = (float(m.value) for m in at.metric[:2])  # ‖Y[0]‖ and ‖Y[T-1]‖ after one pulse
    assert (last > first) == grows


def test_the_long_preset_shows_static_rnn_growing_to_50_steps():
    at = open_page("unrolling", {"preset": "long"})
    assert at.slider(key="unr_max_steps").value == 50 and at.selectbox(key="unr_metric").value == "Operations"
    shown = {m.label: int(m.value) for m in at.metric}
    static, dynamic = (measure(path, 50, init_weights(), run=False).op_count for path in ("static", "dynamic"))
    assert shown == {"static_rnn, 50 steps": static, "dynamic_rnn, 50 steps": dynamic}
    assert static > 2 * dynamic  # the point of the preset: one copy of the cell per step


def test_the_ragged_preset_for_a_presenter_folds_other_controls_and_exports_the_run():
    at = open_page("lengths", {"preset": "ragged", "presenter": "1"})
    (more,) = [e for e in at.sidebar.expander if e.label == "More settings"]
    folded = {s.key for s in more.slider} | {s.key for s in more.selectbox}
    assert folded == {"batch", "inputs", "neurons", "seed", "scale", "activation"}  # steps stays in view
    at.session_state["lengths_take_away"] = True  # the notebook code is made once its expander is open
    at.run()
    code = "\n".join(c.value for c in at.code)
    assert "lengths = np.array([6, 3, 1, 5], dtype=np.int32)" in code and "preset=ragged" in code


def test_a_copy_of_the_checkout_links_its_own_pages_while_dashboard_is_imported_from_another(tmp_path):
    """A checkout run with a virtualenv made in another copy (`pip install -e` there): app.py is this copy's,
    `import dashboard` finds the other. Links were built from the imported package's file paths, which name
    the other copy's views, and Streamlit refused them (StreamlitPageNotFoundError)."""
    import shutil

    import dashboard

    copy = tmp_path / "checkout" / "dashboard"
    shutil.copytree(Path(APP).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert copy not in Path(dashboard.__file__).parents  # the package resolves to the original checkout
    at = AppTest.from_file(str(copy / "app.py"), default_timeout=FIRST_RENDER_TIMEOUT)
    at.query_params.update(NO_TF)
    at.switch_page(BY_PATH["by_hand"].script).run()
    at.button(key="predict_by_hand.zero_input_skip").click().run()  # the answer, and the experiment's link
    assert_clean(at)
    [link] = [link for link in at.get("page_link") if link.proto.label == "Open the experiment with these settings"]
    assert link.proto.page == "by_hand" and link.proto.query_string
    at.switch_page(BY_PATH["overview"].script).run()
    assert_clean(at)
    assert {link.proto.page for link in at.get("page_link")} == set(BY_PATH) - {"overview"}


def test_a_link_with_another_pages_setting_says_so_and_names_this_pages_own():
    at = open_page("keras_lab", {"seed": "7", "lab_units": "8"})
    assert "`seed` is a setting of Recurrence by hand" in notice(at) and "Here *Seed* is `lab_seed`" in notice(at)
    assert at.slider(key="lab_seed").value == 42 and at.slider(key="lab_units").value == 8


def test_settings_carried_over_from_the_previous_page_are_no_mistake_of_the_student():
    at = open_page("memory", {"seed": "7", "mem_steps": "40"})
    assert not at.warning
    at.switch_page(BY_PATH["keras_lab"].script).run()  # a page switch carries the bound settings for a run
    assert_clean(at)
    assert not any("could not be used" in w.value for w in at.warning), [w.value for w in at.warning]


def test_a_link_to_no_page_opens_the_overview_with_a_notice():
    at = AppTest.from_file(APP, default_timeout=FIRST_RENDER_TIMEOUT)
    at.switch_page(BY_PATH["overview"].script)
    at._page_hash = "no_such_page"  # what a browser's /no_such_page resolves to: a page Streamlit does not have
    at.run()
    assert_clean(at)
    assert at.title[0].value == "Recurrence Lab"
    assert any("does not have" in w.value and "overview" in w.value for w in at.warning), [w.value for w in at.warning]
    at.switch_page(BY_PATH["memory"].script).run()
    assert not any("does not have" in w.value for w in at.warning)
