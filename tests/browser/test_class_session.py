"""A class session in real browsers: an instructor and 12 students (4 at a phone's viewport) run two
questions end to end on a live server, which is restarted between some answers and the reveal (the
instructor reopens the panel from the saved link); then the instructor sends the class to the experiment and
brings it back. On SQLite with the whole class, and on PostgreSQL (the `db_url` fixture starts a throwaway
PostgreSQL server) with four students, two at a phone's size: that run checks the store, not the class's
size. Students act at once, as a class does: every page is sent its action, then each is waited for."""
from __future__ import annotations

import re
import time
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
CLASS = {"sqlite": (12, 4), "postgresql": (4, 2)}  # (students, of whom at a phone's size) per database
FIRST, SECOND = "by_hand.zero_input", "memory.exploding"  # FIRST is the question the picker starts on
POLL_TIMEOUT_S = 60


def _wait_for_text(page, text: str, timeout_s: float = POLL_TIMEOUT_S) -> None:
    page.get_by_text(text, exact=False).first.wait_for(state="visible", timeout=timeout_s * 1000)


def _answers_so_far(page) -> str:
    value = page.locator("[data-testid='stMetricValue']")
    return value.first.inner_text().strip() if value.count() else ""


def _answer_all(pages, number: int, choices) -> None:
    """Each page answers question `number` with its choice, all sent before any acknowledgement is awaited."""
    for page, choice in zip(pages, choices):
        _wait_for_text(page, f"Question {number}:")
        page.locator(f".st-key-class_answer_{number}").get_by_text(choice, exact=True).click()
        page.locator(f".st-key-class_send_{number}").get_by_role("button").click()
    for page, choice in zip(pages, choices):
        _wait_for_text(page, f"Answer received: {choice}")


def _href(page) -> str:
    """The address bar: Streamlit writes query parameters with history.replaceState, which page.url misses."""
    return page.evaluate("location.href")


def saved_link(teacher) -> str:
    """The instructor link the panel offers once, as the instructor would copy it."""
    _wait_for_text(teacher, "Save your instructor link now")
    link = teacher.locator("[data-testid='stCode']").first.inner_text().strip()
    assert "secret=" in link and "secret=" not in _href(teacher)
    return link


def start_class(app, teacher) -> tuple[str, str]:
    """Start a session on `teacher`'s page: (join code, the saved instructor link)."""
    app.open(teacher, "class")
    teacher.get_by_role("button", name="Start a class session").click()
    wait_until(lambda: "code=" in _href(teacher), what="the join code in the link")
    code = re.search(r"code=([A-Z0-9]{6})", _href(teacher)).group(1)
    link = saved_link(teacher)
    teacher.get_by_role("button", name="I have saved it").click()
    _wait_for_text(teacher, f"Join code: {code}")
    return code, link


def join(app, page, code: str, then_shown: str = "You have joined") -> None:
    join_all(app, [page], code, then_shown)


def join_all(app, pages, code: str, then_shown: str = "You have joined") -> None:
    """Every page opens the join link and presses Join, at once; then each is waited for."""
    for page in pages:
        page.goto(f"{app.base_url}/class?code={code}", wait_until="commit")
    for page in pages:
        app.wait(page)
        page.get_by_role("button", name="Join").click()
    for page in pages:
        wait_until(lambda p=page: "student=" in _href(p), what="a student id in the link")
        _wait_for_text(page, then_shown)


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_class_runs_two_questions_and_survives_a_restart(browser, db_url, tmp_path):  # noqa: F811
    class_size, on_phones = CLASS[db_url.split(":", 1)[0].split("+", 1)[0]]
    port = free_port()
    env = {"RECURRENCE_LAB_DATABASE_URL": db_url}
    log = tmp_path / "streamlit.log"
    contexts = []
    server = running_server(log, env, port)
    base_url = server.__enter__()
    try:
        app = LiveApp(base_url)
        teacher_context = browser.new_context(viewport={"width": 1280, "height": 1000})
        teacher_context.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)  # a loaded machine: clicks can wait
        contexts.append(teacher_context)
        teacher = teacher_context.new_page()
        code, link = start_class(app, teacher)

        students = []
        for i in range(class_size):
            context = browser.new_context(viewport=PHONE if i < on_phones else {"width": 1024, "height": 800})
            context.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
            contexts.append(context)
            students.append(context.new_page())
        join_all(app, students, code)

        # Question 1: every student answers; the instructor's count grows without a reload.
        teacher.get_by_role("button", name=re.compile("Ask the class")).click()
        _wait_for_text(teacher, "Question 1:")
        choices = QUESTIONS[FIRST].choices
        given = [choices[i % 3 == 0] for i in range(class_size)]  # a third say one thing, the rest the other
        for start, stop in ((0, 1), (1, class_size // 2), (class_size // 2, class_size)):  # the count grows, live
            _answer_all(students[start:stop], 1, given[start:stop])
            wait_until(lambda n=stop: _answers_so_far(teacher) == str(n), what=f"the live count {stop}")
        for page in students:
            assert page.get_by_role("button", name=re.compile("Reveal")).count() == 0  # only the instructor
        phone = students[0]
        assert _fits_the_screen(phone), "the phone view scrolls sideways"
        phone.screenshot(path=str(SCREENSHOTS / "class_phone.png"), full_page=True, timeout=120_000)
        teacher.get_by_role("button", name="Reveal the answer to everyone").click()
        truth = QUESTIONS[FIRST].truth()
        for page in [teacher, *students]:
            _wait_for_text(page, f"The answer: {truth}")
            _wait_for_text(page, f"{class_size} answers; {given.count(truth)} right.")
        teacher.screenshot(path=str(SCREENSHOTS / "class_panel.png"), full_page=True, timeout=120_000)

        # Question 2: half answer, the server restarts, the rest answer, then the reveal.
        picker = teacher.locator(".st-key-class_question input")
        picker.click()
        picker.fill("A linear cell")
        teacher.keyboard.press("Enter")
        teacher.get_by_role("button", name=re.compile("Ask the class")).click()
        _wait_for_text(teacher, "Question 2:")
        second = [QUESTIONS[SECOND].choices[i % 2] for i in range(class_size)]
        _answer_all(students[:class_size // 2], 2, second)
        server.__exit__(None, None, None)
        store.dispose(db_url)
        server = running_server(log, env, port)
        server.__enter__()
        for page in students:  # each browser reconnects by itself and reruns its link
            app.wait(page)
        # The panel's secret lived in the old process's session: the saved link reopens it, on question 2.
        teacher.goto(link)
        app.wait(teacher)
        wait_until(lambda: "secret=" not in _href(teacher), what="the secret out of the address bar")
        _wait_for_text(teacher, "Question 2:")
        assert "A linear cell" in teacher.locator(".st-key-class_question input").input_value()  # on question 2
        _answer_all(students[class_size // 2:], 2, second[class_size // 2:])
        for page, choice in zip(students[:class_size // 2], second):  # their answers outlived the restart
            _wait_for_text(page, f"Answer received: {choice}")
        wait_until(lambda: _answers_so_far(teacher) == str(class_size), what="all answers counted after the restart")
        teacher.get_by_role("button", name="Reveal the answer to everyone").click()
        truth = QUESTIONS[SECOND].truth()
        for page in [teacher, *students]:
            _wait_for_text(page, f"{class_size} answers; {second.count(truth)} right.")

        # Follow the instructor: every student's screen opens the experiment with its settings, then returns.
        teacher.get_by_role("button", name="Send the class to this experiment").click()
        sent = time.monotonic()
        for page in students:
            _wait_for_text(page, "Your instructor sent the class here")
            assert "/memory?" in _href(page) and "mem_radius=1.1" in _href(page)
        print(f"{class_size} students followed in {time.monotonic() - sent:.1f} s")  # the class screens' poll, on a loaded machine
        for page in students:
            app.wait(page)
            LiveApp.assert_clean(page)
        teacher.get_by_role("button", name="Bring everyone back").click()
        for page in students:
            wait_until(lambda p=page: "/class?" in _href(p), what="a student back in the class")
            _wait_for_text(page, "Question 2:")
        for page in [teacher, *students]:
            LiveApp.assert_clean(page)
        results = Classroom(store.make_engine(db_url)).results(code, 2)
        assert sorted(results.values) == sorted(second)
        assert sorted(Classroom(store.make_engine(db_url)).results(code, 1).values) == sorted(given)
    except BaseException:
        print("The server's log, to its last 6,000 characters:\n", log.read_text()[-6000:])  # shown on failure
        raise
    finally:
        for context in contexts:
            context.close()
        server.__exit__(None, None, None)
