"""The class page and the projector view through AppTest: an instructor and three students run a question end
to end; the secret leaves the address at once; refusals stay on screen; destructive actions ask first."""
import csv
import io

import pyarrow as pa

from tests.apptest import assert_clean, open_page
from dashboard.sections import classroom as section
from dashboard.state import classroom
from rnncore.lesson.questions import QUESTIONS

SECRETS = section.SECRETS


def _instructor():
    at = open_page("class")
    at.button(key="class_start").click().run()
    assert_clean(at)
    code = at.query_params["code"]
    assert "secret" not in at.query_params  # never in the address bar
    secret = at.session_state[SECRETS][code]
    assert len(code) == 6 and len(secret) >= 22
    assert any(f"Join code: `{code}`" in m.value for m in at.markdown)
    [saved] = [c for c in at.code if secret in c.value]  # the instructor link, offered once
    assert f"code={code}" in saved.value
    at.button(key="class_saved_link").click().run()
    assert not [c for c in at.code if secret in c.value]
    return at, code, secret


def _student(code, nickname=""):
    at = open_page("class", {"code": code})
    at.text_input(key="class_join_nickname").set_value(nickname).run()
    at.button(key="class_join").click().run()
    assert_clean(at)
    assert at.query_params["student"]
    return at


def _ask(teacher, question_id):
    teacher.selectbox(key="class_question").set_value(question_id).run()
    teacher.button(key="class_ask").click().run()
    assert_clean(teacher)


def _chart_rows(at) -> list[dict]:
    [chart] = at.get("vega_lite_chart")
    [dataset] = [d for d in chart.proto.datasets if d.data.data]
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()


def test_a_question_end_to_end_with_three_students():
    teacher, code, secret = _instructor()
    students = [_student(code) for _ in range(3)]
    _ask(teacher, "memory.exploding")
    for at, answer in zip(students, ("above", "below", "above")):
        at.run()
        at.radio(key="class_answer_1").set_value(answer).run()
        at.button(key="class_send_1").click().run()
        assert_clean(at)
        assert any(f"Answer received: {answer}" in s.value for s in at.success)
    students[1].radio(key="class_answer_1").set_value("above").run()   # changed until the reveal
    students[1].button(key="class_send_1").click().run()
    teacher.run()
    assert [m.value for m in teacher.metric] == ["3"]
    assert not teacher.get("vega_lite_chart")  # nothing shown before the reveal
    assert not any(b.key == "class_reveal" for at in students for b in at.button)
    teacher.button(key="class_reveal").click().run()
    truth = QUESTIONS["memory.exploding"].truth()
    for at in [teacher, *students]:
        at.run()
        assert_clean(at)
        assert any(f"The answer:** {truth}" in s.value for s in at.success)
        assert {r["answer"]: r["count"] for r in _chart_rows(at)} == {"above": 3, "below": 0}
        [link] = at.get("page_link")
        assert link.proto.page == "memory" and "mem_radius=1.1" in link.proto.query_string
    for at in students:  # each sees their own verdict
        assert any("Your answer:** above" in m.value and ("right" in m.value) for m in at.markdown)


def test_the_instructor_link_reopens_the_panel_on_the_open_question_and_leaves_the_address():
    teacher, code, secret = _instructor()
    _ask(teacher, "memory.exploding")
    again = open_page("class", {"code": code, "secret": secret})  # the saved link, in a fresh tab
    assert "secret" not in again.query_params and again.query_params["code"] == code
    assert again.selectbox(key="class_question").value == "memory.exploding"
    assert any(b.key == "class_reveal" for b in again.button)
    assert not [c for c in again.code if secret in c.value]  # not offered again


def test_a_wrong_secret_cannot_reveal_and_gets_a_message():
    teacher, code, secret = _instructor()
    at = open_page("class", {"code": code, "secret": "x" * 32})
    assert any("instructor link cannot be used" in w.value for w in at.warning)
    assert "secret" not in at.query_params
    assert not any(b.key in ("class_reveal", "class_ask", "class_end") for b in at.button)


def test_the_projector_shows_the_code_and_the_question_and_no_control():
    teacher, code, secret = _instructor()
    _ask(teacher, "by_hand.weight_count")
    projector = open_page("projector", {"code": code})
    shown = " ".join(h.proto.body for h in projector.get("html"))
    assert code in shown and secret not in shown
    assert any(QUESTIONS["by_hand.weight_count"].prompt in m.value for m in projector.markdown)
    assert not projector.button and not projector.get("download_button")


def test_a_made_up_join_code_gets_a_message():
    at = open_page("class")
    at.text_input(key="class_join_code").set_value("ZZZZZZ").run()
    at.button(key="class_join").click().run()
    assert_clean(at)
    assert at.warning and "student" not in at.query_params


def test_a_nickname_that_would_be_refused_is_refused_at_join_with_the_reason():
    teacher, code, secret = _instructor()
    at = open_page("class", {"code": code})
    at.text_input(key="class_join_nickname").set_value("Ada\u202e").run()
    at.button(key="class_join").click().run()
    assert "student" not in at.query_params and any("U+202E" in w.value for w in at.warning)
    family = _student(code, "👨\u200d👩\u200d👧")  # a joined emoji, as a phone types it
    _ask(teacher, "by_hand.weight_count")
    family.run()
    family.text_input(key="class_answer_1").set_value("45").run()
    family.button(key="class_send_1").click().run()
    assert any("Answer received: 45." in s.value for s in family.success)
    assert "👨\u200d👩\u200d👧" in section.room().summary_csv(code, secret)


def test_a_number_is_shown_as_taken_and_a_refusal_stays_through_the_refresh():
    teacher, code, secret = _instructor()
    _ask(teacher, "by_hand.weight_count")
    at = _student(code)
    at.run()
    for typed, said in (("1e309", "too large"), ("NaN", "not a number the lab can use"), ("3,5", "comma")):
        at.text_input(key="class_answer_1").set_value(typed)
        at.button(key="class_send_1").click().run()
        assert any(said in w.value for w in at.warning), typed
        at.run()  # the 2-second refresh, or any other rerun, keeps it
        assert any(said in w.value for w in at.warning), typed
    at.text_input(key="class_answer_1").set_value("١٢٣").run()  # Arabic-Indic digits: the student acted
    assert not at.warning
    at.button(key="class_send_1").click().run()
    assert any("Answer received: 123." in s.value for s in at.success)
    at.text_input(key="class_answer_1").set_value("999999999999")  # "%g" showed 1e+12
    at.button(key="class_send_1").click().run()
    assert any("Answer received: 999999999999." in s.value for s in at.success)
    at.text_input(key="class_answer_1").set_value("1000000000001")  # past the lab's bound: said, not rounded
    at.button(key="class_send_1").click().run()
    assert any("1000000000001 is too large" in w.value for w in at.warning)


def test_a_new_question_over_an_unrevealed_one_and_end_ask_first():
    teacher, code, secret = _instructor()
    _ask(teacher, "memory.exploding")
    _ask(teacher, "by_hand.weight_count")  # the first is still open
    assert any("has not been revealed" in w.value for w in teacher.warning)
    assert section.room().current_question(code).number == 1
    teacher.button(key="class_ask_cancel").click().run()
    assert section.room().current_question(code).number == 1
    teacher.button(key="class_ask").click().run()
    teacher.button(key="class_ask_confirm").click().run()
    assert section.room().current_question(code).question_id == "by_hand.weight_count"
    teacher.button(key="class_end").click().run()
    assert any("End the session for everyone?" in w.value for w in teacher.warning)
    section.room().check_instructor(code, secret)  # not ended yet
    teacher.button(key="class_end_confirm").click().run()
    assert_clean(teacher)
    assert len(teacher.get("download_button")) == 2


def test_ending_gives_the_csvs_and_the_link_stops_working():
    teacher, code, secret = _instructor()
    _ask(teacher, "by_hand.weight_count")
    student = _student(code)
    student.text_input(key="class_answer_1").set_value("45").run()
    student.button(key="class_send_1").click().run()
    teacher.button(key="class_end").click().run()
    teacher.button(key="class_end_confirm").click().run()
    assert_clean(teacher)
    every_answer, summary = teacher.session_state["_class_ended_csv"]
    assert list(csv.DictReader(io.StringIO(every_answer)))[0]["answer"] == "45"
    assert list(csv.DictReader(io.StringIO(summary)))[0]["answers"] == "1"
    again = open_page("class", {"code": code, "secret": secret})
    assert any("ended" in w.value for w in again.warning)


def test_an_answer_the_database_did_not_take_says_so_and_goes_through_on_retry(monkeypatch):
    teacher, code, secret = _instructor()
    _ask(teacher, "memory.exploding")
    at = _student(code)
    at.run()
    real, calls = classroom.Classroom.answer, []

    def down_once(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 1:  # what the store raises when PostgreSQL is restarting (tests/test_classroom.py)
            raise classroom.NotSaved("not saved: the class's database did not answer, try again")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(classroom.Classroom, "answer", down_once)
    at.radio(key="class_answer_1").set_value("above").run()
    at.button(key="class_send_1").click().run()
    assert_clean(at)
    assert any("Not saved" in w.value and "try again" in w.value for w in at.warning)
    at.run()  # the refresh keeps it
    assert any("Not saved" in w.value for w in at.warning) and not at.success
    at.button(key="class_send_1").click().run()
    assert not at.warning and any("Answer received: above" in s.value for s in at.success)
