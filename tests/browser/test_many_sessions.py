"""A class at once: 20 browser sessions on one live server, each with its own settings in its link.

Every session must show its own numbers (checked against rnncore directly), keep them while the other
sessions run, and the server must still answer its health check afterwards. The sessions are separate
browser contexts (separate cookies and storage, as separate students); their links are opened in
batches so that each batch's scripts run on the server at the same time.
"""
from __future__ import annotations

import pytest

from rnncore.config import AGREEMENT as TF1_AGREEMENT
from tests.browser.live import LiveApp, expected_y, healthy, shown_y, slider

pytestmark = pytest.mark.browser

SESSIONS = 20
BATCH = 10              # sessions whose scripts the server runs concurrently


def student_settings(i: int) -> dict:
    """Different settings for student i: seed, steps, and which output the equation shows."""
    steps = 1 + i % 6
    return {"seed": 100 + 37 * i, "steps": steps, "example": i % 4, "step": (i * 7) % steps,
            "neuron": i % 5, "tf1_check": "true" if i % 4 == 0 else "false"}  # TF1 tables are heavy to draw


def check_student(page, settings: dict) -> float:
    """The page shows this student's settings and rnncore's number for them; returns that number."""
    LiveApp.assert_clean(page)
    assert "could not be used" not in page.locator("[data-testid='stMain']").inner_text()
    for key in ("seed", "steps"):
        assert slider(page, key).input_value() == str(settings[key]), key
    y = shown_y(page)
    expected = expected_y(settings["seed"], settings["steps"], settings["example"], settings["step"],
                          settings["neuron"])
    assert abs(y - expected) <= 1e-6, (settings, y, expected)
    if settings["tf1_check"] == "true":  # the lesson's TF1 graph, built in this session's own tf.Graph
        largest = float(page.locator("[data-testid='stMetricValue']").first.inner_text())
        assert largest < TF1_AGREEMENT, (settings, largest)
    return y


def test_twenty_students_each_get_their_own_numbers(app, browser, live_server, record_property):
    students = []  # (context, page, settings)
    try:
        for first in range(0, SESSIONS, BATCH):
            opened = []
            for i in range(first, min(first + BATCH, SESSIONS)):
                settings = student_settings(i)
                context = browser.new_context(viewport={"width": 1000, "height": 700})
                context.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
                page = context.new_page()
                query = "&".join(f"{key}={value}" for key, value in settings.items())
                page.goto(f"{app.base_url}/by_hand?{query}", wait_until="commit")  # don't wait: open them all
                opened.append((context, page, settings))
                students.append((context, page, settings))
            for _, page, settings in opened:
                app.wait(page)
                check_student(page, settings)

        shown = [shown_y(page) for _, page, _ in students]
        assert len(set(shown)) > SESSIONS // 2, f"too few distinct numbers for distinct settings: {shown}"
        for (_, page, settings), y in zip(students, shown):  # after everyone ran, nobody's page changed
            assert check_student(page, settings) == y
        assert healthy(live_server)
        record_property("tried", f"{SESSIONS} concurrent sessions (batches of {BATCH}) on one server, each with "
                                 f"rnncore's number for its own settings; "
                                 f"{sum(s['tf1_check'] == 'true' for _, _, s in students)} also ran the TF1 graph")
    finally:
        for context, _, _ in students:
            context.close()
