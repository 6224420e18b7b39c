"""A class session in real browsers: an instructor and 12 students (4 at a phone's viewport) run two
questions end to end on a live server, which is restarted between some answers and the reveal; on
SQLite and on PostgreSQL (the `db_url` fixture starts a throwaway PostgreSQL server)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.postgres import db_url, postgres_server  # noqa: F401  (fixtures)
from dashboard.state import store
from dashboard.state.classroom import Classroom
from rnncore.lesson.questions import QUESTIONS
from tests.browser.conftest import free_port, running_server
from tests.browser.live import LiveApp, wait_until

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
STUDENTS, ON_PHONES = 12, 4
FIRST, SECOND = "by_hand.zero_input", "memory.exploding"  # FIRST is the question the picker starts on
POLL_TIMEOUT_S = 60


def _wait_for_text(page, text: str, timeout_s: float = POLL_TIMEOUT_S) -> None:
    page.get_by_text(text, exact=False).first.wait_for(state="visible", timeout=timeout_s * 1000)


def _answers_so_far(page) -> str:
    value = page.locator("[data-testid='stMetricValue']")
    return value.first.inner_text().strip() if value.count() else ""


def _answer(page, number: int, choice: str) -> None:
    _wait_for_text(page, f"Question {number}:")
    page.locator(f".st-key-class_answer_{number}").get_by_text(choice, exact=True).click()
    page.locator(f".st-key-class_send_{number}").get_by_role("button").click()
    _wait_for_text(page, f"Answer received: {choice}")


def _href(page) -> str:
    """The address bar: Streamlit writes query parameters with history.replaceState, which page.url misses."""
    return page.evaluate("location.href")


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_class_runs_two_questions_and_survives_a_restart(browser, db_url, tmp_path):  # noqa: F811
    port = free_port()
    env = {"RECURRENCE_LAB_DATABASE_URL": db_url}
    log = tmp_path / "streamlit.log"
    contexts = []
    server = running_server(log, env, port)
    base_url = server.__enter__()
    try:
        app = LiveApp(base_url)
        teacher_context = browser.new_context(viewport={"width": 1280, "height": 1000})
        contexts.append(teacher_context)
        teacher = teacher_context.new_page()
        app.open(teacher, "class")
        teacher.get_by_role("button", name="Start a class session").click()
        wait_until(lambda: "secret=" in _href(teacher), what="the instructor link")
        code = re.search(r"code=([A-Z0-9]{6})", _href(teacher)).group(1)
        app.wait(teacher)
        _wait_for_text(teacher, f"Join code: {code}")

        students = []
        for i in range(STUDENTS):
            context = browser.new_context(viewport=PHONE if i < ON_PHONES else {"width": 1024, "height": 800})
            context.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
            contexts.append(context)
            page = context.new_page()
            app.open(page, "class", f"code={code}")
            page.get_by_role("button", name="Join").click()
            wait_until(lambda p=page: "student=" in _href(p), what="a student id in the link")
            _wait_for_text(page, "You have joined")
            students.append(page)

        # Question 1: every student answers; the instructor's count grows without a reload.
        teacher.get_by_role("button", name=re.compile("Ask the class")).click()
        _wait_for_text(teacher, "Question 1:")
        choices = QUESTIONS[FIRST].choices
        given = [choices[i % 3 == 0] for i in range(STUDENTS)]  # a third say one thing, the rest the other
        for i, (page, choice) in enumerate(zip(students, given)):
            _answer(page, 1, choice)
            if i + 1 in (1, STUDENTS // 2):
                wait_until(lambda n=i + 1: _answers_so_far(teacher) == str(n), what=f"the live count {i + 1}")
        wait_until(lambda: _answers_so_far(teacher) == str(STUDENTS), what="all answers counted")
        for page in students:
            assert page.get_by_role("button", name=re.compile("Reveal")).count() == 0  # only the instructor
        phone = students[0]
        assert _fits_the_screen(phone), "the phone view scrolls sideways"
        phone.screenshot(path=str(SCREENSHOTS / "class_phone.png"), full_page=True)
        teacher.get_by_role("button", name="Reveal the answer to everyone").click()
        truth = QUESTIONS[FIRST].truth()
        for page in [teacher, *students]:
            _wait_for_text(page, f"The answer: {truth}")
            _wait_for_text(page, f"{STUDENTS} answers; {given.count(truth)} right.")
        teacher.screenshot(path=str(SCREENSHOTS / "class_instructor.png"), full_page=True)

        # Question 2: half answer, the server restarts, the rest answer, then the reveal.
        picker = teacher.locator(".st-key-class_question input")
        picker.click()
        picker.fill("A linear cell")
        teacher.keyboard.press("Enter")
        teacher.get_by_role("button", name=re.compile("Ask the class")).click()
        _wait_for_text(teacher, "Question 2:")
        second = [QUESTIONS[SECOND].choices[i % 2] for i in range(STUDENTS)]
        for page, choice in zip(students[:STUDENTS // 2], second):
            _answer(page, 2, choice)
        server.__exit__(None, None, None)
        store.dispose(db_url)
        server = running_server(log, env, port)
        server.__enter__()
        for page in [teacher, *students]:  # each browser reconnects by itself and reruns its link
            app.wait(page)
        for page, choice in zip(students[STUDENTS // 2:], second[STUDENTS // 2:]):
            _answer(page, 2, choice)
        for page, choice in zip(students[:STUDENTS // 2], second):  # their answers outlived the restart
            _wait_for_text(page, f"Answer received: {choice}")
        wait_until(lambda: _answers_so_far(teacher) == str(STUDENTS), what="all answers counted after the restart")
        teacher.get_by_role("button", name="Reveal the answer to everyone").click()
        truth = QUESTIONS[SECOND].truth()
        for page in [teacher, *students]:
            _wait_for_text(page, f"{STUDENTS} answers; {second.count(truth)} right.")
        for page in [teacher, *students]:
            LiveApp.assert_clean(page)
        results = Classroom(store.make_engine(db_url)).results(code, 2)
        assert sorted(results.values) == sorted(second)
        assert sorted(Classroom(store.make_engine(db_url)).results(code, 1).values) == sorted(given)
    finally:
        for context in contexts:
            context.close()
        server.__exit__(None, None, None)
