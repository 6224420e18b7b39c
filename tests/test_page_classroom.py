"""The class page through AppTest: an instructor and three students run a question end to end."""
import json

import pyarrow as pa

from tests.apptest import assert_clean, open_page
from rnncore.lesson.questions import QUESTIONS


def _instructor():
    at = open_page("class")
    at.button(key="class_start").click().run()
    assert_clean(at)
    code, secret = at.query_params["code"], at.query_params["secret"]
    assert len(code) == 6 and len(secret) >= 22
    assert any(f"Join code: `{code}`" in m.value for m in at.markdown)
    return at, code, secret


def _student(code):
    at = open_page("class", {"code": code})
    at.button(key="class_join").click().run()
    assert_clean(at)
    assert at.query_params["student"]
    return at


def _chart_rows(at) -> list[dict]:
    [chart] = at.get("vega_lite_chart")
    [dataset] = [d for d in chart.proto.datasets if d.data.data]
    return pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()


def test_a_question_end_to_end_with_three_students():
    teacher, code, secret = _instructor()
    students = [_student(code) for _ in range(3)]
    teacher.selectbox(key="class_question").set_value("memory.exploding").run()
    teacher.button(key="class_ask").click().run()
    assert_clean(teacher)
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


def test_a_wrong_secret_cannot_reveal_and_gets_a_message():
    teacher, code, secret = _instructor()
    at = open_page("class", {"code": code, "secret": "x" * 32})
    assert any("instructor link cannot be used" in w.value for w in at.warning)
    assert not any(b.key == "class_reveal" for b in at.button)


def test_a_made_up_join_code_gets_a_message():
    at = open_page("class")
    at.text_input(key="class_join_code").set_value("ZZZZZZ").run()
    at.button(key="class_join").click().run()
    assert_clean(at)
    assert at.warning and "student" not in at.query_params


def test_ending_gives_the_csv_and_the_link_stops_working():
    teacher, code, secret = _instructor()
    teacher.selectbox(key="class_question").set_value("by_hand.weight_count").run()
    teacher.button(key="class_ask").click().run()
    student = _student(code)
    student.number_input(key="class_answer_1").set_value(45).run()
    student.button(key="class_send_1").click().run()
    teacher.button(key="class_end").click().run()
    assert_clean(teacher)
    [download] = [d for d in teacher.get("download_button")]
    again = open_page("class", {"code": code, "secret": secret})
    assert any("ended" in w.value for w in again.warning)
    assert json.dumps(QUESTIONS["by_hand.weight_count"].id) and download
