"""dashboard.state.classroom on SQLite and on a real PostgreSQL server: a class runs two questions end to end, every
abuse rule refuses with ClassroomError and changes nothing, answers survive a killed process and a restart, two
engines share one class, 8 students answer at once, codes expire, answers are rate-limited; Hypothesis tries join
codes, answers and nicknames (the counts are recorded with record_property)."""
from __future__ import annotations

import csv
import io
import math
import os
import socket
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.at_once import at_once
from tests.postgres import crash_postgres, db_url, postgres_server  # noqa: F401  (fixtures)

from dashboard.state import classroom, store
from dashboard.state.classroom import (ANSWERS_PER_WINDOW, RATE_WINDOW_S, REFUSED_CATEGORIES, SESSION_LIFETIME_S,
                               Classroom, ClassroomError)

ROOT = Path(__file__).resolve().parents[1]
CHOICES = ["above", "below"]


class Clock:
    """Unix seconds that move only when told, plus 1 ms per reading (so answers have an order)."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def room(db_url, clock):
    return Classroom(store.engine(db_url), clock)


def snapshot(db) -> dict:
    """Every row of every table: a refused request must leave this unchanged."""
    with store.transaction(db, write=False) as conn:
        return {table.name: sorted(map(tuple, conn.execute(sa.select(table)).all()), key=repr)
                for table in store.metadata.sorted_tables}


def class_with_question(room, choices=None, truth=12.5):
    new = room.start_session()
    room.set_question(new.code, new.secret, "q", {"steps": 100}, truth, choices)
    return new


def test_a_class_runs_two_questions_end_to_end(room):
    new = room.start_session()
    assert len(new.code) == 6 and set(new.code) <= set(classroom.JOIN_ALPHABET) and len(new.secret) >= 22
    pupils = [room.join(code) for code in (new.code, new.code.lower(), f"  {new.code} ")]  # as typed on phones
    assert len(set(pupils)) == 3 and room.current_question(new.code) is None
    room.check_instructor(new.code, new.secret)

    assert room.set_question(new.code, new.secret, "memory-norm", {"rho": 1.1}, "above", CHOICES) == 1
    shown = room.current_question(new.code)
    assert (shown.number, shown.choices, shown.revealed, shown.truth) == (1, ("above", "below"), False, None)
    room.answer(new.code, pupils[0], "below", nickname="Ada", question=1)
    room.answer(new.code, pupils[1], "above")
    assert room.answer_count(new.code) == 2
    with pytest.raises(ClassroomError, match="after the reveal"):
        room.results(new.code)
    revealed = room.reveal(new.code, new.secret)
    assert revealed.question.truth == "above" and revealed.values == ("below", "above")
    assert room.results(new.code) == revealed and room.current_question(new.code).truth == "above"

    assert room.set_question(new.code, new.secret, "static-ops", {"steps": 100}, 1234, None) == 2
    assert room.answer_count(new.code) == 0
    for pupil, value in zip(pupils, (1000, 1234.5, np.float32(-2))):
        room.answer(new.code, pupil, value, question=2)
    assert room.my_answer(new.code, pupils[1]) == 1234.5
    room.reveal(new.code, new.secret)
    assert room.results(new.code).values == (1000.0, 1234.5, -2.0)
    assert room.results(new.code, question=1).values == ("below", "above")

    summary = room.end_session(new.code, new.secret)
    rows = list(csv.reader(io.StringIO(summary)))
    assert rows == [["question", "question_id", "settings", "truth", "answer", "nickname"],
                    ["1", "memory-norm", '{"rho": 1.1}', '"above"', "below", "Ada"],
                    ["1", "memory-norm", '{"rho": 1.1}', '"above"', "above", ""],
                    ["2", "static-ops", '{"steps": 100}', "1234", "1000.0", ""],
                    ["2", "static-ops", '{"steps": 100}', "1234", "1234.5", ""],
                    ["2", "static-ops", '{"steps": 100}', "1234", "-2.0", ""]]
    assert pupils[0] not in summary  # no student ids


def test_summary_lists_unanswered_questions_and_defuses_formulas(room):
    new = class_with_question(room, CHOICES, "above")
    pupil = room.join(new.code)
    room.answer(new.code, pupil, "below", nickname="=HYPERLINK(1)")
    room.set_question(new.code, new.secret, "nobody-answers", {}, None)
    rows = list(csv.reader(io.StringIO(room.summary_csv(new.code, new.secret))))
    assert rows[1][4:] == ["below", "'=HYPERLINK(1)"]
    assert rows[2] == ["2", "nobody-answers", "{}", "null", "", ""]


def test_an_answer_changes_until_the_reveal_and_never_after(room):
    new = class_with_question(room, CHOICES, "above")
    pupil = room.join(new.code)
    room.answer(new.code, pupil, "above")
    room.answer(new.code, pupil, "below", nickname="Bo")
    assert room.answer_count(new.code) == 1 and room.my_answer(new.code, pupil) == "below"
    room.reveal(new.code, new.secret)
    before = snapshot(room.db)
    with pytest.raises(ClassroomError, match="closed"):
        room.answer(new.code, pupil, "above")
    assert snapshot(room.db) == before and room.results(new.code).values == ("below",)


def test_an_answer_to_a_question_the_class_has_left_is_refused(room):
    new = class_with_question(room)
    pupil = room.join(new.code)
    room.set_question(new.code, new.secret, "next", {}, 1.0)
    with pytest.raises(ClassroomError, match="closed"):
        room.answer(new.code, pupil, 3.0, question=1)  # sent from a page still showing question 1
    assert room.answer_count(new.code) == 0


def test_students_see_neither_truth_nor_others_before_the_reveal(room):
    new = class_with_question(room, truth=99.0)
    one, other = room.join(new.code), room.join(new.code)
    room.answer(new.code, one, 5.0, nickname="Secret Sam")
    assert room.current_question(new.code).truth is None
    assert room.my_answer(new.code, other) is None
    with pytest.raises(ClassroomError):
        room.results(new.code)
    room.reveal(new.code, new.secret)
    assert "Secret Sam" not in repr(room.results(new.code))  # nor after: nicknames are for the instructor


def instructor_calls(room, code, secret):
    return {"set_question": lambda: room.set_question(code, secret, "q", {}, 1.0),
            "reveal": lambda: room.reveal(code, secret),
            "summary_csv": lambda: room.summary_csv(code, secret),
            "end_session": lambda: room.end_session(code, secret),
            "check_instructor": lambda: room.check_instructor(code, secret)}


@pytest.mark.parametrize("action", list(instructor_calls(None, "", "")))
def test_only_the_instructor_secret_acts_and_not_after_the_end(room, action):
    new, other = class_with_question(room), room.start_session()
    pupil = room.join(new.code)
    room.answer(new.code, pupil, 1.0)
    before = snapshot(room.db)
    for secret in (other.secret, pupil, new.secret[:-1] + ("A" if new.secret[-1] != "A" else "B"), "", None,
                   new.secret + "\x00", "x" * 10_000, 123):
        with pytest.raises(ClassroomError, match="only the instructor"):
            instructor_calls(room, new.code, secret)[action]()
    with pytest.raises(ClassroomError, match="unknown or expired"):
        instructor_calls(room, "ZZZZZZ" if new.code != "ZZZZZZ" else "YYYYYY", new.secret)[action]()
    assert snapshot(room.db) == before
    room.end_session(new.code, new.secret)
    ended = snapshot(room.db)
    with pytest.raises(ClassroomError, match="has ended"):  # the instructor link replayed
        instructor_calls(room, new.code, new.secret)[action]()
    assert snapshot(room.db) == ended


HOSTILE_ANSWERS = {  # a number question's answer: each refused
    "nan": math.nan, "inf": math.inf, "-inf": -math.inf, "huge": 1e13, "huge int": 10**400,
    "numpy nan": np.float64("nan"), "text": "12", "bool": True, "none": None, "list": [1.0], "complex": 1j,
    "dict": {"value": 1}, "10 kB text": "9" * 10_000}


@pytest.mark.parametrize("value", HOSTILE_ANSWERS.values(), ids=HOSTILE_ANSWERS.keys())
def test_a_bad_number_answer_changes_nothing(room, value):
    new = class_with_question(room)
    pupil = room.join(new.code)
    before = snapshot(room.db)
    with pytest.raises(ClassroomError):
        room.answer(new.code, pupil, value)
    assert snapshot(room.db) == before


@pytest.mark.parametrize("value", ["Above", "above ", "", "sideways", 1.0, None, "above\x00"])
def test_a_choice_not_offered_changes_nothing(room, value):
    new = class_with_question(room, CHOICES, "above")
    pupil = room.join(new.code)
    before = snapshot(room.db)
    with pytest.raises(ClassroomError):
        room.answer(new.code, pupil, value)
    assert snapshot(room.db) == before


@pytest.mark.parametrize("nickname", ["x" * 10_000, "x" * 41, "Ada\x00", "Ada\nBob", "\x1b[31mred", "a\u202eb",
                                      "zero\u200bwidth", "\ud800", 42, b"Ada"])
def test_a_bad_nickname_changes_nothing(room, nickname):
    new = class_with_question(room)
    pupil = room.join(new.code)
    before = snapshot(room.db)
    with pytest.raises(ClassroomError):
        room.answer(new.code, pupil, 1.0, nickname=nickname)
    assert snapshot(room.db) == before


@pytest.mark.parametrize("student", ["", "made-up-student-id-xyz", None, 7, "a" * 10_000, "../../etc/passwd"])
def test_a_made_up_student_changes_nothing(room, student):
    new = class_with_question(room)
    before = snapshot(room.db)
    with pytest.raises(ClassroomError, match="unknown student"):
        room.answer(new.code, student, 1.0)
    assert snapshot(room.db) == before


def test_a_student_of_one_class_cannot_answer_in_another(room):
    first, second = class_with_question(room), class_with_question(room)
    pupil = room.join(first.code)
    with pytest.raises(ClassroomError, match="unknown student"):
        room.answer(second.code, pupil, 1.0)


@pytest.mark.parametrize("code", ["", "ABCDE", "ABCDEFG", "ABCDE0", "ABCDEO", "ABC DE", None, 123456,
                                  "A" * 10_000, "ABCDE\x00"])
def test_a_made_up_join_code_changes_nothing(room, code):
    class_with_question(room)
    before = snapshot(room.db)
    for call in (room.join, room.current_question, room.answer_count, room.results,
                 lambda c: room.answer(c, "A" * 22, 1.0)):
        with pytest.raises(ClassroomError, match="unknown or expired"):
            call(code)
    assert snapshot(room.db) == before


def test_codes_expire_after_12_hours_and_are_purged(room, clock):
    new = class_with_question(room)
    pupil = room.join(new.code)
    room.answer(new.code, pupil, 1.0)
    clock.now += SESSION_LIFETIME_S - 1
    assert room.answer_count(new.code) == 1
    clock.now += 1
    for call in (lambda: room.join(new.code), lambda: room.answer(new.code, pupil, 2.0),
                 lambda: room.current_question(new.code), lambda: room.reveal(new.code, new.secret),
                 lambda: room.summary_csv(new.code, new.secret)):
        with pytest.raises(ClassroomError, match="unknown or expired"):
            call()
    later = room.start_session()  # deletes every expired session with its students, questions and answers
    rows = snapshot(room.db)
    assert [row[0] for row in rows["class_sessions"]] == [later.code]
    assert rows["students"] == rows["questions"] == rows["answers"] == []


def test_answers_are_rate_limited_per_student(room, clock):
    new = class_with_question(room)
    pupil, other = room.join(new.code), room.join(new.code)
    for value in range(ANSWERS_PER_WINDOW):
        room.answer(new.code, pupil, float(value))
    before = snapshot(room.db)
    with pytest.raises(ClassroomError, match="too many"):
        room.answer(new.code, pupil, 99.0)
    assert snapshot(room.db) == before
    room.answer(new.code, other, 1.0)  # another student is not held back
    clock.now += RATE_WINDOW_S
    room.answer(new.code, pupil, 99.0)
    assert room.my_answer(new.code, pupil) == 99.0


def test_the_rate_limit_holds_across_engines(db_url, clock):
    one, other = Classroom(store.make_engine(db_url), clock), Classroom(store.make_engine(db_url), clock)
    try:
        new = class_with_question(one)
        pupil = one.join(new.code)
        for value in range(ANSWERS_PER_WINDOW):
            (one, other)[value % 2].answer(new.code, pupil, float(value))
        with pytest.raises(ClassroomError, match="too many"):
            other.answer(new.code, pupil, 99.0)
    finally:
        one.db.dispose()
        other.db.dispose()


def test_two_engines_share_one_class(db_url, clock):
    one, other = Classroom(store.make_engine(db_url), clock), Classroom(store.make_engine(db_url), clock)
    try:
        new = class_with_question(one, CHOICES, "below")
        one.answer(new.code, other.join(new.code), "below")
        other.answer(new.code, one.join(new.code), "above")
        assert one.answer_count(new.code) == other.answer_count(new.code) == 2
        other.reveal(new.code, new.secret)
        assert one.results(new.code).values == ("below", "above")
    finally:
        one.db.dispose()
        other.db.dispose()


CHILD = """
import os, sys
sys.path.insert(0, sys.argv[1])
from dashboard.state.classroom import Classroom
Classroom().answer(sys.argv[2], sys.argv[3], 42.0, nickname="Kim", question=1)
print("acknowledged", flush=True)
os._exit(0)  # dies at once: no engine disposal, no clean-up
"""


def answer_in_a_child_that_dies(url: str, code: str, pupil: str) -> None:
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), code, pupil], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "RECURRENCE_LAB_DATABASE_URL": url})
    assert done.stdout == "acknowledged\n", done.stderr


def test_an_acknowledged_answer_survives_a_killed_process_and_a_restart(db_url):
    room = Classroom(store.engine(db_url))
    new = class_with_question(room)
    pupil = room.join(new.code)
    answer_in_a_child_that_dies(db_url, new.code, pupil)
    store.dispose(db_url)  # this server process restarts too
    reopened = Classroom(store.engine(db_url))
    assert reopened.answer_count(new.code) == 1
    assert reopened.reveal(new.code, new.secret).values == (42.0,)
    assert "Kim" in reopened.summary_csv(new.code, new.secret)


def test_an_acknowledged_answer_survives_a_postgresql_crash(crash_postgres):
    server, url = crash_postgres
    room = Classroom(store.engine(url))
    new = class_with_question(room)
    pupil = room.join(new.code)
    answer_in_a_child_that_dies(url, new.code, pupil)
    server.restart()  # PostgreSQL dies without a checkpoint and recovers from its WAL
    assert room.answer_count(new.code) == 1 and room.reveal(new.code, new.secret).values == (42.0,)


@pytest.mark.parametrize("choices", [None, CHOICES], ids=["number", "choice"])
def test_8_students_answering_at_once_are_counted_exactly(room, choices):
    new = class_with_question(room, choices, "above" if choices else 1.0)
    pupils = [room.join(new.code) for _ in range(8)]

    def answer(index: int) -> None:
        for attempt in range(3):  # each changes their mind twice
            value = CHOICES[(index + attempt) % 2] if choices else index + attempt
            room.answer(new.code, pupils[index], value)

    assert at_once(answer, 8) == [] and room.answer_count(new.code) == 8
    expected = [CHOICES[(index + 2) % 2] if choices else float(index + 2) for index in range(8)]
    assert sorted(room.reveal(new.code, new.secret).values) == sorted(expected)


def test_answers_racing_the_reveal_are_either_counted_or_refused(room):
    new = class_with_question(room)
    pupils = [room.join(new.code) for _ in range(8)]
    start, acknowledged = threading.Barrier(9), []

    def answer(index: int) -> None:
        start.wait()
        try:
            room.answer(new.code, pupils[index], float(index))
            acknowledged.append(float(index))
        except ClassroomError as error:
            assert "closed" in str(error)

    threads = [threading.Thread(target=answer, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    start.wait()
    room.reveal(new.code, new.secret)
    for thread in threads:
        thread.join()
    assert sorted(room.results(new.code).values) == sorted(acknowledged)  # nothing acknowledged is lost


def _deep(levels: int = 100_000):
    nested = []
    for _ in range(levels):
        nested = [nested]
    return nested


def test_the_instructor_refuses_bad_questions(room):
    new = room.start_session()
    before = snapshot(room.db)
    for bad in ({"question_id": "x" * 101}, {"question_id": "a\x00"}, {"settings": [1]},
                {"settings": {"rho": math.nan}}, {"truth": math.inf}, {"truth": "x" * 20_000},
                {"choices": ["only one"]}, {"choices": ["a", "a"]}, {"choices": "ab"}, {"choices": ["a", ""]},
                {"choices": 5}, {"choices": ["a", 1]}, {"choices": {"a": 1, "b": 2}}, {"truth": _deep()},
                {"settings": {"f": object()}}):
        args = {"question_id": "q", "settings": {}, "truth": 1.0, **bad}
        with pytest.raises(ClassroomError):
            room.set_question(new.code, new.secret, **args)
    with pytest.raises(ClassroomError, match="no question"):
        room.reveal(new.code, new.secret)
    assert snapshot(room.db) == before


def test_qr_code_of_the_join_link_is_drawn_offline(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the QR code must be drawn without the network")

    monkeypatch.setattr(socket, "socket", no_network)
    link = "http://192.168.1.20:8501/class?code=K7MPQ2"
    svg = classroom.qr_svg(link)
    assert ElementTree.fromstring(svg).tag.endswith("svg") and svg == classroom.qr_svg(link)
    assert svg != classroom.qr_svg(link + "X")
    assert classroom.qr_png(link).startswith(b"\x89PNG\r\n\x1a\n")
    for bad in ("", "javascript:alert(1)", "http://" + "x" * 600, "http://a b", None):
        with pytest.raises(ClassroomError):
            classroom.qr_svg(bad)


HYPOTHESIS = settings(max_examples=60, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NEAR_CODES = st.text(alphabet=classroom.JOIN_ALPHABET + "01ILOabcxyz -\x00é", max_size=8)


def test_hypothesis_join_codes(room, record_property):
    new = class_with_question(room)
    tried = []

    @HYPOTHESIS
    @given(code=st.one_of(NEAR_CODES, st.text(max_size=40), st.integers(), st.none(), st.binary(max_size=8)))
    def case(code):
        tried.append(code)
        if isinstance(code, str) and code.strip().upper() == new.code and len(code) <= 32:
            assert room.join(code)
            return
        before = snapshot(room.db)
        with pytest.raises(ClassroomError, match="unknown or expired"):
            room.join(code)
        assert snapshot(room.db) == before

    case()
    record_property("tried", f"{len(tried)} join codes")
    assert len(tried) >= 30


def test_hypothesis_answers_and_nicknames(room, clock, record_property):
    number_class, choice_class = class_with_question(room), class_with_question(room, CHOICES, "above")
    pupils = {number_class.code: room.join(number_class.code), choice_class.code: room.join(choice_class.code)}
    tried = {"answers": 0, "nicknames": 0}
    nicknames = st.one_of(st.none(), st.text(max_size=60),
                          st.text(st.characters(categories=("Cc", "Cf", "Cs", "Zl", "Zs", "Lu")), max_size=10))
    values = st.one_of(st.floats(), st.integers(-10**20, 10**20), st.sampled_from(CHOICES), st.text(max_size=20),
                       st.booleans(), st.none(), st.lists(st.floats(), max_size=2))

    @HYPOTHESIS
    @given(numbers=st.booleans(), value=values, nickname=nicknames)
    def case(numbers, value, nickname):
        tried["answers"] += 1
        tried["nicknames"] += nickname is not None
        clock.now += RATE_WINDOW_S  # a fresh rate-limit window for every case
        code = (number_class if numbers else choice_class).code
        if numbers:
            good_value = isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= 1e12
        else:
            good_value = value in CHOICES and isinstance(value, str)
        clean = nickname.strip() if isinstance(nickname, str) else None
        good_nickname = nickname is None or (len(clean) <= 40 and not any(
            unicodedata.category(ch) in REFUSED_CATEGORIES for ch in clean))
        before = snapshot(room.db)
        try:
            room.answer(code, pupils[code], value, nickname=nickname)
        except ClassroomError:
            assert not (good_value and good_nickname), (value, nickname)
            assert snapshot(room.db) == before
            return
        assert good_value and good_nickname, (value, nickname)
        assert room.my_answer(code, pupils[code]) == (float(value) if numbers else value)
        with store.transaction(room.db, write=False) as conn:
            stored = conn.execute(sa.select(store.answers.c.nickname).where(
                store.answers.c.student_id == pupils[code])).scalar_one()
        assert stored == (clean or None)  # exactly what was typed, trimmed; stored on both backends

    case()
    record_property("tried", f"{tried['answers']} answers, {tried['nicknames']} of them with a nickname")
    assert tried["answers"] >= 30

