"""Predict first: the answer stays hidden until the student commits (or skips), then truth beside guess."""
import functools
import tempfile
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.apptest import assert_clean, open_page
from rnncore.lesson.questions import QUESTIONS


HARNESS = """
import streamlit as st

from dashboard import registry
from dashboard.sections import predict

# the pages a question links to, registered as app.py registers them; a blank page of its own comes first
st.navigation([st.Page(lambda: None, title="here", default=True)]
              + [registry.st_page(page.url_path) for page in registry.PAGES if not page.default], position="hidden")
st.text(f"revealed={predict.predict_first(%r)}")
"""


@functools.cache
def _harness_folder() -> Path:
    """A folder for the harness scripts with `views/` beside them, as the entry script has its views."""
    folder = Path(tempfile.mkdtemp(prefix="predict-harness-"))
    (folder / "views").symlink_to(Path(__file__).resolve().parents[1] / "dashboard" / "views")
    return folder


def _open(question_id) -> AppTest:
    script = _harness_folder() / f"{question_id.replace('.', '_')}.py"
    script.write_text(HARNESS % question_id)
    at = AppTest.from_file(str(script), default_timeout=60)
    at.run()
    assert_clean(at)
    return at


def _box_text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_a_choice_is_hidden_until_committed_then_shown_beside_the_truth():
    at = _open("memory.exploding")
    assert at.text[0].value == "revealed=False"
    assert "The answer" not in _box_text(at)
    at.radio(key="predict_memory.exploding").set_value("below").run()
    at.button(key="predict_memory.exploding_commit").click().run()
    assert_clean(at)
    truth = QUESTIONS["memory.exploding"].truth()
    assert at.text[0].value == "revealed=True"
    text = _box_text(at)
    assert f"**Your prediction:** below · **The answer:** {truth}" in text
    assert ("not quite" in text) == (truth != "below")
    assert QUESTIONS["memory.exploding"].explanation in text
    [link] = at.get("page_link")
    assert link.proto.page == "memory" and "mem_radius=1.1" in link.proto.query_string
    at.button(key="predict_memory.exploding_again").click().run()
    assert at.text[0].value == "revealed=False"


def test_a_number_is_checked_within_the_questions_tolerance():
    at = _open("by_hand.weight_count")
    at.number_input(key="predict_by_hand.weight_count").set_value(45).run()
    at.button(key="predict_by_hand.weight_count_commit").click().run()
    assert "**Your prediction:** 45 · **The answer:** 45 (:green[:material/check_circle: right])" in _box_text(at)


def test_committing_nothing_gives_a_message_and_keeps_the_answer_hidden():
    at = _open("by_hand.weight_count")
    at.button(key="predict_by_hand.weight_count_commit").click().run()
    assert_clean(at)
    assert at.text[0].value == "revealed=False"
    assert any("cannot be used: the answer is a number" in w.value for w in at.warning)


def test_skip_reveals_the_answer_without_a_prediction():
    at = _open("lengths.final_state")
    at.button(key="predict_lengths.final_state_skip").click().run()
    assert at.text[0].value == "revealed=True"
    assert f"**The answer:** {QUESTIONS['lengths.final_state'].truth()}." in _box_text(at)
    assert "Your prediction" not in _box_text(at)


def test_the_by_hand_page_hides_its_try_sentence_until_a_prediction():
    at = open_page("by_hand", {"tf1_check": "false"})
    assert not any("Yet its outputs at t = 1 below are not zero" in m.value for m in at.markdown)
    at.radio(key="predict_by_hand.zero_input").set_value("Yes: all zero").run()
    at.button(key="predict_by_hand.zero_input_commit").click().run()
    assert_clean(at)
    assert any("Yet its outputs at t = 1 below are not zero" in m.value for m in at.markdown)
    assert any("not quite" in m.value for m in at.markdown)


def test_a_note_says_when_the_page_is_not_at_the_questions_settings():
    from dashboard.sections.predict import settings_note

    question = QUESTIONS["lengths.final_state"]
    assert settings_note(question, dict(question.settings)) is None
    note = settings_note(question, {**question.settings, "steps": 6, "len1": 3, "unrelated": 1})
    assert "steps 6 (the question's: 2)" in note and "len1 3 (the question's: 1)" in note
    assert "unrelated" not in note and "len0" not in note
