"""A class session where the room sees it: the projector view and its address hold no secret and offer no
control; on phones (390x844) a refused answer's message stays, a joined emoji nickname works, a nickname with a
right-to-left override is refused at join with the reason, a new question over an unrevealed one asks first,
and the phones follow the instructor to the experiment and back.
One server on SQLite (the store's behaviour on PostgreSQL is tests/test_classroom.py's)."""
from __future__ import annotations

import re

import pytest

from rnncore.lesson.questions import QUESTIONS
from tests.browser.conftest import running_server
from tests.browser.live import LiveApp, wait_until
from tests.browser.test_class_session import PHONE, SCREENSHOTS, _href, _wait_for_text, join, start_class

pytestmark = pytest.mark.browser

CONTROLS = re.compile("Ask|Reveal|Send the class|Bring everyone|End|Download|Start a class")
FAMILY = "\U0001F468\u200d\U0001F469\u200d\U0001F467"


def _pick(teacher, question_id: str) -> None:
    picker = teacher.locator(".st-key-class_question input")
    picker.click()
    picker.fill(QUESTIONS[question_id].prompt[:30])
    teacher.keyboard.press("Enter")


def _type_answer(page, text: str) -> None:
    box = page.locator(".st-key-class_answer_1 input")
    box.fill(text)
    box.press("Enter")
    page.locator(".st-key-class_send_1").get_by_role("button").click()


def test_the_projector_and_phones(browser, tmp_path):
    with running_server(tmp_path / "streamlit.log", {"RECURRENCE_LAB_DB_PATH": str(tmp_path / "lab.sqlite3")}) \
            as base_url:
        app = LiveApp(base_url)
        contexts = [browser.new_context(viewport=PHONE) for _ in range(4)]
        try:
            for context in contexts:
                context.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
                context.set_default_navigation_timeout(LiveApp.RUN_TIMEOUT_MS)
            teacher, family, refused, spoof = (context.new_page() for context in contexts)
            code, link = start_class(app, teacher)  # the instructor on a phone too
            secret = re.search(r"secret=([A-Za-z0-9_-]+)", link).group(1)
            _pick(teacher, "by_hand.weight_count")
            teacher.get_by_role("button", name="Ask the class").click()
            _wait_for_text(teacher, "Question 1:")

            # The projector: no secret in its address or on its screen, and nothing to press.
            room = browser.new_context(viewport={"width": 1280, "height": 1400})  # tall: the chart in the screenshot
            room.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
            room.set_default_navigation_timeout(LiveApp.RUN_TIMEOUT_MS)
            contexts.append(room)
            projector = room.new_page()
            app.open(projector, "projector", f"code={code}")
            _wait_for_text(projector, QUESTIONS["by_hand.weight_count"].prompt[:40])
            assert code in projector.locator("[data-testid='stMain']").inner_text()
            assert secret not in _href(projector) and secret not in projector.content()
            assert projector.get_by_role("button", name=CONTROLS).count() == 0
            # A student holding the projected address: the join page offers only Join; a made-up secret is refused.
            app.open(projector, "class", f"code={code}")
            assert projector.get_by_role("button", name=CONTROLS).count() == 1  # "Start a class session" only
            app.open(projector, "class", f"code={code}&secret={'A' * 32}")
            _wait_for_text(projector, "instructor link cannot be used")
            assert projector.get_by_role("button", name=re.compile("Ask|Reveal|Send the class|End")).count() == 0

            # A joined emoji works; an override is refused at join, saying which character.
            app.open(family, "class", f"code={code}")
            family.locator(".st-key-class_join_nickname input").fill(FAMILY)
            family.get_by_role("button", name="Join").click()
            _wait_for_text(family, f"Answering as {FAMILY}")
            _type_answer(family, "45")
            _wait_for_text(family, "Answer received: 45.")
            app.open(spoof, "class", f"code={code}")
            spoof.locator(".st-key-class_join_nickname input").fill("Ada\u202e")
            spoof.get_by_role("button", name="Join").click()
            _wait_for_text(spoof, "U+202E")
            assert "student=" not in _href(spoof)

            # A refused answer's message outlives the 2-second refresh.
            join(app, refused, code, then_shown="Question 1:")
            _type_answer(refused, "1e309")
            _wait_for_text(refused, "too large")
            refused.wait_for_timeout(5000)
            assert refused.get_by_text("too large").first.is_visible()
            refused.screenshot(path=str(SCREENSHOTS / "class_phone_refused.png"), timeout=120_000)

            # A new question over the unrevealed one asks first; keeping it keeps question 1.
            _pick(teacher, "memory.exploding")
            teacher.get_by_role("button", name="Ask the class").click()
            _wait_for_text(teacher, "has not been revealed")
            teacher.get_by_role("button", name="Keep the open question").click()
            wait_until(lambda: teacher.get_by_text("has not been revealed").count() == 0, what="the question kept")
            _wait_for_text(family, "Question 1:")

            teacher.get_by_role("button", name="Reveal the answer to everyone").click()
            _wait_for_text(family, "Your answer: 45")

            # Follow the instructor (the 12-student round is in test_class_session.py): the phones open the
            # experiment with the question's settings, with the banner, and come back when told.
            teacher.get_by_role("button", name="Send the class to this experiment").click()
            for page in (family, refused):
                _wait_for_text(page, "Your instructor sent the class here")
                assert "/by_hand?" in _href(page) and "steps=20" in _href(page)
            teacher.get_by_role("button", name="Bring everyone back").click()
            for page in (family, refused):
                wait_until(lambda p=page: "/class?" in _href(p), what="a phone back in the class")
                _wait_for_text(page, "Question 1:")
            app.open(projector, "projector", f"code={code}")
            _wait_for_text(projector, "The answer:")
            projector.screenshot(path=str(SCREENSHOTS / "class_projector.png"), full_page=True, timeout=120_000)
            for page in (teacher, family, refused, spoof, projector):
                LiveApp.assert_clean(page)
        finally:
            for context in contexts:
                context.close()
