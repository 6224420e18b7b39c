"""Every page on a 390 x 844 phone (issues 19 and 21): no sideways scrolling at the page's defaults and at
its largest settings, every tap target at least 24 px, the main controls in the main area just above the
chart they drive, every label of a chart or drawing at least 11 px on the screen, and the sidebar closed
after moving to another page. One server, one phone context."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.benchmark import PAGES  # each page's largest allowed settings, as `make bench` measures them
from tests.browser.live import LiveApp

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
MIN_TARGET_PX = 24  # WCAG 2.2, 2.5.8 (AA)
MIN_LABEL_PX = 11   # issue 21: chart labels at least 11 px at 390 px
LARGEST_TIMEOUT_MS = 300_000
STRIPS = {"by_hand": "by_hand_controls", "bptt": "bptt_controls", "memory": "memory_controls",
          "gated": "gated_controls", "unrolling": "unrolling_controls"}  # controls.strip's keys
SETTINGS = [(name, "defaults") for name in PAGES] + [(name, "largest") for name, page in PAGES.items() if page.largest]

# The widths a page and its main area would need, against what they have; the elements that reach past
# the screen's right edge, to name in a failure.
OVERFLOW_JS = """() => {
  const doc = document.documentElement, main = document.querySelector('[data-testid=stMain]');
  const past = Array.from(main.querySelectorAll('[data-testid]'))
    .filter(e => e.getBoundingClientRect().right > doc.clientWidth + 1 && e.getBoundingClientRect().width > 0)
    .map(e => e.dataset.testid).slice(0, 5);
  return {page: [doc.scrollWidth, doc.clientWidth], main: [main.scrollWidth, main.clientWidth], past};
}"""

# Every text of a chart (Vega-Lite draws SVG here) or a Graphviz drawing, at the size the screen shows it: its
# font size times the scale its SVG is drawn at (a drawing shrunk to fit a narrow column shrinks its text).
LABELS_JS = """() => Array.from(document.querySelectorAll('[data-testid=stMain] svg text'))
  .filter(t => t.getBoundingClientRect().width > 0 && t.textContent.trim())
  .map(t => { const m = t.getScreenCTM();
              return [parseFloat(getComputedStyle(t).fontSize) * (m ? Math.hypot(m.a, m.b) : 1), t.textContent.trim().slice(0, 30)]; })"""

# Whatever a finger taps: buttons and links drawn as buttons, radio options, checkbox and toggle labels,
# slider tracks (a tap anywhere on one moves it), select boxes, expander headers, tabs. Hidden ones (in a
# closed sidebar or expander) have no size and are skipped; text links inside sentences are exempt (2.5.8).
TARGETS_JS = """() => {
  const selector = ['button', '[data-testid=stRadioOption]', '[data-testid=stCheckbox] label',
    '[data-testid=stSlider] [role=group]', '[data-testid=stSelectbox] [data-baseweb=select] > div',
    'summary', '[role=tab]', '[data-testid=stPageLink] a'].join(', ');
  const sidebar = document.querySelector('[data-testid=stSidebar]');
  const closed = sidebar && sidebar.getAttribute('data-collapsed') === 'true';
  return Array.from(document.querySelectorAll(selector)).filter(e => !(closed && sidebar.contains(e)))
    .map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.width > 0 && r.height > 0)
    .filter(([e, r]) => Math.min(r.width, r.height) < %d)
    .map(([e, r]) => `${e.getAttribute('aria-label') || e.innerText.slice(0, 30) || e.tagName} ` +
                     `(${(e.closest('[data-testid]') || e).dataset.testid}): ${Math.round(r.width)} x ${Math.round(r.height)}`);
}""" % MIN_TARGET_PX


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(LiveApp.RUN_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.mark.parametrize("name, settings", SETTINGS)
def test_no_page_scrolls_sideways_on_a_phone(app, phone, name, settings):
    query = urlencode(PAGES[name].largest) if settings == "largest" else ""
    phone.goto(f"{app.base_url}/{'' if name == 'overview' else name}" + (f"?{query}" if query else ""))
    app.wait(phone, LARGEST_TIMEOUT_MS)  # the unrolling page's largest sweep builds every graph: slow on a busy machine
    app.assert_clean(phone)
    widths = phone.evaluate(OVERFLOW_JS)
    assert widths["page"][0] <= widths["page"][1] and widths["main"][0] <= widths["main"][1] + 1, \
        f"{name} at its {settings} scrolls sideways: {widths}"
    unnamed = phone.evaluate("() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')]"
                             ".filter(e => !(e.getAttribute('aria-label') || '').trim()).length")
    assert unnamed == 0, f"{name} at its {settings}: {unnamed} charts lost their description (ARIA label) on the phone"
    labels = phone.evaluate(LABELS_JS)
    small = [(round(size, 1), text) for size, text in labels if size < MIN_LABEL_PX - 0.05]
    assert not small, f"{name} at its {settings}: chart labels under {MIN_LABEL_PX} px on the phone: {small[:8]}"
    if name in STRIPS:  # these pages open on charts: their labels were found and measured
        assert labels, f"{name}: no chart label found to measure"
    if settings == "defaults":
        small = phone.evaluate(TARGETS_JS)
        assert not small, f"{name}: tap targets under {MIN_TARGET_PX} px: {small}"
        # docs/screenshots/phone_<page>.png: the screen a student sees at the page's main controls (or its top)
        strip = phone.locator(f"[data-testid=stMain] .st-key-{STRIPS.get(name, 'none')}")
        if strip.count():
            phone.evaluate("e => { e.scrollIntoView({block: 'start'}); "  # then below Streamlit's 60 px header
                           "document.querySelector('[data-testid=stMain]').scrollBy(0, -72); }", strip.element_handle())
            phone.wait_for_timeout(300)
        phone.screenshot(path=str(SCREENSHOTS / f"phone_{name}.png"))


@pytest.mark.parametrize("name", STRIPS)
def test_the_main_controls_sit_in_the_main_area_above_what_they_drive(app, phone, name):
    app.open(phone, name)
    strip = phone.locator(f"[data-testid=stMain] .st-key-{STRIPS[name]}")
    assert strip.get_by_role("slider").count() >= 1, f"{name}: no slider in the main area's strip"
    strip.scroll_into_view_if_needed()
    top = strip.bounding_box()["y"]
    shown = phone.locator("[data-testid=stMain] :is([data-testid=stVegaLiteChart], [data-testid=stMetric])").all()
    below = [box for box in (e.bounding_box() for e in shown) if box and box["y"] > top]  # charts, and numbers (BPTT's loss)
    assert below, f"{name}: no chart or number below the strip"
    assert below[0]["y"] - top < PHONE["height"], f"{name}: what the controls drive starts a screen or more below them"


def test_the_sidebar_closes_after_moving_to_another_page(app, phone):
    app.open(phone, "by_hand")
    sidebar = phone.locator("[data-testid=stSidebar]")
    assert sidebar.get_attribute("data-collapsed") == "true"  # Streamlit's own: closed when a phone opens the app
    phone.locator("[data-testid=stExpandSidebarButton]").tap()
    phone.wait_for_function("document.querySelector('[data-testid=stSidebar]').getAttribute('data-collapsed') === 'false'")
    phone.locator("[data-testid=stSidebarNav] a[href$='/memory']").tap()
    app.wait(phone)
    phone.wait_for_function("document.querySelector('[data-testid=stSidebar]').getAttribute('data-collapsed') === 'true'")
    assert phone.url.split("?")[0].endswith("/memory")
    assert phone.locator("[data-testid=stSidebar]").bounding_box()["x"] < 0  # off the screen
