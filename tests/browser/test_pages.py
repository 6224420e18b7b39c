"""Every page in headless Chromium against a live `streamlit run`: it renders clean, a slider move
updates the URL, the numbers and a chart, and the moved page's link reproduces it in a fresh context.

Screenshots of each page are written to docs/screenshots/<page>.png (the README shows them).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dashboard import registry
from dashboard.inputs_table import default_canvas
from dashboard.settings import SETTINGS
from rnncore import init_weights, run_manual
from tests.browser.live import expected_y, shown_y, slider, wait_until

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
# every page but the class session, which tests/browser/test_class_session.py drives with several students
PAGES = tuple(page.url_path for page in registry.PAGES if page.url_path != "class")
URL_PATHS = {registry.DEFAULT.url_path: ""}  # the default page lives at /; /overview is "Page not found"
MAX_SCREENSHOT_HEIGHT = 9000  # px: a long page is cut here


def full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its main element, so grow the viewport to the content, then shoot."""
    height = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(max(height, 800), MAX_SCREENSHOT_HEIGHT)})
    page.wait_for_timeout(800)  # charts re-lay out to the new size
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_without_exception(app, page, name):
    app.open(page, URL_PATHS.get(name, name))
    app.assert_clean(page)
    assert page.locator("[data-testid='stMain'] h1").first.inner_text().strip(), f"{name} has no title"
    full_page_screenshot(page, SCREENSHOTS / f"{name}.png")
    app.wait(page)
    app.assert_clean(page)


def test_a_link_to_a_fresh_server_opens_inside_the_app_frame(fresh_app, page):
    """A just-started server's first visitor often comes through a shared link to a page. That page must
    run inside dashboard/app.py (its navigation with the pages' titles, its guard against failures),
    not as a stray script: Streamlit runs a `pages/` folder beside the entry file on its own until
    `st.navigation` has been called once in the process."""
    fresh_app.open(page, "by_hand", "seed=7")
    fresh_app.assert_clean(page)
    assert page.locator("[data-testid='stMain'] h1").first.inner_text().strip() == "Recurrence by hand"
    assert slider(page, "seed").input_value() == "7"
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    for title in ("Overview", "Recurrence by hand", "Static vs dynamic", "Sequence lengths"):
        assert title in nav, f"the navigation lacks {title!r}: {nav!r}"
    assert "app" not in nav.split(), f"the entry file is listed as a page: {nav!r}"


def test_slider_move_updates_url_numbers_and_chart(app, page):
    app.open(page, "by_hand")
    seed = SETTINGS["seed"].default
    assert slider(page, "seed").input_value() == str(seed)
    assert shown_y(page) == pytest.approx(expected_y(seed, 2, 0, 1, 0), abs=1e-6)
    chart = page.locator("[data-testid='stVegaLiteChart']").first
    chart_before, y_before = chart.inner_html(), shown_y(page)

    slider(page, "seed").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"**seed={seed + 1}**", timeout=30_000)
    wait_until(lambda: shown_y(page) != y_before, what="the computed Y to change")
    app.wait(page)
    app.assert_clean(page)

    assert slider(page, "seed").input_value() == str(seed + 1)
    assert shown_y(page) == pytest.approx(expected_y(seed + 1, 2, 0, 1, 0), abs=1e-6)
    wait_until(lambda: chart.inner_html() != chart_before, timeout_s=20, what="the outputs chart to redraw")


def test_link_reproduces_the_experiment_in_a_fresh_context(app, page, browser):
    app.open(page, "by_hand", "steps=5")
    slider(page, "seed").focus()
    page.keyboard.press("ArrowLeft")
    seed = SETTINGS["seed"].default - 1
    page.wait_for_url(f"**seed={seed}**", timeout=30_000)
    wait_until(lambda: shown_y(page) == pytest.approx(expected_y(seed, 5, 0, 1, 0), abs=1e-6),
               what="the moved page's numbers")
    app.wait(page)
    link, y_sent = page.url, shown_y(page)
    assert "steps=5" in link

    fresh = browser.new_context(viewport=page.viewport_size)
    try:
        other = fresh.new_page()
        other.goto(link)
        app.wait(other)
        app.assert_clean(other)
        assert slider(other, "seed").input_value() == str(seed)
        assert slider(other, "steps").input_value() == "5"
        assert shown_y(other) == y_sent
        assert np.isclose(shown_y(other), expected_y(seed, 5, 0, 1, 0), atol=1e-6)
    finally:
        fresh.close()


HOSTILE_LINK = {  # a crafted link: values that try to leave the notice's code span and draw a link or run script
    "steps": "nan",
    "seed": "`[click](https://x.yz)",
    "x`[here](https://example.org)`": "1",
    "preset": "`[go](https://x.yz)",
    "scale": "<script>window.pwned=1</script>",
}


def test_a_hostile_link_gets_a_notice_with_no_link_or_script_from_it(app, page):
    from urllib.parse import urlencode

    app.open(page, "by_hand", urlencode(HOSTILE_LINK))
    app.assert_clean(page)
    notice = page.locator("[data-testid='stAlert']", has_text="could not be used")
    assert notice.count() == 1, page.locator("[data-testid='stMain']").inner_text()[:3000]
    assert "steps=nan" in notice.inner_text()
    assert notice.locator("a").count() == 0, notice.inner_html()
    assert page.evaluate("() => window.pwned") is None
    assert slider(page, "steps").input_value() == str(SETTINGS["steps"].default)


def test_a_link_to_no_page_opens_the_overview_with_a_notice(app, page):
    app.open(page, "no_such_page")
    assert page.locator("[data-testid='stMain'] h1").first.inner_text().strip() == "Recurrence Lab"
    notice = page.locator("[data-testid='stAlert']", has_text="does not have")
    assert notice.count() == 1, page.locator("[data-testid='stMain']").inner_text()[:2000]
    assert "no_such_page" in notice.inner_text()


def test_a_page_switch_carries_no_notice_of_the_previous_pages_settings(app, page):
    """by_hand?seed=7 then the Keras lab from the navigation: Streamlit carries `seed` along for a run (the
    by-hand page's, not the lab's); it is no mistake of the student's, so no notice, then or after a move."""
    app.open(page, "by_hand", "seed=7&tf1_check=false")
    page.locator("[data-testid='stSidebarNav'] a", has_text="Keras lab").click()
    page.wait_for_url("**/keras_lab**", timeout=30_000)
    app.wait(page)
    app.assert_clean(page)
    slider(page, "lab_units").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**lab_units=**", timeout=30_000)
    app.wait(page)
    assert page.locator("[data-testid='stAlert']", has_text="could not be used").count() == 0, page.url
    assert "seed=7" not in page.url.replace("lab_seed", ""), page.url


def test_clearing_a_table_cell_gives_a_note_and_the_link_keeps_the_table(app, page, browser):
    """The by-hand input table in the browser: an emptied cell counts as 0 with a note, the numbers follow,
    and the edited table travels in the link."""
    app.open(page, "by_hand", "tf1_check=false")

    def noted() -> bool:
        return "In the input table" in page.locator("[data-testid='stMain']").inner_text()

    for attempt in range(3):  # on a loaded machine a click can land before the grid takes focus: again, then
        grid = page.locator("[data-testid='stDataFrame']").first  # the input table comes first on the page
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 20, box["y"] + 36 + 18)  # row 0 (t=0, example 0), column t
        for key in ["ArrowRight"] * 2 + ["ArrowDown"] * 4:    # to x0 of t=1, example 0 (the lesson's 9)
            page.keyboard.press(key)
        page.keyboard.press("Delete")
        try:
            wait_until(noted, timeout_s=20, what="the note on the emptied cell")
            break
        except AssertionError:
            if attempt == 2:
                raise
            app.wait(page)
    app.wait(page)
    app.assert_clean(page)
    assert "1 cell was empty or not a number: treated as 0" in page.locator("[data-testid='stMain']").inner_text()
    X = default_canvas()[:4, :2, :3].copy()
    X[0, 1, 0] = 0.0                                       # (batch, steps, inputs): t=1, example 0, x0
    expected = float(run_manual(X, init_weights(3, 5, SETTINGS["seed"].default)).outputs[0, 1, 0])
    wait_until(lambda: abs(shown_y(page) - expected) <= 1e-6, what="the computed Y for the edited table")
    assert "x=" in page.url

    fresh = browser.new_context(viewport=page.viewport_size)
    try:
        other = fresh.new_page()
        other.goto(page.url)
        app.wait(other)
        app.assert_clean(other)
        assert abs(shown_y(other) - expected) <= 1e-6
    finally:
        fresh.close()


PHONE = {"width": 390, "height": 844}  # an iPhone 12-14 in portrait, CSS pixels


def _sideways_overflow(page) -> int:
    """How many pixels the page's content is wider than the window (0: no sideways scrolling)."""
    return page.evaluate("""() => {
        const main = document.querySelector("[data-testid='stMain']");
        return Math.max(document.documentElement.scrollWidth, main.scrollWidth) - window.innerWidth;
    }""")


def _train_text_lab(app, page) -> None:
    """Train "hello" at the defaults, skip the question, wait for the table of guesses."""
    app.open(page, "text_lab")
    page.locator(".st-key-text_train button").click()
    page.get_by_text("Trained in").wait_for(timeout=app.RUN_TIMEOUT_MS)
    page.get_by_role("button", name="Skip").click()
    page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=app.RUN_TIMEOUT_MS)
    app.wait(page)
    app.assert_clean(page)


def test_text_lab_trains_hello_and_shows_its_guesses(app, page):
    _train_text_lab(app, page)
    main = page.locator("[data-testid='stMain']").inner_text()
    assert "4 of 4" in main and "The answer:" in main
    assert page.locator("[data-testid='stVegaLiteChart']").count() >= 3  # loss, state, one neuron
    full_page_screenshot(page, SCREENSHOTS / "text_lab_trained.png")


def test_text_lab_at_the_phone_viewport_has_no_sideways_scrolling(app, browser):
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.set_default_timeout(app.RUN_TIMEOUT_MS)
    try:
        page = phone.new_page()
        _train_text_lab(app, page)
        assert _sideways_overflow(page) <= 0, f"{_sideways_overflow(page)} px of sideways scrolling"
        full_page_screenshot(page, SCREENSHOTS / "text_lab_phone.png")
        assert _sideways_overflow(page) <= 0
    finally:
        phone.close()
