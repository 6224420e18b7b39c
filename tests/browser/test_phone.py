"""Every experiment page's predict-first question at a phone's viewport (390 x 844): reachable without
opening the sidebar, answerable with a tap, revealed after the commit, and no sideways scrolling."""
from __future__ import annotations

import re

import pytest

from rnncore.lesson.questions import QUESTIONS
from tests.browser.live import LiveApp

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ASKED = {"by_hand": "by_hand.zero_input", "unrolling": "unrolling.static_ops", "lengths": "lengths.final_state",
         "memory": "memory.exploding", "keras_lab": "keras_lab.lstm_weights", "gated": "gated.pulse_20",
         "bptt": "bptt.largest_dWy"}
MIN_TAP_PX = 32


def key_class(key: str) -> str:
    """The CSS class Streamlit gives a keyed element: `st-key-` and the key, each character outside
    [A-Za-z0-9_-] made a dash (so a question id's dot is a dash)."""
    return ".st-key-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)


  # a finger needs about this much (Apple asks for 44 pt; Streamlit's buttons are ~38 px)


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
    yield context
    context.close()


@pytest.mark.parametrize("page_name", ASKED)
def test_the_predict_question_works_on_a_phone(app, phone, page_name):
    question = QUESTIONS[ASKED[page_name]]
    page = phone.new_page()
    try:
        app.open(page, page_name)
        assert page.locator("[data-testid='stSidebar'][aria-expanded='true']").count() == 0
        if question.choices:
            page.locator(key_class(f"predict_{question.id}")).get_by_text(question.choices[0], exact=True).tap()
        else:
            page.locator(key_class(f"predict_{question.id}") + " input").fill("1")
            page.keyboard.press("Enter")
            app.wait(page)
        commit = page.locator(key_class(f"predict_{question.id}_commit")).get_by_role("button")
        assert commit.bounding_box()["height"] >= MIN_TAP_PX
        commit.tap()
        app.wait(page)
        page.get_by_text("The answer:", exact=False).first.wait_for(state="visible")
        app.assert_clean(page)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), \
            f"{page_name} scrolls sideways on a phone"
    finally:
        page.close()
